"""One error hierarchy for the ISDS layer; every error keeps the ISDS code and Czech text."""

from __future__ import annotations


class IsdsError(Exception):
    """Root of every error raised by `dso_desktop.isds`."""

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


class WrongCredentials(LoginError):
    """authentication.error.userIsNotAuthenticated, HTTP 401/403."""


class PasswordExpired(LoginError):
    """authentication.error.paswordExpired: change the password in the portal."""


class IntruderLockout(LoginError):
    """authentication.error.intruderDetected: the account is blocked for 60 minutes."""


class BadRole(LoginError):
    """authentication.error.badRole: the user may not use this kind of access."""


class OtpNotSent(LoginError):
    """authentication.info.totpNotSended / cannotSendQuickly: no SMS code was sent."""


class MobileKeyExpired(LoginError):
    """The Mobile key request was not approved within 240 s (state 3) or failed (-1, 19)."""


class LoginCancelled(LoginError):
    """The user cancelled an interactive login (OTP prompt, Mobile key wait)."""


# --- protocol results --------------------------------------------------------------------


class StatusError(IsdsError):
    """dmStatus/dbStatus with a code other than 0000 (and other than the 0005 warning)."""


class ThrottledError(StatusError):
    """3008/3009 or the restricted mode: too many (parallel) requests; retried with backoff."""


class MaintenanceError(IsdsError):
    """HTTP 503: planned maintenance of ISDS (Probíhá plánovaná údržba)."""


class ProtocolError(IsdsError):
    """A malformed or unexpected response (not XML, wrong element, SOAP Fault, …)."""


class SoapFault(ProtocolError):
    """A SOAP Fault; `code` holds the faultcode, `server_message` the faultstring."""


# --- transport ------------------------------------------------------------------------------


class TransportError(IsdsError):
    """The network failed before ISDS could answer."""


class TlsError(TransportError):
    """TLS handshake or certificate verification failed (or a client certificate is unusable)."""


class ConnectionFailed(TransportError):
    """DNS, refused or reset connection, proxy failure."""


class TimeoutError_(TransportError):
    """Connect or read timeout."""


class HttpError(TransportError):
    """An HTTP status the protocol does not expect (e.g. 500 without a SOAP body)."""

    def __init__(self, message: str, *, status: int, **kw: str | None) -> None:
        super().__init__(message, **kw)
        self.status = status


OK = "0000"
NO_TIMESTAMP = "0005"  # response sent without a timestamp (TSA down): a warning
THROTTLE_CODES = frozenset({"3008", "3009"})
