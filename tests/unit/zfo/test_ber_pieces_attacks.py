# ruff: noqa: F811 - pytest fixtures imported from zfo_factory / test_ber_pieces are parameters
"""A crafted big BER ZFO against `fastcms.Pieces` (an adversarial review of the lean path).

Each test names the hole it looks for. Where the code held, the test stays as a regression
test; where it did not, the test failed before the fix that follows it.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from array import array
from dataclasses import asdict, replace
from typing import Any

import pytest
from tests.unit.zfo.test_ber_pieces import CHECK_AT, _path, big_der, big_xml  # noqa: F401
from tests.unit.zfo.test_fast_ber import _chunked, _to_ber
from tests.unit.zfo.test_fast_parse import _enc
from tests.unit.zfo.test_fast_path import cder  # noqa: F401 - the cder fixture
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki, trust  # noqa: F401

from dso_desktop.sync.ingest import content_digest
from dso_desktop.zfo import fastcms, parse
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo


def _ber(der: bytes) -> bytes:
    return _to_ber(der, lambda c: _chunked(c, 1000))  # as ISDS seals


def _other(pki: TestPki, big_xml: bytes) -> bytes:
    """Another message, as big as ``big_xml``'s and as well sealed (its own dmHash)."""
    rng = random.Random(18)  # big_xml's attachments
    files = [("velka.bin", rng.randbytes(20_000)), ("dopis.pdf", b"%PDF-1.4 test"),
             ("druha.bin", rng.randbytes(30_001))]
    xml = message_xml(pki, files=files, subject="Věc: příloha ÚŘEDNÁ")
    assert len(xml) == len(big_xml) and xml != big_xml
    return _ber(seal(xml, pki.seal, pki.tsa, SEALED_AT))


def test_the_content_digest_of_a_big_ber_zfo_is_its_dm_dm_digest(
        pki: TestPki, big_xml: bytes, big_der: bytes) -> None:
    """Hole: the store tells copies of one message apart by `content_digest` (SHA-256 of
    dmDm), and a re-seal is accepted only when the new copy's equals the old one's. A big
    BER ZFO's dmDm is `Pieces`, which the digest did not read: None for every big message,
    so two different messages with the same dmID passed the re-seal check (None == None)."""
    data = _ber(big_der)
    with _path(True):
        z = parse.parse_zfo(data)
        assert isinstance(z.dm_dm_bytes, fastcms.Pieces)
        lean = content_digest(z)
    with _path(False):
        full_zfo = parse.parse_zfo(data)
        assert not isinstance(full_zfo.dm_dm_bytes, fastcms.Pieces)
        full = content_digest(full_zfo)
    assert lean is not None
    assert lean == full == hashlib.sha256(z.dm_dm_bytes.tobytes()).hexdigest()
    other = _other(pki, big_xml)
    with _path(True):
        assert content_digest(parse.parse_zfo(other)) not in (None, lean)


_GATHER_OVERFLOW = """
import importlib.util, sys
from array import array
spec = importlib.util.spec_from_file_location("_cder", sys.argv[1])
_cder = importlib.util.module_from_spec(spec)
spec.loader.exec_module(_cder)
try:
    _cder.gather(bytes(100), array("q", [10, 4]), array("q", [-2**63 + 5, 2**63 - 1]), 0, 10)
except ValueError as exc:
    print(exc)
"""


def test_gather_refuses_offsets_whose_difference_overflows(cder: Any) -> None:
    """Hole: `gather` compared cum[k + 1] - cum[k] with the span's length after
    subtracting; offsets far apart wrap around to the length of a backwards span, and the
    copy then read ~2**63 bytes past the buffer (a crash). Run in a child process: the
    unfixed extension dies of it. (Not reachable from a file: `Pieces` builds its offsets
    from checked spans; the C function's own contract says it never reads out of bounds.)"""
    out = subprocess.run([sys.executable, "-c", _GATHER_OVERFLOW, cder.__file__],
                         capture_output=True, text=True, timeout=60, check=False)
    assert (out.returncode, out.stdout.strip()) == (0, "gather: inconsistent pieces")


def test_gather_refuses_offsets_before_the_join_and_misaligned_arrays(cder: Any) -> None:
    """Offsets below 0 (which the copy could wrap with) and int64s off their alignment
    (undefined behaviour in C; UBSan stops on it) are refused, the aligned ones read."""
    buf = b"0123456789"
    with pytest.raises(ValueError, match="inconsistent"):
        cder.gather(buf, array("q", [2, 5]), array("q", [-1, 2]), 0, 2)
    good = array("q", [2, 5]).tobytes()
    odd = memoryview(b"x" + good)[1:]  # the same int64s one byte off their alignment
    with pytest.raises(ValueError, match="inconsistent"):
        cder.gather(buf, odd, array("q", [0, 3]), 0, 3)
    assert cder.gather(buf, good, array("q", [0, 3]), 0, 3) == b"234"
    # no pieces at all (an empty OCTET STRING): array's empty buffer has no alignment
    assert cder.gather(buf, array("q"), array("q", [0]), 0, 0) == b""
    assert fastcms.Pieces.from_spans(buf, b"").tobytes() == b""


def test_pieces_at_equal_offsets_of_another_file_are_not_believed(
        pki: TestPki, big_xml: bytes, big_der: bytes, trust: TrustStore) -> None:
    """Hole looked for: verification believes a parsed Zfo's facts when its content is
    "the same pieces". Two messages of the same size have their chunks at the same offsets;
    a Zfo of one given the other's bytes must not be believed (the offsets alone are
    equal, the buffers are not): it shows content its bytes do not sign, so it is invalid."""
    a = _ber(big_der)
    b = _other(pki, big_xml)
    with _path(True):
        za, zb = parse.parse_zfo(a), parse.parse_zfo(b)
        assert isinstance(za.content_xml, fastcms.Pieces)
        assert isinstance(zb.content_xml, fastcms.Pieces)
        assert za.content_xml._spans == zb.content_xml._spans  # the same offsets
        assert za.content_xml != zb.content_xml
        want = asdict(verify_zfo(b, trust, now=CHECK_AT))
        assert want["kind"] is not VerdictKind.INVALID
        forged = verify_zfo(replace(za, raw=b), trust, now=CHECK_AT)
        assert forged.kind is VerdictKind.INVALID
        assert forged.reasons == (
            "not a readable ZFO: the parsed message is not the content its seal covers",)


def test_the_lean_reference_reads_as_deep_as_octets() -> None:
    """Hole: the lean reader's reference walked nested chunks through a generator, two
    Python frames a level: an eContent nested 450 deep (definite lengths; the C reader
    leaves anything over 32 deep to the reference) raised RecursionError, a broken
    signature for a file over 1 MiB, while `octets` (the reading of a smaller file) read
    it. Now both read as deep."""
    b = _enc((fastcms.OCTET_STRING, b"hello"))
    for _ in range(600):
        b = _enc((fastcms.OCTET_STRING | 0x20, b))
    t = fastcms.read(b, 0, len(b))
    p = fastcms.octet_pieces_reference(b, t, len(b))
    assert p is not None and p.tobytes() == fastcms.octets(b, t) == b"hello"
