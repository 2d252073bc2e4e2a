"""The day a ZFO's evidence stops being verifiable: certificates, timestamps, key lengths.

The watch (`services.watch`) lists messages by this day, so it is computed once when a ZFO
is verified and stored with the message (`messages.evidence_expires`), never re-derived by
re-verifying the archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from dso_desktop.domain import EvidenceCause
from dso_desktop.zfo.certcache import by_identity
from dso_desktop.zfo.trust import Chain

# The verifier's key-length policy: the last moment a signature by such a key is accepted
# as verifiable today (after it, the seal or timestamp is only "valid at signing").
# NIST SP 800-57 Part 1 Rev. 5, table 4 / SP 800-131A Rev. 2: 80-bit strength (RSA below
# 2048 bits, curves below 224 bits) disallowed after 2013; 112-bit strength (RSA 2048,
# P-224) acceptable through 2030. One table, used by `verify_zfo` and by the horizon.
WEAK_UNTIL = datetime(2013, 12, 31, 23, 59, 59, tzinfo=UTC)
STRENGTH_112_UNTIL = datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)


@by_identity  # asked ~8 times per verdict, of the same few certificates
def _key_size(cert: x509.Certificate) -> tuple[str, int]:
    """("rsa" | "ec" | "", bits): decoding the key and the ABC checks, once per certificate."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ec", key.curve.key_size
    return "", 0


def key_accepted_until(cert: x509.Certificate) -> datetime | None:
    """When a signature by this certificate's key stops being accepted (None: no limit
    known)."""
    kind, size = _key_size(cert)
    if kind == "rsa":
        if size < 2048:
            return WEAK_UNTIL
        if size < 3072:
            return STRENGTH_112_UNTIL
        return None
    if kind == "ec":
        if size < 224:
            return WEAK_UNTIL
        if size < 256:
            return STRENGTH_112_UNTIL
    return None


@by_identity  # a verdict asks of its two or three cached chains (a pure function of them)
def chain_accepted_until(chain: Chain) -> datetime | None:
    """The earliest key-length limit of any certificate in the chain."""
    limits = [d for d in (key_accepted_until(c) for c in chain.certs) if d is not None]
    return min(limits) if limits else None


def key_rejected_at(chain: Chain, when: datetime) -> str | None:
    """None if every key of the chain is still accepted at ``when``; else which is not."""
    # The earliest limit decides whether any key is rejected (cached per chain): the walk
    # below only runs to name the key that is.
    until = chain_accepted_until(chain)
    if until is None or when <= until:
        return None
    for c in chain.certs:
        until = key_accepted_until(c)
        if until is not None and when > until:
            size = getattr(c.public_key(), "key_size", "?")
            return (f"the {size}-bit key of certificate '{_cn(c)}' is no longer accepted "
                    f"(accepted until {until:%Y-%m-%d})")
    return None


@dataclass(frozen=True)
class Horizon:
    """The day the evidence stops being verifiable and what ends it first."""

    expires: datetime
    cause: EvidenceCause


def horizon(seal: Chain, tsa: Chain | None, tsa_time: datetime | None,
            qts: Chain | None) -> Horizon | None:
    """The earliest of: the seal chain's expiry, the timestamp chain's expiry, the ISDS
    qualified timestamp's (dmQTimestamp) chain expiry, and the key-length limit of any of
    them.

    The qualified timestamp sits inside the sealed content: once the seal's own timestamp
    was made while the qualified timestamp's certificate was valid, that timestamp proves
    it (as an archive timestamp does), so its own expiry no longer ends anything. Without a
    seal timestamp, or with one made after it expired, it counts.
    """
    covered = False
    if qts is not None and qts.certs:
        covered = tsa is not None and tsa_time is not None and tsa_time < qts.expires
    key = (id(seal), id(tsa), id(qts), covered)
    hit = _HORIZONS.get(key)
    if hit is not None and hit[0] is seal and hit[1] is tsa and hit[2] is qts:
        return hit[3]
    found_hz = _horizon(seal, tsa, qts, covered)
    if len(_HORIZONS) >= 256:
        _HORIZONS.clear()
    _HORIZONS[key] = (seal, tsa, qts, found_hz)
    return found_hz


# horizon() per (seal, timestamp, qualified timestamp chain, covered): the same few cached
# chains for every ZFO of a sync. Keyed by identity (a chain's own hash would hash its
# certificates); each entry keeps its chains alive, so no other object takes their ids.
# The result is a pure function of the chains (frozen) and ``covered``, so a hit is exact.
_HORIZONS: dict[tuple[int, int, int, bool],
                tuple[Chain, Chain | None, Chain | None, Horizon | None]] = {}


def _horizon(seal: Chain, tsa: Chain | None, qts: Chain | None,
             covered: bool) -> Horizon | None:
    if not seal.certs:
        return None
    found: list[tuple[datetime, EvidenceCause]] = [
        (seal.expires, EvidenceCause.SEAL_CERTIFICATE)]
    chains = [seal]
    if tsa is not None and tsa.certs:
        found.append((tsa.expires, EvidenceCause.TIMESTAMP_CERTIFICATE))
        chains.append(tsa)
    if qts is not None and qts.certs and not covered:
        found.append((qts.expires, EvidenceCause.QUALIFIED_TIMESTAMP))
        chains.append(qts)
    for chain in chains:
        until = chain_accepted_until(chain)
        if until is not None:
            found.append((until, EvidenceCause.ALGORITHM))
    when, cause = min(found, key=lambda item: item[0])
    return Horizon(when, cause)


def _cn(cert: x509.Certificate) -> str:
    from dso_desktop.zfo.trust import _cn as cn

    return cn(cert)
