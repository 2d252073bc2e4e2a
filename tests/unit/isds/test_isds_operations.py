"""Each ISDS operation: what the client sends (URL, headers, elements) and what it decodes."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from isds_fakes import CALLS, HASH_B64, ZFO_BYTES, make_client
from lxml import etree

from dso_desktop.domain import AttachmentRole, LoginMethod, MessageStatus
from dso_desktop.isds.errors import StatusError
from dso_desktop.isds.models import OwnerInfo

NS = "{http://isds.czechpoint.cz/v20}"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def run(operation: str, variant: int = 0, method: LoginMethod = LoginMethod.PASSWORD):
    client, t = make_client(method=method)
    result = CALLS[operation][variant](client)
    (sent,) = t.soap_requests()
    return result, sent


def children(el) -> list[str]:
    return [etree.QName(c).localname for c in el]


# --- dm_operations ---------------------------------------------------------------------------


def test_create_message_request_and_result() -> None:
    result, sent = run("CreateMessage")
    assert sent.url == "https://isds.test:8443/DS/dz"
    assert sent.headers["Content-Type"].startswith("text/xml")
    assert sent.headers["SOAPAction"] == '""'
    assert sent.auth == ("user01", "heslo-č")
    el = sent.body_element()
    env = el.find(f"{NS}dmEnvelope")
    assert env.get("dmType") == "K"
    assert children(env)[:3] == ["dmSenderOrgUnit", "dmSenderOrgUnitNum", "dbIDRecipient"]
    assert env.find(f"{NS}dmAnnotation").text == "Žádost o informace"
    assert env.find(f"{NS}dmAllowSubstDelivery").text == "false"
    assert env.find(f"{NS}dmPublishOwnID").get("IdLevel") == "1"
    files = el.find(f"{NS}dmFiles")
    first, second = list(files)
    assert first.get("dmFileMetaType") == "main" and first.get("dmFileDescr") == "dopis.pdf"
    assert first.find(f"{NS}dmEncodedContent").text == "JVBERi0xLjQ="
    assert second.find(f"{NS}dmXMLContent")[0].tag == "{urn:x}d"
    assert result.message_id == "123456" and result.status_code == "0000"


def test_create_message_minimal_sends_nil_for_unset_required_elements() -> None:
    _, sent = run("CreateMessage", 1)
    env = sent.body_element().find(f"{NS}dmEnvelope")
    assert env.get("dmType") is None
    assert env.find(f"{NS}dmToHands").get(XSI_NIL) == "true"
    assert env.find(f"{NS}dmOVM") is None  # optional: left out, not nil


def test_create_multiple_message_results_per_recipient() -> None:
    result, sent = run("CreateMultipleMessage")
    assert children(sent.body_element()) == ["dmRecipients", "dmEnvelope", "dmFiles"]
    assert result.status_code == "0000"
    assert [r.message_id for r in result.results] == ["1001", None]
    assert result.results[1].status_code == "1201"
    assert "přístupná" in result.results[1].status_message


def test_multiple_message_recipient_limit() -> None:
    from dso_desktop.isds.models import OutgoingFile, OutgoingMessage, Recipient

    client, _ = make_client()
    with pytest.raises(ValueError, match="50"):
        client.create_multiple_message(OutgoingMessage(None, "x"),
                                       [Recipient(f"a{i:06d}") for i in range(51)],
                                       [OutgoingFile("a.txt", b"a")])


def test_message_download_decodes_envelope_and_files() -> None:
    msg, sent = run("MessageDownload")
    assert sent.body_element().find(f"{NS}dmID").text == "123456"
    env = msg.envelope
    assert env.message_id == "123456"
    assert env.sender_box_id == "abc1234" and env.sender_type == 10
    assert env.subject == "Rozhodnutí č. 5"
    assert env.legal_title.law == "500" and env.legal_title.paragraph is None
    assert env.personal_delivery is True and env.to_hands == "Jana"
    assert env.status == MessageStatus.DELIVERED
    assert env.delivered_at == datetime(2026, 6, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert env.accepted_at is None
    assert env.message_type == "V"
    pdf, xml = msg.files
    assert pdf.role is AttachmentRole.MAIN and pdf.content == b"%PDF-1.4 test"
    assert xml.content is None and b"urn:test" in (xml.xml_content or b"")
    assert msg.dm_hash is not None and msg.dm_hash.algorithm == "SHA-256"
    assert msg.q_timestamp == ZFO_BYTES


@pytest.mark.parametrize("operation", ["SignedMessageDownload", "SignedSentMessageDownload",
                                       "GetSignedDeliveryInfo", "SignedBigMessageDownload",
                                       "SignedSentBigMessageDownload"])
def test_signed_downloads_return_the_zfo(operation: str) -> None:
    doc, _ = run(operation)
    assert doc.data == ZFO_BYTES and doc.status_code == "0000" and not doc.without_timestamp


def test_authenticate_and_resign() -> None:
    ok, sent = run("AuthenticateMessage")
    assert ok is True
    assert base64.b64decode(sent.body_element().find(f"{NS}dmMessage").text) == ZFO_BYTES
    res, _ = run("Re-signISDSDocument")
    assert res.data == ZFO_BYTES and res.valid_to == date(2031, 1, 1)


# --- dm_info ----------------------------------------------------------------------------------


def test_list_of_received_messages_request_encoding() -> None:
    records, sent = run("GetListOfReceivedMessages")
    assert sent.url.endswith("/DS/dx")
    el = sent.body_element()
    assert children(el) == ["dmFromTime", "dmToTime", "dmRecipientOrgUnitNum", "dmStatusFilter",
                            "dmOffset", "dmLimit"]
    assert el.find(f"{NS}dmFromTime").text == "2026-06-01T00:00:00.000000Z"
    assert el.find(f"{NS}dmStatusFilter").text == "-1"
    assert el.find(f"{NS}dmLimit").text == "100"
    assert [r.envelope.message_id for r in records] == ["1001", "1002"]
    assert records[0].ordinal == 1
    assert records[0].envelope.status == MessageStatus.ACCEPTED_BY_LOGIN
    assert records[0].envelope.big_message is False


def test_list_unset_values_are_nil() -> None:
    _, sent = run("GetListOfReceivedMessages", 1)
    el = sent.body_element()
    for name in ("dmFromTime", "dmToTime", "dmRecipientOrgUnitNum", "dmOffset", "dmLimit"):
        assert el.find(f"{NS}{name}").get(XSI_NIL) == "true", name


def test_local_times_are_sent_as_utc() -> None:
    client, t = make_client()
    prague = timezone(timedelta(hours=2))
    client.get_message_state_changes(datetime(2026, 6, 1, 2, 0, tzinfo=prague), None)
    el = t.soap_requests()[0].body_element()
    assert el.find(f"{NS}dmFromTime").text == "2026-06-01T00:00:00.000000Z"


def test_sent_list_uses_sender_org_unit() -> None:
    records, sent = run("GetListOfSentMessages")
    assert children(sent.body_element())[2] == "dmSenderOrgUnitNum"
    assert sent.body_element().find(f"{NS}dmStatusFilter").text == "16"
    assert records[0].envelope.message_id == "2001"


def test_state_changes_and_envelopes() -> None:
    changes, _ = run("GetMessageStateChanges")
    assert changes[0].message_id == "1001" and changes[0].status == 6
    info, _ = run("MessageEnvelopeDownload")
    assert info.envelope.big_message is True and info.attachment_count == 3
    assert info.envelope.status == MessageStatus.ACCEPTED_BY_FICTION
    sent_info, _ = run("SentMessageEnvelopeDownload")
    assert sent_info.envelope.message_id == "123456"
    h, _ = run("VerifyMessage")
    assert h.algorithm == "SHA-256" and h.value == b"\x01" * 32 and HASH_B64


def test_delivery_info_events() -> None:
    info, _ = run("GetDeliveryInfo")
    assert [e.code for e in info.events] == ["EV5", "EV11"]
    assert info.envelope.accepted_at is not None


def test_authors_notifications_and_async() -> None:
    a, _ = run("GetMessageAuthor")
    assert (a.user_type, a.name) == ("PRIMARY_USER", "Jana Nováková")
    a2, _ = run("GetMessageAuthor2")
    assert a2.user_type == "OFFICIAL" and ("authorName", "Jana Nováková") in a2.details
    page, _ = run("GetListForNotifications")
    assert page.continues is True and page.records[0].sender_name == "Město Příkladov"
    async_id, sent = run("GetListOfErasedMessages")
    assert async_id == "ASYNC-1"
    assert children(sent.body_element()) == ["dmFromDate", "dmToDate", "dmMessageType",
                                             "dmOutFormat"]
    _, sent2 = run("GetListOfErasedMessages", 1)
    assert children(sent2.body_element()) == ["dmYear", "dmMonth", "dmMessageType",
                                              "dmOutFormat"]
    res, _ = run("PickUpAsyncResponse")
    assert res.request_type == "LIST_ERASED" and res.data.startswith(b"PK")


def test_erase_mark_register_report() -> None:
    for op in ("EraseMessage", "MarkMessageAsDownloaded", "RegisterForNotifications",
               "SuspMessageReport"):
        result, _ = run(op)
        assert result is None
    _, sent = run("SuspMessageReport", 1)
    assert children(sent.body_element()) == ["dmID", "allowComplete"]


# --- db_search / db_access / asws ----------------------------------------------------------------


def test_find_data_box_round_trip() -> None:
    found, sent = run("FindDataBox")
    assert sent.url.endswith("/DS/df")
    q = sent.body_element().find(f"{NS}dbOwnerInfo")
    assert q.find(f"{NS}dbID").text == "abc1234"
    assert q.find(f"{NS}pnMiddleName").get(XSI_NIL) == "true"
    (owner,) = found
    assert owner.box_id == "abc1234" and owner.firm_name == "Město Příkladov"
    assert owner.address.city == "Příkladov" and owner.effective_ovm is True and owner.state == 1
    found2, _ = run("FindDataBox2")
    assert found2[0].ovm_id == "00123456" and found2[0].address.district == "Střed"
    pers, _ = run("FindPersonalDataBox")
    assert pers[0].given_names == "Jan" and pers[0].last_name == "Novák"


def test_find_data_box_nothing_found_is_empty() -> None:
    from isds_fakes import db_status, soap_http

    client, _ = make_client(lambda s: soap_http("FindDataBox", db_status("0002", "Nenalezeno")))
    assert client.find_data_box(OwnerInfo(firm_name="nic")) == []


def test_search_and_box_info() -> None:
    page, sent = run("ISDSSearch3")
    el = sent.body_element()
    assert children(el) == ["searchText", "searchType", "searchScope", "page", "pageSize"]
    assert page.total == 1 and page.last_page is True
    assert page.hits[0].send_options == "ALL" and page.hits[0].ovm_id == "00123456"
    p2, _ = run("ISDSSearch2")
    assert p2.hits[0].effective_ovm is True
    assert run("CheckDataBox")[0] == 1
    assert run("GetDataBoxList")[0].startswith(b"PK")
    pdz, _ = run("PDZInfo")
    assert pdz[0].payer == "abc1234" and pdz[0].count == 10
    assert run("PDZSendInfo")[0] is True
    credit, _ = run("DataBoxCreditInfo")
    assert credit.current_credit == 15000
    assert ("ciPDZID", "PDZ-9") in credit.events[0].details
    periods, _ = run("GetDataBoxActivityStatus")
    assert periods[0].state == 1
    vault, _ = run("DTInfo")
    assert vault.current_type == 1 and vault.future_capacity is None
    consts, _ = run("GetConstants")
    assert consts[0].name == "MAX_ATTS"
    addr, _ = run("GetDataBoxAddress")
    assert addr.address.code == "12345678" and addr.full_line2 == "123 45 Příkladov"


def test_search_argument_checks() -> None:
    client, _ = make_client()
    with pytest.raises(ValueError):
        client.isds_search2("x", "IDOVM")
    with pytest.raises(ValueError):
        client.pdz_send_info("abc1234", "Bogus")
    with pytest.raises(ValueError):
        client.change_password_otp("a", "b", "SMS")


def test_access_operations() -> None:
    owner, sent = run("GetOwnerInfoFromLogin2")
    assert sent.url.endswith("/DS/DsManage")
    assert children(sent.body_element()) == ["dbDummy"]
    assert owner.box_id == "abc1234" and owner.box_type == "OVM"
    o1, _ = run("GetOwnerInfoFromLogin")
    assert o1.ic == "00123456"
    user, _ = run("GetUserInfoFromLogin")
    assert user.user_id == "user01" and user.given_names == "Jana" and user.privileges == 255
    user2, _ = run("GetUserInfoFromLogin2")
    assert user2.user_id == "123456789012" and user2.given_names == "Jana Marie"
    expiry, _ = run("GetPasswordInfo")
    assert expiry == datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)
    assert run("ChangeISDSPassword")[0] is None


def test_password_change_otp_service() -> None:
    _, sent = run("SendSMSCode", method=LoginMethod.TOTP)
    assert sent.url == "https://isds.test:8443/asws/changePassword"
    assert sent.body_element().tag == "{http://isds.czechpoint.cz/v20/asws}SendSMSCode"
    _, sent = run("ChangePasswordOTP", method=LoginMethod.TOTP)
    assert children(sent.body_element()) == ["dbOldPassword", "dbNewPassword", "dbOTPType"]


def test_asws_status_error_keeps_code() -> None:
    from isds_fakes import db_status, soap_http

    client, _ = make_client(lambda s: soap_http("SendSMSCode", db_status("2001", "Chyba")))
    with pytest.raises(StatusError) as info:
        client.send_sms_code()
    assert info.value.code == "2001" and info.value.server_message == "Chyba"


# --- VoDZ / arch ----------------------------------------------------------------------------


def test_vodz_uses_soap12_on_ws2_paths() -> None:
    _, sent = run("SignedBigMessageDownload")
    assert sent.url == "https://isds.test:8443/DS/vodz"
    assert sent.headers["Content-Type"].startswith("application/soap+xml")
    assert "SOAPAction" not in sent.headers
    assert "multipart/related" in sent.headers["Accept"]
    _, sent = run("ArchiveISDSDocument")
    assert sent.url == "https://isds.test:8443/DS/arch"


def test_upload_is_mtom_and_result_has_hashes() -> None:
    up, sent = run("UploadAttachment")
    assert sent.headers["Content-Type"].startswith("multipart/related")
    assert b"xop:Include" in sent.body or b"Include" in sent.body
    assert up.att_id == "ATT-1" and up.hash2_alg == "SHA3-256"


def test_upload_from_a_file_object(tmp_path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 300_000)
    client, t = make_client()
    client.upload_attachment(path, "big.bin")
    assert t.sent[0].body.count(b"x" * 300_000) == 1


def test_create_big_message_and_downloads() -> None:
    res, sent = run("CreateBigMessage")
    ext = sent.body_element().find(f"{NS}dmFiles/{NS}dmExtFile")
    assert ext.get("dmAttID") == "ATT-1" and ext.get("dmAttHash2Alg") == "SHA3-256"
    assert res.message_id == "777"
    _, sent = run("CreateBigMessage", 1)
    env = sent.body_element().find(f"{NS}dmEnvelope")
    assert children(env) == ["dbIDRecipient", "dmAnnotation"]
    att, _ = run("DownloadAttachment")
    assert att.content == b"%PDF big" and att.name == "velky.pdf" and att.role == "main"
    msg, _ = run("BigMessageDownload")
    assert msg.envelope.big_message is True and msg.attachment_count == 2
    assert run("AuthenticateBigMessage")[0] is False
    arch, _ = run("ArchiveISDSDocument")
    assert arch.data == ZFO_BYTES and arch.next_stamp_to == date(2036, 1, 1)


def test_download_attachment_into_a_file() -> None:
    client, _ = make_client()
    sink = io.BytesIO()
    att = client.download_attachment("777", 0, sink)
    assert att.content is None and att.size == len(b"%PDF big")
    assert sink.getvalue() == b"%PDF big"


def test_cert_method_urls_and_auth() -> None:
    for method, prefix, auth in [
        (LoginMethod.CERT, "/cert/DS/", None),
        (LoginMethod.CERT_PASSWORD, "/certds/DS/", ("user01", "heslo-č")),
        (LoginMethod.HOSTED, "/hspis/DS/", ("user01", "")),
        (LoginMethod.HOTP, "/apps/DS/", None),
    ]:
        _, sent = run("CheckDataBox", method=method)
        assert sent.url == f"https://isds.test:8443{prefix}df"
        assert sent.auth == auth
