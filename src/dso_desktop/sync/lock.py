"""One sync per account across processes (GUI and `dso sync`): an OS file lock per account.

The OS drops the lock when the process dies, so a killed sync never leaves it stuck.
"""

from __future__ import annotations

import os
import sys
import zlib
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from dso_desktop.errors import DsoError, ErrorKind


class LockBusy(DsoError):
    """Another process holds the lock."""

    kind = ErrorKind.LOCK_BUSY


class _FileLock:
    """A non-blocking OS lock on a file of its own, dropped by the OS when the process
    dies, so a killed program never leaves it stuck. Subclasses say how to lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def _lock(self, fd: int) -> None:
        raise NotImplementedError

    def _unlock(self, fd: int) -> None:
        raise NotImplementedError

    def acquire(self) -> None:
        if self._fd is not None:
            return
        from dso_desktop.paths import private_dir

        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._lock(fd)
        except OSError as exc:
            os.close(fd)
            raise LockBusy(str(self.path)) from exc
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self._unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class AccountLock(_FileLock):
    def __init__(self, folder: Path, account_id: int, kind: str = "sync") -> None:
        # ``kind`` separates independent locks of one account (``send``: the outbox;
        # ``box``: a data box, see `box_key`).
        super().__init__(folder / f"{kind}-{account_id}.lock")

    def _lock(self, fd: int) -> None:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(self, fd: int) -> None:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)


# Advisory lock classes (the first key of pg_try_advisory_lock); the second is the account.
DB_LOCK_KINDS = {"sync": 0x44534F01, "send": 0x44534F02, "box": 0x44534F03}


def box_key(environment: str, box_id: str) -> int:
    """The lock number of a data box (a file name and an advisory-lock key): a number, not
    the box id, which comes from the server. Two boxes sharing one merely wait for each
    other."""
    return zlib.crc32(f"{environment}:{box_id}".encode()) & 0x7FFFFFFF


class DatabaseLock:
    """The same lock across computers sharing one PostgreSQL archive: a session advisory
    lock on a connection of its own, which the server drops when the connection dies."""

    def __init__(self, db: Any, account_id: int, kind: str = "sync") -> None:
        self._db = db
        self._kind = DB_LOCK_KINDS[kind]
        self._key = account_id
        self._conn: Any = None

    def acquire(self) -> None:
        conn = self._db.try_advisory_lock(self._kind, self._key)
        if conn is None:
            raise LockBusy(f"advisory lock {self._kind}/{self._key}")
        self._conn = conn

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._db.release_advisory_lock(conn, self._kind, self._key)


ARCHIVE_LOCK = "archive-open.lock"


class ArchiveUseLock(_FileLock):
    """Who has the archive open, across processes: every `App.open` holds it shared; a
    restore takes it exclusively, so it never moves an archive aside under a running GUI or
    `dso sync` (their open connections would keep writing into the moved-aside copy).

    POSIX ``flock`` (dropped by the OS when a process dies). On Windows an open database
    file cannot be renamed at all, so the restore's own rename already refuses; no lock."""

    def __init__(self, folder: Path, *, exclusive: bool) -> None:
        super().__init__(folder / ARCHIVE_LOCK)
        self.exclusive = exclusive

    def acquire(self) -> None:
        if sys.platform != "win32":
            super().acquire()

    def _lock(self, fd: int) -> None:
        import fcntl

        fcntl.flock(fd, (fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)

    def _unlock(self, fd: int) -> None:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)
