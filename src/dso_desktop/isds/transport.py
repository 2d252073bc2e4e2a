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
from typing import IO, Any, NoReturn, Protocol
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
        import urllib3

        self._requests = requests
        self._urllib3 = urllib3
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
        self._urls: dict[str, _Target] = {}  # URL as given -> where and what to send
        self._pools: dict[tuple[Any, ...], Any] = {}  # see `_pool`

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
        proxies = self._proxies_for(url)
        exc_mod = self._requests.exceptions
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)  # noqa: SIM115
        try:
            target = self._target(url)
            adapter = self._pooled_adapter(target)
            if adapter is not None:
                status, resp_headers, size = self._send_pooled(adapter, target, url, method,
                                                               body, hdrs, proxies, spool)
            else:
                status, resp_headers, size = self._send_session(method, url, body, hdrs,
                                                                proxies, spool)
        except exc_mod.RequestException as exc:
            spool.close()
            raise _failure(exc, url, exc_mod) from None
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        if log.isEnabledFor(logging.DEBUG):  # _safe_url parses the URL: only when logged
            log.debug("%s %s -> %s (%d bytes)", method, _safe_url(url), status, size)
        return HttpResponse(
            status=status,
            headers={k.lower(): v for k, v in resp_headers.itermerged()},
            body=spool,
            url=url,
            set_cookies=tuple(resp_headers.getlist("Set-Cookie")),
        )

    def _pooled_adapter(self, target: _Target) -> Any:
        """The adapter whose pools `_send_pooled` sends through, or None when the session is
        not as `net.new_session` builds it (session auth, parameters, hooks or proxies of its
        own, an adapter that is not requests' ``HTTPAdapter``) or the URL carries a user
        name: then requests merges those as it always does."""
        s = self.session
        if target.url_auth or s.auth is not None or s.params or s.proxies or \
                any(s.hooks.values()):
            return None
        adapter = s.get_adapter(url=target.url)
        return adapter if isinstance(adapter, self._requests.adapters.HTTPAdapter) else None

    def _send_session(self, method: str, url: str, body: bytes | IO[bytes] | None,
                      headers: dict[str, str], proxies: dict[str, str],
                      spool: IO[bytes]) -> tuple[int, Any, int]:
        """Through ``Session.request``: settings the session is not built with (see
        `_pooled_adapter`) are merged by requests, as for any requests session."""
        resp = self.session.request(method, url, data=body, headers=headers,
                                    timeout=self.timeouts, allow_redirects=False, stream=True,
                                    proxies=proxies)
        size = 0
        try:
            try:
                for chunk in resp.iter_content(READ_CHUNK):
                    spool.write(chunk)
                    size += len(chunk)
            except self._requests.exceptions.RequestException as exc:
                raise _read_failure(exc, url, self._requests.exceptions) from None
        finally:
            resp.close()
        return resp.status_code, resp.raw.headers, size

    def _send_pooled(self, adapter: Any, target: _Target, url: str, method: str,
                     body: bytes | IO[bytes] | None,
                     headers: dict[str, str], proxies: dict[str, str],
                     spool: IO[bytes]) -> tuple[int, Any, int]:
        """What ``session.request(method, url, data=body, headers=headers, proxies=proxies,
        timeout=..., allow_redirects=False, stream=True)`` sends and receives for this
        transport's session, sent through the same adapter's urllib3 pool (the same pools:
        our TLS context with its verification and client certificate, the proxy's tunnel,
        kept-alive connections), without requests' per-request objects: the settings'
        merge, the prepared request, the adapter's checks and its ``Response`` (with a
        cookie jar of its own). Those were ~40 % of the client's CPU per request, and a sync
        makes two requests per message one after another (issue 18).

        The same request goes out: the session's headers merged with the request's (case
        insensitively, in the same order), the session's cookies for this URL
        (``http.cookiejar`` decides which, as for requests), ``Content-Length`` as requests
        sets it; the same timeouts, no redirects followed, no retries. Cookies the answer
        sets go into the session's jar as ``Session.send`` puts them there; errors become
        the requests errors the adapter raises, mapped by `_failure` as before."""
        requests = self._requests
        session = self.session
        method = method.upper()
        store = {k.lower(): (k, v) for k, v in session.headers.items()}
        for k, v in headers.items():
            store[k.lower()] = (k, v)
        for header in store.values():
            requests.utils.check_header_validity(header)
        if session.cookies:  # a cookie session (a login's): the jar says what goes where
            probe = requests.PreparedRequest()
            probe.url = target.url
            probe.headers = requests.structures.CaseInsensitiveDict(dict(store.values()))
            cookie = requests.cookies.get_cookie_header(session.cookies, probe)
            if cookie is not None:
                store["cookie"] = ("Cookie", cookie)
        data: bytes | IO[bytes] | None = body or None  # as session.request has it: ``data or {}``
        if data is not None and not isinstance(data, bytes):  # a stream (an MTOM upload)
            length = requests.utils.super_len(data)
            if length:
                store["content-length"] = ("Content-Length", str(length))
            else:
                store["transfer-encoding"] = ("Transfer-Encoding", "chunked")
        elif data is not None:
            store["content-length"] = ("Content-Length", str(len(data)))
        elif method not in ("GET", "HEAD") and "content-length" not in store:
            store["content-length"] = ("Content-Length", "0")
        sent = dict(store.values())
        # The session's own verify, as session.request passes it (never off: `net.new_session`
        # with our TLS context, or requests' default).
        verify = True if session.verify is None else session.verify
        pool = self._pool(adapter, target, proxies, verify, session.cert)
        connect, read = self.timeouts
        timeout = self._urllib3.util.Timeout(connect=connect, read=read)
        try:
            raw = pool.urlopen(
                method=method, url=target.path, body=data, headers=sent, redirect=False,
                assert_same_host=False, preload_content=False, decode_content=False,
                retries=adapter.max_retries, timeout=timeout,
                chunked=data is not None and "content-length" not in store)
        except Exception as exc:  # raised again as the adapter raises it
            _raise_as_adapter(exc, self._urllib3.exceptions, requests.exceptions)
        if raw.headers.getlist("Set-Cookie") or raw.headers.getlist("Set-Cookie2"):
            # ``Session.send`` keeps them so, before the body is read; without these headers
            # the jar would have nothing to do.
            probe = requests.PreparedRequest()
            probe.url = target.url
            probe.headers = requests.structures.CaseInsensitiveDict(sent)
            requests.cookies.extract_cookies_to_jar(session.cookies, probe, raw)
        consumed = False
        size = 0
        try:
            try:
                for chunk in raw.stream(READ_CHUNK, decode_content=True):
                    spool.write(chunk)
                    size += len(chunk)
            except self._urllib3.exceptions.HTTPError as exc:  # what iter_content raises as
                # requests' ChunkedEncoding/ContentDecoding/Connection/SSL errors
                raise _read_failure(exc, url, requests.exceptions) from None
            consumed = True
        finally:
            if not consumed:
                raw.close()  # as requests' Response.close: a broken read loses the connection
            raw.release_conn()
        return raw.status, raw.headers, size

    def _pool(self, adapter: Any, target: _Target, proxies: dict[str, str], verify: Any,
              cert: Any) -> Any:
        """The urllib3 pool the adapter sends ``target`` through (`HTTPAdapter.send`'s
        ``get_connection_with_tls_context`` and ``cert_verify``), kept for the next request
        to the same URL with the same adapter, proxy, verification and certificate. The
        adapter's manager keeps up to 10 pools (an account talks to one to three hosts)
        until the session is closed; one it drops is not closed (urllib3 2), so a kept pool
        stays a working pool with the same TLS context either way."""
        key = (adapter, target.url, tuple(sorted(proxies.items())), verify, cert)
        pool = self._pools.get(key)
        if pool is not None:
            return pool
        try:
            pool = adapter.get_connection_with_tls_context(target.probe, verify,
                                                           proxies=proxies, cert=cert)
        except self._urllib3.exceptions.LocationValueError as exc:
            raise self._requests.exceptions.InvalidURL(exc) from exc
        adapter.cert_verify(pool, target.url, verify, cert)
        if len(self._pools) >= URL_CACHE:
            self._pools.clear()
        self._pools[key] = pool
        return pool

    def _target(self, url: str) -> _Target:
        """The URL as requests prepares it, its request target (path and query), and a
        prepared request that only names it (what the adapter picks the pool by)."""
        target = self._urls.get(url)
        if target is not None:
            return target
        prep = self._requests.PreparedRequest()
        prep.prepare_method("POST")
        prep.prepare_url(url, None)
        assert prep.url is not None
        target = _Target(prep.url, prep.path_url, prep,
                         any(self._requests.utils.get_auth_from_url(prep.url)))
        if len(self._urls) < URL_CACHE:  # a few service URLs; a login's may vary
            self._urls[url] = target
        return target

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
        self._pools.clear()
        self.session.close()


@dataclass(frozen=True)
class _Target:
    """A URL as requests prepares it, its request target, and a prepared request that
    names it (what the adapter picks a connection pool and proxy by)."""

    url: str
    path: str
    probe: Any
    url_auth: bool  # user name or password in the URL (requests sends them as Basic auth)


def _read_failure(exc: BaseException, url: str, exc_mod: Any) -> TransportError:
    """The product's error for an answer from ``url`` that broke while its body was read."""
    safe = _safe_url(url)
    if isinstance(exc, exc_mod.Timeout):
        return TimeoutError_(f"read timeout from {safe}: {_reason(exc)}").add_details(url=safe)
    return ConnectionFailed(f"connection broke reading {safe}: {_reason(exc)}"
                            ).add_details(url=safe)


def _failure(exc: BaseException, url: str, exc_mod: Any) -> TransportError:
    """The product's error for a requests error talking to ``url``."""
    safe = _safe_url(url)
    if isinstance(exc, exc_mod.SSLError):
        return TlsError(f"TLS failure talking to {safe}: {_reason(exc)}").add_details(url=safe)
    if isinstance(exc, exc_mod.ConnectTimeout | exc_mod.ReadTimeout):
        return TimeoutError_(f"timeout talking to {safe}: {_reason(exc)}").add_details(url=safe)
    if isinstance(exc, exc_mod.ConnectionError | exc_mod.ProxyError):
        return ConnectionFailed(f"cannot reach {safe}: {_reason(exc)}").add_details(url=safe)
    return TransportError(f"HTTP failure for {safe}: {_reason(exc)}").add_details(url=safe)


def _raise_as_adapter(exc: Exception, u3: Any, rex: Any) -> NoReturn:
    """Raise an error of urllib3's ``urlopen`` as requests' ``HTTPAdapter.send`` raises it
    (requests 2.34: the same classes, the urllib3 error as the context), so that
    `_failure` maps it as before; what the adapter lets through goes through unchanged.
    Call it in the ``except`` block that caught ``exc``."""
    if isinstance(exc, u3.ProtocolError | OSError):
        raise rex.ConnectionError(exc)
    if isinstance(exc, u3.MaxRetryError):
        reason = exc.reason
        if isinstance(reason, u3.ConnectTimeoutError) and \
                not isinstance(reason, u3.NewConnectionError):
            raise rex.ConnectTimeout(exc)
        if isinstance(reason, u3.ResponseError):
            raise rex.RetryError(exc)
        if isinstance(reason, u3.ProxyError):
            raise rex.ProxyError(exc)
        if isinstance(reason, u3.SSLError):
            raise rex.SSLError(exc)
        raise rex.ConnectionError(exc)
    if isinstance(exc, u3.ClosedPoolError):
        raise rex.ConnectionError(exc)
    if isinstance(exc, u3.ProxyError):
        raise rex.ProxyError(exc)
    if isinstance(exc, u3.SSLError):
        raise rex.SSLError(exc)
    if isinstance(exc, u3.ReadTimeoutError):
        raise rex.ReadTimeout(exc)
    if isinstance(exc, u3.InvalidHeader):
        raise rex.InvalidHeader(exc)
    raise exc


def _reason(exc: BaseException) -> str:
    """A short reason without echoing request data (URLs with queries, headers)."""
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
        if isinstance(inner, ssl.SSLError | OSError):
            break
    text = str(inner) or type(inner).__name__
    return text[:300]
