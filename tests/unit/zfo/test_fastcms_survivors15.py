"""`zfo.fastcms` refusals and readings no test reached before session 15's whole mutation
run: each broken part of a SignedData, a token or a TSTInfo is refused with the reason that
names it (the verdict's "not a readable ZFO: ..."), on the C path and the reference alike;
the reference's own edges (length bytes, times, deep chunks) and `Pieces` read piece by piece
as the reference does where the extension is absent.

The structures are built from single TLVs (the helpers of ``test_fastcms_survivors``), so
each case differs from a well-formed one in one place only.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from tests.unit.zfo.test_fastcms_survivors import (
    ALG_RSA,
    ALG_SHA256,
    INT1,
    NULL,
    POLICY,
    SID,
    _tst_info,
    both,
    oid,
    seq,
    signed_data,
    signer_info,
    tlv,
)

from dso_desktop.zfo import fastcms
from dso_desktop.zfo.errors import MalformedCmsError


@pytest.fixture(autouse=True, scope="module")
def _fast_path() -> Iterator[None]:
    if fastcms._cder is None:  # pragma: no cover - depends on the install
        pytest.skip("the C fast path is not built here (test_fast_path.py builds it)")
    yield


def test_the_fast_path_is_said_available_exactly_when_the_extension_is_loaded() -> None:
    assert fastcms._cder is not None
    assert fastcms.fast_path_available() is True


def _attr(n: int) -> bytes:
    """A well-formed attribute of its own type (OID 1.2.3.n)."""
    return seq(oid(bytes([0x2A, 0x03, n])), tlv(0x31, NULL))


def _sd_raw(sd_body: bytes, *, explicit: bytes | None = None, ci_extra: bytes = b"") -> bytes:
    return seq(oid(fastcms.OID_SIGNED_DATA),
               tlv(0xA0, seq(sd_body)) if explicit is None else explicit, ci_extra)


_ECI = seq(oid(fastcms.OID_DATA), tlv(0xA0, tlv(0x04, b"<x/>")))
_SIS = tlv(0x31, signer_info())


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(signed_data(si=signer_info(attrs=tlv(0x31, oid(fastcms.OID_DATA)))),
                 "attribute: unexpected ASN.1 tag 0x31", id="attribute-not-a-sequence"),
    pytest.param(signed_data(si=signer_info(attrs=_attr(1) + _attr(1))),
                 "duplicate CMS attribute", id="duplicate-attribute"),
    pytest.param(signed_data(si=signer_info(attrs=b"".join(_attr(n) for n in range(101)))),
                 "too many ASN.1 values", id="hundred-and-one-attributes"),
    pytest.param(signed_data(si=seq(INT1, SID, seq(oid(POLICY), NULL), ALG_RSA,
                                    tlv(0x04, b"sig"))),
                 "unsupported digest algorithm", id="unknown-digest"),
    pytest.param(signed_data(si=seq(INT1, SID, ALG_SHA256, ALG_RSA, tlv(0x03, b"\x00sig"))),
                 "signature: unexpected ASN.1 tag 0x03", id="signature-a-bit-string"),
    pytest.param(signed_data(si=signer_info(sid=seq(seq(), INT1, INT1))),
                 "too many ASN.1 values", id="issuer-and-serial-of-three"),
    pytest.param(signed_data(si=signer_info(sid=seq(seq()))),
                 "bad issuerAndSerialNumber", id="issuer-without-serial"),
    pytest.param(signed_data(si=signer_info(sid=seq(seq(), tlv(0x04, b"\x05")))),
                 "serial: unexpected ASN.1 tag 0x04", id="serial-an-octet-string"),
    pytest.param(_sd_raw(INT1 + tlv(0x31) + _ECI + tlv(0xA0, b"\x30\x80\x02\x01\x01\x00\x00")
                         + _SIS),
                 "indefinite length where DER is required", id="certificate-indefinite"),
    pytest.param(_sd_raw(b"", explicit=tlv(0xA1, seq())),
                 "content: unexpected ASN.1 tag 0xa1", id="content-not-explicit-0"),
    pytest.param(_sd_raw(b"", explicit=tlv(0xA0, seq() + seq())),
                 "too many ASN.1 values", id="two-values-in-explicit-0"),
    pytest.param(_sd_raw(b"", explicit=tlv(0xA0)), "empty SignedData", id="empty-explicit-0"),
])
def test_each_broken_part_of_a_signer_is_named(data: bytes, text: str) -> None:
    assert both(lambda: fastcms.signed_data(data)) == ("MalformedCmsError", text)


def test_a_content_info_of_five_values_is_too_long_for_a_signed_data() -> None:
    data = _sd_raw(INT1 + tlv(0x31) + _ECI + _SIS, ci_extra=NULL + NULL + NULL)
    assert both(lambda: fastcms.signed_data(data)) == ("MalformedCmsError",
                                                       "too many ASN.1 values")


def test_a_hundred_attributes_are_read() -> None:
    data = signed_data(si=signer_info(attrs=b"".join(_attr(n) for n in range(100))))
    status, parts = both(lambda: fastcms.signed_data(data))
    assert status == "ok" and len(parts.attrs) == 100


def test_crls_before_the_signer_infos_are_passed_over() -> None:
    data = _sd_raw(INT1 + tlv(0x31) + _ECI + tlv(0xA1, seq()) + _SIS)
    status, parts = both(lambda: fastcms.signed_data(data))
    assert status == "ok"
    assert (parts.content, parts.sid_serial, parts.signature) == (b"<x/>", 5, b"sig")


def _token(sd_body: bytes) -> bytes:
    return seq(oid(fastcms.OID_SIGNED_DATA), tlv(0xA0, sd_body))


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(_token(tlv(0x31)), "SignedData: unexpected ASN.1 tag 0x31",
                 id="signed-data-a-set"),
    pytest.param(_token(seq(INT1, tlv(0x31), tlv(0x31, oid(fastcms.OID_DATA)))),
                 "encapContentInfo: unexpected ASN.1 tag 0x31", id="eci-a-set"),
    pytest.param(_token(seq(INT1, tlv(0x31), seq(oid(fastcms.OID_DATA),
                                                  tlv(0xA0, tlv(0x04, b"a")), NULL))),
                 "too many ASN.1 values", id="eci-of-three"),
    pytest.param(_token(seq(INT1, tlv(0x31), seq(oid(fastcms.OID_TST_INFO),
                                                  tlv(0xA0, tlv(0x04, b"a"))))),
                 "unexpected encapsulated content", id="eci-of-another-type"),
    pytest.param(_token(seq(INT1, tlv(0x31), seq(oid(fastcms.OID_DATA),
                                                  tlv(0xA1, tlv(0x04, b"a"))))),
                 "eContent: unexpected ASN.1 tag 0xa1", id="econtent-not-explicit-0"),
    pytest.param(_token(seq(INT1, tlv(0x31), seq(oid(fastcms.OID_DATA), tlv(0xA0)))),
                 "eContent must hold one OCTET STRING", id="econtent-empty"),
    pytest.param(_token(seq(INT1, tlv(0x31), seq(tlv(0x04, b"a"), tlv(0xA0)))),
                 "object identifier: unexpected ASN.1 tag 0x04", id="content-type-no-oid"),
])
def test_each_broken_part_of_a_token_is_named_again(data: bytes, text: str) -> None:
    assert both(lambda: fastcms.encapsulated(data, fastcms.OID_DATA)) == \
        ("MalformedCmsError", text)


def _tst(fields: bytes) -> bytes:
    return seq(fields)


_IMPRINT = seq(ALG_SHA256, tlv(0x04, b"\x11" * 32))
_GEN = tlv(0x18, b"20260301120000Z")


@pytest.mark.parametrize(("data", "text"), [
    pytest.param(seq(INT1, oid(POLICY), seq(ALG_SHA256, tlv(0x03, b"\x00\x11")),
                     tlv(0x02, b"\x2a"), _GEN),
                 "imprint: unexpected ASN.1 tag 0x03", id="imprint-a-bit-string"),
    pytest.param(seq(INT1, oid(POLICY), _IMPRINT, tlv(0x02, b"\x2a"), _GEN, *[NULL] * 8),
                 "too many ASN.1 values", id="thirteen-fields"),
    pytest.param(seq(INT1, oid(POLICY), _IMPRINT, tlv(0x02, b"\x2a")),
                 "TSTInfo too short", id="four-fields"),
    pytest.param(_tst_info(imprint_alg=seq(oid(bytes.fromhex("608648016503040201")), NULL,
                                           NULL)),
                 "too many ASN.1 values", id="hash-algorithm-of-three"),
])
def test_each_broken_tst_info_is_named_again(data: bytes, text: str) -> None:
    assert both(lambda: fastcms.tst_info(data)) == ("MalformedCmsError", text)


def test_a_tst_info_of_twelve_fields_is_read() -> None:
    data = seq(INT1, oid(POLICY), _IMPRINT, tlv(0x02, b"\x2a"), _GEN, *[NULL] * 7)
    assert both(lambda: fastcms.tst_info(data)) == ("ok", fastcms.TstInfo(
        "sha256", b"\x11" * 32, datetime(2026, 3, 1, 12, tzinfo=UTC), 42))


@pytest.mark.parametrize("gen_time", [
    pytest.param(b"2026030112000xZ", id="not-digits"),
    # read from its second character this would be a time of 2026
    pytest.param(b"120260301120000Z", id="fifteen-digits"),
])
def test_a_tst_info_whose_gen_time_is_not_a_time_is_refused_quoting_it(gen_time: bytes) -> None:
    """The C walk hands the genTime's bytes over unread; their reading refuses them."""
    assert both(lambda: fastcms.tst_info(_tst_info(gen_time=gen_time))) == \
        ("MalformedCmsError", f"bad ASN.1 time {gen_time.decode()!r}")


# --- the reference's reading of lengths and times ------------------------------------

def test_indefinite_length_on_a_primitive_of_an_odd_tag_is_refused() -> None:
    """BIT STRING (0x03) is primitive: bit 0 of its tag says nothing of that."""
    with pytest.raises(MalformedCmsError, match=r"^indefinite length on a primitive value$"):
        fastcms.read(b"\x03\x80\x00\x00", 0, 4)


def test_eight_length_bytes_are_read_and_length_bytes_may_end_at_the_limit() -> None:
    data = b"\x04\x88" + (3).to_bytes(8, "big") + b"abc"
    assert fastcms.read(data, 0, len(data)) == fastcms.Tlv(0x04, 0, 10, 13, 13)
    assert fastcms.read(b"\x04\x81\x00", 0, 3) == fastcms.Tlv(0x04, 0, 3, 3, 3)


def _time(tag: int, text: bytes) -> fastcms.Tlv:
    return fastcms.Tlv(tag, 0, 0, len(text), len(text))


@pytest.mark.parametrize(("text", "when"), [
    (b"20260301125959Z", datetime(2026, 3, 1, 12, 59, 59, tzinfo=UTC)),
    (b"20260301125959.1234567Z", datetime(2026, 3, 1, 12, 59, 59, 123456, tzinfo=UTC)),
])
def test_a_generalized_time_reads_its_seconds_and_six_fraction_digits(
        text: bytes, when: datetime) -> None:
    assert fastcms.parse_time_reference(text, _time(fastcms.GENERALIZED_TIME, text)) == when


@pytest.mark.parametrize(("tag", "text"), [
    # a 13-character GeneralizedTime is not read as a UTCTime
    (fastcms.GENERALIZED_TIME, b"260301120000Z"),
    # a UTCTime with an offset is not a UTC time
    (fastcms.UTC_TIME, b"260301120000+0100"),
    # int() would take " 5" and "+5" as seconds: a GeneralizedTime is digits
    (fastcms.GENERALIZED_TIME, b"202603011200+5Z"),
])
def test_a_time_not_in_its_form_is_refused(tag: int, text: bytes) -> None:
    with pytest.raises(MalformedCmsError, match=r"^bad ASN\.1 time "):
        fastcms.parse_time_reference(text, _time(tag, text))


def test_a_time_of_other_than_ascii_is_refused_with_each_byte_replaced() -> None:
    text = "2026030112000é".encode() + b"Z"
    with pytest.raises(MalformedCmsError) as caught:
        fastcms.parse_time_reference(text, _time(fastcms.GENERALIZED_TIME, text))
    assert str(caught.value) == "bad ASN.1 time '2026030112000\ufffd\ufffdZ'"


# --- lean content of deep or many chunks -------------------------------------------------

def test_a_lean_reading_keeps_content_nested_deeper_than_32_in_place() -> None:
    inner = tlv(0x04, b"<x/>")
    for _ in range(33):  # definite lengths: indefinite ones nest at most 32 deep
        inner = tlv(0x24, inner)
    data = _sd_raw(INT1 + tlv(0x31) + seq(oid(fastcms.OID_DATA), tlv(0xA0, inner)) + _SIS)
    parts = fastcms.signed_data_reference(data, lean=True)
    assert isinstance(parts.content, fastcms.Pieces)
    assert parts.content == b"<x/>"


def test_an_octet_string_of_more_than_ten_thousand_chunks_is_read_in_place() -> None:
    chunks = tlv(0x04, b"a") * 10_001
    data = tlv(0x24, chunks)
    t = fastcms.read(data, 0, len(data))
    pieces = fastcms.octet_pieces_reference(data, t)
    assert pieces is not None and pieces == b"a" * 10_001


def test_without_the_extension_the_lean_content_is_read_by_the_reference(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = tlv(0x24, tlv(0x04, b"ab") + tlv(0x04, b"cd"))
    monkeypatch.setattr(fastcms, "_cder", None)
    pieces = fastcms.octet_pieces(data, fastcms.read(data, 0, len(data)))
    assert pieces is not None and pieces == b"abcd"


# --- Pieces read piece by piece (the reference's join) --------------------------------------

def _pieces() -> fastcms.Pieces:
    # "ab" "" "cde" "f" "ghij" of a buffer holding them apart
    buf = b"ab..cde.f.ghij"
    return fastcms.Pieces.from_spans(buf, [0, 2, 2, 2, 4, 7, 8, 9, 10, 14])


def test_pieces_views_give_each_range_once_without_empty_ones() -> None:
    p = _pieces()
    assert [bytes(v) for v in p.views()] == [b"ab", b"cde", b"f", b"ghij"]
    assert [bytes(v) for v in p[3:9].views()] == [b"de", b"f", b"ghi"]
    assert [bytes(v) for v in p[2:2].views()] == []


def test_pieces_join_without_the_extension_is_the_bytes() -> None:
    p = _pieces()
    with fastcms.reference_only():
        assert p.tobytes() == b"abcdefghij"
        assert p[1:8].tobytes() == b"bcdefgh"


def test_pieces_differing_in_their_first_byte_are_not_equal() -> None:
    p = _pieces()
    assert p != b"xbcdefghij"
    assert p == b"abcdefghij"


def test_a_stepped_slice_of_pieces_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^Pieces slices have no step$"):
        _pieces()[::2]


def test_pieces_outside_their_buffer_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^pieces outside the buffer$"):
        fastcms.Pieces.from_spans(b"ab", array("q", [0, 3]).tobytes())
