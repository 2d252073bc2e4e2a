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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
_DT = Message.__table__.c.updated_at.type  # every DateTime column converts alike


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
        self._cur: Any = _PgCursor(raw) if self._pg else raw

    def close(self) -> None:
        if self._cur is not None:
            self._cur.close()

    def _db_value(self, value: object) -> object:
        if isinstance(value, datetime):
            return self._dt(value)
        if isinstance(value, bool) and not self._pg:
            return int(value)
        return value

    def _listed(self, columns: str, account_id: int, direction: Direction, env: Envelope
                ) -> Any:
        """``columns`` of the account's message with this envelope's dmID, or None."""
        return self._cur.execute(
            f"SELECT {columns} FROM messages "  # noqa: S608 - our own column names
            "WHERE account_id = ? AND direction = ? AND dm_id = ?",
            (account_id, str(direction), env.message_id),
        ).fetchone()

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
        cur = self._cur
        row = self._listed("id, downloaded, big_message, verdict, status", account_id,
                           direction, env)
        if row is None:
            return None
        mid, big = int(row[0]), bool(row[2])
        digest = sha256_hex(data)
        z = cur.execute("SELECT sha256, content_sha256 FROM message_zfos WHERE message_id = ?",
                        (mid,)).fetchone()
        current = evd.CopyInfo(z[0], row[3], z[1]) if z is not None else None
        new = evd.CopyInfo(digest, verdict.kind if verdict else None, content_sha256)
        action = evd.decide(current, new, from_isds=True, kind=evd.MESSAGE)
        if action is evd.Action.KEEP and current is not None and current.sha256 == digest \
                and not evd.needs_verdict_refresh(current.verdict, new.verdict) \
                and not (content_sha256 and current.content_sha256 is None):
            return action, mid
        if action is not evd.Action.STORE:
            return None
        now = self._dt(to_db(utcnow()))
        chunked = not self._pg and len(data) >= blobs.SQLITE_BIG_BLOB
        cur.execute(
            _BIG_ZFO_INSERT if chunked else _ZFO_INSERT,
            (mid, digest, len(data), len(data) if chunked else data, now, content_sha256),
        )
        if chunked:  # its bytes a chunk at a time (see store.blobs)
            blobs.write_sqlite_blob(cur.connection, "message_zfos", "data", mid, data)
        names, values = [], []
        for name, value in evd.signed_envelope_update(_envelope_columns(env), big,
                                                      row[4]).items():
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
        cur.execute(f"UPDATE messages SET {assignments} WHERE id = ?",  # noqa: S608 - names
                    (*values, mid))                                     # are our columns
        if self._pg:
            from dso_desktop.store import pgsearch

            cur.execute("INSERT INTO message_search (message_id, doc) VALUES "
                        "(?, array_to_tsvector(CAST(? AS text[]))) ON CONFLICT (message_id) "
                        "DO UPDATE SET doc = EXCLUDED.doc", (mid, pgsearch.lexemes(search)))
        else:
            cur.execute(
                "INSERT INTO messages_fts (rowid, subject, parties, refs, files, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (mid, search.subject, search.parties, search.refs, search.files,
                 search.body),
            )
        self.add_events(mid, events)
        return action, mid

    def add_events(self, message_id: int, events: Iterable[DeliveryEvent]) -> int:
        """As `MessageRepo.add_events`: each (time, description) once per message."""
        cur = self._cur
        have = {(r[0], r[1]) for r in cur.execute(
            "SELECT at, description FROM events WHERE message_id = ?", (message_id,))}
        rows = []
        for ev in events:
            key = (self._dt(to_db(ev.at)), ev.description[:500])
            if key in have:
                continue
            have.add(key)
            rows.append((message_id, *key))
        if rows:
            cur.executemany(
                "INSERT INTO events (message_id, at, description) VALUES (?, ?, ?)", rows)
        return len(rows)

    def _move_state(self, message_id: int, row: Sequence[Any], env: Envelope) -> bool:
        """As `MessageRepo.update_state`; ``row``: the stored (status, delivered_at,
        accepted_at). True when something changed."""
        changes = evd.state_changes(dict(zip(evd.MUTABLE, row, strict=True)),
                                    _envelope_columns(env), self._dt)
        if not changes:
            return False
        changes["updated_at"] = self._dt(to_db(utcnow()))
        assignments = ", ".join(f"{n} = ?" for n in changes)
        self._cur.execute(f"UPDATE messages SET {assignments} WHERE id = ?",  # noqa: S608
                          (*changes.values(), message_id))
        return True

    def upsert_listed(self, account_id: int, direction: Direction, env: Envelope,
                      source: str = "sync") -> tuple[int, bool, bool] | None:
        """As `MessageRepo.upsert_envelope` for an envelope from a list: (id, created,
        changed), or None when an imported copy without an account waits to be adopted
        (the ORM path does that)."""
        if not self.enabled:
            return None
        cur = self._cur
        row = self._listed("id, status, delivered_at, accepted_at", account_id, direction, env)
        if row is not None:
            return int(row[0]), False, self._move_state(int(row[0]), row[1:], env)
        orphan = cur.execute(
            "SELECT 1 FROM messages WHERE account_id IS NULL AND direction = ? AND dm_id = ?",
            (str(direction), env.message_id),
        ).fetchone()
        if orphan is not None:
            return None
        now = self._dt(to_db(utcnow()))
        cols: dict[str, Any] = {
            "account_id": account_id, "direction": str(direction), "dm_id": env.message_id,
            "attachment_count": 0, "downloaded": self._db_value(False),
            "is_read": self._db_value(False), "source": source,
            "created_at": now, "updated_at": now,
        }
        for name, value in _envelope_columns(env).items():
            cols[name] = self._db_value(value)
        names = ", ".join(cols)
        marks = ", ".join("?" for _ in cols)
        if self._pg:
            new_id = cur.execute(f"INSERT INTO messages ({names}) VALUES ({marks}) "  # noqa: S608
                                 "RETURNING id", tuple(cols.values())).fetchone()[0]
            return int(new_id), True, True
        cur.execute(f"INSERT INTO messages ({names}) VALUES ({marks})",  # noqa: S608
                    tuple(cols.values()))
        return int(cur.lastrowid), True, True

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
        cur = self._cur
        row = cur.execute(
            "SELECT status, delivered_at, accepted_at FROM messages WHERE id = ?",
            (message_id,),
        ).fetchone()
        if row is None:
            return None
        digest = sha256_hex(data)
        old = cur.execute("SELECT sha256, verdict, content_sha256 FROM delivery_infos "
                          "WHERE message_id = ?", (message_id,)).fetchone()
        current = evd.CopyInfo(old[0], old[1], old[2]) if old is not None else None
        action = evd.decide(current, evd.CopyInfo(digest, verdict, content_sha256),
                           from_isds=True, kind=evd.DELIVERY_INFO)
        same = action is evd.Action.KEEP and old is not None and old[0] == digest \
            and not evd.needs_verdict_refresh(old[1], verdict)
        if action not in (evd.Action.STORE, evd.Action.SUPERSEDE) and not same:
            return None
        self._move_state(message_id, row, env)
        self.add_events(message_id, events)
        now = self._dt(to_db(utcnow()))
        if same:
            cur.execute("UPDATE delivery_infos SET stored_at = ? WHERE message_id = ?",
                        (now, message_id))  # fetched again: up to date
            return action
        if action is evd.Action.STORE:
            cur.execute(
                "INSERT INTO delivery_infos (message_id, sha256, size, data, verdict, "
                "stored_at, content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message_id, digest, len(data), data, verdict, now, content_sha256),
            )
            return action
        cur.execute(
            "UPDATE delivery_infos SET sha256 = ?, size = ?, data = ?, verdict = ?, "
            "stored_at = ?, content_sha256 = ? WHERE message_id = ?",
            (digest, len(data), data, verdict, now, content_sha256, message_id),
        )
        return action


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

    def close(self) -> None:
        self._cur.close()
