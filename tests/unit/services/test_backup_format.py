"""The backup file format (issue 21): round trip in bounded chunks, every record bound to the
header, its position and the end; an unsupported backend is refused clearly, not half done."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dso_desktop.services import backupformat as bf
from dso_desktop.store.db import Database, make_engine
from dso_desktop.store.snapshot import BackupNotSupported, snapshotter

FAST_N = 1 << 14


def _write(data: bytes, passphrase: str | None, chunks: list[int]) -> bytes:
    header, key = bf.new_header(created_at="2026-01-01T00:00:00Z", app_version="t",
                                passphrase=passphrase, with_secrets=False, backend="sqlite",
                                scrypt_n=FAST_N)
    out = io.BytesIO()
    w = bf.BackupWriter(out, header, key)
    pos = 0
    for n in chunks:
        w.write(data[pos:pos + n])
        pos += n
    w.write(data[pos:])
    w.finish()
    return out.getvalue()


def _read(blob: bytes, passphrase: str | None, prefetch: bool = False) -> bytes:
    r = bf.BackupReader(io.BytesIO(blob), passphrase, prefetch=prefetch)
    out = bytearray()
    try:
        while chunk := r.read(65536):
            out += chunk
    finally:
        r.close()
    return bytes(out)


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=5000), chunks=st.lists(st.integers(0, 700), max_size=8),
       encrypted=st.booleans())
def test_round_trip(data: bytes, chunks: list[int], encrypted: bool) -> None:
    pw = "heslo" if encrypted else None
    blob = _write(data, pw, chunks)
    assert _read(blob, pw) == data
    assert _read(blob, pw, prefetch=True) == data


def test_large_stream_spans_many_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf, "CHUNK_SIZE", 4096)
    monkeypatch.setattr(bf, "MAX_RECORD", 4096 + 64)
    data = os.urandom(100_000)  # incompressible: about 25 records
    blob = _write(data, "heslo", [])
    assert len(blob) > 100_000
    assert _read(blob, "heslo") == data
    # Cut exactly at a record boundary (whole records, final one missing): refused.
    head = len(blob) - (4096 + 16 + 5) * 2
    with pytest.raises(bf.BackupDamaged):
        _read(blob[:head], "heslo")


def test_records_cannot_be_swapped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf, "CHUNK_SIZE", 1024)
    data = os.urandom(5000)
    for pw in (None, "heslo"):
        blob = _write(data, pw, [])
        r = io.BytesIO(blob)
        bf.read_header(r)
        start = r.tell()
        recs = []
        while head := r.read(5):
            size = int.from_bytes(head[1:], "big")
            recs.append(head + r.read(size))
        swapped = blob[:start] + recs[1] + recs[0] + b"".join(recs[2:])
        with pytest.raises(bf.BackupDamaged):
            _read(swapped, pw)


def test_wrong_or_missing_passphrase_is_told_apart() -> None:
    blob = _write(b"archive", "správné", [])
    with pytest.raises(bf.BackupPassphraseError):
        _read(blob, "špatné")
    with pytest.raises(bf.BackupPassphraseError):
        _read(blob, None)
    with pytest.raises(bf.BackupDamaged):
        _read(b"PK\x03\x04 not a backup at all", None)
    with pytest.raises(bf.BackupError):
        bf.new_header(created_at="x", app_version="x", passphrase=None, with_secrets=True,
                      backend="sqlite")


def test_other_backends_are_refused_and_an_unreachable_server_leaves_no_file(
        tmp_path: Path) -> None:
    from types import SimpleNamespace

    from dso_desktop.store.snapshot import PostgresSnapshotter

    other = SimpleNamespace(engine=SimpleNamespace(dialect=SimpleNamespace(name="oracle")))
    with pytest.raises(BackupNotSupported, match="not supported yet"):
        snapshotter(other).take(tmp_path / "x")  # type: ignore[arg-type]
    # PostgreSQL has its snapshot now (tests/integration/test_backup_pg.py); no server at
    # the URL: the failure leaves no file that looks like a backup.
    db = Database(make_engine("postgresql+psycopg://dso@127.0.0.1:1/dso"))
    assert isinstance(snapshotter(db), PostgresSnapshotter)
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.backup import BackupService

    with pytest.raises(Exception, match=r"127\.0\.0\.1"):
        BackupService(AppPaths.default(tmp_path / "d"), db).create(tmp_path / "b.dsobackup")
    assert not (tmp_path / "b.dsobackup").exists()


@pytest.mark.parametrize(("n", "r", "p"), [
    (1 << 22, 32, 1),  # 16 GiB of memory
    (1 << 22, 8, 1),  # 4 GiB
    (1 << 17, 8, 16),  # sixteen times the work
    ((1 << 17) + 1, 8, 1),  # not a power of two
    (1 << 17, 0, 1),
])
def test_hostile_key_derivation_parameters_are_refused_before_deriving(
        n: int, r: int, p: int) -> None:
    """Review: the scrypt cost is read from the (unauthenticated) header; a hostile backup
    could ask for 16 GiB of memory before the passphrase was even checked."""
    from dso_desktop.services.backupformat import BackupDamaged, KdfParams

    with pytest.raises(BackupDamaged, match="out of range"):
        KdfParams(b"s" * 16, n=n, r=r, p=p).derive("heslo")


def test_our_own_parameters_still_derive() -> None:
    from dso_desktop.services.backupformat import MIN_SCRYPT_N, KdfParams

    assert len(KdfParams(b"s" * 16, n=MIN_SCRYPT_N).derive("heslo")) == 32


def _plaintext_stream(blob: bytes) -> bytes:
    """The zlib stream the records of an unencrypted backup carry, joined."""
    f = io.BytesIO(blob)
    bf.read_header(f)
    out = bytearray()
    while head := f.read(5):
        _flags, size = struct.unpack(">BI", head)
        out += f.read(size)[:-bf.TAG_LEN_SHA]
    return bytes(out)


@pytest.mark.parametrize("workers", [1, 3])
def test_pieces_deflated_side_by_side_make_one_ordinary_zlib_stream(
        monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    import zlib

    monkeypatch.setattr(bf, "CHUNK_SIZE", 8192)
    monkeypatch.setattr(bf, "MAX_RECORD", 8192 + 64)
    # Repeats across piece boundaries (the primer keeps the ratio of one stream) and random
    # parts (pieces of different compressed sizes finish out of order on the pool).
    rnd = os.urandom(3000)
    data = b"".join((b"opakovany text %d " % (i % 7)) * 40 + rnd[: (i * 131) % 3000]
                    for i in range(120))
    header, _ = bf.new_header(created_at="2026-01-01T00:00:00Z", app_version="t",
                              passphrase=None, with_secrets=False, backend="sqlite")
    out = io.BytesIO()
    w = bf.BackupWriter(out, header, None, workers=workers)
    for i in range(0, len(data), 5000):
        w.write(memoryview(data)[i:i + 5000])
    w.finish()
    stream = _plaintext_stream(out.getvalue())
    assert zlib.decompress(stream) == data  # any inflater, Adler-32 checked
    assert _read(out.getvalue(), None) == data
    one = zlib.compress(data, 1)
    assert len(stream) < 1.15 * len(one)  # primed pieces compress about as one stream


def test_an_empty_backup_stream_is_still_a_whole_zlib_stream() -> None:
    import zlib

    blob = _write(b"", None, [])
    assert zlib.decompress(_plaintext_stream(blob)) == b""
    assert _read(blob, None) == b""


def test_a_failing_compressor_fails_the_backup_instead_of_writing_a_short_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bf, "CHUNK_SIZE", 1024)

    def broken(piece: bytes, primer: bytes) -> bytes:
        raise MemoryError("no memory for zlib")

    monkeypatch.setattr(bf, "_deflate", broken)
    header, _ = bf.new_header(created_at="2026-01-01T00:00:00Z", app_version="t",
                              passphrase=None, with_secrets=False, backend="sqlite")
    out = io.BytesIO()
    w = bf.BackupWriter(out, header, None, workers=2)
    with pytest.raises(bf.BackupError, match="no memory for zlib"):
        for _ in range(50):
            w.write(b"x" * 1024)
        w.finish()
    w.abort()
    with pytest.raises(bf.BackupDamaged):  # nothing that reads as a backup was written
        _read(out.getvalue(), None)


@settings(max_examples=60, deadline=None)
@given(a=st.binary(max_size=3000), b=st.binary(max_size=70_000))
def test_adler32_combine_is_zlibs(a: bytes, b: bytes) -> None:
    import zlib

    assert bf.adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def test_adler32_combine_with_the_largest_sums() -> None:
    import zlib

    big = b"\xff" * 200_000  # sums wrap the modulus many times
    for cut in (0, 1, 5552, 65520, 65521, 65522, 199_999):
        assert bf.adler32_combine(zlib.adler32(big[:cut]), zlib.adler32(big[cut:]),
                                  len(big) - cut) == zlib.adler32(big)


@pytest.mark.parametrize("cut", ["record", "end", "appended", "flipped"])
def test_the_reading_thread_refuses_what_the_plain_reader_refuses(
        monkeypatch: pytest.MonkeyPatch, cut: str) -> None:
    monkeypatch.setattr(bf, "CHUNK_SIZE", 4096)
    monkeypatch.setattr(bf, "MAX_RECORD", 4096 + 64)
    blob = _write(os.urandom(50_000), None, [])
    bad = {"record": blob[:-(4096 + 32 + 5)], "end": blob[:-3], "appended": blob + b"x",
           "flipped": blob[:2000] + bytes([blob[2000] ^ 1]) + blob[2001:]}[cut]
    for prefetch in (False, True):
        with pytest.raises(bf.BackupDamaged):
            _read(bad, None, prefetch=prefetch)


def test_a_reader_closed_early_stops_its_thread() -> None:
    blob = _write(os.urandom(3 << 20), None, [])
    r = bf.BackupReader(io.BytesIO(blob), None, prefetch=True)
    assert len(r.read(1000)) == 1000
    r.close()
    assert r._thread is not None
    r._thread.join(5)
    assert not r._thread.is_alive()
