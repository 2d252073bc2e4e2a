"""One error hierarchy for the ISDS layer; every error keeps the ISDS code and Czech text."""

from __future__ import annotations

from typing import ClassVar

from dso_desktop.errors import DsoError, ErrorKind


class IsdsError(DsoError):
    """Root of every error raised by `dso_desktop.isds`.

    ``retryable``: the same request may succeed if sent again after a pause (ISDS throttled
    it, is in maintenance, or the network failed). ``ambiguous``: the request may have
    reached ISDS and been carried out although no answer came back (a timeout, a dropped
    connection), so only idempotent operations may be sent again. The client is the one
    layer that retries (`isds.client.IsdsClient`); when it gives up it sets ``attempts``
    and ``retry_after`` (seconds until trying again is sensible) on the error it raises.
    """

    kind = ErrorKind.ISDS

    retryable: ClassVar[bool] = False
    ambiguous: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        server_message: str | None = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.server_message = server_message  # the server's own (Czech) text, verbatim
        self.operation = operation
        self.attempts = 1  # requests made for this operation (set by the client's retries)
        self.retry_after: float | None = None  # seconds; ISDS's Retry-After or next back-off

    @property
    def details(self) -> dict[str, str]:
        """The operation, the HTTP status or ISDS code, and ISDS's own (Czech) text: shown
        to the user in their language instead of the English message (`DsoError`). A
        three-digit code is the web server's HTTP status, not an ISDS code."""
        found = super().details
        status = getattr(self, "status", None)
        if status is None and self.code and self.code.isdigit() and len(self.code) == 3:
            status = self.code
        if status is not None:
            found["http_status"] = str(status)
        elif self.code:
            found["isds_code"] = self.code
        if self.server_message:
            found["server_message"] = self.server_message
        if self.operation:
            found["operation"] = self.operation
        return found

    def __str__(self) -> str:
        text = super().__str__()
        extra = []
        if self.operation:
            extra.append(self.operation)
        if self.code:
            extra.append(f"code {self.code}")
        if self.server_message and self.server_message not in text:
            extra.append(self.server_message)
        return f"{text} ({'; '.join(extra)})" if extra else text


# --- login ---------------------------------------------------------------------------------


class LoginError(IsdsError):
    """The server refused the login (or the login flow could not finish)."""

    kind = ErrorKind.ISDS_LOGIN


class WrongCredentials(LoginError):
    """authentication.error.userIsNotAuthenticated, HTTP 401/403."""

    kind = ErrorKind.ISDS_WRONG_CREDENTIALS


class PasswordExpired(LoginError):
    """authentication.error.paswordExpired: the password must be changed (it can be, without
    a login: `IsdsClient.change_own_password`)."""

    kind = ErrorKind.ISDS_PASSWORD_EXPIRED


class IntruderLockout(LoginError):
    """authentication.error.intruderDetected: the account is blocked for 60 minutes."""

    kind = ErrorKind.ISDS_INTRUDER_LOCKOUT


class BadRole(LoginError):
    """authentication.error.badRole: the user may not use this kind of access."""

    kind = ErrorKind.ISDS_BAD_ROLE


class OtpNotSent(LoginError):
    """authentication.info.totpNotSended / cannotSendQuickly: no SMS code was sent."""

    kind = ErrorKind.ISDS_OTP_NOT_SENT


class MobileKeyExpired(LoginError):
    """The Mobile key request was not approved within 240 s (state 3) or failed (-1, 19)."""

    kind = ErrorKind.ISDS_MOBILE_KEY_EXPIRED


class LoginCancelled(LoginError):
    """The user cancelled an interactive login (OTP prompt, Mobile key wait)."""

    kind = ErrorKind.ISDS_LOGIN_CANCELLED


# --- protocol results --------------------------------------------------------------------


class StatusError(IsdsError):
    """dmStatus/dbStatus with a code other than 0000 (and other than the 0005 warning)."""

    kind = ErrorKind.ISDS_STATUS


class ThrottledError(StatusError):
    """3008/3009 or the restricted mode: too many (parallel) requests; retried with backoff.

    ISDS refused the request before doing anything, so even CreateMessage may be resent."""

    kind = ErrorKind.ISDS_THROTTLED

    retryable = True


class MaintenanceError(IsdsError):
    """HTTP 503: planned maintenance of ISDS (Probíhá plánovaná údržba); nothing was done."""

    kind = ErrorKind.ISDS_MAINTENANCE

    retryable = True


class ProtocolError(IsdsError):
    """A malformed or unexpected response (not XML, wrong element, SOAP Fault, …)."""

    kind = ErrorKind.ISDS_PROTOCOL


class SoapFault(ProtocolError):
    """A SOAP Fault; `code` holds the faultcode, `server_message` the faultstring."""

    kind = ErrorKind.ISDS_SOAP_FAULT


# --- transport ------------------------------------------------------------------------------


class TransportError(IsdsError):
    """The network failed before ISDS could answer."""

    kind = ErrorKind.ISDS_TRANSPORT


class TlsError(TransportError):
    """TLS handshake or certificate verification failed (or a client certificate is unusable)."""

    kind = ErrorKind.ISDS_TLS


class ConnectionFailed(TransportError):
    """DNS, refused or reset connection, proxy failure."""

    kind = ErrorKind.ISDS_CONNECTION_FAILED

    retryable = True
    ambiguous = True  # a reset after the request was sent: ISDS may have carried it out


class TimeoutError_(TransportError):
    """Connect or read timeout."""

    kind = ErrorKind.ISDS_TIMEOUT

    retryable = True
    ambiguous = True  # ISDS may have carried the request out and only the answer is late


class HttpError(TransportError):
    """An HTTP status the protocol does not expect (e.g. 500 without a SOAP body)."""

    kind = ErrorKind.ISDS_HTTP

    def __init__(self, message: str, *, status: int, **kw: str | None) -> None:
        super().__init__(message, **kw)
        self.status = status


OK = "0000"
NO_TIMESTAMP = "0005"  # response sent without a timestamp (TSA down): a warning
THROTTLE_CODES = frozenset({"3008", "3009"})
