"""The client is the one layer that retries: throttling, maintenance and timeouts, at most 6
requests of one operation with doubling pauses; never a send after a timeout."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from isds_fakes import CALLS, Sent, dm_status, http, make_client, soap_http

from dso_desktop.isds.errors import (
    ConnectionFailed,
    IsdsError,
    MaintenanceError,
    StatusError,
    ThrottledError,
    TimeoutError_,
    WrongCredentials,
)
from dso_desktop.isds.retry import IDEMPOTENT_OPERATIONS, RetryPolicy, may_retry
from dso_desktop.isds.transport import HttpResponse

SENDS = ("CreateMessage", "CreateMultipleMessage", "CreateBigMessage", "UploadAttachment")


def throttled(code: str = "3008") -> Callable[[Sent], HttpResponse]:
    def answer(s: Sent) -> HttpResponse:
        return soap_http(s.operation or "DummyOperation", dm_status(code, "Příliš mnoho"))
    return answer


def maintenance(headers: dict[str, str] | None = None) -> HttpResponse:
    return http(503, b"<html>down</html>", {"Content-Type": "text/html", **(headers or {})})


def failing(times: int, fail: Callable[[Sent], HttpResponse]) -> Callable[[Sent], HttpResponse]:
    """``fail`` for the first ``times`` requests, then the stock answer."""
    seen: list[int] = []

    def answer(s: Sent) -> HttpResponse:
        seen.append(1)
        if len(seen) <= times:
            return fail(s)
        return soap_http(s.operation or "DummyOperation")
    return answer


def raising(exc: type[IsdsError]) -> Callable[[Sent], HttpResponse]:
    def answer(s: Sent) -> HttpResponse:
        raise exc(f"{exc.__name__} from the network")
    return answer


def test_error_classes_say_whether_they_are_retryable() -> None:
    assert ThrottledError.retryable and not ThrottledError.ambiguous
    assert MaintenanceError.retryable and not MaintenanceError.ambiguous
    assert TimeoutError_.retryable and TimeoutError_.ambiguous
    assert ConnectionFailed.retryable and ConnectionFailed.ambiguous
    for cls in (StatusError, WrongCredentials, IsdsError):
        assert not cls.retryable
    # Sends are never resent after a timeout; every read is.
    assert not set(SENDS) & IDEMPOTENT_OPERATIONS
    assert {"GetListOfReceivedMessages", "SignedMessageDownload", "GetOwnerInfoFromLogin2",
            "GetSignedDeliveryInfo"} <= IDEMPOTENT_OPERATIONS
    assert may_retry(ThrottledError("x"), "CreateMessage")
    assert not may_retry(TimeoutError_("x"), "CreateMessage")
    assert may_retry(TimeoutError_("x"), "SignedMessageDownload")


@pytest.mark.parametrize("code", ["3008", "3009"])
def test_a_throttled_operation_makes_at_most_six_requests(code: str) -> None:
    client, t = make_client(throttled(code))
    with pytest.raises(ThrottledError) as info:
        client.get_list_of_received_messages(None, None)
    assert len(t.soap_requests()) == 6  # was 5 here, times 5 in the sync engine: 25
    assert client.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert info.value.attempts == 6 and info.value.code == code
    assert info.value.retry_after == 30.0  # the next pause (32 s) capped at max_delay


@pytest.mark.parametrize("fail", [throttled("3008"), throttled("3009"),
                                  lambda s: maintenance(), raising(TimeoutError_),
                                  raising(ConnectionFailed)])
def test_a_fault_that_clears_after_two_requests_succeeds_with_three(
        fail: Callable[[Sent], HttpResponse]) -> None:
    client, t = make_client(failing(2, fail))
    assert client.signed_message_download("777").data
    assert len(t.soap_requests()) == 3 and client.sleeps == [1.0, 2.0]


def test_retry_after_of_a_maintenance_answer_is_honoured() -> None:
    client, t = make_client(failing(1, lambda s: maintenance({"Retry-After": "7"})))
    client.get_password_info()
    assert client.sleeps == [7.0] and len(t.soap_requests()) == 2


def test_a_long_retry_after_ends_the_retries_at_once() -> None:
    client, t = make_client(lambda s: maintenance({"Retry-After": "3600"}))
    with pytest.raises(MaintenanceError) as info:
        client.get_list_of_sent_messages(None, None)
    assert len(t.soap_requests()) == 1 and client.sleeps == []
    assert info.value.retry_after == 3600.0 and info.value.attempts == 1


@pytest.mark.parametrize("exc", [TimeoutError_, ConnectionFailed])
@pytest.mark.parametrize("operation", [op for op in SENDS if op in CALLS])
def test_a_send_is_never_resent_after_a_timeout_or_a_dropped_connection(
        exc: type[IsdsError], operation: str) -> None:
    for call in CALLS[operation]:
        client, t = make_client(raising(exc))
        with pytest.raises(exc) as info:
            call(client)
        assert [s.operation for s in t.soap_requests()] == [operation]  # exactly once
        assert client.sleeps == [] and info.value.attempts == 1


def test_every_operation_under_a_timeout() -> None:
    """Idempotent operations get 6 requests; every other one exactly 1."""
    for operation, calls in CALLS.items():
        client, t = make_client(raising(TimeoutError_))
        with pytest.raises(TimeoutError_):
            calls[0](client)
        sent = [s.operation for s in t.soap_requests()]
        want = 6 if operation in IDEMPOTENT_OPERATIONS else 1
        assert sent == [operation] * want, operation


def test_a_throttled_send_is_resent_since_isds_did_nothing() -> None:
    client, t = make_client(failing(1, throttled("3009")))
    client.create_message(*_message())
    assert [s.operation for s in t.soap_requests()] == ["CreateMessage"] * 2


def test_other_errors_are_not_retried() -> None:
    client, t = make_client(lambda s: soap_http("CheckDataBox", dm_status("1234", "Ne")))
    with pytest.raises(StatusError):
        client.check_data_box("abc1234")
    assert len(t.soap_requests()) == 1 and client.sleeps == []


def test_cancel_during_the_back_off_stops_the_retries() -> None:
    cancel = threading.Event()
    client, t = make_client(throttled(), cancel=cancel, sleep=lambda s: cancel.set())
    with pytest.raises(ThrottledError):
        client.dummy_operation()
    assert len(t.soap_requests()) == 1


def test_the_default_pause_is_the_cancel_event() -> None:
    """Without an injected sleep the back-off waits on the cancel event (a cancelled
    sync does not sit out a 16 s pause)."""
    cancel = threading.Event()
    cancel.set()
    client, t = make_client(throttled(), cancel=cancel, sleep=None)
    with pytest.raises(ThrottledError):
        client.dummy_operation()
    assert len(t.soap_requests()) == 1


def test_policy_delays() -> None:
    p = RetryPolicy()
    assert p.attempts == 6 and list(p.delays()) == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert list(RetryPolicy(4, 0.5, 1.0).delays()) == [0.5, 1.0, 1.0]


def _message() -> tuple[object, list[object]]:
    from dso_desktop.domain import AttachmentRole
    from dso_desktop.isds.models import OutgoingFile, OutgoingMessage

    return (OutgoingMessage(recipient_box_id="xyz7890", subject="Test"),
            [OutgoingFile("dopis.pdf", b"%PDF-1.4", "application/pdf", AttachmentRole.MAIN)])
