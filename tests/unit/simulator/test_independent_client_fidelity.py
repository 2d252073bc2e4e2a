"""Simulator answers that CZ.NIC's libdatovka (an independent ISDS client) found wrong.

Each test pins one gap the interop driver (tests/interop/) exposed, in-process and without
libdatovka, so the fix is guarded wherever the suite runs."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator

import pytest
from lxml import etree
from tests.unit.simulator.test_operations import NOW, NS, _ext, call, code, envelope, firm

from dso_desktop.simulator import Simulator
from dso_desktop.simulator.context import Limits

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XOP = "http://www.w3.org/2004/08/xop/include"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    s = Simulator(seed=8, messages=40, now=NOW)
    yield s
    s.stop()


def _auth(sim: Simulator) -> str:
    acc = sim.account("password")
    return "Basic " + base64.b64encode(f"{acc.username}:{acc.password}".encode()).decode()


def _erase_one_received(sim: Simulator) -> str:
    box = sim.account("password").box_id
    victim = next(m for m in sim.world.visible(box, "received"))
    victim.erased = True  # as after the retention period
    return victim.dm_id


def _ask_erased(sim: Simulator, fmt: str = "XML") -> str:
    resp = call(sim, "GetListOfErasedMessages",
                "<v20:dmFromDate>2000-01-01</v20:dmFromDate><v20:dmToDate>2100-01-01"
                "</v20:dmToDate><v20:dmMessageType>RECEIVED</v20:dmMessageType>"
                f"<v20:dmOutFormat>{fmt}</v20:dmOutFormat>", path="/DS/dx")
    assert code(resp) == "0000"
    async_id = resp.findtext(f"{{{NS}}}asyncID")
    assert async_id
    return async_id


def _pick_up(sim: Simulator, async_id: str, req_type: str) -> etree._Element:
    return call(sim, "PickUpAsyncResponse", f"<v20:asyncID>{async_id}</v20:asyncID>"
                f"<v20:asyncReqType>{req_type}</v20:asyncReqType>", path="/DS/dx")


def test_erased_list_is_picked_up_as_list_erased(sim: Simulator) -> None:
    """The request type is LIST_ERASED both ways (libdatovka refuses any other answer); a
    question with another type finds nothing and leaves the result for the right one."""
    dm_id = _erase_one_received(sim)
    async_id = _ask_erased(sim)
    wrong = _pick_up(sim, async_id, "ErasedMessages")
    assert code(wrong) != "0000"
    assert wrong.find(f"{{{NS}}}asyncResponse") is None
    picked = _pick_up(sim, async_id, "LIST_ERASED")
    assert code(picked) == "0000"
    assert picked.findtext(f"{{{NS}}}asyncReqType") == "LIST_ERASED"
    payload = base64.b64decode(picked.findtext(f"{{{NS}}}asyncResponse") or "")
    assert zipfile.ZipFile(io.BytesIO(payload)).namelist() == ["erased.xml"]
    # a result is handed over once
    assert code(_pick_up(sim, async_id, "LIST_ERASED")) != "0000"
    _ = dm_id


def test_erased_xml_list_is_isds_dm_records(sim: Simulator) -> None:
    """/isds:dmRecords/isds:dmRecord with ISDS-namespaced fields, as libdatovka's
    isds_load_erased_messages() reads it (a plain <erasedMessages> list parsed as empty)."""
    dm_id = _erase_one_received(sim)
    picked = _pick_up(sim, _ask_erased(sim), "LIST_ERASED")
    payload = base64.b64decode(picked.findtext(f"{{{NS}}}asyncResponse") or "")
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(payload)).read("erased.xml"))
    assert root.tag == f"{{{NS}}}dmRecords"
    records = root.findall(f"{{{NS}}}dmRecord")
    assert [r.findtext(f"{{{NS}}}dmID") for r in records] == [dm_id]
    rec = records[0]
    msg = sim.world.messages[dm_id]
    assert rec.findtext(f"{{{NS}}}dmAnnotation") == msg.annotation
    assert rec.findtext(f"{{{NS}}}dmType") == msg.dm_type
    assert rec.findtext(f"{{{NS}}}dmMessageStatus") == str(msg.status)
    assert rec.findtext(f"{{{NS}}}dbIDSender") == msg.sender_id


def _signed_zfo(sim: Simulator, dm_id: str) -> bytes:
    resp = call(sim, "SignedMessageDownload", f"<v20:dmID>{dm_id}</v20:dmID>")
    assert code(resp) == "0000"
    return base64.b64decode(resp.findtext(f"{{{NS}}}dmSignature") or "")


def test_archive_service_answers_mtom_when_asked(sim: Simulator) -> None:
    """dm_arch lives on ws2 beside dm_VoDZ: with Accept: multipart/related its dmResultDoc
    comes back as an xop:Include part (libdatovka's ArchiveISDSDocument_mtomxop)."""
    from dso_desktop.simulator.xmlio import _split_multipart

    box = sim.account("password").box_id
    zfo = _signed_zfo(sim, next(iter(sim.world.visible(box, "received"))).dm_id)
    req = (f'<e:Envelope xmlns:e="{SOAP12}"><e:Body><v:ArchiveISDSDocument xmlns:v="{NS}">'
           f"<v:dmMessage>{base64.b64encode(zfo).decode()}</v:dmMessage>"
           "</v:ArchiveISDSDocument></e:Body></e:Envelope>").encode()
    reply = sim.core.handle_soap("/DS/arch", {"authorization": _auth(sim),
                                              "accept": "multipart/related"}, req, None)
    assert reply.status == 200
    content_type = reply.headers["Content-Type"]
    assert content_type.startswith("multipart/related")
    root_part, parts = _split_multipart(reply.body, content_type)
    result = etree.fromstring(root_part).find(f".//{{{NS}}}dmResultDoc")
    assert result is not None and result.find(f"{{{XOP}}}Include") is not None
    [doc] = parts.values()
    assert sim.core.authenticate(doc) is not None  # the re-sealed document itself
    plain = sim.core.handle_soap("/DS/arch", {"authorization": _auth(sim)}, req, None)
    assert not plain.headers["Content-Type"].startswith("multipart/")


def test_mtom_boundary_is_an_unquoted_leading_parameter(sim: Simulator) -> None:
    """libdatovka takes a header parameter up to the next ';' or the line end: a quoted
    boundary at the end came with its quote and CRLF and matched no part."""
    box = sim.account("password").box_id
    zfo = _signed_zfo(sim, next(iter(sim.world.visible(box, "received"))).dm_id)
    req = (f'<e:Envelope xmlns:e="{SOAP12}"><e:Body><v:ArchiveISDSDocument xmlns:v="{NS}">'
           f"<v:dmMessage>{base64.b64encode(zfo).decode()}</v:dmMessage>"
           "</v:ArchiveISDSDocument></e:Body></e:Envelope>").encode()
    reply = sim.core.handle_soap("/DS/arch", {"authorization": _auth(sim),
                                              "accept": "multipart/related"}, req, None)
    header = reply.headers["Content-Type"] + "\r\n"  # as a header callback sees the line
    media, first, *rest = [p.strip() for p in header.split(";")]
    assert media == "multipart/related"
    name, _, value = first.partition("=")
    assert name == "boundary" and value and '"' not in value
    assert reply.body.startswith(f"--{value}\r\n".encode())
    assert reply.body.rstrip().endswith(f"--{value}--".encode())
    assert any(p.startswith("start=") for p in rest)


def _call_vodz(sim: Simulator, op: str, inner: str) -> etree._Element:
    """`call` for answers over libxml2's default text limit (the test reads them huge)."""
    acc = sim.account("password")
    auth = "Basic " + base64.b64encode(f"{acc.username}:{acc.password}".encode()).decode()
    body = (f'<e:Envelope xmlns:e="{SOAP12}"><e:Body><v20:{op} xmlns:v20="{NS}">{inner}'
            f"</v20:{op}></e:Body></e:Envelope>").encode()
    reply = sim.core.handle_soap("/DS/vodz", {"authorization": auth}, body, None)
    assert reply.status == 200
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    return etree.fromstring(reply.body, parser)[0][0]


def test_a_high_volume_zfo_authenticates() -> None:
    """A VoDZ ZFO carries its attachment inline: a text node above libxml2's 10 MB default.
    AuthenticateBigMessage said "not ours" to the simulator's own signed big message."""
    s = Simulator(seed=3, messages=2, now=NOW)
    s.core.limits = Limits(normal_max=10 * 1024 * 1024, big_max=20 * 1024 * 1024,
                           big_tolerance=0, max_files=4, max_recipients=3,
                           upload_quota_factor=4)
    try:
        data = b"%PDF-1.4\n" + b"x" * (11 * 1024 * 1024)
        inner = ('<v20:dmFile dmMimeType="application/pdf" dmFileDescr="velka.pdf">'
                 f"<v20:dmEncodedContent>{base64.b64encode(data).decode()}"
                 "</v20:dmEncodedContent></v20:dmFile>")
        up = call(s, "UploadAttachment", inner, path="/DS/vodz", soap12=True)
        assert code(up) == "0000"
        sent = call(s, "CreateBigMessage", envelope(firm(s)) + _ext(up), path="/DS/vodz",
                    soap12=True)
        assert code(sent) == "0000"
        dm_id = sent.findtext(f"{{{NS}}}dmID")
        signed = _call_vodz(s, "SignedSentBigMessageDownload", f"<v20:dmID>{dm_id}</v20:dmID>")
        zfo = base64.b64decode(signed.findtext(f"{{{NS}}}dmSignature") or "")
        assert len(zfo) > 11 * 1024 * 1024
        resp = call(s, "AuthenticateBigMessage",
                    f"<v20:dmMessage>{base64.b64encode(zfo).decode()}</v20:dmMessage>",
                    path="/DS/vodz", soap12=True)
        assert code(resp) == "0000"
        assert resp.findtext(f"{{{NS}}}dmAuthResult") == "true"
        # still a real check: one flipped byte in the attachment is not authentic
        bad = bytearray(zfo)
        bad[len(bad) // 2] ^= 0x01
        resp = call(s, "AuthenticateBigMessage",
                    f"<v20:dmMessage>{base64.b64encode(bytes(bad)).decode()}</v20:dmMessage>",
                    path="/DS/vodz", soap12=True)
        assert resp.findtext(f"{{{NS}}}dmAuthResult") == "false"
    finally:
        s.stop()
