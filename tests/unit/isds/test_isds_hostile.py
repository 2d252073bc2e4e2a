"""Hostile and malformed ISDS answers: every one ends in a typed error, nothing is expanded.

A response comes from the network; whatever it holds, the client must answer with an
`IsdsError` subclass the layers above understand (ProtocolError for a broken answer,
StatusError for a refusal, a login error for a refused login), never with an lxml, ValueError
or KeyError from deep inside, and never by resolving entities, DTDs or XIncludes.
"""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isds_fakes import (
    B64_ZFO,
    HASH_B64,
    RETURNED,
    ZFO_BYTES,
    db_status,
    dm_status,
    http,
    make_client,
    response_body,
    soap_http,
)
from test_isds_soap import mtom_response

from dso_desktop.domain import LoginMethod
from dso_desktop.isds import soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.client import check_status
from dso_desktop.isds.errors import (
    BadRole,
    HttpError,
    IntruderLockout,
    IsdsError,
    MaintenanceError,
    OtpNotSent,
    PasswordExpired,
    ProtocolError,
    SoapFault,
    StatusError,
    ThrottledError,
    WrongCredentials,
)

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def xml_answer(body: bytes, ctype: str = "text/xml; charset=utf-8", status: int = 200):
    return lambda _sent: http(status, body, {"Content-Type": ctype})


def returned_with(old: str, new: str) -> str:
    """The stock MessageDownload answer with one fragment replaced (it must be there)."""
    assert old in RETURNED, old
    return RETURNED.replace(old, new, 1) + dm_status()


# --- entities, DTDs, XInclude ------------------------------------------------------------


def test_external_entity_never_reads_a_local_file(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TAJNE-HESLO-123")
    body = (f'<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><DummyOperationResponse '
            f'xmlns="http://isds.czechpoint.cz/v20"><dmStatus><dmStatusCode>0000</dmStatusCode>'
            f"<dmStatusMessage>&x;</dmStatusMessage></dmStatus></DummyOperationResponse>"
            f"</s:Body></s:Envelope>").encode()
    client, _ = make_client(xml_answer(body))
    with pytest.raises(ProtocolError, match="DOCTYPE") as info:
        client.dummy_operation()
    assert "TAJNE" not in str(info.value)
    assert "TAJNE" not in (info.value.server_message or "")


def test_billion_laughs_is_refused_without_expansion() -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{lol}]>'
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><x>&l9;</x></s:Body></s:Envelope>').encode()
    client, _ = make_client(xml_answer(body))
    # libxml2 stops it either at the amplification guard or at our DOCTYPE refusal.
    with pytest.raises(ProtocolError, match=r"DOCTYPE|amplification") as info:
        client.dummy_operation()
    assert "lollol" not in str(info.value)


def test_external_dtd_is_not_fetched() -> None:
    # A fetch would go through the socket guard of the suite and fail with OSError; the
    # parser must not even try (no_network, load_dtd off) and refuse the DOCTYPE.
    body = (b'<?xml version="1.0"?><!DOCTYPE s:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">'
            b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/>'
            b"</s:Envelope>")
    with pytest.raises(ProtocolError, match="DOCTYPE"):
        X.parse_xml(body)
    with pytest.raises(ProtocolError, match="DOCTYPE"):
        X.parse_xml(io.BytesIO(body))


def test_doctype_in_the_root_part_of_an_mtom_answer_is_refused() -> None:
    body, ctype = mtom_response(
        "SignedBigMessageDownload",
        '<dmSignature><xop:Include href="cid:p1"/></dmSignature>' + dm_status(), {"p1": b"x"})
    evil = body.replace(b"<e:Envelope", b'<!DOCTYPE e [<!ENTITY a "b">]><e:Envelope', 1)
    client, _ = make_client(xml_answer(evil, ctype))
    with pytest.raises(ProtocolError, match="DOCTYPE"):
        client.signed_big_message_download("777")


def test_xinclude_in_an_answer_is_left_unresolved(tmp_path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0")
    inc = (f'<dmAnnotation><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
           f'href="file://{secret}" parse="text"/></dmAnnotation>')
    inner = returned_with("<dmAnnotation>Rozhodnutí č. 5</dmAnnotation>", inc)
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    msg = client.message_download("123456")
    assert msg.envelope.subject is None  # an element, not text: nothing was pulled in
    assert "root:x" not in repr(msg)


def test_cdata_and_character_references_are_plain_text() -> None:
    inner = returned_with("<dmAnnotation>Rozhodnutí č. 5</dmAnnotation>",
                          "<dmAnnotation><![CDATA[A & B <c>]]> &#268;J</dmAnnotation>")
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    assert client.message_download("1").envelope.subject == "A & B <c> ČJ"


def test_an_answer_in_windows_1250_is_decoded_by_its_declaration() -> None:
    text = ('<?xml version="1.0" encoding="windows-1250"?>'
            f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><CheckDataBoxResponse '
            'xmlns="http://isds.czechpoint.cz/v20"><dbState>1</dbState>'
            "<dbStatus><dbStatusCode>1301</dbStatusCode><dbStatusMessage>Schránka je "
            "znepřístupněna</dbStatusMessage></dbStatus></CheckDataBoxResponse></s:Body>"
            "</s:Envelope>")
    client, _ = make_client(xml_answer(text.encode("cp1250")))
    with pytest.raises(StatusError) as info:
        client.check_data_box("abc1234")
    assert info.value.server_message == "Schránka je znepřístupněna"


# --- broken structure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"", "well-formed"),
        (b"\xff\xfe<\x00x\x00", "well-formed"),
        (b"<s:Envelope xmlns:s='urn:not-soap'><s:Body/></s:Envelope>", "not a SOAP envelope"),
        (f"<s:Envelope xmlns:s='{SOAP11}'/>".encode(), "without a Body"),
        (f"<s:Envelope xmlns:s='{SOAP12}'><s:Body>  <!-- c --> </s:Body></s:Envelope>".encode(),
         "empty SOAP Body"),
        (f"<s:Envelope xmlns:s='{SOAP11}'><s:Body><DummyOperationResponse "
         "xmlns='http://isds.czechpoint.cz/v20'><dmStatus>".encode(), "well-formed"),
    ],
)
def test_broken_envelopes_are_protocol_errors(body: bytes, match: str) -> None:
    client, _ = make_client(xml_answer(body))
    with pytest.raises(ProtocolError, match=match):
        client.dummy_operation()


def test_the_right_element_name_in_a_foreign_namespace_has_no_status() -> None:
    body = (f"<s:Envelope xmlns:s='{SOAP11}'><s:Body><DummyOperationResponse xmlns='urn:evil'>"
            "<dmStatus><dmStatusCode>0000</dmStatusCode></dmStatus></DummyOperationResponse>"
            "</s:Body></s:Envelope>").encode()
    client, _ = make_client(xml_answer(body))
    with pytest.raises(ProtocolError, match="no dmStatus"):
        client.dummy_operation()


def test_a_status_without_a_code_is_a_protocol_error() -> None:
    inner = "<dmStatus><dmStatusMessage>OK</dmStatusMessage></dmStatus>"
    client, _ = make_client(lambda s: soap_http("DummyOperation", inner))
    with pytest.raises(ProtocolError, match="without a code"):
        client.dummy_operation()


def test_a_status_code_with_blanks_around_it_is_read() -> None:
    inner = "<dmStatus><dmStatusCode>\n 0000 \n</dmStatusCode></dmStatus>"
    client, t = make_client(lambda s: soap_http("DummyOperation", inner))
    client.dummy_operation()
    assert len(t.sent) == 1


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("<dmSenderType>10</dmSenderType>", "<dmSenderType>deset</dmSenderType>",
         "dmSenderType"),
        ("<dmPersonalDelivery>true</dmPersonalDelivery>",
         "<dmPersonalDelivery>ano</dmPersonalDelivery>", "boolean"),
        ("<dmDeliveryTime>2026-06-01T10:00:00.123+02:00</dmDeliveryTime>",
         "<dmDeliveryTime>včera</dmDeliveryTime>", "dateTime"),
        ("<dmMessageStatus>4</dmMessageStatus>", "<dmMessageStatus>4.5</dmMessageStatus>",
         "dmMessageStatus"),
        ("<dmAttachmentSize>12</dmAttachmentSize>", "<dmAttachmentSize>-</dmAttachmentSize>",
         "dmAttachmentSize"),
        ('<dmReturnedMessage dmType="V">', '<dmReturnedMessage dmType="V" dmVODZ="možná">',
         "boolean"),
        (f"<dmQTimestamp>{B64_ZFO}</dmQTimestamp>", "<dmQTimestamp>@@not base64@@</dmQTimestamp>",
         "base64"),
        (f'<dmHash algorithm="SHA-256">{HASH_B64}</dmHash>',
         '<dmHash algorithm="SHA-256">%%%</dmHash>', "base64"),
    ],
)
def test_a_malformed_field_is_a_protocol_error_naming_it(old: str, new: str, field: str) -> None:
    client, _ = make_client(lambda s: soap_http("MessageDownload", returned_with(old, new)))
    with pytest.raises(ProtocolError, match=field):
        client.message_download("123456")


def test_bad_base64_in_an_attachment_is_a_protocol_error() -> None:
    encoded = base64.b64encode(b"%PDF-1.4 test").decode()
    inner = returned_with(f"<dmEncodedContent>{encoded}</dmEncodedContent>",
                          "<dmEncodedContent>JVBERi0x!!!</dmEncodedContent>")
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    with pytest.raises(ProtocolError, match="base64"):
        client.message_download("123456")


def test_base64_wrapped_over_lines_is_accepted() -> None:
    data = bytes(range(256)) * 4
    wrapped = "\n".join(base64.b64encode(data).decode()[i:i + 76]
                        for i in range(0, 1400, 76))
    inner = returned_with(f"<dmQTimestamp>{B64_ZFO}</dmQTimestamp>",
                          f"<dmQTimestamp>\n{wrapped}\n</dmQTimestamp>")
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    assert client.message_download("1").q_timestamp == data


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("<dmID>123456</dmID>", "<dmID xsi:nil='true'/>", "without dmID"),
        ("<dmID>123456</dmID>", "<dmID>   </dmID>", "without dmID"),
    ],
)
def test_a_message_without_an_id_is_refused(old: str, new: str, match: str) -> None:
    client, _ = make_client(lambda s: soap_http("MessageDownload", returned_with(old, new)))
    with pytest.raises(ProtocolError, match=match):
        client.message_download("123456")


def test_a_download_answer_without_the_message_is_a_protocol_error() -> None:
    client, _ = make_client(lambda s: soap_http("MessageDownload", dm_status()))
    with pytest.raises(ProtocolError, match="dmReturnedMessage"):
        client.message_download("1")
    nil = '<dmReturnedMessage xsi:nil="true"/>' + dm_status()
    client, _ = make_client(lambda s: soap_http("MessageDownload", nil))
    with pytest.raises(ProtocolError, match="dmReturnedMessage"):
        client.message_download("1")


def test_a_signed_download_with_status_ok_but_no_signature_keeps_the_status() -> None:
    client, _ = make_client(lambda s: soap_http("SignedMessageDownload",
                                                dm_status("0000", "Provedeno")))
    with pytest.raises(ProtocolError, match="dmSignature") as info:
        client.signed_message_download("1")
    assert info.value.code == "0000" and info.value.operation == "SignedMessageDownload"


def test_unknown_attachment_role_is_kept_as_text_not_dropped() -> None:
    inner = returned_with('dmFileMetaType="enclosure"', 'dmFileMetaType="mystery"')
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    files = client.message_download("1").files
    assert [f.role for f in files][1] == "mystery"
    assert [f.name for f in files] == ["rozhodnuti.pdf", "data.xml"]


def test_a_record_list_with_one_broken_record_fails_as_a_whole() -> None:
    # Half a list would let a sync believe the missing messages do not exist.
    from isds_fakes import record

    bad = record("1002", 2).replace("<dmMessageStatus>6</dmMessageStatus>",
                                    "<dmMessageStatus>šest</dmMessageStatus>")
    inner = "<dmRecords>" + record("1001", 1) + bad + "</dmRecords>" + dm_status()
    client, _ = make_client(lambda s: soap_http("GetListOfReceivedMessages", inner))
    with pytest.raises(ProtocolError, match="dmMessageStatus"):
        client.get_list_of_received_messages(None, None)


def test_an_empty_record_list_is_an_empty_page() -> None:
    client, _ = make_client(lambda s: soap_http("GetListOfReceivedMessages",
                                                "<dmRecords/>" + dm_status()))
    assert list(client.get_list_of_received_messages(None, None)) == []


# --- faults and HTTP statuses ------------------------------------------------------------


def test_soap12_fault_code_and_reason_are_kept() -> None:
    body = (f"<e:Envelope xmlns:e='{SOAP12}'><e:Body><e:Fault><e:Code><e:Value>e:Receiver"
            "</e:Value></e:Code><e:Reason><e:Text xml:lang='cs'>Vnitřní chyba serveru</e:Text>"
            "</e:Reason></e:Fault></e:Body></e:Envelope>").encode()
    client, _ = make_client(xml_answer(body, "application/soap+xml", 500))
    with pytest.raises(SoapFault) as info:
        client.dummy_operation()
    assert info.value.code == "e:Receiver"
    assert info.value.server_message == "Vnitřní chyba serveru"
    assert isinstance(info.value, ProtocolError) and not info.value.retryable


def test_a_fault_without_texts_has_no_code_and_no_message() -> None:
    body = f"<s:Envelope xmlns:s='{SOAP11}'><s:Body><s:Fault/></s:Body></s:Envelope>".encode()
    client, _ = make_client(xml_answer(body, status=500))
    with pytest.raises(SoapFault) as info:
        client.dummy_operation()
    assert info.value.code is None and info.value.server_message is None


@pytest.mark.parametrize("status", [200, 500])
def test_html_error_pages_are_http_errors_not_parse_attempts(status: int) -> None:
    client, _ = make_client(xml_answer(b"<html><body>Error</body></html>", "text/html", status))
    with pytest.raises(HttpError) as info:
        client.check_data_box("abc1234")
    assert info.value.status == status and info.value.code == str(status)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("authentication.error.userIsNotAuthenticated", WrongCredentials),
        ("authentication.error.paswordExpired", PasswordExpired),
        ("authentication.error.passwordExpired", PasswordExpired),
        ("authentication.error.intruderDetected", IntruderLockout),
        ("authentication.error.badRole", BadRole),
        ("authentication.info.totpNotSended", OtpNotSent),
        ("authentication.error.somethingNew", WrongCredentials),
    ],
)
def test_a_refused_request_says_why(code: str, cls: type) -> None:
    encoded = "=?UTF-8?B?" + base64.b64encode("Heslo vypršelo".encode()).decode() + "?="
    client, _ = make_client(lambda s: http(401, b"", {"X-Response-message-code": code,
                                                      "X-Response-message-text": encoded}))
    with pytest.raises(cls) as info:
        client.check_data_box("abc1234")
    assert type(info.value) is cls
    assert info.value.code == code and info.value.server_message == "Heslo vypršelo"
    assert info.value.operation == "CheckDataBox"
    assert not client.logged_in  # the next call must not pretend the session is fine


def test_a_malformed_rfc2047_text_is_kept_verbatim() -> None:
    client, _ = make_client(lambda s: http(403, b"", {
        "X-Response-message-code": "authentication.error.badRole",
        "X-Response-message-text": "=?UTF-8?X?garbage?="}))
    with pytest.raises(BadRole) as info:
        client.dummy_operation()
    assert info.value.server_message == "=?UTF-8?X?garbage?="


def test_maintenance_keeps_the_fault_text_and_retry_after() -> None:
    body = (f"<s:Envelope xmlns:s='{SOAP11}'><s:Body><s:Fault><faultcode>s:Server</faultcode>"
            "<faultstring>Probíhá plánovaná údržba</faultstring></s:Fault></s:Body>"
            "</s:Envelope>").encode()
    client, t = make_client(lambda s: http(503, body, {"Content-Type": "text/xml",
                                                      "Retry-After": "7200"}), max_retries=3)
    with pytest.raises(MaintenanceError) as info:
        client.dummy_operation()
    err = info.value
    assert err.server_message == "Probíhá plánovaná údržba" and err.code == "503"
    # 7200 s is beyond the longest pause: no waiting inside the call, the caller is told.
    assert len(t.sent) == 1 and client.sleeps == [] and err.retry_after == 7200.0


def test_maintenance_with_a_garbage_body_is_still_maintenance() -> None:
    client, _ = make_client(lambda s: http(503, b"\x00\x01 not xml", {"Content-Type": "text/xml"}),
                            max_retries=0)
    with pytest.raises(MaintenanceError) as info:
        client.dummy_operation()
    assert info.value.server_message is None and info.value.retryable


# --- status codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cls"),
    [("1219", StatusError), ("1201", StatusError), ("2006", StatusError), ("9999", StatusError),
     ("3008", ThrottledError), ("3009", ThrottledError)],
)
def test_status_codes_map_to_error_classes(code: str, cls: type) -> None:
    with pytest.raises(cls) as info:
        check_status(soap.Status(code, "Text ISDS", "REF-1"), "MessageDownload")
    assert type(info.value) is cls
    assert (info.value.code, info.value.server_message) == (code, "Text ISDS")
    assert info.value.retryable is (cls is ThrottledError)


@pytest.mark.parametrize("code", ["0000", "0005"])
def test_success_codes_pass(code: str) -> None:
    assert check_status(soap.Status(code, ""), "DummyOperation") is None


def test_db_status_in_the_asws_namespace_is_found() -> None:
    inner = db_status("1066", "Heslo nesplňuje požadavky")
    client, _ = make_client(lambda s: soap_http("SendSMSCode", inner), method=LoginMethod.TOTP)
    with pytest.raises(StatusError) as info:
        client.request_password_sms()
    assert info.value.code == "1066" and "požadavky" in (info.value.server_message or "")


# --- MTOM hostility ----------------------------------------------------------------------


def test_multipart_without_a_boundary_parameter() -> None:
    client, _ = make_client(xml_answer(b"--x\r\n\r\n<a/>", "multipart/related; type=x"))
    with pytest.raises(ProtocolError, match="boundary"):
        client.signed_big_message_download("1")


def test_multipart_whose_boundary_never_occurs() -> None:
    body, ctype = mtom_response("SignedBigMessageDownload", dm_status(), {})
    client, _ = make_client(xml_answer(body, ctype.replace("uuid:b0undary", "uuid:other")))
    with pytest.raises(ProtocolError, match="without parts"):
        client.signed_big_message_download("1")


def test_multipart_part_without_a_header_end() -> None:
    body = b"--B\r\nContent-Type: text/xml" + b"x" * 100 + b"\r\n--B--\r\n"
    client, _ = make_client(xml_answer(body, 'multipart/related; boundary="B"'))
    with pytest.raises(ProtocolError, match="header terminator"):
        client.signed_big_message_download("1")


def test_a_reference_to_a_missing_part_names_it() -> None:
    body, ctype = mtom_response(
        "SignedBigMessageDownload",
        '<dmSignature><xop:Include href="cid:kde-jsem"/></dmSignature>' + dm_status(),
        {"jiny": b"data"})
    client, _ = make_client(xml_answer(body, ctype))
    with pytest.raises(ProtocolError, match="kde-jsem"):
        client.signed_big_message_download("1")


def test_a_percent_encoded_content_id_is_resolved() -> None:
    body, ctype = mtom_response(
        "SignedBigMessageDownload",
        '<dmSignature><xop:Include href="cid:part%401%2Fa"/></dmSignature>' + dm_status(),
        {"part@1/a": ZFO_BYTES})
    client, _ = make_client(xml_answer(body, ctype))
    assert client.signed_big_message_download("1").data == ZFO_BYTES


def test_the_start_parameter_picks_the_root_part_whatever_its_position() -> None:
    env = (f"<e:Envelope xmlns:e='{SOAP12}'><e:Body><SignedBigMessageDownloadResponse "
           "xmlns='http://isds.czechpoint.cz/v20' xmlns:xop='http://www.w3.org/2004/08/xop/include'>"
           "<dmSignature><xop:Include href='cid:bin'/></dmSignature>" + dm_status()
           + "</SignedBigMessageDownloadResponse></e:Body></e:Envelope>").encode()
    body = (b"--B\r\nContent-ID: <bin>\r\n\r\n" + ZFO_BYTES
            + b"\r\n--B\r\nContent-Type: application/xop+xml\r\nContent-ID: <root>\r\n\r\n" + env
            + b"\r\n--B--\r\n")
    client, _ = make_client(xml_answer(body, 'multipart/related; boundary="B"; start="<root>"'))
    assert client.signed_big_message_download("1").data == ZFO_BYTES


# --- big answers -------------------------------------------------------------------------


def test_a_download_with_a_text_node_above_lxmls_default_limit_is_read() -> None:
    # lxml refuses text nodes above 10 MB unless huge_tree is on; downloads switch it on.
    data = b"%PDF" + bytes(range(256)) * (11 * 4096)  # ~11.5 MB, base64 ~15 MB
    inner = returned_with(f">{base64.b64encode(b'%PDF-1.4 test').decode()}<",
                          f">{base64.b64encode(data).decode()}<")
    client, _ = make_client(lambda s: soap_http("MessageDownload", inner))
    msg = client.message_download("123456")
    assert msg.files[0].content == data


def test_a_huge_text_node_where_none_is_expected_is_a_protocol_error() -> None:
    # CheckDataBox is parsed without huge_tree: a 12 MB status text is an attack, not data.
    inner = "<dbState>1</dbState>" + db_status("0000", "x" * (12 * 1024 * 1024))
    client, _ = make_client(lambda s: soap_http("CheckDataBox", inner))
    with pytest.raises(ProtocolError, match="well-formed"):
        client.check_data_box("abc1234")


def test_deeply_nested_garbage_is_a_protocol_error() -> None:
    depth = 5000
    inner = "<a>" * depth + "</a>" * depth + dm_status()
    client, _ = make_client(lambda s: soap_http("DummyOperation", inner))
    with pytest.raises(ProtocolError):
        client.dummy_operation()


# --- property: nothing but IsdsError escapes the parser ----------------------------------


_SOAP_PIECES = st.sampled_from([
    b"<", b">", b"/", b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'>",
    b"<s:Body>", b"</s:Body>", b"</s:Envelope>", b"<DummyOperationResponse xmlns='"
    b"http://isds.czechpoint.cz/v20'>", b"</DummyOperationResponse>", b"<dmStatus>",
    b"</dmStatus>", b"<dmStatusCode>", b"</dmStatusCode>", b"0000", b"3008", b"&amp;", b"&x;",
    b"<!DOCTYPE x>", b"<![CDATA[", b"]]>", b"<?pi?>", b"\x00", b"\xc3", b"s:Fault", b"'", b'"',
])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_SOAP_PIECES, max_size=30),
       ctype=st.sampled_from(["text/xml", "application/soap+xml", "multipart/related; boundary=x"]))
def test_any_answer_ends_in_success_or_an_isds_error(pieces: list[bytes], ctype: str) -> None:
    body = b"".join(pieces)
    client, _ = make_client(xml_answer(body, ctype), max_retries=0)
    try:
        client.dummy_operation()
    except IsdsError as exc:
        assert exc.operation == "DummyOperation" or isinstance(exc, ProtocolError)
    else:
        # Only a real SOAP answer with a success status may pass.
        assert b"DummyOperationResponse" in body and b"0000" in body


def test_a_well_formed_answer_to_the_stock_helper_passes() -> None:
    # The counterpart of the property above: the real answer is accepted.
    client, _ = make_client(xml_answer(response_body("DummyOperation")))
    client.dummy_operation()
    assert client.logged_in
