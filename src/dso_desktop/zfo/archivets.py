"""RFC 3161 archive timestamps over a stored ZFO: request, response, verification.

Where ISDS cannot re-seal a message, an archive timestamp from a configured TSA proves
that exactly these bytes existed at its time, while the seal and timestamps inside were
still verifiable. It is kept beside the ZFO (an evidence version) and verified with it:
the imprint must be SHA-256 of the ZFO's bytes, the TSA's signature must hold, and its
certificate must chain to the configured trust anchor and be valid at the timestamp time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp

from dso_desktop.domain import EvidenceCause
from dso_desktop.zfo import fastcms as f
from dso_desktop.zfo.cmscheck import check_signer
from dso_desktop.zfo.errors import ArchiveTimestampError, ZfoError
from dso_desktop.zfo.horizon import Horizon, chain_accepted_until, key_rejected_at
from dso_desktop.zfo.trust import TrustStore

CONTENT_TYPE_QUERY = "application/timestamp-query"
CONTENT_TYPE_REPLY = "application/timestamp-reply"
MAX_REPLY_BYTES = 1 << 20


@dataclass(frozen=True)
class TimestampRequest:
    der: bytes
    nonce: int
    imprint: bytes  # SHA-256 of the data


def build_request(data: bytes) -> TimestampRequest:
    """A TimeStampReq over SHA-256(data), with a nonce and the TSA's certificate asked
    for (so the token can be verified on its own)."""
    imprint = hashlib.sha256(data).digest()
    nonce = secrets.randbits(63)
    req = tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": imprint}),
        "nonce": nonce,
        "cert_req": True,
    })
    return TimestampRequest(req.dump(), nonce, imprint)


def token_from_response(reply: bytes, request: TimestampRequest) -> bytes:
    """The TimeStampToken (DER ContentInfo) of a TSA's reply to ``request``; raises
    `ArchiveTimestampError` for a refusal or an answer to another question."""
    try:
        if len(reply) > MAX_REPLY_BYTES:
            raise ArchiveTimestampError("the reply is too large")
        # Read the SEQUENCE by hand: asn1crypto's TimeStampResp will not load a refusal
        # (it has no token).
        outer = core.Sequence.load(reply, strict=True)
        status_info = tsp.PKIStatusInfo.load(outer[0].dump())
        status = status_info["status"].native
        if status not in ("granted", "granted_with_mods"):
            text = status_info["status_string"].native
            raise ArchiveTimestampError(
                f"the time-stamping authority refused: {status}"
                + (f" ({'; '.join(text)})" if text else ""),
                "Autorita časových razítek žádost odmítla.")
        if len(outer) < 2:
            raise ArchiveTimestampError("the reply carries no timestamp token")
        token = cms.ContentInfo.load(outer[1].dump())
        info = token["content"]["encap_content_info"]["content"].parsed
        if info["nonce"].native != request.nonce:
            raise ArchiveTimestampError("the reply answers another request (nonce)")
        imprint = info["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256" or not \
                hmac.compare_digest(imprint["hashed_message"].native, request.imprint):
            raise ArchiveTimestampError("the timestamp is over other data (imprint)")
        return bytes(token.dump())
    except ArchiveTimestampError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise ArchiveTimestampError(f"not a timestamp reply: {exc}",
                                    "Odpověď autority není časové razítko.") from exc


@dataclass(frozen=True)
class ArchiveTimestampCheck:
    """What an archive timestamp proves about the data it was checked with."""

    ok: bool
    time: datetime | None
    reasons: tuple[str, ...]
    reasons_cs: tuple[str, ...]
    horizon: Horizon | None = None
    tsa_name: str | None = None


def verify_archive_timestamp(token: bytes, data: bytes, trust: TrustStore, *,
                             now: datetime | None = None) -> ArchiveTimestampCheck:
    """Check ``token`` against ``data``: imprint, TSA signature, chain to ``trust``."""
    now = now or datetime.now(UTC)

    def bad(en: str, cs: str, when: datetime | None = None) -> ArchiveTimestampCheck:
        return ArchiveTimestampCheck(False, when, (en,), (cs,))

    try:
        parts = f.signed_data(token)
        if parts.econtent_type != f.OID_TST_INFO or parts.content is None:
            return bad("not a timestamp token", "Nejde o časové razítko.")
        info = f.tst_info(parts.content)
        digest = hashlib.new(info.hash_algorithm, data).digest()
        if not hmac.compare_digest(info.imprint, digest):
            return bad("the archive timestamp is over other data (imprint mismatch)",
                       "Archivní časové razítko patří k jiným datům.", info.gen_time)
        cert, problem = check_signer(parts)
    except (ZfoError, ValueError, TypeError, KeyError, IndexError) as exc:
        return bad(f"unreadable archive timestamp: {exc}",
                   "Archivní časové razítko je nečitelné.")
    if cert is None or problem is not None:
        return bad(f"archive timestamp signature: {problem}",
                   "Podpis archivního časového razítka neplatí.", info.gen_time)
    chain = trust.chain_for(cert, purpose="tsa")
    from dso_desktop.zfo.trust import _cn

    name = _cn(cert)
    if not chain.anchored:
        return bad(f"the time-stamping authority '{name}' is not trusted: {chain.problem}",
                   f"Autorita časových razítek „{name}“ není důvěryhodná.", info.gen_time)
    then = chain.invalid_at(info.gen_time)
    if then:
        return bad(f"the TSA certificate was not valid at the timestamp time: {then}",
                   "Certifikát autority nebyl v čase razítka platný.", info.gen_time)
    until = chain_accepted_until(chain)
    ends = min(chain.expires, until) if until is not None else chain.expires
    cause = (EvidenceCause.ALGORITHM if until is not None and until < chain.expires
             else EvidenceCause.ARCHIVE_TIMESTAMP)
    today = chain.invalid_at(now) or key_rejected_at(chain, now)
    stamp = f"{info.gen_time:%Y-%m-%d %H:%M} UTC"
    if today:
        return ArchiveTimestampCheck(
            False, info.gen_time,
            (f"the archive timestamp of {stamp} can no longer be verified: {today}",),
            (f"Archivní časové razítko z {stamp} již nelze ověřit.",),
            Horizon(ends, cause), name)
    return ArchiveTimestampCheck(
        True, info.gen_time,
        (f"archive timestamp of {stamp} by '{name}' covers exactly these bytes; valid "
         f"until {ends:%Y-%m-%d}",),
        (f"Archivní časové razítko z {stamp} („{name}“) pokrývá přesně tato data; platí "
         f"do {ends:%d. %m. %Y}.",),
        Horizon(ends, cause), name)
