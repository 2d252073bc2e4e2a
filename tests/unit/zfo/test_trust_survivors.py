"""Survivors of the mutation run of branch ``mutsurv`` in `zfo.trust` and `zfo.revocation`:
who may sign a CRL, the issuer URLs guessed from CRL distribution points, and a trust
store that went through pickling (a sync's checking process) still copied and pickled."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import pickle
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from tests.unit.zfo.zfo_factory import SEALED_AT, pki  # noqa: F401

from dso_desktop.zfo.revocation import _signed_by
from dso_desktop.zfo.testpki import (
    TestPki,
    ca_key_usage,
    create_pki,
    issue_cert,
    issue_leaf,
    pki_name,
)
from dso_desktop.zfo.trust import TrustStore, crl_derived_issuer_urls


def _crl_named(issuer: x509.Name, key: object) -> x509.CertificateRevocationList:
    return (x509.CertificateRevocationListBuilder().issuer_name(issuer)
            .last_update(SEALED_AT).next_update(SEALED_AT + timedelta(days=7))
            .sign(key, hashes.SHA256()))  # type: ignore[arg-type]


def test_a_crl_counts_only_from_its_named_issuer_allowed_to_sign_crls(pki: TestPki) -> None:
    own = _crl_named(pki.ca_cert.subject, pki.ca_key)
    assert _signed_by(own, pki.ca_cert)
    # Signed with the CA's key but naming another issuer: not the CA's CRL.
    assert not _signed_by(_crl_named(pki_name("Another CA"), pki.ca_key), pki.ca_cert)
    # The CA's name and key, but a certificate whose key usage forbids signing CRLs.
    no_crl_sign = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
        encipher_only=False, decipher_only=False)
    cert_only = issue_cert(pki.ca_cert.subject, pki.ca_key, ca=True, key_usage=no_crl_sign)
    assert not _signed_by(own, cert_only)
    may_sign = issue_cert(pki.ca_cert.subject, pki.ca_key, ca=True, key_usage=ca_key_usage())
    assert _signed_by(own, may_sign)
    # Another key under the same name: the signature decides.
    forged = issue_cert(pki.ca_cert.subject, create_pki(None).ca_key, ca=True,
                        key_usage=ca_key_usage())
    assert not _signed_by(own, forged)


def test_issuer_urls_are_guessed_from_a_postsignum_style_crl_url(pki: TestPki) -> None:
    leaf = issue_leaf(pki, crl_url="http://crl.postsignum.cz/crl/psqualifiedca2.crl").cert
    assert crl_derived_issuer_urls(leaf) == ["http://crl.postsignum.cz/crt/psqualifiedca2.crt"]
    other = issue_leaf(pki, crl_url="http://example.test/lists/ca.crl").cert
    assert crl_derived_issuer_urls(other) == []
    assert crl_derived_issuer_urls(pki.seal.cert) == []  # no distribution point


def test_a_store_from_a_checking_process_can_be_scoped_and_pickled_again(
        pki: TestPki, tmp_path: object) -> None:
    second = create_pki(None)
    store = TrustStore()
    store.add(pki.ca_cert, explicit_anchor=True)
    store.add(second.ca_cert, explicit_anchor=True)  # two explicit anchors
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes
    again = pickle.loads(pickle.dumps(copy))  # noqa: S301 - our own bytes
    for s in (copy, again):
        assert s.chain_for(pki.seal.cert).anchored
        assert s.chain_for(second.seal.cert).anchored
    scoped = again.scoped([])
    assert scoped.chain_for(second.seal.cert).anchored
    back = pickle.loads(pickle.dumps(scoped))  # noqa: S301 - our own bytes
    assert back.chain_for(pki.seal.cert).anchored
