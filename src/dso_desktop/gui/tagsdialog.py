"""Tags: create with a colour, assign to and remove from the selected messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import show_error

if TYPE_CHECKING:
    from dso_desktop.store.records import TagRecord


class TagsDialog(QDialog):
    """Ticked tags are assigned to all the selected messages when the user clicks Apply."""

    changed = Signal()
    loaded = Signal()

    def __init__(self, ctx: GuiContext, message_ids: list[int], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.message_ids = list(message_ids)
        self.setWindowTitle(self.tr("Tags"))
        self.resize(420, 420)
        self.color = QColor("#1565c0")
        self.tags = QListWidget()
        self.tags.setAccessibleName(self.tr("Tags"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("New tag name"))
        self.name.setAccessibleName(self.tr("New tag name"))
        self.color_button = QPushButton(self.tr("Colour…"))
        self.color_button.setAccessibleName(self.tr("Tag colour"))
        self.color_button.clicked.connect(self._choose_color)
        self.create_button = QPushButton(self.tr("&Create"))
        self.create_button.clicked.connect(
            lambda: self.create_tag(self.name.text(), self.color.name())
        )
        self.name.returnPressed.connect(
            lambda: self.create_tag(self.name.text(), self.color.name())
        )
        self.apply_button = QPushButton(self.tr("&Apply to selected messages"))
        self.apply_button.setEnabled(bool(self.message_ids))
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        info = QLabel(self.tr("Selected messages: %1").replace("%1", str(len(self.message_ids))))
        new_row = QHBoxLayout()
        new_row.addWidget(self.name, 1)
        new_row.addWidget(self.color_button)
        new_row.addWidget(self.create_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addWidget(self.tags, 1)
        lay.addLayout(new_row)
        lay.addLayout(buttons)
        self._update_color()
        self.reload()

    def _update_color(self) -> None:
        self.color_button.setStyleSheet(f"QPushButton {{ color: {self.color.name()}; }}")

    def _choose_color(self) -> None:
        c = QColorDialog.getColor(self.color, self, self.tr("Tag colour"))
        if c.isValid():
            self.color = c
            self._update_color()

    def reload(self) -> None:
        svc = self.ctx.app.tags
        messages = self.ctx.app.messages
        ids = self.message_ids

        def work() -> tuple[list[TagRecord], set[int]]:
            tags = list(svc.list())
            on: set[int] = set()
            if ids:
                common: set[int] | None = None
                for row in messages.rows(ids):
                    these = set(row.tag_ids)
                    common = these if common is None else common & these
                on = common or set()
            return tags, on

        def done(result: tuple[list[TagRecord], set[int]]) -> None:
            tags, on = result
            self.tags.clear()
            for t in tags:
                item = QListWidgetItem(f"● {t.name}")
                item.setForeground(QColor(t.color))
                item.setData(Qt.ItemDataRole.UserRole, t.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = t.id in on
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                item.setData(Qt.ItemDataRole.UserRole + 1, checked)
                self.tags.addItem(item)
            self.loaded.emit()

        self.ctx.tasks.run_store(work, done, lambda e: show_error(self, e), owner=self)

    def create_tag(self, name: str, color: str) -> None:
        name = name.strip()
        if not name:
            return
        svc = self.ctx.app.tags

        def done(_t: TagRecord) -> None:
            self.name.clear()
            self.changed.emit()
            self.reload()

        self.ctx.tasks.run_store(
            lambda: svc.create(name, color), done, lambda e: show_error(self, e), owner=self
        )

    def set_checked(self, tag_id: int, on: bool) -> None:
        for i in range(self.tags.count()):
            item = self.tags.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == tag_id:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def apply(self) -> None:
        svc = self.ctx.app.tags
        ids = self.message_ids
        changes: list[tuple[int, bool]] = []
        for i in range(self.tags.count()):
            item = self.tags.item(i)
            now = item.checkState() == Qt.CheckState.Checked
            if now != item.data(Qt.ItemDataRole.UserRole + 1):
                changes.append((int(item.data(Qt.ItemDataRole.UserRole)), now))

        def work() -> None:
            for tag_id, on in changes:
                for m in ids:
                    if on:
                        svc.assign(m, tag_id)
                    else:
                        svc.unassign(m, tag_id)

        def done(_r: None) -> None:
            self.changed.emit()
            self.reload()

        self.ctx.tasks.run_store(work, done, lambda e: show_error(self, e), owner=self)
