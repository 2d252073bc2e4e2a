"""openssl accepts every ZFO the simulator signs; the ZFO XML looks like real ISDS ZFOs."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree

from dso_desktop.simulator import Simulator

pytestmark = pytest.mark.conformance
OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(seed=31, messages=6) as s:
        yield s


def _call(sim: Simulator, path: str, op: str, dm_id: str) -> str:
    acc = sim.account("password")
    body = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            f'<{op} xmlns="http://isds.czechpoint.cz/v20"><dmID>{dm_id}</dmID></{op}>'
            "</s:Body></s:Envelope>").encode()
    s = requests.Session()
    s.trust_env = False
    r = s.post(sim.url + path, data=body, auth=(acc.username, acc.password),
               verify=sim.info.ca_file)
    assert r.status_code == 200
    return r.text


def _zfos(sim: Simulator) -> list[tuple[str, bytes]]:
    box = sim.account("password").box_id
    out = []
    for msg in sim.world.messages.values():
        if msg.recipient_id == box:
            op, kind = "SignedMessageDownload", "message"
        else:
            op, kind = "SignedSentMessageDownload", "SentMessage"
        for path, operation, k in (("/DS/dz", op, kind),
                                   ("/DS/dx", "GetSignedDeliveryInfo", "delivery")):
            text = _call(sim, path, operation, msg.dm_id)
            data = base64.b64decode(re.search(r"dmSignature>([^<]+)<", text).group(1))
            out.append((k, data))
    return out


@pytest.mark.skipif(OPENSSL is None, reason="openssl binary not installed")
def test_openssl_cms_verify_accepts_every_zfo(sim: Simulator, tmp_path: Path) -> None:
    zfos = _zfos(sim)
    assert {k for k, _ in zfos} == {"message", "SentMessage", "delivery"}
    for i, (kind, data) in enumerate(zfos):
        path = tmp_path / f"{i}.zfo"
        path.write_bytes(data)
        out = tmp_path / f"{i}.xml"
        r = subprocess.run([OPENSSL, "cms", "-verify", "-inform", "DER", "-in", str(path),
                            "-CAfile", sim.info.ca_file, "-purpose", "any", "-out", str(out)],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        root = etree.fromstring(out.read_bytes())
        assert root.nsmap["q"] == f"http://isds.czechpoint.cz/v20/{kind}"
        assert etree.QName(root).localname in ("MessageDownloadResponse",
                                               "GetDeliveryInfoResponse")
        dm = root[0][0]
        assert etree.QName(dm).localname == "dmDm"
        assert etree.QName(dm).namespace == "http://isds.czechpoint.cz/v20"
        hash_el = root[0].find(f"{{{root.nsmap['q']}}}dmHash")
        assert hash_el.get("algorithm") == "SHA-256"
        assert root[0].find(f"{{{root.nsmap['q']}}}dmQTimestamp").text


def test_timestamp_token_in_unsigned_attrs_and_dm_qtimestamp_over_dm_hash(
        sim: Simulator) -> None:
    from asn1crypto import cms, tsp

    _kind, data = _zfos(sim)[0]
    signed = cms.ContentInfo.load(data)["content"]
    signer = signed["signer_infos"][0]
    attrs = {a["type"].native: a["values"][0] for a in signer["unsigned_attrs"]}
    token = attrs["signature_time_stamp_token"]
    tst = tsp.TSTInfo.load(token["content"]["encap_content_info"]["content"].parsed.dump())
    import hashlib

    assert tst["message_imprint"]["hashed_message"].native == hashlib.sha256(
        signer["signature"].native).digest()
    root = etree.fromstring(signed["encap_content_info"]["content"].native)
    q = root.nsmap["q"]
    dm_hash = base64.b64decode(root[0].find(f"{{{q}}}dmHash").text)
    qts = cms.ContentInfo.load(base64.b64decode(root[0].find(f"{{{q}}}dmQTimestamp").text))
    qtst = tsp.TSTInfo.load(qts["content"]["encap_content_info"]["content"].parsed.dump())
    assert qtst["message_imprint"]["hashed_message"].native == dm_hash


def test_state_dir_keeps_ca_and_world(tmp_path: Path) -> None:
    first = Simulator(tmp_path / "state", seed=2, messages=4)
    info = first.start()
    ca = Path(info.ca_file).read_bytes()
    acc = first.account("password")
    first.clock.advance(days=3)
    first.stop()
    second = Simulator(tmp_path / "state", seed=99, messages=0)
    info2 = second.start()
    try:
        assert Path(info2.ca_file).read_bytes() == ca
        assert second.account("password").username == acc.username
        assert len(second.world.messages) == 4
        assert second.clock.offset.days >= 2
        assert info2.url == info.url  # the same port again, so saved accounts still work
    finally:
        second.stop()


def test_project_verifier_accepts_simulator_zfos(sim: Simulator) -> None:
    """The client's own verifier (zfo.verify_zfo) trusts the simulator CA and finds the
    seal, the timestamp and (for messages) dmHash in order."""
    from dso_desktop.zfo import TrustStore, verify_zfo

    trust = TrustStore.from_paths([Path(sim.info.ca_file)])
    for kind, data in _zfos(sim):
        verdict = verify_zfo(data, trust)
        assert verdict.kind.value in ("valid", "expiring"), (kind, verdict.reasons)
        if kind != "delivery":
            assert any("dmHash matches" in r for r in verdict.reasons), verdict.reasons


@pytest.mark.slow
def test_generating_100000_messages_is_quick() -> None:
    """The issue's bar: 100,000 messages in under a minute (the benchmark times it too)."""
    import time
    from datetime import UTC, datetime

    from dso_desktop.simulator.generator import build_world

    start = time.perf_counter()
    world, _ = build_world(1, 100_000, now=datetime.now(UTC))
    elapsed = time.perf_counter() - start
    assert len(world.messages) == 100_000
    assert elapsed < 60, f"took {elapsed:.1f} s"
