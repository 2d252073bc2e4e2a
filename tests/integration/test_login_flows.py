"""All seven login methods and their failures against a small loopback HTTPS ISDS stand-in."""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import Header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from dso_desktop import USER_AGENT
from dso_desktop.domain import LoginMethod
from dso_desktop.isds.client import IsdsClient
from dso_desktop.isds.endpoints import Environment
from dso_desktop.isds.errors import (
    BadRole,
    IntruderLockout,
    LoginCancelled,
    MaintenanceError,
    MobileKeyExpired,
    OtpNotSent,
    PasswordExpired,
    TlsError,
    WrongCredentials,
)
from dso_desktop.isds.login import MobileKeyState, OtpChallenge
from dso_desktop.isds.models import Credentials
from dso_desktop.zfo.testpki import issue_cert, pem_key

NS = "http://isds.czechpoint.cz/v20"
PASSWORD = "Heslo-čž1"
OTP = "123456"
SMS = "654321"
MK_CODE = "komunikacni-kod"
BOX = "abc1234"

# --- throwaway PKI -------------------------------------------------------------------------------


@dataclass
class Pki:
    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path  # encrypted with KEY_PASSWORD
    client_p12: Path  # protected with KEY_PASSWORD
    stranger_cert: Path  # signed by another CA
    stranger_key: Path


KEY_PASSWORD = "tajne-heslo"


def _cert(subject: str, key: Any, issuer: x509.Certificate | str, issuer_key: Any, *,
          ca: bool = False, san: list[x509.GeneralName] | None = None) -> x509.Certificate:
    return issue_cert(subject, key, issuer=issuer, issuer_key=issuer_key, ca=ca, san=san or (),
                      days=3)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = issue_cert("Test ISDS CA", ca_key, ca=True, days=3)
    srv_key = ec.generate_private_key(ec.SECP256R1())
    srv = _cert("127.0.0.1", srv_key, ca, ca_key,
                san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                     x509.DNSName("localhost")])
    cli_key = ec.generate_private_key(ec.SECP256R1())
    cli = _cert("system-cert-" + BOX, cli_key, ca, ca_key)
    other_ca_key = ec.generate_private_key(ec.SECP256R1())
    str_key = ec.generate_private_key(ec.SECP256R1())
    stranger = _cert("stranger", str_key, "Other CA", other_ca_key)
    files = {
        "ca.pem": ca.public_bytes(serialization.Encoding.PEM),
        "server.pem": srv.public_bytes(serialization.Encoding.PEM),
        "server.key": pem_key(srv_key),
        "client.pem": cli.public_bytes(serialization.Encoding.PEM),
        "client.key": pem_key(cli_key, KEY_PASSWORD),
        "client.p12": pkcs12.serialize_key_and_certificates(
            b"client", cli_key, cli, None,
            serialization.BestAvailableEncryption(KEY_PASSWORD.encode())),
        "stranger.pem": stranger.public_bytes(serialization.Encoding.PEM),
        "stranger.key": pem_key(str_key),
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    return Pki(d / "ca.pem", d / "server.pem", d / "server.key", d / "client.pem",
               d / "client.key", d / "client.p12", d / "stranger.pem", d / "stranger.key")


# --- the stand-in server ------------------------------------------------------------------------


@dataclass
class World:
    sessions: set[str] = field(default_factory=set)
    mk_pending: dict[str, list[int]] = field(default_factory=dict)  # S-COOKIE -> states
    mk_script: list[int] = field(default_factory=lambda: [1, 11, 2])
    sms_sent: int = 0
    maintenance: bool = False
    user_agents: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    login_posts_without_auth: int = 0


SPECIAL = {
    "locked": "authentication.error.intruderDetected",
    "expired": "authentication.error.paswordExpired",
    "badrole": "authentication.error.badRole",
}


def _dummy_response() -> bytes:
    return (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            f'<DummyOperationResponse xmlns="{NS}"><dmStatus><dmStatusCode>0000</dmStatusCode>'
            "<dmStatusMessage>Provedeno úspěšně.</dmStatusMessage></dmStatus>"
            "</DummyOperationResponse></s:Body></s:Envelope>").encode()


class Handler(BaseHTTPRequestHandler):
    world: World

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def _basic(self) -> tuple[str, str] | None:
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None
        user, _, pw = base64.b64decode(h[6:]).decode("utf-8").partition(":")
        return user, pw

    def _cookies(self) -> dict[str, str]:
        out = {}
        for part in self.headers.get("Cookie", "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                out[k] = v
        return out

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              cookies: tuple[str, ...] = ()) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        for c in cookies:
            self.send_header("Set-Cookie", c)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _fail(self, code: str, status: int = 401) -> None:
        text = Header("Přihlášení se nezdařilo", "utf-8").encode()
        self._send(status, headers={"X-Response-message-code": code,
                                    "X-Response-message-text": text})

    def _peer_cn(self) -> str | None:
        cert = self.connection.getpeercert()
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return None

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._route("POST")

    def _route(self, verb: str) -> None:
        w = self.world
        w.user_agents.append(self.headers.get("User-Agent", ""))
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        w.requests.append(f"{verb} {url.path}")
        if w.maintenance:
            self._send(503, b"down", {"Content-Type": "text/plain"})
            return
        auth = self._basic()
        if url.path == "/as/processLogin":
            self._process_login(q, auth)
        elif url.path == "/as/mepWsStateUpdate2":
            states = w.mk_pending.get(self._cookies().get("S-COOKIE", ""))
            if states is None:
                self._send(403)
                return
            state = states.pop(0) if len(states) > 1 else states[0]
            body = json.dumps({"status": state, "description": f"stav {state}"}).encode()
            self._send(200, body, {"Content-Type": "application/json"})
        elif url.path == "/as/processLogout":
            w.sessions.discard(self._cookies().get("IPCZ-X-COOKIE", ""))
            self._send(302, headers={"Location": q.get("uri", "/")})
        elif url.path == "/DS/dz":
            ok = auth == ("user01", PASSWORD)
            self._soap_or_401(ok)
        elif url.path == "/cert/DS/dz":
            self._soap_or_401(self._peer_cn() == "system-cert-" + BOX and auth is None)
        elif url.path == "/certds/DS/dz":
            self._soap_or_401(self._peer_cn() is not None and auth == ("user01", PASSWORD))
        elif url.path == "/hspis/DS/dz":
            self._soap_or_401(self._peer_cn() is not None and auth == (BOX, ""))
        elif url.path == "/apps/DS/dz":
            if self._cookies().get("IPCZ-X-COOKIE") in w.sessions:
                self._send(200, _dummy_response(), {"Content-Type": "text/xml"})
            else:
                self._send(302, headers={"Location": "/as/login"})
        else:
            self._send(404)

    def _soap_or_401(self, ok: bool) -> None:
        if ok:
            self._send(200, _dummy_response(), {"Content-Type": "text/xml; charset=utf-8"})
        else:
            self._send(401, b"", {"WWW-Authenticate": 'Basic realm="ISDS"'})

    def _session(self, uri: str) -> None:
        token = secrets.token_hex(8)
        self.world.sessions.add(token)
        self._send(302, headers={"Location": uri},
                   cookies=(f"IPCZ-X-COOKIE={token}; Path=/; Secure; HttpOnly",))

    def _process_login(self, q: dict[str, str], auth: tuple[str, str] | None) -> None:
        w = self.world
        kind = q.get("type")
        uri = q.get("uri", "")
        s_cookie = self._cookies().get("S-COOKIE", "")
        if kind == "mep-ws" and s_cookie in w.mk_pending:
            # the repeated first POST, now carrying the S-COOKIE of an approved request
            if w.mk_pending.pop(s_cookie) == [2]:
                self._session(uri)
            else:
                self._fail("authentication.error.userIsNotAuthenticated")
            return
        if auth is None:
            w.login_posts_without_auth += 1
            self._send(401, headers={"WWW-Authenticate": 'Basic realm="ISDS"'})
            return
        user, pw = auth
        if user in SPECIAL:
            self._fail(SPECIAL[user])
            return
        if kind == "hotp":
            if user == "user01" and pw == PASSWORD + OTP:
                self._session(uri)
            else:
                self._fail("authentication.error.userIsNotAuthenticated")
        elif kind == "totp":
            if q.get("sendSms") == "true":
                if user == "nosms":
                    self._fail("authentication.info.totpNotSended", 302)
                elif user == "user01" and pw == PASSWORD:
                    w.sms_sent += 1
                    self._send(302, headers={
                        "X-Response-message-code": "authentication.info.totpSended",
                        "X-Response-message-text": Header("SMS odeslána", "utf-8").encode(),
                        "Location": f"/as/processLogin?type=totp&uri={uri}"})
                else:
                    self._fail("authentication.error.userIsNotAuthenticated")
            elif user == "user01" and pw == PASSWORD + SMS:
                self._session(uri)
            else:
                self._fail("authentication.error.userIsNotAuthenticated")
        elif kind == "mep-ws":
            if user == "user01" and pw == MK_CODE and q.get("applicationName"):
                token = secrets.token_hex(8)
                w.mk_pending[token] = list(w.mk_script)
                self._send(302, headers={"Location": "/as/mepWsStateUpdate"},
                           cookies=(f"S-COOKIE={token}; Path=/; Secure",))
            else:
                self._fail("authentication.error.userIsNotAuthenticated")
        else:
            self._send(400)


@dataclass
class Server:
    url: str
    world: World


@pytest.fixture
def server(pki: Pki) -> Iterator[Server]:
    world = World()
    handler = type("BoundHandler", (Handler,), {"world": world})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    ctx.load_verify_locations(pki.ca_file)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield Server(f"https://127.0.0.1:{httpd.server_address[1]}", world)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def client_for(server: Server, pki: Pki, method: LoginMethod, creds: Credentials,
               **kw) -> IsdsClient:
    kw.setdefault("mobile_key_poll_interval", 0.01)
    kw.setdefault("sleep", lambda _seconds: None)  # back-off pauses take no real time
    return IsdsClient(Environment.custom(server.url), method, creds, ca_file=pki.ca_file,
                      timeouts=(5, 10), **kw)


# --- stateless methods ----------------------------------------------------------------------


def test_password_login(server: Server, pki: Pki) -> None:
    with client_for(server, pki, LoginMethod.PASSWORD, Credentials("user01", PASSWORD)) as c:
        c.login()
        assert c.logged_in
    assert server.world.user_agents[0] == USER_AGENT


def test_password_login_wrong_credentials(server: Server, pki: Pki) -> None:
    with client_for(server, pki, LoginMethod.PASSWORD, Credentials("user01", "spatne")) as c, \
            pytest.raises(WrongCredentials):
        c.login()


def test_system_certificate_pem_with_encrypted_key(server: Server, pki: Pki) -> None:
    creds = Credentials(BOX, cert_file=pki.client_cert, key_file=pki.client_key,
                        cert_password=KEY_PASSWORD)
    with client_for(server, pki, LoginMethod.CERT, creds) as c:
        c.login()
    assert server.world.requests == ["POST /cert/DS/dz"]


def test_system_certificate_pkcs12_leaves_no_key_file(server: Server, pki: Pki,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    creds = Credentials(BOX, cert_file=pki.client_p12, cert_password=KEY_PASSWORD)
    with client_for(server, pki, LoginMethod.CERT, creds) as c:
        c.login()
    assert list(tmp_path.iterdir()) == []


def test_wrong_pkcs12_password_is_a_tls_error(server: Server, pki: Pki) -> None:
    creds = Credentials(BOX, cert_file=pki.client_p12, cert_password="spatne")
    with pytest.raises(TlsError):
        client_for(server, pki, LoginMethod.CERT, creds)


def test_certificate_from_another_ca_is_refused(server: Server, pki: Pki) -> None:
    creds = Credentials(BOX, cert_file=pki.stranger_cert, key_file=pki.stranger_key)
    with client_for(server, pki, LoginMethod.CERT, creds) as c, \
            pytest.raises((TlsError, WrongCredentials)):
        c.login()


def test_certificate_plus_password(server: Server, pki: Pki) -> None:
    creds = Credentials("user01", PASSWORD, cert_file=pki.client_cert, key_file=pki.client_key,
                        cert_password=KEY_PASSWORD)
    with client_for(server, pki, LoginMethod.CERT_PASSWORD, creds) as c:
        c.login()
    bad = Credentials("user01", "spatne", cert_file=pki.client_cert, key_file=pki.client_key,
                      cert_password=KEY_PASSWORD)
    with client_for(server, pki, LoginMethod.CERT_PASSWORD, bad) as c, \
            pytest.raises(WrongCredentials):
        c.login()


def test_hosted_records_management(server: Server, pki: Pki) -> None:
    creds = Credentials(BOX, cert_file=pki.client_p12, cert_password=KEY_PASSWORD)
    with client_for(server, pki, LoginMethod.HOSTED, creds) as c:
        c.login()
    assert server.world.requests == ["POST /hspis/DS/dz"]


def test_server_not_trusted_without_the_extra_ca(server: Server) -> None:
    c = IsdsClient(Environment.custom(server.url), LoginMethod.PASSWORD,
                   Credentials("user01", PASSWORD), timeouts=(5, 10))
    with c, pytest.raises(TlsError):
        c.login()


def test_maintenance_during_login(server: Server, pki: Pki) -> None:
    server.world.maintenance = True
    with client_for(server, pki, LoginMethod.PASSWORD, Credentials("user01", PASSWORD)) as c, \
            pytest.raises(MaintenanceError):
        c.login()


# --- HOTP -----------------------------------------------------------------------------------


def test_hotp_login_session_and_logout(server: Server, pki: Pki) -> None:
    challenges: list[OtpChallenge] = []

    def otp(ch: OtpChallenge) -> str:
        challenges.append(ch)
        return OTP

    c = client_for(server, pki, LoginMethod.HOTP, Credentials("user01", PASSWORD),
                   otp_provider=otp)
    with c:
        c.login()
        assert challenges[0].method is LoginMethod.HOTP
        assert server.world.login_posts_without_auth == 1  # the spec's unauthenticated probe
        c.dummy_operation()
        assert "POST /apps/DS/dz" in server.world.requests
        assert len(server.world.sessions) == 1
        c.logout()
        assert server.world.sessions == set()
        assert not c.logged_in


def test_hotp_wrong_code(server: Server, pki: Pki) -> None:
    c = client_for(server, pki, LoginMethod.HOTP, Credentials("user01", PASSWORD),
                   otp_provider=lambda ch: "000000")
    with c, pytest.raises(WrongCredentials) as info:
        c.login()
    assert info.value.code == "authentication.error.userIsNotAuthenticated"
    assert info.value.server_message == "Přihlášení se nezdařilo"


@pytest.mark.parametrize(("user", "error"), [("locked", IntruderLockout),
                                             ("expired", PasswordExpired),
                                             ("badrole", BadRole)])
def test_hotp_failures_are_typed(server: Server, pki: Pki, user: str, error: type) -> None:
    c = client_for(server, pki, LoginMethod.HOTP, Credentials(user, PASSWORD),
                   otp_provider=lambda ch: OTP)
    with c, pytest.raises(error) as info:
        c.login()
    assert info.value.server_message == "Přihlášení se nezdařilo"


def test_hotp_cancelled_at_the_prompt(server: Server, pki: Pki) -> None:
    c = client_for(server, pki, LoginMethod.HOTP, Credentials("user01", PASSWORD),
                   otp_provider=lambda ch: None)
    with c, pytest.raises(LoginCancelled):
        c.login()


def test_expired_cookie_session_logs_in_again(server: Server, pki: Pki) -> None:
    codes = iter([OTP, OTP])
    c = client_for(server, pki, LoginMethod.HOTP, Credentials("user01", PASSWORD),
                   otp_provider=lambda ch: next(codes))
    with c:
        c.login()
        server.world.sessions.clear()  # the server forgot us (30 minutes idle)
        c.dummy_operation()
        assert len(server.world.sessions) == 1


# --- TOTP ------------------------------------------------------------------------------------


def test_totp_sms_login(server: Server, pki: Pki) -> None:
    seen: list[OtpChallenge] = []

    def otp(ch: OtpChallenge) -> str:
        seen.append(ch)
        return SMS

    c = client_for(server, pki, LoginMethod.TOTP, Credentials("user01", PASSWORD),
                   otp_provider=otp)
    with c:
        c.login()
        c.dummy_operation()
    assert server.world.sms_sent == 1
    assert seen[0].message == "SMS odeslána"


def test_totp_sms_not_sent(server: Server, pki: Pki) -> None:
    c = client_for(server, pki, LoginMethod.TOTP, Credentials("nosms", PASSWORD),
                   otp_provider=lambda ch: SMS)
    with c, pytest.raises(OtpNotSent) as info:
        c.login()
    assert info.value.code == "authentication.info.totpNotSended"


def test_totp_wrong_sms_code(server: Server, pki: Pki) -> None:
    c = client_for(server, pki, LoginMethod.TOTP, Credentials("user01", PASSWORD),
                   otp_provider=lambda ch: "111111")
    with c, pytest.raises(WrongCredentials):
        c.login()


def test_totp_wrong_password_before_sms(server: Server, pki: Pki) -> None:
    c = client_for(server, pki, LoginMethod.TOTP, Credentials("user01", "spatne"),
                   otp_provider=lambda ch: SMS)
    with c, pytest.raises(WrongCredentials):
        c.login()
    assert server.world.sms_sent == 0


# --- Mobile key -------------------------------------------------------------------------------


def test_mobile_key_login(server: Server, pki: Pki) -> None:
    states: list[MobileKeyState] = []
    c = client_for(server, pki, LoginMethod.MOBILE_KEY, Credentials("user01", MK_CODE),
                   mobile_key_observer=states.append)
    with c:
        c.login()
        c.dummy_operation()
    assert [s.status for s in states] == [1, 11, 2]
    assert states[0].description == "stav 1"


def test_mobile_key_expired(server: Server, pki: Pki) -> None:
    server.world.mk_script = [1, 3]
    c = client_for(server, pki, LoginMethod.MOBILE_KEY, Credentials("user01", MK_CODE))
    with c, pytest.raises(MobileKeyExpired):
        c.login()


def test_mobile_key_times_out_after_240_seconds(server: Server, pki: Pki) -> None:
    server.world.mk_script = [1]
    now = [0.0]

    def observer(state: MobileKeyState) -> None:
        now[0] += 60.0

    c = client_for(server, pki, LoginMethod.MOBILE_KEY, Credentials("user01", MK_CODE),
                   mobile_key_observer=observer, clock=lambda: now[0])
    with c, pytest.raises(MobileKeyExpired):
        c.login()
    assert now[0] == 240.0


def test_mobile_key_cancel(server: Server, pki: Pki) -> None:
    server.world.mk_script = [1]
    cancel = threading.Event()
    c = client_for(server, pki, LoginMethod.MOBILE_KEY, Credentials("user01", MK_CODE),
                   mobile_key_observer=lambda s: cancel.set(), cancel=cancel)
    with c, pytest.raises(LoginCancelled):
        c.login()


def test_mobile_key_wrong_code(server: Server, pki: Pki) -> None:
    c = client_for(server, pki, LoginMethod.MOBILE_KEY, Credentials("user01", "spatny-kod"))
    with c, pytest.raises(WrongCredentials):
        c.login()
