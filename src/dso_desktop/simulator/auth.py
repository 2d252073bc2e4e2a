"""Login flows: Basic, certificates, hosted records, HOTP, TOTP (SMS), Mobile key, sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import struct
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from dso_desktop.simulator.model import PRIVIL_OWNER_ADM, User

if TYPE_CHECKING:
    from dso_desktop.simulator.dispatcher import SimulatorCore

SESSION_IDLE = timedelta(minutes=30)
LOCKOUT = timedelta(minutes=60)
LOCKOUT_AFTER = 5  # failed attempts within LOCKOUT
MOBILE_KEY_TIMEOUT = timedelta(seconds=240)
SMS_VALID = timedelta(minutes=5)
SMS_RESEND_AFTER = timedelta(seconds=30)
COOKIE = "IPCZ-X-COOKIE"
MEP_COOKIE = "S-COOKIE"


def hotp(secret: bytes, counter: int, digits: int = 6) -> str:
    """RFC 4226."""
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10 ** digits).zfill(digits)


def rfc2047(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


class AuthFailure(Exception):
    """Login refused: HTTP status, the X-Response-message-code and Czech text."""

    def __init__(self, code: str, text: str, status: int = 401) -> None:
        super().__init__(code)
        self.code = code
        self.text = text
        self.status = status

    def headers(self) -> dict[str, str]:
        h = {"X-Response-message-code": self.code, "X-Response-message-text": rfc2047(self.text)}
        if self.status == 401:
            h["WWW-Authenticate"] = 'Basic realm="ISDS"'
        return h


NOT_AUTHENTICATED = ("authentication.error.userIsNotAuthenticated",
                     "Uživatel nebyl úspěšně autentizován.")
INTRUDER = ("authentication.error.intruderDetected",
            "Příliš mnoho neúspěšných pokusů o přihlášení, účet je na 60 minut zablokován.")
EXPIRED = ("authentication.error.paswordExpired", "Platnost hesla vypršela.")
BAD_ROLE = ("authentication.error.badRole", "Uživatel nemá oprávnění pro tento přístup.")


@dataclass
class Session:
    username: str
    last_used: datetime
    system_cert: bool = False


@dataclass
class MobileRequest:
    username: str
    started: datetime
    approved: bool = False
    rejected: bool = False
    push_sent: bool = False


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = raw.partition(":")
    return (user, password) if sep else None


class Authenticator:
    def __init__(self, core: SimulatorCore) -> None:
        self.core = core
        self.lock = threading.Lock()
        self.sessions: dict[str, Session] = {}
        self.mobile: dict[str, MobileRequest] = {}
        self.last_mobile: dict[str, str] = {}  # username -> S-COOKIE of the latest request

    # -- shared checks ---------------------------------------------------------------
    def _now(self) -> datetime:
        return self.core.clock.now()

    def _check_locked(self, user: User, now: datetime) -> None:
        if user.locked_until is not None and now < user.locked_until:
            raise AuthFailure(*INTRUDER)

    def _fail(self, user: User | None, now: datetime) -> AuthFailure:
        if user is None:
            return AuthFailure(*NOT_AUTHENTICATED)
        user.failed_logins = [t for t in user.failed_logins if now - t < LOCKOUT] + [now]
        if len(user.failed_logins) >= LOCKOUT_AFTER:
            user.locked_until = now + LOCKOUT
            user.failed_logins = []
            return AuthFailure(*INTRUDER)
        return AuthFailure(*NOT_AUTHENTICATED)

    def _succeed(self, user: User, now: datetime, *, allow_expired: bool = False) -> User:
        """Right credentials: refused still when the password expired (as ISDS does, with
        authentication.error.paswordExpired), except for the password-change operations,
        which exist to replace an expired password."""
        user.failed_logins = []
        if not allow_expired and user.password_expires is not None and \
                now > user.password_expires:
            raise AuthFailure(*EXPIRED)
        if not user.privileges & ~PRIVIL_OWNER_ADM:
            raise AuthFailure(*BAD_ROLE, status=403)
        return user

    def _password_user(self, username: str, password: str, methods: tuple[str, ...],
                       allow_expired: bool = False) -> User:
        now = self._now()
        user = self.core.world.users.get(username)
        if user is None:
            raise AuthFailure(*NOT_AUTHENTICATED)
        self._check_locked(user, now)
        if user.login_method not in methods or not hmac.compare_digest(
                user.password.encode(), password.encode()):
            raise self._fail(user, now)
        return self._succeed(user, now, allow_expired=allow_expired)

    # -- stateless methods -------------------------------------------------------------
    def stateless(self, prefix: str, authorization: str | None,
                  cert_sha256: str | None, *, allow_expired: bool = False
                  ) -> tuple[User, bool]:
        """The user for ``/DS``, ``/cert/DS``, ``/certds/DS`` or ``/hspis/DS``
        (``allow_expired``: the request is ChangeISDSPassword)."""
        basic = parse_basic(authorization)
        with self.core.world.lock:
            if prefix == "":
                if basic is None:
                    raise AuthFailure(*NOT_AUTHENTICATED)
                return self._password_user(basic[0], basic[1], ("password",),
                                           allow_expired), False
            if cert_sha256 is None:
                raise AuthFailure(*NOT_AUTHENTICATED, status=403)
            owners = [u for u in self.core.world.users.values() if cert_sha256 in u.cert_sha256]
            if prefix == "cert":
                user = next((u for u in owners if u.login_method == "cert"), None)
                if user is None:
                    raise AuthFailure(*NOT_AUTHENTICATED, status=403)
                return self._succeed(user, self._now()), True
            if basic is None:
                raise AuthFailure(*NOT_AUTHENTICATED)
            if prefix == "certds":
                user = self._password_user(basic[0], basic[1], ("cert-password",),
                                           allow_expired)
                if user not in owners:
                    raise AuthFailure(*NOT_AUTHENTICATED, status=403)
                return user, False
            if prefix == "hspis":
                user = self.core.world.users.get(basic[0])
                if (user is None or user.login_method != "hosted" or basic[1] != ""
                        or user not in owners):
                    raise AuthFailure(*NOT_AUTHENTICATED, status=403)
                return self._succeed(user, self._now()), True
        raise AuthFailure(*NOT_AUTHENTICATED, status=404)

    # -- asws/changePassword without a session -------------------------------------------
    def asws(self, operation: str, authorization: str | None) -> User:
        """HTTP Basic on the OTP password service: ``SendSMSCode`` with the user name and
        password of an SMS (TOTP) user; ``ChangePasswordOTP`` with the password followed by
        the one-time code (the SMS code, or the next HOTP code). The request body has no
        field for the code, so it travels as in the HOTP login. An expired password is
        accepted here: replacing it is what the service is for."""
        basic = parse_basic(authorization)
        if basic is None:
            raise AuthFailure(*NOT_AUTHENTICATED)
        username, secret = basic
        with self.core.world.lock:
            now = self._now()
            user = self.core.world.users.get(username)
            if user is None:
                raise AuthFailure(*NOT_AUTHENTICATED)
            self._check_locked(user, now)
            if operation == "SendSMSCode":
                if user.login_method != "totp" or not hmac.compare_digest(
                        secret.encode(), user.password.encode()):
                    raise self._fail(user, now)
                return self._succeed(user, now, allow_expired=True)
            if operation == "ChangePasswordOTP" and self._otp_ok(user, secret, now):
                return self._succeed(user, now, allow_expired=True)
            raise self._fail(user, now)

    def _otp_ok(self, user: User, secret: str, now: datetime) -> bool:
        """``password + code`` right for this HOTP/TOTP user (the code is used up)."""
        if user.login_method == "hotp" and user.hotp_secret and len(secret) > 6:
            password, code = secret[:-6], secret[-6:]
            if not hmac.compare_digest(password.encode(), user.password.encode()):
                return False
            key = bytes.fromhex(user.hotp_secret)
            for counter in range(user.hotp_counter, user.hotp_counter + 10):
                if hmac.compare_digest(hotp(key, counter), code):
                    user.hotp_counter = counter + 1
                    return True
            return False
        if user.login_method == "totp":
            sms = self.core.world.sms.get(user.username)
            if sms and len(secret) > len(sms[0]) and now <= sms[1]:
                password, code = secret[:-len(sms[0])], secret[-len(sms[0]):]
                if hmac.compare_digest(password.encode(), user.password.encode()) and \
                        hmac.compare_digest(code, sms[0]):
                    del self.core.world.sms[user.username]
                    return True
        return False

    # -- cookie sessions ---------------------------------------------------------------
    def new_session(self, user: User) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[token] = Session(user.username, self._now())
        return token

    def session_user(self, token: str | None) -> User:
        now = self._now()
        with self.lock:
            session = self.sessions.get(token or "")
            if session is None or now - session.last_used > SESSION_IDLE:
                self.sessions.pop(token or "", None)
                raise AuthFailure(*NOT_AUTHENTICATED)
            session.last_used = now
        return self.core.world.users[session.username]

    def logout(self, token: str | None) -> None:
        with self.lock:
            self.sessions.pop(token or "", None)

    # -- /as/processLogin --------------------------------------------------------------
    def process_login(self, kind: str, authorization: str | None, send_sms: bool,
                      mep_cookie: str | None, uri: str) -> tuple[int, dict[str, str], bytes]:
        """One step of an OTP / Mobile key login: (HTTP status, headers, body)."""
        if kind == "mep-ws" and mep_cookie:
            return self._mobile_finish(mep_cookie, uri)
        basic = parse_basic(authorization)
        if basic is None:
            raise AuthFailure(*NOT_AUTHENTICATED)
        username, secret = basic
        with self.core.world.lock:
            now = self._now()
            user = self.core.world.users.get(username)
            if user is None:
                raise AuthFailure(*NOT_AUTHENTICATED)
            self._check_locked(user, now)
            if kind == "hotp":
                return self._hotp(user, secret, now, uri)
            if kind == "totp":
                return self._totp(user, secret, now, uri, send_sms)
            if kind == "mep-ws":
                return self._mobile_start(user, secret, now)
        raise AuthFailure(*NOT_AUTHENTICATED, status=400)

    def _cookie_reply(self, user: User, uri: str) -> tuple[int, dict[str, str], bytes]:
        token = self.new_session(user)
        return 302, {"Set-Cookie": f"{COOKIE}={token}; Path=/; Secure; HttpOnly",
                     "Location": uri or "/apps/DS/dz"}, b""

    def _hotp(self, user: User, secret: str, now: datetime, uri: str
              ) -> tuple[int, dict[str, str], bytes]:
        if user.login_method != "hotp" or not user.hotp_secret or len(secret) < 6:
            raise self._fail(user, now)
        password, code = secret[:-6], secret[-6:]
        key = bytes.fromhex(user.hotp_secret)
        if hmac.compare_digest(password.encode(), user.password.encode()):
            for counter in range(user.hotp_counter, user.hotp_counter + 10):
                if hmac.compare_digest(hotp(key, counter), code):
                    user.hotp_counter = counter + 1
                    return self._cookie_reply(self._succeed(user, now), uri)
        raise self._fail(user, now)

    def _totp(self, user: User, secret: str, now: datetime, uri: str, send_sms: bool
              ) -> tuple[int, dict[str, str], bytes]:
        if user.login_method != "totp":
            raise self._fail(user, now)
        if send_sms:
            if not hmac.compare_digest(secret.encode(), user.password.encode()):
                raise self._fail(user, now)
            previous = self.core.world.sms.get(user.username)
            if previous and now - (previous[1] - SMS_VALID) < SMS_RESEND_AFTER:
                raise AuthFailure("authentication.info.cannotSendQuickly",
                                  "SMS kód nelze odeslat tak rychle po sobě.", status=302)
            self.core.send_sms(user)
            location = f"/as/processLogin?type=totp&uri={quote(uri, safe='')}"
            return 302, {"X-Response-message-code": "authentication.info.totpSended",
                         "X-Response-message-text": rfc2047("SMS kód byl odeslán."),
                         "Location": location}, b""
        sms = self.core.world.sms.get(user.username)
        if sms and len(secret) > 6 and now <= sms[1]:
            password, code = secret[:-len(sms[0])], secret[-len(sms[0]):]
            if hmac.compare_digest(password.encode(), user.password.encode()) and \
                    hmac.compare_digest(code, sms[0]):
                del self.core.world.sms[user.username]
                return self._cookie_reply(self._succeed(user, now), uri)
        raise self._fail(user, now)

    def _mobile_start(self, user: User, code: str, now: datetime
                      ) -> tuple[int, dict[str, str], bytes]:
        if user.login_method != "mobile-key" or not user.mobile_code or not hmac.compare_digest(
                code.encode(), user.mobile_code.encode()):
            raise self._fail(user, now)
        self._succeed(user, now)
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.mobile[token] = MobileRequest(user.username, now, push_sent=True)
            self.last_mobile[user.username] = token
        return 302, {"Set-Cookie": f"{MEP_COOKIE}={token}; Path=/; Secure; HttpOnly",
                     "Location": "/as/mepWsStateUpdate"}, b""

    def mobile_state(self, token: str | None) -> tuple[int, str]:
        """(state, Czech description) of a Mobile key request (PROTOCOL.md §2)."""
        now = self._now()
        with self.lock:
            req = self.mobile.get(token or "")
        if req is None:
            return -1, "Neznámý požadavek."
        if req.rejected:
            return -1, "Přihlášení bylo zamítnuto."
        if req.approved:
            return 2, "Přihlášení bylo potvrzeno."
        if now - req.started > MOBILE_KEY_TIMEOUT:
            return 3, "Vypršel čas na potvrzení přihlášení."
        if req.push_sent:
            return 11, "Notifikace byla odeslána do mobilního zařízení."
        return 1, "Čeká se na potvrzení."

    def mobile_state_json(self, token: str | None) -> bytes:
        state, descr = self.mobile_state(token)
        return json.dumps({"status": state, "description": descr},
                          ensure_ascii=False).encode("utf-8")

    def mobile_state_plain(self, token: str | None) -> bytes:
        state, _ = self.mobile_state(token)
        legacy = {11: 1, 12: 1, 13: 1, 19: -1}.get(state, state)
        return str(legacy).encode("ascii")

    def _mobile_finish(self, token: str, uri: str) -> tuple[int, dict[str, str], bytes]:
        state, _ = self.mobile_state(token)
        if state != 2:
            raise AuthFailure(*NOT_AUTHENTICATED)
        with self.lock:
            req = self.mobile.pop(token)
        user = self.core.world.users[req.username]
        return self._cookie_reply(user, uri)

    def approve_mobile_key(self, username: str, *, approve: bool = True) -> bool:
        with self.lock:
            token = self.last_mobile.get(username)
            req = self.mobile.get(token or "")
            if req is None:
                return False
            if approve:
                req.approved = True
            else:
                req.rejected = True
            return True
