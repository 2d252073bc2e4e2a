"""The seal's signature under each algorithm `cmscheck._verify_signature` accepts.

The test ZFO producer signs with PKCS#1 v1.5 only, so no test reached the RSASSA-PSS branch:
a mutant that verified ``None`` there (or dropped the PSS parameters) survived the mutation
run. Here each branch gets a valid signature and a signature over other bytes, and the PSS
parameters (hash, salt length) are read from the SignerInfo, not assumed.
"""

from __future__ import annotations

import pytest
from asn1crypto import algos
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from dso_desktop.zfo import fastcms as f
from dso_desktop.zfo.cmscheck import _verify_signature
from dso_desktop.zfo.testpki import issue_cert

DATA = b"signed attributes of a data message"


def _parts(signature: bytes, *, digest: str = "sha256", sig_alg: bytes = b"",
           params: bytes | None = None) -> f.SignerParts:
    return f.SignerParts(econtent_type=b"", content=DATA, certs=[], sid_issuer=None,
                         sid_serial=None, sid_ski=None, digest=digest,
                         signed_attrs_set=None, sig_alg=sig_alg, sig_alg_params=params,
                         signature=signature)


def _pss_params(hash_name: str, salt: int) -> bytes:
    return algos.RSASSAPSSParams({
        "hash_algorithm": {"algorithm": hash_name},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": hash_name}},
        "salt_length": salt,
    }).dump()


def _pss_sign(key: rsa.RSAPrivateKey, hash_obj: hashes.HashAlgorithm | None = None,
              salt: int = 32) -> bytes:
    """An RSASSA-PSS signature of DATA (MGF1 with the same hash; SHA-256 unless told)."""
    hash_obj = hash_obj or hashes.SHA256()
    return key.sign(DATA, padding.PSS(mgf=padding.MGF1(hash_obj), salt_length=salt), hash_obj)


def _as_pss(signature: bytes, hash_name: str, salt: int) -> f.SignerParts:
    """A SignerInfo naming RSASSA-PSS with these parameters (its digest stays sha256)."""
    return _parts(signature, sig_alg=f.OID_RSASSA_PSS, params=_pss_params(hash_name, salt))


@pytest.fixture(scope="module")
def rsa_cert() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = issue_cert("PSS seal", key)
    return key, cert.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize(("hash_name", "hash_obj", "salt"), [
    ("sha256", hashes.SHA256(), 32), ("sha512", hashes.SHA512(), 20),
    ("sha384", hashes.SHA384(), 0)])
def test_an_rsassa_pss_seal_verifies_with_the_parameters_it_names(
        rsa_cert: tuple[rsa.RSAPrivateKey, bytes], hash_name: str,
        hash_obj: hashes.HashAlgorithm, salt: int) -> None:
    key, der = rsa_cert
    sig = _pss_sign(key, hash_obj, salt)
    # The SignerInfo's digest algorithm is sha256 in every case: the PSS hash comes from
    # the parameters, not from it.
    _verify_signature(der, _as_pss(sig, hash_name, salt), DATA)
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _as_pss(sig, hash_name, salt), DATA + b"!")
    wrong_salt = salt + 1
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _as_pss(sig, hash_name, wrong_salt), DATA)


def test_an_rsassa_pss_seal_under_another_hash_than_its_parameters_is_refused(
        rsa_cert: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    key, der = rsa_cert
    sig = _pss_sign(key)  # SHA-256, salt 32
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _as_pss(sig, "sha512", 32), DATA)


def test_rsassa_pss_without_parameters_is_refused(
        rsa_cert: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    key, der = rsa_cert
    sig = _pss_sign(key)
    with pytest.raises(ValueError, match="RSASSA-PSS without parameters"):
        _verify_signature(der, _parts(sig, sig_alg=f.OID_RSASSA_PSS), DATA)


def test_a_pss_signature_is_not_accepted_as_pkcs1_and_the_reverse(
        rsa_cert: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    key, der = rsa_cert
    pss = _pss_sign(key)
    pkcs1 = key.sign(DATA, padding.PKCS1v15(), hashes.SHA256())
    _verify_signature(der, _parts(pkcs1), DATA)
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _parts(pss), DATA)  # named PKCS#1: the PSS bytes fail
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _as_pss(pkcs1, "sha256", 32), DATA)


def test_a_pkcs1_seal_is_checked_under_the_signerinfo_digest(
        rsa_cert: tuple[rsa.RSAPrivateKey, bytes]) -> None:
    key, der = rsa_cert
    sig = key.sign(DATA, padding.PKCS1v15(), hashes.SHA512())
    _verify_signature(der, _parts(sig, digest="sha512"), DATA)
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _parts(sig, digest="sha256"), DATA)


def test_an_ecdsa_seal_verifies_and_other_bytes_do_not() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    der = issue_cert("EC seal", key).public_bytes(serialization.Encoding.DER)
    sig = key.sign(DATA, ec.ECDSA(hashes.SHA256()))
    _verify_signature(der, _parts(sig), DATA)
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _parts(sig), DATA + b"!")
    with pytest.raises(InvalidSignature):
        _verify_signature(der, _parts(sig, digest="sha384"), DATA)
