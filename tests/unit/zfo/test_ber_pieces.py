# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""A big BER ZFO read where its chunks lie (`fastcms.Pieces`), against the full path.

ISDS seals the signed XML as a constructed OCTET STRING of 1000-byte chunks. Above 1 MiB
the parse, the XML reader, the digests and the signature check read those chunks in place
and never join them. What is verified must be exactly what is parsed and shown, so every
test here runs the same file through the lean path (thresholds forced down) and the full
one (asn1crypto's join, lxml over the whole content, the C reader's copy) and compares the
parsed model, every attachment's bytes and the verdicts, field by field.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import ZFO_SAMPLES, require_shared, shared_trust_anchors
from tests.unit.zfo.test_fast_ber import BER_BROKEN, BER_VALID, _chunked, _indef, _to_ber
from tests.unit.zfo.test_fast_parse import _enc
from tests.unit.zfo.test_fast_path import cder  # noqa: F401 - the cder fixture
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki, trust  # noqa: F401

from dso_desktop.zfo import fastcms, parse, verify, xmlcontent
from dso_desktop.zfo.cmscheck import digest_of
from dso_desktop.zfo.errors import ZfoError
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

CHECK_AT = datetime(2026, 11, 2, tzinfo=UTC)
# Attachments' base64 longer than dmQTimestamp's (~5 KB) is cut out of the lean document.
_EXCISE = 8192


@contextmanager
def _path(lean: bool) -> Iterator[None]:
    """Every size threshold of the lean path forced down (``lean``) or up (the full path:
    asn1crypto whole, lxml over the joined content, the C reader's copy for the digest)."""
    saved = (parse._LEAN_MIN, verify._LEAN_MIN, xmlcontent._LEAN_CONTENT_MIN,
             xmlcontent._EXCISE_MIN, xmlcontent._RUN_WINDOW)
    if lean:
        parse._LEAN_MIN = verify._LEAN_MIN = -1
        xmlcontent._LEAN_CONTENT_MIN, xmlcontent._EXCISE_MIN = 0, _EXCISE
        xmlcontent._RUN_WINDOW = 997  # runs and markup cross windows, not only pieces
    else:
        parse._LEAN_MIN = verify._LEAN_MIN = xmlcontent._LEAN_CONTENT_MIN = 1 << 62
    try:
        yield
    finally:
        (parse._LEAN_MIN, verify._LEAN_MIN, xmlcontent._LEAN_CONTENT_MIN,
         xmlcontent._EXCISE_MIN, xmlcontent._RUN_WINDOW) = saved


def _attachment_bytes(z: Any) -> list[tuple[str, bytes]]:
    out = []
    for a in z.attachments:
        try:
            out.append(("ok", b"".join(a.chunks())))
        except ZfoError as exc:
            out.append((type(exc).__name__, str(exc).encode()))
    return out


def _reading(data: bytes, store: TrustStore, lean: bool) -> dict[str, Any]:
    """What the app makes of ``data``: the parse (or its error), the attachments' bytes,
    dmDm's digest, the verdict of the bytes and of the parsed Zfo."""
    with _path(lean):
        out: dict[str, Any] = {"bytes": asdict(verify_zfo(data, store, now=CHECK_AT))}
        try:
            z = parse.parse_zfo(data)
        except ZfoError as exc:
            out["parse"] = (type(exc).__name__, str(exc))
            return out
        out.update(parse=z, attachments=_attachment_bytes(z),
                   zfo=asdict(verify_zfo(z, store, now=CHECK_AT)),
                   dm_dm=None if z.dm_dm_bytes is None else digest_of("sha256", z.dm_dm_bytes),
                   pieces=isinstance(z.content_xml, fastcms.Pieces),
                   lean_xml=isinstance(z.dm_dm_bytes, fastcms.Pieces))
    return out


def _assert_same(data: bytes, store: TrustStore) -> dict[str, Any]:
    """The lean reading of ``data`` equals the full one; returns the lean one."""
    lean, full = _reading(data, store, True), _reading(data, store, False)
    assert not full.get("pieces")
    assert {k: v for k, v in lean.items() if k not in ("pieces", "lean_xml")} == \
        {k: v for k, v in full.items() if k not in ("pieces", "lean_xml")}
    return lean


def _cut(content: bytes, cuts: list[int]) -> bytes:
    """The eContent as an indefinite OCTET STRING whose chunks end exactly at ``cuts``."""
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(content)}), len(content)]
    return _indef(0x24, [_enc((fastcms.OCTET_STRING, content[a:b]))
                         for a, b in pairwise(bounds)])


@pytest.fixture(scope="module")
def big_xml(pki: TestPki) -> bytes:
    """A message whose attachments' base64 is longer than the excision threshold."""
    rng = random.Random(18)
    files = [("velka.bin", rng.randbytes(20_000)), ("dopis.pdf", b"%PDF-1.4 test"),
             ("druha.bin", rng.randbytes(30_001))]
    return message_xml(pki, files=files, subject="Věc: příloha ÚŘEDNÍ")


@pytest.fixture(scope="module")
def big_der(pki: TestPki, big_xml: bytes) -> bytes:
    return seal(big_xml, pki.seal, pki.tsa, SEALED_AT)


# -- Pieces itself ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_pieces_read_as_their_join(data: st.DataObject) -> None:
    """Slices, views, bytes, digests and equality of random pieces of a random buffer are
    those of the joined bytes (empty pieces and gaps between pieces included)."""
    buf = data.draw(st.binary(min_size=0, max_size=200))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(buf)), max_size=20)))
    flat: list[int] = []
    for a, b in zip(cuts[0::2], cuts[1::2], strict=False):
        flat += (a, b)
    joined = b"".join(buf[a:b] for a, b in zip(flat[0::2], flat[1::2], strict=False))
    start = data.draw(st.integers(-len(joined) - 3, len(joined) + 3))
    stop = data.draw(st.integers(-len(joined) - 3, len(joined) + 3))
    size = data.draw(st.integers(1, 50))
    for ref in (False, True):  # the C gather and the views' join
        with fastcms.reference_only() if ref else nullcontext():
            p = fastcms.Pieces.from_spans(buf, flat)
            assert len(p) == len(joined) and p.tobytes() == joined and bytes(p) == joined
            assert p == joined and p == fastcms.Pieces.whole(joined)
            assert hash(p) == hash(joined)
            assert digest_of("sha256", p) == hashlib.sha256(joined).digest()
            assert b"".join(p.views()) == joined
            sub = p[start:stop]
            assert bytes(sub) == joined[start:stop] and len(sub) == len(joined[start:stop])
            assert all(len(v) > 0 for v in sub.views())
            assert b"".join(sub.views()) == joined[start:stop]
            assert bytes(sub[1:-1]) == joined[start:stop][1:-1]
            windows = list(sub.windows(size))
            assert b"".join(windows) == joined[start:stop]
            assert all(len(w) == size for w in windows[:-1])


def test_gather_refuses_pieces_that_do_not_add_up(cder: Any) -> None:
    """The C join checks every piece it reads against the buffer and the offsets."""
    from array import array

    buf = b"0123456789"
    ok = (array("q", [2, 5, 7, 9]), array("q", [0, 3, 5]))
    assert cder.gather(buf, *ok, 1, 4) == b"347"
    for spans, cum, lo, hi in (
            ([2, 5, 7, 12], [0, 3, 8], 0, 8),  # past the buffer
            ([-1, 2], [0, 3], 0, 3),  # before it
            ([2, 5, 7, 9], [0, 4, 6], 0, 6),  # offsets that do not match the spans
            ([2, 5, 7, 9], [0, 3, 5], 0, 6),  # more than the pieces hold
            ([2, 5, 7, 9], [0, 3, 5], 3, 2),  # backwards
            ([2, 5, 7, 9], [0, 3], 0, 2)):  # offsets missing
        with pytest.raises(ValueError, match="inconsistent"):
            cder.gather(buf, array("q", spans), array("q", cum), lo, hi)


def test_pieces_outside_their_buffer_are_refused() -> None:
    for flat in ([0, 5], [-1, 2], [3, 2], [0, 1, 2]):
        with pytest.raises(ValueError, match="outside"):
            fastcms.Pieces.from_spans(b"abcd", flat)


def test_same_place_is_the_same_ranges_of_the_same_buffer() -> None:
    buf = b"xxabcdyyefzz"
    a = fastcms.Pieces.from_spans(buf, [2, 6, 8, 10])
    assert a.same_place(fastcms.Pieces.from_spans(buf, [2, 6, 8, 10]))
    assert not a.same_place(fastcms.Pieces.from_spans(bytes(bytearray(buf)), [2, 6, 8, 10]))
    assert not a.same_place(fastcms.Pieces.from_spans(buf, [2, 6, 8, 9]))
    assert not a.same_place(a[1:])
    other = b"abcdef"  # the same bytes, elsewhere: not the same place
    assert a == fastcms.Pieces.whole(other) and not a.same_place(fastcms.Pieces.whole(other))


def test_octet_pieces_are_what_octets_joins(make_zfo: Callable[..., bytes]) -> None:
    """C and reference give the same pieces for every valid chunking; where `octets`
    refuses, both give None."""
    content = make_zfo()
    for name, encode in sorted(BER_VALID.items()) + sorted(BER_BROKEN.items()):
        enc = encode(content)
        try:
            t = fastcms.read(enc, 0, len(enc))
        except ZfoError:
            continue
        with fastcms.reference_only():
            ref = fastcms.octet_pieces(enc, t)
        fast = fastcms.octet_pieces(enc, t)
        try:
            want: bytes | None = fastcms.octets(enc, t)
        except ZfoError:
            want = None
        if ref is None:
            assert fast is None, name
            assert want is None or "deep" in name, name
            continue
        assert fast is not None and fast.same_place(ref), name
        assert bytes(fast) == want, name
    # max_depth 1: only primitive chunks (the split's shape)
    nested = _chunked(content, 64, nested=True)
    t = fastcms.read(nested, 0, len(nested))
    assert fastcms.octet_pieces(nested, t, max_depth=1) is None
    with fastcms.reference_only():
        assert fastcms.octet_pieces(nested, t, max_depth=1) is None
    assert bytes(fastcms.octet_pieces(nested, t) or b"x") == content


@pytest.mark.parametrize("name", sorted(BER_VALID) + sorted(BER_BROKEN))
def test_lean_signed_data_is_the_copy_in_place(make_zfo: Callable[..., bytes],
                                               name: str) -> None:
    data = _to_ber(make_zfo(), {**BER_VALID, **BER_BROKEN}[name])
    for ref in (False, True):
        with fastcms.reference_only() if ref else nullcontext():
            try:
                copy: Any = fastcms.signed_data(data)
            except (ZfoError, ValueError, IndexError) as exc:
                copy = (type(exc).__name__, str(exc))
            try:
                lean: Any = fastcms.signed_data(data, lean=True)
            except (ZfoError, ValueError, IndexError) as exc:
                lean = (type(exc).__name__, str(exc))
        if isinstance(copy, tuple):
            assert lean == copy, name
            continue
        assert isinstance(lean.content, fastcms.Pieces), name
        assert lean.content == copy.content and lean.content.tobytes() == copy.content
        assert replace(lean, content=copy.content) == copy


# -- the run search over pieces --------------------------------------------------------------

_ALPHABET = b"><:=\"aZ09+/ \n\xc3\x9a&"


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.sampled_from(list(_ALPHABET)), max_size=300).map(bytes),
       minimum=st.integers(1, 12), window=st.integers(1, 40), cuts=st.lists(
           st.integers(0, 300), max_size=30))
def test_long_runs_over_pieces_are_the_pattern_over_the_join(
        text: bytes, minimum: int, window: int, cuts: list[int]) -> None:
    """`_long_runs` over any chunking and window size finds exactly the runs
    `_run_pattern` finds in the joined text."""
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(text)}), len(text)]
    # the pieces in a buffer with a 2-byte header before each (as chunks lie in a file)
    buf, flat = b"", []
    for a, b in pairwise(bounds):
        buf += b"\x04\x00"
        flat += (len(buf), len(buf) + b - a)
        buf += text[a:b]
    p = fastcms.Pieces.from_spans(buf, flat)
    want = [(m.start(1), m.end(1)) for m in xmlcontent._run_pattern(minimum).finditer(text)]
    assert xmlcontent._long_runs(p, minimum, window=window) == want


# -- the whole reading: lean against full -----------------------------------------------------


def test_real_samples_read_the_same_in_pieces() -> None:
    """The nine real samples (BER, 1000-byte chunks), lean against full."""
    require_shared(ZFO_SAMPLES)
    store = TrustStore.from_paths(list(shared_trust_anchors()))
    samples = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert len(samples) >= 9
    lean_xml = 0
    for path in samples:
        data = path.read_bytes()
        got = _assert_same(data, store)
        assert got["pieces"], path.name
        lean_xml += got["lean_xml"]
    assert lean_xml >= 1  # a sample with a big attachment took the lean XML path


def test_simulator_zfos_read_the_same_in_pieces() -> None:
    from dso_desktop.simulator import Simulator, render
    from dso_desktop.simulator.signing import isds_layout

    sim = Simulator(None, seed=7, messages=6, now=CHECK_AT)
    pki_ = sim.pki.pki
    store = TrustStore.from_paths([])  # untrusted: the same verdict either way
    for msg in list(sim.world.messages.values())[:6]:
        q = sim.core.qtimestamp(msg)
        for kind in ("received", "delivery"):
            z = isds_layout(seal(render.signed_content(sim.world, msg, kind, q), pki_.seal,
                                 pki_.tsa, CHECK_AT))
            assert z[1] == 0x80
            got = _assert_same(z, store)
            assert got["pieces"]


def _boundaries(content: bytes, what: bytes, offsets: tuple[int, ...]) -> list[int]:
    at = content.index(what)
    return [at + o for o in offsets]


CUTS: dict[str, Callable[[bytes], list[int]]] = {
    "1000-byte chunks": lambda c: list(range(1000, len(c), 1000)),
    "7-byte chunks": lambda c: list(range(7, len(c), 7)),
    "inside a base64 run": lambda c: _boundaries(
        c, b"<p:dmEncodedContent>", (len(b"<p:dmEncodedContent>") + 1, 5000, 5001, 9999)),
    "right before and after a run": lambda c: _boundaries(
        c, b"<p:dmEncodedContent>", (len(b"<p:dmEncodedContent>") - 1,
                                     len(b"<p:dmEncodedContent>"))),
    "inside a tag": lambda c: _boundaries(c, b"<p:dmDm", (1, 2, 4)) +
    _boundaries(c, b"</p:dmEncodedContent>", (0, 1, 3, 20)),
    "inside a two-byte character": lambda c: [i + 1 for i in range(len(c)) if c[i] >= 0xC2
                                              and c[i] < 0xE0],
    "at dmDm's ends": lambda c: _boundaries(c, b"<p:dmDm", (0,)) +
    _boundaries(c, b"</p:dmDm>", (0, 9)),
    "inside dmDm's closing tag": lambda c: _boundaries(c, b"</p:dmDm>", (2, 5, 8)),
    "inside dmHash": lambda c: _boundaries(c, b"dmHash", (0, 3, 30)),
}


@pytest.mark.parametrize("name", sorted(CUTS))
def test_chunk_boundaries_anywhere_read_the_same(big_der: bytes, trust: TrustStore,
                                                 name: str) -> None:
    content = fastcms.signed_data(big_der).content
    assert isinstance(content, bytes)
    cuts = CUTS[name](content)
    assert cuts
    data = _to_ber(big_der, lambda c: _cut(c, cuts))
    got = _assert_same(data, trust)
    assert got["pieces"] and got["lean_xml"], "the lean path was not taken"
    assert got["zfo"]["kind"] is not VerdictKind.INVALID
    assert [len(b) for s, b in got["attachments"]] == [20_000, 13, 30_001]


def test_a_chunk_of_the_content_changed_is_a_mismatch(big_der: bytes, trust: TrustStore) -> None:
    """One base64 letter changed in a chunk: both paths see the altered content."""
    content = fastcms.signed_data(big_der).content
    assert isinstance(content, bytes)
    at = content.index(b"<p:dmEncodedContent>") + 3000
    altered = content[:at] + (b"B" if content[at:at + 1] != b"B" else b"C") + content[at + 1:]
    data = _to_ber(big_der, lambda c: _cut(altered, list(range(1000, len(c), 1000))))
    got = _assert_same(data, trust)
    assert got["lean_xml"]
    assert got["zfo"]["kind"] is got["bytes"]["kind"] is VerdictKind.INVALID


BROKEN: dict[str, Callable[[bytes], bytes]] = {
    **BER_BROKEN,
    "a chunk that claims more than it holds": lambda c: _indef(0x24, [
        _enc((fastcms.OCTET_STRING, c[:1000])), b"\x04\x82\x10\x00" + c[1000:2000],
        _enc((fastcms.OCTET_STRING, c[2000:]))]),
    "a chunk that claims less than it holds": lambda c: _indef(0x24, [
        b"\x04\x82\x03\xe0" + c[:1000], _enc((fastcms.OCTET_STRING, c[1000:]))]),
    "a truncated last chunk": lambda c: _indef(0x24, [
        _enc((fastcms.OCTET_STRING, c[:1000])), b"\x04\x82\x10\x00" + c[1000:1500]]),
    "a constructed chunk": lambda c: _indef(0x24, [
        _enc((fastcms.OCTET_STRING, c[:1000])), _indef(0x24, [_enc((fastcms.OCTET_STRING,
                                                                    c[1000:2000]))]),
        _enc((fastcms.OCTET_STRING, c[2000:]))]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_chunks_get_the_same_answer(big_der: bytes, trust: TrustStore,
                                           name: str) -> None:
    data = _to_ber(big_der, BROKEN[name])
    _assert_same(data, trust)
    _assert_same(data[:-1], trust)


def test_a_zfo_whose_content_is_not_the_signed_pieces_is_not_believed(
        big_der: bytes, trust: TrustStore) -> None:
    """Verifying a parsed Zfo uses its XML facts only when its content is the very pieces
    the signature check hashes (or, held as bytes, the same bytes); a Zfo that shows other
    content than its file signs is invalid, whatever its facts say."""
    data = _to_ber(big_der, lambda c: _chunked(c, 1000))
    with _path(True):
        z = parse.parse_zfo(data)
        assert isinstance(z.content_xml, fastcms.Pieces)
        good = verify_zfo(z, trust, now=CHECK_AT)
        assert good.kind is not VerdictKind.INVALID
        # the same pieces: the Zfo's facts are used (a mismatch is then reported)
        believed = replace(z, dm_hash=b"\x00" * 32)
        assert verify_zfo(believed, trust, now=CHECK_AT).kind is VerdictKind.INVALID
        # a joined content (the full path's) is compared byte for byte, and believed
        joined = z.content_xml.tobytes()
        assert asdict(verify_zfo(replace(z, content_xml=joined), trust, now=CHECK_AT)) == \
            asdict(good)
        believed = replace(z, dm_hash=b"\x00" * 32, content_xml=joined)
        assert verify_zfo(believed, trust, now=CHECK_AT).kind is VerdictKind.INVALID
        # a content that lies elsewhere (the same bytes, another buffer), or other bytes
        altered = joined[:-2] + (b"X" if joined[-2:-1] != b"X" else b"Y") + joined[-1:]
        for other in (fastcms.Pieces.whole(joined), altered, memoryview(altered),
                      altered[:-1]):
            forged = verify_zfo(replace(z, content_xml=other), trust, now=CHECK_AT)
            assert forged.kind is VerdictKind.INVALID
            assert forged.reasons == (
                "not a readable ZFO: the parsed message is not the content its seal covers",)


def test_a_small_zfo_whose_content_is_not_the_signed_content_is_not_believed(
        trust: TrustStore, make_zfo: Callable[..., bytes]) -> None:
    """Below the lean size too: the parsed content must be the bytes the seal covers."""
    z = parse.parse_zfo(make_zfo())
    good = verify_zfo(z, trust, now=CHECK_AT)
    assert good.kind is not VerdictKind.INVALID
    content = bytes(z.content_xml)
    assert asdict(verify_zfo(replace(z, content_xml=content), trust, now=CHECK_AT)) == \
        asdict(good)
    for other in (content[:-1] + b" ", content + b" ", memoryview(content)[:-1]):
        forged = verify_zfo(replace(z, content_xml=other), trust, now=CHECK_AT)
        assert forged.kind is VerdictKind.INVALID
        assert forged.reasons_cs == (
            "Obsah zprávy se liší od obsahu, který chrání její pečeť.",)


def test_a_run_of_exactly_the_minimum_is_found_across_every_window_edge() -> None:
    """A run of exactly ``minimum`` characters (and not one of ``minimum - 1``), wherever
    the window edges fall in it or around it, one byte a piece."""
    for minimum in (1, 2, 5):
        for pad in (b"", b"x:", b"<a>"):
            for size, found in ((minimum, True), (minimum - 1, False)):
                text = pad + b">" + b"A" * size + b"<" + pad
                p = fastcms.Pieces.from_spans(text, [v for i in range(len(text))
                                                     for v in (i, i + 1)])
                want = [(len(pad) + 1, len(pad) + 1 + size)] if found and size else []
                assert [(m.start(1), m.end(1)) for m in
                        xmlcontent._run_pattern(minimum).finditer(text)] == want
                for window in range(1, len(text) + 2):
                    assert xmlcontent._long_runs(p, minimum, window=window) == want, (
                        minimum, pad, size, window)


def _random_octet_string(rng: random.Random, depth: int = 0) -> bytes:
    if depth > 3 or rng.random() < 0.5:
        return _enc((fastcms.OCTET_STRING, rng.randbytes(rng.randint(0, 40))))
    kids = [_random_octet_string(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return _indef(0x24, kids) if rng.random() < 0.7 else _enc((0x24, b"".join(kids)))


def test_the_c_walk_of_the_pieces_agrees_with_the_reference(cder: Any) -> None:
    """Random (mostly BER) OCTET STRINGs, some damaged: where `_cder.octet_spans` answers,
    the reference gives the same pieces, and at any depth limit they are what `octets`
    joins."""
    rng = random.Random(12)
    answered = 0
    for _ in range(4000):
        data = bytearray(_random_octet_string(rng))
        for _ in range(rng.randint(0, 2)):
            if data and rng.random() < 0.7:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif data:
                del data[rng.randrange(len(data)):]
        buf = bytes(data)
        try:
            t = fastcms.read(buf, 0, len(buf))
        except ZfoError:
            continue
        for depth in (1, 2, 32):
            raw = cder.octet_spans(buf, t.start, t.next, depth)
            ref = fastcms.octet_pieces_reference(buf, t, depth)
            if raw is None:
                continue
            answered += 1
            fast = fastcms.Pieces.from_spans(buf, raw)
            assert ref is not None and fast.same_place(ref), (buf, depth)
            if depth == 32:
                assert bytes(fast) == fastcms.octets(buf, t)
    assert answered > 1000
