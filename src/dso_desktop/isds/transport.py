"""The one module that does HTTP for ISDS: TLS, client certificates, timeouts, proxies, cookies."""

from __future__ import annotations

import base64
import logging
import os
import secrets
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from dso_desktop import USER_AGENT, net
from dso_desktop.isds.errors import ConnectionFailed, TimeoutError_, TlsError, TransportError

log = logging.getLogger("dso_desktop.isds.transport")

SPOOL_MAX = 16 * 1024 * 1024  # responses above this spill to a temporary file
READ_CHUNK = 1 << 20
URL_CACHE = 64  # prepared URLs kept per transport


@dataclass
class HttpResponse:
    """Status, headers (lower-case names) and the body in a seekable file."""

    status: int
    headers: Mapping[str, str]
    body: IO[bytes]
    url: str = ""
    set_cookies: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def content(self) -> bytes:
        self.body.seek(0)
        return self.body.read()

    def close(self) -> None:
        self.body.close()


class HttpTransport(Protocol):
    """What the client needs from a transport; unit tests supply a fake with the same shape."""

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | IO[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> HttpResponse: ...

    def cookie(self, name: str) -> str | None: ...

    def clear_cookies(self) -> None: ...

    def close(self) -> None: ...


def basic_auth_header(username: str, password: str) -> str:
    """HTTP Basic with UTF-8 (requests would use latin-1 and break on Czech letters)."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


@dataclass(frozen=True)
class ClientCertificate:
    """A client certificate: PEM cert (+ PEM key, maybe encrypted) or one PKCS#12 file."""

    cert_file: Path
    key_file: Path | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def is_pkcs12(self) -> bool:
        return self.cert_file.suffix.lower() in (".p12", ".pfx")


def load_client_certificate(ctx: ssl.SSLContext, cert: ClientCertificate) -> None:
    """Load a client certificate into an SSL context.

    PKCS#12 is converted in memory; the key only touches disk re-encrypted with a random
    one-time passphrase, in a 0600 file removed right after the context has loaded it.
    """
    try:
        if not cert.is_pkcs12:
            ctx.load_cert_chain(
                str(cert.cert_file),
                str(cert.key_file) if cert.key_file else None,
                password=cert.password,
            )
            return
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12

        key, certificate, extra = pkcs12.load_key_and_certificates(
            cert.cert_file.read_bytes(),
            cert.password.encode() if cert.password else None,
        )
    except (OSError, ValueError, ssl.SSLError) as exc:
        raise TlsError(f"cannot load the client certificate {cert.cert_file.name}: {exc}") from None
    if key is None or certificate is None:
        raise TlsError(f"{cert.cert_file.name} holds no certificate with a private key")
    one_time = secrets.token_urlsafe(32)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(one_time.encode()),
    ) + certificate.public_bytes(serialization.Encoding.PEM)
    for c in extra or ():
        pem += c.public_bytes(serialization.Encoding.PEM)
    fd, name = tempfile.mkstemp(prefix="dso-cert-", suffix=".pem")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        ctx.load_cert_chain(name, name, password=one_time)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"cannot use the client certificate {cert.cert_file.name}: {exc}") from None
    finally:
        Path(name).unlink(missing_ok=True)


def make_ssl_context(
    ca_file: Path | None = None, client_cert: ClientCertificate | None = None
) -> ssl.SSLContext:
    """System trust plus an optional extra CA (`net.client_tls_context`) and the client
    certificate; verification can never be switched off."""
    try:
        ctx = net.client_tls_context(ca_file)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise TlsError(f"cannot load the extra CA file {ca_file}: {exc}") from None
    if client_cert is not None:
        load_client_certificate(ctx, client_cert)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    return ctx


def _safe_url(url: str) -> str:
    """URL for logs: scheme, host and path only (no query, no user info)."""
    p = urlsplit(url)
    host = p.hostname or ""
    port = f":{p.port}" if p.port else ""
    return f"{p.scheme}://{host}{port}{p.path}"


class RequestsTransport:
    """HTTP over a requests.Session with our SSL context; bodies are spooled to disk."""

    def __init__(
        self,
        *,
        ca_file: Path | None = None,
        client_cert: ClientCertificate | None = None,
        proxy: str | None = None,
        timeouts: tuple[float, float] = (10.0, 120.0),
        user_agent: str = USER_AGENT,
    ) -> None:
        import requests

        self._requests = requests
        # The product's one session factory (dso_desktop.net): no ~/.netrc credentials, no
        # env CA override; our SSL context (system roots + the extra CA) on every adapter.
        self.session = net.new_session(user_agent, tls=make_ssl_context(ca_file, client_cert))
        # proxy None: the system's (environment) proxy for each URL, honouring no_proxy;
        # "" : no proxy at all; otherwise that proxy URL for everything (net.ProxyResolver).
        self._proxy = proxy
        try:
            self._proxies = net.ProxyResolver(proxy)
        except net.ProxyConfigError as exc:
            raise TransportError(str(exc)) from None
        self.timeouts = timeouts
        self._urls: dict[str, str] = {}  # URL as given -> as requests prepares it

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | IO[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> HttpResponse:
        if not url.startswith("https://"):
            raise TransportError(f"refusing a non-HTTPS URL: {_safe_url(url)}")
        hdrs = dict(headers or {})
        if basic_auth is not None:
            hdrs["Authorization"] = basic_auth_header(*basic_auth)
        exc_mod = self._requests.exceptions
        proxies = self._proxies_for(url)
        try:
            resp = self._send(method, url, body, hdrs, proxies)
        except exc_mod.SSLError as exc:
            raise TlsError(f"TLS failure talking to {_safe_url(url)}: {_reason(exc)}").add_details(
                url=_safe_url(url)) from None
        except (exc_mod.ConnectTimeout, exc_mod.ReadTimeout) as exc:
            raise TimeoutError_(f"timeout talking to {_safe_url(url)}: {_reason(exc)}").add_details(
                url=_safe_url(url)) from None
        except (exc_mod.ConnectionError, exc_mod.ProxyError) as exc:
            raise ConnectionFailed(f"cannot reach {_safe_url(url)}: {_reason(exc)}").add_details(
                url=_safe_url(url)) from None
        except exc_mod.RequestException as exc:
            raise TransportError(f"HTTP failure for {_safe_url(url)}: {_reason(exc)}").add_details(
                url=_safe_url(url)) from None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)  # noqa: SIM115
        size = 0
        try:
            for chunk in resp.iter_content(READ_CHUNK):
                spool.write(chunk)
                size += len(chunk)
        except exc_mod.Timeout as exc:
            spool.close()
            raise TimeoutError_(f"read timeout from {_safe_url(url)}: {_reason(exc)}").add_details(
                url=_safe_url(url)) from None
        except exc_mod.RequestException as exc:
            spool.close()
            raise ConnectionFailed(
                f"connection broke reading {_safe_url(url)}: {_reason(exc)}"
            ).add_details(url=_safe_url(url)) from None
        finally:
            resp.close()
        spool.seek(0)
        raw_cookies: tuple[str, ...] = ()
        raw_headers = getattr(resp.raw, "headers", None)
        if raw_headers is not None and hasattr(raw_headers, "getlist"):
            raw_cookies = tuple(raw_headers.getlist("Set-Cookie"))
        log.debug("%s %s -> %s (%d bytes)", method, _safe_url(url), resp.status_code, size)
        return HttpResponse(
            status=resp.status_code,
            headers={k.lower(): v for k, v in resp.headers.items()},
            body=spool,
            url=url,
            set_cookies=raw_cookies,
        )

    def _send(self, method: str, url: str, body: bytes | IO[bytes] | None,
              headers: dict[str, str], proxies: dict[str, str]) -> Any:
        """What ``session.request(method, url, data=body, headers=headers, proxies=proxies,
        timeout=..., allow_redirects=False, stream=True)`` does for this transport's session,
        without its per-request merging of settings that this session never has (no
        session auth, parameters or hooks; ``trust_env`` off, so no environment settings;
        no redirects followed). That merging is a quarter of the client's CPU per request,
        and a sync makes two requests per message one after another (issue 18): the same
        prepared request, sent by the same adapter, with the session's cookies sent and
        kept as before."""
        requests = self._requests
        session = self.session
        if session.auth is not None or session.params or any(session.hooks.values()):
            # Settings this session is not built with: let requests merge them.
            return session.request(method, url, data=body, headers=headers,
                                   timeout=self.timeouts, allow_redirects=False, stream=True,
                                   proxies=proxies)
        prep = requests.PreparedRequest()
        prep.prepare_method(method)
        prepared_url = self._urls.get(url)
        if prepared_url is None:
            prep.prepare_url(url, None)
            assert prep.url is not None
            prepared_url = prep.url
            if len(self._urls) < URL_CACHE:  # a few service URLs; a login's may vary
                self._urls[url] = prepared_url
        else:
            prep.url = prepared_url
        merged = requests.structures.CaseInsensitiveDict(session.headers)
        merged.update(headers)
        prep.prepare_headers(merged)
        prep.prepare_cookies(session.cookies)
        prep.prepare_body(body or {}, None)  # as session.request has it: ``data or {}``
        prep.prepare_auth(None, prepared_url)
        prep.prepare_hooks({})
        adapter = session.get_adapter(url=prepared_url)
        # The session's own verify, as session.request passes it (never off: `net.new_session`
        # with our TLS context, or requests' default).
        verify = True if session.verify is None else session.verify
        resp = adapter.send(prep, stream=True, timeout=self.timeouts, verify=verify,
                            cert=session.cert, proxies=proxies)
        requests.cookies.extract_cookies_to_jar(session.cookies, prep, resp.raw)
        return resp

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The proxy for ``url`` under the configured choice (see ``net.ProxyResolver``)."""
        return self._proxies.for_url(url)

    def cookie(self, name: str) -> str | None:
        for c in self.session.cookies:
            if c.name == name:
                return c.value
        return None

    def clear_cookies(self) -> None:
        self.session.cookies.clear()

    def close(self) -> None:
        self.session.close()


def _reason(exc: BaseException) -> str:
    """A short reason without echoing request data (URLs with queries, headers)."""
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
        if isinstance(inner, ssl.SSLError | OSError):
            break
    text = str(inner) or type(inner).__name__
    return text[:300]
