"""Operation rules, driven in-process through the SOAP dispatcher (no sockets)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from dso_desktop.simulator import Simulator
from dso_desktop.simulator.context import Limits

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
NS = "http://isds.czechpoint.cz/v20"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    s = Simulator(seed=8, messages=40, now=NOW)
    s.core.limits = Limits(normal_max=10_000, big_max=40_000, big_tolerance=1_000,
                           max_files=4, max_recipients=3, upload_quota_factor=2)
    yield s
    s.stop()


def call(sim: Simulator, op: str, inner: str, *, path: str = "/DS/dz",
         account: str = "password", box_type: str | None = None,
         soap12: bool = False) -> etree._Element:
    acc = sim.account(account, box_type)
    env = ("http://www.w3.org/2003/05/soap-envelope" if soap12
           else "http://schemas.xmlsoap.org/soap/envelope/")
    body = (f'<e:Envelope xmlns:e="{env}"><e:Body><v20:{op} xmlns:v20="{NS}" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{inner}</v20:{op}>'
            "</e:Body></e:Envelope>").encode()
    auth = "Basic " + base64.b64encode(f"{acc.username}:{acc.password}".encode()).decode()
    reply = sim.core.handle_soap(path, {"authorization": auth}, body, None)
    assert reply.status == 200, reply.body[:300]
    root = etree.fromstring(reply.body)
    return root[0][0]


def code(resp: etree._Element) -> str:
    return resp.findtext(f".//{{{NS}}}dmStatusCode") or resp.findtext(f".//{{{NS}}}dbStatusCode")


def envelope(recipient: str, extra: str = "") -> str:
    return (f"<v20:dmEnvelope><v20:dbIDRecipient>{recipient}</v20:dbIDRecipient>"
            f"<v20:dmAnnotation>Test</v20:dmAnnotation>{extra}</v20:dmEnvelope>")


def files(*items: tuple[str, bytes]) -> str:
    parts = "".join(
        f'<v20:dmFile dmMimeType="" dmFileMetaType="{"main" if i == 0 else "enclosure"}" '
        f'dmFileDescr="{name}"><v20:dmEncodedContent>{base64.b64encode(data).decode()}'
        "</v20:dmEncodedContent></v20:dmFile>" for i, (name, data) in enumerate(items))
    return f"<v20:dmFiles>{parts}</v20:dmFiles>"


def firm(sim: Simulator) -> str:
    return sim.account("password", "PO").box_id


def list_received(sim: Simulator, inner: str) -> list[etree._Element]:
    resp = call(sim, "GetListOfReceivedMessages", inner, path="/DS/dx")
    assert code(resp) == "0000"
    return resp.findall(f".//{{{NS}}}dmRecord")


def test_list_accepts_every_client_style_and_filters(sim: Simulator) -> None:
    box = sim.account("password").box_id
    total = len(list(sim.world.visible(box, "received")))
    # libdatovka: naive UTC times with six digits, empty optionals, 2046 bit mask
    libdatovka = list_received(sim, (
        "<v20:dmFromTime>2000-01-01T00:00:00.000000</v20:dmFromTime>"
        "<v20:dmToTime>2030-01-01T00:00:00.000000</v20:dmToTime>"
        "<v20:dmRecipientOrgUnitNum/><v20:dmStatusFilter>2046</v20:dmStatusFilter>"
        "<v20:dmOffset>1</v20:dmOffset><v20:dmLimit/>"))
    # zeep/Java: xsi:nil, Z and offsets, -1
    zeep_style = list_received(sim, (
        '<v20:dmFromTime xsi:nil="true"/><v20:dmToTime>2030-01-01T01:00:00+01:00</v20:dmToTime>'
        '<v20:dmRecipientOrgUnitNum xsi:nil="true"/><v20:dmStatusFilter>-1</v20:dmStatusFilter>'
        '<v20:dmOffset xsi:nil="true"/><v20:dmLimit xsi:nil="true"/>'))
    assert len(libdatovka) == len(zeep_style) == total
    page = list_received(sim, "<v20:dmStatusFilter>-1</v20:dmStatusFilter>"
                              "<v20:dmOffset>3</v20:dmOffset><v20:dmLimit>2</v20:dmLimit>")
    assert [r.findtext(f"{{{NS}}}dmOrdinal") for r in page] == ["3", "4"]
    assert [r.findtext(f"{{{NS}}}dmID") for r in page] == [
        r.findtext(f"{{{NS}}}dmID") for r in libdatovka[2:4]]
    only_read = list_received(sim, f"<v20:dmStatusFilter>{1 << 7}</v20:dmStatusFilter>")
    assert only_read and all(r.findtext(f"{{{NS}}}dmMessageStatus") == "7" for r in only_read)
    window = list_received(sim, (
        f"<v20:dmFromTime>{(NOW - timedelta(days=30)).date()}</v20:dmFromTime>"
        "<v20:dmStatusFilter>-1</v20:dmStatusFilter>"))
    assert 0 < len(window) < total


def test_listing_received_is_delivery_by_login(sim: Simulator) -> None:
    box = sim.account("password").box_id
    for _ in range(2):
        assert code(call(sim, "CreateMessage", envelope(box) + files(("a.txt", b"a")),
                         box_type="PO")) == "0000"
    pending = [m for m in sim.world.visible(box, "received")
               if m.status == 4 and not m.personal_delivery]
    assert len(pending) >= 2
    list_received(sim, "<v20:dmStatusFilter>-1</v20:dmStatusFilter>")
    assert all(m.status == 6 for m in pending)
    changes = call(sim, "GetMessageStateChanges",
                   "<v20:dmFromTime/><v20:dmToTime/>", path="/DS/dx")
    seen = {(r.findtext(f"{{{NS}}}dmID"), r.findtext(f"{{{NS}}}dmMessageStatus"))
            for r in changes.findall(f".//{{{NS}}}dmRecord")}
    assert all((m.dm_id, "6") in seen for m in pending)


def test_fiction_through_the_clock(sim: Simulator) -> None:
    resp = call(sim, "CreateMessage", envelope(sim.account("password").box_id) + files(
        ("a.pdf", PDF)), account="password", box_type="PO")
    assert code(resp) == "0000"
    msg = sim.world.messages[resp.findtext(f"{{{NS}}}dmID")]
    assert msg.status == 4
    sim.clock.advance(days=10, seconds=1)
    call(sim, "DummyOperation", "")  # any request lets the world catch up with the clock
    assert msg.status == 5 and msg.events[-1][1].startswith("EV2")


def test_attachment_rules(sim: Simulator) -> None:
    to = firm(sim)
    assert code(call(sim, "CreateMessage", envelope(to) + files(("x.exe", b"MZ")))) == "1214"
    assert code(call(sim, "CreateMessage", envelope(to) + files(("fake.pdf", b"hello")))) \
        == "1214"
    five = [(f"f{i}.txt", b"t") for i in range(5)]
    assert code(call(sim, "CreateMessage", envelope(to) + files(*five))) == "1217"
    big = ("big.txt", b"x" * 12_000)
    assert code(call(sim, "CreateMessage", envelope(to) + files(big))) == "1281"
    assert code(call(sim, "CreateMessage", envelope("nonexst") + files(("a.txt", b"a")))) \
        == "5001"
    ok = call(sim, "CreateMessage", envelope(to) + files(("dopis&lt;1&gt;.txt", b"a")))
    assert code(ok) == "0000"
    assert sim.world.messages[ok.findtext(f"{{{NS}}}dmID")].files[0].name == "dopis_1_.txt"


def test_multiple_message_recipient_limit(sim: Simulator) -> None:
    boxes = [b.box_id for b in sim.world.boxes.values() if b.state == 1][:4]
    recips = "".join(f"<v20:dmRecipient><v20:dbIDRecipient>{b}</v20:dbIDRecipient>"
                     "</v20:dmRecipient>" for b in boxes)
    env = "<v20:dmEnvelope><v20:dmAnnotation>Oběžník</v20:dmAnnotation></v20:dmEnvelope>"
    resp = call(sim, "CreateMultipleMessage",
                f"<v20:dmRecipients>{recips}</v20:dmRecipients>{env}"
                + files(("a.txt", b"a")))
    assert code(resp) == "1217"


def _upload(sim: Simulator, size: int, name: str = "data.pdf") -> etree._Element:
    data = b"%PDF" + b"0" * (size - 4)
    inner = (f'<v20:dmFile dmMimeType="application/pdf" dmFileDescr="{name}">'
             f"<v20:dmEncodedContent>{base64.b64encode(data).decode()}</v20:dmEncodedContent>"
             "</v20:dmFile>")
    return call(sim, "UploadAttachment", inner, path="/DS/vodz", soap12=True)


def _ext(up: etree._Element) -> str:
    return (f'<v20:dmFiles><v20:dmExtFile dmFileMetaType="main" '
            f'dmAttID="{up.findtext(f"{{{NS}}}dmAttID")}" '
            f'dmAttHash1="{up.findtext(f"{{{NS}}}dmAttHash1")}" dmAttHash1Alg="SHA-256" '
            f'dmAttHash2="{up.findtext(f"{{{NS}}}dmAttHash2")}" dmAttHash2Alg="SHA3-256"/>'
            "</v20:dmFiles>")


def test_big_message_rules(sim: Simulator) -> None:
    to = firm(sim)
    small = _upload(sim, 5_000)
    assert code(small) == "0000"
    assert code(call(sim, "CreateBigMessage", envelope(to) + _ext(small), path="/DS/vodz",
                     soap12=True)) == "1297"  # a VoDZ below the normal limit
    good = _upload(sim, 20_000)
    resp = call(sim, "CreateBigMessage", envelope(to) + _ext(good), path="/DS/vodz",
                soap12=True)
    assert code(resp) == "0000"
    dm_id = resp.findtext(f"{{{NS}}}dmID")
    assert sim.world.messages[dm_id].vodz
    # the normal service refuses a big message, the big one has no attachment 7
    assert code(call(sim, "SignedSentMessageDownload", f"<v20:dmID>{dm_id}</v20:dmID>")) \
        == "1281"
    assert code(call(sim, "DownloadAttachment",
                     f"<v20:dmID>{dm_id}</v20:dmID><v20:attNum>7</v20:attNum>",
                     path="/DS/vodz", soap12=True)) == "1299"
    # reusing a consumed upload, and exceeding the quota of unused uploads
    assert code(call(sim, "CreateBigMessage", envelope(to) + _ext(good), path="/DS/vodz",
                     soap12=True)) == "1294"
    assert code(_upload(sim, 39_000)) == "0000"
    assert code(_upload(sim, 39_000)) == "1286"


def test_pdz_needs_credit(sim: Simulator) -> None:
    citizen_box = sim.account("password", "FO").box_id
    firm_box = sim.world.boxes[firm(sim)]
    before = firm_box.credit
    resp = call(sim, "CreateMessage", envelope(citizen_box) + files(("a.txt", b"a")),
                box_type="PO")
    assert code(resp) == "0000"
    msg = sim.world.messages[resp.findtext(f"{{{NS}}}dmID")]
    assert msg.dm_type == "K" and firm_box.credit == before - 10
    firm_box.credit = 0
    assert code(call(sim, "CreateMessage", envelope(citizen_box) + files(("a.txt", b"a")),
                     box_type="PO")) == "1230"


def test_pdz_info_answers_its_own_pdz_types(sim: Simulator) -> None:
    # dbTypes.xsd documents PDZInfo's PDZType as K, O, G or E; PDZSendInfo's input values
    # (Normal, Init, VoDZ) are another vocabulary that a real client would not recognise.
    firm_box = sim.world.boxes[firm(sim)]
    resp = call(sim, "PDZInfo", f"<v20:PDZSender>{firm_box.box_id}</v20:PDZSender>",
                path="/DS/df")
    types = [e.text for e in resp.iter("{*}PDZType")]
    assert types and set(types) <= {"K", "O", "G", "E"}


def test_find_and_search(sim: Simulator) -> None:
    target = sim.world.boxes[firm(sim)]
    owner = f"<v20:dbOwnerInfo><v20:ic>{target.ico}</v20:ic></v20:dbOwnerInfo>"
    resp = call(sim, "FindDataBox", owner, path="/DS/df")
    assert code(resp) == "0000"
    assert resp.findtext(f".//{{{NS}}}dbID") == target.box_id
    nothing = "<v20:dbOwnerInfo><v20:ic>00000000</v20:ic></v20:dbOwnerInfo>"
    assert code(call(sim, "FindDataBox", nothing, path="/DS/df")) == "0002"
    word = target.name.split()[0]
    resp = call(sim, "ISDSSearch3", f"<v20:searchText>{word.lower()}</v20:searchText>"
                "<v20:searchType>GENERAL</v20:searchType><v20:searchScope>ALL</v20:searchScope>"
                "<v20:page>0</v20:page><v20:pageSize>5</v20:pageSize>", path="/DS/df")
    assert target.box_id in [e.text for e in resp.iter(f"{{{NS}}}dbID")]
    gone = next(b for b in sim.world.boxes.values() if b.state != 1)
    resp = call(sim, "CheckDataBox", f"<v20:dbID>{gone.box_id}</v20:dbID>", path="/DS/df")
    assert resp.findtext(f"{{{NS}}}dbState") == str(gone.state)


def test_default_namespace_and_soap12_are_accepted(sim: Simulator) -> None:
    acc = sim.account("password")
    auth = "Basic " + base64.b64encode(f"{acc.username}:{acc.password}".encode()).decode()
    body = (b'<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body>'
            b'<DummyOperation xmlns="http://isds.czechpoint.cz/v20"/></Body></Envelope>')
    reply = sim.core.handle_soap("/DS/dz", {"authorization": auth,
                                            "content-type": "application/soap+xml"}, body, None)
    assert reply.status == 200 and b"0000" in reply.body
    assert reply.headers["Content-Type"].startswith("application/soap+xml")


def test_erased_after_retention(sim: Simulator) -> None:
    list_received(sim, "<v20:dmStatusFilter>-1</v20:dmStatusFilter>")
    box = sim.account("password").box_id
    accepted = [m for m in sim.world.visible(box, "received") if m.status == 6]
    assert accepted
    sim.world.users[sim.account("password").username].password_expires = None
    sim.clock.advance(days=91)
    resp = call(sim, "GetListOfReceivedMessages", "<v20:dmStatusFilter>-1</v20:dmStatusFilter>",
                path="/DS/dx")
    listed = {r.findtext(f"{{{NS}}}dmID") for r in resp.iter(f"{{{NS}}}dmRecord")}
    assert not listed & {m.dm_id for m in accepted}
    assert code(call(sim, "MessageDownload", f"<v20:dmID>{accepted[0].dm_id}</v20:dmID>")) \
        == "1219"


_ = re


def test_mtom_request_and_answer(sim: Simulator) -> None:
    """dm_VoDZ: an MTOM/XOP upload is understood, and with Accept: multipart/related the
    download comes back as raw parts (PROTOCOL.md §1)."""
    from dso_desktop.simulator.xmlio import _split_multipart

    acc = sim.account("password")
    auth = "Basic " + base64.b64encode(f"{acc.username}:{acc.password}".encode()).decode()
    data = b"%PDF-1.4\n" + bytes(range(256)) * 80 + b"\n%%EOF\n"
    soap = (f'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
            f'<v:UploadAttachment xmlns:v="{NS}"><v:dmFile dmMimeType="application/pdf" '
            'dmFileDescr="sken.pdf"><v:dmEncodedContent><xop:Include '
            'xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:att1@test"/>'
            "</v:dmEncodedContent></v:dmFile></v:UploadAttachment></e:Body></e:Envelope>")
    body = (b"--B\r\nContent-Type: application/xop+xml; type=\"application/soap+xml\"\r\n"
            b"Content-ID: <root@test>\r\n\r\n" + soap.encode() + b"\r\n--B\r\n"
            b"Content-Type: application/octet-stream\r\nContent-ID: <att1@test>\r\n\r\n"
            + data + b"\r\n--B--\r\n")
    ct = 'multipart/related; type="application/xop+xml"; boundary="B"'
    reply = sim.core.handle_soap("/DS/vodz", {"authorization": auth, "content-type": ct},
                                 body, None)
    assert reply.status == 200, reply.body[:400]
    att_id = etree.fromstring(reply.body).findtext(f".//{{{NS}}}dmAttID")
    assert sim.world.uploads[att_id].data == data
    # Send it as a big message and download it back as MTOM.
    up = etree.fromstring(reply.body)[0][0]
    resp = call(sim, "CreateBigMessage", envelope(firm(sim)) + _ext(up), path="/DS/vodz",
                soap12=True)
    dm_id = resp.findtext(f"{{{NS}}}dmID")
    req = (f'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
           f'<v:DownloadAttachment xmlns:v="{NS}"><v:dmID>{dm_id}</v:dmID>'
           "<v:attNum>0</v:attNum></v:DownloadAttachment></e:Body></e:Envelope>").encode()
    reply = sim.core.handle_soap("/DS/vodz", {"authorization": auth,
                                              "accept": "multipart/related"}, req, None)
    assert reply.headers["Content-Type"].startswith("multipart/related")
    root_part, parts = _split_multipart(reply.body, reply.headers["Content-Type"])
    assert b"xop:Include" in root_part
    assert list(parts.values()) == [data]
    plain = sim.core.handle_soap("/DS/vodz", {"authorization": auth}, req, None)
    assert plain.headers["Content-Type"].startswith("application/soap+xml")
    assert base64.b64encode(data) in plain.body


def test_declared_operations_are_exactly_the_served_ones() -> None:
    import dso_desktop.simulator.dispatcher  # noqa: F401 (registers the handlers)
    from dso_desktop.simulator import IMPLEMENTED_OPERATIONS
    from dso_desktop.simulator.registry import OPERATIONS

    assert set(OPERATIONS) == IMPLEMENTED_OPERATIONS
