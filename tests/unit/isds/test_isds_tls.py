"""TLS of the ISDS transport stays strict: a certificate for another host, an expired one or
one from an unknown CA is a TlsError, whatever CA file the account names; client
certificates (PEM and PKCS#12) load, and a wrong passphrase or a key-less file says so
without the passphrase and without leaving the key on disk."""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from isds_fakes import response_body

from dso_desktop.domain import LoginMethod
from dso_desktop.isds.client import IsdsClient
from dso_desktop.isds.endpoints import Environment
from dso_desktop.isds.errors import TlsError, TransportError
from dso_desktop.isds.models import Credentials
from dso_desktop.isds.transport import (
    ClientCertificate,
    RequestsTransport,
    _safe_url,
    basic_auth_header,
    load_client_certificate,
    make_ssl_context,
)
from dso_desktop.zfo.testpki import issue_cert, pem_key

LOCAL = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]


class Pki:
    """A CA and what it issues, written as PEM files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = issue_cert("Testovaci CA", self.key, ca=True)
        self.ca_file = self.write("ca.pem", self.cert)

    def write(self, name: str, cert: x509.Certificate) -> Path:
        p = self.folder / name
        p.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return p

    def leaf(self, name: str, san: list[x509.GeneralName], **kw: object
             ) -> tuple[Path, Path, ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = issue_cert(name, key, issuer=self.cert, issuer_key=self.key, san=san, **kw)
        key_file = self.folder / f"{name}.key"
        key_file.write_bytes(pem_key(key))
        return self.write(f"{name}.pem", cert), key_file, key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@contextlib.contextmanager
def tls_server(cert: Path, key: Path, client_ca: Path | None = None,
               callers: list[str] | None = None) -> Iterator[tuple[str, list[int]]]:
    """A loopback HTTPS server answering DummyOperation; with ``client_ca`` it asks for a
    client certificate issued by that CA, and ``callers`` gets each caller's common name."""
    hits: list[int] = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_POST(self) -> None:
            hits.append(1)
            peer = self.connection.getpeercert()  # type: ignore[attr-defined]
            if peer and callers is not None:
                callers.extend(v for rdn in peer["subject"] for k, v in rdn
                               if k == "commonName")
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = response_body("DummyOperation")
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True)
    t.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(5)


def call(url: str, ca: Path | None) -> None:
    c = IsdsClient(Environment.custom(url), LoginMethod.PASSWORD,
                   Credentials("user01", "Heslo-1234"), ca_file=ca, max_retries=0)
    c._logged_in = True
    try:
        c.dummy_operation()
    finally:
        c.close()


# --- server certificates -------------------------------------------------------------------


def test_a_trusted_certificate_for_this_host_works(pki: Pki) -> None:
    cert, key, _k, _c = pki.leaf("isds-ok", LOCAL)
    with tls_server(cert, key) as (url, hits):
        call(url, pki.ca_file)
    assert hits == [1]


def test_a_certificate_for_another_host_is_refused(pki: Pki) -> None:
    cert, key, _k, _c = pki.leaf("jiny-server", [x509.DNSName("ws1.mojedatovaschranka.cz")])
    with tls_server(cert, key) as (url, hits), pytest.raises(TlsError) as info:
        call(url, pki.ca_file)
    assert hits == []  # nothing (no password) was sent to the wrong host
    assert "Heslo-1234" not in str(info.value)


def test_an_expired_certificate_is_refused(pki: Pki) -> None:
    cert, key, _k, _c = pki.leaf("isds-old", LOCAL,
                                 not_before=datetime.now(UTC) - timedelta(days=400), days=30)
    with tls_server(cert, key) as (url, hits), pytest.raises(TlsError):
        call(url, pki.ca_file)
    assert hits == []


def test_a_certificate_of_an_unknown_ca_is_refused_even_with_a_ca_file(
        pki: Pki, tmp_path: Path) -> None:
    other = Pki(tmp_path)
    cert, key, _k, _c = other.leaf("isds-foreign", LOCAL)
    with tls_server(cert, key) as (url, hits), pytest.raises(TlsError):
        call(url, pki.ca_file)  # the account's CA file is not the server's CA
    assert hits == []


def test_a_self_signed_leaf_named_as_the_ca_file_still_needs_to_match(pki: Pki,
                                                                      tmp_path: Path) -> None:
    # Trusting a leaf certificate directly (as a CA file) does not waive the host check.
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_cert("self", key, ca=True, san=[x509.DNSName("other.example")])
    cert_file = tmp_path / "self.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file = tmp_path / "self.key"
    key_file.write_bytes(pem_key(key))
    with tls_server(cert_file, key_file) as (url, _hits), pytest.raises(TlsError):
        call(url, cert_file)


# --- the SSL context -----------------------------------------------------------------------


def test_the_context_verifies_and_refuses_old_protocols(pki: Pki) -> None:
    ctx = make_ssl_context(pki.ca_file)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
    subjects = [dict(x[0] for x in c["subject"]) for c in ctx.get_ca_certs()]
    assert {"commonName": "Testovaci CA"} in subjects


@pytest.mark.parametrize("content", [None, b"not a certificate"])
def test_an_unusable_ca_file_is_a_tls_error(tmp_path: Path, content: bytes | None) -> None:
    ca = tmp_path / "ca.pem"
    if content is not None:
        ca.write_bytes(content)
    with pytest.raises(TlsError, match="extra CA file"):
        make_ssl_context(ca)


def test_the_transport_session_never_turns_verification_off(pki: Pki,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/dev/null")
    monkeypatch.setenv("CURL_CA_BUNDLE", "")
    t = RequestsTransport(ca_file=pki.ca_file)
    try:
        assert t.session.verify is True and t.session.trust_env is False
        adapter = t.session.get_adapter("https://isds.example/")
        ctx = adapter.poolmanager.connection_pool_kw["ssl_context"]
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    finally:
        t.close()


def test_timeouts_reach_the_transport() -> None:
    t = RequestsTransport(timeouts=(3.0, 45.0))
    try:
        assert t.timeouts == (3.0, 45.0)
    finally:
        t.close()


@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:1080", "proxy:3128", "http://"])
def test_a_bad_proxy_is_a_transport_error_at_once(proxy: str) -> None:
    with pytest.raises(TransportError):
        RequestsTransport(proxy=proxy)


# --- client certificates -------------------------------------------------------------------


def test_a_pem_client_certificate_with_an_encrypted_key(pki: Pki, tmp_path: Path) -> None:
    cert, _key, key_obj, _c = pki.leaf("spisovka", [])
    enc = tmp_path / "enc.key"
    enc.write_bytes(pem_key(key_obj, "fraze-123"))
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    load_client_certificate(ctx, ClientCertificate(cert, enc, "fraze-123"))
    with pytest.raises(TlsError, match="cannot load the client certificate") as info:
        load_client_certificate(ssl.create_default_context(),
                                ClientCertificate(cert, enc, "spatna-fraze"))
    assert "spatna-fraze" not in str(info.value)


def test_a_client_certificate_with_a_foreign_key_is_refused(pki: Pki) -> None:
    cert, _key, _k, _c = pki.leaf("a", [])
    _cert2, key2, _k2, _c2 = pki.leaf("b", [])
    with pytest.raises(TlsError):
        load_client_certificate(ssl.create_default_context(), ClientCertificate(cert, key2))


def _p12(pki: Pki, tmp_path: Path, password: bytes | None, *, with_key: bool = True) -> Path:
    _cert, _key, key_obj, cert_obj = pki.leaf("p12user", [])
    enc = (serialization.BestAvailableEncryption(password) if password
           else serialization.NoEncryption())
    data = pkcs12.serialize_key_and_certificates(
        b"p12user", key_obj if with_key else None, cert_obj if with_key else None,
        None if with_key else [cert_obj], enc)
    p = tmp_path / "klient.p12"
    p.write_bytes(data)
    return p


def test_pkcs12_is_loaded_and_its_key_leaves_no_file(pki: Pki, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = tempfile.mkstemp

    def spy(*a: object, **kw: object) -> tuple[int, str]:
        fd, name = real(*a, **kw)  # type: ignore[arg-type]
        made.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    p12 = _p12(pki, tmp_path, b"heslo-p12")
    cert = ClientCertificate(p12, None, "heslo-p12")
    assert cert.is_pkcs12
    load_client_certificate(ssl.create_default_context(), cert)
    assert len(made) == 1 and not Path(made[0]).exists()


def test_pkcs12_with_a_wrong_passphrase(pki: Pki, tmp_path: Path) -> None:
    p12 = _p12(pki, tmp_path, b"heslo-p12")
    with pytest.raises(TlsError, match=r"klient\.p12") as info:
        load_client_certificate(ssl.create_default_context(),
                                ClientCertificate(p12, None, "jine-heslo"))
    assert "jine-heslo" not in str(info.value) and "heslo-p12" not in str(info.value)


def test_pkcs12_without_a_private_key(pki: Pki, tmp_path: Path) -> None:
    p12 = _p12(pki, tmp_path, None, with_key=False)
    with pytest.raises(TlsError, match="no certificate with a private key"):
        load_client_certificate(ssl.create_default_context(), ClientCertificate(p12))


def test_a_missing_certificate_file_is_a_tls_error(tmp_path: Path) -> None:
    with pytest.raises(TlsError, match=r"chybi\.pfx"):
        load_client_certificate(ssl.create_default_context(),
                                ClientCertificate(tmp_path / "chybi.pfx"))


def test_the_client_certificate_is_presented_to_the_server(pki: Pki, tmp_path: Path) -> None:
    """A certificate login's certificate reaches the server on the transport's requests
    (the pooled path keeps the adapter's TLS context); without it the server refuses."""
    cert, key, _k, _c = pki.leaf("isds-mtls", LOCAL)
    user_cert, user_key, _uk, _uc = pki.leaf("spisovka-01", [])
    callers: list[str] = []
    with tls_server(cert, key, client_ca=pki.ca_file, callers=callers) as (url, hits):
        t = RequestsTransport(ca_file=pki.ca_file,
                              client_cert=ClientCertificate(user_cert, user_key))
        try:
            for _ in range(2):
                resp = t.request("POST", url + "/cert/DS/dz", body=b"<x/>")
                assert resp.status == 200
                resp.close()
        finally:
            t.close()
        assert hits == [1, 1] and callers == ["spisovka-01", "spisovka-01"]
        bare = RequestsTransport(ca_file=pki.ca_file)
        try:
            with pytest.raises(TransportError):
                bare.request("POST", url + "/cert/DS/dz", body=b"<x/>").close()
        finally:
            bare.close()
        assert hits == [1, 1]  # the request without a certificate never reached the server


def test_a_certificate_login_needs_a_certificate() -> None:
    with pytest.raises(ValueError, match="client certificate"):
        IsdsClient(Environment.custom("https://127.0.0.1:1"), LoginMethod.CERT,
                   Credentials("spis01", None))


# --- what the transport writes into logs and headers ---------------------------------------


@pytest.mark.parametrize(("url", "shown"), [
    ("https://user:heslo@ws1.czebox.cz:8443/DS/dz?token=abc#x", "https://ws1.czebox.cz:8443/DS/dz"),
    ("https://ws1.mojedatovaschranka.cz/DS/dx", "https://ws1.mojedatovaschranka.cz/DS/dx"),
])
def test_urls_in_logs_keep_no_credentials_or_queries(url: str, shown: str) -> None:
    assert _safe_url(url) == shown


def test_basic_auth_is_utf8_so_czech_passwords_work() -> None:
    import base64

    header = basic_auth_header("uživatel", "Žluťoučký-kůň-1")
    assert header.startswith("Basic ")
    assert base64.b64decode(header[6:]).decode("utf-8") == "uživatel:Žluťoučký-kůň-1"
