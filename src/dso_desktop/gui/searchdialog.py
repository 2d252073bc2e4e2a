"""Full-text search across all accounts, results as a list; choosing one shows the message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.domain import Direction
from dso_desktop.gui import fmt
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import describe

if TYPE_CHECKING:
    from dso_desktop.store.records import MessageRow


class SearchDialog(QDialog):
    """Searches subjects, parties, reference numbers and attachment text (the FTS index)."""

    message_chosen = Signal(int)
    results_ready = Signal(int)

    def __init__(self, ctx: GuiContext, accounts: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Full-text search"))
        self.resize(820, 480)
        self.rows: list[MessageRow] = []
        self.query = QLineEdit()
        self.query.setAccessibleName(self.tr("Search text"))
        self.query.setPlaceholderText(
            self.tr("Words from the subject, parties, reference numbers or attachments")
        )
        self.account = QComboBox()
        self.account.setAccessibleName(self.tr("Data box"))
        self.account.addItem(self.tr("All data boxes"), None)
        for a in accounts:
            self.account.addItem(a, a)
        self.go = QPushButton(self.tr("&Search"))
        self.go.setDefault(True)
        self.go.clicked.connect(self.search)
        self.query.returnPressed.connect(self.search)
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName(self.tr("Search results"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Data box"),
                self.tr("ID"),
                self.tr("Subject"),
                self.tr("Sender / recipient"),
                self.tr("Delivered"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemActivated.connect(self._activated)
        self.table.itemDoubleClicked.connect(self._activated)
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.account)
        row.addWidget(self.go)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)

    def search(self) -> None:
        text = self.query.text().strip()
        if not text:
            return
        account = self.account.currentData()
        svc = self.ctx.app.search

        def done(rows: list[MessageRow]) -> None:
            self.rows = list(rows)
            self.table.setRowCount(len(self.rows))
            for r, row in enumerate(self.rows):
                values = (
                    row.account or "",
                    row.dm_id,
                    row.subject or "",
                    # the other party: who sent it to us, or (→) whom we sent it to
                    (row.sender or "") if row.direction == Direction.RECEIVED
                    else "→ " + (row.recipient or ""),
                    fmt.when(row.delivered_at),
                )
                for c, v in enumerate(values):
                    item = QTableWidgetItem(v)
                    item.setData(Qt.ItemDataRole.UserRole, row.id)
                    self.table.setItem(r, c, item)
            self.status.setText(self.tr("Found: %1").replace("%1", str(len(self.rows)))
                                if self.rows else self.tr("Not found"))
            if self.rows:
                self.table.selectRow(0)
            self.results_ready.emit(len(self.rows))

        def failed(exc: BaseException) -> None:
            self.status.setText(describe(exc)[0])
            self.results_ready.emit(-1)

        self.ctx.tasks.run_store(
            lambda: svc.search(text, account=account, limit=500), done, failed, owner=self
        )

    def _activated(self, item: QTableWidgetItem) -> None:
        self.message_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
