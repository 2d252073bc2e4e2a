"""Cookie-session login flows on www/as/processLogin: HOTP, TOTP (SMS) and the Mobile key."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.header import decode_header, make_header
from urllib.parse import urlencode, urljoin, urlsplit

from dso_desktop.domain import LoginMethod
from dso_desktop.isds import endpoints as ep
from dso_desktop.isds.errors import (
    BadRole,
    IntruderLockout,
    IsdsError,
    LoginCancelled,
    LoginError,
    MaintenanceError,
    MobileKeyExpired,
    OtpNotSent,
    PasswordExpired,
    ProtocolError,
    WrongCredentials,
)
from dso_desktop.isds.models import Credentials
from dso_desktop.isds.transport import HttpResponse, HttpTransport

log = logging.getLogger("dso_desktop.isds.login")

SESSION_COOKIE = "IPCZ-X-COOKIE"
MOBILE_KEY_TIMEOUT = 240.0  # seconds the user has to approve [PROTOCOL.md §2]

MK_ERROR, MK_WAITING, MK_CONFIRMED, MK_EXPIRED = -1, 1, 2, 3
MK_PUSH_SENT, MK_PUSH_FAILED = 11, 19


@dataclass(frozen=True)
class OtpChallenge:
    """What the OTP prompt shows: the method and the server's (Czech) message, if any."""

    method: LoginMethod
    message: str | None = None


@dataclass(frozen=True)
class MobileKeyState:
    """One mepWsStateUpdate2 answer, passed to the Mobile-key observer."""

    status: int
    description: str | None = None


OtpProvider = Callable[[OtpChallenge], "str | None"]
MobileKeyObserver = Callable[[MobileKeyState], None]


def decode_rfc2047(value: str | None) -> str | None:
    """X-Response-message-text is RFC 2047 B-encoded UTF-8."""
    if not value:
        return None
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value


_CODE_ERRORS: dict[str, type[LoginError]] = {
    "authentication.error.userIsNotAuthenticated": WrongCredentials,
    "authentication.error.intruderDetected": IntruderLockout,
    "authentication.error.paswordExpired": PasswordExpired,
    "authentication.error.passwordExpired": PasswordExpired,
    "authentication.error.badRole": BadRole,
    "authentication.info.totpNotSended": OtpNotSent,
    "authentication.info.cannotSendQuickly": OtpNotSent,
}

_MESSAGES = {
    WrongCredentials: "wrong user name, password or code",
    IntruderLockout: "the account is blocked for 60 minutes after repeated failed logins",
    PasswordExpired: "the password has expired; change it in the application (Account > "
                     "Change password, or `dso account password NAME --new-password-stdin`)",
    BadRole: "this user may not log in this way",
    OtpNotSent: "the SMS code was not sent",
}


def login_error(resp: HttpResponse, default: type[LoginError] = WrongCredentials) -> IsdsError:
    """Map a failed login answer (X-Response-message-code, status) to a typed error."""
    code = resp.header("X-Response-message-code")
    text = decode_rfc2047(resp.header("X-Response-message-text"))
    if resp.status == 503:
        return MaintenanceError(
            "ISDS is down for planned maintenance", code="503", server_message=text
        )
    cls = _CODE_ERRORS.get(code or "", default)
    return cls(_MESSAGES.get(cls, "login failed"), code=code, server_message=text,
               operation="login")


class CookieLogin:
    """Runs one cookie login (HOTP, TOTP or Mobile key) over a transport."""

    def __init__(
        self,
        transport: HttpTransport,
        env: ep.Environment,
        method: LoginMethod,
        credentials: Credentials,
        *,
        otp_provider: OtpProvider | None = None,
        mobile_key_observer: MobileKeyObserver | None = None,
        cancel: threading.Event | None = None,
        application_name: str = "DSO Desktop",
        poll_interval: float = 1.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        import time

        self.t = transport
        self.env = env
        self.method = method
        self.creds = credentials
        self.otp_provider = otp_provider
        self.observer = mobile_key_observer
        self.cancel = cancel or threading.Event()
        self.application_name = application_name
        self.poll_interval = poll_interval
        self.clock = clock or time.monotonic
        self._sleep = sleep

    # -- helpers --------------------------------------------------------------------------

    def _service_uri(self) -> str:
        return ep.service_url(self.env, self.method, ep.Service.DZ)

    def _login_url(self, **params: str) -> str:
        params["uri"] = self._service_uri()
        return f"{ep.process_login_url(self.env)}?{urlencode(params)}"

    def _password(self) -> str:
        if self.creds.password is None:
            raise WrongCredentials("no password given", operation="login")
        return self.creds.password

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            if self.cancel.is_set():
                raise LoginCancelled("login cancelled by the user", operation="login")
        elif self.cancel.wait(seconds):
            raise LoginCancelled("login cancelled by the user", operation="login")

    def _ask_otp(self, message: str | None) -> str:
        if self.otp_provider is None:
            raise LoginError("an OTP code is needed but no way to ask for it", operation="login")
        if self.cancel.is_set():
            raise LoginCancelled("login cancelled by the user", operation="login")
        code = self.otp_provider(OtpChallenge(self.method, message))
        if not code or self.cancel.is_set():
            raise LoginCancelled("login cancelled by the user", operation="login")
        return code.strip()

    def _same_origin(self, location: str, base: str) -> str:
        """Resolve a redirect and refuse one that leaves the ISDS www host."""
        url = urljoin(base, location)
        a, b = urlsplit(url), urlsplit(base)
        if a.scheme != "https" or a.netloc != b.netloc:
            raise ProtocolError("login redirect leaves the ISDS host; refused", operation="login")
        return url

    def _finish(self, resp: HttpResponse) -> None:
        """A 302 that set IPCZ-X-COOKIE means we are in; anything else is a failure."""
        if resp.status in (301, 302, 303, 307) and self.t.cookie(SESSION_COOKIE):
            log.info("cookie session established (%s)", self.method.value)
            return
        raise login_error(resp)

    def _post(self, url: str, auth: tuple[str, str] | None) -> HttpResponse:
        resp = self.t.request("POST", url, body=b"", basic_auth=auth)
        resp.close()
        return resp

    # -- flows ----------------------------------------------------------------------------

    def run(self) -> None:
        self.t.clear_cookies()
        if self.method is LoginMethod.HOTP:
            self._hotp()
        elif self.method is LoginMethod.TOTP:
            self._totp()
        elif self.method is LoginMethod.MOBILE_KEY:
            self._mobile_key()
        else:
            raise ValueError(f"{self.method} is not a cookie login method")

    def _probe(self, url: str) -> None:
        """The spec wants the first POST without credentials, answered by 401 [LD-login]."""
        resp = self._post(url, None)
        if resp.status == 503:
            raise login_error(resp)

    def _hotp(self) -> None:
        url = self._login_url(type="hotp")
        self._probe(url)
        code = self._ask_otp(None)
        self._finish(self._post(url, (self.creds.username, self._password() + code)))

    def _totp(self) -> None:
        url = self._login_url(type="totp", sendSms="true")
        self._probe(url)
        resp = self._post(url, (self.creds.username, self._password()))
        code_hdr = resp.header("X-Response-message-code")
        if code_hdr != "authentication.info.totpSended" or resp.status not in (302, 303):
            raise login_error(resp, default=OtpNotSent if resp.status in (302, 303) else
                              WrongCredentials)
        location = resp.header("Location")
        next_url = self._same_origin(location, url) if location else self._login_url(type="totp")
        code = self._ask_otp(decode_rfc2047(resp.header("X-Response-message-text")))
        self._finish(self._post(next_url, (self.creds.username, self._password() + code)))

    def _mobile_key(self) -> None:
        url = self._login_url(type="mep-ws", applicationName=self.application_name)
        auth = (self.creds.username, self._password())  # the password is the komunikační kód
        resp = self._post(url, auth)
        if resp.status not in (302, 303):
            raise login_error(resp)
        deadline = self.clock() + MOBILE_KEY_TIMEOUT
        state_url = ep.mep_state_url(self.env)
        while True:
            if self.cancel.is_set():
                raise LoginCancelled("login cancelled by the user", operation="login")
            state = self._poll(state_url)
            if self.observer is not None:
                self.observer(state)
            if state.status == MK_CONFIRMED:
                break
            if state.status == MK_EXPIRED:
                raise MobileKeyExpired("the Mobile key request expired (240 s)",
                                       code="3", server_message=state.description,
                                       operation="login")
            if state.status == MK_ERROR:
                raise MobileKeyExpired("the Mobile key request failed", code="-1",
                                       server_message=state.description, operation="login")
            if self.clock() >= deadline:
                raise MobileKeyExpired("the Mobile key request was not approved in 240 s",
                                       operation="login")
            self._wait(self.poll_interval)
        self._finish(self._post(url, auth))

    def _poll(self, url: str) -> MobileKeyState:
        resp = self.t.request("GET", url)
        try:
            if resp.status == 503:
                raise login_error(resp)
            if resp.status != 200:
                raise login_error(resp, default=LoginError)
            raw = resp.content().decode("utf-8", "replace").strip()
        finally:
            resp.close()
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw
        if isinstance(data, dict):
            try:
                return MobileKeyState(int(data.get("status")),  # type: ignore[arg-type]
                                      data.get("description"))
            except (TypeError, ValueError):
                raise ProtocolError(f"bad mepWsStateUpdate2 answer {raw[:80]!r}",
                                    operation="login") from None
        try:  # the old endpoint answered with a bare number
            return MobileKeyState(int(str(data)))
        except ValueError:
            raise ProtocolError(f"bad mepWsStateUpdate2 answer {raw[:80]!r}",
                                operation="login") from None


def logout(transport: HttpTransport, env: ep.Environment, method: LoginMethod) -> None:
    """GET /as/processLogout?uri=…; the cookie jar is cleared whatever the answer."""
    uri = ep.service_url(env, method, ep.Service.DZ)
    try:
        resp = transport.request("GET", f"{ep.process_logout_url(env)}?{urlencode({'uri': uri})}")
        resp.close()
    finally:
        transport.clear_cookies()
