"""`sync.lock`: the locks that keep one sync per account and per data box, across the
programs of this computer (OS file locks) and the computers of an office (PostgreSQL
advisory locks).

What matters: a held lock refuses a second holder until released, the kinds of one account
are independent, the lock file is private to its user, and the advisory lock of a kind is
the one its number says (another program of the office takes the same number)."""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

import stat
import sys
import zlib
from pathlib import Path

import pytest
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture

from dso_desktop.errors import ErrorKind
from dso_desktop.store.db import Database
from dso_desktop.store.errors import StoreError
from dso_desktop.sync.lock import (
    DB_LOCK_KINDS,
    AccountLock,
    ArchiveUseLock,
    DatabaseLock,
    LockBusy,
    box_key,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX flock and file modes")


@posix_only
def test_an_account_lock_refuses_a_second_holder_until_released(tmp_path: Path) -> None:
    first = AccountLock(tmp_path / "locks", 7)
    second = AccountLock(tmp_path / "locks", 7)  # another program: its own open file
    with first:
        assert first.path == tmp_path / "locks" / "sync-7.lock"
        with pytest.raises(LockBusy) as busy:
            second.acquire()
        assert busy.value.kind is ErrorKind.LOCK_BUSY
        assert str(first.path) in str(busy.value)
        first.acquire()  # taking it again in the holder is a no-op, not a self-deadlock
    second.acquire()  # released on leaving the block
    second.release()
    second.release()  # twice is harmless


@posix_only
def test_the_kinds_of_an_account_are_independent_locks(tmp_path: Path) -> None:
    folder = tmp_path / "locks"
    with AccountLock(folder, 7), AccountLock(folder, 7, kind="send"), \
            AccountLock(folder, 7, kind="box"), AccountLock(folder, 8):
        assert sorted(p.name for p in folder.iterdir()) == [
            "box-7.lock", "send-7.lock", "sync-7.lock", "sync-8.lock"]
        with pytest.raises(LockBusy):
            AccountLock(folder, 7, kind="send").acquire()


@posix_only
def test_the_lock_file_and_its_folder_are_private(tmp_path: Path) -> None:
    with AccountLock(tmp_path / "locks", 3) as lock:
        assert stat.S_IMODE(lock.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(lock.path.parent.stat().st_mode) == 0o700


@posix_only
def test_the_archive_use_lock_is_shared_by_users_and_exclusive_for_a_restore(
        tmp_path: Path) -> None:
    gui = ArchiveUseLock(tmp_path, exclusive=False)
    cli = ArchiveUseLock(tmp_path, exclusive=False)
    restore = ArchiveUseLock(tmp_path, exclusive=True)
    # two programs have the archive open side by side: no restore
    with gui, cli, pytest.raises(LockBusy):
        restore.acquire()
    with restore, pytest.raises(LockBusy):  # a restore runs: nobody opens the archive
        ArchiveUseLock(tmp_path, exclusive=False).acquire()
    gui.acquire()
    gui.release()


def test_a_box_key_is_a_stable_non_negative_number_per_environment_and_box() -> None:
    key = box_key("test", "abc1234")
    assert key == zlib.crc32(b"test:abc1234") & 0x7FFFFFFF
    assert 0 <= key <= 0x7FFFFFFF  # a signed 32-bit advisory-lock key, a file name
    assert box_key("production", "abc1234") != key
    assert box_key("test", "abc1235") != key
    # a crc32 with the top bit set still fits
    assert all(0 <= box_key("test", f"b{i}") <= 0x7FFFFFFF for i in range(64))
    assert any(zlib.crc32(f"test:b{i}".encode()) > 0x7FFFFFFF for i in range(64))


def test_a_database_lock_holds_the_advisory_lock_of_its_kind(db: Database) -> None:
    if not db.is_postgres:
        with pytest.raises(StoreError):  # SQLite: the file lock is the lock
            DatabaseLock(db, 5).acquire()
        return
    sync = DatabaseLock(db, 5)  # the default kind is the account's sync
    sync.acquire()
    try:
        # Another computer takes the same number: refused while held.
        assert db.try_advisory_lock(DB_LOCK_KINDS["sync"], 5) is None
        with pytest.raises(LockBusy):
            DatabaseLock(db, 5, kind="sync").acquire()
        # Other kinds and other accounts are free.
        for kind, key in (("send", 5), ("box", 5), ("sync", 6)):
            other = DatabaseLock(db, key, kind=kind)
            other.acquire()
            other.release()
    finally:
        sync.release()
    sync.release()  # twice is harmless
    again = db.try_advisory_lock(DB_LOCK_KINDS["sync"], 5)
    assert again is not None  # released
    db.release_advisory_lock(again, DB_LOCK_KINDS["sync"], 5)
    with pytest.raises(KeyError):
        DatabaseLock(db, 5, kind="unknown")


def test_on_windows_an_account_lock_is_a_non_blocking_lock_of_one_byte(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Windows branch, run anywhere with a recording ``msvcrt``: lock one byte without
    waiting (a second holder is refused at once, as with flock), unlock the same byte."""
    import types

    calls: list[tuple[int, object, object]] = []
    fake = types.ModuleType("msvcrt")
    fake.LK_NBLCK, fake.LK_UNLCK = 2, 0  # type: ignore[attr-defined]
    fake.locking = lambda fd, mode, n: calls.append((fd, mode, n))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    lock = AccountLock(tmp_path, 7)
    monkeypatch.setattr(sys, "platform", "win32")
    lock.acquire()
    fd = lock._fd
    lock.release()
    monkeypatch.undo()
    assert fd is not None
    assert calls == [(fd, 2, 1), (fd, 0, 1)]
