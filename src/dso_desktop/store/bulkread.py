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

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
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

# SQLite's structural check walks every b-tree of the file and every overflow chain; on a
# file that is not in the page cache it waits on reads in b-tree order, i.e. at random.
# `read_ahead` reads the file once in file order beside it, in blocks of this size, so the
# check's reads hit the cache. Measured on the 2.27 GB bench archive, cache dropped: pages
# SQLite reads through read() (no map, or past its 2 GB map cap) 16-25 s -> 10-13 s;
# mapped, the kernel already reads around each fault in 8 MB windows, so little changes
# there (median 4.1 -> 4.0 s, a third of the system CPU; benchmarks/ANALYSIS.md, third
# round of large_check_per_s).
READ_AHEAD_BLOCK = 8 << 20

# (id, dmID, account id, evidence bytes or None, stored SHA-256 or None, stored verdict or
# None: the one the bytes were given when verified last, compared with today's)
EvidenceRow = tuple[int, str, int | None, bytes | None, str | None, str | None]


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
        verdict = Message.verdict if table is MessageZfo else DeliveryInfo.verdict
        q = (select(Message.id, Message.dm_id, Message.account_id, table.data, table.sha256,
                    verdict)
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
            for mid, dm_id, acc, data, digest, verdict in cur.fetchall():
                out.append((int(mid), dm_id or "", acc,
                            None if data is None else bytes(data), digest, verdict))
        finally:
            cur.close()
    return out


def sqlite_path(spec: ReaderSpec) -> str | None:
    """The file of an SQLite archive of ``spec`` (None: not SQLite, or in memory)."""
    if spec.dialect != "sqlite" or not spec.shareable or not spec.connect_args:
        return None
    name = str(spec.connect_args[0])
    if spec.connect_kwargs.get("uri") and name.startswith("file:"):
        name = name[len("file:"):].split("?", 1)[0]
    return name or None


def _mem_available() -> int | None:
    """Bytes the kernel can give to the page cache without swapping (Linux), else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def read_ahead(path: str, stop: threading.Event | None = None, *,
               block: int = READ_AHEAD_BLOCK, budget: int | None = None) -> int:
    """Reads the file at ``path`` once, from its start to the size it has now, in blocks of
    ``block`` bytes in file order, so that what reads it at random next (SQLite's
    structural check) finds it in the page cache. Returns the bytes read.

    Only a cache: nothing is kept or returned, and the file is opened read-only. It stops
    at the next block once ``stop`` is set, never reads past the size the file had when it
    began (a file that grows meanwhile is not followed), and reads nothing when the file
    is bigger than half of ``budget`` (default: the memory available to the page cache;
    a file that does not fit would only push its own first pages out again, and every
    other program's). On Linux the blocks go to ``/dev/null`` with ``sendfile``: the pages
    are read into the cache and never copied to this process (2.27 GB cold: 0.05 s of CPU
    against 3.6 s with ``read``); elsewhere they are read into one reused buffer."""
    if stop is not None and stop.is_set():
        return 0
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        size = os.fstat(fd).st_size
        if budget is None:
            budget = _mem_available()
        if budget is not None and size > budget // 2:
            return 0
        if hasattr(os, "posix_fadvise"):  # the kernel reads further ahead by itself
            os.posix_fadvise(fd, 0, size, os.POSIX_FADV_SEQUENTIAL)
        sink = -1
        if hasattr(os, "sendfile") and os.path.exists("/dev/null") and os.name == "posix":
            try:
                sink = os.open("/dev/null", os.O_WRONLY)
            except OSError:
                sink = -1
        buf = memoryview(bytearray(block)) if sink < 0 else None
        done = 0
        try:
            while done < size and not (stop is not None and stop.is_set()):
                want = min(block, size - done)
                if sink >= 0:
                    try:
                        n = os.sendfile(sink, fd, done, want)
                    except OSError:  # no sendfile to /dev/null here: read instead
                        os.close(sink)
                        sink = -1
                        buf = memoryview(bytearray(block))
                        continue
                else:  # sequential reads from ``done`` on (no pread on every system)
                    assert buf is not None
                    if os.lseek(fd, 0, os.SEEK_CUR) != done:
                        os.lseek(fd, done, os.SEEK_SET)
                    n = os.readv(fd, [buf[:want]]) if hasattr(os, "readv") else len(
                        os.read(fd, want))
                if n <= 0:  # the file was cut short meanwhile
                    break
                done += n
        finally:
            if sink >= 0:
                os.close(sink)
        return done
    finally:
        os.close(fd)


# SQLite's result codes (the primary code: the low byte) that say the file is damaged.
# Its structural check stops with one of them instead of listing some damage: a b-tree
# page without a valid page type ends `PRAGMA integrity_check` (SQLite 3.40) with
# "database disk image is malformed" before its first line.
_DAMAGED = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


def damage_line(exc: BaseException) -> str | None:
    """The report's line for ``exc``, a driver error (or SQLAlchemy's wrapping of one,
    ``orig``) that stopped SQLite's structural check, when it says that the file is
    damaged; None for any other error (busy, I/O, ...)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig if orig is not None else exc, "sqlite_errorcode", None)
    if not isinstance(code, int) or code & 0xFF not in _DAMAGED:
        return None
    return f"SQLite stopped its check on damage: {orig if orig is not None else exc}"


def integrity_lines(run: Callable[[], Iterable[Any]]) -> list[str]:
    """The lines of ``PRAGMA integrity_check`` as ``run()`` gives its rows, an empty list
    meaning ``ok``. A check that SQLite stops on damage ends with the line that says so
    (`damage_line`), after whatever it listed before: damage is a finding of the check,
    not its failure. Any other error is raised."""
    lines: list[str] = []
    try:
        for r in run():
            lines.append(str(r[0]))
    except Exception as exc:
        line = damage_line(exc)
        if line is None:
            raise
        lines.append(line)
    return [] if lines == ["ok"] else lines


def structure_check(spec: ReaderSpec, conn: Any) -> list[str]:
    """SQLite's full ``PRAGMA integrity_check`` on ``conn`` (a `connect` connection, the
    file mapped): what `Database.integrity_check` reports, there in a checking process,
    an empty list meaning ``ok``. Nothing to check on PostgreSQL (the server keeps its
    own files consistent), as there."""
    if spec.dialect != "sqlite":
        return []
    path = sqlite_path(spec)
    stop = threading.Event()
    ahead: threading.Thread | None = None
    if path is not None:  # read the file ahead in file order while the check walks it
        ahead = threading.Thread(target=_read_ahead_quietly, args=(path, stop),
                                 name="dso-read-ahead", daemon=True)
        ahead.start()
    try:
        return integrity_lines(lambda: conn.execute("PRAGMA integrity_check").fetchall())
    finally:
        stop.set()  # the check is over: no more reading for it
        if ahead is not None:
            ahead.join()


def _read_ahead_quietly(path: str, stop: threading.Event) -> None:
    """`read_ahead` on a thread: only a cache, so a file it cannot read is the check's
    business (SQLite reports it), not this thread's."""
    with suppress(OSError):
        read_ahead(path, stop)


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
