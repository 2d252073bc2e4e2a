"""IsdsClient: login, logout, session upkeep, retries and the SOAP call every operation uses."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from dso_desktop import APP_NAME
from dso_desktop.domain import LoginMethod
from dso_desktop.isds import endpoints as ep
from dso_desktop.isds import soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.errors import (
    NO_TIMESTAMP,
    OK,
    THROTTLE_CODES,
    HttpError,
    IsdsError,
    MaintenanceError,
    ProtocolError,
    SoapFault,
    StatusError,
    ThrottledError,
    WrongCredentials,
)
from dso_desktop.isds.login import (
    CookieLogin,
    MobileKeyObserver,
    OtpProvider,
    login_error,
    logout,
)
from dso_desktop.isds.models import Credentials
from dso_desktop.isds.ops_boxes import BoxOperations
from dso_desktop.isds.ops_info import InfoOperations
from dso_desktop.isds.ops_messages import MessageOperations
from dso_desktop.isds.ops_vodz import BigMessageOperations
from dso_desktop.isds.retry import RetryPolicy, may_retry, parse_retry_after
from dso_desktop.isds.transport import ClientCertificate, HttpResponse, HttpTransport

__all__ = ["Credentials", "IsdsClient"]

log = logging.getLogger("dso_desktop.isds.client")

SESSION_IDLE_LIMIT = 30 * 60.0  # IPCZ-X-COOKIE expires after 30 minutes idle
SESSION_MARGIN = 60.0  # re-login a minute early rather than hit the edge


class IsdsClient(MessageOperations, InfoOperations, BoxOperations, BigMessageOperations):
    """A logged-in conversation with one ISDS account (blocking; one thread at a time)."""

    def __init__(
        self,
        env: ep.Environment,
        method: LoginMethod,
        credentials: Credentials,
        *,
        ca_file: Path | None = None,
        proxy: str | None = None,
        timeouts: tuple[float, float] = (10.0, 120.0),
        otp_provider: OtpProvider | None = None,
        mobile_key_observer: MobileKeyObserver | None = None,
        cancel: threading.Event | None = None,
        transport: HttpTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_retries: int = RetryPolicy.attempts - 1,
        backoff_base: float = RetryPolicy.base_delay,
        max_delay: float = RetryPolicy.max_delay,
        application_name: str = APP_NAME,
        mobile_key_poll_interval: float = 1.0,
    ) -> None:
        self.env = env
        self.method = method
        self.credentials = credentials
        self.otp_provider = otp_provider
        self.mobile_key_observer = mobile_key_observer
        self.cancel = cancel or threading.Event()
        # The back-off pause; by default it ends early when the user cancels.
        self._sleep = sleep if sleep is not None else self.cancel.wait
        self._clock = clock
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_delay = max_delay
        self.application_name = application_name
        self.mobile_key_poll_interval = mobile_key_poll_interval
        if transport is None:
            from dso_desktop.isds.transport import RequestsTransport

            cert = None
            if method in ep.CERT_METHODS:
                if credentials.cert_file is None:
                    raise ValueError(f"login method {method} needs a client certificate")
                cert = ClientCertificate(
                    credentials.cert_file, credentials.key_file, credentials.cert_password
                )
            transport = RequestsTransport(
                ca_file=ca_file, client_cert=cert, proxy=proxy, timeouts=timeouts
            )
        self.transport = transport
        self._logged_in = False
        self._last_used: float | None = None

    # -- session --------------------------------------------------------------------------

    @property
    def uses_cookie_session(self) -> bool:
        return self.method in ep.COOKIE_METHODS

    @property
    def logged_in(self) -> bool:
        return self._logged_in

    def login(self) -> None:
        """Log in on the user's action; stateless methods check the credentials with
        DummyOperation (as libdatovka does), cookie methods run the processLogin flow."""
        if self.uses_cookie_session:
            CookieLogin(
                self.transport,
                self.env,
                self.method,
                self.credentials,
                otp_provider=self.otp_provider,
                mobile_key_observer=self.mobile_key_observer,
                cancel=self.cancel,
                application_name=self.application_name,
                poll_interval=self.mobile_key_poll_interval,
                clock=self._clock,
            ).run()
            self._logged_in = True
            self._last_used = self._clock()
            return
        self._logged_in = True  # lets _call through; reset below when the check fails
        try:
            self.dummy_operation()
        except BaseException:
            self._logged_in = False
            raise

    # -- password change (no login needed: also works when the password has expired) -----

    def request_password_sms(self) -> None:
        """SendSMSCode on the asws service for a TOTP (SMS) account: ISDS texts a code that
        authorises the next ChangePasswordOTP. Authenticated by user name + password."""
        if self.method is not LoginMethod.TOTP:
            raise ValueError("an SMS code is requested only for SMS (TOTP) logins")
        el = soap.operation_element("SendSMSCode", X.NS_ASWS)
        self.call_without_session(ep.Service.ASWS, el, "SendSMSCode",
                                  (self.credentials.username, self._old_password()))

    def change_own_password(self, new_password: str, *, otp_code: str | None = None) -> None:
        """Change this account's password in ISDS (PROTOCOL.md §2 "Password change"):
        ChangeISDSPassword (db_access) for name+password logins, ChangePasswordOTP on the
        asws service for SMS/HOTP logins, where the one-time code is appended to the old
        password in HTTP Basic (the request itself has no place for it). Works without
        `login()`, so an expired password can be replaced. Raises `StatusError` when ISDS
        refuses the new password (its Czech reason in ``server_message``)."""
        from dso_desktop.isds.ops_boxes import (
            change_isds_password_element,
            change_password_otp_element,
        )

        old = self._old_password()
        user = self.credentials.username
        if self.method in (LoginMethod.PASSWORD, LoginMethod.CERT_PASSWORD):
            self.call_without_session(ep.Service.DS_MANAGE,
                                      change_isds_password_element(old, new_password),
                                      "ChangeISDSPassword", (user, old))
            return
        if self.method in (LoginMethod.TOTP, LoginMethod.HOTP):
            if not otp_code:
                raise ValueError("a password change of an SMS/HOTP login needs the code")
            otp_type = "TOTP" if self.method is LoginMethod.TOTP else "HOTP"
            self.call_without_session(ep.Service.ASWS,
                                      change_password_otp_element(old, new_password, otp_type),
                                      "ChangePasswordOTP", (user, old + otp_code))
            return
        raise ValueError(f"login method {self.method} has no password to change")

    def _old_password(self) -> str:
        if not self.credentials.password:
            raise WrongCredentials("no password given")
        return self.credentials.password

    def logout(self) -> None:
        if self.uses_cookie_session and self._logged_in:
            logout(self.transport, self.env, self.method)
        self._logged_in = False
        self._last_used = None

    def close(self) -> None:
        try:
            self.logout()
        except IsdsError as exc:
            log.info("logout failed while closing: %s", type(exc).__name__)
        finally:
            self.transport.close()

    def __enter__(self) -> IsdsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _session_stale(self) -> bool:
        if not self.uses_cookie_session:
            return False
        if not self._logged_in or self._last_used is None:
            return True
        return self._clock() - self._last_used > SESSION_IDLE_LIMIT - SESSION_MARGIN

    def _auth(self) -> tuple[str, str] | None:
        m = self.method
        if m in (LoginMethod.PASSWORD, LoginMethod.CERT_PASSWORD):
            if self.credentials.password is None:
                raise WrongCredentials("no password given")
            return (self.credentials.username, self.credentials.password)
        if m is LoginMethod.HOSTED:
            return (self.credentials.username, "")  # user name = box id, empty password
        return None  # system certificate or cookie session

    @property
    def retry_policy(self) -> RetryPolicy:
        """At most ``max_retries + 1`` requests for one operation, pauses from
        ``backoff_base`` doubling up to ``max_delay``."""
        return RetryPolicy(self.max_retries + 1, self.backoff_base, self.max_delay)

    # -- the SOAP call ----------------------------------------------------------------------

    def _post(
        self,
        service: ep.Service,
        body: bytes | IO[bytes],
        content_type: str,
        accept_mtom: bool,
        basic_auth: tuple[str, str] | None = None,
    ) -> HttpResponse:
        headers = {"Content-Type": content_type}
        if not service.soap12:
            headers["SOAPAction"] = '""'
        if accept_mtom:
            headers["Accept"] = "multipart/related, application/soap+xml, text/xml"
        url = ep.service_url(self.env, self.method, service)
        return self.transport.request("POST", url, body=body, headers=headers,
                                      basic_auth=basic_auth or self._auth())

    def call_without_session(
        self, service: ep.Service, element: X.Element, operation: str,
        basic_auth: tuple[str, str],
    ) -> soap.SoapResponse:
        """One request authenticated by ``basic_auth`` alone, without `login()` and without
        retries: the password-change operations, which ISDS accepts also when the password
        has expired (and so no login is possible). Raises like any other call."""
        payload = soap.envelope(element, soap12=service.soap12)
        resp = self._post(service, payload, soap.content_type(soap12=service.soap12), False,
                          basic_auth=basic_auth)
        try:
            result = self._read(resp, operation, False)
        finally:
            resp.close()
        check_status(soap.status_of(result.element, operation, required=True), operation)
        return result

    def _call(
        self,
        service: ep.Service,
        element: X.Element,
        operation: str,
        *,
        parts: list[soap.BinaryPart] | None = None,
        accept_mtom: bool = False,
        huge: bool = False,
        status_required: bool = True,
    ) -> tuple[soap.SoapResponse, soap.Status]:
        """One operation; returns the response and its status.

        This is the one place that retries (the sync engine does not): throttling (3008,
        3009) and maintenance (HTTP 503) for every operation, timeouts and dropped
        connections only for idempotent operations (`isds.retry.may_retry`), at most
        ``max_retries + 1`` requests with doubling pauses. The error that ends the retries
        carries ``attempts`` and ``retry_after`` (when trying again is sensible).
        Raises StatusError for codes other than 0000 and 0005.
        """
        policy = self.retry_policy
        attempt = 1
        while True:
            try:
                resp = self._call_once(service, element, operation, parts=parts,
                                       accept_mtom=accept_mtom, huge=huge)
                try:
                    status = soap.status_of(resp.element, operation, required=status_required)
                    check_status(status, operation)
                except BaseException:
                    resp.close()  # no caller will read its MTOM parts now
                    raise
                return resp, status
            except IsdsError as exc:
                if not may_retry(exc, operation):
                    raise
                backoff = policy.delay(attempt)
                server_wait = getattr(exc, "retry_after", None)
                wait = server_wait if server_wait is not None else backoff
                exc.attempts = attempt
                if attempt >= policy.attempts or wait > policy.max_delay:
                    # Give up: tell the caller when trying again makes sense.
                    exc.retry_after = max(wait, backoff)
                    log.warning("%s: %s after %d attempt(s); giving up", operation,
                                type(exc).__name__, attempt)
                    raise
                log.info("%s: %s; retrying in %.1f s (attempt %d of %d)", operation,
                         type(exc).__name__, wait, attempt + 1, policy.attempts)
                self._sleep(wait)
                if self.cancel.is_set():
                    raise  # the user cancelled during the pause
                attempt += 1

    def _call_once(
        self,
        service: ep.Service,
        element: X.Element,
        operation: str,
        *,
        parts: list[soap.BinaryPart] | None,
        accept_mtom: bool,
        huge: bool,
    ) -> soap.SoapResponse:
        if not self._logged_in:
            raise IsdsError("not logged in: call login() first", operation=operation)
        if self._session_stale():
            log.info("cookie session idle too long; logging in again")
            self.login()
        for renewed in (False, True):
            if parts:
                for p in parts:  # a retried upload re-reads its file from the start
                    if not isinstance(p.source, bytes):
                        p.source.seek(p.offset)
                body, ctype = soap.mtom_request(element, parts, soap12=service.soap12)
                payload: bytes | IO[bytes] = body  # type: ignore[assignment]
            else:
                payload = soap.envelope(element, soap12=service.soap12)
                ctype = soap.content_type(soap12=service.soap12)
            resp = self._post(service, payload, ctype, accept_mtom)
            if self.uses_cookie_session and not renewed and _session_lost(resp):
                resp.close()
                log.info("cookie session expired on the server; logging in again")
                self.login()
                continue
            try:
                result = self._read(resp, operation, huge)
            except BaseException:
                resp.close()
                raise
            self._last_used = self._clock()
            if result.parts:
                result.source = resp.body  # parts read from it; closed by the caller
            else:
                resp.close()  # the tree is fully parsed; free the spool now
            return result
        raise ProtocolError("session could not be renewed", operation=operation)

    def _read(self, resp: HttpResponse, operation: str, huge: bool) -> soap.SoapResponse:
        status = resp.status
        ctype = resp.header("Content-Type") or ""
        if status == 503:
            text = None
            try:
                soap.read_response(ctype, resp.body, operation=operation)
            except SoapFault as fault:
                text = fault.server_message
            except IsdsError:
                pass
            err = MaintenanceError(
                "ISDS is down for planned maintenance (plánovaná údržba)",
                code="503", server_message=text, operation=operation,
            )
            err.retry_after = parse_retry_after(resp.header("Retry-After"))
            raise err
        if status in (401, 403):
            self._logged_in = False
            if resp.header("X-Response-message-code"):
                # ISDS says why (e.g. authentication.error.paswordExpired): an expired
                # password or a lockout is never reported as a wrong password.
                refused = login_error(resp)
                refused.operation = operation
                raise refused
            raise WrongCredentials(
                "ISDS refused the credentials", code=str(status), operation=operation
            )
        if status in (200, 500, 599) and _looks_like_soap(ctype):
            return soap.read_response(ctype, resp.body, operation=operation, huge=huge)
        raise HttpError(
            f"unexpected HTTP {status} from ISDS", status=status, code=str(status),
            operation=operation,
        )


def _looks_like_soap(ctype: str) -> bool:
    main = ctype.split(";", 1)[0].strip().lower()
    return main in ("text/xml", "application/soap+xml", "application/xml", "multipart/related")


def _session_lost(resp: HttpResponse) -> bool:
    """A cookie session that expired answers with a redirect to the login page, 401, or the
    HTML login page itself instead of SOAP."""
    if resp.status in (301, 302, 303, 401):
        return True
    ctype = (resp.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    return resp.status == 200 and ctype == "text/html"


def check_status(status: soap.Status, operation: str) -> None:
    """0000 passes; 0005 (no timestamp) passes as a warning the caller keeps; 3008/3009 raise
    ThrottledError; anything else raises StatusError with the server's own text."""
    if status.code in (OK, NO_TIMESTAMP):
        if status.code == NO_TIMESTAMP:
            log.warning("%s: ISDS answered without a timestamp (0005)", operation)
        return
    cls = ThrottledError if status.code in THROTTLE_CODES else StatusError
    raise cls(
        f"ISDS refused {operation}",
        code=status.code,
        server_message=status.message,
        operation=operation,
    )
