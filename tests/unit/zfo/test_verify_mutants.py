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
from cryptography.hazmat.primitives import hashes
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


def _aki(issuer_key: rsa.RSAPrivateKey) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())


def _ca(name: str, issuer: tuple[x509.Name, rsa.RSAPrivateKey] | None, days: int
        ) -> tuple[x509.Certificate, x509.Name, rsa.RSAPrivateKey]:
    key = tp._key()
    subject = tp._name(name)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = tp._builder(subject, issuer_name, key, START, days)
    if issuer is not None:
        builder = builder.add_extension(_aki(issuer[1]), critical=False)
    cert = (builder
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(issuer_key, hashes.SHA256()))
    return cert, subject, key


def _chain(root_days: int, intermediate_days: int
           ) -> tuple[x509.Certificate, SealIdentity]:
    """Root -> intermediate -> seal; the leaf lives 5 years, the CAs as long as told."""
    root, root_name, root_key = _ca("Mutant Root CA", None, root_days)
    inter, inter_name, inter_key = _ca("Mutant Intermediate CA", (root_name, root_key),
                                       intermediate_days)
    leaf_key = tp._key()
    leaf = (tp._builder(tp._name("Mutant ISDS seal"), inter_name, leaf_key, START, 365 * 5)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(tp._leaf_key_usage(), critical=True)
            .add_extension(_aki(inter_key), critical=False)
            .sign(inter_key, hashes.SHA256()))
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
