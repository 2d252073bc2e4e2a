"""`zfo.der.scan`'s refusals and its padding rule (survivors of session 15's whole
mutation run, branch ``survparse15``). Each refusal's text reaches the verdict ("not a
readable ZFO: <text>"), so it is pinned exactly."""

from __future__ import annotations

import pytest

from dso_desktop.zfo.der import scan
from dso_desktop.zfo.errors import MalformedCmsError


def _refusal(hexdata: str, **kwargs: bool) -> str:
    with pytest.raises(MalformedCmsError) as refused:
        scan(bytes.fromhex(hexdata), **kwargs)
    assert type(refused.value) is MalformedCmsError
    return str(refused.value)


def test_an_indefinite_value_running_past_its_definite_parent_overruns_it() -> None:
    # SEQUENCE (3 bytes) { SEQUENCE (indefinite) { INTEGER 1 } end-of-contents }: the
    # inner value's end-of-contents lies two bytes past the outer value's end.
    assert _refusal("3003" "3080" "020101" "0000") == "ASN.1 value overruns its parent"


def test_a_child_longer_than_its_parent_is_refused_even_inside_the_data() -> None:
    # SEQUENCE (3 bytes) { INTEGER of 2 bytes }: the INTEGER ends one byte past its
    # parent, still inside the data.
    assert _refusal("3003" "020201" "01") == "ASN.1 length beyond the end of its container"


@pytest.mark.parametrize("hexdata", ["308000", "3080" "3080" "0000" "00"])
def test_a_lone_zero_byte_at_the_end_of_an_indefinite_value_is_a_truncated_header(
        hexdata: str) -> None:
    # One zero byte is half an end-of-contents mark: read as a header, it has no length.
    assert _refusal(hexdata) == "truncated ASN.1 header"


@pytest.mark.parametrize("hexdata", ["30820000", "3004" "30820000", "3081" "00"])
def test_a_long_form_length_that_ends_its_container_is_read(hexdata: str) -> None:
    # BER allows a zero length in long form; its length bytes end exactly at the data's
    # (or the parent's) end.
    data = bytes.fromhex(hexdata)
    assert scan(data) == len(data)


@pytest.mark.parametrize("tail", ["20", "0a", "0d0a", "0009", "2000"])
def test_whitespace_is_no_padding_after_the_root(tail: str) -> None:
    """Only zero bytes may trail the root; spaces, tabs and line ends are data."""
    assert _refusal("3003020101" + tail) == "trailing data after the CMS structure"
    assert scan(bytes.fromhex("3003020101" + "00" * len(tail))) == 5
