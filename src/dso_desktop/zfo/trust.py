"""Trust anchors and chain building for ZFO seals and timestamps.

The public PostSignum CA certificates ship as a product resource (``resources/trust``), each
used only when its SHA-256 is pinned below; AIA downloads only add to them. Anchors carry
their source (pinned PostSignum root, added by the user, given for one account, given for
one check), so a verdict can say which one it relied on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from dso_desktop.zfo.certcache import by_identity

if TYPE_CHECKING:
    from dso_desktop.zfo.revocation import RevocationCheck

log = logging.getLogger("dso.zfo.trust")

# SHA-256 fingerprints (of the DER) of the PostSignum root CAs, Česká pošta, s.p.
# Checked against ../shared/isds-spec/SOURCES.md (table "trust/") and recomputed from the
# certificates there; those certificate files are NOT shipped, only these facts.
POSTSIGNUM_ROOTS: dict[str, str] = {
    "ee25e0b70e6460168474cf2967bdf8ae1d44038f49874f0e11f484a2a73a2a7c":
        "PostSignum Root QCA (2005-2030)",
    "ad016f958050e0e7e46fae7dcc50197ed8e3ff0a4b262e5ddcdb3edddc7d6578":
        "PostSignum Root QCA 2 (2010-2025)",
    "ac7f7862e685c7a7d9826a58ea32d183d4893fcc8f8fd6d900c9769a987e77f0":
        "PostSignum Root QCA 4 (2018-2038)",
}

# SHA-256 fingerprints (of the DER) of the PostSignum intermediate CAs shipped beside the
# roots (values from ../shared/isds-spec/SOURCES.md, recomputed from the certificates).
POSTSIGNUM_INTERMEDIATES: dict[str, str] = {
    "6e7923e286cfc4a79037cfc9125e1c6671887b1aa5e3673af98f38a467df96c3":
        "PostSignum Qualified CA (2005-2020)",
    "3ae4f4de5f3e2070a11845bdfe6dca6e412bb7e4ed84fd4f1b7b496cadff2cac":
        "PostSignum Qualified CA 2 (2010-2020)",
    "d35e250cb02e27bb3fc52d1f1a0dfd88fa9813be1b777320aae912b54e3b1f02":
        "PostSignum Qualified CA 3 (2014-2024)",
    "4779ba66c768fe7e5a5bb74a225fa8b69cd6942af481355630e5ad78b34dff2b":
        "PostSignum Qualified CA 4 (2018-2033)",
    "78c0bad095e13547b7e5646d38453393818b2972d09b2144311b65d7ebb8b9ca":
        "PostSignum Public CA 5 (2018-2033)",
}
SHIPPED_BUNDLE = ("trust", "postsignum.pem")  # under resources/

# Where an anchor came from (AnchorInfo.source).
PINNED = "postsignum"  # a PostSignum root by its pinned fingerprint
USER = "user"  # added by the user in the settings: trusted for every account
ACCOUNT = "account"  # the CA of one non-production account (test environment, simulator)
GIVEN = "given"  # given for this check only (dso zfo verify --trust, tests)

# Where Linux/BSD distributions keep the system CA bundle (the OS store). certifi is not one.
OS_BUNDLES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),  # Debian, Ubuntu, Arch
    Path("/etc/pki/tls/certs/ca-bundle.crt"),  # Fedora, RHEL
    Path("/etc/ssl/ca-bundle.pem"),  # openSUSE
    Path("/etc/ssl/cert.pem"),  # Alpine, macOS, BSD
)
MAX_CHAIN = 6
MAX_FETCH_BYTES = 256 * 1024
Fetcher = Callable[[str], bytes]


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def shipped_certificates(path: Path | None = None) -> list[x509.Certificate]:
    """The PostSignum CA certificates shipped with the product, each one checked against its
    pinned fingerprint: a block that does not match is left out (and logged), so an edited
    resource file can never add an anchor."""
    if path is None:
        from dso_desktop.resources import resource_path

        path = resource_path(*SHIPPED_BUNDLE)
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.warning("shipped PostSignum certificates unreadable (%s): %s", path, exc)
        return []
    pinned = POSTSIGNUM_ROOTS.keys() | POSTSIGNUM_INTERMEDIATES.keys()
    out = []
    for der in pem_blocks_der(data):
        fp = hashlib.sha256(der).hexdigest()
        if fp not in pinned:
            log.warning("shipped certificate %s is not pinned; ignored", fp)
            continue
        out += load_certificates(der)
    return out


@dataclass(frozen=True)
class AnchorInfo:
    """The anchor a chain ended in, for the verdict (``source`` is one of PINNED, USER,
    ACCOUNT, GIVEN)."""

    source: str
    name: str
    sha256: str

    @property
    def added(self) -> bool:
        """Not a pinned PostSignum root: someone added it, and the verdict must say so."""
        return self.source != PINNED

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "name": self.name, "sha256": self.sha256}


@by_identity
def _fingerprint_cached(cert: x509.Certificate) -> str:
    # Once per certificate object (by identity: hashing a certificate costs ~20 µs).
    return fingerprint(cert)


_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)


def pem_blocks_der(data: bytes) -> list[bytes]:
    """The DER of each PEM certificate block (no parsing: cheap to fingerprint first)."""
    out = []
    for m in _PEM_CERT.finditer(data):
        try:
            out.append(base64.b64decode(b"".join(m.group(1).split()), validate=True))
        except (binascii.Error, ValueError):
            continue
    return out


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or many), DER, or a PKCS#7 certs-only bundle (.p7c)."""
    with warnings.catch_warnings():
        # Old CA certificates (e.g. negative serials) make cryptography warn; still usable.
        warnings.simplefilter("ignore")
        return _load_certificates(data)


def _load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        try:
            return list(x509.load_pem_x509_certificates(data))
        except ValueError:
            pass
        try:
            return list(pkcs7.load_pem_pkcs7_certificates(data))
        except ValueError:
            return []
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        return list(pkcs7.load_der_pkcs7_certificates(data))
    except ValueError:
        return []


def _files(path: Path) -> Iterable[Path]:
    if path.is_dir():
        for p in sorted(path.iterdir()):
            if p.is_file() and p.suffix.lower() in (".pem", ".crt", ".cer", ".der", ".p7c",
                                                     ".p7b"):
                yield p
    elif path.is_file():
        yield path


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` signed ``cert`` (name and signature).

    Done by hand rather than ``verify_directly_issued_by`` because that refuses SHA-1,
    and the 2009-2010 PostSignum chains of archived ZFOs are SHA-1 signed.
    """
    if cert.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    h = cert.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey) and h is not None:
            pss = cert.signature_algorithm_parameters
            pad = pss if isinstance(pss, padding.PSS) else padding.PKCS1v15()
            key.verify(cert.signature, cert.tbs_certificate_bytes, pad, h)
        elif isinstance(key, ec.EllipticCurvePublicKey) and h is not None:
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(h))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _is_self_signed(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer and issued_by(cert, cert)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return bool(bc.ca)


def default_fetcher(url: str, max_bytes: int = MAX_FETCH_BYTES) -> bytes:
    """Download a CA certificate named in an AIA extension, or a CRL (plain HTTP is normal
    there: a certificate is accepted only if it chains to a root whose fingerprint we ship,
    a CRL only if its issuing CA signed it).

    Through the product's one HTTP factory with the system's proxy; ``App`` passes
    ``net.fetcher(config)`` instead, so the user's proxy and timeouts apply.
    """
    from dso_desktop import net

    return net.fetch(url, max_bytes=max_bytes)


def _crl_fetcher(fetcher: Fetcher | None) -> Fetcher | None:
    """The certificate fetcher with a CRL's larger size limit (same proxy and timeouts)."""
    if fetcher is default_fetcher:
        return default_crl_fetcher
    from dso_desktop import net
    from dso_desktop.zfo.revocation import MAX_CRL_BYTES

    if isinstance(fetcher, net.HttpFetcher):
        return net.HttpFetcher(fetcher.config, max_bytes=MAX_CRL_BYTES)
    return fetcher


def default_crl_fetcher(url: str) -> bytes:
    """`default_fetcher` with room for a CRL (module level, so a trust store pickles)."""
    from dso_desktop.zfo.revocation import MAX_CRL_BYTES

    return default_fetcher(url, MAX_CRL_BYTES)


def aia_ca_issuers(cert: x509.Certificate) -> list[str]:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [
        d.access_location.value for d in aia
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
        and d.access_location.value.lower().startswith(("http://", "https://"))
    ]


def crl_derived_issuer_urls(cert: x509.Certificate) -> list[str]:
    """Issuer URLs guessed from CRL distribution points, for old certificates without AIA.

    The 2009 PostSignum certificates carry no AIA; PostSignum publishes each CA as
    ``…/crt/NAME.crt`` beside ``…/crl/NAME.crl`` (the pattern the newer AIA entries show).
    A guessed download is harmless: it is accepted only by chain and fingerprint checks.
    """
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    urls = []
    for dp in cdp:
        for gn in dp.full_name or ():
            if not isinstance(gn, x509.UniformResourceIdentifier):
                continue
            m = re.fullmatch(r"(https?://[^/?#]+/)crl/([A-Za-z0-9_.-]+)\.crl", gn.value)
            if m:
                urls.append(f"{m.group(1)}crt/{m.group(2)}.crt")
    return urls


@dataclass(frozen=True)
class Chain:
    """A chain from a leaf up to an anchor (``anchored``) or as far as it could be built."""

    certs: tuple[x509.Certificate, ...]  # leaf first
    anchored: bool
    problem: str | None = None  # why it is not anchored

    @cached_property
    def _validity(self) -> tuple[tuple[datetime, datetime], ...]:
        # Each not_valid_*_utc access builds a new datetime; a cached chain is asked
        # half a dozen times per verdict (the instance is frozen, so this never changes).
        return tuple((c.not_valid_before_utc, c.not_valid_after_utc) for c in self.certs)

    @cached_property
    def _window(self) -> tuple[datetime, datetime] | None:
        # (latest start, earliest end): every certificate is valid at ``when`` exactly when
        # start <= when <= end, so the common answer (None) needs two comparisons instead of
        # a walk over the chain (asked four or five times per verdict, per ZFO).
        if not self._validity:
            return None
        return (max(start for start, _ in self._validity),
                min(end for _, end in self._validity))

    def invalid_at(self, when: datetime) -> str | None:
        """None if every certificate was valid at ``when``; else which one was not."""
        window = self._window
        if window is None or window[0] <= when <= window[1]:
            return None
        for c, (start, end) in zip(self.certs, self._validity, strict=True):
            if when < start:
                return f"certificate '{_cn(c)}' not yet valid (from {start:%Y-%m-%d})"
            if when > end:
                return f"certificate '{_cn(c)}' expired on {end:%Y-%m-%d}"
        return None

    @cached_property
    def expires(self) -> datetime:
        return min(end for _, end in self._validity)


@by_identity  # asked once or twice per verdict, of the same few certificates
def _cn(cert: x509.Certificate) -> str:
    """The subject CN (the ISDS seal's CN exceeds the 64-character bound; no warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            attrs = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        except ValueError:
            attrs = []
        return str(attrs[0].value) if attrs else cert.subject.rfc4514_string()


class TrustStore:
    """Anchors and intermediates, with chain building cached per leaf fingerprint.

    Anchors come either explicitly (``from_paths``: the user or training mode says "trust
    these") or from any source when their SHA-256 matches ``POSTSIGNUM_ROOTS`` (``default``).
    Intermediates are accepted from any source: the chain check decides about them.
    """

    def __init__(self, *, anchor_fingerprints: Iterable[str] = (),
                 fetcher: Fetcher | None = None, cache_dir: Path | None = None) -> None:
        self._allowed = {f.lower() for f in anchor_fingerprints}
        self._explicit: set[str] = set()
        self._anchors: dict[str, x509.Certificate] = {}
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        self._known: set[str] = set()
        self._fetcher = fetcher
        self._cache_dir = cache_dir
        self._chains: dict[tuple[str, str], Chain] = {}
        # anchor_info per chain (by identity; the entry keeps its chain alive): asked twice
        # per verdict of the same few chains. Cleared by every add().
        self._anchor_infos: dict[int, tuple[Chain, AnchorInfo | None]] = {}
        self._lock = threading.RLock()
        self._fetched_urls: set[str] = set()
        self._sources: dict[str, str] = {}  # anchor fingerprint -> source
        from dso_desktop.zfo.revocation import CrlCache

        # CRLs come through the same fetcher (the default one with a larger size limit).
        crl_fetcher = _crl_fetcher(fetcher)
        self._crls = CrlCache(crl_fetcher,
                              (cache_dir / "crl") if cache_dir is not None else None)

    # -- pickling (a sync's checking process gets a copy) ---------------------------------

    def __getstate__(self) -> dict[str, object]:
        """Certificates as DER; the lock and the chain cache are rebuilt on the other side.
        A fetcher that cannot be pickled (a test double) makes pickling fail, as it should."""
        with self._lock:
            der = serialization.Encoding.DER
            return {
                "allowed": sorted(self._allowed),
                "explicit": sorted(self._explicit),
                "anchors": [c.public_bytes(der) for c in self._anchors.values()],
                "known": [c.public_bytes(der) for cs in self._by_subject.values() for c in cs],
                "fetcher": self._fetcher,
                "cache_dir": self._cache_dir,
                "fetched_urls": sorted(self._fetched_urls),
                "sources": dict(self._sources),
                "crls": self._crls,
            }

    def __setstate__(self, state: dict[str, Any]) -> None:
        TrustStore.__init__(self, anchor_fingerprints=state["allowed"],
                            fetcher=state["fetcher"], cache_dir=state["cache_dir"])
        self._explicit = set(state["explicit"])
        for blob in state["anchors"]:
            cert = x509.load_der_x509_certificate(blob)
            self._anchors[fingerprint(cert)] = cert
        for blob in state["known"]:
            cert = x509.load_der_x509_certificate(blob)
            self._known.add(fingerprint(cert))
            self._by_subject.setdefault(cert.subject.public_bytes(), []).append(cert)
        self._fetched_urls = set(state["fetched_urls"])
        self._sources = dict(state["sources"])
        self._crls = state["crls"]

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_paths(cls, paths: Sequence[Path | str], *, source: str = GIVEN) -> TrustStore:
        """Trust exactly what these PEM/DER files or folders hold (self-signed = anchor)."""
        store = cls()
        store.add_anchor_files(paths, source=source)
        return store

    def add_anchor_files(self, paths: Sequence[Path | str], *, source: str) -> None:
        """Add the certificates of these files/folders; the self-signed ones become anchors
        of ``source``. A missing path raises FileNotFoundError."""
        for p in paths:
            path = Path(p)
            if not path.exists():
                raise FileNotFoundError(f"trust file or folder not found: {path}")
            for f in _files(path):
                for cert in load_certificates(f.read_bytes()):
                    self.add(cert, explicit_anchor=True, source=source)

    def scoped(self, paths: Sequence[Path | str], *, source: str = ACCOUNT) -> TrustStore:
        """A copy of this store plus the anchors in ``paths`` (one account's CA): the copy
        trusts them, this store does not. Downloaded CRLs are shared."""
        with self._lock:
            other = TrustStore(anchor_fingerprints=self._allowed, fetcher=self._fetcher,
                               cache_dir=self._cache_dir)
            other._explicit = set(self._explicit)
            other._anchors = dict(self._anchors)
            other._by_subject = {k: list(v) for k, v in self._by_subject.items()}
            other._known = set(self._known)
            other._fetched_urls = set(self._fetched_urls)
            other._sources = dict(self._sources)
            other._crls = self._crls
        other.add_anchor_files(paths, source=source)
        return other

    @classmethod
    def default(cls, cache_dir: Path | None, extra: Sequence[Path | str] = (),
                allow_download: bool = True, *, fetcher: Fetcher | None = None,
                os_bundles: Sequence[Path] = OS_BUNDLES,
                shipped: Path | bool | None = None) -> TrustStore:
        """PostSignum roots by fingerprint: shipped with the product (``shipped``: None = the
        resource file, a path, or False for none), found in the OS store, ``extra`` files,
        the cache or (with ``allow_download``) the AIA URLs of the certificates checked."""
        store = cls(anchor_fingerprints=POSTSIGNUM_ROOTS,
                    fetcher=(fetcher or default_fetcher) if allow_download else None,
                    cache_dir=(cache_dir / "trust") if cache_dir is not None else None)
        # The shipped PostSignum CAs first: genuine ISDS seals verify with no internet.
        if shipped is not False:
            store.add_many(shipped_certificates(shipped if isinstance(shipped, Path) else None))
        for bundle in os_bundles:
            if bundle.is_file():
                # Only the shipped roots matter here: fingerprint first, parse only those.
                for der in pem_blocks_der(bundle.read_bytes()):
                    if hashlib.sha256(der).hexdigest() in store._allowed:
                        store.add_many(load_certificates(der))
                break
        for p in extra:
            for f in _files(Path(p)):
                store.add_many(load_certificates(f.read_bytes()))
        if store._cache_dir is not None and store._cache_dir.is_dir():
            for f in sorted(store._cache_dir.glob("*.der")):
                store.add_many(load_certificates(f.read_bytes()))
        return store

    def add_many(self, certs: Iterable[x509.Certificate]) -> None:
        for c in certs:
            self.add(c)

    def add(self, cert: x509.Certificate, *, explicit_anchor: bool = False,
            source: str = GIVEN) -> bool:
        """Add a certificate; return True when it is useful (anchor or CA intermediate).
        ``source`` names where an explicit anchor comes from (USER, ACCOUNT, GIVEN)."""
        fp = fingerprint(cert)
        with self._lock:
            # Any change below may change an anchor's source or complete a chain: the
            # anchor infos derived from the chains are asked anew.
            self._anchor_infos.clear()
            if fp in self._known:
                if explicit_anchor and fp in self._anchors and fp not in self._sources:
                    self._sources[fp] = source
                    self._explicit.add(fp)
                return True
            if cert.subject == cert.issuer and not (explicit_anchor or fp in self._allowed):
                return False  # a root we were not told to trust (e.g. the OS store)
            self_signed = _is_self_signed(cert)
            if self_signed:
                if not (explicit_anchor or fp in self._allowed):
                    return False  # a root we were not told to trust (e.g. the OS store)
                self._anchors[fp] = cert
                if fp in self._allowed:
                    self._sources[fp] = PINNED
                elif explicit_anchor:
                    self._explicit.add(fp)
                    self._sources[fp] = source
            elif not _is_ca(cert) and not explicit_anchor:
                return False
            self._known.add(fp)
            key = cert.subject.public_bytes()
            self._by_subject.setdefault(key, []).append(cert)
            self._chains.clear()  # a new certificate may complete a chain
            return True

    @property
    def anchors(self) -> list[x509.Certificate]:
        return list(self._anchors.values())

    def anchor_info(self, chain: Chain) -> AnchorInfo | None:
        """Which anchor an anchored chain ends in, and where that anchor came from."""
        hit = self._anchor_infos.get(id(chain))
        if hit is not None and hit[0] is chain:
            return hit[1]
        with self._lock:  # computed and stored under the lock add() clears under
            info = self._anchor_info(chain)
            if len(self._anchor_infos) >= 256:
                self._anchor_infos.clear()
            self._anchor_infos[id(chain)] = (chain, info)
        return info

    def _anchor_info(self, chain: Chain) -> AnchorInfo | None:
        if not chain.anchored or not chain.certs:
            return None
        top = chain.certs[-1]
        fp = _fingerprint_cached(top)  # every verdict asks: the same few anchors
        source = self._sources.get(fp, PINNED if fp in self._allowed else GIVEN)
        return AnchorInfo(source, _cn(top), fp)

    # -- revocation ----------------------------------------------------------------------

    def revocation(self, chain: Chain, *, at: datetime, now: datetime) -> RevocationCheck:
        """Whether the chain's leaf (a seal or TSA certificate) was revoked at ``at``,
        according to a current CRL of its issuer (downloaded if allowed, else cached)."""
        from dso_desktop.zfo.revocation import NOT_CHECKED, RevocationCheck

        if not chain.anchored or len(chain.certs) < 2:
            return RevocationCheck(NOT_CHECKED, "no issuing CA to check against")
        return self._crls.check(chain.certs[0], chain.certs[1], at, now)

    # -- chain building ------------------------------------------------------------------

    def chain_for(self, leaf: x509.Certificate, *, purpose: str = "seal") -> Chain:
        """Build (and cache) the chain of ``leaf``; downloads issuers if allowed."""
        key = (_fingerprint_cached(leaf), purpose)
        with self._lock:
            cached = self._chains.get(key)
            if cached is not None:
                return cached
            chain = self._build(leaf, purpose)
            self._chains[key] = chain
            return chain

    def _issuers(self, cert: x509.Certificate) -> list[x509.Certificate]:
        found = []
        for cand in self._by_subject.get(cert.issuer.public_bytes(), []):
            if issued_by(cert, cand):
                found.append(cand)
        return found

    def _download_issuer(self, cert: x509.Certificate) -> bool:
        if self._fetcher is None:
            return False
        added = False
        for url in aia_ca_issuers(cert) or crl_derived_issuer_urls(cert):
            if url in self._fetched_urls:
                continue
            self._fetched_urls.add(url)
            try:
                data = self._fetcher(url)
            except Exception as exc:  # network or fetcher failure: try the next URL
                log.info("issuer download failed from %s: %s", url, type(exc).__name__)
                continue
            for c in load_certificates(data[:MAX_FETCH_BYTES]):
                if self.add(c):
                    added = True
                    self._save(c)
            if added and self._issuers(cert):
                return True
        return added

    def _save(self, cert: x509.Certificate) -> None:
        if self._cache_dir is None:
            return
        try:
            from dso_desktop.paths import atomic_write

            atomic_write(self._cache_dir / f"{fingerprint(cert)}.der",
                         cert.public_bytes(serialization.Encoding.DER))
        except OSError as exc:
            log.warning("cannot cache certificate: %s", exc)

    def _build(self, leaf: x509.Certificate, purpose: str) -> Chain:
        path = [leaf]
        current = leaf
        while len(path) <= MAX_CHAIN:
            fp = fingerprint(current)
            if fp in self._anchors:
                problem = _check_path(path, purpose)
                return Chain(tuple(path), problem is None, problem)
            issuers = self._issuers(current)
            if not issuers and self._download_issuer(current):
                issuers = self._issuers(current)
            issuers = [i for i in issuers if i not in path]
            if not issuers:
                return Chain(tuple(path), False,
                             f"issuer of '{_cn(current)}' not found among trusted certificates")
            # Prefer an anchor, then the issuer valid longest (covers re-issued CAs).
            issuers.sort(key=lambda c: (fingerprint(c) not in self._anchors,
                                        -c.not_valid_after_utc.timestamp()))
            current = issuers[0]
            path.append(current)
        return Chain(tuple(path), False, "certificate chain too long")


def _check_path(path: list[x509.Certificate], purpose: str) -> str | None:
    """Structural checks: CA flags, path length, key usages, EKU of a TSA."""
    for depth, ca in enumerate(path[1:]):
        try:
            bc = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            return f"'{_cn(ca)}' is not a CA (no basicConstraints)"
        if not bc.ca:
            return f"'{_cn(ca)}' is not a CA"
        if bc.path_length is not None and depth > bc.path_length:
            return f"path length constraint of '{_cn(ca)}' exceeded"
        try:
            ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
            if not ku.key_cert_sign:
                return f"'{_cn(ca)}' may not sign certificates"
        except x509.ExtensionNotFound:
            pass
    leaf = path[0]
    try:
        ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (ku.digital_signature or ku.content_commitment):
            return f"'{_cn(leaf)}' may not sign (key usage)"
    except x509.ExtensionNotFound:
        pass
    if purpose == "tsa":
        try:
            eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        except x509.ExtensionNotFound:
            return f"'{_cn(leaf)}' is not a time-stamping certificate (no EKU)"
        if ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
            return f"'{_cn(leaf)}' is not a time-stamping certificate"
    return None
