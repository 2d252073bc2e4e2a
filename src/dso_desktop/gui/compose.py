"""Compose a data message: recipient search, attachments with ISDS checks, envelope options."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.domain import LegalTitle
from dso_desktop.gui import fmt
from dso_desktop.gui.bridge import ProgressBridge
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import code_suffix, describe, show_error
from dso_desktop.gui.headerfit import fit_headers
from dso_desktop.gui.pdzpanel import PdzPanel
from dso_desktop.gui.pdzpanel import connect as connect_pdz_panel

if TYPE_CHECKING:
    from dso_desktop.isds.models import BoxSearchHit
    from dso_desktop.services.types import Draft, MessageDetail, SendOutcome

log = logging.getLogger(__name__)
BIG_MESSAGE_BYTES = 20 * 1000 * 1000  # PROTOCOL.md §5: a normal DZ is at most 20 MB


def can_receive(send_options: str | None) -> bool:
    return (send_options or "ALL").upper() in ("ALL", "DZ", "PDZ")


class ComposeDialog(QDialog):
    """Writes and sends one message (to one or more boxes); reply and forward prefill it."""

    sent = Signal(object)
    search_done = Signal(int)
    checked = Signal(list)

    def __init__(
        self,
        ctx: GuiContext,
        accounts: list[str],
        account: str,
        parent: QWidget | None = None,
        *,
        reply_to: int | None = None,
        forward: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("New data message"))
        self.setAcceptDrops(True)
        self.resize(900, 680)
        self._problems: list[str] = []
        self._hits: list[BoxSearchHit] = []
        self.result_outcomes: list[SendOutcome] | None = None

        self.account = QComboBox()
        self.account.setAccessibleName(self.tr("Sender data box"))
        self.account.addItems(accounts)
        self.account.setCurrentText(account)

        # Recipients and the ISDS box search.
        self.recipients = QListWidget()
        self.recipients.setAccessibleName(self.tr("Recipients"))
        self.recipients.setMaximumHeight(70)
        self.remove_recipient = QPushButton(self.tr("Remove recipient"))
        self.remove_recipient.clicked.connect(
            lambda: [
                self.recipients.takeItem(self.recipients.row(i))
                for i in self.recipients.selectedItems()
            ]
        )
        self.query = QLineEdit()
        self.query.setPlaceholderText(self.tr("Name, IČO, address or data-box ID"))
        self.query.setAccessibleName(self.tr("Search for a recipient"))
        self.search_type = QComboBox()
        self.search_type.setAccessibleName(self.tr("Search by"))
        for key, text in (
            ("GENERAL", self.tr("Name, address or IČO")),
            ("ICO", self.tr("IČO")),
            ("ADDRESS", self.tr("Address")),
            ("DBID", self.tr("Data-box ID")),
        ):
            self.search_type.addItem(text, key)
        self.search_button = QPushButton(self.tr("&Find"))
        self.search_button.clicked.connect(self.search)
        self.query.returnPressed.connect(self.search)
        self.hits = QTableWidget(0, 5)
        self.hits.setAccessibleName(self.tr("Search results"))
        self.hits.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Data box"),
                self.tr("Type"),
                self.tr("Address"),
                self.tr("Can receive"),
            ]
        )
        self.hits.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.hits.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hits.verticalHeader().setVisible(False)
        self.hits.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        fit_headers(self.hits.horizontalHeader())  # "Může přijímat" whole, also when empty
        self.hits.setMaximumHeight(150)
        self.hits.setWordWrap(False)
        self.hits.itemDoubleClicked.connect(lambda _i: self.add_selected_hit())
        self.add_hit = QPushButton(self.tr("&Add as recipient"))
        self.add_hit.clicked.connect(self.add_selected_hit)
        self.add_hit.setEnabled(False)  # until a search finds a box

        self.subject = QLineEdit()
        self.subject.setAccessibleName(self.tr("Subject"))
        self.subject.setMaxLength(255)

        # Attachments.
        self.files = QListWidget()
        self.files.setAccessibleName(self.tr("Attachments"))
        self.add_files_button = QPushButton(self.tr("Add &files…"))
        self.add_files_button.clicked.connect(self.choose_files)
        self.remove_file_button = QPushButton(self.tr("Remove file"))
        self.remove_file_button.clicked.connect(self.remove_selected_files)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c62828")
        self.problems.setAccessibleName(self.tr("Problems with attachments"))
        self.size_label = QLabel()

        # Envelope options.
        self.to_hands = QLineEdit()
        self.personal = QCheckBox(self.tr("Personal delivery (do vlastních rukou)"))
        self.no_fiction = QCheckBox(self.tr("Exclude acceptance by fiction"))
        self.own_id = QCheckBox(self.tr("Identify me as the sender (name of the user)"))
        self.our_ref = QLineEdit()
        self.your_ref = QLineEdit()
        self.our_mark = QLineEdit()
        self.your_mark = QLineEdit()
        for e in (self.our_ref, self.your_ref, self.our_mark, self.your_mark):
            e.setMaxLength(50)
        self.law = QLineEdit()
        self.year = QLineEdit()
        self.section = QLineEdit()
        self.paragraph = QLineEdit()
        self.point = QLineEdit()
        self.pdz = QComboBox()
        self.pdz.setAccessibleName(self.tr("Message type"))
        pdz_types: tuple[tuple[str | None, str], ...] = (
            (None, self.tr("Data message (free of charge)")),
            ("K", self.tr("Commercial message (PDZ)")),
            ("I", self.tr("PDZ with a prepaid reply")),
            ("O", self.tr("Reply to a PDZ with a prepaid reply")),
        )
        for pdz_key, text in pdz_types:
            self.pdz.addItem(text, pdz_key)
        for w, name in (
            (self.to_hands, self.tr("To hands")),
            (self.our_ref, self.tr("Our reference number")),
            (self.your_ref, self.tr("Recipient's reference number")),
            (self.our_mark, self.tr("Our file mark")),
            (self.your_mark, self.tr("Recipient's file mark")),
            (self.law, self.tr("Law number")),
            (self.year, self.tr("Law year")),
            (self.section, self.tr("Section")),
            (self.paragraph, self.tr("Paragraph")),
            (self.point, self.tr("Point")),
        ):
            w.setAccessibleName(name)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setAccessibleName(self.tr("Sending progress"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.send_button = QPushButton(self.tr("&Send"))
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.cancel_button = QPushButton(self.tr("Close"))
        self.cancel_button.clicked.connect(self.reject)

        # Commercial messages: how they are paid, shown before sending (gui.pdzpanel).
        self.pdz_panel = PdzPanel(self)
        self._layout()
        connect_pdz_panel(self, self.pdz_panel)
        self.recipients.model().rowsInserted.connect(lambda *_a: self._update_send())
        self.recipients.model().rowsRemoved.connect(lambda *_a: self._update_send())
        self.subject.textChanged.connect(lambda _t: self._update_send())
        self._update_send()
        if reply_to is not None:
            self._prefill(reply_to, forward=False)
        elif forward is not None:
            self._prefill(forward, forward=True)

    # -- layout -----------------------------------------------------------------------------

    def _layout(self) -> None:
        tabs = self.tabs = QTabWidget()
        # The style clips a tab's label to the font's ascent and draws the inactive tab two
        # pixels lower: the acute of a capital "Ú" ("Údaje obálky") rose above the clip and
        # was cut. Padding gives the label room for Czech capitals with accents.
        tabs.setStyleSheet("QTabBar::tab { padding: 4px 10px; }")
        main = QWidget()
        form = QFormLayout(main)
        form.addRow(self.tr("From:"), self.account)
        rec_row = QHBoxLayout()
        rec_row.addWidget(self.recipients, 1)
        rec_row.addWidget(self.remove_recipient)
        form.addRow(self.tr("To:"), rec_row)
        search_row = QHBoxLayout()
        search_row.addWidget(self.query, 1)
        search_row.addWidget(self.search_type)
        search_row.addWidget(self.search_button)
        form.addRow(self.tr("Find recipient:"), search_row)
        hits_box = QVBoxLayout()
        hits_box.addWidget(self.hits)
        hits_box.addWidget(self.add_hit, 0, Qt.AlignmentFlag.AlignRight)
        form.addRow("", hits_box)
        form.addRow(self.tr("Subject:"), self.subject)
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(self.add_files_button)
        file_buttons.addWidget(self.remove_file_button)
        file_buttons.addStretch(1)
        files_row = QHBoxLayout()
        files_row.addWidget(self.files, 1)
        files_row.addLayout(file_buttons)
        form.addRow(self.tr("Attachments:"), files_row)
        form.addRow("", self.size_label)
        form.addRow("", self.problems)
        form.addRow("", self.pdz_panel)
        tabs.addTab(main, self.tr("Message"))

        opts = QWidget()
        of = QFormLayout(opts)
        of.addRow(self.tr("Message type:"), self.pdz)
        of.addRow(self.tr("To hands:"), self.to_hands)
        of.addRow("", self.personal)
        of.addRow("", self.no_fiction)
        of.addRow("", self.own_id)
        of.addRow(self.tr("Our reference number:"), self.our_ref)
        of.addRow(self.tr("Recipient's reference number:"), self.your_ref)
        of.addRow(self.tr("Our file mark:"), self.our_mark)
        of.addRow(self.tr("Recipient's file mark:"), self.your_mark)
        legal = QGroupBox(self.tr("Legal title (law / year / section / paragraph / point)"))
        lr = QHBoxLayout(legal)
        for w in (self.law, self.year, self.section, self.paragraph, self.point):
            lr.addWidget(w)
        of.addRow(legal)
        tabs.addTab(opts, self.tr("Envelope options"))

        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs, 1)
        lay.addWidget(self.status)
        lay.addLayout(buttons)

    # -- recipients -------------------------------------------------------------------------

    def search(self) -> None:
        text = self.query.text().strip()
        if not text:
            return
        account = self.account.currentText()
        kind = self.search_type.currentData()
        svc = self.ctx.app.send
        self.search_button.setEnabled(False)
        self.status.setText(self.tr("Searching ISDS…"))

        # The previous hits go at once: "Add as recipient" must never add a box from an
        # earlier search while (or after) this one runs.
        self._clear_hits()

        def done(hits: list[BoxSearchHit]) -> None:
            self.search_button.setEnabled(True)
            self._hits = list(hits)
            self.hits.setRowCount(0)
            for hit in self._hits:
                r = self.hits.rowCount()
                self.hits.insertRow(r)
                ok = can_receive(hit.send_options)
                values = (
                    hit.name or "",
                    hit.box_id or "",
                    fmt.box_type_text(hit.box_type),
                    hit.address or "",
                    self.tr("yes") if ok else self.tr("no"),
                )
                for c, v in enumerate(values):
                    self.hits.setItem(r, c, QTableWidgetItem(v))
            self.hits.resizeColumnsToContents()
            fit_headers(self.hits.horizontalHeader())
            if self._hits:
                self.hits.selectRow(0)
                self.status.setText(self.tr("Found: %1").replace("%1", str(len(self._hits))))
            else:
                self.status.setText(self.tr("Not found"))
            self.add_hit.setEnabled(bool(self._hits))
            self.search_done.emit(len(self._hits))

        def failed(exc: BaseException) -> None:
            self.search_button.setEnabled(True)
            self._clear_hits()
            plain, _d = describe(exc)
            self.status.setText(plain)
            self.search_done.emit(-1)

        self.ctx.tasks.run_net(
            lambda: svc.find_boxes(account, text, kind), done, failed, owner=self
        )

    def _clear_hits(self) -> None:
        self._hits = []
        self.hits.setRowCount(0)
        self.add_hit.setEnabled(False)

    def add_selected_hit(self) -> None:
        row = self.hits.currentRow()
        if not 0 <= row < len(self._hits):
            return
        hit = self._hits[row]
        if not can_receive(hit.send_options):
            self.status.setText(self.tr("This data box cannot receive data messages."))
            return
        self.add_recipient(hit.box_id, hit.name or "")

    def add_recipient(self, box_id: str, name: str = "") -> None:
        for i in range(self.recipients.count()):
            if self.recipients.item(i).data(Qt.ItemDataRole.UserRole) == box_id:
                return
        item = QListWidgetItem(f"{name} ({box_id})" if name else box_id)
        item.setData(Qt.ItemDataRole.UserRole, box_id)
        self.recipients.addItem(item)

    def recipient_ids(self) -> list[str]:
        return [
            self.recipients.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.recipients.count())
        ]

    # -- attachments ------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _f = QFileDialog.getOpenFileNames(self, self.tr("Add attachments"))
        if paths:
            self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> None:
        present = set(self.file_paths())
        for p in paths:
            if p.is_file() and p not in present:
                item = QListWidgetItem(f"{p.name}    {fmt.size(p.stat().st_size)}")
                item.setData(Qt.ItemDataRole.UserRole, str(p))
                item.setToolTip(str(p))
                self.files.addItem(item)
        self._check_files()

    def remove_selected_files(self) -> None:
        for item in self.files.selectedItems():
            self.files.takeItem(self.files.row(item))
        self._check_files()

    def file_paths(self) -> list[Path]:
        return [
            Path(self.files.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.files.count())
        ]

    def _check_files(self) -> None:
        paths = self.file_paths()
        total = sum(p.stat().st_size for p in paths if p.exists())
        text = self.tr("Total size: %1").replace("%1", fmt.size(total))
        if total > BIG_MESSAGE_BYTES:
            text += " — " + self.tr("will be sent as a big message (velkoobjemová zpráva)")
        self.size_label.setText(text if paths else "")
        svc = self.ctx.app.send

        def done(problems: list[str]) -> None:
            if paths != self.file_paths():
                return
            self._problems = [str(p) for p in problems]
            self.problems.setText("\n".join(self._problems))
            self._update_send()
            self.checked.emit(self._problems)

        self.ctx.tasks.run_net(
            lambda: svc.check_attachments(paths), done, lambda e: show_error(self, e), owner=self
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        self.add_files(paths)
        event.acceptProposedAction()

    # -- reply / forward ----------------------------------------------------------------------

    def _prefill(self, message_id: int, *, forward: bool) -> None:
        svc = self.ctx.app.messages
        scratch = self.ctx.scratch_dir(f"forward/{message_id}")

        def work() -> tuple[MessageDetail, list[Path]]:
            detail = svc.detail(message_id)
            files: list[Path] = []
            if forward:
                files = [p for p in svc.export(message_id, scratch) if p.suffix == ".zfo"][:1]
            return detail, files

        def done(result: tuple[MessageDetail, list[Path]]) -> None:
            detail, files = result
            env = detail.envelope
            subject = env.subject or ""
            if forward:
                self.setWindowTitle(self.tr("Forward data message"))
                self.subject.setText(f"Fwd: {subject}")
                self.add_files(files)
            else:
                self.setWindowTitle(self.tr("Reply to data message"))
                self.subject.setText(subject if subject.startswith("Re:") else f"Re: {subject}")
                box = env.sender_box_id
                if box:
                    self.add_recipient(box, env.sender_name or "")
                self.your_ref.setText(env.our_ref or "")
                self.your_mark.setText(env.our_file_mark or "")
                self.our_ref.setText(env.your_ref or "")
                self.our_mark.setText(env.your_file_mark or "")
                if env.message_type == "I":
                    self.pdz.setCurrentIndex(self.pdz.findData("O"))

        self.ctx.tasks.run_store(work, done, lambda e: show_error(self, e), owner=self)

    # -- sending ----------------------------------------------------------------------------

    def _update_send(self) -> None:
        ok = (
            bool(self.recipient_ids())
            and bool(self.subject.text().strip())
            and bool(self.files.count())
            and not self._problems
            and not self.pdz_panel.blocked
        )
        self.send_button.setEnabled(ok)

    def draft(self) -> Draft:
        from dso_desktop.services.types import Draft

        def opt(e: QLineEdit) -> str | None:
            return e.text().strip() or None

        return Draft(
            recipients=tuple(self.recipient_ids()),
            subject=self.subject.text().strip(),
            attachments=tuple(self.file_paths()),
            to_hands=opt(self.to_hands),
            personal_delivery=True if self.personal.isChecked() else None,
            allow_fiction=False if self.no_fiction.isChecked() else None,
            our_ref=opt(self.our_ref),
            your_ref=opt(self.your_ref),
            our_file_mark=opt(self.our_mark),
            your_file_mark=opt(self.your_mark),
            legal_title=LegalTitle(
                opt(self.law),
                opt(self.year),
                opt(self.section),
                opt(self.paragraph),
                opt(self.point),
            ),
            publish_own_id=True if self.own_id.isChecked() else None,
            message_type=self.pdz.currentData(),
        )

    def send(self) -> None:
        draft = self.draft()
        account = self.account.currentText()
        svc = self.ctx.app.send
        bridge = ProgressBridge(self)
        bridge.progress.connect(self._on_progress)
        emit = bridge.callback()

        def progress(phase: str, done: int, total: int) -> None:
            emit((phase, done, total))

        self.send_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(self.tr("Sending…"))

        def done(result: list[SendOutcome]) -> None:
            bridge.deleteLater()
            self.progress.setVisible(False)
            self.result_outcomes = result
            outcomes = list(result)
            bad = [o for o in outcomes if not o.ok]
            lines = []
            for o in outcomes:
                if o.ok:
                    lines.append(
                        self.tr("Sent to %1 as message %2")
                        .replace("%1", o.recipient)
                        .replace("%2", o.message_id or "")
                    )
                else:
                    lines.append(
                        self.tr("Not sent to %1: %2")
                        .replace("%1", o.recipient)
                        .replace("%2", o.error or "")
                    )
            self.status.setText("\n".join(lines))
            self.sent.emit(result)
            if not bad:
                self.accept()
            else:
                self._update_send()

        def failed(exc: BaseException) -> None:
            bridge.deleteLater()
            self.progress.setVisible(False)
            plain, _detail = describe(exc)
            self.status.setText(plain + code_suffix(exc))
            self._update_send()
            self.sent.emit(exc)

        self.ctx.tasks.run_net(
            lambda: svc.send(account, draft, progress=progress), done, failed, owner=self
        )

    def _on_progress(self, event: tuple[str, int, int]) -> None:
        phase, done, total = event
        if phase == "upload":
            self.status.setText(self.tr("Uploading attachments of a big message…"))
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
