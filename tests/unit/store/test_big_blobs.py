"""Big evidence on SQLite (issue 18): written as a zeroblob filled a chunk at a time and read
through incremental blob I/O, byte-exact on both write paths and when it replaces evidence;
on PostgreSQL the same calls keep their own path. Revision 0009 puts message_zfos.data last
(a zeroblob in the middle of a row is expanded in memory, one at the end is not).
"""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture
from tests.unit.store.test_fastwrite import EVENTS, VERDICT, _env

from dso_desktop.domain import Direction
from dso_desktop.store import blobs
from dso_desktop.store.db import Database
from dso_desktop.store.evidence import Action
from dso_desktop.store.fastwrite import FastWriter
from dso_desktop.store.messages import MessageRepo, search_text_for, sha256_hex
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.repos import AccountRepo

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
UNTRUSTED = VerdictInfo("untrusted", T0 + timedelta(minutes=1), '{"verdict": "untrusted"}')


@pytest.fixture
def chunked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small thresholds and chunks, and a record of every chunked blob write."""
    monkeypatch.setattr(blobs, "SQLITE_BIG_BLOB", 1000)
    monkeypatch.setattr(blobs, "CHUNK", 4096)
    writes: list[int] = []
    real = blobs.write_sqlite_blob

    def spy(conn: Any, table: str, column: str, rowid: int, data: bytes) -> None:
        writes.append(len(data))
        real(conn, table, column, rowid, data)
    monkeypatch.setattr(blobs, "write_sqlite_blob", spy)
    return writes


def _store_orm(db: Database, dm_id: str, data: bytes, verdict: VerdictInfo = VERDICT) -> int:
    env = _env(dm_id)
    with db.write() as s:
        repo = MessageRepo(s)
        mid = repo.upsert_envelope(1, Direction.RECEIVED, env).id
        repo.attach_zfo(mid, data, env, search_text_for(env, []), 1, verdict)
    return mid


def _read(db: Database, mid: int) -> tuple[bytes, str] | None:
    with db.read() as s:
        return MessageRepo(s).zfo(mid)


def test_a_big_zfo_round_trips_through_the_orm_path(db: Database, chunked: list[int]) -> None:
    data = os.urandom(50_000)
    mid = _store_orm(db, "1001", data)
    assert _read(db, mid) == (data, sha256_hex(data))
    small = os.urandom(500)
    other = _store_orm(db, "1002", small)
    assert _read(db, other) == (small, sha256_hex(small))
    assert chunked == ([50_000] if not db.is_postgres else [])


def test_a_big_zfo_round_trips_through_the_fast_path(db: Database, chunked: list[int]) -> None:
    data = os.urandom(70_001)
    env = _env("1003")
    with db.write() as s:
        fast = FastWriter(s)
        listed = _env("1003", big_message=True)  # the list says big: that stays known
        assert fast.upsert_listed_many(1, Direction.RECEIVED, [listed])[0] is not None
        done = fast.attach_downloaded(1, Direction.RECEIVED, data, env,
                                      search_text_for(env, []), 1, VERDICT, EVENTS)
        fast.close()
    assert done is not None and done[0] is Action.STORE
    assert _read(db, done[1]) == (data, sha256_hex(data))
    with db.read() as s:
        assert MessageRepo(s).detail(done[1]).row.big_message
    assert chunked == ([70_001] if not db.is_postgres else [])


def test_a_big_zfo_that_replaces_evidence_keeps_the_old_copy(db: Database,
                                                              chunked: list[int]) -> None:
    old, new = os.urandom(30_000), os.urandom(40_000)
    mid = _store_orm(db, "1004", old, UNTRUSTED)
    env = _env("1004")
    with db.write() as s:
        repo = MessageRepo(s)
        action = repo.place_zfo(mid, new, env, search_text_for(env, []), 1, VERDICT)
        assert action is Action.REPLACE
        # The ORM sees the new row in the same transaction, not a stale one.
        assert repo.zfo(mid) == (new, sha256_hex(new))
    assert _read(db, mid) == (new, sha256_hex(new))
    with db.read() as s:
        repo = MessageRepo(s)
        (copy,) = repo.evidence_copies(mid)
        assert repo.evidence_copy_data(copy.id) == old
    assert chunked == ([30_000, 40_000] if not db.is_postgres else [])


def test_a_big_blob_is_read_into_one_buffer(tmp_path: Path, chunked: list[int],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database.open(tmp_path / "a.sqlite3")
    try:
        with db.write() as s:
            AccountRepo(s).add("urad", environment="test", login_method="password",
                               username="u")
        data = os.urandom(20_000)
        mid = _store_orm(db, "1005", data)
        statements: list[str] = []
        with db.read() as s:
            raw = s.connection().connection.driver_connection
            raw.set_trace_callback(statements.append)
            try:
                assert MessageRepo(s).zfo(mid) == (data, sha256_hex(data))
            finally:
                raw.set_trace_callback(None)
        # The row's rowid and length by SQL, its bytes not: they came by blob I/O.
        assert any("length(message_zfos.data)" in q for q in statements), statements
        assert not any("SELECT message_zfos.data" in q for q in statements), statements
    finally:
        db.close()


def _columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as c:
        return [r[1] for r in c.execute("PRAGMA table_info(message_zfos)")]


def test_the_zfo_bytes_are_the_last_column(tmp_path: Path) -> None:
    Database.open(tmp_path / "fresh.sqlite3").close()
    assert _columns(tmp_path / "fresh.sqlite3")[-1] == "data"
    import gzip

    old = tmp_path / "old.sqlite3"
    old.write_bytes(gzip.decompress(
        (Path(__file__).parent / "schemas" / "0008.sqlite3.gz").read_bytes()))
    assert _columns(old)[-1] != "data"
    Database.open(old).close()
    assert _columns(old)[-1] == "data"


def test_a_large_archive_keeps_its_column_order_and_still_stores_big_zfos(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Above the limit the upgrade does not copy the table (hours and gigabytes on a large
    # archive): big evidence must still go in and come out byte-exact.
    import gzip

    monkeypatch.setenv("DSO_REORDER_MAX_BYTES", "0")
    old = tmp_path / "old.sqlite3"
    old.write_bytes(gzip.decompress(
        (Path(__file__).parent / "schemas" / "0008.sqlite3.gz").read_bytes()))
    db = Database.open(old)
    try:
        assert _columns(old)[-1] != "data"
        with db.write() as s:
            AccountRepo(s).add("velky", environment="test", login_method="password",
                               username="v")
            account_id = AccountRepo(s).archive_id("velky")
        data = os.urandom(blobs.SQLITE_BIG_BLOB + 5)  # the chunked big-blob path
        env = _env("7001")
        with db.write() as s:
            repo = MessageRepo(s)
            mid = repo.upsert_envelope(account_id, Direction.RECEIVED, env).id
            repo.attach_zfo(mid, data, env, search_text_for(env, []), 1, VERDICT)
        with db.read() as s:
            back = MessageRepo(s).zfo(mid)
        assert back is not None and bytes(back[0]) == data
    finally:
        db.close()


_MEASURE = """
import os, sys
from pathlib import Path
from tests.unit.store.test_fastwrite import VERDICT, _env
from dso_desktop.domain import Direction
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.repos import AccountRepo

def hwm():
    from dso_desktop.peakmem import peak_rss_mb
    return int(peak_rss_mb() * 1024) * 1024

db = Database.open(Path(sys.argv[1]))
with db.write() as s:
    AccountRepo(s).add("urad", environment="test", login_method="password", username="u")
data = os.urandom(32 * 2**20)
env = _env("1001")
Path("/proc/self/clear_refs").write_text("5")
before = hwm()
with db.write() as s:
    repo = MessageRepo(s)
    mid = repo.upsert_envelope(1, Direction.RECEIVED, env).id
    repo.attach_zfo(mid, data, env, search_text_for(env, []), 1, VERDICT)
stored = hwm()
del data
Path("/proc/self/clear_refs").write_text("5")
before_read = hwm()
with db.read() as s:
    back, _ = MessageRepo(s).zfo(mid)
read = hwm()
db.close()
print(32 * 2**20, stored - before, read - before_read)
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_storing_and_reading_a_big_zfo_adds_no_copy_of_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    out = subprocess.run([sys.executable, "-c", _MEASURE, str(tmp_path / "a.sqlite3")],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                         check=True)
    size, store_growth, read_growth = map(int, out.stdout.split())
    # Before: the driver's bound copy and SQLite's row buffer, 2x the ZFO on top of the
    # caller's bytes when storing; SQLite's result buffer beside the bytes when reading.
    assert store_growth < 0.25 * size, f"storing grew the peak by {store_growth / size:.2f}x"
    assert read_growth < 1.25 * size, f"reading grew the peak by {read_growth / size:.2f}x"
