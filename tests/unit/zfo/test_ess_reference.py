"""The pure-Python reading of the signing-certificate attribute (ESSCertID / ESSCertIDv2).

The seal names its own certificate by hash in this signed attribute; cmscheck compares that
hash with the certificate in the file. The C fast path hands every shape it does not read
to this reference, so the reference alone decides on hostile shapes: which hash algorithm
is named (RFC 5035 default SHA-256 for v2, SHA-1 for v1), which shapes are refused and with
what error (the text reaches the verdict's reason), and how many values are read before it
gives up. Written against survivors of a mutmut run over ``zfo/cmscheck.py``.
"""

from __future__ import annotations

import pytest

from dso_desktop.zfo import fastcms as f
from dso_desktop.zfo.cmscheck import _ess_cert_hash_reference
from dso_desktop.zfo.errors import MalformedCmsError

HASH = bytes(range(32))
SHA512_OID = bytes.fromhex("608648016503040203")


def _tlv(tag: int, body: bytes) -> bytes:
    assert len(body) < 0x10000
    if len(body) < 0x80:
        return bytes([tag, len(body)]) + body
    return bytes([tag, 0x82]) + len(body).to_bytes(2, "big") + body


def _seq(*items: bytes) -> bytes:
    return _tlv(f.SEQUENCE, b"".join(items))


def _read(der: bytes, v2: bool) -> tuple[str, bytes] | None:
    parts = f.SignerParts(b"", None, [], None, None, None, "sha256", None, buf=der)
    return _ess_cert_hash_reference(parts, f.read(der, 0, len(der)), v2)


def _octets(data: bytes = HASH) -> bytes:
    return _tlv(f.OCTET_STRING, data)


def test_the_default_algorithms_are_those_of_rfc_5035() -> None:
    value = _seq(_seq(_seq(_octets())))  # SigningCertificate{certs{ESSCertID{hash}}}
    assert _read(value, v2=False) == ("sha1", HASH)
    assert _read(value, v2=True) == ("sha256", HASH)


def test_a_named_algorithm_is_used_and_an_unknown_one_named_so() -> None:
    named = _seq(_seq(_seq(_seq(_tlv(f.OID, SHA512_OID)), _octets())))
    assert _read(named, v2=True) == ("sha512", HASH)
    unknown = _seq(_seq(_seq(_seq(_tlv(f.OID, b"\x2a\x03")), _octets())))
    assert _read(unknown, v2=True) == ("unknown", HASH)


def test_empty_lists_name_no_certificate() -> None:
    assert _read(_seq(), v2=True) is None
    assert _read(_seq(_seq()), v2=True) is None


def test_an_ess_cert_id_without_a_hash_is_refused() -> None:
    with pytest.raises(MalformedCmsError, match=r"^ESSCertID without a hash$"):
        _read(_seq(_seq(_seq())), v2=False)
    with pytest.raises(MalformedCmsError, match=r"^ESSCertID without a hash$"):
        _read(_seq(_seq(_seq(_seq(_tlv(f.OID, SHA512_OID))))), v2=True)


@pytest.mark.parametrize(("value", "what"), [
    (_octets(), "signingCertificate"),
    (_seq(_octets()), "certs"),
    (_seq(_seq(_octets())), "ESSCertID"),
])
def test_a_wrong_shape_is_refused_and_named(value: bytes, what: str) -> None:
    with pytest.raises(MalformedCmsError, match=f"^{what}: unexpected ASN.1 tag 0x04$"):
        _read(value, v2=True)


def test_at_most_four_fields_of_the_attribute_are_read() -> None:
    # RFC 5035 has two (certs, policies); a few more are tolerated, an endless list is not.
    four = _seq(_seq(_seq(_octets())), _seq(), _seq(), _seq())
    assert _read(four, v2=True) == ("sha256", HASH)
    with pytest.raises(MalformedCmsError, match=r"^too many ASN.1 values$"):
        _read(_seq(_seq(_seq(_octets())), _seq(), _seq(), _seq(), _seq()), v2=True)


def test_at_most_a_hundred_certificate_ids_are_read() -> None:
    first = _seq(_octets())
    assert _read(_seq(_seq(first, *[_seq()] * 99)), v2=False) == ("sha1", HASH)
    with pytest.raises(MalformedCmsError, match=r"^too many ASN.1 values$"):
        _read(_seq(_seq(first, *[_seq()] * 100)), v2=False)


def test_an_ess_cert_id_has_at_most_three_fields() -> None:
    # ESSCertIDv2: hashAlgorithm, certHash, issuerSerial.
    three = _seq(_seq(_seq(_seq(_tlv(f.OID, SHA512_OID)), _octets(), _seq())))
    assert _read(three, v2=True) == ("sha512", HASH)
    with pytest.raises(MalformedCmsError, match=r"^too many ASN.1 values$"):
        _read(_seq(_seq(_seq(_seq(_tlv(f.OID, SHA512_OID)), _octets(), _seq(), _seq()))),
              v2=True)


def test_a_v1_id_never_takes_a_leading_algorithm() -> None:
    # ESSCertID (v1) is SHA-1 only: a leading SEQUENCE is not an algorithm there.
    value = _seq(_seq(_seq(_seq(_tlv(f.OID, SHA512_OID)), _octets())))
    with pytest.raises(MalformedCmsError, match=r"expected an OCTET STRING"):
        _read(value, v2=False)


def test_an_algorithm_identifier_has_at_most_two_fields() -> None:
    # AlgorithmIdentifier: algorithm, parameters (NULL or absent).
    two = _seq(_seq(_seq(_seq(_tlv(f.OID, SHA512_OID), _tlv(f.NULL, b"")), _octets())))
    assert _read(two, v2=True) == ("sha512", HASH)
    three = _seq(_seq(_seq(_seq(_tlv(f.OID, SHA512_OID), _tlv(f.NULL, b""),
                                _tlv(f.NULL, b"")), _octets())))
    with pytest.raises(MalformedCmsError, match=r"^too many ASN.1 values$"):
        _read(three, v2=True)
