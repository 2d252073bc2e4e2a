"""`zfo.parse`: what a parsed ZFO says about who sealed it, and how a signature timestamp
that is not a timestamp token is refused (survivors of seed 20261208, branch
``survzfo``)."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.x509.oid import NameOID
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.zfo.errors import MalformedCmsError
from dso_desktop.zfo.parse import parse_timestamp_token, parse_zfo
from dso_desktop.zfo.testpki import TestPki


def test_the_seal_and_its_tsa_are_described_by_their_own_names(
        pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    """The organisation and common name shown for the seal (and the timestamp's TSA) are
    read from the certificate's subject, each from its own attribute."""
    z = parse_zfo(make_zfo())

    def attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
        (value,) = cert.subject.get_attributes_for_oid(oid)
        return str(value.value)

    assert z.signer is not None and z.timestamp is not None and z.timestamp.tsa is not None
    for info, cert in ((z.signer, pki.seal.cert), (z.timestamp.tsa, pki.tsa.cert)):
        assert info.organization == attr(cert, NameOID.ORGANIZATION_NAME) == \
            "DSO Desktop simulátor"
        assert info.common_name == attr(cert, NameOID.COMMON_NAME)
        assert info.serial == cert.serial_number


def test_a_signature_timestamp_that_is_no_signed_data_is_refused() -> None:
    not_signed = cms.ContentInfo({"content_type": "data", "content": b"20260301120000Z"})
    with pytest.raises(MalformedCmsError) as refused:
        parse_timestamp_token(not_signed)
    assert str(refused.value) == "timestamp token is not a SignedData"


# Survivors of seed 20261210 (branch ``survzfo3``).
SIGNATURE_TIMESTAMP = "1.2.840.113549.1.9.16.2.14"  # id-aa-signatureTimeStampToken


def test_a_signature_timestamp_over_other_content_than_a_tst_info_is_refused() -> None:
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData({
        "version": "v1", "digest_algorithms": [],
        "encap_content_info": {"content_type": "data", "content": b"20260301120000Z"},
        "signer_infos": []})})
    with pytest.raises(MalformedCmsError) as refused:
        parse_timestamp_token(token)
    assert str(refused.value) == "timestamp token does not carry a TSTInfo"


def test_a_seal_with_two_signature_timestamps_in_one_attribute_is_refused(
        make_zfo: Callable[..., bytes]) -> None:
    ci = cms.ContentInfo.load(make_zfo())
    si = ci["content"]["signer_infos"][0]
    (attr,) = [a for a in si["unsigned_attrs"] if a["type"].dotted == SIGNATURE_TIMESTAMP]
    token = attr["values"][0]
    attr["values"] = [token, token]
    # re-encode upwards by setting each parent's changed child (dump(force=True) re-encodes
    # the whole tree and takes minutes)
    si["unsigned_attrs"] = si["unsigned_attrs"]
    sd = ci["content"]
    sd["signer_infos"] = cms.SignerInfos([si])
    doubled = cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
    assert doubled.count(token.dump()) == 2
    with pytest.raises(MalformedCmsError) as refused:
        parse_zfo(doubled)
    assert str(refused.value) == "timestamp attribute must have one value"


# Survivors of seed 20261211 (branch ``survzfo4``).


def _tlv(tag: int, body: bytes = b"") -> bytes:
    assert len(body) < 0x80
    return bytes([tag, len(body)]) + body


@pytest.mark.parametrize("text", [b"20260301123456Z", b"20261231235959.123456Z",
                                  b"19991231184517.5Z"])
def test_the_fast_path_reads_a_generalized_time_as_asn1crypto_does(text: bytes) -> None:
    """genTime of a signature timestamp: every field from its own digits (a minute of 34,
    not 4)."""
    from asn1crypto.core import GeneralizedTime

    from dso_desktop.zfo import fastcms
    from dso_desktop.zfo.parse import _time

    raw = _tlv(fastcms.GENERALIZED_TIME, text)
    assert _time(raw, fastcms.read(raw, 0, len(raw))) == GeneralizedTime.load(raw).native


def test_parse_zfo_names_what_it_takes() -> None:
    with pytest.raises(TypeError) as refused:
        parse_zfo("not bytes")  # type: ignore[arg-type]
    assert str(refused.value) == "parse_zfo takes bytes"


# Survivors of seed 20261212 (branch ``survzfo5a``).


def test_a_seal_over_other_content_than_data_is_refused(make_zfo: Callable[..., bytes]) -> None:
    """The seal's encapsulated content must be pkcs7-data; other content present (here a
    TSTInfo's type) is refused as the reference refuses it, not read by the fast path."""
    from tests.unit.zfo.test_fast_parse import _reshape

    from dso_desktop.zfo import fastcms

    def tst_info_type(sd: list[Any], si: list[Any]) -> None:
        sd[2][1][0] = (fastcms.OID, fastcms.OID_TST_INFO)

    with pytest.raises(MalformedCmsError) as refused:
        parse_zfo(_reshape(make_zfo(), tst_info_type))
    assert str(refused.value) == "encapsulated content is not pkcs7-data"


@pytest.mark.parametrize("params", [(0x04, b""), (0x30, []), (0x02, b"")],
                         ids=["empty-octet-string", "empty-sequence", "empty-integer"])
def test_a_timestamp_hash_algorithm_with_parameters_other_than_null_is_refused(
        make_zfo: Callable[..., bytes], params: tuple[int, Any]) -> None:
    """asn1crypto reads SHA-256's parameters as NULL: anything else in the signature
    timestamp's messageImprint (even empty) breaks the ZFO on every path."""
    from tests.unit.zfo.test_fast_parse import _reshape, _tst_edit

    edit = _tst_edit(lambda f: f[2][1][0][1].__setitem__(1, params))
    with pytest.raises(MalformedCmsError) as refused:
        parse_zfo(_reshape(make_zfo(), edit))
    assert str(refused.value).startswith("broken CMS structure: ValueError: Error parsing "
                                         "asn1crypto.core.Null")


def test_the_seal_and_its_issuer_are_described_by_their_whole_names(
        pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    """The subject and issuer shown for the seal (and the TSA) name each attribute."""
    z = parse_zfo(make_zfo())

    def cn(name: x509.Name) -> str:
        (value,) = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(value.value)

    assert z.signer is not None and z.timestamp is not None and z.timestamp.tsa is not None
    for info, cert in ((z.signer, pki.seal.cert), (z.timestamp.tsa, pki.tsa.cert)):
        assert f"Common Name: {cn(cert.subject)}" in info.subject
        assert "Organization: DSO Desktop simulátor" in info.subject
        assert f"Common Name: {cn(cert.issuer)}" in info.issuer
