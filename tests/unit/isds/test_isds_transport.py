"""The real HTTP transport on loopback: TLS trust, streaming big bodies, memory, logging."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import ssl
import threading
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from isds_fakes import dm_status
from test_isds_soap import mtom_response

from dso_desktop.domain import LoginMethod
from dso_desktop.isds.client import IsdsClient
from dso_desktop.isds.endpoints import Environment
from dso_desktop.isds.errors import ConnectionFailed, TimeoutError_, TlsError
from dso_desktop.isds.models import Credentials
from dso_desktop.isds.transport import (
    READ_CHUNK,
    URL_CACHE,
    RequestsTransport,
    basic_auth_header,
)
from dso_desktop.zfo.testpki import issue_cert, pem_key

SECRET = "Velmi-tajne-heslo-42"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_cert("127.0.0.1", key, ca=True, serial=1, days=2,
                      san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(pem_key(key))
    return d / "cert.pem", d / "key.pem", d


class State:
    download: tuple[bytes, str] = (b"", "text/xml")
    received: int = 0
    requests: int = 0  # requests that reached this server
    content_length: str | None = None
    transfer_encoding: str | None = None
    delay: float = 0.0
    set_cookie: str | None = None  # a Set-Cookie header to answer with
    short_body: bool = False  # promise more body than is sent, then close
    seen: list[list[tuple[str, str]]]  # the headers of each request, in order


@pytest.fixture
def server(tls) -> Iterator[tuple[str, type[State]]]:
    with serve(tls) as running:
        yield running


@contextlib.contextmanager
def serve(tls) -> Iterator[tuple[str, type[State]]]:
    """A loopback HTTPS server answering every POST with ``State.download``."""
    cert, key, _ = tls

    class St(State):
        seen: list[list[tuple[str, str]]] = []  # noqa: RUF012 - one class per test

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a) -> None:
            pass

        def do_POST(self) -> None:
            St.requests += 1
            St.seen.append(list(self.headers.items()))
            St.content_length = self.headers.get("Content-Length")
            St.transfer_encoding = self.headers.get("Transfer-Encoding")
            remaining = int(St.content_length or 0)
            St.received = 0
            while remaining:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                St.received += len(chunk)
                remaining -= len(chunk)
            if St.delay:
                threading.Event().wait(St.delay)
            body, ctype = St.download
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) + (100 if St.short_body else 0)))
            if St.set_cookie:
                self.send_header("Set-Cookie", St.set_cookie)
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (read-timeout test)
                self.wfile.write(body)
            if St.short_body:
                self.close_connection = True

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    t.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", St
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(5)


def client(url: str, ca: Path | None, **kw) -> IsdsClient:
    kw.setdefault("max_retries", 0)  # these tests are about one request; retries: test_retry
    c = IsdsClient(Environment.custom(url), LoginMethod.PASSWORD,
                   Credentials("user01", SECRET), ca_file=ca, **kw)
    c._logged_in = True
    return c


def _big_download(server, tls, size: int) -> None:
    url, st = server
    payload = (b"0123456789abcdef" * (size // 16 + 1))[:size]
    st.download = mtom_response(
        "SignedBigMessageDownload",
        '<dmSignature><xop:Include href="cid:zfo"/></dmSignature>' + dm_status(),
        {"zfo": payload})
    with client(url, tls[0]) as c:
        tracemalloc.start()
        try:
            doc = c.signed_big_message_download("777")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert doc.data == payload
        del doc
    st.download = (b"", "text/xml")
    payload = b""
    # one copy: the result itself; the response waits on disk, not in memory
    assert peak < 1.3 * size, f"peak {peak / 1e6:.1f} MB for {size / 1e6:.1f} MB"


def _big_upload(server, tls, tmp_path: Path, size: int) -> None:
    url, st = server
    st.download = mtom_response(
        "UploadAttachment",
        '<dmAttID>A1</dmAttID><dmAttHash1 AttHashAlg="SHA-256">x</dmAttHash1>'
        '<dmAttHash2 AttHashAlg="SHA3-256">y</dmAttHash2>' + dm_status(), {})
    big = tmp_path / "big.bin"
    with big.open("wb") as fh:
        block = b"z" * (1 << 20)
        for _ in range(size // len(block)):
            fh.write(block)
    with client(url, tls[0]) as c:
        tracemalloc.start()
        try:
            up = c.upload_attachment(big, "big.bin", "application/octet-stream")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert up.att_id == "A1"
    assert st.transfer_encoding is None and int(st.content_length or 0) > size
    assert st.received == int(st.content_length or 0)
    assert peak < 8 * 2**20, f"upload peak {peak / 1e6:.1f} MB for {size / 1e6:.1f} MB"


def test_big_download_memory(server, tls) -> None:
    _big_download(server, tls, 24 * 1024 * 1024)


def test_big_upload_streams_from_disk(server, tls, tmp_path: Path) -> None:
    _big_upload(server, tls, tmp_path, 24 * 1024 * 1024)


@pytest.mark.slow
def test_100_mb_download_and_upload(server, tls, tmp_path: Path) -> None:
    _big_download(server, tls, 100 * 1000 * 1000)
    _big_upload(server, tls, tmp_path, 100 * 1024 * 1024)


def test_untrusted_server_is_a_tls_error(server) -> None:
    url, _ = server
    with client(url, None) as c, pytest.raises(TlsError):
        c.dummy_operation()


def test_refused_connection(tls) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with client(f"https://127.0.0.1:{port}", tls[0]) as c, pytest.raises(ConnectionFailed):
        c.dummy_operation()


def test_read_timeout(server, tls) -> None:
    url, st = server
    st.delay = 1.0
    st.download = mtom_response("DummyOperation", dm_status(), {})
    with client(url, tls[0], timeouts=(2, 0.2)) as c, pytest.raises(TimeoutError_):
        c.dummy_operation()


def test_no_credentials_or_bodies_in_logs(server, tls, caplog: pytest.LogCaptureFixture) -> None:
    url, st = server
    st.download = mtom_response("DummyOperation", dm_status(), {})
    caplog.set_level(logging.DEBUG)
    with client(url, tls[0]) as c:
        c.dummy_operation()
    text = caplog.text
    assert "POST" in text  # the transport does log the call…
    assert SECRET not in text and "Authorization" not in text  # …but never secrets
    assert "Basic " not in text and "DummyOperation>" not in text


def test_verification_cannot_be_disabled(tls) -> None:
    t = RequestsTransport(ca_file=tls[0])
    try:
        assert t.session.verify is True
    finally:
        t.close()


def test_non_https_urls_are_refused() -> None:
    from dso_desktop.isds.errors import TransportError

    t = RequestsTransport()
    try:
        with pytest.raises(TransportError):
            t.request("POST", "http://127.0.0.1:1/DS/dz")
    finally:
        t.close()


def test_explicit_proxy_is_used(server, tls) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    url, _ = server
    with client(url, tls[0], proxy=f"http://127.0.0.1:{port}") as c, \
            pytest.raises(ConnectionFailed):
        c.dummy_operation()  # the (dead) proxy is tried, not the live server


def test_no_proxy_and_environment_proxy(server, tls, monkeypatch: pytest.MonkeyPatch) -> None:
    url, st = server
    st.download = mtom_response("DummyOperation", dm_status(), {})
    for name in ("https_proxy", "no_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # the machine's own settings stay out
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with client(url, tls[0]) as c:  # environment proxy, but no_proxy matches
        c.dummy_operation()
    assert st.requests == 1  # went straight to the server, not to the dead proxy
    with client(url, tls[0], proxy="") as c:  # no proxy at all
        c.dummy_operation()
    assert st.requests == 2
    monkeypatch.delenv("NO_PROXY")
    with client(url, tls[0]) as c, pytest.raises(ConnectionFailed):
        c.dummy_operation()  # without the exception the environment's proxy is used
    assert st.requests == 2


def test_a_request_is_sent_as_the_session_would_send_it(server, tls) -> None:
    """The transport sends through the session's adapter without `Session.request`'s
    per-request merging (issue 18): the server sees the same request line, headers, body
    and cookies as from `Session.request`, and a cookie the server sets is kept and sent."""
    url, st = server
    st.download = mtom_response("DummyOperation", dm_status(), {})
    t = RequestsTransport(ca_file=tls[0])
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""',
               "accept": "multipart/related"}  # replaces the session's Accept, any case
    body = "<x>Žluťoučký kůň</x>".encode()

    def reference() -> None:  # what the transport sent before: the session's own request
        hdrs = dict(headers, Authorization=basic_auth_header("user01", SECRET))
        r = t.session.request("POST", url + "/DS/dz", data=body, headers=hdrs,
                              timeout=t.timeouts, allow_redirects=False, stream=True,
                              proxies=t._proxies_for(url))
        r.content  # noqa: B018 - read it all, as the transport does
        r.close()

    def ours() -> bytes:
        resp = t.request("POST", url + "/DS/dz", body=body, headers=headers,
                         basic_auth=("user01", SECRET))
        try:
            return resp.content()
        finally:
            resp.close()

    try:
        st.set_cookie = "IPCZ-X-COOKIE=abc123; Path=/; Secure; HttpOnly"
        assert ours() == st.download[0]
        st.set_cookie = None
        assert t.cookie("IPCZ-X-COOKIE") == "abc123"  # kept from the response
        ours()
        reference()
        ours()
        first, second, ref, third = st.seen
        assert ("Cookie", "IPCZ-X-COOKIE=abc123") in second and \
            not any(k == "Cookie" for k, _ in first)  # set by the first answer, sent after
        assert second == ref == third  # the same headers, in the same order
        assert ("accept", "multipart/related") in ref and \
            ("Content-Length", str(len(body))) in ref
        assert st.received == len(body)
        t.clear_cookies()
        ours()
        assert not any(k == "Cookie" for k, _ in st.seen[-1])
        resp = t.request("POST", url + "/DS/dz", body=None, headers=headers)
        resp.close()
        assert ("Content-Length", "0") in st.seen[-1] and st.received == 0  # no body: 0
        for n in range(URL_CACHE + 5):  # URLs that vary (a login's): the cache stays small
            t.request("POST", f"{url}/as/processLogin?n={n}", body=body, headers={}).close()
        assert len(t._urls) == URL_CACHE and st.requests == 6 + URL_CACHE + 5
    finally:
        t.close()


def test_settings_the_session_is_not_built_with_go_through_session_request(server, tls) -> None:
    url, st = server
    st.download = mtom_response("DummyOperation", dm_status(), {})
    t = RequestsTransport(ca_file=tls[0])
    answered: list[int] = []
    t.session.hooks["response"].append(lambda r, **kw: answered.append(r.status_code))
    t.session.params = {"trace": "1"}
    try:
        t.request("POST", url + "/DS/dz", body=b"<x/>", headers={}).close()
        assert answered == [200]  # the session's hook ran, as Session.request runs it
    finally:
        t.close()


# --- the pooled path (issue 18): what the session gave, kept without Session.request ------


@pytest.fixture
def no_session_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests below must exercise the pooled path: requests' own sending fails them."""
    import requests

    def refuse(*a: object, **kw: object) -> None:
        raise AssertionError("sent through requests' Session/HTTPAdapter, not the pool path")

    monkeypatch.setattr(requests.Session, "request", refuse)
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)


def test_cookies_follow_the_jar_on_the_pooled_path(server, tls, no_session_request) -> None:
    """A cookie set by an answer is sent back only where the jar says (its path), and the
    jar keeps each answer's new value (ISDS refreshes its session cookie)."""
    url, st = server
    st.download = mtom_response("DummyOperation", dm_status(), {})
    t = RequestsTransport(ca_file=tls[0])

    def post(path: str) -> list[tuple[str, str]]:
        t.request("POST", url + path, body=b"<x/>", headers={}).close()
        return st.seen[-1]

    try:
        st.set_cookie = "IPCZ-X-COOKIE=first; Path=/; Secure; HttpOnly"
        assert not any(k == "Cookie" for k, _ in post("/as/processLogin"))
        st.set_cookie = "ASWS=only-as; Path=/as"
        assert ("Cookie", "IPCZ-X-COOKIE=first") in post("/DS/dz")
        st.set_cookie = "IPCZ-X-COOKIE=second; Path=/; Secure; HttpOnly"
        assert ("Cookie", "IPCZ-X-COOKIE=first") in post("/DS/dz")  # ASWS is not for /DS
        st.set_cookie = None
        assert ("Cookie", "IPCZ-X-COOKIE=second") in post("/DS/dx")  # refreshed
        assert ("Cookie", "ASWS=only-as; IPCZ-X-COOKIE=second") in post("/as/x")
        assert t.cookie("ASWS") == "only-as"
    finally:
        t.close()


def test_each_host_gets_its_own_connections(server, tls, no_session_request) -> None:
    """The pools kept between requests are per URL: requests to two servers (ISDS's ws1 and
    ws2 hosts) alternate and each reaches its own server."""
    url, st = server
    st.download = mtom_response("DummyOperation", dm_status(), {})
    with serve(tls) as (url2, st2):
        st2.download = mtom_response("DummyOperation", dm_status(), {})
        t = RequestsTransport(ca_file=tls[0])
        try:
            for n in range(3):
                for target in (url, url2):
                    t.request("POST", f"{target}/DS/dz", body=b"<x/>").close()
                assert (st.requests, st2.requests) == (n + 1, n + 1)
        finally:
            t.close()


@pytest.mark.parametrize("size", [100, READ_CHUNK + 100])  # one piece / two
def test_a_broken_answer_is_a_connection_failure(server, tls, no_session_request,
                                                 size: int) -> None:
    url, st = server
    st.download = (b"x" * size, "text/xml")
    st.short_body = True
    t = RequestsTransport(ca_file=tls[0])
    try:
        with pytest.raises(ConnectionFailed, match="connection broke reading"):
            t.request("POST", url + "/DS/dz", body=b"<x/>")
        st.short_body = False
        resp = t.request("POST", url + "/DS/dz", body=b"<x/>")  # the next one is whole
        assert resp.content() == st.download[0]
        resp.close()
    finally:
        t.close()


def test_tls_is_verified_on_the_pooled_path(server, tls, no_session_request) -> None:
    url, st = server
    with client(url, None) as c, pytest.raises(TlsError):
        c.dummy_operation()  # the server's CA is not trusted without the account's CA file
    assert st.requests == 0


class ConnectProxy:
    """An HTTP proxy on loopback that tunnels CONNECT (what an HTTPS request through a
    proxy uses) and records each tunnel's target."""

    def __init__(self) -> None:
        import socket

        self.targets: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(conn,), daemon=True).start()

    def _tunnel(self, conn) -> None:
        import selectors
        import socket

        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                conn.close()
                return
            head += chunk
        method, target = head.split(b" ", 2)[:2]
        assert method == b"CONNECT"
        self.targets.append(target.decode())
        host, port = target.decode().rsplit(":", 1)
        up = socket.create_connection((host, int(port)))
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        sel = selectors.DefaultSelector()
        sel.register(conn, selectors.EVENT_READ, up)
        sel.register(up, selectors.EVENT_READ, conn)
        with conn, up, sel, contextlib.suppress(OSError):  # a side that hangs up ends it
            while True:
                for key, _ in sel.select(5):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)

    def close(self) -> None:
        self.sock.close()


def test_requests_go_through_the_users_proxy_with_tls_end_to_end(server, tls,
                                                                no_session_request) -> None:
    """The pooled path tunnels through the configured proxy (a tunnel per connection:
    this server closes each after its answer) and still verifies the server's certificate
    inside it."""
    url, st = server
    st.download = mtom_response("DummyOperation", dm_status(), {})
    proxy = ConnectProxy()
    try:
        with client(url, tls[0], proxy=proxy.url) as c:
            c.dummy_operation()
            c.dummy_operation()
        host_port = url.removeprefix("https://")
        assert proxy.targets == [host_port] * 2 and st.requests == 2
        with client(url, None, proxy=proxy.url) as c, pytest.raises(TlsError):
            c.dummy_operation()  # through the proxy, the server's CA is still not trusted
        assert st.requests == 2 and proxy.targets == [host_port] * 3
    finally:
        proxy.close()
