""""The archive cannot be written" is one typed error, told apart from "this item is bad".

A full disk, a read-only database or folder and a disk I/O error become `StoreWriteError`
(`DiskFullError` for a full disk) at the boundary of `Database.write()`, with our own words and
never the SQL; the group commit of a sync does not try the items one by one then, and the
ingest pipeline stores nothing more.
"""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from dso_desktop.store.db import Database
from dso_desktop.store.errors import DiskFullError, StoreWriteError, write_failure
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.writer import write_grouped
from dso_desktop.sync.pipeline import Checked, IngestPipeline, Outcome


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database.open(tmp_path / "a.sqlite3")
    yield d
    d.close()


def limit(db: Database, pragma: str) -> Any:
    """Run ``pragma`` at the start of every transaction (a full disk, a read-only file)."""
    def begin(conn: Any) -> None:
        conn.exec_driver_sql(pragma)

    event.listen(db.engine, "begin", begin)
    return begin


def add_account(db: Database, name: str = "urad") -> None:
    with db.write() as s:
        AccountRepo(s).add(name, environment="test", login_method="password",
                           username="u" + "x" * 5000)  # a row that needs new pages


def test_a_full_disk_is_disk_full_error_without_sql(db: Database) -> None:
    limit(db, "PRAGMA max_page_count = 1")
    with pytest.raises(DiskFullError) as info:
        add_account(db)
    err = info.value
    assert isinstance(err, StoreWriteError) and err.reason == "disk-full"
    assert str(err) == "the archive cannot be written: the disk is full"
    assert err.__cause__ is None and err.__suppress_context__  # the SQL stays out of sight


def test_a_read_only_database_is_store_write_error(db: Database, tmp_path: Path) -> None:
    add_account(db)
    ro = Database.open_url(f"sqlite:///file:{tmp_path / 'a.sqlite3'}?mode=ro&uri=true",
                           migrate=False)
    try:
        with pytest.raises(StoreWriteError) as info, ro.write() as s:
            AccountRepo(s).update("urad", username="v")
        assert info.value.reason == "read-only" and not isinstance(info.value, DiskFullError)
        assert "read-only" in str(info.value) and "UPDATE" not in str(info.value)
    finally:
        ro.close()


def test_an_os_error_in_a_write_is_mapped_by_errno(db: Database) -> None:
    for code, reason in [(errno.ENOSPC, "disk-full"), (errno.EROFS, "read-only"),
                         (errno.EACCES, "read-only"), (errno.EIO, "io")]:
        with pytest.raises(StoreWriteError) as info, db.write():
            raise OSError(code, "simulated")
        assert info.value.reason == reason


def test_data_errors_stay_what_they_are(db: Database) -> None:
    add_account(db)
    with pytest.raises(Exception) as info:
        add_account(db)  # the same name twice: this item's problem, not the disk's
    assert not isinstance(info.value, StoreWriteError)
    with pytest.raises(ValueError), db.write():
        raise ValueError("bad value")
    assert write_failure(FileNotFoundError(errno.ENOENT, "x")) is None


def test_sqlite_result_codes() -> None:
    def err(code: int) -> sqlite3.OperationalError:
        e = sqlite3.OperationalError("x")
        e.sqlite_errorcode = code  # type: ignore[attr-defined]
        return e

    assert isinstance(write_failure(err(13)), DiskFullError)  # SQLITE_FULL
    assert write_failure(err(8)).reason == "read-only"  # type: ignore[union-attr]
    assert write_failure(err(8 | (1 << 8))).reason == "read-only"  # type: ignore[union-attr]
    assert write_failure(err(10 | (12 << 8))).reason == "io"  # type: ignore[union-attr]
    assert write_failure(err(19)) is None  # SQLITE_CONSTRAINT: one item's data
    assert write_failure(err(5)) is None  # SQLITE_BUSY: not a broken disk


def test_a_driver_error_without_a_result_code_is_known_by_sqlites_wording() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    full = sqlite3.OperationalError("database or disk is full")
    assert isinstance(write_failure(full), DiskFullError)
    wrapped = OperationalError("INSERT INTO message_zfos ...", {"x": 1}, full)
    failure = write_failure(wrapped)
    assert isinstance(failure, DiskFullError) and "INSERT" not in str(failure)
    assert write_failure(sqlite3.OperationalError("disk I/O error")).reason == "io"  # type: ignore[union-attr]
    ro = sqlite3.OperationalError("attempt to write a readonly database")
    assert write_failure(ro).reason == "read-only"  # type: ignore[union-attr]
    unique = sqlite3.IntegrityError("UNIQUE constraint failed: accounts.name")
    assert write_failure(IntegrityError("INSERT", {}, unique)) is None
    assert write_failure(sqlite3.OperationalError("database is locked")) is None


def test_a_hand_raised_full_disk_in_the_group_commit_stops_it(db: Database) -> None:
    tried: list[str] = []

    def one(writer: Any, item: str) -> str:
        tried.append(item)
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(DiskFullError):
        write_grouped(db, ["a", "b"], one)
    assert tried == ["a"]


def test_the_group_commit_does_not_try_items_alone_when_the_disk_is_full(
        db: Database) -> None:
    add_account(db)
    tried: list[str] = []

    def one(writer: Any, item: str) -> str:
        tried.append(item)
        writer.session.execute(text("UPDATE accounts SET username = :u WHERE name = 'urad'"),
                  {"u": item * 20000})
        return item

    limit(db, "PRAGMA max_page_count = 1")
    with pytest.raises(DiskFullError):
        write_grouped(db, ["a", "b", "c"], one)
    assert tried == ["a"]  # the group failed at its first write; no item is tried alone


def test_the_group_commit_still_isolates_a_bad_item(db: Database) -> None:
    add_account(db)

    def one(writer: Any, item: str) -> str:
        if item == "bad":
            raise ValueError("this item is bad")
        return item

    out = write_grouped(db, ["a", "bad", "c"], one)
    assert out[0] == "a" and isinstance(out[1], ValueError) and out[2] == "c"


def test_the_pipeline_stores_nothing_after_a_write_failure() -> None:
    stored: list[int] = []
    done: list[Outcome[int]] = []

    def store(group: list[Checked[int, Any]]) -> list[Any]:
        stored.append(len(group))
        raise DiskFullError()

    with IngestPipeline(store, done.append) as pipe:
        pipe.submit(1, lambda: "checked", ())
        deadline = time.monotonic() + 10
        while pipe.write_failure is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert isinstance(pipe.write_failure, DiskFullError)
        checked: list[int] = []
        for key in (2, 3):
            pipe.submit(key, lambda k=key: checked.append(k), ())
    assert stored == [1]  # one attempt; the later items are neither stored nor checked
    assert checked == []
    assert [o.item for o in done] == [1, 2, 3]
    assert all(isinstance(o.error, DiskFullError) and o.result is None for o in done)
