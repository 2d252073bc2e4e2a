"""A consistent copy of the live archive, per database backend, taken while the app works.

The backup service only knows this small interface: `snapshotter(db)` gives the backend's
`Snapshotter`, whose `take(dest)` writes one self-contained file that `Database`-level code
can count and check, and whose `place(snapshot, dest)` turns such a file back into an
archive. SQLite uses its online backup API; PostgreSQL the engine's own dump (``pg_dump``
in its custom format, under a snapshot exported by a REPEATABLE READ transaction that also
counts the rows, so the counts are those of the dump) and ``pg_restore`` into an empty
database; other backends say `BackupNotSupported`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, inspect, select, text

from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.store.db import Database, dump_command
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


DUMP_TIMEOUT = 6 * 3600  # a dump of hundreds of GB still ends; a hung server does not hang us


def _run_tool(argv: list[str], env: dict[str, str], what: str) -> str:
    """Run pg_dump/pg_restore; its stderr (no password: that is in the environment) is
    the error's reason."""
    try:
        done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True,
                              text=True, timeout=DUMP_TIMEOUT, check=False)
    except FileNotFoundError:
        raise BackupNotSupported(
            f"{argv[0]} is not installed: the PostgreSQL client tools are needed to {what} "
            "(Debian: apt-get install postgresql-client)") from None
    if done.returncode != 0:
        raise PgToolError(f"{argv[0]} failed to {what}: {done.stderr.strip()[-500:]}")
    return done.stdout


class PgToolError(DsoError):
    """pg_dump or pg_restore refused (the server's reason in the message)."""

    kind = ErrorKind.BACKUP_DATABASE_TOOL


def _pg_target(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump's connection options for ``url`` (host, port, user, database, password in
    the environment), reused for pg_restore: both take the same libpq options."""
    argv, env = dump_command(url, Path("-"))
    return [a for a in argv[1:] if not a.startswith(("--format=", "--file=", "--no-owner"))], env


class PostgresSnapshotter:
    """The engine's own dump: ``pg_dump --format=custom`` reading under a snapshot that
    this object's transaction exported, so a sync writing meanwhile changes neither the dump
    nor the row counts and schema revision read in that same transaction (`counts`,
    `revision`: what the backup's manifest records)."""

    backend = "postgresql"

    def __init__(self, db: Database) -> None:
        self.db = db
        self.url = db.engine.url.render_as_string(hide_password=False)
        self.counts: dict[str, int] = {}
        self.revision: str | None = None

    def take(self, dest: Path) -> None:
        if dest.exists():
            raise FileExistsError(dest)
        with self.db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                snap = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                self.counts = _counts(conn)
                self.revision = conn.execute(
                    text("SELECT version_num FROM alembic_version")).scalar()
                argv, env = dump_command(self.url, dest)
                # The snapshot stays importable only while this transaction is open.
                _run_tool([*argv[:-1], f"--snapshot={snap}", argv[-1]], env,
                          "dump the archive")

    def check(self, snapshot: Path) -> list[str]:
        return check_dump(snapshot)

    @staticmethod
    def place(snapshot: Path, url: str) -> None:
        """Restore the dump into the (empty) database at ``url``, all or nothing."""
        opts, env = _pg_target(url)
        _run_tool(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                   "--single-transaction", *opts, str(snapshot)], env,
                  "restore the archive")


def check_dump(snapshot: Path) -> list[str]:
    """pg_restore reads the dump's table of contents: a damaged or foreign file does
    not list, and a dump without the archive's tables is not an archive."""
    try:
        listing = _run_tool(["pg_restore", "--list", str(snapshot)], {},
                            "read the dump")
    except PgToolError as exc:
        return [str(exc)]
    problems = []
    for table in ("alembic_version", "accounts", "messages", "message_zfos"):
        if f" TABLE DATA public {table} " not in listing:
            problems.append(f"the dump has no data of table {table}")
    return problems


def database_is_empty(url: str) -> bool:
    """No tables in the target database's schema: a restore may fill it."""
    from dso_desktop.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


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
    if name == "postgresql":
        return PostgresSnapshotter(db)
    return UnsupportedSnapshotter(name)


def table_counts(db: Database) -> dict[str, int]:
    """Rows per table of the archive's schema (the tables it has): what a restore must
    give back exactly."""
    with db.engine.connect() as conn:
        return _counts(conn)


def _counts(conn: Any) -> dict[str, int]:
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
