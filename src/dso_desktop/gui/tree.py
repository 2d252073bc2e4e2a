"""The account tree: account → Received/Sent → last 90 days and years, with unread counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTreeView, QWidget

from dso_desktop.domain import Direction

if TYPE_CHECKING:
    from dso_desktop.services.types import MessageFilter, TreeNode

FILTER_ROLE = Qt.ItemDataRole.UserRole + 10
KEY_ROLE = Qt.ItemDataRole.UserRole + 11


def node_key(flt: MessageFilter) -> tuple[str | None, str, int | None, bool]:
    """A stable identity of a node across reloads (the 90-day 'since' moves every second)."""
    return (flt.account, str(flt.direction or ""), flt.year, flt.since is not None)


class AccountTree(QTreeView):
    """Shows the service's ``TreeNode``s; selecting one emits its ``MessageFilter``."""

    node_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self.setHeaderHidden(True)
        self.setAccessibleName(self.tr("Data boxes"))
        self.setUniformRowHeights(True)
        self.selectionModel().currentChanged.connect(self._current_changed)
        self._current: MessageFilter | None = None
        self._rebuilding = False
        self._preferred: tuple[object, ...] | None = None  # the folder of the last session

    def current_filter(self) -> MessageFilter | None:
        return self._current

    def current_account(self) -> str | None:
        return self._current.account if self._current is not None else None

    def prefer(self, key: tuple[object, ...]) -> None:
        """Select the node with this `node_key` at the first `populate` that has it (the
        folder selected when the window was closed)."""
        self._preferred = key

    def populate(self, nodes: list[TreeNode]) -> None:
        """Rebuild the tree, keeping the selected node when it still exists."""
        keep = node_key(self._current) if self._current is not None else self._preferred
        self._rebuilding = True
        self.model_.clear()
        found: list[QStandardItem] = []

        def add(parent: QStandardItem, node: TreeNode, depth: int) -> None:
            item = self._item(node, depth)
            parent.appendRow(item)
            if keep is not None and item.data(KEY_ROLE) == keep:
                found.append(item)
            for child in node.children:
                add(item, child, depth + 1)

        root = self.model_.invisibleRootItem()
        for node in nodes:
            add(root, node, 0)
        self.expandToDepth(1)
        select = found[0] if found else None
        if select is None and self.model_.rowCount():
            first = self.model_.item(0)
            select = first.child(0) if first.rowCount() else first
        if select is not None:
            self.setCurrentIndex(select.index())
        self._rebuilding = False
        if found:
            self._preferred = None
        self._current = select.data(FILTER_ROLE) if select is not None else None
        self.node_selected.emit(self._current)

    def _label(self, node: TreeNode, depth: int) -> str:
        flt = node.filter
        if flt.year is not None and depth > 0:
            return str(flt.year)
        if flt.since is not None:
            return self.tr("Last 90 days")
        if flt.direction is not None and depth > 0:
            if flt.direction == Direction.SENT:
                return self.tr("Sent")
            return self.tr("Received")
        return node.account or self.tr("Imported messages")

    def _item(self, node: TreeNode, depth: int) -> QStandardItem:
        flt = node.filter
        text = self._label(node, depth)
        unread = node.unread
        total = node.total
        if flt.direction == Direction.SENT:
            unread = 0
        label = f"{text} ({unread})" if unread else text
        item = QStandardItem(label)
        item.setEditable(False)
        item.setData(flt, FILTER_ROLE)
        item.setData(node_key(flt), KEY_ROLE)
        tip = self.tr("%1 messages, %2 unread").replace("%1", str(total)).replace("%2", str(unread))
        # The name first: the narrow tree elides a long box name ("Obec Lhota pod Lesem
        # (cvičná…"), hovering shows it whole.
        item.setToolTip(f"{text}\n{tip}")
        item.setData(f"{label}, {tip}", Qt.ItemDataRole.AccessibleTextRole)
        if unread:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        return item

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._rebuilding:
            return
        flt = current.data(FILTER_ROLE) if current.isValid() else None
        self._current = flt
        self.node_selected.emit(flt)
