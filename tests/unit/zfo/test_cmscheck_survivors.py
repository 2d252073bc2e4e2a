"""`zfo.cmscheck.check_signer` and `signer_cert` on SignerInfos built TLV by TLV: each
problem of a seal's signed attributes or signature is named with its own reason (the text
becomes the verdict's "seal signature invalid: ..."), and a signer named by its key
identifier is found among certificates that lack one (survivors of seed 20261210, branch
``survzfo3``).
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from tests.unit.zfo.test_fastcms_survivors import ALG_SHA256, INT1, oid, seq, tlv

from dso_desktop.zfo import fastcms as f
from dso_desktop.zfo.cmscheck import check_signer, check_timestamp, signer_cert
from dso_desktop.zfo.errors import MalformedCmsError
from dso_desktop.zfo.testpki import issue_cert
from dso_desktop.zfo.trust import TrustStore

CONTENT = b"<q:MessageDownloadResponse/>"
ALG_ECDSA_SHA256 = seq(oid(bytes.fromhex("2a8648ce3d040302")))
SERIAL = 5


@pytest.fixture(scope="module")
def seal() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_cert("Seal", key, serial=SERIAL)
    return key, cert.public_bytes(serialization.Encoding.DER)


def _der_name(cert_der: bytes) -> bytes:
    return x509.load_der_x509_certificate(cert_der).issuer.public_bytes()


def _attr(key: bytes, value: bytes) -> bytes:
    return seq(oid(key), tlv(0x31, value))


def _content_type() -> bytes:
    return _attr(f.OID_CONTENT_TYPE, oid(f.OID_DATA))


def _digest(data: bytes = CONTENT) -> bytes:
    return _attr(f.OID_MESSAGE_DIGEST, tlv(0x04, hashlib.sha256(data).digest()))


def _signing_cert_v1(cert_der: bytes) -> bytes:
    # SigningCertificate { certs SEQUENCE OF ESSCertID { certHash (SHA-1) } }
    return _attr(f.OID_SIGNING_CERT, seq(seq(seq(tlv(0x04, hashlib.sha1(cert_der).digest())))))


def _parts(seal: tuple[ec.EllipticCurvePrivateKey, bytes], attrs: bytes | None, *,
           signed: bytes | None = None, sid: bytes | None = None,
           certs: tuple[bytes, ...] | None = None) -> f.SignerParts:
    """A SignedData over CONTENT sealed by ``seal`` (ECDSA), read as verification reads it;
    ``signed``: the bytes signed instead of the right ones."""
    key, cert_der = seal
    if signed is None:
        signed = CONTENT if attrs is None else tlv(0x31, attrs)
    signature = key.sign(signed, ec.ECDSA(hashes.SHA256()))
    if sid is None:
        sid = seq(_der_name(cert_der), tlv(0x02, bytes([SERIAL])))
    si = seq(INT1, sid, ALG_SHA256, b"" if attrs is None else tlv(0xA0, attrs),
             ALG_ECDSA_SHA256, tlv(0x04, signature))
    eci = seq(oid(f.OID_DATA), tlv(0xA0, tlv(0x04, CONTENT)))
    sd = seq(INT1, tlv(0x31), eci, tlv(0xA0, b"".join(certs or (cert_der,))), tlv(0x31, si))
    return f.signed_data(seq(oid(f.OID_SIGNED_DATA), tlv(0xA0, sd)))


def _problem(parts: f.SignerParts) -> str | None:
    cert, problem = check_signer(parts)
    assert cert is not None
    return problem


def test_a_good_seal_has_no_problem_with_or_without_signed_attributes(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """The base the cases below differ from in one place."""
    assert _problem(_parts(seal, None)) is None
    assert _problem(_parts(seal, _content_type() + _digest())) is None
    assert _problem(_parts(seal, _content_type() + _digest() + _signing_cert_v1(seal[1]))) \
        is None


def test_each_signed_attribute_problem_is_named(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    assert _problem(_parts(seal, _content_type())) == "signed attributes lack messageDigest"
    assert _problem(_parts(seal, _content_type() + _digest(CONTENT + b"!"))) == \
        "content digest does not match (content was altered)"


def test_a_first_version_signing_certificate_is_checked_without_a_second(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """Without signingCertificateV2 the older signingCertificate (SHA-1) is still checked."""
    attrs = _content_type() + _digest() + _signing_cert_v1(b"another certificate")
    assert _problem(_parts(seal, attrs)) == \
        "signing-certificate attribute names another certificate"


def test_a_signature_over_other_bytes_is_named(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    assert _problem(_parts(seal, None, signed=CONTENT + b"!")) == \
        "signature value does not verify"
    assert _problem(_parts(seal, _content_type() + _digest(), signed=CONTENT)) == \
        "signature value does not verify"


def test_a_key_of_no_supported_type_is_named() -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    cert = issue_cert("Ed25519 seal", ed_key, issuer="CA", issuer_key=ca_key, serial=SERIAL)
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    parts = _parts((ca_key, cert_der), None)  # any signature: the key's type stops it
    assert _problem(parts) == "signature cannot be checked: unsupported public key type"


def _without_key_identifier(key: ec.EllipticCurvePrivateKey) -> bytes:
    cert = issue_cert("No SKI", key, serial=7, days=365, basic_constraints=False,
                      key_identifier=False)
    return cert.public_bytes(serialization.Encoding.DER)


def test_a_signer_named_by_key_identifier_is_found_after_a_certificate_without_one(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    cert_der = seal[1]
    ski = x509.load_der_x509_certificate(cert_der).extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier).value.digest
    other = _without_key_identifier(ec.generate_private_key(ec.SECP256R1()))
    parts = _parts(seal, None, sid=tlv(0x80, ski), certs=(other, cert_der))
    assert (parts.sid_ski, parts.sid_serial) == (ski, None)
    found = signer_cert(parts)
    assert found is not None and found[1] == cert_der
    assert check_signer(parts) == (found[0], None)
    unknown = _parts(seal, None, sid=tlv(0x80, b"\x01" * 20), certs=(other, cert_der))
    assert signer_cert(unknown) is None


def test_a_signature_timestamp_over_other_content_than_a_tst_info_is_refused(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """The token is a SignedData over ``data``: refused before anything is checked."""
    token = _parts(seal, None).buf
    outer = f.SignerParts(f.OID_DATA, CONTENT, [], None, None, None, "sha256", None,
                          signature=b"sig", buf=token)
    with pytest.raises(MalformedCmsError) as refused:
        check_timestamp(outer, f.read(token, 0, len(token)), TrustStore())
    assert str(refused.value) == "timestamp token does not carry a TSTInfo"


# Survivors of seed 20261211 (branch ``survzfo4``).

SHA512 = bytes.fromhex("608648016503040203")


def test_a_signing_certificate_v2_hashed_with_the_algorithm_it_names_is_accepted(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """ESSCertIDv2 may name its hash (SHA-256 only by default): the certificate's
    SHA-512 hash then matches, a SHA-256 hash under that name does not."""
    def v2(alg: bytes, cert_hash: bytes) -> bytes:
        # SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { hashAlgorithm, certHash } }
        return _attr(f.OID_SIGNING_CERT_V2, seq(seq(seq(seq(oid(alg)), tlv(0x04, cert_hash)))))

    cert_der = seal[1]
    good = v2(SHA512, hashlib.sha512(cert_der).digest())
    assert _problem(_parts(seal, _content_type() + _digest() + good)) is None
    wrong = v2(SHA512, hashlib.sha256(cert_der).digest())
    assert _problem(_parts(seal, _content_type() + _digest() + wrong)) == \
        "signing-certificate attribute names another certificate"


def test_a_message_digest_with_two_values_is_refused_by_name(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    value = tlv(0x04, hashlib.sha256(CONTENT).digest())
    twice = _attr(f.OID_MESSAGE_DIGEST, value + value)
    with pytest.raises(MalformedCmsError) as refused:
        check_signer(_parts(seal, _content_type() + twice))
    assert str(refused.value) == "a signed attribute must have exactly one value"


# Survivors of seed 20261212 (branch ``survzfo5b``).


def test_a_signing_certificate_attribute_that_names_no_certificate_binds_nothing(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """An empty SigningCertificate(V2) (no certs, or an empty list of them) names no
    certificate to compare with: the signature alone decides, read by the C walk as by
    the reference."""
    from dso_desktop.zfo.cmscheck import _ess_cert_hash, _ess_cert_hash_reference

    assert f._cder is not None and f._fast  # the C reading is the one under test
    base = _content_type() + _digest()
    for key in (f.OID_SIGNING_CERT_V2, f.OID_SIGNING_CERT):
        v2 = key == f.OID_SIGNING_CERT_V2
        for value in (seq(), seq(seq())):
            parts = _parts(seal, base + _attr(key, value))
            assert _problem(parts) is None
            (t,) = parts.attrs[key]
            assert _ess_cert_hash(parts, t, v2) is None
            assert _ess_cert_hash_reference(parts, t, v2) is None


def test_a_signer_whose_certificate_is_missing_is_named(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """The reason becomes the verdict's; no certificate is returned for it."""
    other = _without_key_identifier(ec.generate_private_key(ec.SECP256R1()))
    parts = _parts(seal, None, certs=(other,))
    assert check_signer(parts) == (None, "the signer's certificate is not in the file")


# Survivors of session 14's whole run (branch ``survzfo15``).


def test_the_signer_is_the_certificate_with_both_its_issuer_and_its_serial(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """Before the signer's certificate the file holds one of the same issuer with another
    serial, and one of the same serial from another issuer: neither is taken for it."""
    key, cert_der = seal
    issuer = x509.load_der_x509_certificate(cert_der).issuer
    sibling = issue_cert("Sibling", ec.generate_private_key(ec.SECP256R1()), issuer=issuer,
                         issuer_key=key, serial=SERIAL + 1)
    namesake = issue_cert("Namesake", ec.generate_private_key(ec.SECP256R1()),
                          serial=SERIAL)  # self-signed: another issuer
    der = serialization.Encoding.DER
    others = (sibling.public_bytes(der), namesake.public_bytes(der))
    assert _der_name(others[0]) == _der_name(cert_der)
    assert _der_name(others[1]) != _der_name(cert_der)
    for first in others:
        parts = _parts(seal, None, certs=(first, cert_der))
        found = signer_cert(parts)
        assert found is not None and found[1] == cert_der
        assert check_signer(parts) == (found[0], None)


def test_an_rsassa_pss_seal_without_parameters_is_named() -> None:
    """The reason becomes the verdict's "seal signature invalid: ..."."""
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = issue_cert("PSS seal", key, serial=SERIAL)
    signature = key.sign(CONTENT, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                              salt_length=32), hashes.SHA256())
    parts = f.SignerParts(f.OID_DATA, CONTENT, [cert.public_bytes(serialization.Encoding.DER)],
                          cert.issuer.public_bytes(), SERIAL, None, "sha256", None,
                          sig_alg=f.OID_RSASSA_PSS, sig_alg_params=None, signature=signature)
    assert check_signer(parts) == (
        cert, "signature cannot be checked: RSASSA-PSS without parameters")


def test_the_c_reading_names_an_unknown_hash_algorithm_as_the_reference_does(
        seal: tuple[ec.EllipticCurvePrivateKey, bytes]) -> None:
    """An ESSCertIDv2 naming a hash algorithm nobody knows: the C walk reads it as the
    reference does (the name "unknown"), and the attribute binds no certificate."""
    from dso_desktop.zfo.cmscheck import _ess_cert_hash, _ess_cert_hash_reference

    assert f._cder is not None and f._fast  # the C reading is the one under test
    cert_hash = hashlib.sha256(seal[1]).digest()
    value = seq(seq(seq(seq(oid(b"\x2a\x03")), tlv(0x04, cert_hash))))
    parts = _parts(seal, _content_type() + _digest() + _attr(f.OID_SIGNING_CERT_V2, value))
    (t,) = parts.attrs[f.OID_SIGNING_CERT_V2]
    assert _ess_cert_hash(parts, t, True) == _ess_cert_hash_reference(parts, t, True) == (
        "unknown", cert_hash)
    assert _problem(parts) == "signing-certificate attribute names another certificate"
