"""The one HTTP transport factory: its proxy rule, timeouts and CA choice reach the ISDS
client, the updater and the trust store's certificate downloads alike."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dso_desktop import net

ENV = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
       "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


class _Proxy(http.server.BaseHTTPRequestHandler):
    """A forward proxy stand-in: answers every absolute-URI GET itself and records it."""

    seen: ClassVar[list[str]] = []
    body = b"-----BEGIN CERTIFICATE-----\n"

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        data = self.body * (50 if "big" in self.path else 1)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    _Proxy.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_proxy_rule_none_is_the_systems_empty_is_direct_else_that_proxy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://sys-proxy:3128")
    monkeypatch.setenv("NO_PROXY", "intranet.local")
    system = net.ProxyResolver(None)
    assert system.for_url("https://portal.kraj.cz/x")["https"] == "http://sys-proxy:3128"
    assert "https" not in system.for_url("https://intranet.local/x")  # NO_PROXY honoured
    assert net.ProxyResolver("").for_url("https://portal.kraj.cz/") == {}
    mine = net.ProxyResolver("http://proxy.urad.cz:8080")
    assert mine.for_url("https://intranet.local/") == {
        "https": "http://proxy.urad.cz:8080", "http": "http://proxy.urad.cz:8080"}


@pytest.mark.parametrize("bad", ["proxy.urad.cz:8080", "ftp://proxy", "http://", "socks5:/x",
                                 "http://proxy:99999"])
def test_unusable_proxy_is_refused_clearly(bad: str) -> None:
    with pytest.raises(net.ProxyConfigError):
        net.NetConfig(proxy=bad)


def test_sessions_read_nothing_from_the_environment() -> None:
    session = net.new_session()
    assert session.trust_env is False
    assert session.headers["User-Agent"].startswith("DSO-Desktop/")


def test_ca_is_always_an_explicit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "evil.pem"))
    assert net.verify_value(None) == net.system_ca_bundle()
    assert Path(net.verify_value(None)).is_file()
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    assert net.verify_value(ca) == str(ca.resolve())


def test_settings_become_a_config() -> None:
    from dso_desktop.settings import Settings

    config = net.NetConfig.from_settings(Settings(proxy="http://p.urad.cz:3128",
                                                  request_timeout=33))
    assert config.proxy == "http://p.urad.cz:3128" and config.timeouts == (10.0, 33.0)
    assert net.NetConfig.from_settings(Settings()).proxy is None  # the system's
    assert net.describe(net.NetConfig(proxy="http://user:pw@p:1"))["proxy"] == "http://p:1"


def test_fetch_goes_through_the_configured_proxy(proxy: str) -> None:
    data = net.fetch("http://crl.postsignum.invalid/ca.crt", net.NetConfig(proxy=proxy))
    assert data == _Proxy.body
    assert _Proxy.seen == ["http://crl.postsignum.invalid/ca.crt"]


def test_fetch_uses_the_system_proxy_when_none_is_set(proxy: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    assert net.fetch("http://aia.invalid/i.der") == _Proxy.body
    assert _Proxy.seen == ["http://aia.invalid/i.der"]


def test_fetch_is_size_capped_and_refuses_other_schemes(proxy: str) -> None:
    with pytest.raises(net.FetchError, match="more than"):
        net.fetch("http://x.invalid/big", net.NetConfig(proxy=proxy), max_bytes=100)
    with pytest.raises(net.FetchError):
        net.fetch("file:///etc/passwd")


def test_fetch_failure_is_a_fetch_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(net.FetchError, match="cannot download"):
        net.fetch("http://x.invalid/a", net.NetConfig(proxy=dead, timeouts=(2, 2)))


def test_trust_store_downloads_use_the_factory(proxy: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.zfo import trust

    monkeypatch.setenv("HTTP_PROXY", proxy)
    assert trust.default_fetcher("http://aia.invalid/root.der") == _Proxy.body
    assert _Proxy.seen == ["http://aia.invalid/root.der"]


def test_every_client_builds_its_session_here(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    from dso_desktop.isds.transport import RequestsTransport
    from dso_desktop.update.transport import Transport

    made: list[Any] = []
    real = net.new_session

    def spy(*a: Any, **kw: Any) -> Any:
        made.append(real(*a, **kw))
        return made[-1]

    monkeypatch.setattr(net, "new_session", spy)
    isds = RequestsTransport(proxy="http://p.urad.cz:3128", timeouts=(3.0, 44.0))
    upd = Transport(config=net.NetConfig(proxy="http://p.urad.cz:3128", timeouts=(4, 55)))
    fetcher = net.HttpFetcher(net.NetConfig(proxy="http://p.urad.cz:3128"))
    assert fetcher.session is made[-1]
    assert [isds.session, upd.session] == made[:2]
    assert isds._proxies_for("https://ws1.mojedatovaschranka.cz/")["https"] == \
        "http://p.urad.cz:3128"
    assert upd.proxies.for_url("https://portal.kraj.cz/")["https"] == "http://p.urad.cz:3128"
    assert upd.timeouts == (4, 55)


def test_isds_transport_reports_a_bad_proxy_as_a_transport_error() -> None:
    from dso_desktop.isds.errors import TransportError
    from dso_desktop.isds.transport import RequestsTransport

    with pytest.raises(TransportError, match="proxy"):
        RequestsTransport(proxy="proxy-without-scheme:3128")


def test_app_trust_store_downloads_get_the_users_proxy_and_timeouts(tmp_path: Path) -> None:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    with App.open(AppPaths.default(tmp_path / "d").ensure()) as app:
        app.settings.update(proxy="http://p.urad.cz:3128", request_timeout=40)
        fetcher = app.trust()._fetcher
        assert isinstance(fetcher, net.HttpFetcher)
        assert fetcher.config.proxy == "http://p.urad.cz:3128"
        assert fetcher.config.timeouts == (10.0, 40.0)
        assert app.net_config() == fetcher.config


# -- the TLS context of the clients that take an extra CA (ISDS, the records service) -------
def _ca(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """One CA certificate as PEM and as DER files; returns (pem, der, its DER)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    from dso_desktop.zfo.testpki import issue_cert

    cert = issue_cert("Krajský úřad CA", ec.generate_private_key(ec.SECP256R1()), ca=True)
    pem, der = tmp_path / "ca.pem", tmp_path / "ca.cer"
    pem.write_bytes(cert.public_bytes(Encoding.PEM))
    der.write_bytes(cert.public_bytes(Encoding.DER))
    return pem, der, cert.public_bytes(Encoding.DER)


def test_the_client_tls_context_adds_a_pem_or_der_ca_to_the_system_roots(tmp_path: Path
                                                                        ) -> None:
    import ssl

    pem, der, raw = _ca(tmp_path)
    plain = net.client_tls_context()
    for ca in (pem, der):
        ctx = net.client_tls_context(ca)
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
        assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
        added = ctx.get_ca_certs(binary_form=True)
        assert raw in added and raw not in plain.get_ca_certs(binary_form=True)
        assert len(added) == len(plain.get_ca_certs(binary_form=True)) + 1
    (tmp_path / "junk").write_bytes(b"not a certificate")
    for bad in (tmp_path / "junk", tmp_path / "missing.pem"):
        with pytest.raises((OSError, ssl.SSLError, ValueError)):
            net.client_tls_context(bad)


def test_isds_and_the_records_service_connect_with_that_context(tmp_path: Path) -> None:
    """Both clients' sessions come from `net.new_session` with the one TLS context on every
    adapter (through a proxy too): a DER CA now reaches the ISDS client as it reaches the
    records client."""
    from dso_desktop.isds.errors import TlsError
    from dso_desktop.isds.transport import RequestsTransport
    from dso_desktop.records.errors import RestServiceError
    from dso_desktop.records.rest import RecordsRestClient

    _, der, raw = _ca(tmp_path)
    isds = RequestsTransport(ca_file=der)
    rec = RecordsRestClient("https://spisovka.urad.cz/api", "token", ca_file=der)
    for session in (isds.session, rec._session):
        for prefix in ("https://", "http://"):
            adapter = session.get_adapter(prefix + "ws1.example.cz/")
            ctx = adapter.poolmanager.connection_pool_kw["ssl_context"]
            assert raw in ctx.get_ca_certs(binary_form=True)
            manager = adapter.proxy_manager_for("http://127.0.0.1:3128")
            assert manager.connection_pool_kw["ssl_context"] is ctx
        assert session.trust_env is False
    (tmp_path / "junk").write_bytes(b"not a certificate")
    with pytest.raises(TlsError, match="extra CA file"):
        RequestsTransport(ca_file=tmp_path / "junk")
    with pytest.raises(RestServiceError, match="extra CA file"):
        RecordsRestClient("https://spisovka.urad.cz/api", "token", ca_file=tmp_path / "junk")
