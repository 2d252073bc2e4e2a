"""The product's one HTTP transport factory: sessions, proxies, timeouts and CA roots.

Every request the product makes goes through a session built here, with one rule for each
choice, so the user's settings reach the ISDS client, the updater and the trust store's
certificate downloads alike:

- proxy: ``None`` = the system's proxy for each URL (the ``HTTPS_PROXY``/``NO_PROXY``
  environment), ``""`` = no proxy at all, anything else = that proxy for every URL;
- timeouts: ``(connect, read)`` seconds on every request;
- CA: never ``verify=True`` (requests would let ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``
  replace it); either an explicit file or certifi's bundle named by its path.

Sessions never read ``~/.netrc`` or the environment's CA variables (``trust_env`` is off);
the environment's proxies are looked up here explicitly, once per host.

Bottom floor: stdlib at import time (``requests`` is imported when a session is built), so
any layer may use it and the lazy start-up stays.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dso_desktop import USER_AGENT
from dso_desktop.errors import DsoError, ErrorKind

if TYPE_CHECKING:
    import requests

DEFAULT_TIMEOUTS: tuple[float, float] = (10.0, 60.0)
FETCH_MAX_BYTES = 1024 * 1024  # a CA certificate or a CRL of a qualified CA: well below

Fetcher = Callable[[str], bytes]


class ProxyConfigError(DsoError, ValueError):
    """A configured proxy that is not an http(s)://host[:port] URL."""

    kind = ErrorKind.PROXY_CONFIG


class FetchError(DsoError, OSError):
    """A download by ``fetch`` failed (network, HTTP status, TLS or size)."""

    kind = ErrorKind.FETCH


def is_loopback(host: str) -> bool:
    """Is ``host`` (a name or an IP literal, as ``urlsplit().hostname`` gives it) this machine
    by loopback? ``localhost`` and 127.0.0.0/8 and ::1 are; any other name is not (it
    would need a DNS lookup, which can lie). The product's one loopback rule: plain-HTTP
    update portals, the simulator's listening address, the tests' socket guard."""
    host = host.strip().lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def check_proxy(proxy: str | None) -> str | None:
    """Return ``proxy`` if it is usable (None, "" or an http(s) URL with a host), else raise."""
    if proxy is None or proxy == "":
        return proxy
    parts = urlsplit(proxy.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProxyConfigError(
            f"proxy must be an http:// or https:// URL with a host name: {proxy!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise ProxyConfigError(f"proxy has an invalid port: {proxy!r}") from exc
    return proxy.strip()


@dataclass(frozen=True)
class NetConfig:
    """What the user (or the administrator) chose for HTTP; shared by every client."""

    proxy: str | None = None
    timeouts: tuple[float, float] = DEFAULT_TIMEOUTS
    # An explicit CA file: the ISDS client adds it to the system roots, the updater uses it
    # alone for the portal, ``fetch`` adds nothing else (None: certifi's roots).
    ca_file: Path | None = field(default=None)

    def __post_init__(self) -> None:
        check_proxy(self.proxy)

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> NetConfig:
        """From ``dso_desktop.settings.Settings`` (``proxy``, ``request_timeout``)."""
        proxy = getattr(settings, "proxy", None)
        read = float(getattr(settings, "request_timeout", DEFAULT_TIMEOUTS[1]) or
                     DEFAULT_TIMEOUTS[1])
        values: dict[str, Any] = {"proxy": proxy or None, "timeouts": (10.0, read)}
        values.update(overrides)
        return cls(**values)

    def with_proxy(self, proxy: str | None) -> NetConfig:
        return NetConfig(proxy, self.timeouts, self.ca_file)


def system_ca_bundle() -> str:
    """certifi's root bundle, by path (a path is used as it is, whatever the environment)."""
    import certifi

    return str(Path(certifi.where()).resolve())


def verify_value(ca_file: Path | str | None) -> str:
    """``verify=`` for requests: the given CA file, else certifi's bundle; always a path."""
    return str(Path(ca_file).resolve()) if ca_file is not None else system_ca_bundle()


class ProxyResolver:
    """The proxy for each URL under one configured ``proxy`` value (see the module doc).

    The environment's answer is cached per (scheme, host, port): the lookup walks the whole
    environment, which cost more than the request itself during a sync.
    """

    def __init__(self, proxy: str | None) -> None:
        self.proxy = check_proxy(proxy)
        self._cache: dict[tuple[str, str, int | None], dict[str, str]] = {}
        self._lock = threading.Lock()

    # A trust store carries its fetcher (and so a resolver) into a sync's checking process;
    # a lock does not pickle. The copy starts with an empty cache and a lock of its own.
    def __getstate__(self) -> dict[str, Any]:
        return {"proxy": self.proxy}

    def __setstate__(self, state: dict[str, Any]) -> None:
        ProxyResolver.__init__(self, state["proxy"])

    def for_url(self, url: str) -> dict[str, str]:
        if self.proxy is not None:
            return {"https": self.proxy, "http": self.proxy} if self.proxy else {}
        p = urlsplit(url)
        key = (p.scheme, p.hostname or "", p.port)
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            import requests

            cached = dict(requests.utils.get_environ_proxies(url))
            with self._lock:
                self._cache[key] = cached
        return dict(cached)


def client_tls_context(extra_ca: Path | None = None) -> ssl.SSLContext:
    """The TLS context of a client that trusts the system's roots plus, optionally, one
    extra CA file (PEM or DER: an organisation's own CA, the simulator's): TLS 1.2 at least,
    certificate and host name always verified. An unusable file raises ``OSError``,
    ``ssl.SSLError`` or ``ValueError``; each client names it in its own error."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if extra_ca is not None:
        raw = Path(extra_ca).read_bytes()
        if b"-----BEGIN" in raw:
            ctx.load_verify_locations(cadata=raw.decode("ascii", "replace"))
        else:  # DER, as Datovka also accepts
            ctx.load_verify_locations(cadata=raw)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    return ctx


def new_session(user_agent: str = USER_AGENT, *, tls: ssl.SSLContext | None = None
                ) -> requests.Session:
    """A requests session that reads nothing from the environment (proxies come per request
    from ``ProxyResolver``; CA files always by path). ``tls``: that context (see
    `client_tls_context`) on every connection, through a proxy too."""
    import requests

    session = requests.Session()
    session.trust_env = False  # no ~/.netrc, no REQUESTS_CA_BUNDLE; proxies set explicitly
    session.headers["User-Agent"] = user_agent
    if tls is not None:
        from requests.adapters import HTTPAdapter

        class _Adapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                kwargs["ssl_context"] = tls
                super().init_poolmanager(*args, **kwargs)

            def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
                kwargs["ssl_context"] = tls
                return super().proxy_manager_for(proxy, **kwargs)

        session.mount("https://", _Adapter())
        session.mount("http://", _Adapter())
        session.verify = True
    return session


class HttpFetcher:
    """``fetch(url) -> bytes`` for small public files (CA certificates, CRLs).

    Follows up to 5 redirects, reads at most ``max_bytes`` (more is an error), verifies TLS
    against ``config.ca_file`` or certifi. Plain HTTP is allowed: what is fetched this way
    is accepted only after its own signature checks (AIA and CRL distribution points are
    plain-HTTP URLs by design).
    """

    def __init__(self, config: NetConfig | None = None, *, max_bytes: int = FETCH_MAX_BYTES,
                 session: requests.Session | None = None) -> None:
        self.config = config or NetConfig()
        self.max_bytes = max_bytes
        self._proxies = ProxyResolver(self.config.proxy)
        self._session = session
        self._given_session = session is not None

    def __getstate__(self) -> dict[str, Any]:
        """Pickles (a trust store's fetcher goes to a sync's checking process): config and
        limit; a session it made itself is made again on the other side when needed, one
        it was given goes along (and fails to pickle if it cannot, as it should)."""
        return {"config": self.config, "max_bytes": self.max_bytes,
                "session": self._session if self._given_session else None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        HttpFetcher.__init__(self, state["config"], max_bytes=state["max_bytes"],
                             session=state["session"])

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = new_session()
            self._session.max_redirects = 5
        return self._session

    def __call__(self, url: str) -> bytes:
        import requests

        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise FetchError(f"not an HTTP URL: {url!r}")
        try:
            resp = self.session.get(url, timeout=self.config.timeouts, stream=True,
                                    proxies=self._proxies.for_url(url),
                                    verify=verify_value(self.config.ca_file))
        except requests.RequestException as exc:
            raise FetchError(f"cannot download {url}: {type(exc).__name__}") from exc
        try:
            if resp.status_code != 200:
                raise FetchError(f"HTTP {resp.status_code} for {url}")
            data = resp.raw.read(self.max_bytes + 1, decode_content=True)
        except requests.RequestException as exc:
            raise FetchError(f"download of {url} broke: {type(exc).__name__}") from exc
        except OSError as exc:
            if isinstance(exc, FetchError):
                raise
            raise FetchError(f"download of {url} broke: {type(exc).__name__}") from exc
        finally:
            resp.close()
        if len(data) > self.max_bytes:
            raise FetchError(f"{url} sends more than {self.max_bytes} bytes")
        return bytes(data)


def fetcher(config: NetConfig | None = None, *,
            max_bytes: int = FETCH_MAX_BYTES) -> Fetcher:
    """A ``fetch(url) -> bytes`` callable under ``config`` (the trust store's downloads)."""
    return HttpFetcher(config, max_bytes=max_bytes)


def fetch(url: str, config: NetConfig | None = None, *,
          max_bytes: int = FETCH_MAX_BYTES) -> bytes:
    """Download one small file (see ``HttpFetcher``) under ``config``."""
    return HttpFetcher(config, max_bytes=max_bytes)(url)


def describe(config: NetConfig) -> Mapping[str, Any]:
    """For `dso update config` and logs: no credentials (a proxy's user:password is cut)."""
    proxy = config.proxy
    if proxy:
        p = urlsplit(proxy)
        host = p.hostname or ""
        port = f":{p.port}" if p.port else ""
        proxy = f"{p.scheme}://{host}{port}"
    return {"proxy": "system" if proxy is None else (proxy or "none"),
            "timeouts": list(config.timeouts),
            "ca_file": str(config.ca_file) if config.ca_file else None}
