"""`zfo.der.scan`, the structural walk before any CMS parsing: high tag numbers, BER
indefinite lengths and their limits (mutation survivors of branch ``mutsurv``: a
multi-byte tag and the refusal texts were exercised by no test)."""

from __future__ import annotations

import pytest

from dso_desktop.zfo.der import scan
from dso_desktop.zfo.errors import MalformedCmsError, NotCmsError


def test_a_high_tag_number_is_read_over_its_bytes() -> None:
    # SEQUENCE { [31] (two tag bytes) 1 byte, [200] (three tag bytes) 0 bytes, INTEGER 5 }
    data = bytes.fromhex("300b" "9f1f0100" "9f814800" "020105")
    assert scan(data) == len(data)
    assert scan(data + b"\x00\x00") == len(data)  # trailing zero padding allowed


def test_tag_numbers_beyond_five_bytes_are_refused() -> None:
    data = bytes.fromhex("3009" "9f8181818181010000")
    with pytest.raises(MalformedCmsError, match=r"^absurd ASN\.1 tag number$"):
        scan(data)
    with pytest.raises(MalformedCmsError, match=r"^truncated ASN\.1 tag$"):
        scan(bytes.fromhex("3002" "9f81"))


def test_indefinite_lengths_only_on_constructed_values() -> None:
    ber = bytes.fromhex("3080" "3080" "020101" "0000" "0000")
    assert scan(ber) == len(ber)
    with pytest.raises(MalformedCmsError,
                       match=r"^indefinite length on a primitive ASN\.1 value$"):
        scan(bytes.fromhex("3080" "0280" "0000"))
    with pytest.raises(MalformedCmsError, match=r"^unterminated indefinite-length value$"):
        scan(bytes.fromhex("3080" "020101"))
    with pytest.raises(NotCmsError):
        scan(bytes.fromhex("3103020101"))


def test_zero_bytes_end_only_an_indefinite_value_and_lengths_stay_inside() -> None:
    # SEQUENCE { NULL, INTEGER 1 }: the NULL's "05 00" is no end-of-contents mark.
    data = bytes.fromhex("3007" "0500" "020101" "0500")
    assert scan(data) == len(data)
    with pytest.raises(MalformedCmsError,
                       match=r"^ASN\.1 length beyond the end of its container$"):
        scan(bytes.fromhex("3003" "020501"))  # an INTEGER claiming 5 bytes of 1


# Survivors of seed 20261208 (branch ``survzfo``). Each refusal names what is broken: the
# text reaches the verdict ("not a readable ZFO: <text>"), so it is pinned exactly.
@pytest.mark.parametrize(("hexdata", "error", "text"), [
    # a child of one byte where a tag and a length need two
    ("3001" "02", MalformedCmsError, "truncated ASN.1 header"),
    # a high tag number that ends exactly at its container's end: no length byte
    ("3002" "1f01", MalformedCmsError, "truncated ASN.1 length"),
    # a long-form length whose length bytes run past the data
    ("3082" "01", MalformedCmsError, "truncated ASN.1 length"),
    ("3003" "028201", MalformedCmsError, "truncated ASN.1 length"),
    # nine length bytes: more than any file this program takes
    ("3089" "000000000000000003" "020101", MalformedCmsError, "absurd ASN.1 length"),
    ("3103020101", NotCmsError, "not a DER SEQUENCE (not a CMS file)"),
    ("3003020101" "ff", MalformedCmsError, "trailing data after the CMS structure"),
])
def test_each_broken_header_is_refused_with_its_reason(hexdata: str, error: type,
                                                      text: str) -> None:
    with pytest.raises(error) as refused:
        scan(bytes.fromhex(hexdata))
    assert type(refused.value) is error
    assert str(refused.value) == text


@pytest.mark.parametrize("tag", ["01", "03", "04", "05", "13", "17"])
def test_an_indefinite_length_on_any_primitive_value_is_refused(tag: str) -> None:
    """BOOLEAN, BIT STRING, OCTET STRING, NULL, a string, a time: none may be indefinite
    (only the constructed bit 0x20 allows it; tags with the low bit set are primitive too).
    Without the check the walk would reach a value with no length and crash."""
    with pytest.raises(MalformedCmsError) as refused:
        scan(bytes.fromhex("3080" f"{tag}80" "0000" "0000"))
    assert str(refused.value) == "indefinite length on a primitive ASN.1 value"


# Survivors of seed 20261210 (branch ``survzfo3``).
@pytest.mark.parametrize("tail", ["58", "0058", "5800", "00005800"])
def test_only_zero_bytes_may_trail_even_where_padding_is_allowed(tail: str) -> None:
    data = bytes.fromhex("3003020101" + tail)
    with pytest.raises(MalformedCmsError) as refused:
        scan(data, allow_trailing_zeros=True)
    assert str(refused.value) == "trailing data after the CMS structure"


def test_nesting_is_refused_beyond_the_depth_bound_with_its_reason() -> None:
    def nested(n: int) -> bytes:
        return b"\x30\x80" * n + b"\x00\x00" * n

    assert scan(nested(48)) == 4 * 48  # MAX_DEPTH
    with pytest.raises(MalformedCmsError) as deep:
        scan(nested(49))
    assert str(deep.value) == "ASN.1 nesting too deep"


def test_the_values_are_counted_against_the_node_bound() -> None:
    # SEQUENCE { NULL, NULL }: three values
    data = bytes.fromhex("3004" "0500" "0500")
    assert scan(data, max_nodes=3) == len(data)
    with pytest.raises(MalformedCmsError) as many:
        scan(data, max_nodes=2)
    assert str(many.value) == "too many ASN.1 values"


@pytest.mark.parametrize("hexdata", ["3000", "30800000", "3080" "3000" "0000", "3002" "3000"])
def test_a_root_closed_by_any_of_its_ends_is_measured(hexdata: str) -> None:
    """An empty root, an indefinite one closed by its end-of-contents, and one whose last
    child ends it: each way the walk closes the root gives the root's length."""
    data = bytes.fromhex(hexdata)
    assert scan(data + b"\x00\x00") == len(data)
