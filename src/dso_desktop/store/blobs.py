"""Evidence bytes in and out of the database without extra copies on PostgreSQL.

A ZFO can be hundreds of MB (VoDZ). psycopg by default sends and receives ``bytea`` in the
text format: hex, twice the size, plus the decoded copy — reading a 100 MB ZFO cost
600 MB at peak. On PostgreSQL evidence is therefore sent as a binary parameter (the
dumper registered by `register_binary_bytes`) and read through a binary-format cursor
(`read_row`): the server's result buffer and the one Python ``bytes`` object, nothing
else (measured in ``tests/unit/store/test_pg_backend.py``). SQLite returns its blob
directly.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

CHUNK = 8 * 2**20  # bytes per round trip when reading a large blob from PostgreSQL


# SQLite hands a big blob over in a buffer of its own that the driver then copies into the
# ``bytes`` (twice the size at the peak); incremental blob I/O reads it straight into the
# one ``bytes`` object. From this size on (below it the plain SELECT is as good).
SQLITE_BIG_BLOB = 4 * 2**20


def _read_sqlite_row(session: Session, table: FromClause, columns: tuple[str, ...],
                     key: str, value: object) -> tuple[Any, ...] | None:
    from sqlalchemy import func, literal_column, select

    conn = session.connection()
    blob, *rest = columns
    head = conn.execute(select(literal_column("rowid"), func.length(table.c[blob]),
                               *(table.c[c] for c in rest))
                        .where(table.c[key] == value)).first()
    if head is None:
        return None
    rowid, size = head[0], head[1]
    if size is None or size < SQLITE_BIG_BLOB:
        row = conn.execute(select(*(table.c[c] for c in columns))
                           .where(table.c[key] == value)).first()
        return tuple(row) if row is not None else None
    raw: Any = conn.connection.driver_connection  # the same sqlite3 connection, same snapshot
    with raw.blobopen(table.name, blob, rowid, readonly=True) as handle:  # type: ignore[attr-defined]
        data = handle.read()
    return (data, *head[2:])


def register_binary_bytes(dbapi_conn: Any, _record: Any = None) -> None:
    """Send Python ``bytes`` as binary ``bytea`` parameters on this psycopg connection."""
    from psycopg.types.string import BytesBinaryDumper

    dbapi_conn.adapters.register_dumper(bytes, BytesBinaryDumper)


def read_row(session: Session, table: FromClause, columns: tuple[str, ...], key: str,
             value: object) -> tuple[Any, ...] | None:
    """``columns`` of the one row of ``table`` whose ``key`` is ``value``, in the session's
    transaction. The first column is the blob. On PostgreSQL it is read in binary chunks
    into one preallocated buffer, which becomes the returned ``bytes`` without a copy:
    libpq would otherwise buffer the whole value twice (its input buffer and the result)
    beside the Python object."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        return _read_sqlite_row(session, table, columns, key, value)
    if conn.dialect.name != "postgresql":
        from sqlalchemy import select

        cols = [table.c[c] for c in columns]
        row = conn.execute(select(*cols).where(table.c[key] == value)).first()
        return tuple(row) if row is not None else None
    raw = conn.connection.driver_connection
    blob, *rest = (table.c[c].name for c in columns)  # our own column names
    where = f"FROM {table.description} WHERE {table.c[key].name} = %s"
    with raw.cursor(binary=True) as cur:  # type: ignore[union-attr]
        others = "".join(f", {c}" for c in rest)
        cur.execute(f"SELECT octet_length({blob}){others} {where}",
                    (value,))
        head = cur.fetchone()
        if head is None:
            return None
        size = int(head[0])
        if size <= CHUNK:
            cur.execute(f"SELECT {blob} {where}", (value,))
            return (cur.fetchone()[0], *head[1:])
        buf = io.BytesIO()
        buf.seek(size - 1)
        buf.write(b"\0")  # one allocation of the final size
        buf.seek(0)
        for start in range(0, size, CHUNK):
            # substring() of bytea is 1-based; with STORAGE EXTERNAL (migration 0004) the
            # server reads only the TOAST chunks of this slice.
            cur.execute(f"SELECT substring({blob} FROM %s FOR %s) {where}",  # noqa: S608
                        (start + 1, CHUNK, value))
            part = cur.fetchone()
            if part is None:  # deleted meanwhile by another transaction
                return None
            buf.write(part[0])
        if buf.tell() != size:  # changed meanwhile: never return a mix of two copies
            raise RuntimeError("evidence changed while it was read")
        return (buf.getvalue(), *head[1:])  # CPython hands over the buffer, no copy


# Writing: the driver binds a copy of the bytes and SQLite builds the row around another
# one. From this size on a ZFO is inserted as a ``zeroblob(n)`` - the last column of
# message_zfos since revision 0009, so SQLite does not expand it - and its bytes are written
# into the row a chunk at a time (incremental blob I/O), in the same transaction.
def sqlite_big(session: Session, data: bytes) -> bool:
    """True when ``data`` goes into SQLite through `write_sqlite_blob` (a big blob)."""
    return len(data) >= SQLITE_BIG_BLOB and session.connection().dialect.name == "sqlite"


def write_sqlite_blob(dbapi_conn: Any, table: str, column: str, rowid: int,
                      data: bytes) -> None:
    """Fill the zeroblob of ``table.column`` in row ``rowid`` with ``data``, in chunks."""
    view = memoryview(data)
    with dbapi_conn.blobopen(table, column, rowid) as blob:
        if len(blob) != len(view):  # the caller inserted zeroblob(len(data))
            raise RuntimeError("the blob's size does not match the evidence")
        for start in range(0, len(view), CHUNK):
            blob.write(view[start:start + CHUNK])
