"""`bulkread.read_ahead`: the archive file read once in file order beside SQLite's structural
check, so the check's reads in b-tree order hit the page cache. Only a cache: it reads the
file as it was when it began, nothing past its end, stops when told, and a damaged file is
still reported by the check it runs beside."""

from __future__ import annotations

import itertools
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dso_desktop.store import bulkread
from dso_desktop.store.db import Database

HAS_SENDFILE = hasattr(os, "sendfile") and os.name == "posix" and os.path.exists("/dev/null")


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every (offset, length) the read-ahead asks for from the file, by either path."""
    asked: list[tuple[int, int]] = []
    real_sendfile = getattr(os, "sendfile", None)
    real_readv = os.readv

    def sendfile(out: int, fd: int, offset: int, count: int) -> int:
        asked.append((offset, count))
        assert real_sendfile is not None
        return real_sendfile(out, fd, offset, count)

    def readv(fd: int, buffers: list[Any]) -> int:
        asked.append((os.lseek(fd, 0, os.SEEK_CUR), sum(len(b) for b in buffers)))
        return real_readv(fd, buffers)

    if real_sendfile is not None:
        monkeypatch.setattr(os, "sendfile", sendfile)
    monkeypatch.setattr(os, "readv", readv)
    return asked


@pytest.fixture(params=["sendfile", "read"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of reading ahead: sendfile to /dev/null (Linux) and reading into a buffer."""
    if request.param == "sendfile" and not HAS_SENDFILE:
        pytest.skip("no sendfile to /dev/null on this system")
    if request.param == "read" and hasattr(os, "sendfile"):
        monkeypatch.delattr(os, "sendfile")
    return str(request.param)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(0, 70_000), block=st.integers(1, 20_000))
def test_read_ahead_reads_the_whole_file_once_and_never_past_its_end(
        size: int, block: int) -> None:
    """Whatever the size and the block: every byte once, each request inside the file."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        path = Path(tmp) / "f"
        path.write_bytes(os.urandom(size))
        asked = _spy(mp)
        assert bulkread.read_ahead(str(path), block=block, budget=1 << 40) == size
        assert all(off >= 0 and n > 0 and off + n <= size for off, n in asked)
        covered = sorted(asked)
        assert sum(n for _, n in covered) == size
        assert all(a[0] + a[1] == b[0] for a, b in itertools.pairwise(covered))


def test_both_ways_read_the_file_to_its_end(
        tmp_path: Path, path_kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10_001)
    asked = _spy(monkeypatch)
    assert bulkread.read_ahead(str(path), block=4096, budget=1 << 40) == 10_001
    assert sorted(asked) == [(0, 4096), (4096, 4096), (8192, 1809)]


class _Countdown(threading.Event):
    """An event that reports itself set once asked more than ``after`` times, and runs
    ``hook`` at the second question (the first is asked before the file is opened: the
    hook is what happens to the file while it is read)."""

    def __init__(self, after: int, hook: Any = None) -> None:
        super().__init__()
        self.asked = 0
        self.after = after
        self.hook = hook

    def is_set(self) -> bool:
        self.asked += 1
        if self.asked == 2 and self.hook is not None:
            self.hook()
        return self.asked > self.after or super().is_set()


def test_a_file_growing_meanwhile_is_read_only_to_its_size_at_the_start(
        tmp_path: Path, path_kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 9000)

    def grow() -> None:
        with path.open("ab") as f:
            f.write(b"b" * 50_000)

    asked = _spy(monkeypatch)
    stop = _Countdown(after=10_000, hook=grow)
    assert bulkread.read_ahead(str(path), stop, block=4096, budget=1 << 40) == 9000
    assert max(off + n for off, n in asked) == 9000


def test_read_ahead_stops_at_the_next_block_once_told(
        tmp_path: Path, path_kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100_000)
    asked = _spy(monkeypatch)
    # Told to stop after two blocks (the first question is before the file is opened).
    assert bulkread.read_ahead(str(path), _Countdown(after=3), block=4096,
                               budget=1 << 40) == 8192
    assert sorted(asked) == [(0, 4096), (4096, 4096)]
    stopped = threading.Event()
    stopped.set()
    asked.clear()
    assert bulkread.read_ahead(str(path), stopped, block=4096, budget=1 << 40) == 0
    assert asked == []


def test_a_file_bigger_than_half_the_memory_budget_is_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the page cache cannot hold would only push its own first pages (and every
    other program's) out again."""
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10_000)
    asked = _spy(monkeypatch)
    assert bulkread.read_ahead(str(path), block=4096, budget=19_999) == 0
    assert asked == []
    assert bulkread.read_ahead(str(path), block=4096, budget=20_000) == 10_000
    # Without a budget: what the kernel says is available (Linux), here plenty.
    if bulkread._mem_available() is not None:
        assert bulkread.read_ahead(str(path), block=4096) == 10_000


def _archive(path: Path, *, damaged: bool) -> bulkread.ReaderSpec:
    db = Database.open(path)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)")
            conn.exec_driver_sql("CREATE INDEX ix_filler ON filler (v)")
            for i in range(3000):
                conn.exec_driver_sql("INSERT INTO filler (v) VALUES (?)",
                                     (f"value {i:06d}" * 4,))
        db.checkpoint()
        spec = bulkread.reader_spec(db, 2)
    finally:
        db.close()
    if damaged:  # an index entry changed behind SQLite's back: table and index disagree
        raw = bytearray(path.read_bytes())
        at = raw.rfind(b"value 002990")
        assert at > 0
        raw[at:at + 12] = b"VALUE 002990"
        path.write_bytes(bytes(raw))
    return spec


@pytest.mark.parametrize("damaged", [False, True])
def test_the_structural_check_reads_the_file_ahead_and_still_reports_damage(
        tmp_path: Path, damaged: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "archive.sqlite3"
    spec = _archive(path, damaged=damaged)
    assert bulkread.sqlite_path(spec) == str(path)
    read: list[tuple[str, int]] = []
    real = bulkread.read_ahead

    def spy(p: str, stop: threading.Event | None = None, **kw: Any) -> int:
        n = real(p, stop, **kw)
        read.append((p, n))
        return n

    monkeypatch.setattr(bulkread, "read_ahead", spy)
    conn = bulkread.connect(spec)
    try:
        problems = bulkread.structure_check(spec, conn)
    finally:
        conn.close()
    assert read and read[0][0] == str(path)  # the file itself, beside the check
    assert not any(t.name == "dso-read-ahead" for t in threading.enumerate())
    if damaged:
        assert problems and all(isinstance(p, str) and p for p in problems)
    else:
        assert problems == []


def test_a_structural_check_that_fails_stops_its_read_ahead(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelled or failed while the file is read ahead: the reading is told to stop and
    joined before the error goes on (no thread left reading a file nobody checks)."""
    path = tmp_path / "archive.sqlite3"
    spec = _archive(path, damaged=False)
    started = threading.Event()
    told: list[bool] = []

    def blocking(p: str, stop: threading.Event | None = None, **kw: Any) -> int:
        assert stop is not None
        started.set()
        told.append(stop.wait(30))  # reading on until told to stop
        return 0

    class Interrupted:
        def execute(self, sql: str) -> Any:
            assert started.wait(30)
            raise sqlite3.OperationalError("interrupted")

    monkeypatch.setattr(bulkread, "read_ahead", blocking)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        bulkread.structure_check(spec, Interrupted())
    assert told == [True]
    assert not any(t.name == "dso-read-ahead" for t in threading.enumerate())


def test_an_unreadable_file_is_the_checks_business_not_the_read_aheads(
        tmp_path: Path) -> None:
    gone = str(tmp_path / "gone.sqlite3")
    with pytest.raises(FileNotFoundError):
        bulkread.read_ahead(gone, budget=1 << 40)
    assert bulkread._read_ahead_quietly(gone, threading.Event()) is None  # no exception


def test_only_a_shared_sqlite_file_has_a_path_to_read_ahead(tmp_path: Path) -> None:
    spec = _archive(tmp_path / "a.sqlite3", damaged=False)
    assert bulkread.sqlite_path(spec) == str(tmp_path / "a.sqlite3")
    uri = bulkread.ReaderSpec("sqlite", (f"file:{tmp_path}/b.sqlite3?mode=ro",),
                              {"uri": True}, {}, None, 1, True)
    assert bulkread.sqlite_path(uri) == f"{tmp_path}/b.sqlite3"
    memory = bulkread.ReaderSpec("sqlite", (":memory:",), {}, {}, None, 1, False)
    assert bulkread.sqlite_path(memory) is None
    pg = bulkread.ReaderSpec("postgresql", (), {"dbname": "x"}, {}, None, 1, True)
    assert bulkread.sqlite_path(pg) is None


def test_damage_that_stops_sqlites_check_is_a_line_of_it_and_nothing_else_is(
        tmp_path: Path) -> None:
    """A b-tree page without a page type stops `PRAGMA integrity_check` with SQLITE_CORRUPT
    before any line: both structural checks (this process's, a checking process's) report
    it as their line instead of raising; an error that says nothing about the file (busy)
    is still raised."""
    path = tmp_path / "archive.sqlite3"
    db = Database.open(path)
    with db.write() as s:
        from sqlalchemy import text

        s.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)"))
        for i in range(3000):
            s.execute(text("INSERT INTO filler (v) VALUES (:v)"), {"v": f"value {i:06d}" * 4})
    db.checkpoint()
    db.close()
    raw = bytearray(path.read_bytes())
    at = raw.find(b"value 001500")
    page = at - at % 4096
    assert at > 0 and raw[page] == 0x0D  # a leaf of the filler table
    raw[page] = 0x00
    path.write_bytes(bytes(raw))

    con = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):
        con.execute("PRAGMA integrity_check").fetchall()  # what SQLite itself does
    con.close()
    db = Database.open(path, migrate=False)
    try:
        spec = bulkread.reader_spec(db, 2)
        here = db.integrity_check()
        with db.engine.connect() as conn:  # the pooled connection is unmapped again
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 0
    finally:
        db.close()
    conn = bulkread.connect(spec)
    try:
        there = bulkread.structure_check(spec, conn)
    finally:
        conn.close()
    assert here == there == ["SQLite stopped its check on damage: database disk image is "
                             "malformed"]

    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5  # type: ignore[attr-defined]  # SQLITE_BUSY
    assert bulkread.damage_line(busy) is None

    def locked() -> list[Any]:
        raise busy

    with pytest.raises(sqlite3.OperationalError):
        bulkread.integrity_lines(locked)
    assert bulkread.integrity_lines(lambda: [("ok",)]) == []
    assert bulkread.integrity_lines(lambda: [("row 3 missing from index ix",)]) == [
        "row 3 missing from index ix"]
