"""The simulator seals messages and delivery infos in the encoding real ISDS ZFOs have.

Real ZFOs (``isds-spec/zfo-samples``) are BER: indefinite lengths around the content and
the certificates, the eContent a constructed OCTET STRING of 1000-byte chunks. A simulator
that sealed plain DER hid two faults in the client for a year of tests and benchmarks (a
refusal of any message over ~10 MB, a parse quadratic in the chunks); so its ZFOs must have
the real shape, and every test and benchmark that downloads them runs the path real
downloads take.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree
from tests.conftest import ZFO_SAMPLES, require_shared
from tests.unit.simulator.test_operations import NS, call, envelope, files, firm

from dso_desktop.simulator import Simulator, signing
from dso_desktop.simulator.signing import ISDS_CHUNK, isds_layout
from dso_desktop.zfo import fastcms
from dso_desktop.zfo.parse import parse_zfo

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _shape(data: bytes) -> Any:
    """The ZFO's outer encoding down to the eContent's chunks and the certificates: each
    node's tag and whether its length is indefinite; the chunks summed up as (count > 1,
    the size of every chunk but the last); what lies inside a certificate or the signer
    infos left out (it is DER in both, and differs by content)."""
    def walk(t: fastcms.Tlv, depth: int) -> Any:
        if t.tag == 0x24:  # the chunked eContent
            sizes = {c.end - c.body for c in fastcms.children(data, t, len(data))[:-1]}
            return ("chunks", t.indefinite, sizes)
        if not t.tag & 0x20 or depth == 0 or t.tag == 0x31:
            return (t.tag, t.indefinite)
        kids = [walk(c, depth - 1) for c in fastcms.children(data, t, len(data))]
        if t.tag == 0xA0 and kids and kids[0] == (0x30, False) and len(kids) > 1:
            kids = kids[:1]  # the certificates: how many differs from file to file
        return (t.tag, t.indefinite, kids)

    return walk(fastcms.read(data, 0, len(data)), 5)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    s = Simulator(seed=8, messages=6, now=NOW)
    yield s
    s.stop()


def _downloaded(sim: Simulator, op: str, path: str) -> list[bytes]:
    acc = sim.account("password")
    ids = [m.dm_id for m in sim.world.messages.values()
           if acc.box_id in (m.recipient_id, m.sender_id)][:3]
    assert ids
    out = []
    for dm_id in ids:
        resp = call(sim, op, f"<v20:dmID>{dm_id}</v20:dmID>", path=path)
        text = resp.findtext(f".//{{{NS}}}dmSignature")
        if text:
            out.append(base64.b64decode(text))
    return out


def test_real_samples_share_one_shape() -> None:
    """What the simulator is held to: the real samples' own common shape (a message of
    over 1000 bytes of content is chunked by 1000)."""
    require_shared(ZFO_SAMPLES)
    shapes = {repr(_shape(p.read_bytes())) for p in sorted(ZFO_SAMPLES.glob("*.zfo"))}
    assert len(shapes) == 1, shapes
    assert f"{{{ISDS_CHUNK}}}" in shapes.pop()


def test_simulator_zfos_have_the_shape_of_real_ones(sim: Simulator) -> None:
    require_shared(ZFO_SAMPLES)
    real = _shape(sorted(ZFO_SAMPLES.glob("*.zfo"))[0].read_bytes())
    zfos = (_downloaded(sim, "SignedMessageDownload", "/DS/dz")
            + _downloaded(sim, "GetSignedDeliveryInfo", "/DS/dx"))
    assert zfos
    for data in zfos:
        assert _shape(data) == real
        assert parse_zfo(data).envelope.message_id


def test_the_layout_keeps_the_content_and_the_signature(sim: Simulator) -> None:
    """isds_layout re-encodes the containers only: the content, certificates and signer
    info (with its signature) are the DER's, byte for byte."""
    signer = sim.core.signer
    der = signer._content_info(signer.seal, signing._OID_DATA,  # the DER it starts from
                               b"<x>" + b"y" * 2500 + b"</x>", NOW, with_token=True)
    ber = isds_layout(der)
    a, b = fastcms.signed_data(der), fastcms.signed_data(ber)
    assert b.content == a.content == b"<x>" + b"y" * 2500 + b"</x>"
    assert (b.certs, b.signature, b.signed_attrs_set, b.unsigned.keys()) == (
        a.certs, a.signature, a.signed_attrs_set, a.unsigned.keys())
    top = fastcms.read(ber, 0, len(ber))
    assert top.indefinite and top.next == len(ber)
    chunked = ber[ber.index(b"\x24\x80"):]
    sizes = [c.end - c.body for c in fastcms.children(
        chunked, fastcms.read(chunked, 0, len(chunked)), 100)]
    assert sizes == [1000, 1000, len(a.content or b"") - 2000]
    assert len(isds_layout(der, chunk=7)) > len(ber)  # the chunk size is honoured


def test_a_sent_message_comes_back_authentic_in_the_real_shape(sim: Simulator) -> None:
    """AuthenticateMessage reads the simulator's own BER ZFOs (the C reader, not asn1crypto's
    chunk join) and still refuses a ZFO whose content was changed."""
    sent = call(sim, "CreateMessage", envelope(firm(sim)) + files(("a.pdf", b"%PDF-1.4\n%%EOF\n")))
    dm_id = sent.findtext(f".//{{{NS}}}dmID")
    assert dm_id
    resp = call(sim, "SignedSentMessageDownload", f"<v20:dmID>{dm_id}</v20:dmID>")
    zfo = base64.b64decode(resp.findtext(f".//{{{NS}}}dmSignature") or "")
    assert zfo[:2] == b"\x30\x80"
    assert sim.core.authenticate(zfo) is not None
    at = zfo.index(b"Test</")  # the annotation, inside a chunk
    forged = zfo[:at] + b"Tost" + zfo[at + 4:]
    assert sim.core.authenticate(forged) is None
    ok = call(sim, "AuthenticateMessage",
              f"<v20:dmMessage>{base64.b64encode(zfo).decode()}</v20:dmMessage>")
    assert ok.findtext(f".//{{{NS}}}dmAuthResult") == "true", etree.tostring(ok)[:300]
