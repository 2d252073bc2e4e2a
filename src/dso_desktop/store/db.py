"""The archive database: engine with durable SQLite settings, migrations, units of work."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from dso_desktop.store.bulkread import integrity_lines
from dso_desktop.store.errors import StoreError, StoreWriteError, write_failure

log = logging.getLogger(__name__)

MIGRATIONS_LOCATION = "dso_desktop.store:migrations"
BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off: we emit BEGIN ourselves, so
    # that write transactions can take the write lock up front (BEGIN IMMEDIATE) and never
    # fail half-way with SQLITE_BUSY when another writer got there first.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")  # a committed message survives a power cut
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()
    # fold(text): lower case without diacritics, for filters a clerk types ("novak" finds
    # "Novák"; SQLite's own lower()/LIKE fold ASCII only). Deterministic: usable anywhere.
    from dso_desktop.store.textfold import fold

    dbapi_conn.create_function("dso_fold", 1, fold, deterministic=True)


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get("sqlite_immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


# Any fixed number: the key of the advisory lock that serialises migrations on PostgreSQL
# (two PCs starting a new release at once migrate one after the other).
MIGRATION_LOCK_KEY = 0x44534F00
# NOTIFY channel: "something in the archive changed" (payload e.g. "sync:<account>"), for
# the open windows of the other computers of an office (`services.office.ChangeListener`).
CHANGES_CHANNEL = "dso_changes"


# `Database.integrity_check` maps this much of the file (SQLite caps it, 2 GB by default).
INTEGRITY_MMAP_BYTES = 1 << 30

# A pooled server connection used again within this many seconds is not pinged first.
IDLE_PING_S = 5.0


def _ping_idle_connections(engine: Engine) -> None:
    """Liveness on checkout, but only for connections idle in the pool for ``IDLE_PING_S``.

    ``pool_pre_ping`` costs a round trip to the server before every unit of work, which on
    a list page or a search of an office client is a third of its statements. A connection
    that was in use a moment ago is alive as far as a ping could tell anyway (a ping
    cannot rule out the server dropping it the next millisecond); the ones a ping does
    save are those that sat idle across a server restart, a network cut or a laptop's
    sleep, and those are pinged. A connection that still turns out dead fails its unit of
    work with a disconnect, on which SQLAlchemy invalidates the whole pool (every older
    connection is replaced at its next checkout), so one failure is never followed by
    another; the sync resumes from what was committed (tested with connections killed
    mid-sync)."""
    from sqlalchemy import exc

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["dso_used_at"] = time.monotonic()

    def connect(_dbapi_conn: Any, record: Any) -> None:
        record.info["dso_used_at"] = time.monotonic()  # just made: alive

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        used = record.info.get("dso_used_at")
        if used is not None and time.monotonic() - used < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:  # any failure: the pool drops it and connects anew
            raise exc.DisconnectionError("pooled connection is dead") from e

    event.listen(engine, "connect", connect)
    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, FULL sync and explicit BEGIN.

    A server database (PostgreSQL) pings a pooled connection that sat idle before using it
    (`_ping_idle_connections`): one the server or the network dropped (a restart, a laptop
    waking up) is replaced instead of failing the next unit of work."""
    if url.startswith("postgresql"):
        from dso_desktop.store.blobs import register_binary_bytes

        engine = create_engine(url, future=True,
                               connect_args={"application_name": "dso-desktop"})
        event.listen(engine, "connect", register_binary_bytes)
        _ping_idle_connections(engine)
        return engine
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class Database:
    """One archive: an engine, migrations to the newest schema, read and write sessions.

    Thread-safe: every unit of work opens its own session and connection from the pool;
    writes of this process are serialised by a lock (SQLite has one writer anyway) and take
    the database write lock at BEGIN so that concurrent processes wait instead of failing.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.is_postgres = engine.dialect.name == "postgresql"
        self._write_engine = (
            engine.execution_options(sqlite_immediate=True) if self.is_sqlite else engine
        )
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        self._write_lock = threading.RLock()

    @classmethod
    def open(cls, path: Path, *, migrate: bool = True) -> Database:
        from dso_desktop.paths import create_private_file, private_dir, tighten

        if str(path) != ":memory:":
            # A missing folder is made private (the data folder itself is AppPaths'
            # business). The file is 0600 before SQLite sees it: SQLite creates -wal,
            # -shm and -journal with the database file's mode (and fchmods them to it), so
            # they are private too, whatever the umask, without touching the umask.
            private_dir(path.parent, tighten_existing=False)
            create_private_file(path)
            for suffix in ("-wal", "-shm", "-journal"):
                tighten(f"{path}{suffix}")
        db = cls(make_engine(f"sqlite:///{path}"))
        if migrate:
            db.upgrade()
        return db

    @classmethod
    def open_url(cls, url: str, *, migrate: bool = True) -> Database:
        """Open the archive at a SQLAlchemy URL: ``sqlite:///path`` (made private as by
        `open`) or ``postgresql+psycopg://user@host/db`` (a shared office archive)."""
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        file = parsed.database or ""
        if (parsed.get_backend_name() == "sqlite" and not parsed.query
                and file not in ("", ":memory:") and not file.startswith("file:")):
            return cls.open(Path(file), migrate=migrate)  # a plain file: made private
        db = cls(make_engine(url))
        if migrate:
            db.upgrade()
        return db

    def close(self) -> None:
        self.engine.dispose()

    # -- schema -------------------------------------------------------------------------
    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic (the first run creates it)."""
        if revision == "head" and self._at_head():
            return  # the common case at every start: skip importing and running Alembic
        from alembic import command

        # BEGIN IMMEDIATE: two programs opening a fresh archive at once migrate one after
        # the other instead of both creating the same tables.
        with self._write_lock, self._write_engine.begin() as conn:
            if self.is_postgres:
                # Released at the end of this transaction (or when the connection dies).
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                             {"k": MIGRATION_LOCK_KEY})
            command.upgrade(alembic_config(conn), revision)

    def _at_head(self) -> bool:
        from dso_desktop.store.migrations import head_revision

        try:
            with self.engine.connect() as conn:
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except Exception:  # no version table yet: a new archive, Alembic creates it
            return False
        return [r[0] for r in rows] == [head_revision()]

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # -- units of work ------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; nothing it does is committed."""
        session = self._read()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def quick_read(self) -> Iterator[Session]:
        """A read session for the list and search of an open window: on PostgreSQL without
        a transaction (autocommit), so a list page or a search costs its statements' round
        trips and not a BEGIN and a ROLLBACK besides (two more round trips to the server,
        each several milliseconds on a loaded office network or server). Under PostgreSQL's
        READ COMMITTED every statement sees its own snapshot anyway, so a sequence of
        SELECTs reads the same as in one transaction; what needs one snapshot across
        statements (chunked blob reads, exports) uses `read`. Only for SELECTs: nothing is
        rolled back here. On SQLite the same as `read`."""
        if not self.is_postgres:
            with self.read() as session:
                yield session
            return
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            session = Session(bind=conn, expire_on_commit=False)
            try:
                yield session
            finally:
                session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back on any error.

        A failure of the storage itself (disk full, read-only database or folder, I/O
        error; in the block or at the commit) is raised as `StoreWriteError`
        (`DiskFullError` for a full disk), so that callers can tell "the archive cannot be
        written" from "this one item is bad" without looking at driver errors."""
        with self._write_lock:
            session = self._write()
            try:
                yield session
                session.commit()
            except BaseException as exc:
                with contextlib.suppress(Exception):  # a failed rollback must not hide exc
                    session.rollback()
                failure = write_failure(exc) if isinstance(exc, Exception) else None
                if failure is None or failure is exc:
                    raise
                # Never the driver's text: it holds the SQL and its parameters (message data).
                orig = getattr(exc, "orig", exc)
                log.warning("archive write failed: %s (%s %s)", failure.reason,
                            type(exc).__name__, getattr(orig, "sqlite_errorname", ""))
                raise failure from None  # the cause holds SQL and parameters
            finally:
                session.close()

    # -- several computers on one server database ----------------------------------------
    def try_advisory_lock(self, kind: int, key: int) -> Any | None:
        """PostgreSQL: take the session advisory lock (kind, key) on a connection of its
        own and return that connection (hand it to `release_advisory_lock`), or None when
        another session, on any computer, holds the lock. The server drops the lock when
        that connection dies (a killed process, a lost network), so it never stays stuck.
        Not for SQLite (the caller's file lock is the lock there)."""
        if not self.is_postgres:
            raise StoreError("advisory locks are PostgreSQL's")
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k, :o)"),
                               {"k": kind, "o": key}).scalar()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return None
        return conn

    def release_advisory_lock(self, conn: Any, kind: int, key: int) -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k, :o)"), {"k": kind, "o": key})
        except Exception:  # the connection is gone: the server has dropped the lock with it
            log.info("advisory lock connection lost before release (lock already dropped)")
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def notify(self, channel: str, payload: str = "") -> None:
        """PostgreSQL: tell every listening computer that something changed (NOTIFY);
        nothing on SQLite (one computer: the GUI refreshes itself)."""
        if not self.is_postgres:
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload[:7000]})
            conn.commit()

    def integrity_check(self) -> list[str]:
        """SQLite's own structural check; an empty list means ``ok``."""
        if not self.is_sqlite:
            return []
        with self.engine.connect() as conn:
            # The file mapped into memory while the check walks every page: a third of the
            # time of reading it page by page (0.15 s against 0.5 s on the 230 MB bench
            # slice). Switched off again before the connection goes back to the pool.
            conn.exec_driver_sql(f"PRAGMA mmap_size={INTEGRITY_MMAP_BYTES}")
            try:
                # A check that SQLite stops on damage is reported, not raised.
                return integrity_lines(lambda: conn.exec_driver_sql("PRAGMA integrity_check"))
            finally:
                conn.exec_driver_sql("PRAGMA mmap_size=0")

    def checkpoint(self) -> None:
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def dump_command(url: str, out: Path) -> tuple[list[str], dict[str, str]]:
    """The engine's own dump of a PostgreSQL archive (for backups): ``pg_dump`` in its
    custom format (compressed, restorable with ``pg_restore``) into ``out``, and the extra
    environment to run it with. The password, if the URL has one, goes into the
    environment (``PGPASSWORD``), never onto the command line (other users can read that);
    without one, libpq's password or service file applies as for the app."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise StoreError("pg_dump is for PostgreSQL archives")
    argv = ["pg_dump", "--format=custom", "--no-owner", f"--file={out}"]
    if parsed.host:
        argv.append(f"--host={parsed.host}")
    if parsed.port:
        argv.append(f"--port={parsed.port}")
    if parsed.username:
        argv.append(f"--username={parsed.username}")
    service = parsed.query.get("service")
    target = f"service={service}" if isinstance(service, str) else (parsed.database or "")
    argv += ["--no-password", f"--dbname={target}"]
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return argv, env


def alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_LOCATION)
    cfg.attributes["connection"] = connection
    return cfg


__all__ = ["Database", "StoreError", "StoreWriteError", "make_engine"]
