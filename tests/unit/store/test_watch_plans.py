"""A million messages (issue 18): the watch, the warnings and the tree counts read indexes.

The statements are captured as the services run them and explained on SQLite: the watch's
deletion window is a range of ``ix_messages_downloaded_accepted``, untrusted evidence is
found through ``ix_messages_verdict`` (no scan of the messages table in id order), and the
tree's totals and unread counts come from ``ix_messages_tree`` alone (revision 0010).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update

from dso_desktop.app import App
from dso_desktop.domain import Direction, Envelope, LoginMethod, MessageStatus
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.models import Message
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.timeutil import to_db

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    a.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, "u"))
    with a.db.write() as s:
        acc = AccountRepo(s).get("obec").id
        repo = MessageRepo(s)
        for i in range(60):
            mid = repo.upsert_envelope(acc, Direction.RECEIVED if i % 3 else Direction.SENT,
                                       Envelope(str(4000 + i))).id
            s.execute(update(Message).where(Message.id == mid).values(
                downloaded=i % 4 != 0, verdict=("valid", "invalid", None, "expiring")[i % 4],
                status=int(MessageStatus.ACCEPTED_BY_LOGIN), is_read=i % 2 == 0,
                delivered_at=to_db(NOW - timedelta(days=400 + i)),
                accepted_at=to_db(NOW - timedelta(days=399 + i))))
    yield a
    a.close()


def _captured(app: App, run: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(_c: object, _cur: object, statement: str, params: Any, *_a: object) -> None:
        seen.append((statement, params))

    event.listen(app.db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(app.db.engine, "before_cursor_execute", record)
    return seen


def _plan(app: App, statement: str, params: Any) -> str:
    with app.db.read() as s:
        rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                              params).all()
    return " | ".join(str(r[-1]) for r in rows)


def test_the_deletion_window_is_a_range_of_its_index(app: App) -> None:
    app.watch.backfill()
    for run in (lambda: app.watch.items(NOW, limit=10), lambda: app.watch.counts(NOW)):
        stmts = [(q, p) for q, p in _captured(app, run) if "accepted_at <=" in q]
        assert len(stmts) == 1
        plan = _plan(app, *stmts[0])
        assert "ix_messages_downloaded_accepted (downloaded=? AND accepted_at" in plan, plan
    deletion = [i for i in app.watch.items(NOW) if i.kind == "deletion"]
    assert sorted(i.dm_id for i in deletion) == sorted(str(4000 + i) for i in range(0, 60, 4))


def test_untrusted_evidence_is_found_through_the_verdict_index(app: App) -> None:
    with app.db.read() as s:
        found: list[Any] = []
        stmts = _captured(app, lambda: found.extend(MessageRepo(s).untrusted_evidence(5)))
    plan = _plan(app, *stmts[-1])
    assert "MULTI-INDEX OR" in plan and "ix_messages_verdict" in plan, plan
    assert "SCAN messages" not in plan, plan
    # The same rows as before: downloaded, verdict neither trusted nor set, first by id.
    with app.db.read() as s:
        every = MessageRepo(s).untrusted_evidence()
    assert [dm for _m, dm, _v in every] == [str(4000 + i) for i in range(60) if i % 4 in (1, 2)]
    assert found == every[:5]


def test_the_tree_counts_read_only_their_index(app: App) -> None:
    stmts = [(q, p) for q, p in _captured(app, app.messages.tree_counts) if "GROUP BY" in q]
    assert len(stmts) == 1
    plan = _plan(app, *stmts[0])
    assert "COVERING INDEX ix_messages_tree" in plan, plan
    with app.db.read() as s:
        counts = {(a, d, y): (n, u) for a, d, y, n, u in MessageRepo(s).tree_counts()}
    received = [i for i in range(60) if i % 3]
    by_year: dict[int, list[int]] = {}
    for i in received:
        by_year.setdefault((NOW - timedelta(days=400 + i)).year, []).append(i)
    for year, group in by_year.items():
        assert counts[("obec", str(Direction.RECEIVED), year)] == (
            len(group), sum(1 for i in group if i % 2))
