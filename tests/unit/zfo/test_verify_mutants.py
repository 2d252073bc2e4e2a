"""Checks the verifier makes that no other test would miss if they stopped being made.

Each test here was written against a hand-made one-line mutant of the verifier that the rest
of the suite let through: a dmQTimestamp over another hash than dmHash, and a chain whose
intermediate or root certificate expired before the leaf did.
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401 - fixture

from dso_desktop.zfo import testpki as tp
from dso_desktop.zfo.produce import SealIdentity, q_timestamp, seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)


def test_isds_timestamp_over_another_hash_is_invalid(pki: TestPki) -> None:
    xml = message_xml(pki)
    # dmHash stays right (it matches dmDm); only ISDS's own timestamp vouches for another one.
    other = bytes(32)
    token = base64.b64encode(q_timestamp(other, pki.tsa, SEALED_AT))
    forged = re.sub(rb"<q:dmQTimestamp>[^<]*</q:dmQTimestamp>",
                    b"<q:dmQTimestamp>" + token + b"</q:dmQTimestamp>", xml)
    assert forged != xml
    trust = TrustStore.from_paths([pki.ca_file])
    genuine = verify_zfo(seal(xml, pki.seal, pki.tsa, SEALED_AT), trust, now=NOW)
    assert genuine.kind is VerdictKind.VALID, genuine.reasons
    v = verify_zfo(seal(forged, pki.seal, pki.tsa, SEALED_AT), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert v.dm_hash == "ok"  # the content is intact: it is the timestamp that lies
    assert any("dmQTimestamp" in r for r in v.reasons)


def _ca(name: str, issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None, days: int
        ) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = tp.rsa_key()
    cert = tp.issue_cert(tp.pki_name(name), key, issuer=issuer[0] if issuer else None,
                         issuer_key=issuer[1] if issuer else None, ca=True, not_before=START,
                         days=days, key_usage=tp.ca_key_usage())
    return cert, key


def _chain(root_days: int, intermediate_days: int
           ) -> tuple[x509.Certificate, SealIdentity]:
    """Root -> intermediate -> seal; the leaf lives 5 years, the CAs as long as told."""
    root, root_key = _ca("Mutant Root CA", None, root_days)
    inter, inter_key = _ca("Mutant Intermediate CA", (root, root_key), intermediate_days)
    leaf_key = tp.rsa_key()
    leaf = tp.issue_cert(tp.pki_name("Mutant ISDS seal"), leaf_key, issuer=inter,
                         issuer_key=inter_key, not_before=START, days=365 * 5,
                         key_usage=tp.leaf_key_usage())
    return root, SealIdentity(leaf, leaf_key, (inter, root))


@pytest.mark.parametrize(("root_days", "intermediate_days"), [
    (365, 365 * 20),       # the root ends after one year, the leaf lives on
    (365 * 20, 365),       # the intermediate ends after one year
])
def test_a_ca_that_expired_before_the_leaf_breaks_the_chain(
        pki: TestPki, root_days: int, intermediate_days: int) -> None:
    root, identity = _chain(root_days, intermediate_days)
    trust = TrustStore()
    trust.add(root, explicit_anchor=True)
    trust.add(identity.chain[0])  # the intermediate, as the shipped PostSignum ones are
    xml = message_xml(pki)
    # Control: sealed while every certificate was valid, the same chain is accepted.
    early = START + timedelta(days=100)
    ok = verify_zfo(seal(xml, identity, None, early), trust, now=NOW)
    assert ok.ok, ok.reasons
    # Sealed after the CA expired (the leaf itself is still valid): never trusted.
    late = START + timedelta(days=400)
    assert identity.cert.not_valid_after_utc > late
    v = verify_zfo(seal(xml, identity, None, late), trust, now=NOW)
    assert not v.ok
    assert v.kind in (VerdictKind.INVALID, VerdictKind.UNTRUSTED)
    assert any("expired" in r for r in v.reasons), v.reasons
