"""The simulator's refusals are answers a real client can read: every status answer it gives
for a refused request (unknown message, box, operation; bad input; throttling; no credit;
wrong password) validates against the official XSDs and carries the expected code.

A refusal is where a hand-made answer is most likely to drift from the schema (an element
the schema requires but an error path leaves out), and where a client's parser meets it
least often. Driven in-process through the dispatcher: no sockets, a few ms each."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree
from test_isds_schemas import Schemas
from tests.conftest import WSDL_DIR, require_shared

pytestmark = pytest.mark.conformance

simulator = pytest.importorskip("dso_desktop.simulator")

NS = "http://isds.czechpoint.cz/v20"
ASWS = "http://isds.czechpoint.cz/v20/asws"


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    require_shared(WSDL_DIR)
    return Schemas(WSDL_DIR)


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    s = simulator.Simulator(seed=21, messages=6)
    yield s
    s.stop()


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    operation: str
    inner: str
    code: str
    account: str = "OVM"  # box type of the password account that asks
    ns: str = NS
    fault: str | None = None  # fault mode injected for this request


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _file(name: str, data: bytes) -> str:
    return (f'<dmFiles><dmFile dmMimeType="" dmFileMetaType="main" dmFileDescr="{name}">'
            f"<dmEncodedContent>{_b64(data)}</dmEncodedContent></dmFile></dmFiles>")


def _envelope(recipient: str, extra: str = "", subject: str = "Test") -> str:
    return (f"<dmEnvelope><dbIDRecipient>{recipient}</dbIDRecipient>"
            f"<dmAnnotation>{subject}</dmAnnotation>{extra}</dmEnvelope>")


PDF = b"%PDF-1.4\n%%EOF\n"

CASES = [
    Case("unknown message", "/DS/dz", "MessageDownload", "<dmID>999999999</dmID>", "1219"),
    Case("unknown signed message", "/DS/dz", "SignedMessageDownload",
         "<dmID>999999999</dmID>", "1219"),
    Case("unknown sent message", "/DS/dz", "SignedSentMessageDownload",
         "<dmID>999999999</dmID>", "1219"),
    Case("unknown envelope", "/DS/dx", "MessageEnvelopeDownload", "<dmID>999999999</dmID>",
         "1219"),
    Case("unknown delivery info", "/DS/dx", "GetDeliveryInfo", "<dmID>999999999</dmID>",
         "1219"),
    Case("unknown signed delivery info", "/DS/dx", "GetSignedDeliveryInfo",
         "<dmID>999999999</dmID>", "1219"),
    Case("verify unknown", "/DS/dx", "VerifyMessage", "<dmID>999999999</dmID>", "1219"),
    Case("author of unknown", "/DS/dx", "GetMessageAuthor", "<dmID>999999999</dmID>", "1219"),
    Case("author2 of unknown", "/DS/dx", "GetMessageAuthor2", "<dmID>999999999</dmID>",
         "1219"),
    Case("mark unknown", "/DS/dx", "MarkMessageAsDownloaded", "<dmID>999999999</dmID>",
         "1219"),
    Case("send to nobody", "/DS/dz", "CreateMessage",
         _envelope("zzzzzzz") + _file("a.pdf", PDF), "5001", account="PO"),
    Case("send an exe", "/DS/dz", "CreateMessage",
         "{office}" + _file("a.exe", b"MZ"), "1214", account="PO"),
    Case("send without files", "/DS/dz", "CreateMessage", "{office}", "2000", account="PO"),
    Case("subject too long", "/DS/dz", "CreateMessage",
         "{office_long}" + _file("a.pdf", PDF), "2000", account="PO"),
    Case("list with a bad offset", "/DS/dx", "GetListOfReceivedMessages",
         "<dmOffset>-3</dmOffset>", "2000"),
    Case("sent list with a bad limit", "/DS/dx", "GetListOfSentMessages",
         "<dmLimit>-1</dmLimit>", "2000"),
    Case("find nothing", "/DS/df", "FindDataBox",
         "<dbOwnerInfo><ic>00000000</ic></dbOwnerInfo>", "0002"),
    Case("find2 nothing", "/DS/df", "FindDataBox2",
         "<dbOwnerInfo><ic>00000000</ic></dbOwnerInfo>", "0002"),
    Case("find without criteria", "/DS/df", "FindDataBox", "<dbOwnerInfo/>", "2000"),
    Case("search nothing", "/DS/df", "ISDSSearch3",
         "<searchText>qwzxqwzx</searchText><searchType>GENERAL</searchType>"
         "<searchScope>ALL</searchScope><page>0</page><pageSize>10</pageSize>", "0002"),
    Case("search2 nothing", "/DS/df", "ISDSSearch2",
         "<searchText>qwzxqwzx</searchText>", "0002"),
    Case("check unknown box", "/DS/df", "CheckDataBox", "<dbID>zzzzzzz</dbID>", "5001"),
    Case("pdz of unknown box", "/DS/df", "PDZInfo", "<PDZSender>zzzzzzz</PDZSender>", "5001"),
    Case("credit of unknown box", "/DS/df", "DataBoxCreditInfo", "<dbID>zzzzzzz</dbID>",
         "5001"),
    Case("vault of unknown box", "/DS/df", "DTInfo", "<dbId>zzzzzzz</dbId>", "5001"),
    Case("activity of unknown box", "/DS/df", "GetDataBoxActivityStatus",
         "<dbID>zzzzzzz</dbID>", "5001"),
    Case("wrong old password", "/DS/DsManage", "ChangeISDSPassword",
         "<dbOldPassword>spatne-heslo-1</dbOldPassword>"
         "<dbNewPassword>Nove-heslo-2026</dbNewPassword>", "1066"),
    Case("weak new password", "/DS/DsManage", "ChangeISDSPassword",
         "<dbOldPassword>{password}</dbOldPassword><dbNewPassword>kratke</dbNewPassword>",
         "1067"),
    Case("unknown operation", "/DS/dz", "NoSuchOperation", "", "2006"),
    Case("operation on another service", "/DS/dx", "CreateMessage", "", "2006"),
    Case("throttled dm", "/DS/dx", "GetListOfSentMessages", "", "3008", fault="3008"),
    Case("throttled db", "/DS/df", "CheckDataBox", "<dbID>x</dbID>", "3009", fault="3009"),
    # Answers whose schema requires elements before the status (regression: the
    # simulator's refusals of these were schema-invalid).
    Case("throttled access", "/DS/DsManage", "GetOwnerInfoFromLogin2", "", "3009",
         fault="3009"),
    Case("throttled access v1", "/DS/DsManage", "GetOwnerInfoFromLogin", "", "3008",
         fault="3008"),
    Case("throttled re-sign", "/DS/dz", "Re-signISDSDocument",
         f"<dmDoc>{_b64(b'x')}</dmDoc>", "3009", fault="3009"),
    Case("throttled archive", "/DS/arch", "ArchiveISDSDocument",
         f"<dmMessage>{_b64(b'x')}</dmMessage>", "3008", fault="3008"),
    Case("re-sign of a foreign document", "/DS/dz", "Re-signISDSDocument",
         f"<dmDoc>{_b64(b'not a zfo')}</dmDoc>", "1214"),
    Case("archive of a foreign document", "/DS/arch", "ArchiveISDSDocument",
         f"<dmMessage>{_b64(b'not a zfo')}</dmMessage>", "1214"),
]


def ask(sim: Any, case: Case) -> tuple[int, Any]:
    acc = next(a for a in sim._accounts
               if a.login_method == "password" and a.box_type == case.account)
    office = next(a for a in sim._accounts
                  if a.login_method == "password" and a.box_type == "OVM").box_id
    inner = case.inner.replace("{office}", _envelope(office)).replace(
        "{office_long}", _envelope(office, subject="Ž" * 256)).replace(
        "{password}", sim.world.users[acc.username].password)
    body = (f"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
            f"<{case.operation} xmlns='{case.ns}'>{inner}</{case.operation}></s:Body>"
            "</s:Envelope>").encode()
    password = sim.world.users[acc.username].password
    auth = "Basic " + base64.b64encode(f"{acc.username}:{password}".encode()).decode()
    if case.fault:
        sim.faults.inject(case.operation, case.fault, times=1)
    try:
        reply = sim.core.handle_soap(case.path, {"authorization": auth}, body, None)
    finally:
        sim.faults.clear()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(reply.body, parser)
    return reply.status, next(iter(root.find("{*}Body")))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_refusal_is_a_schema_valid_answer_with_its_code(sim: Any, schemas: Schemas,
                                                          case: Case) -> None:
    status, answer = ask(sim, case)
    assert status == 200
    code = answer.findtext(".//{*}dmStatusCode") or answer.findtext(".//{*}dbStatusCode")
    assert code == case.code
    text = answer.findtext(".//{*}dmStatusMessage") or answer.findtext(".//{*}dbStatusMessage")
    assert text and text.strip()  # a sentence for the clerk, never an empty status
    if case.operation in ("NoSuchOperation",):
        return  # no schema declares an answer to an operation that does not exist
    if etree.QName(answer).localname != f"{case.operation}Response":
        pytest.fail(f"answered with <{etree.QName(answer).localname}>")
    schemas.validate(answer)


def test_the_refusals_do_not_change_the_world(sim: Any) -> None:
    before = (len(sim.world.messages), {b.box_id: b.credit for b in sim.world.boxes.values()},
              {u.username: u.password for u in sim.world.users.values()})
    for case in CASES:
        ask(sim, case)
    after = (len(sim.world.messages), {b.box_id: b.credit for b in sim.world.boxes.values()},
             {u.username: u.password for u in sim.world.users.values()})
    assert after == before


def test_a_bad_time_is_a_soap_fault_with_a_reason(sim: Any) -> None:
    status, answer = ask(sim, Case("bad time", "/DS/dx", "GetListOfReceivedMessages",
                                   "<dmFromTime>zítra</dmFromTime>", ""))
    assert status == 500 and etree.QName(answer).localname == "Fault"
    assert "zítra" in (answer.findtext("faultstring") or "")


def test_an_unknown_box_address_is_a_fault_as_the_schema_leaves_no_status(sim: Any) -> None:
    status, answer = ask(sim, Case("address", "/DS/df", "GetDataBoxAddress",
                                   "<dbID>zzzzzzz</dbID>", ""))
    assert status == 500 and etree.QName(answer).localname == "Fault"
    assert answer.findtext("faultstring") == "Datová schránka neexistuje."


def test_a_throttled_address_request_is_a_fault_as_its_answer_has_no_status(sim: Any) -> None:
    status, answer = ask(sim, Case("address throttled", "/DS/df", "GetDataBoxAddress",
                                   "<dbID>x</dbID>", "", fault="3009"))
    assert status == 500 and etree.QName(answer).localname == "Fault"
    assert answer.findtext("faultstring") == "Příliš mnoho požadavků."


def test_a_throttled_owner_answer_carries_the_callers_own_box(sim: Any,
                                                               schemas: Schemas) -> None:
    acc = next(a for a in sim._accounts if a.login_method == "password" and a.box_type == "OVM")
    _status, answer = ask(sim, Case("owner", "/DS/DsManage", "GetOwnerInfoFromLogin2", "",
                                    "3009", fault="3009"))
    assert answer.findtext("{*}dbOwnerInfo/{*}dbID") == acc.box_id
