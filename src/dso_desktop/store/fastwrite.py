"""The sync's hot write path: a downloaded ZFO and a delivery info in a handful of statements.

`MessageRepo.attach_zfo` and friends go through the ORM (identity map, unit of work,
change tracking): right for the rare and varied writes of the GUI and the CLI, but most
of a 10,000-message sync's CPU time went into that bookkeeping. Here the same rows are
written with plain statements on the session's own connection, inside the caller's
transaction, with values converted exactly as the ORM converts them (the columns' own bind
processors), so either path reads back the same.

SQLite and PostgreSQL (the statements are written with ``?`` and given the driver's
``%s`` on PostgreSQL; booleans stay booleans there; the search index is `store.pgsearch`'s);
`store.writer.EvidenceWriter` falls back to the ORM path when a function here returns
``None`` (another database, or a case the fast path does not cover).
Nothing outside the store uses this module: the rules it follows are `store.evidence`'s.

On PostgreSQL every statement is a round trip to a server that may be another computer,
and a sync's group commit (a list page, or up to 64 downloads with their delivery infos)
used to cost a dozen of them per message. There the writer works by the group (issue 13):

- what the rules decide on (the message rows with their evidence digests, delivery infos
  and events) is read for the whole group in two statements (`prefetch`, `prefetch_ids`,
  `upsert_listed_many`) and kept in `_Row`s for the transaction, updated as this writer
  writes, so no item needs a SELECT of its own;
- the writes are queued and sent together in one pipeline (`flush`, psycopg's pipeline
  mode: in order, one round trip), before any read, before the ORM takes over an item, and
  at the end of the group, inside the caller's transaction (one commit per group);
- the new rows of a list page go in with one pipelined INSERT ... RETURNING.

The decisions are the same calls to `store.evidence` on the same values as before, one
item after the other; only when the rows travel changes. A failure of the pipeline fails
the group's transaction, and `store.writer.write_grouped` then writes each item alone. A
ZFO of `IMMEDIATE_BYTES` or more is written at once rather than queued (the pipeline would
buffer several of them). SQLite keeps the per-item statements (a SELECT there is a function
call, not a round trip) and keeps nothing between calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store import blobs
from dso_desktop.store import evidence as evd
from dso_desktop.store.messages import _envelope_columns, sha256_hex
from dso_desktop.store.models import Message
from dso_desktop.store.records import SearchText, VerdictInfo
from dso_desktop.store.timeutil import to_db, utcnow

_ZFO_INSERT = ("INSERT INTO message_zfos (message_id, sha256, size, data, stored_at, "
               "content_sha256) VALUES (?, ?, ?, ?, ?, ?)")
# A big ZFO on SQLite: a zeroblob of its size, its bytes written into it after (store.blobs).
_BIG_ZFO_INSERT = ("INSERT INTO message_zfos (message_id, sha256, size, data, stored_at, "
                   "content_sha256) VALUES (?, ?, ?, zeroblob(?), ?, ?)")
_EVENT_INSERT = "INSERT INTO events (message_id, at, description) VALUES (?, ?, ?)"
_DT = Message.__table__.c.updated_at.type  # every DateTime column converts alike
# What the evidence rules decide on: the message row's state and verdict, with the digests
# of its evidence and of its delivery info (one statement for any number of messages).
_ROWS = ("SELECT m.id, m.account_id, m.dm_id, m.big_message, m.verdict, m.status, "
         "m.delivered_at, m.accepted_at, z.sha256, z.content_sha256, d.sha256, d.verdict, "
         "d.content_sha256 FROM messages m "
         "LEFT JOIN message_zfos z ON z.message_id = m.id "
         "LEFT JOIN delivery_infos d ON d.message_id = m.id ")
# A ZFO this big is written at once, not queued: a pipeline would buffer several of them
# (VoDZ messages are hundreds of MB; `store.blobs` keeps one copy of such a ZFO in memory).
IMMEDIATE_BYTES = blobs.CHUNK


@dataclass(slots=True)
class _Row:
    """A message as the rules see it, in the database's own form of each value (what a
    SELECT returns), kept up to date by this writer's own writes."""

    id: int
    big: bool
    verdict: str | None
    state: dict[str, Any]  # evd.MUTABLE: status, delivered_at, accepted_at
    zfo: tuple[str, str | None] | None  # (sha256, content_sha256) of the evidence
    di: tuple[str, str | None, str | None] | None  # (sha256, verdict, content_sha256)
    events: set[tuple[Any, str]] | None = None  # (at, description); None: not read yet


class FastWriter:
    """Plain-statement writes on the connection of one write session."""

    def __init__(self, session: Session) -> None:
        conn = session.connection()
        self._pg = conn.dialect.name == "postgresql"
        self.enabled = conn.dialect.name == "sqlite" or self._pg
        proc: Callable[[Any], Any] | None = _DT.dialect_impl(conn.dialect).bind_processor(
            conn.dialect)
        self._dt: Callable[[Any], Any] = proc or (lambda v: v)
        raw: Any = conn.connection.cursor() if self.enabled else None
        self._raw: Any = conn.connection.driver_connection if self._pg else None
        self._cur: Any = _PgCursor(raw) if self._pg else raw
        # PostgreSQL: rows known in this transaction, and writes not sent yet (see above).
        self._keep = self._pg
        self._keys: dict[tuple[int, str, str], _Row | None] = {}  # None: not in the archive
        self._orphans: set[tuple[str, str]] = set()  # (direction, dmID) without an account
        self._ids: dict[int, _Row] = {}
        self._queue: list[tuple[str, list[Sequence[Any]]]] = []

    # -- the transaction's writes ----------------------------------------------------------
    def flush(self) -> None:
        """Send the queued writes, in order, in one pipeline (one round trip)."""
        if not self._queue:
            return
        queue, self._queue = self._queue, []
        with self._raw.pipeline():
            for sql, rows in queue:
                if len(rows) == 1:
                    self._cur.execute(sql, rows[0])
                else:
                    self._cur.executemany(sql, rows)

    def _write(self, sql: str, params: Sequence[Any], *, now: bool = False) -> None:
        """Execute a write, or (PostgreSQL) queue it for the next `flush`; ``now``: at once,
        after what is queued."""
        if self._keep and not now:
            self._queue.append((sql, [params]))
            return
        self.flush()
        self._cur.execute(sql, params)

    def _write_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if self._keep:
            self._queue.append((sql, list(rows)))
        else:
            self._cur.executemany(sql, rows)

    def forget(self) -> None:
        """Drop what is known of the rows: another path (the ORM) wrote some of them."""
        self._keys.clear()
        self._orphans.clear()
        self._ids.clear()

    def close(self) -> None:
        """Send what is queued (the caller commits), then release the cursor."""
        try:
            self.flush()
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Release the cursor without sending what is queued (the transaction failed)."""
        self._queue.clear()
        self.forget()
        if self._cur is not None:
            self._cur.close()
            self._cur = None

    # -- what the rules decide on ---------------------------------------------------------
    def _load(self, where: str, params: Sequence[Any]) -> list[tuple[int | None, str, _Row]]:
        """(account id, dmID, row) of the messages ``where`` selects (``m``: messages)."""
        self.flush()  # reads see this transaction's writes
        out = []
        for r in self._cur.execute(_ROWS + where, params).fetchall():
            row = self._ids.get(int(r[0]))  # known: it is up to date, and may be referenced
            if row is None:
                row = _Row(int(r[0]), bool(r[3]), r[4],
                           {"status": r[5], "delivered_at": r[6], "accepted_at": r[7]},
                           (r[8], r[9]) if r[8] is not None else None,
                           (r[10], r[11], r[12]) if r[10] is not None else None)
                if self._keep:
                    self._ids[row.id] = row
            out.append((r[1], r[2], row))
        return out

    def _in(self, column: str, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        # One array parameter on PostgreSQL: the same statement (prepared once) for any
        # number of values; SQLite has no arrays.
        if self._pg:
            return f"{column} = ANY(?)", (list(values),)
        return f"{column} IN ({', '.join('?' for _ in values)})", tuple(values)

    def _fetch_keys(self, account_id: int, direction: Direction, dm_ids: Sequence[str]
                    ) -> tuple[dict[str, _Row | None], set[str]]:
        """The account's rows of these dmIDs (None: not in the archive), and the dmIDs that
        an imported copy without an account has (adopted by the ORM path)."""
        d = str(direction)
        cond, values = self._in("m.dm_id", dm_ids)
        found: dict[str, _Row | None] = dict.fromkeys(dm_ids)
        orphans: set[str] = set()
        for acc, dm_id, row in self._load(
                f"WHERE m.direction = ? AND (m.account_id = ? OR m.account_id IS NULL) "
                f"AND {cond}", (d, account_id, *values)):
            if acc is None:
                orphans.add(dm_id)
            else:
                found[dm_id] = row
        if self._keep:
            for dm_id, known in found.items():
                self._keys[(account_id, d, dm_id)] = known
            self._orphans.update((d, dm_id) for dm_id in orphans)
        return found, orphans

    def _fetch_ids(self, ids: Sequence[int]) -> dict[int, _Row]:
        cond, values = self._in("m.id", ids)
        return {row.id: row for _, _, row in self._load(f"WHERE {cond}", values)}

    def _by_key(self, account_id: int, direction: Direction, dm_id: str
                ) -> tuple[_Row | None, bool]:
        """The account's row of ``dm_id`` (None: not in the archive), and whether an
        imported copy without an account waits for it."""
        key = (account_id, str(direction), dm_id)
        if key in self._keys:
            return self._keys[key], (key[1], dm_id) in self._orphans
        found, orphans = self._fetch_keys(account_id, direction, [dm_id])
        return found[dm_id], dm_id in orphans

    def _by_id(self, message_id: int) -> _Row | None:
        row = self._ids.get(message_id)
        return row if row is not None else self._fetch_ids([message_id]).get(message_id)

    def _events(self, message_id: int) -> set[tuple[Any, str]]:
        row = self._ids.get(message_id)
        if row is not None and row.events is not None:
            return row.events
        self.flush()
        have = {(r[0], r[1]) for r in self._cur.execute(
            "SELECT at, description FROM events WHERE message_id = ?", (message_id,))}
        if row is not None:
            row.events = have
        return have

    def _prefetch_events(self, rows: Iterable[_Row]) -> None:
        todo = {row.id: row for row in rows if row.events is None}
        if not todo:
            return
        self.flush()
        for row in todo.values():
            row.events = set()
        cond, values = self._in("message_id", list(todo))
        for mid, at, description in self._cur.execute(
                f"SELECT message_id, at, description FROM events WHERE {cond}",  # noqa: S608
                values).fetchall():
            events = todo[int(mid)].events
            assert events is not None
            events.add((at, description))

    def prefetch(self, account_id: int, direction: Direction, dm_ids: Iterable[str]) -> None:
        """PostgreSQL: read what the rules need of these messages of the account (the group
        about to be written) in two statements, instead of a few per message. Nothing on
        SQLite."""
        if not self._keep:
            return
        d = str(direction)
        todo = [dm for dm in dict.fromkeys(dm_ids) if (account_id, d, dm) not in self._keys]
        if todo:
            found, _ = self._fetch_keys(account_id, direction, todo)
            self._prefetch_events(row for row in found.values() if row is not None)

    def prefetch_ids(self, ids: Iterable[int]) -> None:
        """As `prefetch`, for messages known by id (a group's delivery infos)."""
        if not self._keep:
            return
        todo = [i for i in dict.fromkeys(ids) if i not in self._ids]
        if todo:
            self._prefetch_events(self._fetch_ids(todo).values())

    # -- messages -----------------------------------------------------------------------
    def attach_downloaded(
        self,
        account_id: int,
        direction: Direction,
        data: bytes,
        env: Envelope,
        search: SearchText,
        attachment_count: int,
        verdict: VerdictInfo | None,
        events: Iterable[DeliveryEvent],
        *,
        content_sha256: str | None = None,
    ) -> tuple[evd.Action, int] | None:
        """Store the ZFO of a message the list has already recorded.

        Returns (STORE | KEEP, message id), or None when the envelope is not in
        the archive yet (the ORM path creates it, adopting an imported copy if there is one)
        or when the evidence rule (`store.evidence.decide`) wants more than storing the
        first copy or recognising the same one: replacing, keeping a conflicting copy, a
        verdict refresh or filling in a missing content digest are rare and go through
        `MessageRepo.place_zfo`.
        """
        if not self.enabled:
            return None
        row, _ = self._by_key(account_id, direction, env.message_id)
        if row is None:
            return None
        mid = row.id
        digest = sha256_hex(data)
        current = (evd.CopyInfo(row.zfo[0], row.verdict, row.zfo[1])
                   if row.zfo is not None else None)
        new = evd.CopyInfo(digest, verdict.kind if verdict else None, content_sha256)
        action = evd.decide(current, new, from_isds=True, kind=evd.MESSAGE)
        if action is evd.Action.KEEP and current is not None and current.sha256 == digest \
                and not evd.needs_verdict_refresh(current.verdict, new.verdict) \
                and not (content_sha256 and current.content_sha256 is None):
            return action, mid
        if action is not evd.Action.STORE:
            return None
        now = self._dt(to_db(utcnow()))
        if not self._pg and len(data) >= blobs.SQLITE_BIG_BLOB:
            # its bytes a chunk at a time (see store.blobs)
            self._cur.execute(_BIG_ZFO_INSERT, (mid, digest, len(data), len(data), now,
                                                content_sha256))
            blobs.write_sqlite_blob(self._cur.connection, "message_zfos", "data", mid, data)
        else:
            self._write(_ZFO_INSERT, (mid, digest, len(data), data, now, content_sha256),
                        now=len(data) >= IMMEDIATE_BYTES)
        names, values = [], []
        signed = evd.signed_envelope_update(_envelope_columns(env), row.big,
                                            row.state["status"])
        for name, value in signed.items():
            names.append(name)
            values.append(self._db_value(value))
        names += ["attachment_count", "downloaded", "updated_at"]
        values += [attachment_count, self._db_value(True), now]
        if verdict is not None:
            names += ["verdict", "verdict_json", "verified_at", "timestamp_expires",
                      "evidence_expires", "evidence_cause"]
            values += [verdict.kind, verdict.json, self._dt(to_db(verdict.checked_at)),
                       self._dt(to_db(verdict.timestamp_expires)),
                       self._dt(to_db(verdict.evidence_expires)), verdict.evidence_cause]
        assignments = ", ".join(f"{n} = ?" for n in names)
        self._write(f"UPDATE messages SET {assignments} WHERE id = ?",  # noqa: S608 - names
                    (*values, mid))                                     # are our columns
        # What the row now holds, for the group's next items.
        row.zfo = (digest, content_sha256)
        row.big = bool(signed["big_message"])
        if verdict is not None:
            row.verdict = verdict.kind
        for name in evd.MUTABLE:
            if name in signed:
                row.state[name] = self._db_value(signed[name])
        if self._pg:
            from dso_desktop.store import pgsearch

            self._write(f"INSERT INTO message_search (message_id, doc) VALUES "  # noqa: S608
                        f"(?, {pgsearch.DOC_SQL}) ON CONFLICT (message_id) "
                        "DO UPDATE SET doc = EXCLUDED.doc", (mid, pgsearch.doc_text(search)))
        else:
            self._cur.execute(
                "INSERT INTO messages_fts (rowid, subject, parties, refs, files, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (mid, search.subject, search.parties, search.refs, search.files,
                 search.body),
            )
        self.add_events(mid, events)
        return action, mid

    def add_events(self, message_id: int, events: Iterable[DeliveryEvent]) -> int:
        """As `MessageRepo.add_events`: each (time, description) once per message."""
        have = self._events(message_id)
        rows = []
        for ev in events:
            key = (self._dt(to_db(ev.at)), ev.description[:500])
            if key in have:
                continue
            have.add(key)
            rows.append((message_id, *key))
        if rows:
            self._write_many(_EVENT_INSERT, rows)
        return len(rows)

    def _move_state(self, row: _Row, env: Envelope) -> bool:
        """As `MessageRepo.update_state`. True when something changed."""
        changes = evd.state_changes(row.state, _envelope_columns(env), self._dt)
        if not changes:
            return False
        row.state.update(changes)
        changes["updated_at"] = self._dt(to_db(utcnow()))
        assignments = ", ".join(f"{n} = ?" for n in changes)
        self._write(f"UPDATE messages SET {assignments} WHERE id = ?",  # noqa: S608
                    (*changes.values(), row.id))
        return True

    def upsert_listed_many(self, account_id: int, direction: Direction,
                           envs: Sequence[Envelope], source: str = "sync"
                           ) -> list[tuple[int, bool, bool] | None]:
        """As `MessageRepo.upsert_envelope` for each envelope of a list page, in order:
        (id, created, changed), or None where the fast path is off or an imported copy
        without an account waits to be adopted (the ORM path does that). On PostgreSQL the
        page's rows are read in one statement and its new messages inserted in one
        pipelined statement."""
        if not self.enabled:
            return [None] * len(envs)
        self.prefetch(account_id, direction, (env.message_id for env in envs))
        out: list[tuple[int, bool, bool] | None] = [None] * len(envs)
        new: dict[str, tuple[int, dict[str, Any]]] = {}  # dmID -> (place in out, columns)
        for i, env in enumerate(envs):
            if env.message_id in new:  # listed twice: inserted first, then seen again
                self._insert_listed(account_id, direction, new, out)
            row, orphan = self._by_key(account_id, direction, env.message_id)
            if row is not None:
                out[i] = (row.id, False, self._move_state(row, env))
            elif not orphan:
                new[env.message_id] = (i, self._new_columns(account_id, direction, env,
                                                            source))
        self._insert_listed(account_id, direction, new, out)
        return out

    def _new_columns(self, account_id: int, direction: Direction, env: Envelope,
                     source: str) -> dict[str, Any]:
        now = self._dt(to_db(utcnow()))
        cols: dict[str, Any] = {
            "account_id": account_id, "direction": str(direction), "dm_id": env.message_id,
            "attachment_count": 0, "downloaded": self._db_value(False),
            "is_read": self._db_value(False), "source": source,
            "created_at": now, "updated_at": now,
        }
        for name, value in _envelope_columns(env).items():
            cols[name] = self._db_value(value)
        return cols

    def _insert_listed(self, account_id: int, direction: Direction,
                       new: dict[str, tuple[int, dict[str, Any]]],
                       out: list[tuple[int, bool, bool] | None]) -> None:
        """Insert the collected new messages (emptying ``new``), their ids into ``out``."""
        if not new:
            return
        items = list(new.values())
        new.clear()
        self.flush()
        names = list(items[0][1])
        sql = (f"INSERT INTO messages ({', '.join(names)}) "  # noqa: S608 - our columns
               f"VALUES ({', '.join('?' for _ in names)})")
        rows = [tuple(cols[n] for n in names) for _, cols in items]
        if self._pg:
            ids = self._cur.insert_returning_ids(sql, rows)
        else:
            ids = []
            for values in rows:
                self._cur.execute(sql, values)
                ids.append(int(self._cur.lastrowid))
        d = str(direction)
        for (i, cols), mid in zip(items, ids, strict=True):
            out[i] = (mid, True, True)
            if self._keep:  # a new row: no evidence, no delivery info, no events yet
                row = _Row(mid, bool(cols["big_message"]), None,
                           {name: cols[name] for name in evd.MUTABLE}, None, None, set())
                self._keys[(account_id, d, cols["dm_id"])] = row
                self._ids[mid] = row

    # -- delivery infos -----------------------------------------------------------------
    def store_delivery_info(self, message_id: int, data: bytes, env: Envelope,
                            events: Iterable[DeliveryEvent], verdict: str | None, *,
                            content_sha256: str | None = None) -> evd.Action | None:
        """As `EvidenceWriter.keep_delivery_info`: state moved on, events added, the newest
        delivery info kept. STORE or SUPERSEDE when the delivery info was new or changed,
        KEEP for the same one again; None when the message is not in the archive (the ORM
        path reports that) or when the evidence rule wants a copy kept aside, refused or its
        verdict refreshed (`MessageRepo.place_delivery_info` does that)."""
        if not self.enabled:
            return None
        row = self._by_id(message_id)
        if row is None:
            return None
        digest = sha256_hex(data)
        old = row.di
        current = evd.CopyInfo(old[0], old[1], old[2]) if old is not None else None
        action = evd.decide(current, evd.CopyInfo(digest, verdict, content_sha256),
                            from_isds=True, kind=evd.DELIVERY_INFO)
        same = action is evd.Action.KEEP and old is not None and old[0] == digest \
            and not evd.needs_verdict_refresh(old[1], verdict)
        if action not in (evd.Action.STORE, evd.Action.SUPERSEDE) and not same:
            return None
        self._move_state(row, env)
        self.add_events(message_id, events)
        now = self._dt(to_db(utcnow()))
        if same:
            self._write("UPDATE delivery_infos SET stored_at = ? WHERE message_id = ?",
                        (now, message_id))  # fetched again: up to date
            return action
        big = len(data) >= IMMEDIATE_BYTES
        if action is evd.Action.STORE:
            self._write(
                "INSERT INTO delivery_infos (message_id, sha256, size, data, verdict, "
                "stored_at, content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message_id, digest, len(data), data, verdict, now, content_sha256), now=big)
        else:
            self._write(
                "UPDATE delivery_infos SET sha256 = ?, size = ?, data = ?, verdict = ?, "
                "stored_at = ?, content_sha256 = ? WHERE message_id = ?",
                (digest, len(data), data, verdict, now, content_sha256, message_id), now=big)
        row.di = (digest, verdict, content_sha256)
        return action

    def _db_value(self, value: object) -> object:
        if isinstance(value, datetime):
            return self._dt(value)
        if isinstance(value, bool) and not self._pg:
            return int(value)
        return value


class _PgCursor:
    """A psycopg cursor that takes the statements as written here (``?`` placeholders)."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._cur.execute(sql.replace("?", "%s"), params)
        return self._cur

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        self._cur.executemany(sql.replace("?", "%s"), list(rows))
        return self._cur

    def insert_returning_ids(self, sql: str, rows: Sequence[Sequence[Any]]) -> list[int]:
        """``sql`` (an INSERT) for each row, in one pipeline; the new rows' ids in order."""
        self._cur.executemany(sql.replace("?", "%s") + " RETURNING id", list(rows),
                              returning=True)
        ids = []
        while True:
            ids.append(int(self._cur.fetchone()[0]))
            if not self._cur.nextset():
                return ids

    def close(self) -> None:
        self._cur.close()
