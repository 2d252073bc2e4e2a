"""The watch: one list of every deadline, sorted by due date, from stored columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from dso_desktop.app import App
from dso_desktop.domain import (
    Direction,
    EvidenceCause,
    LoginMethod,
    MessageStatus,
    Remedy,
    WarningKind,
)
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.services.watch import WatchItem
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.models import Message
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.timeutil import to_db

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    a.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, "u"))
    yield a
    a.close()


def _msg(app: App, dm_id: str, direction: Direction = Direction.RECEIVED, **cols: object) -> int:
    from dso_desktop.domain import Envelope

    with app.db.write() as s:
        acc = AccountRepo(s).get("obec")
        mid = MessageRepo(s).upsert_envelope(acc.id, direction, Envelope(dm_id)).id
        if cols:
            s.execute(update(Message).where(Message.id == mid).values(
                **{k: to_db(v) if isinstance(v, datetime) else v for k, v in cols.items()}))
    return mid


def test_every_kind_with_its_remedy_sorted_by_due(app: App) -> None:
    with app.db.write() as s:
        AccountRepo(s).update("obec", password_expires_at=NOW + timedelta(days=5))
    _msg(app, "100", evidence_expires=NOW + timedelta(days=40),
         evidence_cause=EvidenceCause.TIMESTAMP_CERTIFICATE.value, downloaded=True)
    _msg(app, "101", downloaded=False, status=int(MessageStatus.ACCEPTED_BY_LOGIN),
         delivered_at=NOW - timedelta(days=86), accepted_at=NOW - timedelta(days=85))
    _msg(app, "102", status=int(MessageStatus.DELIVERED), delivered_at=NOW - timedelta(days=7))
    _msg(app, "103", Direction.SENT, status=int(MessageStatus.POSTED),
         created_at=NOW - timedelta(days=4))
    items = app.watch.items(NOW)
    got = [(i.kind, i.dm_id, i.remedy) for i in items]
    assert got == [
        (WarningKind.UNDELIVERED, "103", Remedy.CHECK_DELIVERY),  # due 1 day ago
        (WarningKind.FICTION, "102", Remedy.ACCEPT),  # in 3 days
        (WarningKind.DELETION, "101", Remedy.DOWNLOAD),  # in 5 days
        (WarningKind.PASSWORD_EXPIRY, None, Remedy.CHANGE_PASSWORD),  # in 5 days
        (WarningKind.TIMESTAMP_EXPIRY, "100", Remedy.RESTAMP),  # in 40 days (90 by setting)
    ]
    by_dm = {i.dm_id: i for i in items}
    assert by_dm["102"].due == NOW + timedelta(days=3)
    assert by_dm["101"].due == NOW + timedelta(days=5)
    assert by_dm["103"].due == NOW - timedelta(days=1)
    assert by_dm["100"].cause is EvidenceCause.TIMESTAMP_CERTIFICATE
    assert all(i.account == "obec" for i in items)
    j = by_dm["100"].to_json()
    assert {k: j[k] for k in ("kind", "account", "dm_id", "remedy")} == {
        "kind": "timestamp-expiry", "account": "obec", "dm_id": "100", "remedy": "restamp"}
    # The warnings panel shows the same items, in the same order, first.
    panel = app.warnings.collect(NOW)
    assert [(w.kind, w.dm_id) for w in panel[:5]] == [(i.kind, i.dm_id) for i in items]


def test_lead_times_come_from_the_settings(app: App) -> None:
    _msg(app, "200", evidence_expires=NOW + timedelta(days=100), downloaded=True)
    assert app.watch.items(NOW) == []
    app.settings.update(restamp_within_days=120)
    assert [i.dm_id for i in app.watch.items(NOW)] == ["200"]
    assert [i.dm_id for i in app.watch.items(NOW, within_days=99)] == []
    assert [i.dm_id for i in app.watch.items(NOW, within_days=100)] == ["200"]


def test_not_due_overdue_and_settled(app: App) -> None:
    # Delivered 11 days ago: the fiction has applied already; nothing to do any more.
    _msg(app, "300", status=int(MessageStatus.DELIVERED), delivered_at=NOW - timedelta(days=11))
    # Accepted: no fiction; downloaded: no deletion.
    _msg(app, "301", status=int(MessageStatus.ACCEPTED_BY_LOGIN), downloaded=True,
         delivered_at=NOW - timedelta(days=89), accepted_at=NOW - timedelta(days=88))
    # Delivered sent message: not "undelivered".
    _msg(app, "302", Direction.SENT, status=int(MessageStatus.DELIVERED),
         delivered_at=NOW - timedelta(days=20), accepted_at=NOW - timedelta(days=19),
         created_at=NOW - timedelta(days=20))
    # Evidence that stopped being verifiable already: overdue, listed.
    _msg(app, "303", evidence_expires=NOW - timedelta(days=400), downloaded=True)
    assert [(i.kind, i.dm_id) for i in app.watch.items(NOW)] == [
        (WarningKind.TIMESTAMP_EXPIRY, "303")]


def test_other_parts_add_items_through_a_source(app: App) -> None:
    seen: list[object] = []

    def source(now: datetime, horizon: datetime | None) -> list[WatchItem]:
        seen.append(horizon)
        return [WatchItem(WarningKind.PASSWORD_EXPIRY, "obec", None, None,
                          now + timedelta(days=1), Remedy.CHANGE_PASSWORD, "cs", "en")]

    app.watch.add_source(source)
    assert [i.text_en for i in app.watch.items(NOW, within_days=7)] == ["en"]
    assert seen == [NOW + timedelta(days=7)]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.integers(min_value=-500, max_value=500), min_size=1, max_size=12),
       window=st.integers(min_value=0, max_value=400))
def test_exactly_the_evidence_due_within_the_window(app: App, offsets: list[int],
                                                    window: int) -> None:
    with app.db.write() as s:
        s.execute(update(Message).values(evidence_expires=None))
    for n, days in enumerate(offsets):
        mid = _msg(app, f"9{n:03d}", downloaded=True)
        with app.db.write() as s:
            s.execute(update(Message).where(Message.id == mid).values(
                evidence_expires=to_db(NOW + timedelta(days=days))))
    items = app.watch.items(NOW, within_days=window)
    assert sorted(i.dm_id for i in items) == sorted(
        f"9{n:03d}" for n, d in enumerate(offsets) if d <= window)
    assert [i.due for i in items] == sorted(i.due for i in items)


# -- a million messages (issue 18): a page of the list, the totals by SQL ------------------

def _mixed(app: App, offsets: list[int]) -> None:
    """Evidence due at each offset (days), plus one item of each other kind."""
    with app.db.write() as s:
        AccountRepo(s).update("obec", password_expires_at=NOW + timedelta(days=5))
    for n, days in enumerate(offsets):
        _msg(app, f"7{n:03d}", downloaded=True, evidence_expires=NOW + timedelta(days=days))
    _msg(app, "101", downloaded=False, status=int(MessageStatus.ACCEPTED_BY_LOGIN),
         delivered_at=NOW - timedelta(days=86), accepted_at=NOW - timedelta(days=85))
    _msg(app, "102", status=int(MessageStatus.DELIVERED), delivered_at=NOW - timedelta(days=7))
    _msg(app, "103", Direction.SENT, status=int(MessageStatus.POSTED),
         created_at=NOW - timedelta(days=4))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.integers(min_value=-30, max_value=120), max_size=15),
       limit=st.integers(min_value=0, max_value=25))
def test_a_page_is_the_head_of_the_whole_list_and_the_counts_match_it(
        app: App, offsets: list[int], limit: int) -> None:
    with app.db.write() as s:
        s.execute(update(Message).values(evidence_expires=None))
    _mixed(app, offsets)
    whole = app.watch.items(NOW)
    assert app.watch.items(NOW, limit=limit) == whole[:limit]
    counts = app.watch.counts(NOW)
    expected: dict[WarningKind, int] = {}
    for i in whole:
        expected[i.kind] = expected.get(i.kind, 0) + 1
    assert counts == expected
    assert app.watch.counts(NOW, within_days=30) == {
        k: n for k in expected if (n := sum(1 for i in app.watch.items(NOW, within_days=30)
                                            if i.kind is k))}


@pytest.fixture
def statements(app: App) -> Iterator[list[str]]:
    """Every SQL statement the app runs while the fixture is active."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn: object, _cur: object, statement: str, *_a: object) -> None:
        seen.append(statement)

    event.listen(app.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.db.engine, "before_cursor_execute", record)


def test_a_page_reads_at_most_limit_rows_of_each_kind(app: App,
                                                      statements: list[str]) -> None:
    _mixed(app, list(range(-5, 60)))
    app.watch.backfill()  # once per run (rows from before revision 0005): not measured
    statements.clear()
    items = app.watch.items(NOW, limit=4)
    assert len(items) == 4
    on_messages = [q for q in statements if "FROM messages" in q]
    assert len(on_messages) == 4  # evidence, deletion, fiction, non-delivery
    assert all("LIMIT" in q for q in on_messages)  # the database stops at the page


def test_the_counts_are_aggregates_and_the_evidence_one_reads_its_index(
        app: App, statements: list[str]) -> None:
    _mixed(app, list(range(-5, 60)))
    app.watch.backfill()  # once per run (rows from before revision 0005): not measured
    statements.clear()
    counts = app.watch.counts(NOW)
    assert counts[WarningKind.TIMESTAMP_EXPIRY] == 65
    on_messages = [q for q in statements if "FROM messages" in q]
    assert len(on_messages) == 4
    assert all(q.lstrip().upper().startswith("SELECT COUNT(*)") for q in on_messages)
    evidence = next(q for q in on_messages if "evidence_expires" in q)
    with app.db.read() as s:
        plan = " ".join(str(r[-1]) for r in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + evidence, (to_db(NOW + timedelta(days=90)),)))
    assert "COVERING INDEX ix_messages_evidence_expires" in plan, plan
