"""`xmlutil.b64_bytes` (the one-pass decode of dmSignature and other base64 fields) gives
exactly what the reference expression gives, or refuses exactly what it refuses."""

from __future__ import annotations

import base64

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dso_desktop.isds import soap
from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.errors import ProtocolError


def reference(value: str) -> bytes | type[ValueError]:
    """What the client decoded with before (and still does for non-canonical text)."""
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except ValueError:
        return ValueError


def ours(value: str) -> bytes | type[ValueError]:
    try:
        return X.b64_bytes(value)
    except ValueError:
        return ValueError


# Every character str.split() treats as whitespace in ASCII (the four separators too),
# two outside it, padding, the alphabet, and a few that are not base64 at all.
SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"
TEXT = st.text(alphabet=st.sampled_from(
    "ABCXYZabcxyz0189+/=-_.!" + SPACES + "é€"), max_size=40)


@st.composite
def encoded(draw: st.DrawFn) -> str:
    """Valid base64 of random bytes, then maybe broken: wrapped lines, extra or missing
    padding, a character swapped, text after the padding."""
    text = base64.b64encode(draw(st.binary(max_size=60))).decode()
    edit = draw(st.sampled_from(["none", "wrap", "pad", "unpad", "swap", "tail", "space"]))
    if edit == "wrap" and text:
        width = draw(st.integers(1, 8))
        text = "\r\n".join(text[i:i + width] for i in range(0, len(text), width))
    elif edit == "pad":
        text += "=" * draw(st.integers(1, 3))
    elif edit == "unpad":
        text = text.rstrip("=")
    elif edit == "swap" and text:
        i = draw(st.integers(0, len(text) - 1))
        text = text[:i] + draw(st.sampled_from("=-_ é\n")) + text[i + 1:]
    elif edit == "tail":
        text += draw(st.sampled_from(["QQ==", "Q", "=Q", " ", "\n="]))
    elif edit == "space":
        text = draw(st.sampled_from(SPACES)) + text + draw(st.sampled_from(SPACES))
    return text


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(encoded(), TEXT))
@example(value="")
@example(value="=")
@example(value="QUJD=")  # excess padding: the reference accepts it, strict mode does not
@example(value="QUJD==")
@example(value="QUI==")
@example(value="QQ=")
@example(value="QQ")
@example(value="QQ==\n")
@example(value="\x1cQQ==")
@example(value="QQ\xa0==")
def test_the_same_bytes_or_the_same_refusal(value: str) -> None:
    assert ours(value) == reference(value)


def test_canonical_text_takes_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """ISDS's canonical base64 is decoded by binascii alone: no split, no second decode."""
    data = bytes(range(256)) * 40
    text = base64.b64encode(data).decode()

    def refuse(*a: object, **kw: object) -> bytes:
        raise AssertionError("the reference path ran for canonical text")

    monkeypatch.setattr(base64, "b64decode", refuse)
    assert X.b64_bytes(text) == data
    with pytest.raises(AssertionError):
        X.b64_bytes(text[:8] + "\n" + text[8:])  # line breaks need the reference


def test_the_soap_reader_and_text_b64_use_it() -> None:
    from lxml import etree

    el = etree.fromstring(f'<r xmlns="{X.NS}"><dmSignature>QUJD\n RA==</dmSignature>'
                          '<dmQTimestamp>QUJD=</dmQTimestamp><bad>QQ=</bad></r>')
    resp = soap.SoapResponse(el)
    assert resp.binary_bytes(el, "dmSignature") == b"ABCD"
    assert X.text_b64(el, "dmQTimestamp") == b"ABC"  # what the reference accepts, too
    with pytest.raises(ProtocolError, match="bad base64"):
        resp.binary_bytes(el, "bad")
    with pytest.raises(ProtocolError, match="bad base64"):
        X.text_b64(el, "bad")
