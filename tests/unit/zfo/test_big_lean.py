# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""Big messages: long base64 runs are cut out of the XML before lxml parses it (xmlcontent
._Lean), attachments decode from the content in chunks, dmDm is a view of the content.

The lean path is forced onto small factory ZFOs by lowering its thresholds and compared
with the whole-document parse: the same `Zfo`, the same attachment bytes (or the same
error), on crafted hostile layouts and fuzzed inputs. The chunked base64 decoder is
compared with ``base64.b64decode(..., validate=True)`` on arbitrary text.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki, trust  # noqa: F401

from dso_desktop.zfo import parse, xmlcontent
from dso_desktop.zfo.errors import ZfoError
from dso_desktop.zfo.extract import extract_attachments
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki

NOW = datetime(2026, 6, 1, tzinfo=UTC)
RUN_MIN = 4096  # lean thresholds for the tests: runs this long are cut out
PAYLOAD = bytes(range(256)) * 40  # 10 KiB -> ~13.7 KB of base64, a run of its own


def _set(lean: bool) -> tuple[int, int, int]:
    old = (parse._LEAN_MIN, xmlcontent._LEAN_CONTENT_MIN, xmlcontent._EXCISE_MIN)
    if lean:
        parse._LEAN_MIN, xmlcontent._LEAN_CONTENT_MIN, xmlcontent._EXCISE_MIN = -1, 0, RUN_MIN
    else:
        parse._LEAN_MIN = xmlcontent._LEAN_CONTENT_MIN = xmlcontent._EXCISE_MIN = 1 << 62
    return old


def _restore(old: tuple[int, int, int]) -> None:
    parse._LEAN_MIN, xmlcontent._LEAN_CONTENT_MIN, xmlcontent._EXCISE_MIN = old


def _contents(z: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for a in z.attachments:
        try:
            whole = a.content()
            pieces = b"".join(a.chunks())
            assert pieces == whole
            out.append(("ok", whole))
        except ZfoError as exc:
            out.append((type(exc).__name__, str(exc)))
    return out


def _outcome(data: bytes, lean: bool) -> tuple[str, Any, Any]:
    old = _set(lean)
    try:
        z = parse.parse_zfo(data)
        return "ok", z, _contents(z)
    except ZfoError as exc:
        return type(exc).__name__, str(exc), None
    finally:
        _restore(old)


def _assert_same(data: bytes) -> None:
    assert _outcome(data, True) == _outcome(data, False)


def _content_outcome(content: bytes, lean: bool) -> tuple[str, Any, Any]:
    old = _set(lean)
    try:
        fields = xmlcontent.read_content(content)
        return "ok", fields, [bytes(a.content()) for a in fields["attachments"]]
    except ZfoError as exc:
        return type(exc).__name__, str(exc), None
    finally:
        _restore(old)


def _cut_out(content: bytes) -> bool:
    """Whether the lean parse took (and kept) the cut-out document for ``content``."""
    old = _set(True)
    try:
        return xmlcontent._parse_document(content).lean is not None
    finally:
        _restore(old)


@pytest.fixture
def lean() -> Iterator[None]:
    old = _set(True)
    yield
    _restore(old)


def test_a_big_attachment_is_read_from_the_content_not_the_tree(
        make_zfo: Callable[..., bytes], lean: None) -> None:
    data = make_zfo(files=[("a.pdf", b"%PDF-1.4 small"), ("big.bin", PAYLOAD)])
    z = parse.parse_zfo(data)
    assert isinstance(z.content_xml, memoryview) and z.content_xml.obj is data
    assert isinstance(z.dm_dm_bytes, memoryview)
    assert _cut_out(bytes(z.content_xml))
    big = z.attachments[1]
    assert big.size == len(PAYLOAD) and big.content() == PAYLOAD
    assert b"".join(big.chunks()) == PAYLOAD
    assert z.attachments[0].content() == b"%PDF-1.4 small"


def test_the_lean_and_the_whole_parse_give_the_same_zfo(make_zfo: Callable[..., bytes]) -> None:
    for files in ([("big.bin", PAYLOAD)], [("a", PAYLOAD), ("b", PAYLOAD[:5000]), ("c", b"")],
                  [("small.txt", b"hello")]):
        _assert_same(make_zfo(files=files))


def test_verification_is_the_same_on_the_lean_path(make_zfo: Callable[..., bytes],
                                                   trust: Any) -> None:
    from dso_desktop.zfo.verify import verify_zfo

    good = make_zfo(files=[("big.bin", PAYLOAD)])
    bad = make_zfo(files=[("big.bin", PAYLOAD)], tamper_hash=True)
    for data in (good, bad):
        verdicts = []
        for lean_path in (True, False):
            old = _set(lean_path)
            try:
                v1 = verify_zfo(data, trust, now=NOW)
                v2 = verify_zfo(parse.parse_zfo(data), trust, now=NOW)
            finally:
                _restore(old)
            verdicts.append((v1, v2))
        assert verdicts[0] == verdicts[1]
        assert verdicts[0][0] == verdicts[0][1]
    assert verify_zfo(good, trust, now=NOW).dm_hash == "ok"
    assert verify_zfo(bad, trust, now=NOW).dm_hash == "mismatch"


def _xml(pki: TestPki, **kw: Any) -> bytes:
    return message_xml(pki, files=[("big.bin", PAYLOAD)], **kw)


RUN = base64.b64encode(PAYLOAD)


@pytest.mark.parametrize("name,edit", [
    # A long base64 run where no attachment reads it: the lean tree is refused, the whole
    # content is parsed (same envelope, same dmDm bytes).
    ("in a comment", lambda x: x.replace(b"<p:dmToHands>", b"<!--x>" + RUN + b"<-->"
                                         b"<p:dmToHands>")),
    ("before the subject", lambda x: x.replace(b"<p:dmAnnotation>", b"<p:dmAnnotation>" + RUN)),
    ("as the subject", lambda x: x.replace(b"<p:dmAnnotation>V", b"<p:dmAnnotation>" + RUN +
                                           b"</p:dmAnnotation><p:dmAnnotation>V")),
    ("in a processing instruction", lambda x: x.replace(
        b"<p:dmToHands>", b"<?pi >" + RUN + b"<?><p:dmToHands>")),
    ("after CDATA in the content", lambda x: x.replace(
        b"<p:dmEncodedContent>", b"<p:dmEncodedContent><![CDATA[QUFB]]>")),
    ("in an XML attachment", lambda x: x.replace(
        b"</p:dmFiles>", b'<p:dmFile dmMimeType="text/xml" dmFileMetaType="enclosure" '
        b'dmFileDescr="x.xml"><p:dmXMLContent><p:dmEncodedContent>' + RUN +
        b"</p:dmEncodedContent></p:dmXMLContent></p:dmFile></p:dmFiles>")),
    ("with an entity reference", lambda x: x.replace(RUN[:100], RUN[:99] + b"&#65;", 1)),
    ("after the root", lambda x: x + b"<!--a>" + RUN + b"<-->"),
    ("before the root", lambda x: x.replace(b"?>", b"?><!--a>" + RUN + b"<-->", 1)),
    ("padding inside", lambda x: x.replace(RUN[:100], RUN[:50] + b"==" + RUN[52:100], 1)),
    ("whitespace lines", lambda x: x.replace(RUN, b"\r\n".join(
        RUN[i:i + 76] for i in range(0, len(RUN), 76)) + b"\n")),
    ("not base64", lambda x: x.replace(RUN[:8], b"AAA*AAAA", 1)),
])
def test_hostile_layouts_read_as_the_whole_parse_reads_them(pki: TestPki, name: str,
                                                          edit: Callable[[bytes], bytes]) -> None:
    content = edit(_xml(pki))
    assert _content_outcome(content, True) == _content_outcome(content, False), name


@pytest.mark.parametrize("space", ["\u00a0", "\u3000\u3000", "\u2028"])
@pytest.mark.parametrize("where", ["inside", "after the padding"])
def test_a_non_xml_space_in_a_big_attachment_is_read_as_a_small_one_is_read(
        pki: TestPki, space: str, where: str) -> None:
    """The decision on spaces that xs:base64Binary does not allow (a no-break, ideographic or
    line-separator space): a sealed attachment is read, not refused, whatever its size, as
    the whole parse reads it (``"".join(text.split())``). Such a text is no lean run, so a big
    message falls back to the whole parse instead of refusing it in ``b64_chunks``."""
    gap = space.encode()
    at = 52 if where == "inside" else len(RUN)
    content = _xml(pki).replace(RUN, RUN[:at] + gap + RUN[at:])
    assert content != _xml(pki)
    lean, whole = _content_outcome(content, True), _content_outcome(content, False)
    assert lean[0] == whole[0] == "ok"
    assert lean[2] == whole[2] == [PAYLOAD]
    assert [a.size for a in lean[1]["attachments"]] == [len(PAYLOAD)]


def test_the_lean_tree_is_refused_when_a_run_is_not_an_attachment(pki: TestPki) -> None:
    plain = _xml(pki)
    assert _cut_out(plain)
    commented = plain.replace(b"<p:dmToHands>", b"<!--x>" + RUN + b"<--><p:dmToHands>")
    assert not _cut_out(commented)
    assert not _cut_out(_xml(pki, subject=RUN.decode()))
    # A run that does not end in "<" is no run: the subject stays in the tree.
    assert _cut_out(plain.replace(b"<p:dmAnnotation>", b"<p:dmAnnotation>" + RUN))


def test_an_attachment_run_is_found_even_when_it_spells_dmhash(pki: TestPki) -> None:
    """Base64 may contain "dmHash" or "dmDm": markup is never searched inside a run."""
    payload = base64.b64decode(b"dmHashdmDm" * 600 + b"AA==")
    content = message_xml(pki, files=[("x.bin", payload)])
    assert _cut_out(content)
    assert _content_outcome(content, True) == _content_outcome(content, False)


@pytest.fixture(scope="module")
def fuzz_content(pki: TestPki) -> bytes:
    """The content every fuzzed example edits, made once (each example made it again, a
    dmQTimestamp signed each time)."""
    return _xml(pki)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "ws"]),
                              st.integers(0, 1 << 30), st.integers(0, 255)),
                    min_size=1, max_size=4))
def test_fuzzed_contents_read_the_same(fuzz_content: bytes,
                                       ops: list[tuple[str, int, int]]) -> None:
    data = bytearray(fuzz_content)
    for op, where, val in ops:
        i = where % len(data)
        if op == "flip":
            data[i] ^= val or 1
        elif op == "cut":
            del data[max(i, 1):]
        elif op == "insert":
            data.insert(i, val)
        else:
            data[i:i] = b"\r\n "[val % 3:]
    content = bytes(data)
    assert _content_outcome(content, True) == _content_outcome(content, False)


@pytest.fixture(scope="module")
def fuzz_base(pki: TestPki) -> bytes:
    """The ZFO every fuzzed example edits, sealed once: sealing it again for each example
    (asn1crypto, ~30 ms) was most of the test's time, and a fresh seal differs only in
    its random timestamp serials, which the edits do not aim at."""
    return seal(_xml(pki), pki.seal, pki.tsa, SEALED_AT)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert"]),
                              st.integers(0, 1 << 30), st.integers(0, 255)),
                    min_size=1, max_size=3))
def test_fuzzed_zfos_parse_the_same(fuzz_base: bytes,
                                    ops: list[tuple[str, int, int]]) -> None:
    data = bytearray(fuzz_base)
    for op, where, val in ops:
        i = where % len(data)
        if op == "flip":
            data[i] ^= val or 1
        elif op == "cut":
            del data[max(i, 1):]
        else:
            data.insert(i, val)
    _assert_same(bytes(data))


def _reference(text: str) -> tuple[str, bytes | None]:
    try:
        return "ok", base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return "error", None


def _chunked(text: str, chunk: int) -> tuple[str, bytes | None]:
    try:
        return "ok", xmlcontent.b64decode_view(memoryview(text.encode("ascii")), chunk=chunk)
    except (binascii.Error, ValueError):
        return "error", None


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="AQgw+/09z=\n\r\t ", max_size=80), chunk=st.integers(1, 24))
def test_chunked_base64_decodes_as_the_one_piece_decode(text: str, chunk: int) -> None:
    assert _chunked(text, chunk) == _reference(text)
    assert xmlcontent._b64_view_len(memoryview(text.encode())) == xmlcontent._b64_len(text)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=200), chunk=st.integers(1, 40), breaks=st.integers(1, 90),
       pad=st.sampled_from(["", "\n", "  \r\n", "="]))
def test_chunked_base64_of_real_base64(raw: bytes, chunk: int, breaks: int, pad: str) -> None:
    enc = base64.b64encode(raw).decode()
    text = "\n".join(enc[i:i + breaks] for i in range(0, len(enc), breaks)) + pad
    assert _chunked(text, chunk) == _reference(text)
    if not pad.strip():
        assert _chunked(text, chunk) == ("ok", raw)


def test_extracting_a_big_attachment_writes_it_in_pieces(
        make_zfo: Callable[..., bytes], lean: None, tmp_path: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    payload = os.urandom(300_000)
    z = parse.parse_zfo(make_zfo(files=[("big.bin", payload)]))
    monkeypatch.setattr(xmlcontent, "_B64_CHUNK", 4096)
    sizes: list[int] = []
    real = xmlcontent.b64_chunks

    def spy(run: memoryview, *, chunk: int = 4096) -> Iterator[bytes]:
        for part in real(run, chunk=4096):
            sizes.append(len(part))
            yield part
    monkeypatch.setattr(xmlcontent, "b64_chunks", spy)
    (path,) = extract_attachments(z, tmp_path / "out")
    assert path.read_bytes() == payload
    assert len(sizes) > 50 and max(sizes) <= 3072  # never the whole attachment at once


def test_a_broken_big_attachment_leaves_no_file(make_zfo: Callable[..., bytes], lean: None,
                                                tmp_path: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zfo(files=[("big.bin", PAYLOAD)])
    content = bytes(parse.parse_zfo(data).content_xml)
    # Base64 letters, so the run is still cut out; the "=" near its end makes it invalid
    # after many pieces were written.
    broken = content.replace(RUN[-40:], RUN[-40:-20] + b"=" + RUN[-19:], 1)
    assert broken != content and _cut_out(broken)
    real = xmlcontent.b64_chunks
    monkeypatch.setattr(xmlcontent, "b64_chunks",
                        lambda run, chunk=0: real(run, chunk=256))
    z = xmlcontent.read_content(broken)
    (att,) = z["attachments"]
    with pytest.raises(ZfoError, match="not valid base64"):
        att.content()
    from dso_desktop.zfo.extract import Chunks, save_files
    with pytest.raises(ZfoError, match="not valid base64"):
        save_files(tmp_path / "out", [(att.name, Chunks(att.chunks))])
    assert list((tmp_path / "out").iterdir()) == []


def test_chunked_base64_agrees_on_every_short_padding_pattern() -> None:
    """Every string of up to 11 characters over "A=" (and 8 over "A=Q") in pieces of 1-12:
    strict decoding has odd corners ("AAAA===" is accepted, "=" alone is not)."""
    for alphabet, longest in (("A=", 11), ("Q=", 11), ("A=Q", 8)):
        for n in range(longest + 1):
            for letters in itertools.product(alphabet, repeat=n):
                text = "".join(letters)
                want = _reference(text)
                for chunk in (1, 4, 5, 8, 12):
                    assert _chunked(text, chunk) == want, (text, chunk)


@pytest.mark.parametrize("junk", [b"!", b"*", b"\x80"])
def test_a_foreign_byte_before_the_last_piece_is_refused(junk: bytes) -> None:
    """Strict decoding of every piece, not only the last: a byte that is no base64 in an
    early piece fails as the one-piece decode does (survivor of seed 20261210). Four of
    them make a whole group, which a lenient decode would drop without a word."""
    text = b"QUJD" + junk * 4 + b"QUJDQUJDQUJDQUJD" * 4
    with pytest.raises(binascii.Error):
        base64.b64decode(text, validate=True)
    with pytest.raises(binascii.Error):
        b"".join(xmlcontent.b64_chunks(memoryview(text), chunk=4))
