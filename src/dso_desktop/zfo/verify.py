"""Verify a ZFO: CMS signature, seal chain, RFC 3161 timestamp, dmHash -> one plain Verdict."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from dso_desktop.zfo.errors import ZfoError
from dso_desktop.zfo.model import Zfo, ZfoKind
from dso_desktop.zfo.parse import (
    OID_TST_TOKEN,
    find_signer_cert,
    load_signed_data,
    parse_timestamp_token,
    parse_zfo,
    signed_attr,
)
from dso_desktop.zfo.trust import Chain, TrustStore

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,  # the 2009 samples; accepted for old archives
    "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}
_XML_HASH_NAMES = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384",
                   "SHA-512": "sha512", "SHA1": "sha1", "SHA256": "sha256"}


class VerdictKind(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # valid, but the timestamp stops being verifiable soon
    VALID_AT_SIGNING = "valid-at-signing"  # sealed while valid; not (fully) provable today
    UNTRUSTED = "untrusted"  # signature fine, chain does not reach a trust anchor
    INVALID = "invalid"  # a check failed; reasons say which


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    reasons: tuple[str, ...]  # English
    reasons_cs: tuple[str, ...]  # Czech, same order
    checked_at: datetime
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    timestamp_expires: datetime | None = None
    dm_hash: str = "not-checked"  # ok | mismatch | not-recomputable | absent | not-checked
    zfo_kind: ZfoKind | None = None
    message_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        """Not invalid and not untrusted (what `dso zfo verify` exits 0 on)."""
        return self.kind not in (VerdictKind.INVALID, VerdictKind.UNTRUSTED)

    def to_json(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None
        return {
            "kind": self.zfo_kind.value if self.zfo_kind else None,
            "dm_id": self.message_id,
            "verdict": self.kind.value,
            "reasons": list(self.reasons),
            "reasons_cs": list(self.reasons_cs),
            "signing_time": iso(self.signing_time),
            "timestamp_time": iso(self.timestamp_time),
            "timestamp_expires": iso(self.timestamp_expires),
            "checked_at": iso(self.checked_at),
            "dm_hash": self.dm_hash,
        }


class _Reasons:
    def __init__(self) -> None:
        self.en: list[str] = []
        self.cs: list[str] = []

    def add(self, en: str, cs: str) -> None:
        self.en.append(en)
        self.cs.append(cs)


def _d(dt: datetime) -> str:
    return f"{dt.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@lru_cache(maxsize=256)
def _load_cert(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def _verify_sig(cert: x509.Certificate, signature: bytes, data: bytes, digest: str,
                sig_alg: Any) -> None:
    """Raise InvalidSignature (or ValueError for unsupported algorithms)."""
    if digest not in _HASHES:
        raise ValueError(f"unsupported digest algorithm {digest}")
    h = _HASHES[digest]()
    key = cert.public_key()
    alg_name = sig_alg["algorithm"].native
    if isinstance(key, rsa.RSAPublicKey):
        if alg_name == "rsassa_pss":
            params = sig_alg["parameters"]
            ph = _HASHES[params["hash_algorithm"]["algorithm"].native]()
            key.verify(signature, data,
                       padding.PSS(mgf=padding.MGF1(ph),
                                   salt_length=int(params["salt_length"].native)), ph)
        else:
            key.verify(signature, data, padding.PKCS1v15(), h)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(h))
    else:
        raise ValueError("unsupported public key type")


def _signer_info_check(signed: cms.SignedData, si: cms.SignerInfo, content: bytes
                       ) -> tuple[x509.Certificate | None, str | None]:
    """Check one SignerInfo over ``content``; return (signer cert, problem or None)."""
    asn_cert = find_signer_cert(signed, si)
    if asn_cert is None:
        return None, "the signer's certificate is not in the file"
    cert = _load_cert(asn_cert.dump())
    digest = si["digest_algorithm"]["algorithm"].native
    if digest not in _HASHES:
        return cert, f"unsupported digest algorithm {digest}"
    attrs = si["signed_attrs"]
    signature = si["signature"].native
    if attrs:
        md = signed_attr(si, "message_digest")
        if md is None:
            return cert, "signed attributes lack messageDigest"
        if not hmac.compare_digest(md.native, hashlib.new(digest, content).digest()):
            return cert, "content digest does not match (content was altered)"
        ct = signed_attr(si, "content_type")
        econtent_type = signed["encap_content_info"]["content_type"].native
        if ct is None or ct.native != econtent_type:
            return cert, "signed contentType does not match the content"
        for name, default_hash in (("signing_certificate_v2", "sha256"),
                                   ("signing_certificate", "sha1")):
            sc = signed_attr(si, name)
            if sc is None:
                continue
            ids = sc["certs"]
            if len(ids):
                first = ids[0]
                alg = default_hash
                if name == "signing_certificate_v2":
                    alg = first["hash_algorithm"]["algorithm"].native
                if alg not in _HASHES or not hmac.compare_digest(
                        first["cert_hash"].native, hashlib.new(alg, asn_cert.dump()).digest()):
                    return cert, "signing-certificate attribute names another certificate"
        # The signature covers the attributes' original DER with the universal SET tag.
        to_verify = b"\x31" + attrs.dump()[1:]
    else:
        to_verify = content
    try:
        _verify_sig(cert, signature, to_verify, digest, si["signature_algorithm"])
    except InvalidSignature:
        return cert, "signature value does not verify"
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm) as exc:
        return cert, f"signature cannot be checked: {exc}"
    return cert, None


@dataclass
class _Ts:
    time: datetime
    chain: Chain | None
    problem: str | None


def _check_timestamp(token: cms.ContentInfo, signature: bytes, trust: TrustStore) -> _Ts:
    info = parse_timestamp_token(token)
    sd = token["content"]
    si = sd["signer_infos"][0]
    tst_der = sd["encap_content_info"]["content"].contents
    alg = info.hash_algorithm
    if alg not in _HASHES:
        return _Ts(info.gen_time, None, f"timestamp uses unsupported hash {alg}")
    if not hmac.compare_digest(info.imprint, hashlib.new(alg, signature).digest()):
        return _Ts(info.gen_time, None,
                   "timestamp was issued for another signature (imprint mismatch)")
    cert, problem = _signer_info_check(sd, si, tst_der)
    if problem is not None or cert is None:
        return _Ts(info.gen_time, None, f"timestamp signature: {problem}")
    chain = trust.chain_for(cert, purpose="tsa")
    if not chain.anchored:
        return _Ts(info.gen_time, chain, f"timestamp authority not trusted: {chain.problem}")
    bad = chain.invalid_at(info.gen_time)
    if bad:
        return _Ts(info.gen_time, chain, f"timestamp authority at its issue time: {bad}")
    return _Ts(info.gen_time, chain, None)


def _dm_hash_state(z: Zfo) -> str:
    if z.dm_hash is None:
        return "absent"
    if z.dm_dm_bytes is None:
        return "not-recomputable"
    alg = _XML_HASH_NAMES.get((z.dm_hash_algorithm or "").strip().upper())
    if alg is None:
        return "not-recomputable"
    ok = hmac.compare_digest(hashlib.new(alg, z.dm_dm_bytes).digest(), z.dm_hash)
    return "ok" if ok else "mismatch"


def _q_timestamp_state(z: Zfo) -> str:
    """dmQTimestamp (ISDS's own RFC 3161 token) must be over the dmHash value."""
    if z.q_timestamp is None or z.dm_hash is None:
        return "absent"
    try:
        from dso_desktop.zfo import der

        der.scan(z.q_timestamp)
        info = parse_timestamp_token(cms.ContentInfo.load(z.q_timestamp, strict=False))
    except (ZfoError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        return "unreadable"
    return "ok" if hmac.compare_digest(info.imprint, z.dm_hash) else "mismatch"


def verify_zfo(data: bytes | Zfo, trust: TrustStore, *, now: datetime | None = None,
               expiry_warning_days: int = 60) -> Verdict:
    """Check everything a ZFO can prove and say plainly what it proves today."""
    now = now or datetime.now(UTC)
    r = _Reasons()
    try:
        z = data if isinstance(data, Zfo) else parse_zfo(data)
        signed = load_signed_data(z.raw)
    except ZfoError as exc:
        r.add(f"not a readable ZFO: {exc}", exc.message_cs)
        return Verdict(VerdictKind.INVALID, tuple(r.en), tuple(r.cs), now)
    try:
        return _verify(z, signed, trust, now, expiry_warning_days, r)
    except (ZfoError, ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
        r.add(f"broken signature structure: {exc}", "Podpisová struktura je poškozená.")
        return Verdict(VerdictKind.INVALID, tuple(r.en), tuple(r.cs), now,
                       zfo_kind=z.kind, message_id=z.message_id)


def _verify(z: Zfo, signed: cms.SignedData, trust: TrustStore, now: datetime,
            warn_days: int, r: _Reasons) -> Verdict:
    base = {"checked_at": now, "signing_time": z.signing_time, "zfo_kind": z.kind,
            "message_id": z.message_id}

    def verdict(kind: VerdictKind, **kw: Any) -> Verdict:
        return Verdict(kind, tuple(r.en), tuple(r.cs), **base, **kw)  # type: ignore[arg-type]

    si = signed["signer_infos"][0]
    cert, problem = _signer_info_check(signed, si, z.content_xml)
    if problem is not None or cert is None:
        r.add(f"seal signature invalid: {problem}",
              "Elektronická pečeť neodpovídá obsahu – zpráva byla změněna nebo poškozena.")
        return verdict(VerdictKind.INVALID)
    signature = si["signature"].native
    dm_state = _dm_hash_state(z)
    if dm_state == "mismatch":
        r.add("dmHash does not match the message content (dmDm)",
              "Otisk zprávy (dmHash) neodpovídá jejímu obsahu.")
        return verdict(VerdictKind.INVALID, dm_hash=dm_state)
    q_state = _q_timestamp_state(z)
    if q_state == "mismatch":
        r.add("the ISDS timestamp (dmQTimestamp) is not over dmHash",
              "Časové razítko ISDS (dmQTimestamp) nepatří k otisku zprávy.")
        return verdict(VerdictKind.INVALID, dm_hash=dm_state)
    signing_time = z.signing_time
    if signing_time is None:
        r.add("the seal has no signing time", "Pečeť neuvádí čas podepsání.")
        return verdict(VerdictKind.INVALID, dm_hash=dm_state)

    # Timestamp (CAdES signature timestamp in the unsigned attributes).
    ts: _Ts | None = None
    for attr in si["unsigned_attrs"] or ():
        if attr["type"].dotted == OID_TST_TOKEN:
            ts = _check_timestamp(attr["values"][0], signature, trust)
    ts_extra: dict[str, Any] = {"dm_hash": dm_state}
    if ts is not None:
        ts_extra["timestamp_time"] = ts.time
        if ts.chain is not None and ts.chain.certs:
            ts_extra["timestamp_expires"] = ts.chain.expires
        if ts.problem is not None:
            untrusted_only = ts.problem.startswith("timestamp authority not trusted")
            r.add(f"timestamp check failed: {ts.problem}",
                  "Časové razítko nelze ověřit: jeho vydavatel není důvěryhodný."
                  if untrusted_only else "Časové razítko je neplatné.")
            return verdict(VerdictKind.UNTRUSTED if untrusted_only else VerdictKind.INVALID,
                           **ts_extra)

    # Seal chain.
    chain = trust.chain_for(cert, purpose="seal")
    if not chain.anchored:
        r.add(f"signature is intact but the seal does not chain to a trust anchor: "
              f"{chain.problem}",
              "Podpis je neporušený, ale certifikát pečeti nevede k důvěryhodné autoritě.")
        return verdict(VerdictKind.UNTRUSTED, **ts_extra)
    bad_then = chain.invalid_at(signing_time)
    if bad_then:
        r.add(f"the seal certificate chain was not valid at signing time: {bad_then}",
              "Certifikát pečeti nebyl v době podepsání platný.")
        return verdict(VerdictKind.INVALID, **ts_extra)
    if ts is not None and abs((ts.time - signing_time).total_seconds()) > 24 * 3600:
        r.add("the timestamp is more than a day away from the signing time",
              "Časové razítko je o více než den vzdálené od času podepsání.")
        return verdict(VerdictKind.INVALID, **ts_extra)
    if ts is not None and chain.invalid_at(ts.time):
        r.add(f"the seal certificate chain was not valid at the timestamp time: "
              f"{chain.invalid_at(ts.time)}",
              "Certifikát pečeti nebyl platný v čase časového razítka.")
        return verdict(VerdictKind.INVALID, **ts_extra)
    seal_name = _cn_of(cert)
    r.add(f"seal by '{seal_name}' is intact and its certificate was valid when sealed "
          f"({_d(signing_time)})",
          f"Pečeť ({seal_name}) je neporušená a její certifikát byl v době zapečetění "
          f"({_d(signing_time)}) platný.")
    _dm_reason(dm_state, r)
    seal_bad_now = chain.invalid_at(now)

    if ts is None:
        r.add("no timestamp: the seal was valid at signing time, but that time cannot be "
              "proven today", "Zpráva nemá časové razítko: pečeť byla platná v době "
              "podepsání, dnes to však nelze prokázat.")
        if seal_bad_now:
            r.add(f"today: {seal_bad_now}", f"Dnes: {_cs_expiry(seal_bad_now)}")
        return verdict(VerdictKind.VALID_AT_SIGNING, **ts_extra)

    assert ts.chain is not None
    ts_bad_now = ts.chain.invalid_at(now)
    ts_expires = ts.chain.expires
    if seal_bad_now or ts_bad_now:
        r.add(f"the timestamp of {_d(ts.time)} proves the seal was made while its "
              f"certificates were valid; they have expired since, so the seal cannot be "
              f"re-checked today", f"Časové razítko z {_d(ts.time)} prokazuje, že pečeť "
              f"vznikla v době platnosti certifikátů; ty mezitím vypršely, dnes ji proto "
              f"nelze znovu ověřit.")
        if ts_bad_now:
            r.add(f"the timestamp stopped being verifiable on {_d(ts_expires)}",
                  f"Časové razítko přestalo být ověřitelné {_d(ts_expires)}.")
        return verdict(VerdictKind.VALID_AT_SIGNING, **ts_extra)
    r.add(f"timestamp of {_d(ts.time)} is valid until {_d(ts_expires)}",
          f"Časové razítko z {_d(ts.time)} je platné do {_d(ts_expires)}.")
    if ts_expires - now <= timedelta(days=warn_days):
        days = max(0, (ts_expires - now).days)
        r.add(f"the timestamp expires in {days} days: re-seal or archive the message",
              f"Časové razítko vyprší za {days} dní: nechte zprávu znovu opatřit razítkem.")
        return verdict(VerdictKind.EXPIRING, **ts_extra)
    return verdict(VerdictKind.VALID, **ts_extra)


def _dm_reason(state: str, r: _Reasons) -> None:
    if state == "ok":
        r.add("dmHash matches the message content", "Otisk zprávy (dmHash) odpovídá obsahu.")
    elif state == "not-recomputable":
        r.add("dmHash not recomputable: a delivery info does not contain the attachments it "
              "covers", "Otisk zprávy nelze z doručenky přepočítat (nejsou v ní přílohy).")


def _cs_expiry(text: str) -> str:
    return "certifikát vypršel" if "expired" in text else "certifikát není platný"


def _cn_of(cert: x509.Certificate) -> str:
    from dso_desktop.zfo.trust import _cn

    return _cn(cert)


def check_with_server(zfo_bytes: bytes, authenticate: Callable[[bytes], bool]) -> bool:
    """Second opinion from ISDS (AuthenticateMessage / AuthenticateBigMessage).

    ``authenticate`` is the protocol client's ``authenticate_message`` (passed in by the
    services layer, so this layer does not import the client). Errors propagate to the
    caller, which knows how to show network problems.
    """
    return bool(authenticate(zfo_bytes))
