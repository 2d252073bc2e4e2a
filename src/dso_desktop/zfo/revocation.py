"""Revocation of seal and TSA certificates: CRLs from their distribution points, cached on disk.

A CRL is used only when its signature verifies against the CA that issued the certificate
and it is current (``thisUpdate <= now < nextUpdate``). It is downloaded through the same
injectable fetcher as the AIA certificates (``TrustStore``), kept on disk under the trust
cache and in memory, and fetched again once its ``nextUpdate`` has passed. Without a usable
CRL (offline, download failed, no distribution point) the answer is ``not-checked``: never
"good" by default.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ObjectIdentifier

from dso_desktop.zfo.certcache import by_identity

log = logging.getLogger("dso.zfo.revocation")

MAX_CRL_BYTES = 32 * 1024 * 1024  # PostSignum's CRLs are a few MB at most
RETRY_FAILED_AFTER = 600.0  # seconds before a failed CRL URL is tried again
# id-ce-expiredCertsOnCRL (RFC 5280 5.2.x / X.509): the CRL keeps entries of expired certs.
EXPIRED_CERTS_ON_CRL = ObjectIdentifier("2.5.29.60")

GOOD = "good"
REVOKED = "revoked"  # revoked at or before the time that matters (signing / timestamp)
REVOKED_LATER = "revoked-later"  # revoked, but only after that time
NOT_CHECKED = "not-checked"


@dataclass(frozen=True)
class RevocationCheck:
    """What the CRL says about one certificate at one time."""

    status: str  # good | revoked | revoked-later | not-checked
    detail: str = ""  # English: which CRL, or why it could not be checked
    revoked_at: datetime | None = None

    @property
    def checked(self) -> bool:
        return self.status != NOT_CHECKED


def crl_urls(cert: x509.Certificate) -> list[str]:
    """HTTP(S) URLs of the certificate's CRL distribution points (full names only)."""
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    urls = []
    for dp in cdp:
        for gn in dp.full_name or ():
            if isinstance(gn, x509.UniformResourceIdentifier) and \
                    gn.value.lower().startswith(("http://", "https://")):
                urls.append(gn.value)
    return urls


@by_identity
def _crl_urls_cached(cert: x509.Certificate) -> tuple[str, ...]:
    # Once per certificate object (by identity: hashing a certificate costs ~20 µs).
    return tuple(crl_urls(cert))


def _load_crl(data: bytes) -> x509.CertificateRevocationList | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if data.lstrip().startswith(b"-----BEGIN"):
                return x509.load_pem_x509_crl(data)
            return x509.load_der_x509_crl(data)
        except ValueError:
            return None


def _can_sign_crls(issuer: x509.Certificate) -> bool:
    try:
        ku = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(ku.crl_sign)


def _signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    if crl.issuer != issuer.subject or not _can_sign_crls(issuer):
        return False
    try:
        return bool(crl.is_signature_valid(issuer.public_key()))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _next_update(crl: x509.CertificateRevocationList) -> datetime | None:
    return crl.next_update_utc


def _current(crl: x509.CertificateRevocationList, now: datetime) -> bool:
    nxt = _next_update(crl)
    return crl.last_update_utc <= now and (nxt is None or now < nxt)


Fetcher = Callable[[str], bytes]


class CrlCache:
    """CRLs by URL: memory, then the disk cache, then a download. Thread-safe; shared by a
    trust store and its per-account copies; pickles (memory part as DER) for a checking
    process."""

    def __init__(self, fetcher: Fetcher | None, cache_dir: Path | None) -> None:
        self._fetcher = fetcher
        self._dir = cache_dir
        # url -> (CRL, fingerprint of the CA whose signature on it was verified): a big CRL
        # is hashed and checked once, not once per message.
        self._mem: dict[str, tuple[x509.CertificateRevocationList, str]] = {}
        self._failed: dict[str, float] = {}
        self._results: dict[tuple[str, str, float], RevocationCheck] = {}
        self._lock = threading.RLock()

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            der = serialization.Encoding.DER
            return {"fetcher": self._fetcher, "dir": self._dir,
                    "mem": {u: c.public_bytes(der) for u, (c, _fp) in self._mem.items()}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        CrlCache.__init__(self, state["fetcher"], state["dir"])
        for url, blob in state["mem"].items():
            crl = _load_crl(blob)
            if crl is not None:
                self._mem[url] = (crl, "")  # signature checked again on first use

    @property
    def online(self) -> bool:
        return self._fetcher is not None

    def _path(self, url: str) -> Path | None:
        if self._dir is None:
            return None
        return self._dir / f"{hashlib.sha256(url.encode()).hexdigest()}.crl"

    def crl(self, url: str, issuer: x509.Certificate, now: datetime
            ) -> tuple[x509.CertificateRevocationList | None, str]:
        """A current CRL from ``url`` signed by ``issuer``, or None and why not."""
        from dso_desktop.zfo.trust import _fingerprint_cached

        issuer_fp = _fingerprint_cached(issuer)
        with self._lock:
            held = self._mem.get(url)
            if held is not None and _current(held[0], now):
                if held[1] == issuer_fp:
                    return held[0], ""
                if _signed_by(held[0], issuer):
                    self._mem[url] = (held[0], issuer_fp)
                    return held[0], ""
            path = self._path(url)
            if path is not None and path.is_file():
                try:
                    crl = _load_crl(path.read_bytes())
                except OSError:
                    crl = None
                if crl is not None and _current(crl, now) and _signed_by(crl, issuer):
                    self._mem[url] = (crl, issuer_fp)
                    return crl, ""
            if self._fetcher is None:
                return None, "offline: no current CRL in the cache"
            failed = self._failed.get(url)
            if failed is not None and time.monotonic() - failed < RETRY_FAILED_AFTER:
                return None, f"CRL download from {url} failed a moment ago"
            try:
                data = self._fetcher(url)
            except Exception as exc:  # network or fetcher failure: not checked, not "good"
                log.info("CRL download failed from %s: %s", url, type(exc).__name__)
                self._failed[url] = time.monotonic()
                return None, f"CRL download from {url} failed ({type(exc).__name__})"
            crl = _load_crl(data[:MAX_CRL_BYTES])
            if crl is None:
                self._failed[url] = time.monotonic()
                return None, f"{url} did not return a CRL"
            if not _signed_by(crl, issuer):
                self._failed[url] = time.monotonic()
                log.warning("CRL from %s is not signed by the issuing CA; ignored", url)
                return None, f"the CRL from {url} is not signed by the issuing CA"
            if not _current(crl, now):
                self._failed[url] = time.monotonic()
                return None, f"the CRL from {url} is not current"
            self._mem[url] = (crl, issuer_fp)
            self._failed.pop(url, None)
            if path is not None:
                try:
                    from dso_desktop.paths import atomic_write

                    atomic_write(path, crl.public_bytes(serialization.Encoding.DER))
                except OSError as exc:
                    log.warning("cannot cache CRL: %s", exc)
            return crl, ""

    def check(self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime,
              now: datetime) -> RevocationCheck:
        """Was ``cert`` revoked at ``at`` (the signing or timestamp time)?"""
        urls = _crl_urls_cached(cert)
        if not urls:
            return RevocationCheck(NOT_CHECKED, "the certificate names no CRL distribution point")
        problems = []
        for url in urls:
            crl, problem = self.crl(url, issuer, now)
            if crl is None:
                problems.append(problem)
                continue
            return self._lookup(cert, crl, url, at)
        return RevocationCheck(NOT_CHECKED, "; ".join(dict.fromkeys(problems)))

    def _lookup(self, cert: x509.Certificate, crl: x509.CertificateRevocationList, url: str,
                at: datetime) -> RevocationCheck:
        from dso_desktop.zfo.trust import _fingerprint_cached

        key = (_fingerprint_cached(cert), url, crl.last_update_utc.timestamp())
        with self._lock:
            found = self._results.get(key)
        if found is None:
            found = self._entry(cert, crl, url)
            with self._lock:
                self._results[key] = found
        if found.status == REVOKED and found.revoked_at is not None and found.revoked_at > at:
            return RevocationCheck(REVOKED_LATER, found.detail, found.revoked_at)
        return found

    @staticmethod
    def _entry(cert: x509.Certificate, crl: x509.CertificateRevocationList,
               url: str) -> RevocationCheck:
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            reason = None
            when = entry.revocation_date_utc
            for ext in entry.extensions:
                if isinstance(ext.value, x509.CRLReason):
                    reason = ext.value.reason
                elif isinstance(ext.value, x509.InvalidityDate):
                    # The key was compromised from this date: it counts, if earlier.
                    inv = ext.value.invalidity_date_utc
                    when = min(when, inv)
            if reason is not x509.ReasonFlags.remove_from_crl:
                label = f", reason {reason.value}" if reason is not None else ""
                return RevocationCheck(REVOKED, f"listed in the CRL from {url}{label}",
                                       when.astimezone(UTC))
        try:
            crl.extensions.get_extension_for_oid(EXPIRED_CERTS_ON_CRL)
            keeps_expired = True
        except x509.ExtensionNotFound:
            keeps_expired = False
        if cert.not_valid_after_utc < crl.last_update_utc and not keeps_expired:
            # CAs drop expired certificates from their CRLs (RFC 5280 3.3): absence proves
            # nothing any more.
            return RevocationCheck(NOT_CHECKED, "the certificate expired before the newest "
                                   "CRL was issued, so the CRL no longer lists it")
        nxt = _next_update(crl)
        until = f" (valid until {nxt:%Y-%m-%d %H:%M} UTC)" if nxt else ""
        return RevocationCheck(GOOD, f"not listed in the CRL from {url}{until}")
