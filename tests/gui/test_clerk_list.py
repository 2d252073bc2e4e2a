"""The clerk's list (issue 14): the layout remembered across a real close and reopen, and the
filter bar narrowing the list in the store, combined with the quick filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, QSize, Qt

from dso_desktop.domain import Direction, Envelope

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _seed(app: Any) -> dict[str, int]:
    """One account, received messages that differ in every filtered property."""
    from dso_desktop.store.messages import MessageRepo, search_text_for
    from dso_desktop.store.records import VerdictInfo
    from dso_desktop.store.repos import AccountRepo

    ids: dict[str, int] = {}
    with app.db.write() as s:
        acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                 username="u1").id
        repo = MessageRepo(s)
        rows = [
            ("801", "Jan Novák", "Žádost o povolení", 4, 1, "valid", 2, Direction.RECEIVED),
            ("802", "Firma s.r.o.", "Faktura za služby", 6, 15, "untrusted", 0,
             Direction.RECEIVED),
            ("803", "Jan Novák", "Odvolání proti rozhodnutí", 6, 30, "valid", 1,
             Direction.RECEIVED),
            ("804", "Krajský úřad", "Odpověď na žádost", 7, 45, "valid", 1, Direction.SENT),
            ("805", "Jan Novák", "Žádost o informace", 5, 60, "valid", 3, Direction.RECEIVED),
        ]
        for dm_id, party, subject, status, day, verdict, atts, direction in rows:
            received = direction == Direction.RECEIVED
            env = Envelope(
                message_id=dm_id, subject=subject, status=status,
                sender_name=party if received else "Obec Lhota",
                sender_box_id="p" + dm_id if received else "obec111",
                recipient_name="Obec Lhota" if received else party,
                recipient_box_id="obec111" if received else "p" + dm_id,
                delivered_at=T0 + timedelta(days=day),
            )
            mid = repo.upsert_envelope(acc, direction, env).id
            repo.attach_zfo(mid, f"Z{dm_id}".encode(), env, search_text_for(env, []), atts,
                            VerdictInfo(verdict, env.delivered_at))
            ids[dm_id] = mid
    return ids


@pytest.fixture
def seeded(qtbot: Any, window: Any) -> tuple[Any, dict[str, int]]:
    ids = _seed(window.ctx.app)
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    # The account's top node: both directions, every year.
    qtbot.waitUntil(lambda: window.tree.model_.rowCount() == 1, timeout=10_000)
    with qtbot.waitSignal(window.list_loaded, timeout=10_000):
        window.tree.setCurrentIndex(window.tree.model_.index(0, 0))
    assert window.model.rowCount() == 5
    return window, ids


def _listed(qtbot: Any, w: Any, change: Any) -> set[int]:
    with qtbot.waitSignal(w.list_loaded, timeout=10_000):
        change()
    return set(w.model.ids())


def test_filter_bar_narrows_and_combines_with_the_quick_filter(
        qtbot: Any, seeded: tuple[Any, dict[str, int]]) -> None:
    w, ids = seeded
    bar = w.filter_bar
    assert set(w.model.ids()) == set(ids.values())
    got = _listed(qtbot, w, lambda: bar.party.setText("novák"))
    assert got == {ids["801"], ids["803"], ids["805"]}
    # + state: accepted (5, 6, 7)
    got = _listed(qtbot, w, lambda: bar.state.setCurrentIndex(bar.state.findText(
        bar.tr("Accepted"))))
    assert got == {ids["803"], ids["805"]}
    # + the quick filter's words
    got = _listed(qtbot, w, lambda: w.quick_filter.setText("odvolání"))
    assert got == {ids["803"]}
    got = _listed(qtbot, w, lambda: w.quick_filter.setText(""))
    assert got == {ids["803"], ids["805"]}
    # + attachments: with more than... a date range that ends before 805
    bar.date_to.setDate(QDate(2026, 4, 20))
    got = _listed(qtbot, w, lambda: bar.use_to.setChecked(True))
    assert got == {ids["803"]}
    got = _listed(qtbot, w, bar.clear)
    assert got == set(ids.values()) and not bar.is_active()
    # verdict: not trusted
    got = _listed(qtbot, w, lambda: bar.verdict.setCurrentIndex(3))
    assert got == {ids["802"]}
    got = _listed(qtbot, w, lambda: bar.verdict.setCurrentIndex(0))
    got = _listed(qtbot, w, lambda: bar.attachments.setCurrentIndex(2))  # without
    assert got == {ids["802"]}
    bar.date_from.setDate(QDate(2026, 3, 10))
    got = _listed(qtbot, w, lambda: (bar.attachments.setCurrentIndex(1),
                                     bar.use_from.setChecked(True)))
    assert got == {ids["803"], ids["804"], ids["805"]}
    assert w.count_label.text().endswith("3")


def test_filter_bar_tag_follows_the_tag_list(
        qtbot: Any, seeded: tuple[Any, dict[str, int]]) -> None:
    w, ids = seeded
    tag = w.ctx.app.tags.create("Spis 12", "#2e7d32")
    w.ctx.app.tags.assign(ids["802"], tag.id)
    qtbot.waitUntil(lambda: True)
    w.reload_tags()
    qtbot.waitUntil(lambda: w.filter_bar.tag.count() == 2, timeout=10_000)
    got = _listed(qtbot, w, lambda: w.filter_bar.tag.setCurrentIndex(1))
    assert got == {ids["802"]}
    assert w.tag_list.currentItem().data(Qt.ItemDataRole.UserRole) == tag.id
    got = _listed(qtbot, w, lambda: w.tag_list.setCurrentRow(0))
    assert got == set(ids.values()) and w.filter_bar.tag.currentIndex() == 0


def test_layout_is_remembered_by_a_real_window_closed_and_reopened(
        qtbot: Any, seeded: tuple[Any, dict[str, int]], ctx: Any) -> None:
    from dso_desktop.gui.mainwindow import MainWindow

    w, _ids = seeded
    w.show()
    qtbot.waitExposed(w)
    # A size the test screen can show (offscreen: 800x800, less than the window's minimum
    # width, which then wins), else Qt clamps the restored window and the splitters move.
    avail = w.screen().availableGeometry().size()
    target = QSize(min(1333, avail.width()), min(701, avail.height() - 60)).expandedTo(
        w.minimumSizeHint())
    w.resize(target)
    qtbot.waitUntil(lambda: w.size() == target, timeout=5_000)
    size = (w.width(), w.height())
    w.main_split.setSizes([300, size[0] - 300])
    w.right_split.setSizes([500, 200])
    w.table.setColumnWidth(1, 140)
    # sort by subject ascending (a click on the header)
    with qtbot.waitSignal(w.list_loaded, timeout=10_000):
        w.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.AscendingOrder)
    assert (w._order_by, w._descending) == ("subject", False)
    # choose the Sent folder of the account
    top = w.tree.model_.item(0)
    sent = next(top.child(i) for i in range(top.rowCount())
                if top.child(i).text().startswith(w.tree.tr("Sent")))
    with qtbot.waitSignal(w.list_loaded, timeout=10_000):
        w.tree.setCurrentIndex(sent.index())
    sizes = w.main_split.sizes()
    geometry = bytes(w.saveGeometry().data())
    right = w.right_split.sizes()
    w.close()
    assert (ctx.paths.config / "window.json").exists()

    again = MainWindow(ctx)
    again.sync.interactive = False
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.tree_loaded, timeout=10_000):
        again.start()
    again.show()
    qtbot.waitExposed(again)
    screen = again.screen().availableGeometry()
    if screen.width() >= size[0] and screen.height() >= size[1]:
        assert (again.width(), again.height()) == size
    else:  # the offscreen test screen (800x800) is smaller: Qt clamps the restored window,
        # so check that Qt was handed the geometry saved at close
        from dso_desktop.gui.windowstate import WindowState, decode

        saved = decode(WindowState.load(ctx.paths).geometry)
        assert saved is not None and bytes(saved.data()) == geometry
    assert again.main_split.sizes() == sizes
    assert again.right_split.sizes() == right
    assert again.table.columnWidth(1) == 140
    header = again.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        2, Qt.SortOrder.AscendingOrder)
    assert (again._order_by, again._descending) == ("subject", False)
    flt = again.tree.current_filter()
    assert flt is not None and flt.direction == Direction.SENT and flt.account == "urad"
    qtbot.waitUntil(lambda: again.model.rowCount() == 1, timeout=10_000)
    again.close()


def test_a_damaged_layout_file_is_ignored(qtbot: Any, ctx: Any) -> None:
    from dso_desktop.gui.mainwindow import MainWindow

    (ctx.paths.config / "window.json").write_text('{"geometry": "@@@", "splitters": '
                                                  '{"main": [1, "x"]}, "folder": 3}')
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    assert w.main_split.count() == 2  # built, nothing restored, no exception
