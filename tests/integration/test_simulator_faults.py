"""Each injected fault mode, as the server shows it on the wire."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from collections.abc import Iterator

import pytest
import requests

from dso_desktop.simulator import Simulator

DUMMY = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
         b'<DummyOperation xmlns="http://isds.czechpoint.cz/v20"/></s:Body></s:Envelope>')
OWNER = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
         b'<p:GetOwnerInfoFromLogin xmlns:p="http://isds.czechpoint.cz/v20"><p:dbDummy/>'
         b'</p:GetOwnerInfoFromLogin></s:Body></s:Envelope>')


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=5, messages=2) as s:
        yield s


def _post(sim: Simulator, path: str = "/DS/dz", body: bytes = DUMMY) -> requests.Response:
    acc = sim.account("password")
    s = requests.Session()
    s.trust_env = False
    return s.post(sim.url + path, data=body, auth=(acc.username, acc.password),
                  verify=sim.info.ca_file, headers={"Content-Type": "text/xml"})


def _raw(sim: Simulator) -> tuple[http.client.HTTPResponse, ssl.SSLSocket]:
    import base64

    acc = sim.account("password")
    ctx = ssl.create_default_context(cafile=sim.info.ca_file)
    port = int(sim.url.rsplit(":", 1)[1])
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    token = base64.b64encode(f"{acc.username}:{acc.password}".encode()).decode()
    conn.request("POST", "/DS/dz", body=DUMMY, headers={
        "Content-Type": "text/xml", "Authorization": f"Basic {token}"})
    return conn.getresponse(), conn.sock


def test_maintenance_is_503_with_soap_fault(sim: Simulator) -> None:
    sim.faults.inject(None, "maintenance", times=1)
    r = _post(sim)
    assert r.status_code == 503 and b"Fault" in r.content and "údržba" in r.text
    assert _post(sim).status_code == 200  # only once


@pytest.mark.parametrize("code", ["3008", "3009"])
def test_throttling_codes_in_dm_and_db_status(sim: Simulator, code: str) -> None:
    sim.faults.inject(None, code, times=2)
    assert f"<p:dmStatusCode>{code}</p:dmStatusCode>" in _post(sim).text
    r = _post(sim, "/DS/DsManage", OWNER)
    assert f"<p:dbStatusCode>{code}</p:dbStatusCode>" in r.text


def test_fault_for_one_operation_only(sim: Simulator) -> None:
    sim.faults.inject("GetOwnerInfoFromLogin", "3009")
    assert "0000" in _post(sim).text
    assert "3009" in _post(sim, "/DS/DsManage", OWNER).text
    sim.faults.clear()
    assert "3009" not in _post(sim, "/DS/DsManage", OWNER).text


def test_restricted_mode_delays_and_rejects_parallel(sim: Simulator) -> None:
    entered = threading.Event()
    release = threading.Event()
    delays: list[float] = []

    def fake_sleep(seconds: float) -> None:  # drives the 3 s delay without waiting
        delays.append(seconds)
        entered.set()
        release.wait(10)

    sim.core.sleep = fake_sleep
    sim.faults.inject(None, "restricted")
    first: list[requests.Response] = []
    worker = threading.Thread(target=lambda: first.append(_post(sim)))
    worker.start()
    assert entered.wait(10)
    parallel = _post(sim)
    release.set()
    worker.join(10)
    assert delays[0] == 3.0
    assert "<p:dmStatusCode>3008</p:dmStatusCode>" in parallel.text
    assert "<p:dmStatusCode>0000</p:dmStatusCode>" in first[0].text


def test_slow_response_uses_the_delay(sim: Simulator) -> None:
    delays: list[float] = []
    sim.core.sleep = delays.append
    sim.faults.inject("DummyOperation", "slow", delay=7.5, times=1)
    assert _post(sim).status_code == 200
    assert delays == [7.5]


def test_connection_reset(sim: Simulator) -> None:
    sim.faults.inject(None, "reset", times=1)
    with pytest.raises((ConnectionError, OSError, http.client.HTTPException)):
        resp, _ = _raw(sim)
        resp.read()


def test_truncated_body(sim: Simulator) -> None:
    sim.faults.inject(None, "truncated", times=1)
    resp, _ = _raw(sim)
    with pytest.raises(http.client.IncompleteRead):
        resp.read()


def test_malformed_xml(sim: Simulator) -> None:
    from lxml import etree

    sim.faults.inject(None, "malformed", times=1)
    r = _post(sim)
    assert r.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(r.content)


def test_no_timestamp_gives_0005_and_a_zfo_without_token(sim: Simulator) -> None:
    import base64
    import re

    from asn1crypto import cms

    msg = next(m for m in sim.world.messages.values()
               if m.recipient_id == sim.account("password").box_id)
    body = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            b'<SignedMessageDownload xmlns="http://isds.czechpoint.cz/v20"><dmID>'
            + msg.dm_id.encode() + b"</dmID></SignedMessageDownload></s:Body></s:Envelope>")
    sim.faults.inject("SignedMessageDownload", "no-timestamp", times=1)
    r = _post(sim, "/DS/dz", body)
    assert "<p:dmStatusCode>0005</p:dmStatusCode>" in r.text
    zfo = base64.b64decode(re.search(r"dmSignature>([^<]+)<", r.text).group(1))
    signer = cms.ContentInfo.load(zfo)["content"]["signer_infos"][0]
    assert signer["unsigned_attrs"].native is None
    r = _post(sim, "/DS/dz", body)
    assert "<p:dmStatusCode>0000</p:dmStatusCode>" in r.text


def test_malformed_request_gets_a_client_fault(sim: Simulator) -> None:
    r = _post(sim, body=b"<s:Envelope><oops")
    assert r.status_code == 500 and b"Client" in r.content
    r = _post(sim, body=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    assert r.status_code == 500 and b"DOCTYPE" in r.content
    unknown = DUMMY.replace(b"DummyOperation", b"NoSuchOperation")
    r = _post(sim, body=unknown)
    assert r.status_code == 200 and b"2006" in r.content  # not a SOAP Fault (PROTOCOL.md §4)


_ = socket
