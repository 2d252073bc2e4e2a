# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""The C walk over dmQTimestamp's base64 (issue 18, session 7): `_cder.b64` decodes in one
pass four characters at a time, the last "dmHash" is found by a vectorised backward search,
and the text checks use memchr. Each must read exactly as before: as `b64decode(validate=
True)` and as the lxml reference (`verify_facts_reference`), on long, split, truncated and
hostile texts, and wherever "dmHash" falls relative to a 16-byte block.
"""

from __future__ import annotations

import base64
import binascii
from types import ModuleType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.zfo.test_fast_path import cder  # noqa: F401 - the module's fixture
from tests.unit.zfo.test_fast_xml import _answered, _assert_same
from tests.unit.zfo.zfo_factory import message_xml, pki  # noqa: F401

from dso_desktop.zfo.testpki import TestPki

_WS = b" \t\r\n"


def _want(raw: bytes) -> Any:
    try:
        return base64.b64decode(b"".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        return "error"


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 1 << 16), max_size=12),
       ws=st.lists(st.sampled_from(list(_WS)), min_size=12, max_size=12))
def test_long_base64_split_anywhere_decodes_in_c(cder: ModuleType, data: bytes,
                                                 cuts: list[int], ws: list[int]) -> None:
    """Any data, its base64 split by white space at any places (inside a group of four or
    between groups, before the padding): the C decoder answers, and with the data."""
    text = bytearray(base64.b64encode(data))
    for cut, w in zip(sorted(cuts, reverse=True), ws, strict=False):
        pos = cut % (len(text) + 1)
        text[pos:pos] = bytes([w])
    raw = bytes(text)
    if not data:
        assert cder.b64(raw) is None  # no characters: left to the reference
        return
    assert cder.b64(raw) == data


@settings(max_examples=400, deadline=None)
@given(raw=st.binary(max_size=80).map(lambda b: bytes(c % 128 for c in b))
       | st.text(alphabet="AQgw+/=z09 \t\r\n", max_size=120).map(str.encode))
def test_any_ascii_text_reads_as_b64decode(cder: ModuleType, raw: bytes) -> None:
    """Bad characters, misplaced padding, data after "=", a lone character: the C
    decoder declines (None) or agrees with b64decode (the product then asks the
    lxml reference, whose reading `test_fast_xml.py` compares)."""
    if any(c < 0x20 and c not in _WS for c in raw):
        return  # xml_facts never hands such text over
    got = cder.b64(raw)
    assert got is None or got == _want(raw)


def test_every_truncation_and_a_big_text(cder: ModuleType) -> None:
    text = base64.encodebytes(bytes(range(256)) * 7)  # lines of 76 with LF
    for cut in range(len(text) + 1):
        got = cder.b64(text[:cut])
        assert got is None or got == _want(text[:cut])
    big = bytes(range(256)) * 16384  # 4 MB
    assert cder.b64(base64.b64encode(big)) == big
    assert cder.b64(base64.encodebytes(big)) == big
    for bad in (b"QUJD=", b"QUJ=D", b"QU==QUJD", b"QUJD\x80QUJD", b"QUJD\xffAAAA", b"====",
                b"QQ===", b"Q===", b" " * 9, b""):
        assert cder.b64(bad) is None, bad


def test_dm_hash_found_at_every_offset_from_the_end(cder: ModuleType, pki: TestPki) -> None:
    """The backward search for the last "dmHash" starts at the end of the content and
    runs over dmQTimestamp 16 bytes at a time: wherever the element falls, the dmDm span
    (and every other fact) is the reference's."""
    doc = message_xml(pki)
    for pad in range(40):
        content = doc.replace(b"<q:dmMessageStatus>4", b"<q:dmMessageStatus>" + b"4" * (1 + pad))
        assert _answered(content)
        assert _assert_same(content)[0] == "ok"
        # An empty or short dmQTimestamp: "dmHash" near the very end, in the scalar tail.
        short = content.replace(content[content.index(b"<q:dmQTimestamp>"):
                                        content.index(b"</q:dmQTimestamp>")],
                                b"<q:dmQTimestamp>" + b"A" * (pad % 5 * 4))
        _assert_same(short)


def test_a_later_dmhash_text_decides_as_in_the_reference(pki: TestPki) -> None:
    """The search takes the last "dmHash" after ":" or "<" anywhere in the bytes (what
    `_dm_dm_span` does): a decoy in a later text or element moves it in both readings."""
    doc = message_xml(pki)
    for decoy in (b"x:dmHash", b"<q:dmHash/>", b"dmHash", b"ddddmHash:dmHas", b"d" * 64):
        content = doc.replace(b"<q:dmMessageStatus>4<",
                              b"<q:dmMessageStatus>4</q:dmMessageStatus><q:dmX>" + decoy
                              + b"</q:dmX><q:dmMessageStatus>4<")
        _assert_same(content)


def test_blank_split_and_non_ascii_timestamps_read_as_the_reference(pki: TestPki) -> None:
    doc = message_xml(pki)
    start = doc.index(b"<q:dmQTimestamp>") + len(b"<q:dmQTimestamp>")
    end = doc.index(b"</q:dmQTimestamp>")
    qts = doc[start:end]
    variants = {
        "blank": b"  \n\t ", "empty": b"", "split": b"\n".join(
            qts[i:i + 76] for i in range(0, len(qts), 76)),
        "one space inside a group": qts[:5] + b" " + qts[5:],
        "non-ASCII": qts[:8] + "é".encode() + qts[8:],
        "bad padding": qts + b"=", "data after padding": qts + b"QUJD",
        "truncated": qts[:-3],
    }
    for name, text in variants.items():
        content = doc[:start] + text + doc[end:]
        outcome = _assert_same(content)
        if name in ("split", "one space inside a group"):
            assert _answered(content), name
            assert outcome[0] == "ok"
