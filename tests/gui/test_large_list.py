"""A million messages (issue 18): the list paints from one keyset page, the rest of the ids
follow without a reset, and no count ever runs on the GUI thread (a store seam)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dso_desktop.domain import Direction, Envelope

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
N = 450  # more than two first pages


def _seed(app: Any) -> list[int]:
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    with app.db.write() as s:
        acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                 username="u1").id
        repo = MessageRepo(s)
        return [repo.upsert_envelope(acc, Direction.RECEIVED, Envelope(
            message_id=str(5000 + i), subject=f"Věc {i % 17}", status=4 + i % 3,
            sender_name=f"Odesílatel {i % 5}", sender_box_id="p" + str(i % 5),
            recipient_name="Obec", recipient_box_id="obec111",
            delivered_at=T0 + timedelta(minutes=i))).id for i in range(N)]


@pytest.fixture
def counted() -> Iterator[list[tuple[str, bool]]]:
    """Every counting query of the list: (what, ran on the GUI thread)."""
    from dso_desktop.store import messages

    calls: list[tuple[str, bool]] = []
    messages.count_observer = lambda what: calls.append(
        (what, threading.current_thread() is threading.main_thread()))
    yield calls
    messages.count_observer = None


def test_the_list_paints_its_first_page_then_appends_the_rest(
        qtbot: Any, ctx: Any, counted: list[tuple[str, bool]]) -> None:
    from dso_desktop.gui.mainwindow import FIRST_PAGE, MainWindow

    ids = _seed(ctx.app)
    w = MainWindow(ctx)
    w.sync.interactive = False
    qtbot.addWidget(w)
    resets: list[int] = []
    inserted: list[tuple[int, int]] = []
    w.model.modelReset.connect(lambda: resets.append(w.model.rowCount()))
    w.model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    with qtbot.waitSignal(w.list_loaded, timeout=20_000) as sig:
        w.start()
    assert sig.args == [N]
    assert resets == [FIRST_PAGE]  # the first keyset page was shown on its own
    assert inserted == [(FIRST_PAGE, N - 1)]  # the rest appended, no second reset
    assert w.model.ids() == sorted(ids, reverse=True)  # newest first, as `ids` lists them
    qtbot.waitUntil(lambda: bool(counted), timeout=20_000)  # the tree's counts ran
    w.sync.cancel_all()


def test_no_count_runs_on_the_gui_thread(
        qtbot: Any, ctx: Any, counted: list[tuple[str, bool]]) -> None:
    """Start, the tree, a sort and a filter: every count of the list ran off the GUI thread."""
    from dso_desktop.gui.mainwindow import MainWindow

    _seed(ctx.app)
    w = MainWindow(ctx)
    w.sync.interactive = False
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.tree_loaded, timeout=20_000):
        w.start()
    qtbot.waitUntil(lambda: w.tree.model_.rowCount() == 1, timeout=10_000)
    with qtbot.waitSignal(w.list_loaded, timeout=20_000) as sig:
        w.tree.setCurrentIndex(w.tree.model_.index(0, 0))
    assert sig.args == [N]
    with qtbot.waitSignal(w.list_loaded, timeout=20_000):
        w.model.sort(2)  # by subject
    with qtbot.waitSignal(w.list_loaded, timeout=20_000) as sig:
        w.filter_bar.party.setText("odesílatel 3")
    assert sig.args == [N // 5]
    with qtbot.waitSignal(w.tree_loaded, timeout=20_000):
        w.reload_tree()
    assert {what for what, _ in counted} >= {"count", "tree_counts"}
    assert [c for c in counted if c[1]] == []
    w.sync.cancel_all()
