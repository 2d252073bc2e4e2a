"""The simulator against the WSDL semantics of PROTOCOL.md, driven by the real ISDS client.

The client talks to the simulator's dispatcher in-process (`InProcessTransport`: no
sockets, no TLS), so each test is a few milliseconds and checks both sides of one contract:
what the simulator answers (status codes, paging, filters, time windows, PDZ, password
expiry, faults) and what the client makes of it (typed errors, decoded pages).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from urllib.parse import urlsplit

import pytest

from dso_desktop.domain import AttachmentRole, LoginMethod, MessageStatus
from dso_desktop.isds import endpoints as ep
from dso_desktop.isds.client import IsdsClient
from dso_desktop.isds.errors import (
    ConnectionFailed,
    IntruderLockout,
    MaintenanceError,
    PasswordExpired,
    ProtocolError,
    SoapFault,
    StatusError,
    ThrottledError,
    WrongCredentials,
)
from dso_desktop.isds.models import Credentials, OutgoingFile, OutgoingMessage, OwnerInfo
from dso_desktop.isds.transport import HttpResponse, basic_auth_header
from dso_desktop.simulator import Simulator
from dso_desktop.simulator.context import Limits

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n%%EOF\n"
MS = timedelta(milliseconds=1)


class InProcessTransport:
    """The client's HttpTransport over `SimulatorCore.handle_soap` (what the HTTP front
    does, minus sockets and TLS). A "reset" or "drop" reply becomes ConnectionFailed, as
    the real transport reports a closed connection."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.requests = 0

    def request(self, method: str, url: str, *, body: bytes | IO[bytes] | None = None,
                headers: Mapping[str, str] | None = None,
                basic_auth: tuple[str, str] | None = None) -> HttpResponse:
        self.requests += 1
        data = body if isinstance(body, bytes) else (body.read() if body is not None else b"")
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        if basic_auth is not None:
            hdrs["authorization"] = basic_auth_header(*basic_auth)
        reply = self.sim.core.handle_soap(urlsplit(url).path, hdrs, data, None)
        if reply.action in ("reset", "drop"):
            raise ConnectionFailed(f"connection {reply.action} by the simulator")
        return HttpResponse(reply.status, {k.lower(): v for k, v in reply.headers.items()},
                            io.BytesIO(reply.body), url)

    def cookie(self, name: str) -> str | None:
        return None

    def clear_cookies(self) -> None:
        pass

    def close(self) -> None:
        pass


def client_for(sim: Simulator, username: str, password: str, *,
               max_retries: int = 0) -> tuple[IsdsClient, InProcessTransport, list[float]]:
    transport = InProcessTransport(sim)
    sleeps: list[float] = []
    client = IsdsClient(ep.Environment.custom("https://sim.test"), LoginMethod.PASSWORD,
                        Credentials(username, password), transport=transport,
                        sleep=sleeps.append, max_retries=max_retries)
    client.login()
    return client, transport, sleeps


def account(sim: Simulator, box_type: str = "OVM", index: int = 0) -> Any:
    pool = [a for a in sim._accounts if a.login_method == "password" and a.box_type == box_type]
    return pool[index]


def full_rights_clerk(sim: Simulator) -> Any:
    """A password user of the OVM box allowed to read personal deliveries too."""
    return next(a for a in sim._accounts if a.login_method == "password" and a.box_type == "OVM"
                and sim.world.users[a.username].privileges & 2)


@pytest.fixture(scope="module")
def world_sim() -> Iterator[Simulator]:
    """A read-mostly world shared by the module (building one takes ~2 s)."""
    s = Simulator(seed=11, messages=60, now=NOW)
    s.clock.freeze()
    yield s
    s.stop()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A small private world for tests that send, expire or break things."""
    s = Simulator(seed=12, messages=4, now=NOW)
    s.clock.freeze()
    s.core.limits = Limits(normal_max=10_000, big_max=40_000, big_tolerance=1_000,
                           max_files=3, max_recipients=3, upload_quota_factor=2)
    yield s
    s.stop()


@pytest.fixture
def clerk(world_sim: Simulator) -> IsdsClient:
    acc = full_rights_clerk(world_sim)
    return client_for(world_sim, acc.username, acc.password)[0]


def received_ids(client: IsdsClient, **kw: Any) -> list[str]:
    return [r.envelope.message_id for r in client.get_list_of_received_messages(
        kw.pop("since", None), kw.pop("until", None), **kw)]


def send(client: IsdsClient, to: str, subject: str = "Žádost", *, files: list[OutgoingFile]
         | None = None, **envelope: Any) -> str:
    msg = OutgoingMessage(recipient_box_id=to, subject=subject, **envelope)
    result = client.create_message(msg, files or [OutgoingFile("zadost.pdf", PDF,
                                                               "application/pdf",
                                                               AttachmentRole.MAIN)])
    assert result.status_code == "0000" and result.message_id
    return result.message_id


# --- paging (dmOffset / dmLimit) -----------------------------------------------------------


def test_pages_of_the_received_list_add_up_to_the_whole_list(clerk: IsdsClient,
                                                              world_sim: Simulator) -> None:
    everything = received_ids(clerk)
    box = full_rights_clerk(world_sim).box_id
    assert len(everything) == len(list(world_sim.world.visible(box, "received"))) > 20
    pages: list[str] = []
    offset = 1
    while True:
        page = clerk.get_list_of_received_messages(None, None, offset=offset, limit=7)
        if not page:
            break
        assert [r.ordinal for r in page] == list(range(offset, offset + len(page)))
        pages += [r.envelope.message_id for r in page]
        offset += 7
    assert pages == everything and len(set(pages)) == len(pages)


def test_limit_zero_and_an_offset_past_the_end_give_empty_pages(clerk: IsdsClient) -> None:
    total = len(received_ids(clerk))
    assert received_ids(clerk, offset=1, limit=0) == []
    assert received_ids(clerk, offset=total + 1, limit=10) == []
    assert len(received_ids(clerk, offset=total, limit=10)) == 1


@pytest.mark.parametrize(("offset", "limit", "text"), [(-1, 5, "dmOffset"), (1, -1, "dmLimit")])
def test_bad_paging_values_are_refused_with_2000(clerk: IsdsClient, offset: int, limit: int,
                                                 text: str) -> None:
    with pytest.raises(StatusError) as info:
        clerk.get_list_of_received_messages(None, None, offset=offset, limit=limit)
    assert info.value.code == "2000" and text in (info.value.server_message or "")


# --- status filter ---------------------------------------------------------------------------


def test_single_status_filters_partition_the_list(clerk: IsdsClient) -> None:
    everything = clerk.get_list_of_received_messages(None, None)
    by_status: dict[int, list[str]] = {}
    for r in everything:
        by_status.setdefault(int(r.envelope.status), []).append(r.envelope.message_id)
    assert len(by_status) >= 2  # the world has more than one state to tell apart
    union: list[str] = []
    for status in range(1, 11):
        page = clerk.get_list_of_received_messages(None, None, status_filter=1 << status)
        assert all(int(r.envelope.status) == status for r in page)
        assert sorted(r.envelope.message_id for r in page) == sorted(by_status.get(status, []))
        union += [r.envelope.message_id for r in page]
    assert sorted(union) == sorted(r.envelope.message_id for r in everything)


def test_combined_status_mask_and_the_any_values(clerk: IsdsClient) -> None:
    everything = received_ids(clerk)
    for any_value in (-1, 0, 2046):
        assert received_ids(clerk, status_filter=any_value) == everything
    mask = (1 << 5) | (1 << 7)
    both = clerk.get_list_of_received_messages(None, None, status_filter=mask)
    assert both and {int(r.envelope.status) for r in both} <= {5, 7}


def test_a_non_numeric_status_filter_is_a_2000(world_sim: Simulator) -> None:
    acc = full_rights_clerk(world_sim)
    body = (b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
            b"<GetListOfReceivedMessages xmlns='http://isds.czechpoint.cz/v20'>"
            b"<dmStatusFilter>vse</dmStatusFilter></GetListOfReceivedMessages></s:Body>"
            b"</s:Envelope>")
    reply = world_sim.core.handle_soap(
        "/DS/dx", {"authorization": basic_auth_header(acc.username, acc.password)}, body, None)
    assert reply.status == 200
    assert b"<p:dmStatusCode>2000</p:dmStatusCode>" in reply.body or b">2000<" in reply.body
    assert "dmStatusFilter" in reply.body.decode()


# --- time windows ----------------------------------------------------------------------------


def test_a_time_window_returns_exactly_the_messages_delivered_in_it(
        clerk: IsdsClient) -> None:
    everything = clerk.get_list_of_received_messages(None, None)
    times = sorted({r.envelope.delivered_at for r in everything if r.envelope.delivered_at})
    # Bounds halfway between two deliveries: the answer shows times to the millisecond,
    # the world holds microseconds, so a bound equal to a shown time would be ambiguous.
    q1, q3 = len(times) // 4, 3 * len(times) // 4
    since = times[q1 - 1] + (times[q1] - times[q1 - 1]) / 2
    until = times[q3] + (times[q3 + 1] - times[q3]) / 2
    window = clerk.get_list_of_received_messages(since, until)
    expected = {r.envelope.message_id for r in everything
                if r.envelope.delivered_at and since <= r.envelope.delivered_at <= until}
    assert {r.envelope.message_id for r in window} == expected
    assert 0 < len(expected) < len(everything)


def test_a_window_after_everything_is_empty_and_before_everything_too(
        clerk: IsdsClient) -> None:
    assert received_ids(clerk, since=NOW + timedelta(days=1)) == []
    assert received_ids(clerk, until=datetime(2000, 1, 1, tzinfo=UTC)) == []
    assert received_ids(clerk, since=NOW + timedelta(days=1), until=NOW - timedelta(days=1)) == []


def test_an_unparsable_time_is_a_soap_fault(world_sim: Simulator) -> None:
    acc = full_rights_clerk(world_sim)
    body = (b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
            b"<GetListOfSentMessages xmlns='http://isds.czechpoint.cz/v20'>"
            b"<dmFromTime>vcera odpoledne</dmFromTime></GetListOfSentMessages></s:Body>"
            b"</s:Envelope>")
    client, transport, _ = client_for(world_sim, acc.username, acc.password)
    reply = world_sim.core.handle_soap(
        "/DS/dx", {"authorization": basic_auth_header(acc.username, acc.password)}, body, None)
    assert reply.status == 500 and b"Fault" in reply.body and b"vcera" in reply.body
    # The client reads such a fault as a SoapFault with the server's reason.
    from dso_desktop.isds import soap

    with pytest.raises(SoapFault) as info:
        soap.read_response(reply.headers["Content-Type"], io.BytesIO(reply.body),
                           operation="GetListOfSentMessages")
    assert "vcera" in (info.value.server_message or "")
    assert transport.requests == 1 and client.logged_in


def test_sent_list_window_uses_the_posting_time(clerk: IsdsClient, world_sim: Simulator) -> None:
    sent = clerk.get_list_of_sent_messages(None, None)
    box = full_rights_clerk(world_sim).box_id
    assert {r.envelope.message_id for r in sent} == {
        m.dm_id for m in world_sim.world.visible(box, "sent")}
    posted = sorted(world_sim.world.messages[r.envelope.message_id].posted_at for r in sent)
    cut = posted[len(posted) // 2]
    later = clerk.get_list_of_sent_messages(cut, None)
    assert {r.envelope.message_id for r in later} == {
        r.envelope.message_id for r in sent
        if world_sim.world.messages[r.envelope.message_id].posted_at >= cut}


# --- personal delivery and rights ------------------------------------------------------------


def test_a_clerk_without_read_all_does_not_see_personal_deliveries(
        world_sim: Simulator) -> None:
    limited = next(a for a in world_sim._accounts if a.login_method == "password"
                   and a.box_type == "OVM" and not world_sim.world.users[a.username].privileges & 2
                   and world_sim.world.users[a.username].privileges & 1)
    client, _, _ = client_for(world_sim, limited.username, limited.password)
    seen = {r.envelope.message_id for r in client.get_list_of_received_messages(None, None)}
    personal = {m.dm_id for m in world_sim.world.visible(limited.box_id, "received")
                if m.personal_delivery}
    assert personal, "the generated world should hold personal deliveries"
    assert not seen & personal
    one = next(iter(personal))
    with pytest.raises(StatusError) as info:
        client.message_download(one)
    assert info.value.code == "1219"


# --- error codes of single-message operations ----------------------------------------------


def test_unknown_and_foreign_messages_are_1219(clerk: IsdsClient, world_sim: Simulator) -> None:
    with pytest.raises(StatusError) as info:
        clerk.message_download("999999999")
    assert info.value.code == "1219"
    assert info.value.server_message == "Zpráva neexistuje nebo k ní nemáte přístup."


def test_a_message_between_other_boxes_is_1219(sim: Simulator) -> None:
    firm_acc = account(sim, "PO")
    firm_client, _, _ = client_for(sim, firm_acc.username, firm_acc.password)
    foreign = send(firm_client, account(sim, "FO").box_id, "Soukromé")
    office = full_rights_clerk(sim)
    clerk, _, _ = client_for(sim, office.username, office.password)
    for call in (clerk.message_download, clerk.signed_message_download,
                 clerk.get_delivery_info, clerk.message_envelope_download,
                 clerk.signed_sent_message_download, clerk.verify_message):
        with pytest.raises(StatusError) as info:
            call(foreign)
        assert info.value.code == "1219", call


def test_a_sent_message_is_not_downloadable_as_received(clerk: IsdsClient,
                                                        world_sim: Simulator) -> None:
    box = full_rights_clerk(world_sim).box_id
    sent = next(iter(world_sim.world.visible(box, "sent")))
    with pytest.raises(StatusError) as info:
        clerk.signed_message_download(sent.dm_id)
    assert info.value.code == "1219"
    doc = clerk.signed_sent_message_download(sent.dm_id)
    assert doc.status_code == "0000" and doc.data[:1] == b"0"  # a DER CMS structure


def test_downloads_of_a_received_message_agree(clerk: IsdsClient, world_sim: Simulator) -> None:
    box = full_rights_clerk(world_sim).box_id
    msg = next(m for m in world_sim.world.visible(box, "received") if m.files)
    full = clerk.message_download(msg.dm_id)
    env = clerk.message_envelope_download(msg.dm_id)
    assert full.envelope.message_id == env.envelope.message_id == msg.dm_id
    assert full.envelope.subject == env.envelope.subject == msg.annotation
    assert [f.name for f in full.files] == [f.name for f in msg.files]
    assert full.dm_hash is not None and clerk.verify_message(msg.dm_id).value == \
        full.dm_hash.value
    info = clerk.get_delivery_info(msg.dm_id)
    assert info.events and all(e.description for e in info.events)


def test_state_changes_in_a_window(clerk: IsdsClient, world_sim: Simulator) -> None:
    changes = clerk.get_message_state_changes(datetime(2000, 1, 1, tzinfo=UTC), None)
    assert changes
    assert [c.at for c in changes] == sorted(c.at for c in changes)
    box = full_rights_clerk(world_sim).box_id
    mine = {m.dm_id for d in ("received", "sent") for m in world_sim.world.visible(box, d)}
    assert {c.message_id for c in changes} <= mine
    cut = changes[len(changes) // 2].at
    assert all(c.at >= cut for c in clerk.get_message_state_changes(cut, None))


# --- sending: error codes ----------------------------------------------------------------


@pytest.fixture
def firm(sim: Simulator) -> IsdsClient:
    acc = account(sim, "PO")
    return client_for(sim, acc.username, acc.password)[0]


def test_send_to_a_box_that_does_not_exist_is_5001(firm: IsdsClient) -> None:
    with pytest.raises(StatusError) as info:
        send(firm, "zzzzzzz")
    assert info.value.code == "5001" and info.value.server_message == "Datová schránka neexistuje."


def test_send_to_an_inaccessible_box_is_1205(firm: IsdsClient, sim: Simulator) -> None:
    target = account(sim, "OVM").box_id
    sim.world.boxes[target].state = 4
    with pytest.raises(StatusError) as info:
        send(firm, target)
    assert info.value.code == "1205"
    before = len(sim.world.messages)
    assert len(sim.world.messages) == before  # nothing was posted


def test_sending_from_an_inaccessible_box_is_1201(firm: IsdsClient, sim: Simulator) -> None:
    sim.world.boxes[account(sim, "PO").box_id].state = 3
    with pytest.raises(StatusError) as info:
        send(firm, account(sim, "OVM").box_id)
    assert info.value.code == "1201"


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([OutgoingFile("virus.exe", b"MZ", "", AttachmentRole.MAIN)], "1214"),
        ([OutgoingFile("dopis.pdf", b"not a pdf", "", AttachmentRole.MAIN)], "1214"),
        ([OutgoingFile("bez-pripony", b"x", "", AttachmentRole.MAIN)], "1214"),
        ([OutgoingFile(f"p{i}.txt", b"x", "", AttachmentRole.ENCLOSURE) for i in range(4)],
         "1217"),
        ([OutgoingFile("velky.txt", b"x" * 20_000, "", AttachmentRole.MAIN)], "1281"),
    ],
)
def test_attachment_refusals(firm: IsdsClient, sim: Simulator, files: list[OutgoingFile],
                             code: str) -> None:
    before = set(sim.world.messages)
    with pytest.raises(StatusError) as info:
        send(firm, account(sim, "OVM").box_id, files=files)
    assert info.value.code == code
    assert set(sim.world.messages) == before


def test_a_subject_over_255_characters_is_refused(firm: IsdsClient, sim: Simulator) -> None:
    with pytest.raises(StatusError) as info:
        send(firm, account(sim, "OVM").box_id, "Ž" * 256)
    assert info.value.code == "2000" and "255" in (info.value.server_message or "")
    assert send(firm, account(sim, "OVM").box_id, "Ž" * 255)


def test_a_reference_number_over_50_characters_is_refused(firm: IsdsClient,
                                                          sim: Simulator) -> None:
    with pytest.raises(StatusError) as info:
        send(firm, account(sim, "OVM").box_id, our_ref="1" * 51)
    assert info.value.code == "2000" and "dmSenderRefNumber" in (info.value.server_message or "")


def test_a_sent_message_arrives_with_its_envelope(firm: IsdsClient, sim: Simulator) -> None:
    office = account(sim, "OVM")
    dm_id = send(firm, office.box_id, "Žádost <o> informace", your_ref="VJ/7", to_hands="Jana",
                 files=[OutgoingFile("a.pdf", PDF, "application/pdf", AttachmentRole.MAIN),
                        OutgoingFile("b.txt", b"text", "text/plain")])
    stored = sim.world.messages[dm_id]
    # ISDS rewrites < and > in the subject (PROTOCOL.md §4).
    assert stored.annotation == "Žádost _o_ informace"
    assert stored.recipient_ref == "VJ/7" and stored.to_hands == "Jana"
    assert [f.name for f in stored.files] == ["a.pdf", "b.txt"]
    assert stored.status == int(MessageStatus.DELIVERED)
    # The sender sees it in its sent list with the same id.
    assert dm_id in [r.envelope.message_id for r in firm.get_list_of_sent_messages(None, None)]


# --- PDZ (commercial messages) -------------------------------------------------------------


def test_a_firm_to_a_citizen_message_is_commercial_and_charged(firm: IsdsClient,
                                                                sim: Simulator) -> None:
    firm_box = sim.world.boxes[account(sim, "PO").box_id]
    citizen = account(sim, "FO").box_id
    credit = firm_box.credit
    info_before = firm.data_box_credit_info(firm_box.box_id)
    dm_id = send(firm, citizen)
    assert sim.world.messages[dm_id].dm_type == "K"
    assert firm_box.credit == credit - 10
    info = firm.data_box_credit_info(firm_box.box_id)
    assert info.current_credit == info_before.current_credit - 1000  # hellers
    last = info.events[-1]
    assert last.change == -1000 and last.after == info.current_credit
    assert ("ciRecipientID", citizen) in last.details


def test_pdz_info_reports_credit_as_type_e_and_send_info_follows(firm: IsdsClient,
                                                                 sim: Simulator) -> None:
    firm_box = sim.world.boxes[account(sim, "PO").box_id]
    firm_box.credit = 35
    records = firm.pdz_info(firm_box.box_id)
    credit = [r for r in records if r.pdz_type == "E"]
    assert len(credit) == 1 and credit[0].count == 3 and credit[0].payer == firm_box.box_id
    assert firm.pdz_send_info(firm_box.box_id, "Normal") is True
    firm_box.credit = 5
    assert firm.pdz_send_info(firm_box.box_id, "VoDZ") is False
    with pytest.raises(StatusError) as info:
        send(firm, account(sim, "FO").box_id)
    assert info.value.code == "1230"


def test_pdz_info_of_an_unknown_box_is_5001(firm: IsdsClient) -> None:
    with pytest.raises(StatusError) as info:
        firm.pdz_info("zzzzzzz")
    assert info.value.code == "5001"


def test_an_initiating_message_offers_one_prepaid_reply(firm: IsdsClient,
                                                        sim: Simulator) -> None:
    citizen_acc = account(sim, "FO")
    citizen_box = sim.world.boxes[citizen_acc.box_id]
    citizen_box.credit = 0  # the reply must be paid by the initiator, not the citizen
    firm_box = sim.world.boxes[account(sim, "PO").box_id]
    with pytest.raises(StatusError) as info:
        send(firm, citizen_acc.box_id, message_type="I")  # no reference number
    assert info.value.code == "2000"
    send(firm, citizen_acc.box_id, "Výzva", message_type="I", our_ref="FIRMA/1")
    citizen, _, _ = client_for(sim, citizen_acc.username, citizen_acc.password)
    offers = [r for r in citizen.pdz_info(citizen_acc.box_id) if r.pdz_type == "O"]
    assert [(o.odz_ident, o.payer) for o in offers] == [("FIRMA/1", firm_box.box_id)]
    # Times travel with millisecond precision.
    assert abs(offers[0].expires - (sim.clock.now() + timedelta(days=90))) < MS
    credit = firm_box.credit
    reply = send(citizen, firm_box.box_id, "Odpověď", message_type="O", your_ref="FIRMA/1")
    assert sim.world.messages[reply].dm_type == "O" and firm_box.credit == credit - 10
    # The offer is used up: a second reply with the same reference is refused.
    assert not [r for r in citizen.pdz_info(citizen_acc.box_id) if r.pdz_type == "O"]
    with pytest.raises(StatusError) as info:
        send(citizen, firm_box.box_id, "Znovu", message_type="O", your_ref="FIRMA/1")
    assert info.value.code == "1230"


def test_a_reply_offer_expires_after_90_days(firm: IsdsClient, sim: Simulator) -> None:
    citizen_acc = account(sim, "FO")
    for user in sim.world.users.values():  # passwords must outlive the 90 days
        user.password_expires = None
    send(firm, citizen_acc.box_id, "Výzva", message_type="I", our_ref="FIRMA/2")
    citizen, _, _ = client_for(sim, citizen_acc.username, citizen_acc.password)
    assert [r.odz_ident for r in citizen.pdz_info(citizen_acc.box_id)
            if r.pdz_type == "O"] == ["FIRMA/2"]
    sim.clock.advance(days=90, seconds=1)
    assert [r for r in citizen.pdz_info(citizen_acc.box_id) if r.pdz_type == "O"] == []
    with pytest.raises(StatusError) as info:
        send(citizen, account(sim, "PO").box_id, message_type="O", your_ref="FIRMA/2")
    assert info.value.code == "1230"


# --- password expiry and lockout -----------------------------------------------------------


def test_an_expired_password_is_refused_as_expired_not_as_wrong(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    client, _, _ = client_for(sim, acc.username, acc.password)
    sim.expire_password(acc.username)
    with pytest.raises(PasswordExpired) as info:
        client.get_owner_info_from_login()
    assert info.value.code == "authentication.error.paswordExpired"
    assert info.value.server_message == "Platnost hesla vypršela."
    assert not isinstance(info.value, WrongCredentials)


def test_an_expired_password_can_be_changed_and_then_works(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    sim.expire_password(acc.username)
    transport = InProcessTransport(sim)
    client = IsdsClient(ep.Environment.custom("https://sim.test"), LoginMethod.PASSWORD,
                        Credentials(acc.username, acc.password), transport=transport,
                        sleep=lambda s: None, max_retries=0)
    with pytest.raises(PasswordExpired):
        client.login()
    client.change_own_password("Nove-heslo-2026")
    fresh, _, _ = client_for(sim, acc.username, "Nove-heslo-2026")
    expires = fresh.get_password_info()
    assert expires is not None
    assert abs(expires - (sim.clock.now() + timedelta(days=90))) < MS
    with pytest.raises(WrongCredentials):
        client_for(sim, acc.username, acc.password)  # the old one is gone


@pytest.mark.parametrize("new", ["kratke1", "jenpismena", "12345678901", "x1" * 17])
def test_a_new_password_breaking_the_rules_is_1067(sim: Simulator, new: str) -> None:
    acc = account(sim, "OVM")
    client, _, _ = client_for(sim, acc.username, acc.password)
    with pytest.raises(StatusError) as info:
        client.change_own_password(new)
    assert info.value.code == "1067" and "8–32" in (info.value.server_message or "")
    assert sim.world.users[acc.username].password == acc.password


def test_the_user_name_inside_the_new_password_is_refused(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    client, _, _ = client_for(sim, acc.username, acc.password)
    with pytest.raises(StatusError) as info:
        client.change_own_password(f"A1{acc.username.upper()}9")
    assert info.value.code == "1067"


def test_a_wrong_old_password_in_the_request_is_1066(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    client, _, _ = client_for(sim, acc.username, acc.password)
    with pytest.raises(StatusError) as info:
        client.change_isds_password("spatne-stare-1", "Nove-heslo-2026")
    assert info.value.code == "1066"
    assert sim.world.users[acc.username].password == acc.password


def test_five_wrong_passwords_lock_the_account_for_an_hour(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    for _ in range(4):
        with pytest.raises(WrongCredentials) as info:
            client_for(sim, acc.username, "spatne-heslo")
        assert type(info.value) is WrongCredentials
    with pytest.raises(IntruderLockout):
        client_for(sim, acc.username, "spatne-heslo")
    # Locked: even the right password is refused, with the lockout reason.
    with pytest.raises(IntruderLockout) as info:
        client_for(sim, acc.username, acc.password)
    assert info.value.code == "authentication.error.intruderDetected"
    sim.clock.advance(minutes=59)
    with pytest.raises(IntruderLockout):
        client_for(sim, acc.username, acc.password)
    sim.clock.advance(minutes=2)
    client, _, _ = client_for(sim, acc.username, acc.password)
    assert client.logged_in


def test_a_right_password_resets_the_failure_count(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    for _ in range(3):
        with pytest.raises(WrongCredentials):
            client_for(sim, acc.username, "spatne-heslo")
    client_for(sim, acc.username, acc.password)
    for _ in range(4):
        with pytest.raises(WrongCredentials) as info:
            client_for(sim, acc.username, "spatne-heslo")
        assert type(info.value) is WrongCredentials


# --- faults ----------------------------------------------------------------------------------


def test_maintenance_is_a_503_the_client_calls_maintenance(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    client, _transport, _ = client_for(sim, acc.username, acc.password)
    sim.faults.inject("GetOwnerInfoFromLogin", "maintenance")
    with pytest.raises(MaintenanceError) as info:
        client.get_owner_info_from_login()
    assert info.value.server_message == "Probíhá plánovaná údržba systému."
    # Other operations are not affected by a fault aimed at one.
    assert client.get_password_info() is not None
    sim.faults.clear()
    assert client.get_owner_info_from_login().box_id == acc.box_id


def test_throttling_twice_then_success_is_retried_by_the_client(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    client, transport, sleeps = client_for(sim, acc.username, acc.password, max_retries=3)
    sim.faults.inject("CheckDataBox", "3009", times=2)
    before = transport.requests
    assert client.check_data_box(acc.box_id) == 1
    assert transport.requests - before == 3 and len(sleeps) == 2
    assert sim.faults.active() == []  # the fault counted itself down


@pytest.mark.parametrize("mode", ["3008", "3009"])
def test_throttling_without_retries_keeps_the_code(sim: Simulator, mode: str) -> None:
    acc = account(sim, "OVM")
    client, _, _ = client_for(sim, acc.username, acc.password)
    sim.faults.inject(None, mode, times=1)
    with pytest.raises(ThrottledError) as info:
        client.dummy_operation()
    assert info.value.code == mode and info.value.retryable
    client.dummy_operation()  # times=1: gone after one answer


def test_a_malformed_answer_is_a_protocol_error_and_nothing_else(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    client, _, _ = client_for(sim, acc.username, acc.password)
    sim.faults.inject("GetPasswordInfo", "malformed", times=1)
    with pytest.raises(ProtocolError, match="well-formed"):
        client.get_password_info()
    assert client.get_password_info() == sim.world.users[acc.username].password_expires


def test_no_timestamp_fault_gives_0005_on_signed_answers(sim: Simulator) -> None:
    acc = full_rights_clerk(sim)
    client, _, _ = client_for(sim, acc.username, acc.password)
    msg = next(iter(sim.world.visible(acc.box_id, "received")), None)
    if msg is None:
        firm_acc = account(sim, "PO")
        firm_client, _, _ = client_for(sim, firm_acc.username, firm_acc.password)
        msg = sim.world.messages[send(firm_client, acc.box_id)]
    sim.faults.inject("SignedMessageDownload", "no-timestamp", times=1)
    doc = client.signed_message_download(msg.dm_id)
    assert doc.status_code == "0005" and doc.without_timestamp
    again = client.signed_message_download(msg.dm_id)
    assert again.status_code == "0000" and not again.without_timestamp
    assert len(again.data) > len(doc.data)  # the timestamp token is the difference


def test_commit_then_drop_posts_the_message_but_loses_the_answer(sim: Simulator) -> None:
    firm_acc = account(sim, "PO")
    client, _transport, sleeps = client_for(sim, firm_acc.username, firm_acc.password,
                                           max_retries=3)
    sim.faults.inject("CreateMessage", "commit-then-drop", times=1)
    before = set(sim.world.messages)
    with pytest.raises(ConnectionFailed):
        send(client, account(sim, "OVM").box_id, "Ztracená odpověď")
    new = set(sim.world.messages) - before
    assert len(new) == 1  # ISDS carried it out ...
    assert sim.world.messages[new.pop()].annotation == "Ztracená odpověď"
    assert sleeps == []  # ... so the client never sends a CreateMessage again
    assert sim.faults.committed == {"CreateMessage": 1}


def test_a_reset_connection_on_a_read_is_retried(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    client, transport, sleeps = client_for(sim, acc.username, acc.password, max_retries=2)
    sim.faults.inject("GetPasswordInfo", "reset", times=1)
    before = transport.requests
    assert client.get_password_info() is not None
    assert transport.requests - before == 2 and len(sleeps) == 1


def test_an_unknown_fault_mode_is_refused(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="unknown fault mode"):
        sim.faults.inject("DummyOperation", "explode")


# --- routing ---------------------------------------------------------------------------------


def test_an_operation_on_the_wrong_service_is_2006(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    body = (b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
            b"<CreateMessage xmlns='http://isds.czechpoint.cz/v20'/></s:Body></s:Envelope>"
            )
    reply = sim.core.handle_soap(
        "/DS/dx", {"authorization": basic_auth_header(acc.username, acc.password)}, body, None)
    from dso_desktop.isds import soap
    from dso_desktop.isds.client import check_status

    answer = soap.read_response(reply.headers["Content-Type"], io.BytesIO(reply.body),
                                operation="CreateMessage")
    with pytest.raises(StatusError) as info:
        check_status(soap.status_of(answer.element, "CreateMessage"), "CreateMessage")
    assert info.value.code == "2006" and info.value.server_message == "Neznámá operace."


def test_unknown_paths_are_404_before_any_login(sim: Simulator) -> None:
    for path in ("/", "/DS", "/DS/unknown", "/cert/DS", "/evil/DS/dz", "/DS/dz/extra"):
        reply = sim.core.handle_soap(path, {}, b"<x/>", None)
        assert reply.status == 404, path


def test_a_request_without_credentials_is_refused_before_the_operation(sim: Simulator) -> None:
    body = (b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
            b"<DummyOperation xmlns='http://isds.czechpoint.cz/v20'/></s:Body></s:Envelope>"
            )
    requests = sim.core.requests
    reply = sim.core.handle_soap("/DS/dz", {}, body, None)
    assert reply.status == 401
    assert reply.headers.get("X-Response-message-code") == \
        "authentication.error.userIsNotAuthenticated"
    assert sim.core.requests == requests  # no operation ran


def test_a_certificate_path_without_a_certificate_is_refused(sim: Simulator) -> None:
    acc = account(sim, "OVM")
    body = (b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
            b"<DummyOperation xmlns='http://isds.czechpoint.cz/v20'/></s:Body></s:Envelope>"
            )
    for prefix in ("cert", "certds", "hspis"):
        reply = sim.core.handle_soap(
            f"/{prefix}/DS/dz", {"authorization": basic_auth_header(acc.username, acc.password)},
            body, None)
        assert reply.status == 403, prefix


# --- boxes -----------------------------------------------------------------------------------


def test_search_pages_cover_the_hits_once(clerk: IsdsClient, world_sim: Simulator) -> None:
    first = clerk.isds_search3("a", "GENERAL", "ALL", 0, 5)
    assert first.total is not None and first.total > 5
    assert first.position == 0 and first.current == 5 and first.last_page is False
    seen: list[str] = []
    page = 0
    while True:
        result = clerk.isds_search3("a", "GENERAL", "ALL", page, 5)
        assert result.position == page * 5
        seen += [h.box_id for h in result.hits]
        if result.last_page:
            break
        page += 1
    assert len(seen) == len(set(seen)) == first.total


def test_search_by_ico_and_by_box_id(clerk: IsdsClient, world_sim: Simulator) -> None:
    target = next(b for b in world_sim.world.boxes.values() if b.ico)
    by_ico = clerk.isds_search3(target.ico, "ICO", "ALL", 0, 10)
    assert target.box_id in [h.box_id for h in by_ico.hits]
    assert all(h.ic == target.ico for h in by_ico.hits)
    by_id = clerk.isds_search3(target.box_id, "DBID", "ALL", 0, 10)
    assert [h.box_id for h in by_id.hits] == [target.box_id]


def test_a_search_that_finds_nothing_is_an_empty_page(clerk: IsdsClient) -> None:
    # ISDS answers 0002; the client keeps it as a status (the send service turns it into
    # "Nenalezeno", services/send.py), not as a broken answer.
    with pytest.raises(StatusError) as info:
        clerk.isds_search3("Neexistujici Urad Qwzx", "GENERAL", "ALL", 0, 10)
    assert info.value.code == "0002"
    assert info.value.server_message == \
        "Nenalezeny žádné schránky odpovídající zadaným kritériím."


def test_find_data_box_without_criteria_is_a_2000(clerk: IsdsClient) -> None:
    with pytest.raises(StatusError) as info:
        clerk.find_data_box(OwnerInfo())
    assert info.value.code == "2000"


def test_find_data_box_by_firm_name_ignores_case_and_accents(clerk: IsdsClient,
                                                             world_sim: Simulator) -> None:
    import unicodedata

    target = next(b for b in world_sim.world.boxes.values()
                  if b.box_type.startswith("PO") and any(ord(c) > 127 for c in b.name))
    plain = "".join(c for c in unicodedata.normalize("NFD", target.name)
                    if not unicodedata.combining(c)).upper()
    found = clerk.find_data_box(OwnerInfo(firm_name=plain))
    assert target.box_id in [o.box_id for o in found]


def test_check_data_box_reports_state_and_unknown_box(clerk: IsdsClient,
                                                      world_sim: Simulator) -> None:
    gone = next(b for b in world_sim.world.boxes.values() if b.state != 1)
    assert clerk.check_data_box(gone.box_id) == gone.state
    with pytest.raises(StatusError) as info:
        clerk.check_data_box("zzzzzzz")
    assert info.value.code == "5001"


def test_the_address_of_an_unknown_box_is_a_fault(clerk: IsdsClient,
                                                  world_sim: Simulator) -> None:
    with pytest.raises(SoapFault) as info:
        clerk.get_data_box_address("zzzzzzz")
    assert info.value.server_message == "Datová schránka neexistuje."
    box = next(iter(world_sim.world.boxes.values()))
    address = clerk.get_data_box_address(box.box_id)
    assert address.full_line1 == box.address
    assert address.address.city == box.city


def test_owner_and_user_info_describe_the_logged_in_account(clerk: IsdsClient,
                                                            world_sim: Simulator) -> None:
    acc = full_rights_clerk(world_sim)
    owner = clerk.get_owner_info_from_login2()
    assert owner.box_id == acc.box_id and owner.box_type == "OVM"
    user = clerk.get_user_info_from_login2()
    assert user.privileges == world_sim.world.users[acc.username].privileges


def test_a_signed_zfo_of_the_simulator_authenticates_and_a_changed_one_does_not(
        clerk: IsdsClient, world_sim: Simulator) -> None:
    box = full_rights_clerk(world_sim).box_id
    msg = next(iter(world_sim.world.visible(box, "received")))
    zfo = clerk.signed_message_download(msg.dm_id).data
    assert clerk.authenticate_message(zfo) is True
    flipped = bytearray(zfo)
    flipped[len(flipped) // 2] ^= 0x01
    assert clerk.authenticate_message(bytes(flipped)) is False
    assert clerk.authenticate_message(base64.b64encode(b"junk")) is False
