"""The evidence horizon: the day a ZFO stops being verifiable, and what ends it first."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki, trust  # noqa: F401

from dso_desktop.domain import EvidenceCause, VerdictKind
from dso_desktop.zfo import horizon as hz
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki, short_lived_tsa
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_2048_bit_chain_ends_with_the_key_length_policy(make_zfo: Callable[..., bytes],
                                                          trust: TrustStore) -> None:
    # Test PKI: 2048-bit keys, certificates until 2035: the key length ends it first.
    v = verify_zfo(make_zfo(), trust, now=NOW)
    assert v.kind is VerdictKind.VALID
    assert v.evidence_expires == hz.STRENGTH_112_UNTIL
    assert v.evidence_cause is EvidenceCause.ALGORITHM
    assert v.to_json()["evidence_cause"] == "algorithm"


def test_the_verifier_stops_accepting_the_key_on_that_day(make_zfo: Callable[..., bytes],
                                                          trust: TrustStore) -> None:
    data = make_zfo()
    before = verify_zfo(data, trust, now=hz.STRENGTH_112_UNTIL - timedelta(days=20))
    assert before.kind is VerdictKind.EXPIRING
    assert any("stops being verifiable" in r for r in before.reasons), before.reasons
    after = verify_zfo(data, trust, now=hz.STRENGTH_112_UNTIL + timedelta(days=1))
    assert after.kind is VerdictKind.VALID_AT_SIGNING
    assert any("no longer accepted" in r for r in after.reasons), after.reasons


def test_a_short_lived_tsa_certificate_ends_it(pki: TestPki, trust: TrustStore) -> None:
    end = NOW + timedelta(days=30)
    tsa = short_lived_tsa(pki, end)
    data = seal(message_xml(pki), pki.seal, tsa, SEALED_AT)
    v = verify_zfo(data, trust, now=NOW)
    assert v.evidence_cause is EvidenceCause.TIMESTAMP_CERTIFICATE
    assert v.evidence_expires == tsa.cert.not_valid_after_utc
    assert abs(v.evidence_expires - end) <= timedelta(days=1)
    assert v.kind is VerdictKind.EXPIRING  # within the 60-day warning


def test_no_seal_timestamp_ends_with_the_seal_or_qualified_timestamp(
        pki: TestPki, trust: TrustStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hz, "STRENGTH_112_UNTIL", datetime(2099, 1, 1, tzinfo=UTC))
    data = seal(message_xml(pki), pki.seal, None, SEALED_AT)
    v = verify_zfo(data, trust, now=NOW)
    # Seal and qualified-timestamp certificates end together; nothing covers the latter.
    assert v.evidence_expires == min(pki.seal.cert.not_valid_after_utc,
                                     pki.tsa.cert.not_valid_after_utc)
    assert v.evidence_cause in (EvidenceCause.SEAL_CERTIFICATE,
                                EvidenceCause.QUALIFIED_TIMESTAMP)


def test_a_qualified_timestamp_counts_unless_a_seal_timestamp_covers_it(pki: TestPki) -> None:
    from dso_desktop.zfo.trust import Chain

    seal_chain = Chain((pki.seal.cert,), True)
    qts_end = datetime(2027, 1, 1, tzinfo=UTC)
    short = short_lived_tsa(pki, qts_end)
    qts = Chain((short.cert,), True)
    tsa = Chain((pki.tsa.cert,), True)
    alone = hz.horizon(seal_chain, None, None, qts)
    assert alone is not None and alone.cause is EvidenceCause.QUALIFIED_TIMESTAMP
    covered = hz.horizon(seal_chain, tsa, datetime(2026, 6, 1, tzinfo=UTC), qts)
    assert covered is not None and covered.cause is EvidenceCause.ALGORITHM
    late = hz.horizon(seal_chain, tsa, datetime(2027, 6, 1, tzinfo=UTC), qts)
    assert late is not None and late.cause is EvidenceCause.QUALIFIED_TIMESTAMP


def test_untrusted_evidence_has_no_horizon(make_zfo: Callable[..., bytes]) -> None:
    v = verify_zfo(make_zfo(), TrustStore.from_paths([]), now=NOW)
    assert v.kind is VerdictKind.UNTRUSTED and v.evidence_expires is None
