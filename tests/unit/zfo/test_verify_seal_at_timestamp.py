"""The seal's certificate must be valid at the time of the seal's timestamp.

A survivor of the mutation run (branch ``mutants2``): no test reached the rule "the seal
certificate chain was not valid at the timestamp time" (`verify._verify`), so its Czech
reason could change unnoticed, and so could the rule. Here the seal certificate ends two
hours after the signing time and the timestamp (within the allowed day) comes later.
"""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.unit.zfo.zfo_factory import (  # noqa: F401
    SEALED_AT,
    message_xml,
    message_xml_with_short_lived_q_tsa,
    pki,
    trust,
)

from dso_desktop.zfo import testpki as tp
from dso_desktop.zfo.produce import SealIdentity, seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import Verdict, VerdictKind, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _short_seal_timestamped(pki: TestPki, trust: TrustStore, after: timedelta) -> Verdict:
    """The verdict on a message sealed at SEALED_AT by a certificate that ends two hours
    later, the seal timestamped ``after`` SEALED_AT."""
    not_after = SEALED_AT + timedelta(hours=2)
    key = tp.rsa_key()
    cert = tp.issue_cert(tp.pki_name("Informační systém datových schránek - krátká pečeť"),
                         key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                         not_before=not_after - timedelta(days=1), days=1,
                         key_usage=tp.leaf_key_usage())
    short = SealIdentity(cert, key, (pki.ca_cert,))
    data = seal(message_xml(pki), short, pki.tsa, SEALED_AT,
                timestamp_time=SEALED_AT + after)
    return verify_zfo(data, trust, now=NOW)


def test_a_seal_certificate_expired_before_its_timestamp_is_invalid(
        pki: TestPki, trust: TrustStore) -> None:
    v = _short_seal_timestamped(pki, trust, after=timedelta(hours=20))
    assert v.kind is VerdictKind.INVALID
    en, cs = v.reasons[-1], v.reasons_cs[-1]
    assert en.startswith("the seal certificate chain was not valid at the timestamp time: ")
    assert cs == "Certifikát pečeti nebyl platný v čase časového razítka."
    assert v.timestamp_time == SEALED_AT + timedelta(hours=20)


def test_the_same_seal_timestamped_while_valid_is_valid(
        pki: TestPki, trust: TrustStore) -> None:
    v = _short_seal_timestamped(pki, trust, after=timedelta(hours=1))
    assert v.kind is not VerdictKind.INVALID, v.reasons
    assert not any("timestamp time" in r for r in v.reasons)


def test_a_seal_timestamp_made_in_time_covers_a_short_lived_isds_timestamp(
        pki: TestPki, trust: TrustStore) -> None:
    """The counterpart of ``test_the_isds_timestamp_chain_ends_the_evidence_without_a_seal_
    timestamp``: with the seal's own timestamp made while dmQTimestamp's certificate was
    valid, that certificate's expiry no longer ends the evidence (`_q_timestamp_chain`
    drops such a covered one before `horizon` sees it)."""
    from dso_desktop.domain import EvidenceCause

    xml, short = message_xml_with_short_lived_q_tsa(pki)
    v = verify_zfo(seal(xml, pki.seal, pki.tsa, SEALED_AT), trust, now=NOW)
    assert v.kind is VerdictKind.VALID, v.reasons
    assert v.evidence_cause is not EvidenceCause.QUALIFIED_TIMESTAMP
    assert v.evidence_expires is not None
    assert v.evidence_expires > short.not_valid_after_utc


def test_a_timestamp_under_another_added_root_is_named_as_the_timestamps(
        pki: TestPki, tmp_path: Path) -> None:
    """``_anchor_reasons``: each anchor the verdict relied on that is not a pinned root is
    named, the seal's and the timestamp's apart (a mutant that renamed "timestamp"
    survived: no test had the two under different added roots)."""
    other = tp.create_pki(tmp_path / "other")
    trust = TrustStore.from_paths([pki.ca_file, other.ca_file])
    data = seal(message_xml(pki), pki.seal, other.tsa, SEALED_AT)
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is VerdictKind.VALID, v.reasons
    seal_en = [r for r in v.reasons if r.startswith("the seal chains to ")]
    ts_en = [r for r in v.reasons if r.startswith("the timestamp chains to ")]
    assert len(seal_en) == 1 and len(ts_en) == 1
    assert sum(r.startswith("Pečeť vede k autoritě „") for r in v.reasons_cs) == 1
    assert sum(r.startswith("Časové razítko vede k autoritě „") for r in v.reasons_cs) == 1
