"""Every certificate file format the trust store reads (`trust._load_certificates`).

A survivor of the mutation run (branch ``mutants2``): no test read a PEM PKCS#7 bundle
(``.p7b`` as PostSignum and most CAs publish them), so breaking that branch went unnoticed.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from dso_desktop.zfo import testpki as tp
from dso_desktop.zfo.trust import _load_certificates


@pytest.fixture(scope="module")
def certs() -> list[x509.Certificate]:
    ca_key = tp.rsa_key()
    ca = tp.issue_cert("Format CA", ca_key, ca=True, key_usage=tp.ca_key_usage())
    leaf = tp.issue_cert("Format leaf", tp.rsa_key(), issuer=ca, issuer_key=ca_key)
    return [ca, leaf]


def test_pem_certificates_one_or_several(certs: list[x509.Certificate]) -> None:
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    assert _load_certificates(pem) == certs
    assert _load_certificates(certs[1].public_bytes(serialization.Encoding.PEM)) == certs[1:]


def test_der_certificate(certs: list[x509.Certificate]) -> None:
    assert _load_certificates(certs[0].public_bytes(serialization.Encoding.DER)) == certs[:1]


@pytest.mark.parametrize("encoding", [serialization.Encoding.PEM, serialization.Encoding.DER])
def test_pkcs7_bundles_in_pem_and_der(certs: list[x509.Certificate],
                                      encoding: serialization.Encoding) -> None:
    bundle = pkcs7.serialize_certificates(certs, encoding)
    assert sorted(c.serial_number for c in _load_certificates(bundle)) == sorted(
        c.serial_number for c in certs)


@pytest.mark.parametrize("data", [
    b"", b"not a certificate",
    b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
def test_anything_else_is_no_certificate(data: bytes) -> None:
    assert _load_certificates(data) == []
