"""HTTP for updates: HTTPS required off loopback, TLS always verified, bounded, resumable."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import requests
from tuf.api import exceptions as tuf_exc
from tuf.ngclient.fetcher import FetcherInterface

from dso_desktop import net

CHUNK = 64 * 1024
TIMEOUTS = net.DEFAULT_TIMEOUTS  # connect, read (seconds); NetConfig.timeouts replaces them

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


class InsecureUrlError(ValueError):
    """An update URL that is not HTTPS (plain HTTP is allowed on loopback only)."""


class DownloadCancelled(Exception):
    """The user cancelled a download; the partial file is kept for resuming."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Return ``url`` if it is allowed as an update source, else raise InsecureUrlError."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url
    raise InsecureUrlError(
        f"update portal must use HTTPS (plain HTTP only on loopback): {url!r}")


class TlsError(tuf_exc.DownloadError):
    """The portal's TLS certificate is not trusted by the update's explicit trust anchors."""


class TlsConfigError(ValueError):
    """The configured portal CA file is missing or holds no usable certificate."""


def system_ca_bundle() -> str:
    """The product's root store for the portal: certifi's bundle, named by its path.

    Always a path, never ``True``: requests replaces ``verify=True`` by whatever
    ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` name (``trust_env``), and OpenSSL's default
    paths follow ``SSL_CERT_FILE``; a path given explicitly is used as it is.
    """
    return net.system_ca_bundle()


def ca_bundle(portal_ca: Path | None) -> str:
    """``verify=`` value: the portal's configured CA file alone, or the system roots.

    A configured CA is the only anchor for the portal (a private CA pins it); the public
    roots are not added to it. An unreadable or certificate-less file is refused here with a
    clear message rather than as a puzzling handshake failure later.
    """
    if portal_ca is None:
        return system_ca_bundle()
    path = Path(portal_ca)
    try:
        ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        raise TlsConfigError(f"the update portal CA file {path} cannot be used: {exc}") from exc
    return str(path.resolve())


class Transport(FetcherInterface):
    """The one place updates touch the network (also the TUF fetcher)."""

    def __init__(self, verify: str | bool = True, session: requests.Session | None = None,
                 cancel: threading.Event | None = None, *,
                 config: net.NetConfig | None = None) -> None:
        if verify is False:
            raise ValueError("TLS verification cannot be turned off")
        # Resolved to a file now: with a path, requests ignores the CA variables of the
        # environment. The session comes from the product's one factory (dso_desktop.net):
        # the proxy is the user's or administrator's choice, else the system's for each URL.
        self.verify: str = system_ca_bundle() if verify is True else str(verify)
        self.config = config or net.NetConfig()
        self.session = session or net.new_session()
        self.proxies = net.ProxyResolver(self.config.proxy)
        self.timeouts = self.config.timeouts
        self.cancel = cancel

    def _get(self, url: str, headers: dict[str, str] | None = None) -> requests.Response:
        check_url(url)
        try:
            resp = self.session.get(url, headers=headers or {}, stream=True,
                                    timeout=self.timeouts, verify=self.verify,
                                    allow_redirects=False, proxies=self.proxies.for_url(url))
        except requests.exceptions.SSLError as exc:
            raise TlsError(f"TLS certificate of {url} not trusted: {exc}") from exc
        except requests.RequestException as exc:
            raise tuf_exc.DownloadError(f"cannot reach {url}: {exc}") from exc
        if resp.status_code >= 300:
            resp.close()
            raise tuf_exc.DownloadHTTPError(f"HTTP {resp.status_code} for {url}",
                                            resp.status_code)
        return resp

    def _fetch(self, url: str) -> Iterator[bytes]:
        resp = self._get(url)
        return self._chunks(resp)

    def _chunks(self, resp: requests.Response) -> Iterator[bytes]:
        try:
            for chunk in resp.iter_content(CHUNK):
                if self.cancel is not None and self.cancel.is_set():
                    raise DownloadCancelled("download cancelled")
                if chunk:
                    yield chunk
        except requests.RequestException as exc:
            raise tuf_exc.DownloadError(f"download interrupted: {exc}") from exc
        finally:
            resp.close()

    def download_resumable(self, url: str, part: Path, length: int,
                           progress: Progress | None = None) -> Path:
        """Download into ``part``, continuing what an earlier attempt left there.

        Never writes more than ``length`` bytes (endless data is cut off); the caller
        verifies the hashes against signed metadata afterwards.
        """
        part.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
        if have > length:
            part.unlink()
            have = 0
        if have == length:
            if progress:
                progress(have, length)
            return part
        headers = {"Range": f"bytes={have}-"} if have else {}
        resp = self._get(url, headers)
        if have and resp.status_code != 206:
            have = 0  # the server ignored the range: start again
        elif have and not resp.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
            resp.close()
            raise tuf_exc.DownloadError(f"unexpected Content-Range from {url}")
        with part.open("ab" if have else "wb") as out:
            done = have
            if progress:
                progress(done, length)
            for chunk in self._chunks(resp):
                if done + len(chunk) > length:
                    out.close()
                    part.unlink(missing_ok=True)  # not the signed file: do not resume it
                    raise tuf_exc.DownloadLengthMismatchError(
                        f"{url} sends more than the signed length of {length} bytes")
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, length)
        if done != length:
            raise tuf_exc.DownloadError(f"download of {url} ended at {done} of {length} bytes")
        return part
