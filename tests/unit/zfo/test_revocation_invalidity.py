"""A CRL entry's invalidity date (RFC 5280 5.3.2): the key counts as compromised from then.

A survivor of the mutation run (branch ``mutants2``): no test revoked a certificate with an
InvalidityDate, so `CrlCache._entry` could drop it (a seal made between the compromise and
the revocation would count as made before the revocation).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from dso_desktop.zfo import testpki as tp
from dso_desktop.zfo.revocation import REVOKED, CrlCache

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _crl(ca: x509.Certificate, ca_key: object, serial: int, revoked_at: datetime,
         invalid_from: datetime | None, reason: x509.ReasonFlags | None
         ) -> x509.CertificateRevocationList:
    entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
    if invalid_from is not None:
        entry = entry.add_extension(x509.InvalidityDate(invalid_from), critical=False)
    if reason is not None:
        entry = entry.add_extension(x509.CRLReason(reason), critical=False)
    return (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
            .last_update(revoked_at).next_update(revoked_at + timedelta(days=7))
            .add_revoked_certificate(entry.build())
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def chain() -> tuple[x509.Certificate, object, x509.Certificate]:
    ca_key = tp.rsa_key()
    ca = tp.issue_cert("Invalidity CA", ca_key, ca=True, key_usage=tp.ca_key_usage(),
                       not_before=T0 - timedelta(days=30))
    leaf = tp.issue_cert("Invalidity seal", tp.rsa_key(), issuer=ca, issuer_key=ca_key,
                         key_usage=tp.leaf_key_usage(), not_before=T0 - timedelta(days=30))
    return ca, ca_key, leaf


@pytest.mark.parametrize(("invalid_from", "expected"), [
    (T0 - timedelta(days=5), T0 - timedelta(days=5)),  # compromised before: counts from then
    (T0 + timedelta(days=1), T0),  # a later "invalidity" never moves the revocation on
    (None, T0),
])
def test_the_revocation_counts_from_the_earlier_of_revocation_and_invalidity(
        chain: tuple[x509.Certificate, object, x509.Certificate],
        invalid_from: datetime | None, expected: datetime) -> None:
    ca, ca_key, leaf = chain
    crl = _crl(ca, ca_key, leaf.serial_number, T0, invalid_from,
               x509.ReasonFlags.key_compromise)
    found = CrlCache._entry(leaf, crl, "http://127.0.0.1/ca.crl")
    assert found.status == REVOKED
    assert found.revoked_at == expected
    assert found.detail == ("listed in the CRL from http://127.0.0.1/ca.crl, "
                            "reason keyCompromise")
