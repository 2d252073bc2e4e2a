"""Evidence read by message id, a batch at a time, on a plain driver connection.

The integrity check verifies a big archive in worker processes that read their own
evidence (`services.integrity`). A worker imports only its driver (``sqlite3`` or
``psycopg``): the statements are compiled by SQLAlchemy Core in the parent, for the
archive's own dialect, and handed over as text with the driver's connect arguments
(`reader_spec`). Importing SQLAlchemy would cost each worker a third of a second of CPU
before its first ZFO. The parent reads through the same functions on a pooled connection
of its engine, so both paths run the very same statements.

Nothing here writes: worker connections to SQLite are ``query_only``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dso_desktop.store.db import Database

ZFO = "zfo"  # message_zfos: the signed message
DELIVERY_INFO = "delivery_info"  # delivery_infos: its signed delivery info
# Not evidence: SQLite's own structural check of the whole file, run by a checking
# process as one more work item (`structure_check`).
STRUCTURE = "structure"

# Worker connections map the SQLite file into memory (SQLite caps it at its own maximum,
# just under 2 GB by default): reading a 40 KB blob is then a copy out of the page cache
# instead of ten read() calls of one overflow page each; measured on the 5,000-ZFO bench
# slice, reading every ZFO took 0.09 s mapped against 0.27 s through read(). The ZFOs past
# the first GB of a 2.3 GB archive cost 21 µs each to read with 1 GB mapped, 17 µs with
# the cap (SQLite's structural check, 1.3 s against 4.4 s unmapped). Only for these read-only
# connections: a mapped file that another program truncates (a restore put in place while
# a check runs) ends the reading process with SIGBUS instead of an error, and that process
# is a checking worker whose end the check reports.
SQLITE_MMAP_BYTES = 1 << 31

# (id, dmID, account id, evidence bytes or None, stored SHA-256 or None)
EvidenceRow = tuple[int, str, int | None, bytes | None, str | None]


@dataclass(frozen=True)
class ReaderSpec:
    """How to connect and what to run: picklable, for a process of its own."""

    dialect: str
    connect_args: tuple[Any, ...]
    connect_kwargs: dict[str, Any]
    statements: dict[str, str]  # kind -> SELECT ... WHERE messages.id IN (<size> parameters)
    positions: tuple[str, ...] | None  # positional paramstyle: parameter names in order
    size: int  # ids per statement
    shareable: bool  # another process can open the same archive (not an in-memory SQLite)


def reader_spec(db: Database, size: int) -> ReaderSpec:
    """The statements of `read` for ``db``'s dialect, ``size`` ids each, and its connect
    arguments (a PostgreSQL password among them: the spec goes to our own processes only,
    through a pipe; never log it)."""
    from sqlalchemy import bindparam, select

    from dso_desktop.store.models import DeliveryInfo, Message, MessageZfo

    dialect = db.engine.dialect
    params: list[Any] = [bindparam(f"id{i}") for i in range(size)]
    statements: dict[str, str] = {}
    positions: tuple[str, ...] | None = None
    for kind, table in ((ZFO, MessageZfo), (DELIVERY_INFO, DeliveryInfo)):
        # From messages, so that a listed message whose evidence went away meanwhile still
        # comes back with its dmID (and None for the bytes).
        q = (select(Message.id, Message.dm_id, Message.account_id, table.data, table.sha256)
             .outerjoin(table, table.message_id == Message.id)
             .where(Message.id.in_(params)))
        compiled = q.compile(dialect=dialect)
        statements[kind] = compiled.string
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
    cargs, ckw = dialect.create_connect_args(db.engine.url)
    ckw = {k: v for k, v in ckw.items() if k != "context"}  # the engine's adapters: not ours
    database = db.engine.url.database or ""
    shareable = not (dialect.name == "sqlite" and (
        database in ("", ":memory:") or "mode=memory" in str(db.engine.url)))
    return ReaderSpec(dialect.name, tuple(cargs), ckw, statements, positions, size, shareable)


def connect(spec: ReaderSpec) -> Any:
    """A driver connection of this process to the archive of ``spec``, for `read`."""
    if spec.dialect == "sqlite":
        import sqlite3

        conn = sqlite3.connect(*spec.connect_args, **spec.connect_kwargs)
        conn.isolation_level = None  # plain SELECTs, no implicit transactions
        conn.execute("PRAGMA query_only=1")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        return conn
    if spec.dialect == "postgresql":
        import psycopg

        return psycopg.connect(*spec.connect_args, **spec.connect_kwargs, autocommit=True,
                               application_name="dso-desktop-check")
    raise ValueError(f"no bulk reader for {spec.dialect}")


def read(spec: ReaderSpec, conn: Any, kind: str, ids: Sequence[int]) -> list[EvidenceRow]:
    """The messages among ``ids`` that exist, with their evidence of ``kind`` (bytes and
    SHA-256 None where they have none), in no particular order."""
    sql = spec.statements[kind]
    out: list[EvidenceRow] = []
    for start in range(0, len(ids), spec.size):
        chunk = [int(i) for i in ids[start:start + spec.size]]
        chunk += [chunk[-1]] * (spec.size - len(chunk))  # a repeated id matches once
        names = [f"id{i}" for i in range(spec.size)]
        params: Any
        if spec.positions is not None:
            by_name = dict(zip(names, chunk, strict=True))
            params = [by_name[n] for n in spec.positions]
        else:
            params = dict(zip(names, chunk, strict=True))
        # PostgreSQL: bytea in binary (text would be hex, twice the size, then decoded).
        cur = conn.cursor(binary=True) if spec.dialect == "postgresql" else conn.cursor()
        try:
            cur.execute(sql, params)
            for mid, dm_id, acc, data, digest in cur.fetchall():
                out.append((int(mid), dm_id or "", acc,
                            None if data is None else bytes(data), digest))
        finally:
            cur.close()
    return out


def structure_check(spec: ReaderSpec, conn: Any) -> list[str]:
    """SQLite's full ``PRAGMA integrity_check`` on ``conn`` (a `connect` connection, the
    file mapped): what `Database.integrity_check` reports, there in a checking process,
    an empty list meaning ``ok``. Nothing to check on PostgreSQL (the server keeps its
    own files consistent), as there."""
    if spec.dialect != "sqlite":
        return []
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows


@contextmanager
def borrowed(db: Database) -> Iterator[Any]:
    """A driver connection of ``db``'s own pool for `read` in this process (an in-memory
    SQLite archive has no other), mapped as the workers' are while it is borrowed."""
    with db.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        if db.is_sqlite:
            raw.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        try:
            yield raw
        finally:
            if db.is_sqlite:
                raw.execute("PRAGMA mmap_size=0")
