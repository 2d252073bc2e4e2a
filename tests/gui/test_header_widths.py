"""Issue 14: column titles are never clipped: "Spisová služba" in the message list and
"Může přijímat" in the recipient search are as wide as their text in the header's font,
also after a saved (older, narrower) layout is restored and after a search."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle


def _clipped(header: QHeaderView) -> list[tuple[str, int, int]]:
    """(title, section width, width the title needs) of every clipped section: the text in
    the font it is painted in (bold while a selected row highlights the sections) plus the
    style's header margin on both sides."""
    font = QFont(header.font())
    font.setBold(header.highlightSections())
    metrics = QFontMetrics(font)
    model = header.model()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    bad = []
    for i in range(header.count()):
        if header.isSectionHidden(i):
            continue
        text = str(model.headerData(i, Qt.Orientation.Horizontal,
                                    Qt.ItemDataRole.DisplayRole) or "")
        need = metrics.horizontalAdvance(text) + 2 * margin
        if header.sectionSize(i) < need:
            bad.append((text, header.sectionSize(i), need))
    return bad


def test_message_list_titles_fit(window: Any) -> None:
    header = window.table.horizontalHeader()
    titles = [window.model.headerData(i, Qt.Orientation.Horizontal) for i in
              range(header.count())]
    assert "Spisová služba" in titles
    assert _clipped(header) == []


def test_a_narrow_saved_layout_does_not_clip_the_titles(qtbot: Any, ctx: Any) -> None:
    from dso_desktop.gui.mainwindow import MainWindow
    from dso_desktop.gui.windowstate import WindowState

    first = MainWindow(ctx)
    first.sync.interactive = False
    qtbot.addWidget(first)
    first.save_layout()
    state = WindowState.load(ctx.paths)
    state.columns = [20] * len(state.columns)  # as an older version may have kept them
    state.header = ""
    state.save(ctx.paths)
    first.close()
    again = MainWindow(ctx)
    again.sync.interactive = False
    qtbot.addWidget(again)
    again.restore_layout()
    assert _clipped(again.table.horizontalHeader()) == []


class _Hit:
    def __init__(self, box_id: str) -> None:
        self.box_id, self.box_type, self.name = box_id, "OVM", "Obec"
        self.address, self.send_options = "Praha", "ALL"


def test_recipient_search_titles_fit_empty_and_after_a_search(
        qtbot: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.gui.compose import ComposeDialog

    monkeypatch.setattr(ctx.app.send, "find_boxes",
                        lambda *_a, **_k: [_Hit("abc1234")])
    dlg = ComposeDialog(ctx, ["urad"], "urad")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    header = dlg.hits.horizontalHeader()
    assert dlg.hits.horizontalHeaderItem(4).text() == "Může přijímat"
    assert _clipped(header) == []
    dlg.query.setText("obec")
    with qtbot.waitSignal(dlg.search_done, timeout=10_000):
        dlg.search()
    assert dlg.hits.item(0, 4).text() == "ano"
    assert _clipped(header) == []


def test_an_elided_box_name_in_the_tree_is_whole_in_its_tooltip(qtbot: Any, ctx: Any
                                                                  ) -> None:
    """The narrow account tree cuts a long box name; its tooltip names it whole."""
    from dso_desktop.gui.tree import AccountTree
    from dso_desktop.services.types import TreeNode
    from dso_desktop.store.records import MessageFilter

    long_name = "Obec Lhota pod Lesem, odbor výstavby a územního plánování"
    tree = AccountTree()
    qtbot.addWidget(tree)
    tree.resize(200, 300)
    tree.populate([TreeNode(long_name, None, long_name, MessageFilter(account=long_name),
                            total=12, unread=3)])
    top = tree.model().index(0, 0)
    assert str(top.data(Qt.ItemDataRole.DisplayRole)) == f"{long_name} (3)"
    tip = str(top.data(Qt.ItemDataRole.ToolTipRole))
    assert tip.splitlines()[0] == long_name and "12" in tip.splitlines()[1]
