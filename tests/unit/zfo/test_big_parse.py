# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""parse_zfo on big messages: the lean eContent split gives the same Zfo, with fewer copies.

The differential tests run the split (threshold forced to 0) against the full asn1crypto
path over the real samples, factory variants and fuzzed inputs; the memory test measures
the peak RSS of parse_zfo on a ~60 MB ZFO in a fresh subprocess (VmHWM).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import REPO_ROOT, ZFO_SAMPLES, require_shared
from tests.unit.zfo.test_fast_ber import BER_BROKEN, BER_VALID, _chunked, _to_ber
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki  # noqa: F401

from dso_desktop.zfo import parse
from dso_desktop.zfo.errors import ZfoError
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki


def _outcome(data: bytes, lean_min: int) -> tuple[str, Any]:
    old = parse._LEAN_MIN
    parse._LEAN_MIN = lean_min
    try:
        return "ok", parse.parse_zfo(data)
    except ZfoError as exc:
        return type(exc).__name__, str(exc)
    finally:
        parse._LEAN_MIN = old


def _assert_same(data: bytes) -> None:
    lean, full = _outcome(data, -1), _outcome(data, 1 << 62)
    assert lean == full


def test_the_split_really_happens(make_zfo: Callable[..., bytes]) -> None:
    data = make_zfo()
    split = parse._skeleton(data)
    assert split is not None
    skeleton, content = split
    assert len(skeleton) < len(data) - len(content) + 16
    assert content == parse.load_signed_data(data)["encap_content_info"]["content"].native
    _assert_same(data)


@pytest.mark.parametrize("name", sorted(BER_VALID))
def test_ber_zfos_split_and_parse_the_same(make_zfo: Callable[..., bytes], name: str) -> None:
    """ISDS seals BER (indefinite lengths, the eContent in 1000-byte chunks): the split reads
    every valid chunking, joined once, and gives what the full path gives."""
    data = _to_ber(make_zfo(), BER_VALID[name])
    split = parse._skeleton(data)
    _assert_same(data)
    if "nested" in name:  # chunks inside chunks: left to asn1crypto (ISDS writes none)
        assert split is None
        return
    assert split is not None
    skeleton, content = split
    assert bytes(content) == parse.load_signed_data(data)["encap_content_info"]["content"].native
    assert len(skeleton) < len(data) - len(content) + 16


@pytest.mark.parametrize("name", sorted(BER_BROKEN))
def test_broken_ber_gets_the_same_answer_split_or_not(make_zfo: Callable[..., bytes],
                                                      name: str) -> None:
    _assert_same(_to_ber(make_zfo(), BER_BROKEN[name]))


def test_a_big_ber_zfo_never_has_asn1crypto_join_its_chunks(
        make_zfo: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """asn1crypto joins a chunked OCTET STRING by adding each chunk to what it has so far:
    quadratic in the chunks, minutes for a real 60 MB message. The split joins them itself."""
    from asn1crypto import core

    data = _to_ber(make_zfo(), lambda c: _chunked(c, 1000))
    want = parse.parse_zfo(data)

    merge = core.OctetString._merge_chunks

    def refuse_chunks(self: Any) -> Any:
        if self.method == 1:  # constructed: chunks to join
            raise AssertionError("asn1crypto joined the eContent's chunks")
        return merge(self)

    monkeypatch.setattr(core.OctetString, "_merge_chunks", refuse_chunks)
    old = parse._LEAN_MIN
    parse._LEAN_MIN = -1
    try:
        got = parse.parse_zfo(data)
    finally:
        parse._LEAN_MIN = old
    assert got == want
    # Without the split the same file would have asn1crypto join them (the guard works).
    monkeypatch.setattr(parse, "_skeleton", lambda _: None)
    parse._LEAN_MIN = -1
    try:
        with pytest.raises(AssertionError, match="joined"):
            parse.parse_zfo(data)
    finally:
        parse._LEAN_MIN = old


def test_real_samples_parse_the_same() -> None:
    require_shared(ZFO_SAMPLES)
    samples = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert samples
    for path in samples:
        _assert_same(path.read_bytes())


@pytest.fixture(scope="module")
def fuzz_base(pki: TestPki) -> bytes:
    """The ZFO every fuzzed example edits, sealed once: sealing it again for each example
    (asn1crypto, ~30 ms) was most of the test's time, and a fresh seal differs only in
    its random timestamp serials, which the edits do not aim at."""
    return seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT)


def _edited(base: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    """``base`` with the fuzzer's edits: bytes flipped, the tail cut, bytes inserted."""
    data = bytearray(base)
    for op, where, val in ops:
        i = where % len(data)
        if op == "flip":
            data[i] ^= val or 1
        elif op == "cut":
            del data[i:]
            if not data:
                data = bytearray(b"0")
        else:
            data.insert(i, val)
    return bytes(data)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert"]),
                            st.integers(0, 1 << 30), st.integers(0, 255)), min_size=1, max_size=4))
def test_fuzzed_zfos_parse_the_same(fuzz_base: bytes,
                                    ops: list[tuple[str, int, int]]) -> None:
    _assert_same(_edited(fuzz_base, ops))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert"]),
                            st.integers(0, 1 << 30), st.integers(0, 255)), min_size=1, max_size=4))
def test_fuzzed_ber_zfos_parse_the_same(fuzz_base: bytes,
                                        ops: list[tuple[str, int, int]]) -> None:
    """The same edits of the same ZFO in the ISDS layout (BER, 1000-byte chunks)."""
    _assert_same(_edited(_to_ber(fuzz_base, lambda c: _chunked(c, 1000)), ops))


_MEASURE = """
import sys
from pathlib import Path
from benchmarks.cases import make_big_zfo
path = Path(sys.argv[1])
make_big_zfo(path, 60, isds=sys.argv[2] == "ber")
import gc; gc.collect()
from dso_desktop.zfo.parse import parse_zfo
data = path.read_bytes()
def hwm():
    from dso_desktop.peakmem import peak_rss_mb
    return int(peak_rss_mb() * 1024) * 1024
# The generator's own peak is above what parse needs; start from a fresh baseline.
Path("/proc/self/clear_refs").write_text("5")
before = hwm()
z = parse_zfo(data)
assert z.attachments
print(len(data), before, hwm())
"""


# Before the split asn1crypto copied the content at each nesting level: ~6.4x the file on
# top of the bytes already read; with the content copied once, the XML tree and the
# attachment's text as a str 4.2x. Now, on DER, the content, dmDm and the attachment's base64
# are views of the file and the tree holds no attachment text: ~0.07x. On BER (as ISDS
# seals) the chunks were joined once (~1.3-1.45x; before the split took BER, asn1crypto's
# chunk join took minutes of CPU here); they are now read where they lie (fastcms.Pieces):
# ~0.15x (the 4 MiB windows the run search and the decoder read, the lean document).
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("layout", "bound"), [("der", 0.5), ("ber", 0.5)])
def test_parse_of_a_60mb_zfo_holds_the_message_few_times(tmp_path: Path, layout: str,
                                                          bound: float) -> None:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(tmp_path / "big.zfo"), layout],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=True)
    size, before, peak = map(int, out.stdout.split())
    ratio = (peak - before) / size
    assert ratio < bound, f"parse_zfo grew the peak by {ratio:.2f}x the file size"


def test_the_node_limit_admits_the_chunks_of_the_largest_zfo_accepted() -> None:
    """ISDS writes the content in 1000-byte chunks, a TLV each: a ZFO of the size limit has
    ~537,000 of them, and the pre-scan's node limit must not refuse what the size admits."""
    from dso_desktop.simulator.signing import ISDS_CHUNK
    from dso_desktop.zfo import der

    assert der.MAX_NODES >= parse.MAX_ZFO_SIZE // ISDS_CHUNK + 20_000
    chunks = 250_000  # above the old limit of 200,000 values
    data = b"\x30\x80\x24\x80" + b"\x04\x00" * chunks + b"\x00\x00\x00\x00"
    assert der.scan(data) == len(data)


@pytest.mark.parametrize("depth", [5, 6, 7, 8, 9, 10])
def test_indefinite_nesting_beside_the_content_counts_as_in_the_file(
        make_zfo: Callable[..., bytes], depth: int) -> None:
    """asn1crypto refuses indefinite lengths nested more than ten deep, counted from the
    outermost indefinite value; the split keeps the file's indefinite containers
    indefinite, so a value nested beside the content is counted as deep as in the file."""
    data = _to_ber(make_zfo(), lambda c: _chunked(c, 1000))
    at = data.index(b"\xa0\x80\x30\x82")  # the certificates' [0]
    nested = b"\x30\x80" * depth + b"\x00\x00" * depth
    _assert_same(data[:at + 2] + nested + data[at + 2:])
