"""Survivors of session 14's whole run (branch ``survstore15``) in `store.fastwrite`'s work
by the group on PostgreSQL, where it keeps what it read for the transaction and queues its
writes (issue 13): a row or its events known to the writer are not read again, and a ZFO or
delivery info of `IMMEDIATE_BYTES` is sent at once, not held in the queue. SQLite keeps
nothing and queues nothing, so these are PostgreSQL's alone.

Round trips are counted on the write session's own connection with libpq's protocol trace
(the server's ReadyForQuery: one per statement or pipeline sync), as
`test_group_writes._round_trips` counts them for a whole transaction.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store import evidence as evd
from dso_desktop.store import fastwrite
from dso_desktop.store.db import Database
from dso_desktop.store.messages import search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.writer import EvidenceWriter

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
R = Direction.RECEIVED
POSTED = DeliveryEvent(T0, "EV0: Zpráva byla podána")
DELIVERED = DeliveryEvent(T0 + timedelta(hours=1), "EV5: Zpráva byla dodána")


def _env(dm_id: str, status: int = 4) -> Envelope:
    return Envelope(message_id=dm_id, sender_box_id="abc1234", sender_name="Úřad",
                    recipient_box_id="xyz9876", subject=f"Rozhodnutí {dm_id}",
                    status=status, delivered_at=T0)


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    d = Database.open_url(pg_url)
    with d.write() as s:
        AccountRepo(s).add("urad", environment="test", login_method="password", username="u")
    yield d
    d.close()


def _listed(db: Database, *dm_ids: str) -> list[int]:
    with db.write() as s, EvidenceWriter(s) as w:
        return [r.id for r in w.record_listed_many(1, R, [_env(d) for d in dm_ids])]


def _trips(s: Session, work: Callable[[], object]) -> int:
    """Round trips on the session's connection while ``work`` runs."""
    raw: Any = s.connection().connection.driver_connection
    with tempfile.TemporaryFile("w+") as trace:
        raw.pgconn.trace(trace.fileno())
        try:
            work()
        finally:
            raw.pgconn.untrace()
        trace.seek(0)
        return sum(1 for line in trace if "ReadyForQuery" in line)


def test_rows_the_writer_knows_are_not_read_again(db: Database) -> None:
    """A message read by id (a group's delivery infos) and then asked for by its dmID is
    one statement (its row; the events read with it are kept), and the same dmID asked for
    again is none."""
    (mid,) = _listed(db, "7001")
    with db.write() as s, EvidenceWriter(s) as w:
        w.prefetch_ids([mid])
        assert _trips(s, lambda: w.prefetch(1, R, ["7001"])) == 1
        assert _trips(s, lambda: w.prefetch(1, R, ["7001"])) == 0


def test_events_the_writer_has_read_or_made_are_not_read_again(db: Database) -> None:
    """A message's events are read once per transaction: a second delivery info of a
    message whose events the first one read, and the ZFO of a message this writer has just
    inserted from a list page (it has none), only queue their writes."""
    (mid,) = _listed(db, "7001")
    env = _env("7001", 5)
    with db.write() as s, EvidenceWriter(s) as w:
        assert w.keep_delivery_info(mid, b"di-7001", env, (POSTED,), "valid") \
            is evd.Action.STORE
        assert _trips(s, lambda: w.keep_delivery_info(
            mid, b"di-7001", env, (POSTED, DELIVERED), "valid")) == 0
    new = _env("7009")
    with db.write() as s, EvidenceWriter(s) as w:
        (listed,) = w.record_listed_many(1, R, [new])
        assert listed.created
        placed: list[Any] = []
        assert _trips(s, lambda: placed.append(w.attach_downloaded(
            b"zfo-7009", new, search_text_for(new, []), 0, VerdictInfo("valid", T0),
            (POSTED,), account_id=1, direction=R))) == 0
        assert placed[0].action is evd.Action.STORE
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT m.dm_id, e.description FROM events e JOIN messages m "
                              "ON m.id = e.message_id ORDER BY m.dm_id, e.at")).all()
    assert [tuple(r) for r in rows] == [("7001", POSTED.description),
                                        ("7001", DELIVERED.description),
                                        ("7009", POSTED.description)]


def test_a_copy_of_exactly_the_immediate_size_is_not_queued(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """`IMMEDIATE_BYTES` itself is big: a ZFO or a delivery info of exactly that size is
    written at once (the pipeline would buffer several), as a larger one is."""
    monkeypatch.setattr(fastwrite, "IMMEDIATE_BYTES", 12)
    (mid,) = _listed(db, "7001")
    env = _env("7001", 5)
    zfo, di = b"ZFO of 7001.", b"DI  of 7001."
    assert len(zfo) == len(di) == 12

    def queued(fast: fastwrite.FastWriter, data: bytes) -> bool:
        return any(data in params for _sql, rows in fast._queue for params in rows)

    with db.write() as s:
        fast = fastwrite.FastWriter(s)
        fast.prefetch(1, R, ["7001"])  # as a group does: then nothing reads (and sends) midway
        assert fast.attach_downloaded(1, R, zfo, env, search_text_for(env, []), 0,
                                      VerdictInfo("valid", T0), ()) == (evd.Action.STORE, mid)
        assert not queued(fast, zfo)
        assert fast.store_delivery_info(mid, di, env, (), "valid") is evd.Action.STORE
        assert not queued(fast, di)
        fast.close()
    with db.engine.connect() as c:
        assert c.execute(text("SELECT z.data, d.data FROM message_zfos z JOIN delivery_infos "
                              "d ON d.message_id = z.message_id")).one() == (zfo, di)
