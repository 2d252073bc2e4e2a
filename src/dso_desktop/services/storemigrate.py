"""`dso store migrate --to URL`: an existing SQLite archive into an office's PostgreSQL.

- The SQLite file is opened read-only (``mode=ro``): it is never changed, whatever
  happens; it stays the archive until the move is verified and the PCs are pointed at
  the new one.
- Every table of the models is copied with its primary keys, in foreign-key order, in
  small committed batches; a batch never holds more than a few tens of MB of evidence. A
  run that stops (network, Ctrl+C, a full disk) is resumed by running it again: rows
  already in the target are skipped by key, so nothing is copied twice.
- The target must be empty or hold an earlier run from the same file (a marker in its
  settings says which); anything else is refused rather than mixed.
- Verified: per table, the target has exactly the source's row count; every stored ZFO,
  delivery info, kept copy and quarantined file read back from the target has the SHA-256
  recorded for it in the source; the full-text index is rebuilt from the ZFOs. The CLI
  then runs the archive check (`dso check`) on the target.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select, text, tuple_

from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.store.db import Database
from dso_desktop.store.models import Base, Setting

log = logging.getLogger(__name__)

MARKER_KEY = "migrated_from"  # in the target's settings: the source's identity
BATCH_ROWS = 500
BATCH_BYTES = 32 * 2**20
# Tables whose rows carry evidence bytes in ``data`` and its SHA-256 in ``sha256``.
BLOB_TABLES = ("message_zfos", "delivery_infos", "evidence_copies", "quarantined_zfos")
ProgressFn = Callable[[str, int, int], None]  # (table, copied so far, total)


class StoreMigrationError(DsoError):
    """The archive could not be moved or the copy does not verify; the source is intact."""

    kind = ErrorKind.STORE_MIGRATION


@dataclass
class MigrationReport:
    source: str
    target: str
    tables: dict[str, int] = field(default_factory=dict)  # rows in each (both sides)
    copied: dict[str, int] = field(default_factory=dict)  # rows copied in this run
    blobs_verified: int = 0
    indexed: int = 0
    resumed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "tables": self.tables,
                "copied": self.copied, "blobs_verified": self.blobs_verified,
                "indexed": self.indexed, "resumed": self.resumed}


def open_source(path: Path) -> Database:
    """The SQLite archive, read-only: nothing this module does can change the file."""
    if not path.is_file():
        raise StoreMigrationError(f"no archive at {path}")
    db = Database.open_url(f"sqlite:///file:{path}?mode=ro&uri=true", migrate=False)
    from dso_desktop.store.migrations import head_revision

    if db.current_revision() != head_revision():
        db.close()
        raise StoreMigrationError(
            f"the archive {path} has an older schema; open it once with this version of "
            "DSO Desktop (which upgrades it), then migrate")
    return db


def source_identity(path: Path) -> str:
    """Which file the target came from: its path and the newest rows' keys (a different
    archive at the same path is a different source)."""
    return json.dumps({"path": str(path.resolve())})


def _pk(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)  # parents before children


def migrate(source_path: Path, target_url: str, *,
            progress: ProgressFn | None = None,
            index_text: Callable[[bytes], Any] | None = None) -> MigrationReport:
    """Copy and verify (see the module docstring); raises `StoreMigrationError`."""
    source = open_source(source_path)
    try:
        target = Database.open_url(target_url)  # creates or upgrades the schema there
    except Exception as exc:
        source.close()
        raise StoreMigrationError(f"cannot open the target database: {exc}") from exc
    try:
        if not target.is_postgres:
            raise StoreMigrationError("the target must be a PostgreSQL database")
        report = MigrationReport(str(source_path), _masked(target_url))
        report.resumed = _claim(target, source_identity(source_path))
        for table in _tables():
            report.copied[table.name] = _copy_table(source, target, table, progress)
        _reset_sequences(target)
        report.tables = _verify_counts(source, target)
        report.blobs_verified = _verify_blobs(source, target)
        if index_text is not None:
            report.indexed = _rebuild_index(target, index_text)
        return report
    finally:
        source.close()
        target.close()


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _claim(target: Database, identity: str) -> bool:
    """Mark the target as this source's copy; True when an earlier run was resumed.
    Refuses a target holding anything else."""
    with target.write() as s:
        marker = s.get(Setting, MARKER_KEY)
        if marker is not None:
            if json.loads(marker.value) != identity:
                raise StoreMigrationError(
                    "the target database holds a copy of another archive; use an empty one")
            return True
        tables = [t for t in _tables() if t.name != "settings"]
        used = [t.name for t in tables if s.execute(select(func.count()).select_from(t)
                                                    ).scalar()]
        if used:
            raise StoreMigrationError(
                f"the target database is not empty ({', '.join(used)}); use an empty one")
        s.add(Setting(key=MARKER_KEY, value=json.dumps(identity)))
    return False


def _copy_table(source: Database, target: Database, table: Table,
                progress: ProgressFn | None) -> int:
    pk = _pk(table)
    with source.read() as s:
        total = int(s.execute(select(func.count()).select_from(table)).scalar() or 0)
    with target.read() as t:
        have = {tuple(r) for r in t.execute(select(*pk))}
    copied = 0
    done = len(have)
    last: tuple[Any, ...] | None = None
    blob = "data" in table.c
    while True:
        # Keyset pagination by the primary key: constant memory, any table size.
        with source.read() as s:
            q = select(*pk).order_by(*pk).limit(BATCH_ROWS)
            if last is not None:
                q = q.where(tuple_(*pk) > tuple_(*last))
            keys = [tuple(r) for r in s.execute(q)]
        if not keys:
            break
        last = keys[-1]
        todo = [k for k in keys if k not in have]
        if todo and not blob:  # small rows: the whole page in one query
            with source.read() as s:
                rows = [dict(r) for r in s.execute(select(table).where(
                    tuple_(*pk).in_(todo))).mappings()]
            with target.write() as t:
                t.execute(table.insert(), rows)
            todo = []
            copied += len(rows)
            done += len(rows)
            if progress is not None:
                progress(table.name, done, total)
        while todo:
            batch: list[dict[str, Any]] = []
            size = 0
            while todo and (not batch or size < BATCH_BYTES):
                key = todo.pop(0)
                with source.read() as s:  # evidence one row at a time: bounded memory
                    row = s.execute(select(table).where(
                        *(c == v for c, v in zip(pk, key, strict=True)))).mappings().one()
                batch.append(dict(row))
                size += len(row["data"] or b"")
            with target.write() as t:  # committed batch by batch: a rerun resumes here
                t.execute(table.insert(), batch)
            copied += len(batch)
            done += len(batch)
            if progress is not None:
                progress(table.name, done, total)
    return copied


def _reset_sequences(target: Database) -> None:
    """Rows kept their ids; the target's id sequences continue after the largest."""
    with target.write() as t:
        for table in _tables():
            pk = _pk(table)
            if len(pk) != 1 or pk[0].name != "id":
                continue
            t.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def _verify_counts(source: Database, target: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in _tables():
        with source.read() as s, target.read() as t:
            a = int(s.execute(select(func.count()).select_from(table)).scalar() or 0)
            b = int(t.execute(select(func.count()).select_from(table)).scalar() or 0)
        if table.name == "settings":
            b -= 1  # the marker
        if a != b:
            raise StoreMigrationError(
                f"table {table.name}: {a} rows in the archive but {b} in the target")
        counts[table.name] = a
    return counts


def _verify_blobs(source: Database, target: Database) -> int:
    """Every stored copy read back from the target hashes to the source's SHA-256."""
    from dso_desktop.store.blobs import read_row

    n = 0
    for name in BLOB_TABLES:
        table = Base.metadata.tables[name]
        key = _pk(table)[0]
        with source.read() as s:
            expected: dict[Any, str] = {r[0]: r[1] for r in s.execute(
                select(key, table.c.sha256).order_by(key))}
        for k, digest in expected.items():
            with target.read() as t:
                row = read_row(t, table, ("data",), key.name, k)
            if row is None or hashlib.sha256(row[0]).hexdigest() != digest:
                raise StoreMigrationError(
                    f"{name} {k}: the copy in the target does not match its checksum")
            n += 1
    return n


def _rebuild_index(target: Database, index_text: Callable[[bytes], Any]) -> int:
    """The PostgreSQL full-text index of every message with a ZFO (from the ZFO itself)."""
    from dso_desktop.store import pgsearch
    from dso_desktop.store.messages import MessageRepo

    with target.read() as t:
        ids = list(MessageRepo(t).iter_zfo_ids())
    n = 0
    for mid in ids:
        with target.read() as t:
            z = MessageRepo(t).zfo(mid)
        search = index_text(z[0]) if z is not None else None
        if search is None:
            continue
        with target.write() as t:
            pgsearch.index(t, mid, search)
        n += 1
    return n
