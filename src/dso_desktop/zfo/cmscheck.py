"""Signature-level checks of a CMS SignerInfo and of an RFC 3161 token (on fastcms parts)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from dso_desktop.zfo import fastcms as f
from dso_desktop.zfo.errors import MalformedCmsError
from dso_desktop.zfo.trust import Chain, TrustStore

HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,  # the 2009 samples; accepted for old archives
    "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


_HASHLIB: dict[str, Callable[..., Any]] = {
    "sha1": hashlib.sha1, "sha224": hashlib.sha224, "sha256": hashlib.sha256,
    "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def digest_of(alg: str, data: bytes | memoryview | f.Pieces) -> bytes:
    """``hashlib.new(alg, data).digest()`` without the look-up of the algorithm by name
    (OpenSSL fetches it anew on every call: a few microseconds, five times a verdict).
    `Pieces` (a BER content where it lies in the file) are hashed piece by piece: the
    same digest as of their join."""
    make = _HASHLIB.get(alg)
    if isinstance(data, f.Pieces):
        h = make() if make is not None else hashlib.new(alg)
        for window in data.windows():
            h.update(window)
        return h.digest()
    return make(data).digest() if make is not None else hashlib.new(alg, data).digest()


@lru_cache(maxsize=512)
def load_cert(der: bytes) -> x509.Certificate:
    """Certificates repeat across thousands of ZFOs (one seal, few TSAs): parse once."""
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:  # InvalidVersion is no ValueError
        raise MalformedCmsError(f"unreadable certificate: {exc}") from None


@lru_cache(maxsize=512)
def _issuer_serial(der: bytes) -> tuple[bytes, int]:
    cert = load_cert(der)
    return cert.issuer.public_bytes(), cert.serial_number


@lru_cache(maxsize=512)
def _cert_hash(der: bytes, alg: str) -> bytes:
    return digest_of(alg, der)


# The certificates met last, as (DER, issuer, serial): a ZFO's certificates are new bytes
# objects, and the lru caches above hash the whole DER before their look-up (~1 µs per
# certificate, four times a verdict). Equal bytes are found here by comparison instead, and
# the entry's own DER object (whose hash is cached) is what the caches are asked with.
_RECENT: list[tuple[bytes, bytes, int]] = []
_RECENT_MAX = 16


def _known(der: bytes) -> tuple[bytes, bytes, int]:
    """(the DER object to use, issuer, serial) of a certificate, by its exact bytes."""
    for entry in _RECENT:
        if entry[0] == der:  # exact DER: one changed byte is another certificate
            return entry
    issuer, serial = _issuer_serial(der)
    entry = (der, issuer, serial)
    _RECENT.insert(0, entry)
    del _RECENT[_RECENT_MAX:]
    return entry


def signer_cert(p: f.SignerParts) -> tuple[x509.Certificate, bytes] | None:
    """The signer's certificate and its DER."""
    for der in p.certs:
        if p.sid_serial is not None:
            der, issuer, serial = _known(der)
            if serial == p.sid_serial and issuer == p.sid_issuer:
                return load_cert(der), der
        elif p.sid_ski is not None:
            cert = load_cert(der)
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == p.sid_ski:
                return cert, der
    return None


def _one(p: f.SignerParts, key: bytes) -> f.Tlv | None:
    values = p.attrs.get(key)
    if values is None:
        return None
    if len(values) != 1:
        raise MalformedCmsError("a signed attribute must have exactly one value")
    return values[0]


def signing_time(p: f.SignerParts) -> datetime | None:
    t = _one(p, f.OID_SIGNING_TIME)
    return f.parse_time(p.buf, t) if t is not None else None


def _ess_cert_hash(p: f.SignerParts, t: f.Tlv, v2: bool) -> tuple[str, bytes] | None:
    """(hash name, hash) of the first ESSCertID(v2) in a signingCertificate(V2) value."""
    if f._cder is not None and f._fast and not t.indefinite:
        got = f._cder.ess_cert_id(p.buf, t.start, t.end, v2)
        if got is not None:
            if got[0] == 0:
                return None
            default = "sha256" if v2 else "sha1"
            alg = default if got[1] is None else f.HASH_OIDS.get(got[1], "unknown")
            return alg, got[2]
    return _ess_cert_hash_reference(p, t, v2)


def _ess_cert_hash_reference(p: f.SignerParts, t: f.Tlv, v2: bool
                             ) -> tuple[str, bytes] | None:
    """The pure-Python reading (the reference of the C fast path)."""
    seqs = f.children(p.buf, f.expect(t, f.SEQUENCE, "signingCertificate"), 4)
    if not seqs:
        return None
    ids = f.children(p.buf, f.expect(seqs[0], f.SEQUENCE, "certs"), 100)
    if not ids:
        return None
    parts = f.children(p.buf, f.expect(ids[0], f.SEQUENCE, "ESSCertID"), 3)
    alg = "sha1"
    if v2:
        alg = "sha256"
        if parts and parts[0].tag == f.SEQUENCE:
            alg_parts = f.children(p.buf, parts[0], 2)
            alg = f.HASH_OIDS.get(f.oid(p.buf, alg_parts[0]), "unknown")
            parts = parts[1:]
    if not parts:
        raise MalformedCmsError("ESSCertID without a hash")
    return alg, f.octets(p.buf, parts[0])


_RSA, _EC, _OTHER = 0, 1, 2
_HASH_OBJECTS = {name: make() for name, make in HASHES.items()}  # stateless, reusable
_PKCS1 = padding.PKCS1v15()


@lru_cache(maxsize=512)
def _public_key(der: bytes) -> tuple[Any, int]:
    """The certificate's public key and its kind, once per certificate (keyed by its exact
    DER): ``public_key()`` decodes the key and the ABC checks cost more than the small hashes
    of a verification."""
    key = load_cert(der).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key, _RSA
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key, _EC
    return key, _OTHER


def _verify_signature(cert_der: bytes, p: f.SignerParts, data: bytes) -> None:
    h = _HASH_OBJECTS[p.digest]
    key, kind = _public_key(cert_der)
    if kind == _RSA and p.sig_alg != f.OID_RSASSA_PSS:
        key.verify(p.signature, data, _PKCS1, h)
    elif kind == _RSA:
        from asn1crypto import algos

        if p.sig_alg_params is None:
            raise ValueError("RSASSA-PSS without parameters")
        params = algos.RSASSAPSSParams.load(p.sig_alg_params)
        ph = HASHES[params["hash_algorithm"]["algorithm"].native]()
        key.verify(p.signature, data, padding.PSS(
            mgf=padding.MGF1(ph), salt_length=int(params["salt_length"].native)), ph)
    elif kind == _EC:
        key.verify(p.signature, data, ec.ECDSA(h))
    else:
        raise ValueError("unsupported public key type")


def check_signer(p: f.SignerParts) -> tuple[x509.Certificate | None, str | None]:
    """Check the one SignerInfo over its content; return (signer cert, problem or None)."""
    found = signer_cert(p)
    if found is None:
        return None, "the signer's certificate is not in the file"
    cert, cert_der = found
    if p.content is None:
        return cert, "the CMS has no content"
    if p.signed_attrs_set is not None:
        md = _one(p, f.OID_MESSAGE_DIGEST)
        if md is None:
            return cert, "signed attributes lack messageDigest"
        if not hmac.compare_digest(f.octets(p.buf, md),
                                   digest_of(p.digest, p.content)):
            return cert, "content digest does not match (content was altered)"
        ct = _one(p, f.OID_CONTENT_TYPE)
        if ct is None or f.oid(p.buf, ct) != p.econtent_type:
            return cert, "signed contentType does not match the content"
        for key, v2 in ((f.OID_SIGNING_CERT_V2, True), (f.OID_SIGNING_CERT, False)):
            t = _one(p, key)
            if t is None:
                continue
            ess = _ess_cert_hash(p, t, v2)
            if ess is not None:
                alg, value = ess
                if alg not in HASHES or not hmac.compare_digest(
                        value, _cert_hash(cert_der, alg)):
                    return cert, "signing-certificate attribute names another certificate"
        to_verify = p.signed_attrs_set
    else:  # signed as it is (no attributes: never by ISDS), the content joined
        to_verify = p.content.tobytes() if isinstance(p.content, f.Pieces) else p.content
    try:
        _verify_signature(cert_der, p, to_verify)
    except InvalidSignature:
        return cert, "signature value does not verify"
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm) as exc:
        return cert, f"signature cannot be checked: {exc}"
    return cert, None


@dataclass
class TimestampCheck:
    time: datetime
    chain: Chain | None
    problem: str | None
    untrusted: bool = False  # the only problem is an unknown TSA


def check_timestamp(outer: f.SignerParts, token: f.Tlv, trust: TrustStore) -> TimestampCheck:
    """RFC 3161 signature timestamp: imprint over the signature value, TSA signature and
    chain (valid at the token's genTime)."""
    tp = f.token_parts(outer.buf, token)
    if tp.econtent_type != f.OID_TST_INFO or tp.content is None:
        raise MalformedCmsError("timestamp token does not carry a TSTInfo")
    info = f.tst_info(tp.content)
    if not hmac.compare_digest(info.imprint,
                               digest_of(info.hash_algorithm, outer.signature)):
        return TimestampCheck(info.gen_time, None,
                              "timestamp was issued for another signature (imprint mismatch)")
    cert, problem = check_signer(tp)
    if problem is not None or cert is None:
        return TimestampCheck(info.gen_time, None, f"timestamp signature: {problem}")
    chain = trust.chain_for(cert, purpose="tsa")
    if not chain.anchored:
        return TimestampCheck(info.gen_time, chain,
                              f"timestamp authority not trusted: {chain.problem}", True)
    bad = chain.invalid_at(info.gen_time)
    if bad:
        return TimestampCheck(info.gen_time, chain,
                              f"timestamp authority at its issue time: {bad}")
    return TimestampCheck(info.gen_time, chain, None)


def q_timestamp_imprint(q_timestamp: bytes) -> bytes:
    """The messageImprint of a dmQTimestamp token (ISDS pads it with zero bytes)."""
    return f.tst_info(f.encapsulated(q_timestamp, f.OID_TST_INFO)).imprint
