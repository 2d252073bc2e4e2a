"""Simulator-made ZFOs (its own fast signer) pass our parser and verifier: one format, two sides."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
import requests

from dso_desktop.simulator import Simulator
from dso_desktop.zfo.model import ZfoKind
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

pytestmark = pytest.mark.conformance


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(seed=7, messages=4) as s:
        yield s


def _download(sim: Simulator, path: str, op: str, dm_id: str) -> bytes:
    acc = sim.account("password")
    body = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            f'<{op} xmlns="http://isds.czechpoint.cz/v20"><dmID>{dm_id}</dmID></{op}>'
            "</s:Body></s:Envelope>").encode()
    session = requests.Session()
    session.trust_env = False
    r = session.post(sim.url + path, data=body, auth=(acc.username, acc.password),
                     verify=sim.info.ca_file, timeout=30)
    assert r.status_code == 200
    m = re.search(r"dmSignature>([^<]+)<", r.text)
    assert m, r.text[:300]
    return base64.b64decode(m.group(1))


def test_simulator_zfos_parse_and_verify(sim: Simulator) -> None:
    trust = TrustStore.from_paths([sim.info.ca_file])
    box = sim.account("password").box_id
    kinds = set()
    for msg in list(sim.world.messages.values()):
        op = "SignedMessageDownload" if msg.recipient_id == box else "SignedSentMessageDownload"
        for path, operation in (("/DS/dz", op), ("/DS/dx", "GetSignedDeliveryInfo")):
            data = _download(sim, path, operation, msg.dm_id)
            z = parse_zfo(data)
            kinds.add(z.kind)
            assert z.message_id == str(msg.dm_id)
            v = verify_zfo(data, trust)
            assert v.kind in (VerdictKind.VALID, VerdictKind.EXPIRING), v.reasons
            assert verify_zfo(z, trust).kind is v.kind
            if z.kind is not ZfoKind.DELIVERY_INFO:
                assert v.dm_hash == "ok"
    assert ZfoKind.DELIVERY_INFO in kinds and len(kinds) >= 2
