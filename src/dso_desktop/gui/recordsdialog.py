"""Hand-over to records management ("Předat do spisové služby"): the selected messages or a
period, either uploaded to the records service (REST, the clerk picks the target node) or
written as an NSESSS transfer batch (ZIP) for the receiving system to confirm.

All network and archive work runs off the GUI thread (the task manager); nothing is marked
handed over here until the service confirms it (stored files / the batch confirmation).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import show_error

if TYPE_CHECKING:
    from dso_desktop.records.rest import HierarchyNode

NODE_ROLE = Qt.ItemDataRole.UserRole + 1


class HandoverDialog(QDialog):
    """Choose what to hand over and where; shows what the service confirmed."""

    finished_work = Signal()  # an upload or export ended (the list may change)
    nodes_loaded = Signal()

    def __init__(self, ctx: GuiContext, selected: list[int], accounts: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selected = list(selected)
        self.setWindowTitle(self.tr("Hand over to records management"))
        self.resize(680, 700)

        # -- what -----------------------------------------------------------------------
        what = QGroupBox(self.tr("What to hand over"))
        self.use_selection = QRadioButton(
            self.tr("Selected messages (%1)").replace("%1", str(len(self.selected))))
        self.use_period = QRadioButton(self.tr("Messages of a period"))
        group = QButtonGroup(self)
        group.addButton(self.use_selection)
        group.addButton(self.use_period)
        (self.use_selection if self.selected else self.use_period).setChecked(True)
        self.use_selection.setEnabled(bool(self.selected))
        self.account = QComboBox()
        self.account.addItem(self.tr("All data boxes"), None)
        for name in accounts:
            self.account.addItem(name, name)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addMonths(-1))
        self.date_to = QDateEdit(today)
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("d. M. yyyy")
        self.only_new = QCheckBox(self.tr("Only messages not handed over yet"))
        self.only_new.setChecked(True)
        form = QFormLayout()
        form.addRow(self.tr("Data box:"), self.account)
        form.addRow(self.tr("From:"), self.date_from)
        form.addRow(self.tr("To:"), self.date_to)
        what_layout = QVBoxLayout(what)
        what_layout.addWidget(self.use_selection)
        what_layout.addWidget(self.use_period)
        what_layout.addLayout(form)
        what_layout.addWidget(self.only_new)

        # -- how: REST ------------------------------------------------------------------
        self.tabs = QTabWidget()
        rest = QWidget()
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://spisovka.example.cz/api")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_file = QLineEdit()
        ca_pick = QPushButton(self.tr("Choose…"))
        ca_pick.clicked.connect(self._pick_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(ca_pick)
        self.load_nodes = QPushButton(self.tr("&Load target nodes"))
        self.load_nodes.clicked.connect(self.fetch_nodes)
        self.nodes = QTreeWidget()
        self.nodes.setHeaderLabels([self.tr("Target node")])
        self.nodes.setAccessibleName(self.tr("Target nodes of the records service"))
        self.nodes.setMinimumHeight(160)
        self.upload_button = QPushButton(self.tr("&Hand over"))
        self.upload_button.setEnabled(False)
        self.upload_button.clicked.connect(self.upload)
        rest_form = QFormLayout()
        rest_form.addRow(self.tr("Service URL:"), self.url)
        rest_form.addRow(self.tr("Token:"), self.token)
        rest_form.addRow(self.tr("Extra CA certificate:"), ca_row)
        rest_layout = QVBoxLayout(rest)
        rest_layout.addLayout(rest_form)
        rest_layout.addWidget(self.load_nodes)
        rest_layout.addWidget(self.nodes, 1)
        rest_layout.addWidget(self.upload_button)
        self.tabs.addTab(rest, self.tr("Records service (REST)"))

        # -- how: batch -----------------------------------------------------------------
        batch = QWidget()
        self.target = QLineEdit("ESSL")
        self.target.setMaxLength(10)
        self.export_button = QPushButton(self.tr("&Save transfer batch…"))
        self.export_button.clicked.connect(lambda: self.export())
        batch_form = QFormLayout()
        batch_form.addRow(self.tr("Receiving system (identifier):"), self.target)
        batch_layout = QVBoxLayout(batch)
        batch_layout.addLayout(batch_form)
        batch_layout.addWidget(QLabel(self.tr(
            "The batch (NSESSS, annex 7) is a ZIP file for the receiving system. The messages "
            "count as handed over only after its confirmation is read "
            "(dso records confirm).")))
        batch_layout.addWidget(self.export_button)
        batch_layout.addStretch(1)
        self.tabs.addTab(batch, self.tr("Transfer batch (file)"))

        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setAccessibleName(self.tr("Result of the hand-over"))
        self.report.setMaximumHeight(110)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)

        training = ctx.records_info
        if training is not None:  # training mode: the loopback records service
            self.url.setText(training.url)
            self.token.setText(training.token)
            self.ca_file.setText(training.ca_file)

        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.report)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)

    # -- helpers --------------------------------------------------------------------------

    def _pick_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Extra CA certificate"), "",
                                              self.tr("Certificates (*.pem *.crt *.cer *.der)"))
        if path:
            self.ca_file.setText(path)

    def selection(self) -> Any:
        from dso_desktop.services.records import Selection

        if self.use_selection.isChecked():
            return Selection(message_ids=tuple(self.selected),
                             not_handed_over=self.only_new.isChecked())
        start, end = self.date_from.date(), self.date_to.date()
        since = datetime(start.year(), start.month(), start.day()).astimezone()
        until = datetime(end.year(), end.month(), end.day()).astimezone() + timedelta(days=1)
        return Selection(account=self.account.currentData(), since=since, until=until,
                         not_handed_over=self.only_new.isChecked())

    def _client(self) -> Any:
        from dso_desktop.records.rest import RecordsRestClient

        ca = self.ca_file.text().strip()
        return RecordsRestClient(self.url.text().strip(), self.token.text(),
                                 ca_file=Path(ca) if ca else None,
                                 config=self.ctx.app.net_config())

    def chosen_nodes(self) -> list[str]:
        out = []
        stack = [self.nodes.topLevelItem(i) for i in range(self.nodes.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            node_id = item.data(0, NODE_ROLE)
            if node_id and item.checkState(0) == Qt.CheckState.Checked:
                out.append(node_id)
            stack += [item.child(i) for i in range(item.childCount())]
        return sorted(out)

    def _show_nodes(self, tree: HierarchyNode) -> None:
        self.nodes.clear()

        def add(parent: QTreeWidgetItem | None, node: HierarchyNode) -> None:
            item = QTreeWidgetItem([node.name])
            if node.id:
                item.setData(0, NODE_ROLE, node.id)
                item.setCheckState(0, Qt.CheckState.Unchecked)
            else:
                item.setToolTip(0, self.tr("Files cannot be placed here"))
            if parent is None:
                self.nodes.addTopLevelItem(item)
            else:
                parent.addChild(item)
            for sub in node.sub:
                add(item, sub)

        add(None, tree)
        self.nodes.expandAll()
        self.upload_button.setEnabled(True)
        self.nodes_loaded.emit()

    # -- actions --------------------------------------------------------------------------

    def fetch_nodes(self) -> None:
        def work() -> Any:
            with self._client() as client:
                info = client.service_info()
                return info, client.upload_hierarchy()

        def done(result: Any) -> None:
            info, tree = result
            self.report.setPlainText(self.tr("Connected to: %1").replace("%1", info.name))
            self._show_nodes(tree)

        self.ctx.tasks.run_net(work, done, lambda e: show_error(self, e), owner=self)

    def upload(self) -> None:
        nodes = self.chosen_nodes()
        if not nodes:
            self.report.setPlainText(self.tr("Tick at least one target node."))
            return
        sel = self.selection()
        svc = self.ctx.app.records
        self.upload_button.setEnabled(False)

        def work() -> Any:
            ids = svc.select_ids(sel)
            if not ids:
                return None
            with self._client() as client:
                return svc.upload(client, ids, nodes)

        def done(summary: Any) -> None:
            self.upload_button.setEnabled(True)
            if summary is None:
                self.report.setPlainText(self.tr("No stored message matches; nothing was "
                                                 "handed over."))
                return
            lines = [self.tr("Handed over (confirmed by the service): %1 of %2")
                     .replace("%1", str(len(summary.confirmed)))
                     .replace("%2", str(len(summary.items)))]
            for item in summary.items:
                if not item.ok:
                    lines.append(self.tr("Not handed over: %1 (%2)")
                                 .replace("%1", item.dm_id).replace("%2", item.code or "-"))
            self.report.setPlainText("\n".join(lines))
            self.finished_work.emit()

        def failed(exc: BaseException) -> None:
            self.upload_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.tasks.run_net(work, done, failed, owner=self)

    def export(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save transfer batch"),
                                                  "davka.zip", self.tr("ZIP (*.zip)"))
            if not path:
                return
        sel = self.selection()
        target = self.target.text().strip()
        svc = self.ctx.app.records
        self.export_button.setEnabled(False)

        def done(summary: Any) -> None:
            self.export_button.setEnabled(True)
            self.report.setPlainText(
                self.tr("Batch %1 saved: %2 messages. They count as handed over once the "
                        "receiving system confirms the batch.")
                .replace("%1", summary.batch_id).replace("%2", str(summary.messages)))
            self.finished_work.emit()

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.tasks.run_store(lambda: svc.export(Path(path), sel, target=target), done,
                                 failed, owner=self)
