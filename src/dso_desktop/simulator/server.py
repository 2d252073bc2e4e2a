"""HTTPS front of the simulator: one loopback port, TLS with optional client certificate."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dso_desktop.net import is_loopback
from dso_desktop.simulator.auth import MEP_COOKIE, AuthFailure
from dso_desktop.simulator.dispatcher import Reply, SimulatorCore, _cookie

log = logging.getLogger("dso_desktop.simulator.http")
# The ``/_sim/...`` JSON control API (path, query, body, lower-case headers) -> reply.
ControlHandler = Callable[[str, dict[str, list[str]], bytes, dict[str, str]], Reply]
MAX_BODY = 200 * 1024 * 1024  # a 100 MB VoDZ in base64 plus envelope


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], core: SimulatorCore, tls: ssl.SSLContext,
                 control: ControlHandler) -> None:
        self.core = core
        self.tls = tls
        self.control = control
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        # The TLS handshake happens in the handler's thread, not in the accept loop.
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "ISDS-simulator"
    sys_version = ""

    def setup(self) -> None:
        self.connection = self.request
        self.connection.settimeout(60)
        # Headers and body go out as separate writes; without this, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.connection.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            log.debug("TLS handshake failed: %s", exc)
            self.close_connection = True
            self.rfile = self.wfile = None  # type: ignore[assignment]
            return
        super().setup()

    def handle(self) -> None:
        if self.rfile is None:
            return
        with contextlib.suppress(ConnectionError, ssl.SSLError, TimeoutError):
            super().handle()

    def finish(self) -> None:
        if self.rfile is None:
            return
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # -- helpers -------------------------------------------------------------------------
    def _cert_sha256(self) -> str | None:
        der = self.connection.getpeercert(binary_form=True)
        return hashlib.sha256(der).hexdigest() if der else None

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self._chunked()
            return b""
        n = int(length)
        if n > MAX_BODY:
            self._send(Reply(413, {"Content-Type": "text/plain"}, b"Request too large"))
            self.close_connection = True
            return None
        return self.rfile.read(n)

    def _chunked(self) -> bytes:
        out = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return bytes(out)
            out += self.rfile.read(size)
            self.rfile.readline()

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            self.server.core.sleep(reply.delay)
        if reply.action == "drop":
            # Closed without a response (no RST): the client sees the connection end.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self.connection.close()
            return
        if reply.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.close()
            return
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        if reply.action == "truncated":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if reply.action == "truncated":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            return
        self.wfile.write(reply.body)

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    # -- verbs ---------------------------------------------------------------------------
    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            return
        url = urlsplit(self.path)
        core = self.server.core
        try:
            if url.path.startswith("/_sim/"):
                self._send(self.server.control(url.path, parse_qs(url.query), body,
                                               self._headers()))
            elif url.path == "/_tsa":
                self._send(Reply(200, {"Content-Type": "application/timestamp-reply"},
                                 core.tsa_reply(body)))
            elif url.path == "/as/processLogin":
                self._process_login(url.query)
            elif url.path in ("/as/mepWsStateUpdate", "/as/mepWsStateUpdate2"):
                self._mobile_state(url.path)
            elif url.path == "/as/processLogout":
                self._logout()
            else:
                self._send(core.handle_soap(self.path, self._headers(), body,
                                            self._cert_sha256()))
        except Exception:
            log.exception("simulator failed on %s", url.path)
            self._send(Reply(500, {"Content-Type": "text/plain"}, b"Internal simulator error"))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path in ("/as/mepWsStateUpdate", "/as/mepWsStateUpdate2"):
            self._mobile_state(url.path)
        elif url.path == "/as/processLogout":
            self._logout()
        elif url.path.startswith("/_sim/"):
            self._send(self.server.control(url.path, parse_qs(url.query), b"",
                                           self._headers()))
        else:
            self._send(Reply(405, {"Content-Type": "text/plain", "Allow": "POST"},
                             b"Use POST for SOAP"))

    def _process_login(self, query: str) -> None:
        q = parse_qs(query)
        kind = (q.get("type") or [""])[0]
        uri = (q.get("uri") or [""])[0]
        send_sms = (q.get("sendSms") or [""])[0] == "true"
        cookie = _cookie(self.headers.get("Cookie"), MEP_COOKIE)
        try:
            status, headers, body = self.server.core.auth.process_login(
                kind, self.headers.get("Authorization"), send_sms, cookie, uri)
        except AuthFailure as exc:
            self._send(Reply(exc.status, {"Content-Type": "text/plain; charset=utf-8",
                                          **exc.headers()}, b""))
            return
        self._send(Reply(status, headers, body))

    def _mobile_state(self, path: str) -> None:
        token = _cookie(self.headers.get("Cookie"), MEP_COOKIE)
        auth = self.server.core.auth
        if path.endswith("2"):
            self._send(Reply(200, {"Content-Type": "application/json"},
                             auth.mobile_state_json(token)))
        else:
            self._send(Reply(200, {"Content-Type": "text/plain"}, auth.mobile_state_plain(token)))

    def _logout(self) -> None:
        self.server.core.auth.logout(_cookie(self.headers.get("Cookie"), "IPCZ-X-COOKIE"))
        # ISDS answers 200 whatever ``uri`` says (a recorded real logout shows no redirect).
        headers = {"Set-Cookie": "IPCZ-X-COOKIE=; Max-Age=0; Path=/",
                   "Content-Type": "text/html; charset=utf-8"}
        self._send(Reply(200, headers, b""))


def make_tls_context(core: SimulatorCore) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(core.pki.server_cert_file, core.pki.server_key_file)
    ctx.load_verify_locations(cafile=str(core.pki.ca_file))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


class HttpFront:
    """The listening server and its thread."""

    def __init__(self, core: SimulatorCore, host: str, port: int,
                 control: ControlHandler) -> None:
        if not is_loopback(host):
            raise ValueError(f"the simulator listens on loopback only, not {host!r}")
        self.httpd = _Server((host, port), core, make_tls_context(core), control)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="isds-simulator",
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def json_reply(obj: Any, status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": "application/json; charset=utf-8"},
                 json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8"))
