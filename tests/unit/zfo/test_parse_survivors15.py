"""`zfo.parse`: the refusals' texts, the fast timestamp reading against the reference, the
lean split's skeleton and its refusals, the seal's names (survivors of session 15's whole
mutation run, branch ``survparse15``)."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from tests.unit.zfo.test_fastcms_survivors import (
    ALG_SHA256,
    INT1,
    NULL,
    POLICY,
    SHA256,
    SID,
    oid,
    seq,
    signed_data,
    signer_info,
    tlv,
)
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.zfo import der, fastcms, parse
from dso_desktop.zfo.errors import DetachedContentError, MalformedCmsError
from dso_desktop.zfo.model import TimestampInfo
from dso_desktop.zfo.testpki import TestPki, issue_cert


@pytest.fixture(autouse=True, scope="module")
def _fast_path() -> Iterator[None]:
    if not fastcms.fast_path_available():  # pragma: no cover - depends on the install
        pytest.skip("the C fast path is not built here (test_fast_path.py builds it)")
    yield


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except Exception as exc:  # the exact error is what is compared
        return type(exc).__name__, str(exc)


# -- the outer CMS's refusals, on the fast, the whole and the lean path ---------------------

@pytest.fixture(params=["fast", "whole", "lean"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``fast``: as the product runs (the C reading first); ``whole``: the reference alone;
    ``lean``: the reference through the skeleton split (as for a file above 1 MiB)."""
    if request.param == "whole":
        monkeypatch.setattr(parse, "_cms_fast", lambda data: None)
    elif request.param == "lean":
        monkeypatch.setattr(parse, "_LEAN_MIN", -1)
    return str(request.param)


@pytest.mark.parametrize(("data", "error", "text"), [
    pytest.param(signed_data(eci=seq(oid(fastcms.OID_DATA))), DetachedContentError,
                 "the CMS has no encapsulated content (detached signature)", id="detached"),
    pytest.param(signed_data(after_eci=tlv(0x31, signer_info() * 2)), MalformedCmsError,
                 "a ZFO has exactly one signer", id="two-signers"),
])
def test_a_cms_that_is_no_zfo_is_refused_with_its_reason(path: str, data: bytes,
                                                        error: type, text: str) -> None:
    with pytest.raises(error) as refused:
        parse.parse_zfo(data)
    assert type(refused.value) is error
    assert str(refused.value) == text


def test_a_file_of_exactly_the_size_limit_is_read_not_refused_as_too_large() -> None:
    data = signed_data(eci=seq(oid(fastcms.OID_DATA)))
    with pytest.raises(DetachedContentError):
        parse.parse_zfo(data, max_size=len(data))


# -- the lean split -------------------------------------------------------------------------

def _whole_and_lean(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    with monkeypatch.context() as m:
        m.setattr(parse, "_cms_fast", lambda data: None)
        whole = _outcome(lambda: parse.parse_zfo(data))
    with monkeypatch.context() as m:
        m.setattr(parse, "_LEAN_MIN", -1)
        lean = _outcome(lambda: parse.parse_zfo(data))
    return whole, lean


@pytest.mark.parametrize("data", [
    pytest.param(seq(oid(fastcms.OID_SIGNED_DATA)), id="content-info-without-content"),
    pytest.param(seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0)), id="empty-explicit-content"),
    pytest.param(seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, seq(INT1, tlv(0x31)))),
                 id="signed-data-without-encapsulated-content"),
    pytest.param(signed_data(eci=seq(oid(fastcms.OID_DATA))),
                 id="encapsulated-content-info-of-one-part"),
])
def test_a_layout_the_split_does_not_cover_is_refused_as_the_whole_file_is(
        data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, lean = _whole_and_lean(data, monkeypatch)
    assert whole[0] in {"NotCmsError", "MalformedCmsError", "DetachedContentError"}
    assert lean == whole


def test_the_skeleton_is_the_cms_around_an_empty_content_in_the_files_own_form() -> None:
    """Each container around the content keeps its definite length, re-counted (short form
    below 128 bytes, long form from 128 on), so the skeleton of a DER file is the DER of
    the same CMS with an empty eContent (signatures of 35-64 bytes take each container
    across the 128-byte boundary)."""
    content = b"<x>" + b"a" * 300 + b"</x>"
    for pad in range(35, 65):
        si = seq(INT1, SID, ALG_SHA256, seq(oid(bytes.fromhex("2a864886f70d010101")), NULL),
                 tlv(0x04, b"s" * pad))
        split = parse._skeleton(signed_data(content=content, si=si))
        assert split is not None
        skeleton, econtent = split
        assert skeleton == signed_data(content=b"", si=si), pad
        assert bytes(econtent) == content
        assert der.scan(skeleton) == len(skeleton)


# -- the timestamp token: the reference, and the fast reading against it ------------------

def _tst(*, alg: bytes = ALG_SHA256, imprint: bytes = tlv(0x04, b"\x11" * 32),
         tail: bytes = b"", tag: int = 0x30, imprint_seq: bytes | None = None) -> bytes:
    mi = seq(alg, imprint) if imprint_seq is None else imprint_seq
    return tlv(tag, INT1 + oid(POLICY) + mi + tlv(0x02, b"\x2a") +
               tlv(0x18, b"20260301120000Z") + tail)


def _token(tst: bytes, *, content_type: bytes = fastcms.OID_TST_INFO, certs: bytes = b"",
           sid: bytes = SID, signers: int = 1) -> bytes:
    sd = seq(tlv(0x02, b"\x03"), tlv(0x31), seq(oid(content_type), tlv(0xA0, tlv(0x04, tst))),
             certs, tlv(0x31, signer_info(sid=sid) * signers))
    return seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, sd))


def _reference(token: bytes) -> tuple[str, Any]:
    return _outcome(lambda: parse.parse_timestamp_token(cms.ContentInfo.load(token)))


def _fast(token: bytes) -> TimestampInfo | None:
    """The fast reading as `_cms_fast` uses it: anything it raises means "ask the reference"."""
    try:
        return parse._timestamp_fast(fastcms._cder, token)
    except Exception:  # as _cms_fast
        return None


def test_a_token_without_its_authoritys_certificate_is_read_without_one() -> None:
    token = _token(_tst())
    status, info = _reference(token)
    assert status == "ok"
    assert (info.tsa, info.serial, info.policy, info.hash_algorithm) == \
        (None, 42, "1.2.3.4.5", "sha256")
    assert _fast(token) == info


def test_a_token_of_two_signers_is_refused_by_name() -> None:
    assert _reference(_token(_tst(), signers=2)) == \
        ("MalformedCmsError", "timestamp token must have exactly one signer")


def test_no_bytes_may_trail_a_tokens_tst_info() -> None:
    assert _reference(_token(_tst() + b"\x00\x00")) == \
        ("MalformedCmsError", "trailing data after the CMS structure")


def test_the_authority_named_by_its_key_identifier_is_found_on_both_readings(
        pki: TestPki) -> None:
    cert = pki.tsa.cert
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    token = _token(_tst(), certs=tlv(0xA0, cert.public_bytes(Encoding.DER)),
                   sid=tlv(0x80, ski))
    status, info = _reference(token)
    assert status == "ok" and info.tsa is not None
    assert info.tsa.serial == cert.serial_number
    assert _fast(token) == info


@pytest.mark.parametrize("token", [
    pytest.param(_token(_tst(), content_type=fastcms.OID_DATA), id="data-content-type"),
    pytest.param(_token(_tst(tag=0x31)), id="tst-info-a-set"),
    pytest.param(_token(_tst(imprint=tlv(0x02, b"\x11" * 32))), id="imprint-an-integer"),
    pytest.param(_token(_tst(alg=tlv(0x31, oid(SHA256) + NULL))), id="algorithm-a-set"),
    pytest.param(_token(_tst(alg=seq(tlv(0x04, SHA256)))), id="algorithm-not-an-oid"),
    pytest.param(_token(_tst(tail=tlv(0xA0, tlv(0x04, b"x")))), id="tsa-name-not-a-name"),
    pytest.param(_token(_tst(tail=INT1 + tlv(0xA0, tlv(0x04, b"x")))),
                 id="nonce-then-tsa-name-not-a-name"),
    # asn1crypto refuses an accuracy with a constructed value among its parts; the fast
    # reading left values of indefinite length out of its check of the parts and read it.
    pytest.param(_token(_tst(tail=seq(INT1, b"\x30\x80\x00\x00", tlv(0x80, b"\x01")))),
                 id="accuracy-with-an-indefinite-part"),
])
def test_a_token_the_reference_refuses_is_not_read_fast(token: bytes) -> None:
    assert _reference(token)[0] != "ok"
    assert _fast(token) is None


def _with_token(zfo: bytes, token: bytes) -> bytes:
    """``zfo`` with its signature timestamp replaced by ``token``'s exact bytes (nothing
    re-encoded but the containers around it; the seal no longer verifies, parsing does not
    care)."""
    info = cms.ContentInfo.load(zfo)
    sd = info["content"]
    signers = sd["signer_infos"]
    si = signers[0]
    attrs = si["unsigned_attrs"]
    for attr in attrs:
        if attr["type"].dotted == parse.OID_TST_TOKEN:
            attr["values"] = cms.SetOfContentInfo([cms.ContentInfo.load(token)])
    si["unsigned_attrs"] = attrs
    signers[0] = si
    sd["signer_infos"] = signers
    info["content"] = sd
    data = info.dump()
    assert token in data
    return data


def test_a_zfo_whose_timestamp_the_reference_refuses_is_refused_on_the_fast_path_too(
        make_zfo: Callable[..., bytes]) -> None:
    """An accuracy with a constructed part: asn1crypto refuses the TSTInfo, so must
    parse_zfo's fast path (it returned a Zfo before branch ``survparse15``'s fix)."""
    data = _with_token(make_zfo(), _token(_tst(
        tail=seq(INT1, b"\x30\x80\x00\x00", tlv(0x80, b"\x01")))))
    with fastcms.reference_only():
        reference = _outcome(lambda: parse.parse_zfo(data))
    assert reference[0] == "MalformedCmsError"
    assert _outcome(lambda: parse.parse_zfo(data)) == reference


_BER_IMPRINT = b"\x30\x80" + ALG_SHA256 + tlv(0x04, b"\x11" * 32) + b"\x00\x00"
_BER_ALGORITHM = seq(b"\x30\x80" + oid(SHA256) + NULL + b"\x00\x00", tlv(0x04, b"\x11" * 32))


@pytest.mark.parametrize("token", [
    pytest.param(_token(_tst(tail=tlv(0x04, b"x"))), id="unknown-field-after-gen-time"),
    pytest.param(_token(_tst(imprint_seq=_BER_IMPRINT)), id="imprint-of-indefinite-length"),
    pytest.param(_token(_tst(imprint_seq=_BER_ALGORITHM)), id="algorithm-of-indefinite-length"),
    pytest.param(_token(_tst(alg=seq(oid(SHA256), NULL, NULL, NULL))),
                 id="algorithm-of-four-parts"),
    pytest.param(_token(b"\x30\x80" + _tst()[2:] + b"\x00\x00"),
                 id="tst-info-of-indefinite-length"),
    # a constructed value after the accuracy's three parts: asn1crypto reads the three
    pytest.param(_token(_tst(tail=seq(INT1, tlv(0x80, b"\x01"), b"\x30\x80\x00\x00"))),
                 id="accuracy-ending-with-an-indefinite-part"),
])
def test_a_token_the_reference_reads_is_read_fast_the_same_or_left_to_it(
        token: bytes) -> None:
    status, info = _reference(token)
    assert status == "ok" and info.imprint == b"\x11" * 32
    fast = _fast(token)
    assert fast is None or fast == info


# -- the names of a certificate -------------------------------------------------------------

def test_a_subject_with_two_common_names_and_organisations_names_neither_alone() -> None:
    """asn1crypto gives a repeated attribute as a list: no one common name or
    organisation is shown, the whole subject still is."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "A"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "B"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "O1"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "O2")])
    cert = issue_cert(name, ec.generate_private_key(ec.SECP256R1()))
    info = parse.cert_info(asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)))
    assert (info.common_name, info.organization) == (None, None)
    assert "A" in info.subject and "O2" in info.subject


def test_a_name_that_cannot_be_decoded_is_shown_as_unreadable() -> None:
    name = asn1_x509.Name.load(seq(tlv(0x31, seq(oid(bytes.fromhex("550403")),
                                                  tlv(0x0C, b"\xff\xfe")))))
    assert parse._name(name) == "(unreadable name)"
