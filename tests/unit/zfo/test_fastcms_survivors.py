"""`zfo.fastcms`, the lean CMS reader verification runs on: hostile and truncated shapes of
a SignedData, a timestamp token and a TSTInfo must each be refused, with the reason that
names the broken part (it becomes the verdict's "not a readable ZFO: ..."), and the C fast
path must give exactly the reference's answer (survivors of seed 20261208, branch
``survzfo``).

The structures are built here from single TLVs, so each case differs from a well-formed
one in one place only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dso_desktop.zfo import fastcms
from dso_desktop.zfo.errors import MalformedCmsError, NotCmsError

SHA256 = bytes.fromhex("608648016503040201")
RSA = bytes.fromhex("2a864886f70d010101")
POLICY = bytes.fromhex("2a030405")


def tlv(tag: int, body: bytes = b"") -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def oid(value: bytes) -> bytes:
    return tlv(0x06, value)


INT1 = tlv(0x02, b"\x01")
NULL = tlv(0x05)
ALG_SHA256 = seq(oid(SHA256), NULL)
ALG_RSA = seq(oid(RSA), NULL)
SID = seq(seq(), tlv(0x02, b"\x05"))  # issuerAndSerialNumber: an empty Name, serial 5


def signer_info(*, sid: bytes = SID, attrs: bytes | None = None,
                sig_alg: bytes = ALG_RSA) -> bytes:
    signed = b"" if attrs is None else tlv(0xA0, attrs)
    return seq(INT1, sid, ALG_SHA256, signed, sig_alg, tlv(0x04, b"sig"))


def signed_data(*, econtent_type: bytes = fastcms.OID_DATA, content: bytes = b"<x/>",
                eci: bytes | None = None, si: bytes | None = None,
                after_eci: bytes | None = None, ci_oid: bytes = fastcms.OID_SIGNED_DATA,
                ci_extra: bytes = b"", explicit_tag: int = 0xA0) -> bytes:
    """ContentInfo { signedData, [0] SignedData { 1, {}, eci, {SignerInfo} } }."""
    if eci is None:
        eci = seq(oid(econtent_type), tlv(0xA0, tlv(0x04, content)))
    if after_eci is None:
        after_eci = tlv(0x31, signer_info() if si is None else si)
    sd = seq(INT1, tlv(0x31), eci, after_eci)
    return seq(oid(ci_oid), tlv(explicit_tag, sd), ci_extra)


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except Exception as exc:  # the exact error is what is compared
        return type(exc).__name__, str(exc)


def both(fn: Callable[[], Any]) -> tuple[str, Any]:
    """The outcome of ``fn`` on the C fast path, checked equal to the reference's."""
    fast = outcome(fn)
    with fastcms.reference_only():
        ref = outcome(fn)
    assert fast == ref
    return ref


@pytest.fixture(autouse=True, scope="module")
def _fast_path() -> Iterator[None]:
    if not fastcms.fast_path_available():  # pragma: no cover - depends on the install
        pytest.skip("the C fast path is not built here (test_fast_path.py builds it)")
    yield


def test_the_minimal_signed_data_reads_on_both_paths() -> None:
    """The base every refusal below differs from in one place is itself read."""
    data = signed_data()
    status, parts = both(lambda: fastcms.signed_data(data))
    assert status == "ok"
    assert (parts.content, parts.sid_serial, parts.digest, parts.signature) == \
        (b"<x/>", 5, "sha256", b"sig")
    assert both(lambda: fastcms.encapsulated(data, fastcms.OID_DATA)) == ("ok", b"<x/>")


_TWO_PART_ATTR = seq(oid(fastcms.OID_CONTENT_TYPE), tlv(0x31, oid(fastcms.OID_DATA)))


@pytest.mark.parametrize(("data", "error", "text"), [
    pytest.param(signed_data() + b"X", "MalformedCmsError",
                 "trailing data after the CMS structure", id="trailing-byte"),
    pytest.param(signed_data(ci_oid=fastcms.OID_DATA), "NotCmsError",
                 "not a CMS SignedData", id="content-type-data"),
    # a signedData ContentInfo with a third child is not a ContentInfo
    pytest.param(signed_data(ci_extra=NULL), "NotCmsError", "not a CMS SignedData",
                 id="content-info-with-three-children"),
    pytest.param(signed_data(eci=seq(oid(fastcms.OID_DATA), tlv(0xA0, tlv(0x04, b"a")), NULL)),
                 "MalformedCmsError", "too many ASN.1 values",
                 id="encap-content-info-with-three-children"),
    pytest.param(signed_data(eci=seq(oid(fastcms.OID_DATA), tlv(0xA1, tlv(0x04, b"a")))),
                 "MalformedCmsError", "eContent: unexpected ASN.1 tag 0xa1",
                 id="econtent-not-explicit-0"),
    pytest.param(signed_data(after_eci=tlv(0xA0)), "MalformedCmsError",
                 "SignedData has no signerInfos", id="no-signer-infos"),
    pytest.param(signed_data(si=signer_info(sid=seq(INT1, INT1))), "MalformedCmsError",
                 "issuer: unexpected ASN.1 tag 0x02", id="issuer-not-a-name"),
    pytest.param(signed_data(si=signer_info(sig_alg=tlv(0x31, oid(RSA)))),
                 "MalformedCmsError", "signatureAlgorithm: unexpected ASN.1 tag 0x31",
                 id="signature-algorithm-not-a-sequence"),
    pytest.param(signed_data(si=signer_info(sig_alg=seq(oid(RSA), NULL, NULL))),
                 "MalformedCmsError", "too many ASN.1 values",
                 id="signature-algorithm-with-three-parts"),
    pytest.param(signed_data(si=signer_info(attrs=seq(oid(fastcms.OID_CONTENT_TYPE)))),
                 "MalformedCmsError", "attribute must have a type and values",
                 id="attribute-without-values"),
    pytest.param(signed_data(si=signer_info(attrs=_TWO_PART_ATTR + seq(
        oid(fastcms.OID_SIGNING_TIME), tlv(0x31, b"".join([tlv(0x17, b"2603011200Z")] * 11))))),
                 "MalformedCmsError", "too many ASN.1 values",
                 id="attribute-with-eleven-values"),
])
def test_each_broken_signed_data_is_refused_with_its_reason(data: bytes, error: str,
                                                             text: str) -> None:
    assert both(lambda: fastcms.signed_data(data)) == (error, text)


def test_an_attribute_may_have_ten_values() -> None:
    """The bound of the previous case is ten values, not fewer."""
    ten = seq(oid(fastcms.OID_SIGNING_TIME), tlv(0x31, b"".join([tlv(0x17, b"2603011200Z")] * 10)))
    status, parts = both(lambda: fastcms.signed_data(signed_data(si=signer_info(attrs=ten))))
    assert status == "ok" and len(parts.attrs[fastcms.OID_SIGNING_TIME]) == 10


def test_trailing_zeros_only_where_allowed() -> None:
    padded = signed_data() + b"\x00\x00"
    assert both(lambda: fastcms.signed_data(padded))[0] == "ok"
    assert both(lambda: fastcms.signed_data(padded, allow_trailing_zeros=False)) == \
        ("MalformedCmsError", "trailing data after the CMS structure")


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(signed_data() + b"X", "trailing data after the CMS structure",
                 id="trailing-byte"),
    pytest.param(signed_data() + b"\x00X\x00", "trailing data after the CMS structure",
                 id="trailing-byte-between-zeros"),
    pytest.param(signed_data(ci_oid=fastcms.OID_DATA), "not a CMS SignedData",
                 id="content-type-data"),
    pytest.param(signed_data(explicit_tag=0xA1), "content: unexpected ASN.1 tag 0xa1",
                 id="content-not-explicit-0"),
    pytest.param(seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0)), "empty SignedData",
                 id="empty-explicit-0"),
])
def test_each_broken_token_is_refused_with_its_reason(data: bytes, text: str) -> None:
    """`encapsulated` reads dmQTimestamp's TSTInfo: what it refuses, and why."""
    assert both(lambda: fastcms.encapsulated(data, fastcms.OID_DATA)) == \
        ("MalformedCmsError", text)


def test_a_token_padded_with_zeros_is_read() -> None:
    """Real dmQTimestamp tokens carry zero padding after the structure."""
    assert both(lambda: fastcms.encapsulated(signed_data() + b"\x00\x00",
                                             fastcms.OID_DATA)) == ("ok", b"<x/>")


def _tst_info(imprint_alg: bytes = ALG_SHA256, gen_time: bytes = b"20260301120000Z") -> bytes:
    return seq(INT1, oid(POLICY), seq(imprint_alg, tlv(0x04, b"\x11" * 32)),
               tlv(0x02, b"\x2a"), tlv(0x18, gen_time))


def test_a_tst_info_reads_and_its_breakages_are_named() -> None:
    assert both(lambda: fastcms.tst_info(_tst_info())) == ("ok", fastcms.TstInfo(
        "sha256", b"\x11" * 32, datetime(2026, 3, 1, 12, tzinfo=UTC), 42))
    assert both(lambda: fastcms.tst_info(_tst_info() + b"\x00")) == \
        ("MalformedCmsError", "trailing data after TSTInfo")
    assert both(lambda: fastcms.tst_info(_tst_info(imprint_alg=tlv(0x31, oid(SHA256))))) == \
        ("MalformedCmsError", "hashAlgorithm: unexpected ASN.1 tag 0x31")


@pytest.mark.parametrize(("tag", "text"), [
    # a GeneralizedTime's text in a UTCTime is not a time of 2026
    (fastcms.UTC_TIME, "20260301120000Z"),
    # a GeneralizedTime without its "Z" is not read as UTC
    (fastcms.GENERALIZED_TIME, "202603011200000"),
    (fastcms.GENERALIZED_TIME, "20260301120000+0100"),
])
def test_a_time_in_the_wrong_form_is_refused(tag: int, text: str) -> None:
    value = tlv(tag, text.encode())
    t = fastcms.read(value, 0, len(value))
    assert both(lambda: fastcms.parse_time(value, t)) == \
        ("MalformedCmsError", f"bad ASN.1 time {text!r}")


def test_a_bad_time_is_quoted_to_30_characters() -> None:
    text = "2026030112000" + "9" * 40 + "Z"
    value = tlv(fastcms.GENERALIZED_TIME, text.encode())
    t = fastcms.read(value, 0, len(value))
    assert both(lambda: fastcms.parse_time(value, t)) == \
        ("MalformedCmsError", f"bad ASN.1 time {text[:30]!r}")


def test_indefinite_lengths_nest_at_most_32_deep() -> None:
    def nested(n: int) -> bytes:
        return b"\x30\x80" * n + b"\x00\x00" * n

    assert fastcms.read(nested(32), 0, 128).next == 128
    with pytest.raises(MalformedCmsError) as deep:
        fastcms.read(nested(33), 0, 132)
    assert str(deep.value) == "ASN.1 nesting too deep"


def test_nine_length_bytes_are_refused_as_absurd() -> None:
    data = bytes.fromhex("3089" "000000000000000003" "020101")
    with pytest.raises(MalformedCmsError) as absurd:
        fastcms.read(data, 0, len(data))
    assert str(absurd.value) == "absurd or truncated ASN.1 length"
    assert both(lambda: fastcms.signed_data(data)) == \
        ("MalformedCmsError", "absurd or truncated ASN.1 length")


def test_not_a_sequence_is_not_cms() -> None:
    with pytest.raises(NotCmsError):
        fastcms.signed_data(b"\x31\x00")


def test_a_negative_serial_reads_the_same_on_both_paths() -> None:
    """A signer identified by a negative serial (DER allows it; some CAs issued them) is
    looked up by the same number on the C path as on the reference."""
    data = signed_data(si=signer_info(sid=seq(seq(), tlv(0x02, b"\xfb"))))
    status, parts = both(lambda: fastcms.signed_data(data))
    assert status == "ok" and parts.sid_serial == -5


def test_an_unknown_imprint_hash_is_refused_on_both_paths() -> None:
    md5 = seq(oid(bytes.fromhex("2a864886f70d0205")), NULL)
    assert both(lambda: fastcms.tst_info(_tst_info(imprint_alg=md5))) == \
        ("MalformedCmsError", "unsupported messageImprint")


class _NoFastPath:
    """A `_cder` that must not be called."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the C fast path was called ({name}) where it is bypassed")


def test_without_the_extension_or_bypassed_only_the_reference_reads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An install without the compiled reader (``_cder`` None) reads with the reference,
    and `reference_only` really bypasses the C path (else the differential tests would
    compare the C reader with itself)."""
    data = signed_data()
    token = _tst_info()
    with fastcms.reference_only():
        want = (fastcms.signed_data(data), fastcms.tst_info(token),
                fastcms.encapsulated(data, fastcms.OID_DATA))
    monkeypatch.setattr(fastcms, "_cder", _NoFastPath())
    with fastcms.reference_only():
        assert (fastcms.signed_data(data), fastcms.tst_info(token),
                fastcms.encapsulated(data, fastcms.OID_DATA)) == want
    monkeypatch.setattr(fastcms, "_cder", None)
    assert not fastcms.fast_enabled()
    assert (fastcms.signed_data(data), fastcms.tst_info(token),
            fastcms.encapsulated(data, fastcms.OID_DATA)) == want


@pytest.mark.parametrize(("text", "year"), [
    ("500101000000Z", 1950), ("991231235959Z", 1999), ("000101000000Z", 2000),
    ("491231235959Z", 2049),
])
def test_a_utctime_year_is_read_as_rfc_5280_says(text: str, year: int) -> None:
    """RFC 5280, 4.1.2.5.1: YY of 50 or more is 19YY, less than 50 is 20YY; the boundary
    years on both sides, on both paths."""
    value = tlv(fastcms.UTC_TIME, text.encode())
    t = fastcms.read(value, 0, len(value))
    kind, when = both(lambda: fastcms.parse_time(value, t))
    assert kind == "ok", when
    assert when.year == year
    assert (when.month, when.day, when.second) == (int(text[2:4]), int(text[4:6]),
                                                    int(text[10:12]))


def test_an_indefinite_value_says_so_and_a_short_one_is_truncated() -> None:
    value = b"\x30\x80" + tlv(0x04, b"A") + b"\x00\x00"
    t = fastcms.read(value, 0, len(value))
    assert t.indefinite is True and (t.body, t.end, t.next) == (2, 5, 7)
    definite = seq(tlv(0x04, b"A"))
    assert fastcms.read(definite, 0, len(definite)).indefinite is False
    with pytest.raises(MalformedCmsError) as short:
        fastcms.read(b"\x30", 0, 1)
    assert str(short.value) == "truncated ASN.1 value"


def test_an_indefinite_value_without_its_end_is_refused_at_its_limit() -> None:
    """No end-of-contents before the limit: refused as unterminated, whether the buffer ends
    there or goes on past the limit (the end-of-contents after it is not this value's)."""
    open_value = b"\x30\x80" + tlv(0x04, b"A")
    for buf in (open_value, open_value + b"\x00\x00"):
        with pytest.raises(MalformedCmsError) as exc:
            fastcms.read(buf, 0, len(open_value))
        assert str(exc.value) == "unterminated indefinite-length value"


# Seed 20261210's survivors (branch ``survzfo3``): the refusals' texts of the SignerInfo, the
# bounds of each part's count, and the C path's fields checked against the reference.

_MD5 = seq(oid(bytes.fromhex("2a864886f70d0205")), NULL)
_INDEFINITE_ATTRS = b"\xa0\x80" + _TWO_PART_ATTR + b"\x00\x00"


@pytest.mark.parametrize(("data", "error", "text"), [
    pytest.param(signed_data(si=signer_info(attrs=seq(oid(fastcms.OID_CONTENT_TYPE),
                                                      tlv(0x31, oid(fastcms.OID_DATA)), NULL))),
                 "MalformedCmsError", "too many ASN.1 values", id="attribute-with-three-parts"),
    pytest.param(signed_data(si=seq(INT1, SID, seq(oid(SHA256), NULL, NULL), ALG_RSA,
                                    tlv(0x04, b"sig"))),
                 "MalformedCmsError", "too many ASN.1 values",
                 id="digest-algorithm-with-three-parts"),
    pytest.param(signed_data(si=seq(INT1, SID, ALG_SHA256, _INDEFINITE_ATTRS, ALG_RSA,
                                    tlv(0x04, b"sig"))),
                 "MalformedCmsError", "signed attributes must be DER",
                 id="signed-attributes-of-indefinite-length"),
    pytest.param(signed_data(si=tlv(0x31, signer_info()[2:])), "MalformedCmsError",
                 "SignerInfo: unexpected ASN.1 tag 0x31", id="signer-info-not-a-sequence"),
    pytest.param(signed_data(si=signer_info(sid=INT1)), "MalformedCmsError",
                 "unknown signer identifier", id="signer-identifier-an-integer"),
    pytest.param(signed_data(eci=seq(oid(fastcms.OID_DATA))), "DetachedContentError",
                 "the CMS has no encapsulated content (detached signature)",
                 id="detached-data"),
    pytest.param(signed_data(eci=seq(oid(fastcms.OID_DATA), tlv(0xA0))), "MalformedCmsError",
                 "eContent must hold one OCTET STRING", id="empty-econtent"),
    pytest.param(signed_data(after_eci=tlv(0x31, signer_info() * 2)), "MalformedCmsError",
                 "exactly one signer expected", id="two-signers"),
    pytest.param(signed_data(after_eci=tlv(0x31, signer_info() * 3)), "MalformedCmsError",
                 "too many ASN.1 values", id="three-signers"),
    pytest.param(b"\x30", "NotCmsError", "not a DER SEQUENCE (not a CMS file)", id="one-byte"),
    pytest.param(b"\x30\x00", "NotCmsError", "not a CMS SignedData", id="empty-sequence"),
])
def test_each_broken_signer_is_refused_with_its_reason(data: bytes, error: str,
                                                       text: str) -> None:
    assert both(lambda: fastcms.signed_data(data)) == (error, text)


def test_only_data_content_must_be_encapsulated() -> None:
    """A timestamp token's content type without content is read (its caller refuses it
    with its own reason); only the signed document's ``data`` is refused as detached."""
    status, parts = both(lambda: fastcms.signed_data(
        signed_data(eci=seq(oid(fastcms.OID_TST_INFO)))))
    assert status == "ok"
    assert (parts.econtent_type, parts.content) == (fastcms.OID_TST_INFO, None)


def test_the_fast_path_gives_the_key_identifier_and_the_pss_parameters() -> None:
    """Both fields are read by the C walk itself (not left to the reference)."""
    by_ski = signed_data(si=signer_info(sid=tlv(0x80, b"\x01\x02\x03")))
    pss_params = seq(ALG_SHA256)
    pss = signed_data(si=signer_info(sig_alg=seq(oid(fastcms.OID_RSASSA_PSS), pss_params)))
    assert fastcms._cder.signed_data(by_ski, True) is not None
    assert fastcms._cder.signed_data(pss, True) is not None
    status, parts = both(lambda: fastcms.signed_data(by_ski))
    assert status == "ok"
    assert (parts.sid_ski, parts.sid_issuer, parts.sid_serial) == (b"\x01\x02\x03", None, None)
    status, parts = both(lambda: fastcms.signed_data(pss))
    assert status == "ok"
    assert (parts.sig_alg, parts.sig_alg_params) == (fastcms.OID_RSASSA_PSS, pss_params)


def _tst(*, imprint_alg: bytes = ALG_SHA256, imprint: bytes = b"\x11" * 32,
         serial: bytes = b"\x2a", tag: int = 0x30, imprint_extra: bytes = b"") -> bytes:
    return tlv(tag, INT1 + oid(POLICY) + seq(imprint_alg, tlv(0x04, imprint), imprint_extra)
               + tlv(0x02, serial) + tlv(0x18, b"20260301120000Z"))


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(_tst(tag=0x31), "TSTInfo: unexpected ASN.1 tag 0x31", id="tst-info-a-set"),
    pytest.param(_tst(imprint_extra=NULL), "too many ASN.1 values",
                 id="message-imprint-with-three-parts"),
    # an unknown hash whose imprint happens to be the bytes of a known hash's OID
    pytest.param(_tst(imprint_alg=_MD5, imprint=SHA256), "unsupported messageImprint",
                 id="unknown-hash-imprint-looking-like-an-oid"),
])
def test_each_broken_tst_info_is_refused_with_its_reason(data: bytes, text: str) -> None:
    assert both(lambda: fastcms.tst_info(data)) == ("MalformedCmsError", text)


def test_a_negative_tsa_serial_reads_the_same_on_both_paths() -> None:
    status, info = both(lambda: fastcms.tst_info(_tst(serial=b"\xfb")))
    assert status == "ok" and info.serial == -5


def test_the_compiled_module_is_handed_out_only_when_not_bypassed() -> None:
    """xmlcontent takes the C reader from `fast_module`: `reference_only` must hide it."""
    assert fastcms.fast_module() is fastcms._cder
    with fastcms.reference_only():
        assert fastcms.fast_module() is None


# Survivors of seed 20261211 (branch ``survzfo4``).


def _signed_data_holding(version: bytes = INT1, explicit_body: bytes | None = None) -> bytes:
    eci = seq(oid(fastcms.OID_DATA), tlv(0xA0, tlv(0x04, b"<x/>")))
    sd = seq(version, tlv(0x31), eci, tlv(0x31, signer_info()))
    return seq(oid(fastcms.OID_SIGNED_DATA),
               tlv(0xA0, sd if explicit_body is None else explicit_body))


# Each broken TLV as the first child of an otherwise short SEQUENCE.
_LONGER_THAN_ITS_CONTAINER = b"\x30\x04\x06\x05\x2a\x03"
_HIGH_NUMBER_TAG = b"\x30\x03\x1f\x01\x00"
_INDEFINITE_PRIMITIVE = b"\x30\x04\x04\x80\x00\x00"


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(signed_data(si=seq(INT1, SID, tlv(0x31, oid(SHA256)), ALG_RSA,
                                    tlv(0x04, b"sig"))),
                 "digestAlgorithm: unexpected ASN.1 tag 0x31", id="digest-algorithm-a-set"),
    pytest.param(_signed_data_holding(version=NULL), "version: unexpected ASN.1 tag 0x05",
                 id="version-not-an-integer"),
    pytest.param(_signed_data_holding(explicit_body=tlv(0x31, INT1)),
                 "SignedData: unexpected ASN.1 tag 0x31", id="signed-data-a-set"),
    pytest.param(_LONGER_THAN_ITS_CONTAINER, "ASN.1 length beyond the end of its container",
                 id="value-longer-than-its-container"),
    pytest.param(_HIGH_NUMBER_TAG, "unexpected high-number ASN.1 tag", id="high-number-tag"),
    pytest.param(_INDEFINITE_PRIMITIVE, "indefinite length on a primitive value",
                 id="indefinite-primitive"),
])
def test_each_broken_part_of_a_signed_data_is_named(data: bytes, text: str) -> None:
    assert both(lambda: fastcms.signed_data(data)) == ("MalformedCmsError", text)


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(tlv(0x31, oid(fastcms.OID_SIGNED_DATA)),
                 "ContentInfo: unexpected ASN.1 tag 0x31", id="content-info-a-set"),
    pytest.param(seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, seq(INT1) + seq(INT1))),
                 "too many ASN.1 values", id="two-values-in-the-content"),
    pytest.param(seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, seq(
        INT1, tlv(0x31), seq(oid(fastcms.OID_DATA),
                             tlv(0xA0, tlv(0x04, b"a") + tlv(0x04, b"b")))))),
                 "too many ASN.1 values", id="two-octet-strings-in-econtent"),
    pytest.param(_LONGER_THAN_ITS_CONTAINER, "ASN.1 length beyond the end of its container",
                 id="value-longer-than-its-container"),
    pytest.param(_HIGH_NUMBER_TAG, "unexpected high-number ASN.1 tag", id="high-number-tag"),
    pytest.param(_INDEFINITE_PRIMITIVE, "indefinite length on a primitive value",
                 id="indefinite-primitive"),
])
def test_each_broken_part_of_a_token_is_named(data: bytes, text: str) -> None:
    """`encapsulated` (dmQTimestamp's reader): its own refusals, each with its reason."""
    assert both(lambda: fastcms.encapsulated(data, fastcms.OID_DATA)) == \
        ("MalformedCmsError", text)


def test_a_der_signed_data_is_read_by_the_c_walk_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is what verification runs on: a plain DER SignedData with a known
    digest must not be read a second time by the pure-Python reference."""
    def no_reference(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the reference reader was run")

    monkeypatch.setattr(fastcms, "signed_data_reference", no_reference)
    parts = fastcms.signed_data(signed_data())
    assert (parts.content, parts.digest, parts.sid_serial) == (b"<x/>", "sha256", 5)


# Survivors of seed 20261212 (branch ``survzfo5a``).


def _cms_of(*sd_parts: bytes) -> bytes:
    """ContentInfo { signedData, [0] SignedData { the parts as given } }."""
    return seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, seq(*sd_parts)))


_ECI = seq(oid(fastcms.OID_DATA), tlv(0xA0, tlv(0x04, b"<x/>")))
_SIGNERS = tlv(0x31, signer_info())


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(_cms_of(INT1, seq(), _ECI, _SIGNERS),
                 "digestAlgorithms: unexpected ASN.1 tag 0x30",
                 id="digest-algorithms-a-sequence"),
    pytest.param(_cms_of(INT1, tlv(0x31), tlv(0x31, oid(fastcms.OID_DATA)), _SIGNERS),
                 "encapContentInfo: unexpected ASN.1 tag 0x31",
                 id="encap-content-info-a-set"),
    pytest.param(_cms_of(INT1, tlv(0x31), seq(oid(fastcms.OID_DATA), tlv(
        0xA0, tlv(0x04, b"a") + tlv(0x04, b"b"))), _SIGNERS),
                 "too many ASN.1 values", id="two-octet-strings-in-econtent"),
    pytest.param(_cms_of(INT1, tlv(0x31), _ECI), "SignedData too short",
                 id="signed-data-of-three-parts"),
    # version, digestAlgorithms, encapContentInfo, [0], [1], signerInfos: six; 8 at most
    pytest.param(_cms_of(INT1, tlv(0x31), _ECI, _SIGNERS, *[NULL] * 5),
                 "too many ASN.1 values", id="signed-data-of-nine-parts"),
    pytest.param(signed_data(si=seq(INT1, SID, ALG_SHA256, tlv(0xA0, _TWO_PART_ATTR),
                                    ALG_RSA)),
                 "SignerInfo lacks signature", id="signer-info-without-signature"),
    # a SignerInfo has at most 7 parts (unsignedAttrs last); 8 are read, 9 are too many
    pytest.param(signed_data(si=seq(INT1, SID, ALG_SHA256, ALG_RSA, tlv(0x04, b"sig"),
                                    *[NULL] * 4)),
                 "too many ASN.1 values", id="signer-info-of-nine-parts"),
    pytest.param(signed_data(si=signer_info(attrs=seq(oid(fastcms.OID_CONTENT_TYPE),
                                                      seq(oid(fastcms.OID_DATA))))),
                 "attribute values: unexpected ASN.1 tag 0x30",
                 id="attribute-values-a-sequence"),
    # four length bytes announced, two there: the header itself is cut off
    pytest.param(b"\x30\x84\x00\x00", "absurd or truncated ASN.1 length",
                 id="length-bytes-cut-off"),
])
def test_each_broken_layer_of_a_signed_data_is_named(data: bytes, text: str) -> None:
    assert both(lambda: fastcms.signed_data(data)) == ("MalformedCmsError", text)


def test_a_signer_info_of_eight_parts_is_read() -> None:
    """The bound of the nine-part case above is eight parts, not fewer."""
    eight = seq(INT1, SID, ALG_SHA256, ALG_RSA, tlv(0x04, b"sig"), *[NULL] * 3)
    status, parts = both(lambda: fastcms.signed_data(signed_data(si=eight)))
    assert status == "ok" and parts.signature == b"sig"


def test_a_gen_time_that_is_no_generalized_time_is_named() -> None:
    utc = tlv(0x30, INT1 + oid(POLICY) + seq(ALG_SHA256, tlv(0x04, b"\x11" * 32))
              + tlv(0x02, b"\x2a") + tlv(0x17, b"260301120000Z"))
    assert both(lambda: fastcms.tst_info(utc)) == \
        ("MalformedCmsError", "genTime: unexpected ASN.1 tag 0x17")


def test_a_content_info_of_five_values_is_refused_as_too_long() -> None:
    """A ContentInfo has two values: reading stops at the fifth, before their meaning."""
    data = signed_data(ci_extra=NULL * 3)
    assert both(lambda: fastcms.encapsulated(data, fastcms.OID_DATA)) == \
        ("MalformedCmsError", "too many ASN.1 values")


def test_a_signed_data_holds_at_most_fifty_certificates() -> None:
    cert = seq(INT1)
    sd = seq(INT1, tlv(0x31), seq(oid(fastcms.OID_DATA), tlv(0xA0, tlv(0x04, b"<x/>"))),
             tlv(0xA0, cert * 51), tlv(0x31, signer_info()))
    data = seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, sd))
    assert both(lambda: fastcms.signed_data(data)) == \
        ("MalformedCmsError", "too many ASN.1 values")
    fifty = seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, seq(
        INT1, tlv(0x31), seq(oid(fastcms.OID_DATA), tlv(0xA0, tlv(0x04, b"<x/>"))),
        tlv(0xA0, cert * 50), tlv(0x31, signer_info()))))
    status, parts = both(lambda: fastcms.signed_data(fifty))
    assert status == "ok" and parts.certs == [cert] * 50


def test_a_signer_info_of_four_values_is_too_short() -> None:
    data = signed_data(si=seq(INT1, SID, ALG_SHA256, ALG_RSA))
    assert both(lambda: fastcms.signed_data(data)) == \
        ("MalformedCmsError", "SignerInfo too short")


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(_tst(serial=b"\x2a").replace(tlv(0x02, b"\x2a"), tlv(0x04, b"\x2a")),
                 "serial: unexpected ASN.1 tag 0x04", id="serial-not-an-integer"),
    pytest.param(tlv(0x30, INT1 + oid(POLICY) + tlv(0x31, ALG_SHA256 + tlv(0x04, b"\x11"))
                     + tlv(0x02, b"\x2a") + tlv(0x18, b"20260301120000Z")),
                 "messageImprint: unexpected ASN.1 tag 0x31", id="imprint-not-a-sequence"),
])
def test_a_tst_info_field_of_the_wrong_type_is_named(data: bytes, text: str) -> None:
    assert both(lambda: fastcms.tst_info(data)) == ("MalformedCmsError", text)
