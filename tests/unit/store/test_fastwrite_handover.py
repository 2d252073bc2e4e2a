"""What the sync's fast path leaves to the ORM, and that it leaves it untouched.

`FastWriter` stores a first copy and recognises the same one; every other decision of the
evidence rule (replace, conflict, a verdict refresh, a missing content digest) is handed
over (None) to `MessageRepo`. A hand-over must write nothing: no copy, no state, no events,
or the ORM would decide on a half-written row. `make mutants` found the replace/conflict
branches of `attach_downloaded` and `store_delivery_info` without a fast unit test.
"""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store.db import Database
from dso_desktop.store.evidence import Action
from dso_desktop.store.fastwrite import FastWriter
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
EVENTS = (DeliveryEvent(T0, "EV0: Zpráva byla podána"),
          DeliveryEvent(T0 + timedelta(hours=1), "EV5: Zpráva byla dodána"))


def _verdict(kind: str) -> VerdictInfo:
    return VerdictInfo(kind, T0 + timedelta(minutes=1), f'{{"verdict": "{kind}"}}', None)


def _env(**kw: Any) -> Envelope:
    base: dict[str, Any] = dict(message_id="6001", sender_box_id="abc1234",
                                sender_name="Úřad", subject="Předmět", status=4,
                                delivered_at=T0)
    base.update(kw)
    return Envelope(**base)




def _rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.engine.connect() as c:
        return {
            "zfo": [tuple(r) for r in c.execute(text(
                "SELECT message_id, sha256, content_sha256, stored_at FROM message_zfos"))],
            "di": [tuple(r) for r in c.execute(text(
                "SELECT message_id, sha256, verdict, stored_at FROM delivery_infos"))],
            "msg": [tuple(r) for r in c.execute(text(
                "SELECT status, accepted_at, verdict, downloaded FROM messages"))],
            "events": [tuple(r) for r in c.execute(text(
                "SELECT message_id, at FROM events ORDER BY at"))],
            "copies": [tuple(r) for r in c.execute(text(
                "SELECT kind, sha256 FROM evidence_copies"))],
        }


def _attach(db: Database, data: bytes, verdict: str | None, content: str | None = None,
            events: tuple[DeliveryEvent, ...] = ()) -> tuple[Action, int] | None:
    env = _env()
    with db.write() as s:
        fast = FastWriter(s)
        try:
            return fast.attach_downloaded(
                1, Direction.RECEIVED, data, env, search_text_for(env, []), 0,
                _verdict(verdict) if verdict else None, events, content_sha256=content)
        finally:
            fast.close()


def _listed(db: Database) -> int:
    with db.write() as s:
        fast = FastWriter(s)
        try:
            got = fast.upsert_listed_many(1, Direction.RECEIVED, [_env()])[0]
        finally:
            fast.close()
    assert got is not None
    return got[0]


@pytest.mark.parametrize(("first", "second", "why"), [
    (("Z", "untrusted", "c1"), ("Z2", "valid", "c2"), "replace an untrusted copy"),
    (("Z", "valid", "c1"), ("Z2", "valid", "c2"), "conflicting trusted copy"),
    (("Z", "valid", "c1"), ("Z2", "untrusted", "c2"), "untrusted beside trusted"),
    (("Z", "untrusted", "c1"), ("Z", "valid", "c1"), "verdict refresh of the same bytes"),
    (("Z", "valid", None), ("Z", "valid", "c1"), "content digest filled in"),
])
def test_attach_hands_over_without_writing(db: Database, first: tuple[str, str, str | None],
                                           second: tuple[str, str, str | None],
                                           why: str) -> None:
    mid = _listed(db)
    assert _attach(db, first[0].encode(), first[1], first[2], EVENTS) == (Action.STORE, mid)
    before = _rows(db)
    later = (DeliveryEvent(T0 + timedelta(days=1), "EV6: Doručeno přihlášením"),)
    assert _attach(db, second[0].encode(), second[1], second[2], later) is None, why
    assert _rows(db) == before, why


def test_attach_the_same_copy_is_kept_and_writes_nothing(db: Database) -> None:
    mid = _listed(db)
    assert _attach(db, b"Z", "valid", "c1", EVENTS) == (Action.STORE, mid)
    before = _rows(db)
    assert _attach(db, b"Z", "valid", "c1") == (Action.KEEP, mid)
    # a weaker verdict for the same bytes is no refresh: still the same copy
    assert _attach(db, b"Z", "untrusted", "c1") == (Action.KEEP, mid)
    assert _rows(db) == before
    assert before["msg"] == [(4, None, "valid", 1)]
    assert len(before["events"]) == 2


def _di(db: Database, mid: int, data: bytes, verdict: str, status: int = 5,
        content: str | None = None) -> Action | None:
    with db.write() as s:
        fast = FastWriter(s)
        try:
            return fast.store_delivery_info(mid, data, _env(status=status), EVENTS, verdict,
                                            content_sha256=content)
        finally:
            fast.close()


@pytest.mark.parametrize(("first", "second"), [
    ("untrusted", "valid"),   # REPLACE: the untrusted one is kept aside by the ORM
    ("valid", "untrusted"),   # CONFLICT: kept aside by the ORM
])
def test_delivery_info_hands_over_without_moving_state(db: Database, first: str,
                                                       second: str) -> None:
    mid = _listed(db)
    with db.write() as s:
        fast = FastWriter(s)
        assert fast.store_delivery_info(mid, b"DI1", _env(status=5), (), first) is Action.STORE
        fast.close()
    before = _rows(db)
    assert _di(db, mid, b"DI2", second, status=6) is None
    assert _rows(db) == before  # no state 6, no events, no copy


def test_delivery_info_verdict_refresh_is_handed_over(db: Database) -> None:
    mid = _listed(db)
    assert _di(db, mid, b"DI1", "untrusted") is Action.STORE
    before = _rows(db)
    assert _di(db, mid, b"DI1", "valid", status=6) is None
    assert _rows(db) == before
    with db.write() as s:  # what the ORM then does with it
        assert MessageRepo(s).place_delivery_info(mid, b"DI1", "valid") is Action.KEEP
    assert _rows(db)["di"][0][2] == "valid"


def test_the_same_delivery_info_again_is_fetched_fresh(db: Database) -> None:
    mid = _listed(db)
    assert _di(db, mid, b"DI1", "valid") is Action.STORE
    [(_, sha, verdict, stored)] = _rows(db)["di"]
    assert verdict == "valid"
    assert _di(db, mid, b"DI1", "untrusted", status=6) is Action.KEEP
    after = _rows(db)
    [(_, sha2, verdict2, stored2)] = after["di"]
    assert (sha2, verdict2) == (sha, "valid")
    assert stored2 >= stored
    assert after["msg"][0][0] == 6  # the state it carries moves on
