"""A consistent copy of the live archive, per database backend, taken while the app works.

The backup service only knows this small interface: `snapshotter(db)` gives the backend's
`Snapshotter`, whose `take(dest)` writes one self-contained file that `Database`-level code
can count and check, and whose `place(snapshot, dest)` turns such a file back into an
archive. SQLite uses its online backup API; other backends say `BackupNotSupported`.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.store.db import Database
from dso_desktop.store.models import Base

log = logging.getLogger(__name__)


class BackupNotSupported(DsoError):
    """The archive's database backend has no snapshot implementation (yet)."""

    kind = ErrorKind.BACKUP_NOT_SUPPORTED


class Snapshotter(Protocol):
    backend: str

    def take(self, dest: Path) -> None:
        """Write a consistent copy of the live archive to the new file ``dest``."""

    def check(self, snapshot: Path) -> list[str]:
        """The backend's structural check of a snapshot file; empty = sound."""


class SqliteSnapshotter:
    """SQLite's online backup API over its own connection: one read transaction copies
    every page, so the copy is the archive as of one commit; in WAL mode the app's writers
    (a sync) go on meanwhile, appending to the WAL, and neither waits for the other."""

    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path

    def take(self, dest: Path) -> None:
        if dest.exists():
            raise FileExistsError(dest)
        src = sqlite3.connect(str(self.path), timeout=30)
        try:
            out = sqlite3.connect(str(dest))
            try:
                # pages=-1: all pages in one step, i.e. one read snapshot. Stepping in parts
                # would restart whenever another connection writes, and a sync writes a lot.
                src.backup(out, pages=-1)
                # The copy is one file (no WAL beside it): it is what goes into the backup.
                out.execute("PRAGMA journal_mode=DELETE")
                out.commit()
            finally:
                out.close()
        finally:
            src.close()

    def check(self, snapshot: Path) -> list[str]:
        con = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
        try:
            rows = [str(r[0]) for r in con.execute("PRAGMA integrity_check")]
            fk = con.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return [f"not a database: {exc}"]
        finally:
            con.close()
        problems = [] if rows == ["ok"] else rows
        if fk:
            problems.append(f"{len(fk)} rows break foreign keys")
        return problems


class UnsupportedSnapshotter:
    def __init__(self, backend: str) -> None:
        self.backend = backend

    def take(self, dest: Path) -> None:
        raise BackupNotSupported(
            f"backing up a {self.backend} archive is not supported yet; use the database "
            "server's own backup (pg_dump) meanwhile")

    def check(self, snapshot: Path) -> list[str]:
        raise BackupNotSupported(f"checking a {self.backend} backup is not supported yet")


def snapshotter(db: Database) -> Snapshotter:
    """The snapshot implementation for the archive's backend."""
    name = db.engine.dialect.name
    if name == "sqlite":
        database = db.engine.url.database
        if not database or database == ":memory:":
            raise BackupNotSupported("an in-memory archive cannot be backed up")
        return SqliteSnapshotter(Path(database))
    return UnsupportedSnapshotter(name)


def table_counts(db: Database) -> dict[str, int]:
    """Rows per table of the archive's schema (the tables it has): what a restore must
    give back exactly."""
    from sqlalchemy import inspect

    with db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        counts: dict[str, int] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in present:
                counts[table.name] = int(conn.execute(
                    select(func.count()).select_from(table)).scalar_one())
    return counts


def open_snapshot(path: Path, *, migrate: bool = False) -> Database:
    """A `Database` over a snapshot file (read it; ``migrate`` brings an older one to the
    current schema before it becomes an archive)."""
    db = Database.open(path, migrate=migrate)
    return db


def close_quietly(db: Database | None) -> None:
    if db is not None:
        with contextlib.suppress(Exception):
            db.close()


def archive_in_use(target: Path) -> bool:
    """An archive with accounts or messages: a restore replaces it only when asked. A new,
    empty one (the app made it at its first start) is moved aside without asking."""
    if not (target.is_file() and target.stat().st_size > 0):
        return False
    try:
        con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            n = sum(int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
                    for t in ("accounts", "messages"))
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return True  # unreadable: certainly not ours to drop silently
    return n > 0
