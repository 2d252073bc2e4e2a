"""A loopback static file server for a repository's public/ folder (tests and trying out)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import ssl
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dso_desktop.net import is_loopback

_RANGE_RE = re.compile(r"^bytes=(\d+)-(\d*)$")


class StaticHandler(SimpleHTTPRequestHandler):
    """Static files with single ``Range: bytes=N-[M]`` support (resumable downloads)."""

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("DSO_RELEASE_SERVE_LOG"):
            super().log_message(format, *args)

    def do_GET(self) -> None:
        # The request line is logged before the body is sent; the bytes of the body are
        # logged after it, so an operator (or a test) can see what an update really fetched.
        self._bytes_sent = 0
        super().do_GET()
        self.log_message("sent %d bytes: GET %s", self._bytes_sent, self.path)

    def send_head(self) -> Any:
        self._range_left: int | None = None
        header = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        m = _RANGE_RE.match(header or "")
        if not m or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else size - 1
        if start >= size or end < start:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        end = min(end, size - 1)
        fh = path.open("rb")
        fh.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._range_left = end - start + 1
        return fh

    def copyfile(self, source: Any, outputfile: Any) -> None:
        left = getattr(self, "_range_left", None)
        while left is None or left > 0:
            chunk = source.read(64 * 1024 if left is None else min(64 * 1024, left))
            if not chunk:
                break
            outputfile.write(chunk)
            self._bytes_sent = getattr(self, "_bytes_sent", 0) + len(chunk)
            if left is not None:
                left -= len(chunk)


def make_self_signed(cert_dir: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throw-away certificate for ``host`` (also the CA file a client is given)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from dso_desktop.zfo.testpki import issue_cert, pem_key, write_private

    key = ec.generate_private_key(ec.SECP256R1())
    san: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        san.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        san.append(x509.DNSName(host))
    cert = issue_cert("dso-release serve", key, ca=True, san=san, days=30,
                      not_before=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    cert_dir.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = cert_dir / "serve-cert.pem", cert_dir / "serve-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_private(key_file, pem_key(key))
    return cert_file, key_file


class StaticServer:
    """Serve ``root`` on 127.0.0.1 in a background thread; ``url`` ends with a slash."""

    def __init__(self, root: Path, port: int = 0, *, tls_dir: Path | None = None,
                 host: str = "127.0.0.1",
                 handler_class: type[StaticHandler] = StaticHandler) -> None:
        if not is_loopback(host):
            raise ValueError("the test server only listens on loopback")
        handler = partial(handler_class, directory=str(root))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.ca_file: Path | None = None
        scheme = "http"
        if tls_dir is not None:
            cert, key = make_self_signed(tls_dir, host)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.ca_file = cert
            scheme = "https"
        self.url = f"{scheme}://{host}:{self.httpd.server_address[1]}/"
        self._thread: threading.Thread | None = None

    def start(self) -> StaticServer:
        if self._thread is not None:
            return self
        # shutdown() waits for the loop to see its flag: up to one poll (0.5 s by default,
        # which was most of what an update test's tear-down cost).
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
