"""Error paths of the ISDS client: status codes, retries, maintenance, faults, bad XML."""

from __future__ import annotations

import pytest
from isds_fakes import B64_ZFO, ZFO_BYTES, dm_status, http, make_client, response_body, soap_http

from dso_desktop.domain import LoginMethod
from dso_desktop.isds.errors import (
    ConnectionFailed,
    HttpError,
    IsdsError,
    MaintenanceError,
    ProtocolError,
    SoapFault,
    StatusError,
    ThrottledError,
    TlsError,
    TransportError,
    WrongCredentials,
)


def test_status_error_keeps_code_text_and_operation() -> None:
    client, _ = make_client(lambda s: soap_http(
        "MessageDownload", dm_status("1219", "Zpráva neexistuje nebo není dostupná.")))
    with pytest.raises(StatusError) as info:
        client.message_download("999")
    err = info.value
    assert (err.code, err.operation) == ("1219", "MessageDownload")
    assert err.server_message == "Zpráva neexistuje nebo není dostupná."
    assert "1219" in str(err) and not isinstance(err, ThrottledError)


def test_0005_is_a_warning_carried_with_the_result() -> None:
    inner = f"<dmSignature>{B64_ZFO}</dmSignature>" + dm_status("0005", "Bez časového razítka")
    client, _ = make_client(lambda s: soap_http("SignedMessageDownload", inner))
    doc = client.signed_message_download("1")
    assert doc.data == ZFO_BYTES
    assert doc.without_timestamp and doc.status_code == "0005"
    assert doc.status_message == "Bez časového razítka"


@pytest.mark.parametrize("code", ["3008", "3009"])
def test_throttling_is_retried_with_exponential_backoff(code: str) -> None:
    answers = [soap_http("CheckDataBox", f"<dbStatus><dbStatusCode>{code}</dbStatusCode>"
                         "<dbStatusMessage>Příliš mnoho požadavků</dbStatusMessage></dbStatus>")
               for _ in range(3)]
    answers.append(soap_http("CheckDataBox"))
    client, t = make_client(lambda s: answers.pop(0), backoff_base=0.5)
    assert client.check_data_box("abc1234") == 1
    assert client.sleeps == [0.5, 1.0, 2.0]
    assert len(t.sent) == 4


def test_throttling_gives_up_after_the_bound() -> None:
    client, t = make_client(lambda s: soap_http("DummyOperation", dm_status("3009", "Omezeno")),
                            max_retries=2)
    with pytest.raises(ThrottledError) as info:
        client.dummy_operation()
    assert info.value.code == "3009" and info.value.server_message == "Omezeno"
    assert client.sleeps == [1.0, 2.0] and len(t.sent) == 3


def test_http_503_is_planned_maintenance() -> None:
    fault = (b'<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/'
             b'envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>'
             + "Probíhá plánovaná údržba".encode() + b"</faultstring></s:Fault></s:Body>"
             b"</s:Envelope>")
    client, _ = make_client(lambda s: http(503, fault, {"Content-Type": "text/xml"}))
    with pytest.raises(MaintenanceError) as info:
        client.dummy_operation()
    assert info.value.server_message == "Probíhá plánovaná údržba"
    assert "maintenance" in str(info.value)


def test_503_without_body_is_still_maintenance() -> None:
    client, _ = make_client(lambda s: http(503, b"<html>down</html>",
                                           {"Content-Type": "text/html"}))
    with pytest.raises(MaintenanceError):
        client.get_password_info()


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials(status: int) -> None:
    client, _ = make_client(lambda s: http(status))
    with pytest.raises(WrongCredentials) as info:
        client.dummy_operation()
    assert info.value.code == str(status)
    assert not client.logged_in


def test_login_with_password_checks_credentials_with_dummy_operation() -> None:
    client, t = make_client(logged_in=False)
    client.login()
    assert client.logged_in and t.soap_requests()[0].operation == "DummyOperation"
    bad, _ = make_client(lambda s: http(401), logged_in=False)
    with pytest.raises(WrongCredentials):
        bad.login()
    assert not bad.logged_in


def test_calls_before_login_are_refused() -> None:
    client, t = make_client(logged_in=False)
    with pytest.raises(IsdsError, match="login"):
        client.check_data_box("abc1234")
    assert t.sent == []


def test_soap11_fault() -> None:
    body = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
            b"<faultcode>s:Client</faultcode><faultstring>Chybn\xc3\xbd po\xc5\xbeadavek"
            b"</faultstring></s:Fault></s:Body></s:Envelope>")
    client, _ = make_client(lambda s: http(500, body, {"Content-Type": "text/xml"}))
    with pytest.raises(SoapFault) as info:
        client.dummy_operation()
    assert info.value.code == "s:Client" and info.value.server_message == "Chybný požadavek"
    assert isinstance(info.value, ProtocolError)


def test_soap12_fault_http_599_for_bad_mtom() -> None:
    body = (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><e:Fault>'
            b"<e:Code><e:Value>e:Sender</e:Value></e:Code><e:Reason><e:Text xml:lang=\"cs\">"
            b"Bad MTOM</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>")
    client, _ = make_client(lambda s: http(599, body, {"Content-Type": "application/soap+xml"}))
    with pytest.raises(SoapFault) as info:
        client.upload_attachment(b"data", "a.pdf")
    assert info.value.code == "e:Sender" and info.value.server_message == "Bad MTOM"


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b'<OtherResponse xmlns="http://isds.czechpoint.cz/v20"/></s:Body></s:Envelope>',
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>',
        b'<notsoap/>',
    ],
)
def test_malformed_responses_are_protocol_errors(body: bytes) -> None:
    client, _ = make_client(lambda s: http(200, body, {"Content-Type": "text/xml"}))
    with pytest.raises(ProtocolError):
        client.dummy_operation()


@pytest.mark.parametrize("element", ["OtherResponse", "UnknownOperationResponse"])
def test_unknown_operation_keeps_the_isds_status_code(element: str) -> None:
    # 2006 comes as HTTP 200 with a status, whatever the body element is called: the caller
    # must learn "ISDS does not know this operation", not "malformed response".
    body = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            b'<' + element.encode() + b' xmlns="http://isds.czechpoint.cz/v20"><dbStatus>'
            b'<dbStatusCode>2006</dbStatusCode><dbStatusMessage>Nezn\xc3\xa1m\xc3\xa1 operace'
            b'</dbStatusMessage></dbStatus></' + element.encode() + b'></s:Body></s:Envelope>')
    client, _ = make_client(lambda s: http(200, body, {"Content-Type": "text/xml"}))
    with pytest.raises(StatusError) as info:
        client.check_data_box("abc1234")
    assert info.value.code == "2006" and info.value.server_message == "Neznámá operace"
    assert not isinstance(info.value, ProtocolError)


def test_missing_status_is_a_protocol_error() -> None:
    client, _ = make_client(lambda s: soap_http("CheckDataBox", "<dbState>1</dbState>"))
    with pytest.raises(ProtocolError, match="Status"):
        client.check_data_box("abc1234")


def test_unexpected_http_status() -> None:
    client, _ = make_client(lambda s: http(404, b"nope", {"Content-Type": "text/plain"}))
    with pytest.raises(HttpError) as info:
        client.dummy_operation()
    assert info.value.status == 404 and isinstance(info.value, TransportError)


@pytest.mark.parametrize("exc", [TlsError("bad cert"), ConnectionFailed("refused")])
def test_transport_failures_are_not_protocol_errors(exc: TransportError) -> None:
    def fail(_):
        raise exc

    client, _ = make_client(fail)
    with pytest.raises(TransportError) as info:
        client.dummy_operation()
    assert info.value is exc and not isinstance(info.value, ProtocolError)


def test_cookie_session_expired_on_server_triggers_relogin() -> None:
    answers = [http(302, headers={"Location": "https://isds.test:8443/as/login"}),
               soap_http("CheckDataBox")]
    logins: list[int] = []
    client, t = make_client(lambda s: answers.pop(0), method=LoginMethod.HOTP)
    client.login = lambda: logins.append(1)  # type: ignore[method-assign]
    assert client.check_data_box("abc1234") == 1
    assert logins == [1] and len(t.sent) == 2


def test_cookie_session_idle_for_30_minutes_logs_in_again() -> None:
    now = [0.0]
    logins: list[int] = []
    client, _ = make_client(method=LoginMethod.TOTP)
    client._clock = lambda: now[0]
    client.login = lambda: logins.append(1)  # type: ignore[method-assign]
    client.dummy_operation()
    now[0] = 10 * 60.0
    client.dummy_operation()
    assert logins == []
    now[0] = 10 * 60.0 + 30 * 60.0
    client.dummy_operation()
    assert logins == [1]


def test_response_body_helper_is_well_formed() -> None:
    assert response_body("DummyOperation").startswith(b"<?xml")


def test_html_login_page_instead_of_soap_renews_a_cookie_session() -> None:
    answers = [http(200, b"<html>login</html>", {"Content-Type": "text/html; charset=utf-8"}),
               soap_http("DummyOperation")]
    logins: list[int] = []
    client, _ = make_client(lambda s: answers.pop(0), method=LoginMethod.MOBILE_KEY)
    client.login = lambda: logins.append(1)  # type: ignore[method-assign]
    client.dummy_operation()
    assert logins == [1]
