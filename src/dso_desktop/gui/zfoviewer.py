"""A viewer for a ZFO file from disk: what it says, whether it verifies, import, save files."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.domain import ImportStatus, VerdictKind, ZfoKind
from dso_desktop.gui import fmt
from dso_desktop.gui.context import GuiContext, save_attachment_files
from dso_desktop.gui.errors import describe, show_error

if TYPE_CHECKING:
    from dso_desktop.services.types import ImportSummary, ZfoView


class ZfoViewer(QDialog):
    """Opens the file off the GUI thread via ``zfo.open_file`` and shows the verdict."""

    loaded = Signal(object)
    imported = Signal(object)
    saved = Signal(list)

    def __init__(
        self, ctx: GuiContext, path: Path, accounts: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = Path(path)
        self.view: ZfoView | None = None
        self.setWindowTitle(self.tr("Signed data message — %1").replace("%1", self.path.name))
        self.resize(760, 600)
        self.title = QLabel(self.tr("Opening…"))
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName(self.tr("Verification result"))
        self.body = QTextBrowser()
        self.body.setAccessibleName(self.tr("Envelope"))
        self.files = QListWidget()
        self.files.setAccessibleName(self.tr("Attachments"))
        self.account = QComboBox()
        self.account.setAccessibleName(self.tr("Import into data box"))
        self.account.addItem(self.tr("(by the data box in the message)"), None)
        for a in accounts:
            self.account.addItem(a, a)
        self.import_button = QPushButton(self.tr("&Import into archive"))
        self.import_button.clicked.connect(self.import_into_archive)
        self.save_button = QPushButton(self.tr("Save &attachments…"))
        self.save_button.clicked.connect(self._choose_and_save)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        for b in (self.import_button, self.save_button):
            b.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Data box:")))
        row.addWidget(self.account)
        row.addWidget(self.import_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.verdict)
        lay.addWidget(self.body, 3)
        lay.addWidget(QLabel(self.tr("Attachments:")))
        lay.addWidget(self.files, 1)
        lay.addLayout(row)
        self._load()

    def _load(self) -> None:
        svc = self.ctx.app.zfo
        path = self.path

        def failed(exc: BaseException) -> None:
            plain, detail = describe(exc)
            self.title.setText(plain)
            self.body.setPlainText(detail)
            self.loaded.emit(exc)

        self.ctx.tasks.run_store(lambda: svc.open_file(path), self._show, failed, owner=self)

    def _show(self, view: ZfoView) -> None:
        self.view = view
        z = view.zfo
        env = z.envelope
        kind = z.kind
        kinds = {
            ZfoKind.RECEIVED: self.tr("Received data message"),
            ZfoKind.SENT: self.tr("Sent data message"),
            ZfoKind.DELIVERY_INFO: self.tr("Delivery info (doručenka)"),
        }
        subject = env.subject or ""
        self.title.setText(f"{kinds.get(kind, kind.value)}: {subject}")
        verdict = view.verdict
        vkind = fmt.verdict_kind(verdict)
        text = fmt.verdict_text(vkind)
        reasons = verdict.reasons_cs
        # A valid verdict shows its reasons too when it relied on an added anchor.
        if reasons and (vkind != VerdictKind.VALID or verdict.added_anchor is not None):
            text += " " + fmt.reasons_text(reasons)
        color = fmt.verdict_color(vkind)
        self.verdict.setText(text)
        self.verdict.setStyleSheet(fmt.verdict_style(color))
        rows: list[tuple[str, str | None]] = [
            (self.tr("Message ID"), env.message_id),
            (self.tr("Sender"), env.sender_name),
            (self.tr("Sender's data box"), env.sender_box_id),
            (self.tr("Recipient"), env.recipient_name),
            (self.tr("Recipient's data box"), env.recipient_box_id),
            (self.tr("Delivered"), fmt.when(env.delivered_at)),
            (self.tr("Accepted"), fmt.when(env.accepted_at)),
            (self.tr("Signed"), fmt.when(z.signing_time)),
            (self.tr("Timestamp valid until"), fmt.when(verdict.timestamp_expires)),
        ]
        in_archive = view.in_archive
        if in_archive is not None:
            rows.append((self.tr("In the archive"), self.tr("yes, already stored")))
        table = "".join(
            f"<tr><td style='color:#555;padding-right:12px'>{html.escape(k)}</td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in rows
            if v
        )
        ev = "".join(
            f"<li>{html.escape(fmt.when(e.at))} — {html.escape(e.description)}</li>"
            for e in z.events
        )
        body = f"<table>{table}</table>"
        if ev:
            events_title = html.escape(self.tr("Delivery events"))
            body += f"<h4>{events_title}</h4><ul>{ev}</ul>"
        self.body.setHtml(body)
        self.files.clear()
        for a in view.attachments:
            self.files.addItem(f"{a.name}    {fmt.size(a.size)}")
        self.import_button.setEnabled(kind in (ZfoKind.RECEIVED, ZfoKind.SENT)
                                      and in_archive is None)
        self.save_button.setEnabled(self.files.count() > 0)
        self.loaded.emit(view)

    def import_into_archive(self) -> None:
        svc = self.ctx.app.zfo
        account = self.account.currentData()
        path = self.path

        def done(summary: ImportSummary) -> None:
            if summary.imported:
                self.import_button.setEnabled(False)
                self.title.setText(self.title.text() + " — " + self.tr("imported"))
            else:
                items = summary.items
                if items and items[0].status == ImportStatus.QUARANTINED:
                    # Not evidence: say so in words, with what the verification found.
                    verdict = fmt.verdict_text(fmt.verdict_kind(items[0].verdict))
                    self.title.setText(self.tr(
                        "Not imported as evidence: %1 The file is kept in quarantine.")
                        .replace("%1", verdict))
                    self.import_button.setEnabled(False)
                else:
                    from dso_desktop.domain import text as vocabulary_text
                    from dso_desktop.gui import i18n

                    # The service's reason is English: the Czech UI names the outcome.
                    if not items:
                        reason = ""
                    elif i18n.current() == "en":
                        reason = items[0].reason or str(items[0].status)
                    else:
                        reason = vocabulary_text(ImportStatus(items[0].status), "cs")
                    self.title.setText(self.tr("Not imported: %1").replace("%1", reason))
            self.imported.emit(summary)

        self.ctx.tasks.run_store(
            lambda: svc.import_files([path], account=account),
            done,
            lambda e: show_error(self, e),
            owner=self,
        )

    def _choose_and_save(self) -> None:
        out = QFileDialog.getExistingDirectory(self, self.tr("Save attachments to"))
        if out:
            self.save_attachments(Path(out))

    def save_attachments(self, out_dir: Path) -> None:
        if self.view is None:
            return
        atts = self.view.zfo.attachments

        def work() -> list[Path]:
            # Safe, unique names that fit the folder's file system; never overwrites.
            return save_attachment_files(out_dir, [(a.name, a.content) for a in atts])

        self.ctx.tasks.run_net(
            work,
            lambda paths: self.saved.emit(list(paths)),
            lambda e: show_error(self, e),
            owner=self,
        )
