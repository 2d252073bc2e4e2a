"""A million messages (issue 18): the warnings panel and the tray read a page of the watch
and its totals, never the whole list (300,000 due items blocked the GUI thread for 40 s and
took a gigabyte), and neither the page nor the counts run on the GUI thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import update

from dso_desktop.domain import Direction, Envelope, WarningKind

DUE = 30  # messages whose evidence expires soon


def _seed(app: Any) -> None:
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.models import Message
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.store.timeutil import to_db

    soon = datetime.now(UTC) + timedelta(days=10)
    with app.db.write() as s:
        acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                 username="u1").id
        repo = MessageRepo(s)
        for i in range(DUE):
            mid = repo.upsert_envelope(acc, Direction.RECEIVED, Envelope(
                message_id=str(8000 + i), subject=f"Věc {i}",
                delivered_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i))).id
            s.execute(update(Message).where(Message.id == mid).values(
                downloaded=True, evidence_expires=to_db(soon + timedelta(hours=i))))


@pytest.fixture
def watched(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, bool]]:
    """Every call of the watch: (what, its limit, ran on the GUI thread)."""
    watch = ctx.app.watch
    calls: list[tuple[str, Any, bool]] = []
    items, counts = watch.items, watch.counts

    def on_gui() -> bool:
        return threading.current_thread() is threading.main_thread()

    def items_spy(*a: Any, **kw: Any) -> Any:
        calls.append(("items", kw.get("limit"), on_gui()))
        return items(*a, **kw)

    def counts_spy(*a: Any, **kw: Any) -> Any:
        calls.append(("counts", None, on_gui()))
        return counts(*a, **kw)

    monkeypatch.setattr(watch, "items", items_spy)
    monkeypatch.setattr(watch, "counts", counts_spy)
    return calls


def test_the_start_reads_a_page_of_the_watch_and_counts_the_rest(
        qtbot: Any, ctx: Any, watched: list[tuple[str, Any, bool]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.gui import mainwindow

    monkeypatch.setattr(mainwindow, "WARNINGS_PAGE", 5)
    monkeypatch.setattr(mainwindow, "DUE_ITEMS_LIMIT", 7)
    _seed(ctx.app)
    total = len(ctx.app.warnings.collect())  # the whole list, read here once to compare
    assert total >= DUE
    watched.clear()
    w = mainwindow.MainWindow(ctx)
    w.sync.interactive = False
    qtbot.addWidget(w)
    loaded: list[int] = []
    due: list[list[Any]] = []
    w.warnings_loaded.connect(loaded.append)
    w.due_checked.connect(due.append)
    with qtbot.waitSignals([w.warnings_loaded, w.due_checked], timeout=20_000):
        w.start()
    assert loaded == [total]  # the total, counted by the database
    assert len(due[0]) == 7  # the tray's check: the nearest DUE_ITEMS_LIMIT items
    lines = [w.warning_list.item(i) for i in range(w.warning_list.count())]
    assert len(lines) == 6  # the first page and the "show more" line
    assert all(ln.data(Qt.ItemDataRole.UserRole).kind == WarningKind.TIMESTAMP_EXPIRY
               for ln in lines[:5])
    assert lines[5].data(mainwindow.MORE_ROLE)
    assert lines[5].text() == f"…a dalších {total - 5} (dvojklikem zobrazíte další)"
    assert watched and all(c[1] is not None for c in watched if c[0] == "items"), watched
    assert [c for c in watched if c[2]] == []  # nothing of the watch on the GUI thread
    # "Show more": the next page, still with the total.
    with qtbot.waitSignal(w.warnings_loaded, timeout=20_000) as sig:
        w._warning_activated(lines[5])
    assert sig.args == [total]
    assert w.warning_list.count() == 11
    assert w.warning_list.item(10).data(mainwindow.MORE_ROLE)
    w.sync.cancel_all()


def test_the_panel_has_no_more_line_when_everything_is_shown(
        qtbot: Any, ctx: Any, watched: list[tuple[str, Any, bool]]) -> None:
    from dso_desktop.gui.mainwindow import MORE_ROLE, MainWindow

    _seed(ctx.app)
    total = len(ctx.app.warnings.collect())
    w = MainWindow(ctx)
    w.sync.interactive = False
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.warnings_loaded, timeout=20_000) as sig:
        w.start()
    assert sig.args == [total]
    assert w.warning_list.count() == total
    assert not any(w.warning_list.item(i).data(MORE_ROLE) for i in range(total))
    w.sync.cancel_all()
