"""Verify a ZFO: CMS signature, seal chain, RFC 3161 timestamp, dmHash -> one plain Verdict."""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from cryptography import x509

from dso_desktop.domain import EvidenceCause, HashCheck, ZfoKind
from dso_desktop.domain import VerdictKind as VerdictKind  # re-exported: zfo.VerdictKind
from dso_desktop.zfo import fastcms as f
from dso_desktop.zfo.cmscheck import (
    TimestampCheck,
    check_signer,
    check_timestamp,
    digest_of,
    q_timestamp_imprint,
    signer_cert,
)
from dso_desktop.zfo.cmscheck import signing_time as signing_time_of
from dso_desktop.zfo.errors import MalformedCmsError, TooLargeError, ZfoError
from dso_desktop.zfo.horizon import chain_accepted_until, horizon, key_rejected_at
from dso_desktop.zfo.model import Zfo
from dso_desktop.zfo.parse import MAX_ZFO_SIZE
from dso_desktop.zfo.revocation import GOOD, NOT_CHECKED, REVOKED, REVOKED_LATER
from dso_desktop.zfo.trust import ACCOUNT, USER, AnchorInfo, Chain, TrustStore, _cn
from dso_desktop.zfo.xmlcontent import verify_facts

_XML_HASH_NAMES = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384",
                   "SHA-512": "sha512", "SHA1": "sha1", "SHA256": "sha256"}


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    reasons: tuple[str, ...]  # English
    reasons_cs: tuple[str, ...]  # Czech, same order
    checked_at: datetime
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    timestamp_expires: datetime | None = None
    dm_hash: HashCheck = HashCheck.NOT_CHECKED
    zfo_kind: ZfoKind | None = None
    message_id: str | None = None
    # The anchors the seal and the timestamp chains end in (None: not anchored / none).
    anchor: AnchorInfo | None = None
    timestamp_anchor: AnchorInfo | None = None
    # good (CRLs say not revoked) | revoked (before the seal/timestamp time) |
    # revoked-later | not-checked (offline, no CRL, download failed) | not-reached.
    revocation: str = "not-reached"
    # The day this evidence stops being verifiable and why (`zfo.horizon`); None when
    # the seal does not chain to an anchor (nothing to watch: it is not evidence).
    evidence_expires: datetime | None = None
    evidence_cause: EvidenceCause | None = None

    @property
    def added_anchor(self) -> AnchorInfo | None:
        """The anchor someone added (not a pinned PostSignum root) that this verdict used."""
        for a in (self.anchor, self.timestamp_anchor):
            if a is not None and a.added:
                return a
        return None

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
            "anchor": self.anchor.to_json() if self.anchor else None,
            "timestamp_anchor": (self.timestamp_anchor.to_json()
                                 if self.timestamp_anchor else None),
            "added_anchor": (self.added_anchor.to_json()
                             if self.added_anchor else None),
            "revocation": self.revocation,
            "revocation_checked": self.revocation in (GOOD, REVOKED, REVOKED_LATER),
            "evidence_expires": iso(self.evidence_expires),
            "evidence_cause": self.evidence_cause.value if self.evidence_cause else None,
        }


# Verdict's fields and defaults, for `_new_verdict`.
_VERDICT_DEFAULTS: dict[str, Any] = {
    fld.name: fld.default for fld in dataclasses.fields(Verdict)
    if fld.default is not dataclasses.MISSING}
_VERDICT_FIELDS = frozenset(fld.name for fld in dataclasses.fields(Verdict))


def _new_verdict(kind: VerdictKind, r: _Reasons, base: dict[str, Any],
                 kw: dict[str, Any]) -> Verdict:
    """``Verdict(kind, r.en, r.cs, **base, **kw)`` without the frozen dataclass's
    ``__init__``, which sets each of its 15 fields through ``object.__setattr__`` (~2 µs
    per verdict). The instance is the same: every field set once, in ``__dict__``; an
    unknown name is refused as ``__init__`` would refuse it."""
    values = dict(_VERDICT_DEFAULTS)
    values.update(base)
    values.update(kw)
    if not values.keys() <= _VERDICT_FIELDS:
        raise TypeError(f"unknown Verdict fields: {sorted(values.keys() - _VERDICT_FIELDS)}")
    values["kind"] = kind
    values["reasons"] = tuple(r.en)
    values["reasons_cs"] = tuple(r.cs)
    out = object.__new__(Verdict)
    out.__dict__.update(values)
    return out


class _Reasons:
    def __init__(self) -> None:
        self.en: list[str] = []
        self.cs: list[str] = []

    def add(self, en: str, cs: str) -> None:
        self.en.append(en)
        self.cs.append(cs)


def _d(dt: datetime) -> str:
    # The same text as f"{dt.astimezone(UTC):%Y-%m-%d %H:%M} UTC", without strftime (a
    # verdict formats half a dozen times; strftime was ~5 % of a verification). One
    # %-format is a third faster than an f-string of five format specs. A verdict formats
    # each of its times twice (English, Czech) and a chain's expiry repeats from ZFO to ZFO:
    # the text is kept per instant (equal datetimes are the same instant, hence one text).
    text = _D_TEXT.get(dt)
    if text is None:
        u = dt if dt.tzinfo is UTC else dt.astimezone(UTC)
        text = "%04d-%02d-%02d %02d:%02d UTC" % (u.year, u.month, u.day, u.hour, u.minute)  # noqa: UP031
        if len(_D_TEXT) >= 1024:
            _D_TEXT.clear()
        _D_TEXT[dt] = text
    return text


_D_TEXT: dict[datetime, str] = {}
# Above this size the seal's content is read where it lies in the file (fastcms.Pieces),
# as parse_zfo reads it above parse._LEAN_MIN; below it, a copy costs less than pieces.
_LEAN_MIN = 1 << 20


class _Facts(NamedTuple):
    """What verification needs from the XML (from a parsed Zfo or a lean safe parse).
    A NamedTuple: built once per verdict, cheaper than a frozen dataclass, as immutable."""

    kind: ZfoKind
    message_id: str
    dm_hash: bytes | None
    dm_hash_algorithm: str | None
    dm_dm_bytes: bytes | memoryview | f.Pieces | None  # hashed only: a view is enough
    q_timestamp: bytes | None


def _facts(data: bytes | Zfo, content: bytes | f.Pieces) -> _Facts:
    if isinstance(data, Zfo):
        # A parsed Zfo's facts are believed only when its content is the content the
        # seal covers: a Zfo that shows other content than its file signs (never made by
        # parse_zfo: the two readers would have to disagree) is not evidence of anything.
        if not _signed_content(data.content_xml, content):
            raise MalformedCmsError(
                "the parsed message is not the content its seal covers",
                "Obsah zprávy se liší od obsahu, který chrání její pečeť.")
        return _Facts(data.kind, data.message_id, data.dm_hash, data.dm_hash_algorithm,
                      data.dm_dm_bytes, data.q_timestamp)
    # The same safe parse as an import: malformed or hostile XML is invalid here too.
    return _Facts(**verify_facts(content))


def _signed_content(parsed: bytes | memoryview | f.Pieces, signed: bytes | f.Pieces) -> bool:
    """Whether a Zfo's content is the content the signature check hashes: for a big BER
    one (as ISDS seals) the very same pieces of the same file, else the same bytes (pieces
    compared a window at a time; a small content is a ~50 KB compare)."""
    if isinstance(parsed, f.Pieces) and isinstance(signed, f.Pieces):
        return signed.same_place(parsed)
    return parsed == signed  # Pieces.__eq__ answers for either side


def _dm_hash_state(x: _Facts) -> HashCheck:
    if x.dm_hash is None:
        return HashCheck.ABSENT
    if x.dm_dm_bytes is None:
        # A delivery info lacks the attachments dmHash covers. A message whose dmDm bytes
        # cannot be found in its content (an encoding markup cannot be located in) is not
        # checkable, and that is not let pass as if there were nothing to check.
        return (HashCheck.NOT_RECOMPUTABLE if x.kind is ZfoKind.DELIVERY_INFO
                else HashCheck.UNLOCATABLE)
    alg = _XML_HASH_NAMES.get((x.dm_hash_algorithm or "").strip().upper())
    if alg is None:
        return HashCheck.NOT_RECOMPUTABLE
    ok = hmac.compare_digest(digest_of(alg, x.dm_dm_bytes), x.dm_hash)
    return HashCheck.OK if ok else HashCheck.MISMATCH


def _q_parts(x: _Facts) -> f.SignerParts | None:
    """dmQTimestamp read as a SignedData (None: absent or unreadable), once per verdict:
    its imprint and its signer's chain both come from it."""
    if x.q_timestamp is None:
        return None
    try:
        return f.signed_data(x.q_timestamp)
    except (ZfoError, ValueError, TypeError, KeyError, IndexError):
        return None


def _q_timestamp_state(x: _Facts, parts: f.SignerParts | None = None) -> HashCheck:
    """dmQTimestamp (ISDS's own RFC 3161 token) must be over the dmHash value.

    ``parts``: `_q_parts` of it. A SignedData that reads whole and carries a TSTInfo has
    the same encapsulated content `q_timestamp_imprint` reads (the same walk, more checks);
    otherwise that more lenient reading decides."""
    if x.q_timestamp is None or x.dm_hash is None:
        return HashCheck.ABSENT
    try:
        if parts is not None and parts.econtent_type == f.OID_TST_INFO and \
                parts.content is not None:
            imprint = f.tst_info(parts.content).imprint
        else:
            imprint = q_timestamp_imprint(x.q_timestamp)
    except (ZfoError, ValueError, IndexError):
        return HashCheck.UNREADABLE
    return HashCheck.OK if hmac.compare_digest(imprint, x.dm_hash) else HashCheck.MISMATCH


def verify_zfo(data: bytes | Zfo, trust: TrustStore, *, now: datetime | None = None,
               expiry_warning_days: int = 60) -> Verdict:
    """Check everything a ZFO can prove and say plainly what it proves today.

    Works on the bytes (a lean CMS reader, certificates parsed once per TrustStore run);
    unless a parsed ``Zfo`` is given, the XML is parsed (safely, as an import parses it)
    only for dmID/dmHash/dmQTimestamp and the exact dmDm bytes.
    """
    now = now or datetime.now(UTC)
    r = _Reasons()
    raw = data.raw if isinstance(data, Zfo) else bytes(data)
    facts: _Facts | None = None
    try:
        if len(raw) > MAX_ZFO_SIZE:
            raise TooLargeError(f"file has {len(raw)} bytes, more than {MAX_ZFO_SIZE}")
        # A big content is hashed where it lies (a BER content is 1000-byte chunks of the
        # file), not copied out of it: a copy of a 300 MB message doubles the peak.
        parts = f.signed_data(raw, lean=True) if len(raw) > _LEAN_MIN else f.signed_data(raw)
        if parts.econtent_type != f.OID_DATA or parts.content is None:
            raise MalformedCmsError("encapsulated content is not pkcs7-data")
        facts = _facts(data, parts.content)
        return _verify(parts, facts, trust, now, expiry_warning_days, r)
    except ZfoError as exc:
        r.add(f"not a readable ZFO: {exc}", exc.message_cs)
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
        r.add(f"broken signature structure: {exc}", "Podpisová struktura je poškozená.")
    return Verdict(VerdictKind.INVALID, tuple(r.en), tuple(r.cs), now,
                   zfo_kind=facts.kind if facts else None,
                   message_id=facts.message_id if facts else None)


def _q_timestamp_chain(x: _Facts, trust: TrustStore,
                       covered_at: datetime | None = None,
                       parts: f.SignerParts | None = None) -> Chain | None:
    """The chain of the TSA that signed dmQTimestamp (None: absent, unreadable, not
    anchored, or covered). It only feeds the evidence horizon; the token's imprint is
    checked above.

    ``covered_at``: the time of an anchored seal timestamp. When that is before the chain
    expires, `horizon` ignores the qualified timestamp whatever its signature says (the
    seal timestamp proves it), so None is returned without the RSA check: the horizon is
    the same either way, and that check was a third of a verification's cryptography.
    """
    if x.q_timestamp is None:
        return None
    try:
        if parts is None:
            parts = f.signed_data(x.q_timestamp)
        if parts.econtent_type != f.OID_TST_INFO:
            return None
        found = signer_cert(parts)
    except (ZfoError, ValueError, TypeError, KeyError, IndexError):
        return None
    if found is None:
        return None
    chain = trust.chain_for(found[0], purpose="tsa")
    if not chain.anchored or not chain.certs:
        return None
    if covered_at is not None and covered_at < chain.expires:
        return None
    try:
        cert, problem = check_signer(parts)
    except (ZfoError, ValueError, TypeError, KeyError, IndexError):
        return None
    if cert is None or problem is not None:
        return None
    return chain


def _verify(parts: f.SignerParts, x: _Facts, trust: TrustStore, now: datetime,
            warn_days: int, r: _Reasons) -> Verdict:
    signing_time = signing_time_of(parts)
    base: dict[str, Any] = {"checked_at": now, "signing_time": signing_time, "zfo_kind": x.kind,
            "message_id": x.message_id}

    def verdict(kind: VerdictKind, **kw: Any) -> Verdict:
        return _new_verdict(kind, r, base, kw)

    cert, problem = check_signer(parts)
    if problem is not None or cert is None:
        r.add(f"seal signature invalid: {problem}",
              "Elektronická pečeť neodpovídá obsahu – zpráva byla změněna nebo poškozena.")
        return verdict(VerdictKind.INVALID)
    dm_state = _dm_hash_state(x)
    if dm_state is HashCheck.MISMATCH:
        r.add("dmHash does not match the message content (dmDm)",
              "Otisk zprávy (dmHash) neodpovídá jejímu obsahu.")
        return verdict(VerdictKind.INVALID, dm_hash=dm_state)
    if dm_state is HashCheck.UNLOCATABLE:
        r.add("dmHash cannot be checked: the dmDm element's bytes cannot be located in the "
              "content (unsupported encoding)",
              "Otisk zprávy (dmHash) nelze ověřit: obsah je v nepodporovaném kódování.")
        return verdict(VerdictKind.INVALID, dm_hash=dm_state)
    q_parts = _q_parts(x)
    if _q_timestamp_state(x, q_parts) is HashCheck.MISMATCH:
        r.add("the ISDS timestamp (dmQTimestamp) is not over dmHash",
              "Časové razítko ISDS (dmQTimestamp) nepatří k otisku zprávy.")
        return verdict(VerdictKind.INVALID, dm_hash=dm_state)
    if signing_time is None:
        r.add("the seal has no signing time", "Pečeť neuvádí čas podepsání.")
        return verdict(VerdictKind.INVALID, dm_hash=dm_state)

    # Timestamp (CAdES signature timestamp in the unsigned attributes).
    ts: TimestampCheck | None = None
    tokens = parts.unsigned.get(f.OID_TIMESTAMP_TOKEN)
    if tokens:
        if len(tokens) != 1:
            raise MalformedCmsError("more than one signature timestamp")
        ts = check_timestamp(parts, tokens[0], trust)
    ts_extra: dict[str, Any] = {"dm_hash": dm_state}
    if ts is not None:
        ts_extra["timestamp_time"] = ts.time
        if ts.chain is not None and ts.chain.certs:
            ts_extra["timestamp_expires"] = ts.chain.expires
        if ts.problem is not None:
            r.add(f"timestamp check failed: {ts.problem}",
                  "Časové razítko nelze ověřit: jeho vydavatel není důvěryhodný."
                  if ts.untrusted else "Časové razítko je neplatné.")
            return verdict(VerdictKind.UNTRUSTED if ts.untrusted else VerdictKind.INVALID,
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
    ts_extra["anchor"] = trust.anchor_info(chain)
    if ts is not None and ts.chain is not None:
        ts_extra["timestamp_anchor"] = trust.anchor_info(ts.chain)
    hz = horizon(chain, ts.chain if ts is not None else None,
                 ts.time if ts is not None else None,
                 _q_timestamp_chain(x, trust, ts.time if ts is not None and ts.chain is not None
                                    and ts.chain.certs else None, q_parts)
                 if q_parts is not None else None)
    if hz is not None:
        ts_extra["evidence_expires"], ts_extra["evidence_cause"] = hz.expires, hz.cause
    rev = _revocation(trust, chain, ts.chain if ts is not None else None,
                      ts.time if ts is not None else signing_time,
                      ts.time if ts is not None else None, now)
    ts_extra["revocation"] = rev.state
    if rev.revoked_en:
        r.add(rev.revoked_en, rev.revoked_cs)
        return verdict(VerdictKind.INVALID, **ts_extra)
    seal_name = _cn_of(cert)
    r.add(f"seal by '{seal_name}' is intact and its certificate was valid when sealed "
          f"({_d(signing_time)})",
          f"Pečeť ({seal_name}) je neporušená a její certifikát byl v době zapečetění "
          f"({_d(signing_time)}) platný.")
    _dm_reason(dm_state, r, x)
    _anchor_reasons(ts_extra.get("anchor"), ts_extra.get("timestamp_anchor"), r)
    for en, cs in rev.notes:
        r.add(en, cs)
    seal_bad_now = chain.invalid_at(now) or key_rejected_at(chain, now)

    if ts is None:
        r.add("no timestamp: the seal was valid at signing time, but that time cannot be "
              "proven today", "Zpráva nemá časové razítko: pečeť byla platná v době "
              "podepsání, dnes to však nelze prokázat.")
        if seal_bad_now:
            r.add(f"today: {seal_bad_now}", f"Dnes: {_cs_expiry(seal_bad_now)}")
        return verdict(VerdictKind.VALID_AT_SIGNING, **ts_extra)

    assert ts.chain is not None
    ts_expired_now = ts.chain.invalid_at(now)
    ts_bad_now = ts_expired_now or key_rejected_at(ts.chain, now)
    ts_expires = ts.chain.expires
    if seal_bad_now or ts_bad_now:
        if chain.invalid_at(now) or ts_expired_now:
            r.add(f"the timestamp of {_d(ts.time)} proves the seal was made while its "
                  f"certificates were valid; they have expired since, so the seal cannot "
                  f"be re-checked today", f"Časové razítko z {_d(ts.time)} prokazuje, že "
                  f"pečeť vznikla v době platnosti certifikátů; ty mezitím vypršely, dnes "
                  f"ji proto nelze znovu ověřit.")
        else:  # nothing expired: the key lengths stopped being accepted (zfo.horizon)
            r.add(f"the timestamp of {_d(ts.time)} proves the seal was made while its "
                  f"certificates were valid; their key lengths are no longer accepted, so "
                  f"the seal cannot be re-checked today", f"Časové razítko z {_d(ts.time)} "
                  f"prokazuje, že pečeť vznikla v době platnosti certifikátů; délky jejich "
                  f"klíčů již nejsou přijímány, dnes ji proto nelze znovu ověřit.")
        if ts_bad_now:
            # The day it ended: the certificate's end, or the end of its key length's
            # acceptance when that came first (a future expiry date would be no answer).
            ended = ts_expires if ts_expired_now else (
                chain_accepted_until(ts.chain) or ts_expires)
            r.add(f"the timestamp stopped being verifiable on {_d(ended)}",
                  f"Časové razítko přestalo být ověřitelné {_d(ended)}.")
        for bad in (seal_bad_now, ts_bad_now):
            if bad and "no longer accepted" in bad:
                r.add(f"today: {bad}", "Dnes: délka klíče již není přijímána.")
        return verdict(VerdictKind.VALID_AT_SIGNING, **ts_extra)
    r.add(f"timestamp of {_d(ts.time)} is valid until {_d(ts_expires)}",
          f"Časové razítko z {_d(ts.time)} je platné do {_d(ts_expires)}.")
    # The first thing that ends verifiability (seal or timestamp certificate, the
    # qualified timestamp, a key length) decides "expiring", not the timestamp alone.
    ends = ts_extra.get("evidence_expires") or ts_expires
    if ends - now <= timedelta(days=warn_days):
        days = max(0, (ends - now).days)
        cause = ts_extra.get("evidence_cause")
        if cause is None or cause is EvidenceCause.TIMESTAMP_CERTIFICATE:
            r.add(f"the timestamp expires in {days} days: re-seal or archive the message",
                  f"Časové razítko vyprší za {days} dní: nechte zprávu znovu opatřit "
                  "razítkem.")
        else:
            from dso_desktop.domain import text

            r.add(f"the evidence stops being verifiable in {days} days "
                  f"({text(cause, 'en')}): re-seal or archive the message",
                  f"Zprávu za {days} dní nepůjde ověřit ({text(cause, 'cs')}): nechte ji "
                  "znovu opatřit razítkem.")
        return verdict(VerdictKind.EXPIRING, **ts_extra)
    return verdict(VerdictKind.VALID, **ts_extra)


_ANCHOR_TEXT = {
    USER: ("a CA you added as trusted in the settings, not a PostSignum root",
           "autorita, kterou jste v nastavení přidali mezi důvěryhodné (není to kořenová "
           "autorita PostSignum)"),
    ACCOUNT: ("the CA given for this account (a test environment or the simulator), not a "
              "PostSignum root",
              "autorita zadaná pro tento účet (testovací prostředí nebo simulátor), není to "
              "kořenová autorita PostSignum"),
}
_GIVEN_TEXT = ("a CA given for this check, not a PostSignum root",
               "autorita zadaná pro toto ověření (není to kořenová autorita PostSignum)")


def _anchor_reasons(seal: AnchorInfo | None, tsa: AnchorInfo | None, r: _Reasons) -> None:
    """Name every anchor the verdict relied on that is not a pinned PostSignum root."""
    # A pure function of the two (frozen) anchor infos, the same few pairs for every ZFO.
    key = (seal, tsa)
    lines = _ANCHOR_LINES.get(key)
    if lines is None:
        lines = _anchor_lines(seal, tsa)
        if len(_ANCHOR_LINES) >= 64:
            _ANCHOR_LINES.clear()
        _ANCHOR_LINES[key] = lines
    for en, cs in lines:
        r.add(en, cs)


_ANCHOR_LINES: dict[tuple[AnchorInfo | None, AnchorInfo | None],
                    tuple[tuple[str, str], ...]] = {}


def _anchor_lines(seal: AnchorInfo | None, tsa: AnchorInfo | None
                  ) -> tuple[tuple[str, str], ...]:
    r = _Reasons()
    seen = set()
    for what_en, what_cs, a in (("seal", "Pečeť", seal), ("timestamp", "Časové razítko", tsa)):
        if a is None or not a.added or a.sha256 in seen:
            continue
        seen.add(a.sha256)
        en, cs = _ANCHOR_TEXT.get(a.source, _GIVEN_TEXT)
        r.add(f"the {what_en} chains to '{a.name}' (SHA-256 {a.sha256[:16]}…): {en}",
              f"{what_cs} vede k autoritě „{a.name}“ (SHA-256 {a.sha256[:16]}…): {cs}.")
    return tuple(zip(r.en, r.cs, strict=True))


@dataclass
class _Revocation:
    state: str = NOT_CHECKED
    revoked_en: str = ""
    revoked_cs: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)


def _revocation(trust: TrustStore, seal: Chain, tsa: Chain | None, seal_at: datetime,
                tsa_at: datetime | None, now: datetime) -> _Revocation:
    """CRL check of the seal certificate (at the timestamp time if there is a timestamp,
    else at the signing time) and of the TSA certificate (at the timestamp time).

    Revoked at or before that time: the seal (or timestamp) proves nothing, INVALID.
    Revoked only later: what was sealed before stays proven; the verdict says so.
    Not checked (offline, no CRL): the verdict says so instead of claiming "not revoked".
    """
    out = _Revocation()
    checks = [("seal", "pečeti", trust.revocation(seal, at=seal_at, now=now))]
    if tsa is not None and tsa_at is not None:
        checks.append(("timestamp authority", "časového razítka",
                       trust.revocation(tsa, at=tsa_at, now=now)))
    states = []
    for what_en, what_cs, c in checks:
        states.append(c.status)
        when = f"{_d(c.revoked_at)}" if c.revoked_at else "?"
        if c.status == REVOKED:
            out.revoked_en = (f"the {what_en} certificate was revoked on {when}, before the "
                              f"message was sealed ({c.detail})")
            out.revoked_cs = (f"Certifikát {what_cs} byl zneplatněn (revokován) {when}, "
                              "ještě před zapečetěním zprávy.")
            out.state = REVOKED
            return out
        if c.status == REVOKED_LATER:
            out.notes.append((f"the {what_en} certificate was revoked on {when}, after the "
                              f"message was sealed ({c.detail})",
                              f"Certifikát {what_cs} byl zneplatněn (revokován) {when}, až "
                              "po zapečetění zprávy."))
        elif c.status == NOT_CHECKED:
            out.notes.append((f"revocation of the {what_en} certificate was not checked: "
                              f"{c.detail}",
                              f"Zneplatnění (revokace) certifikátu {what_cs} nebylo ověřeno "
                              "(seznam zneplatněných certifikátů není k dispozici)."))
    if NOT_CHECKED in states:
        out.state = NOT_CHECKED
    elif REVOKED_LATER in states:
        out.state = REVOKED_LATER
    else:
        out.state = GOOD
        out.notes.append(("no certificate was revoked (checked against current CRLs)",
                          "Žádný z certifikátů nebyl zneplatněn (ověřeno podle aktuálních "
                          "seznamů zneplatněných certifikátů)."))
    return out


def _dm_reason(state: HashCheck, r: _Reasons, x: _Facts) -> None:
    if state is HashCheck.OK:
        r.add("dmHash matches the message content", "Otisk zprávy (dmHash) odpovídá obsahu.")
    elif state is HashCheck.NOT_RECOMPUTABLE and x.kind is ZfoKind.DELIVERY_INFO:
        r.add("dmHash not recomputable: a delivery info does not contain the attachments it "
              "covers", "Otisk zprávy nelze z doručenky přepočítat (nejsou v ní přílohy).")
    elif state is HashCheck.NOT_RECOMPUTABLE:
        # A message whose dmHash names an algorithm we do not know: the seal still covers
        # every byte of the content, only ISDS's own hash of it is not re-checked.
        name = (x.dm_hash_algorithm or "").strip()[:40] or "?"
        r.add(f"dmHash not recomputable: its algorithm '{name}' is not known (the seal "
              "covers the content)",
              f"Otisk zprávy (dmHash) nelze přepočítat: algoritmus „{name}“ není znám "
              "(obsah chrání pečeť).")


def _cs_expiry(text: str) -> str:
    if "no longer accepted" in text:  # zfo.horizon: a key length, not the certificate
        return "délka klíče již není přijímána."
    return "certifikát vypršel" if "expired" in text else "certifikát není platný"


def _cn_of(cert: x509.Certificate) -> str:
    return _cn(cert)


def check_with_server(zfo_bytes: bytes, authenticate: Callable[[bytes], bool]) -> bool:
    """Second opinion from ISDS (AuthenticateMessage / AuthenticateBigMessage).

    ``authenticate`` is the protocol client's ``authenticate_message`` (passed in by the
    services layer, so this layer does not import the client). Errors propagate to the
    caller, which knows how to show network problems.
    """
    return bool(authenticate(zfo_bytes))
