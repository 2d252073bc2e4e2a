"""The seal's certificate must be valid at the time of the seal's timestamp.

A survivor of the mutation run (branch ``mutants2``): no test reached the rule "the seal
certificate chain was not valid at the timestamp time" (`verify._verify`), so its Czech
reason could change unnoticed, and so could the rule. Here the seal certificate ends two
hours after the signing time and the timestamp (within the allowed day) comes later.
"""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki, trust  # noqa: F401

from dso_desktop.zfo import testpki as tp
from dso_desktop.zfo.produce import SealIdentity, seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _short_seal(pki: TestPki, not_after: datetime) -> SealIdentity:
    key = tp.rsa_key()
    cert = tp.issue_cert(tp.pki_name("Informační systém datových schránek - krátká pečeť"),
                         key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                         not_before=not_after - timedelta(days=1), days=1,
                         key_usage=tp.leaf_key_usage())
    return SealIdentity(cert, key, (pki.ca_cert,))


def test_a_seal_certificate_expired_before_its_timestamp_is_invalid(
        pki: TestPki, trust: TrustStore) -> None:
    short = _short_seal(pki, SEALED_AT + timedelta(hours=2))
    data = seal(message_xml(pki), short, pki.tsa, SEALED_AT,
                timestamp_time=SEALED_AT + timedelta(hours=20))
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    en, cs = v.reasons[-1], v.reasons_cs[-1]
    assert en.startswith("the seal certificate chain was not valid at the timestamp time: ")
    assert cs == "Certifikát pečeti nebyl platný v čase časového razítka."
    assert v.timestamp_time == SEALED_AT + timedelta(hours=20)


def test_the_same_seal_timestamped_while_valid_is_valid(
        pki: TestPki, trust: TrustStore) -> None:
    short = _short_seal(pki, SEALED_AT + timedelta(hours=2))
    data = seal(message_xml(pki), short, pki.tsa, SEALED_AT,
                timestamp_time=SEALED_AT + timedelta(hours=1))
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is not VerdictKind.INVALID, v.reasons
    assert not any("timestamp time" in r for r in v.reasons)
