"""The ISDS client against the project's simulator: every login method, a broad run of
operations, and every simulator response validated against the official XSDs."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from test_isds_schemas import Schemas
from tests.conftest import WSDL_DIR, require_shared

from dso_desktop.domain import AttachmentRole, LoginMethod
from dso_desktop.isds.client import IsdsClient
from dso_desktop.isds.endpoints import Environment
from dso_desktop.isds.errors import StatusError
from dso_desktop.isds.login import MobileKeyState, OtpChallenge
from dso_desktop.isds.models import Credentials, OutgoingFile, OutgoingMessage, OwnerInfo, Recipient
from dso_desktop.isds.transport import HttpResponse, RequestsTransport

pytestmark = pytest.mark.conformance

simulator = pytest.importorskip("dso_desktop.simulator")


class RecordingTransport(RequestsTransport):
    """The real transport, keeping a copy of every SOAP answer for schema validation."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.answers: list[tuple[str, bytes]] = []

    def request(self, method: str, url: str, **kw: Any) -> HttpResponse:
        resp = super().request(method, url, **kw)
        ctype = resp.header("Content-Type") or ""
        if "xml" in ctype and not ctype.startswith("multipart/"):
            self.answers.append((ctype, resp.content()))
            resp.body.seek(0)
        return resp


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with simulator.Simulator(messages=4) as s:
        yield s


def make(sim: Any, method: LoginMethod) -> tuple[IsdsClient, RecordingTransport]:
    info = sim.info
    acct = next(a for a in info.accounts if a.login_method == method.value)
    password = acct.password or None
    if method is LoginMethod.MOBILE_KEY:
        # SimAccount does not carry the komunikační kód; read it from the simulated world.
        password = sim.world.users[acct.username].mobile_code
    creds = Credentials(acct.username, password,
                        cert_file=Path(acct.cert_file) if acct.cert_file else None,
                        key_file=Path(acct.key_file) if acct.key_file else None)

    def otp(ch: OtpChallenge) -> str:
        if method is LoginMethod.HOTP:
            return sim.hotp_code(acct.username)
        return sim.sms_code(acct.username)

    def observer(state: MobileKeyState) -> None:
        sim.approve_mobile_key(acct.username)

    cert = None
    if method.value in ("cert", "cert-password", "hosted"):
        from dso_desktop.isds.transport import ClientCertificate

        cert = ClientCertificate(Path(acct.cert_file), Path(acct.key_file))
    t = RecordingTransport(ca_file=Path(info.ca_file), client_cert=cert, timeouts=(5, 30))
    c = IsdsClient(Environment.custom(info.url), method, creds, transport=t, otp_provider=otp,
                   mobile_key_observer=observer, mobile_key_poll_interval=0.02)
    return c, t


def validate_answers(t: RecordingTransport) -> int:
    require_shared(WSDL_DIR)
    schemas = Schemas(WSDL_DIR)
    n = 0
    for _ctype, body in t.answers:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        root = etree.parse(io.BytesIO(body), parser).getroot()
        el = next(iter(root.find("{*}Body")))
        if etree.QName(el).localname == "Fault":
            continue
        schemas.validate(el)
        n += 1
    return n


@pytest.mark.parametrize("method", list(LoginMethod))
def test_login_and_owner_info(sim: Any, method: LoginMethod) -> None:
    c, t = make(sim, method)
    with c:
        c.login()
        owner = c.get_owner_info_from_login2()
        assert owner.box_id
        assert c.get_user_info_from_login2().user_type
    assert validate_answers(t) >= 2


def test_operations_round_trip_and_answers_are_schema_valid(sim: Any) -> None:
    c, t = make(sim, LoginMethod.PASSWORD)
    now = datetime.now(UTC)
    with c:
        c.login()
        box = c.get_owner_info_from_login().box_id
        received = c.get_list_of_received_messages(now - timedelta(days=3650), now)
        assert received, "the simulator world has received messages"
        r = received[0].envelope.message_id
        zfo = c.signed_message_download(r)
        assert zfo.data[:1] == b"0"  # DER SEQUENCE
        assert c.authenticate_message(zfo.data) is True
        assert c.message_download(r).envelope.message_id == r
        assert c.message_envelope_download(r).envelope.message_id == r
        assert c.get_delivery_info(r).events
        assert c.get_signed_delivery_info(r).data
        assert c.verify_message(r).value
        c.mark_message_as_downloaded(r)
        c.get_message_state_changes(now - timedelta(days=30), now)
        other = next(h for h in c.isds_search3("a", "GENERAL", "ALL").hits if h.box_id != box)
        assert c.check_data_box(other.box_id) in range(1, 7)
        assert c.find_data_box2(OwnerInfo(box_id=other.box_id))[0].box_id == other.box_id
        c.get_data_box_address(other.box_id)
        main = OutgoingFile("dopis.txt", "Dobrý den".encode(), "text/plain", AttachmentRole.MAIN)
        sent = c.create_message(OutgoingMessage(other.box_id, "Zkouška klienta"), [main])
        assert sent.message_id
        assert c.sent_message_envelope_download(sent.message_id).envelope.subject == \
            "Zkouška klienta"
        assert c.signed_sent_message_download(sent.message_id).data
        multi = c.create_multiple_message(OutgoingMessage(None, "Hromadná"),
                                          [Recipient(other.box_id)], [main])
        assert multi.results and multi.results[0].message_id
        c.get_password_info()
        c.dt_info(box)
        c.pdz_info(box)
        with contextlib.suppress(StatusError):
            c.get_message_author2(sent.message_id)
        c.dummy_operation()
    assert validate_answers(t) >= 20


def test_big_message_round_trip(sim: Any, tmp_path: Path) -> None:
    """UploadAttachment (MTOM from disk) + CreateBigMessage + the signed sent VoDZ back."""
    from dso_desktop.isds.models import ExtFile

    big = tmp_path / "plan.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        chunk = b"0" * (1 << 20)
        for _ in range(21):
            fh.write(chunk)
        fh.write(b"\n%%EOF\n")
    c, t = make(sim, LoginMethod.PASSWORD)
    with c:
        c.login()
        box = c.get_owner_info_from_login().box_id
        other = next(h for h in c.isds_search3("a", "GENERAL", "ALL").hits if h.box_id != box)
        up = c.upload_attachment(big, big.name, "application/pdf")
        assert up.att_id and up.hash1 and up.hash2
        sent = c.create_big_message(OutgoingMessage(other.box_id, "Velká zpráva"),
                                    [ExtFile(up, AttachmentRole.MAIN)])
        assert sent.message_id
        zfo = c.signed_sent_big_message_download(sent.message_id)
        assert len(zfo.data) > 21 * (1 << 20)
        assert zfo.data[:1] == b"0"  # DER SEQUENCE
        # AuthenticateBigMessage of this ZFO is not checked here: the simulator parses the
        # sealed XML without huge_tree and so refuses every ZFO above lxml's 10 MB text limit.
    assert validate_answers(t) >= 4
