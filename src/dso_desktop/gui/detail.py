"""The detail pane: envelope, delivery events, verdict in plain words, attachments."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDrag
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.domain import Direction, Envelope, VerdictKind
from dso_desktop.gui import fmt
from dso_desktop.gui.context import GuiContext, safe_file_name
from dso_desktop.gui.errors import show_error
from dso_desktop.paths import atomic_write

if TYPE_CHECKING:
    from dso_desktop.gui.remedyui import RestampRun
    from dso_desktop.services.remedies import RemedyOutcome, VersionCheck
    from dso_desktop.services.types import MessageDetail, VerdictView
    from dso_desktop.store.records import EvidenceCopyRecord
    from dso_desktop.store.versions import OnlineCheckRecord
    from dso_desktop.zfo.verify import Verdict


class AttachmentList(QListWidget):
    """Attachments of the shown message; dragging one out writes it to the app's cache."""

    def __init__(self, pane: DetailPane) -> None:
        super().__init__(pane)
        self._pane = pane
        self.setDragEnabled(True)
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)

    def startDrag(self, supported: Qt.DropAction) -> None:
        rows = sorted(self.row(i) for i in self.selectedItems())
        paths = self._pane.materialize(rows)
        if not paths:
            return
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)


class DetailPane(QWidget):
    """Shows one message; all loading happens on the store thread."""

    verdict_changed = Signal(int)
    message_loaded = Signal(int)
    versions_loaded = Signal(int)  # evidence versions and online checks shown
    online_checked = Signal(object)  # store.versions.OnlineCheckRecord
    restamped = Signal(list)  # [services.remedies.RemedyOutcome]

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._message: int | None = None
        self._detail: MessageDetail | None = None

        self.title = QLabel(self.tr("Select a message"))
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName(self.tr("Verification result"))
        self.verdict.setVisible(False)
        # Other signed copies of this message kept beside its evidence (a warning).
        self.copies = QLabel()
        self.copies.setWordWrap(True)
        self.copies.setAccessibleName(self.tr("Conflicting copies"))
        self.copies.setVisible(False)
        # Hand-over to records management: where and when, or that it was not yet.
        self.handover = QLabel()
        self.handover.setWordWrap(True)
        self.handover.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.handover.setAccessibleName(self.tr("Hand-over to records management"))
        self.handover.setVisible(False)
        # Later evidence versions (restamps) and ISDS's online answers (issue 15).
        self.versions = QLabel()
        self.versions.setWordWrap(True)
        self.versions.setAccessibleName(self.tr("Evidence versions"))
        self.versions.setVisible(False)

        self.envelope = QTextBrowser()
        self.envelope.setOpenExternalLinks(False)
        self.envelope.setAccessibleName(self.tr("Envelope and delivery events"))

        self.attachments = AttachmentList(self)
        self.attachments.setAccessibleName(self.tr("Attachments"))
        self.attachments.itemActivated.connect(lambda _item: self.open_selected())

        self.open_button = QPushButton(self.tr("&Open"))
        self.save_button = QPushButton(self.tr("&Save…"))
        self.save_all_button = QPushButton(self.tr("Save &all…"))
        self.export_button = QPushButton(self.tr("&Export ZFO…"))
        self.verify_button = QPushButton(self.tr("&Verify"))
        self.documents_button = QPushButton(self.tr("PDF, &print, e-mail…"))
        self.online_button = QPushButton(self.tr("Verify in &ISDS"))
        self.restamp_button = QPushButton(self.tr("Re&stamp"))
        for b, tip in (
            (self.open_button, self.tr("Open the attachment in the system application")),
            (self.save_button, self.tr("Save the selected attachments")),
            (self.save_all_button, self.tr("Save all attachments to a folder")),
            (self.export_button, self.tr("Export the signed message and delivery info")),
            (self.verify_button, self.tr("Verify the signature of the message again")),
            (self.documents_button, self.tr("Envelope and delivery info as PDF, printed "
                                            "or sent by e-mail")),
            (self.online_button, self.tr("Ask ISDS whether it issued exactly this file "
                                         "(AuthenticateMessage); the answer is recorded")),
            (self.restamp_button, self.tr("Renew the evidence: ISDS re-seals the message, "
                                          "kept as a new version beside the original")),
        ):
            b.setToolTip(tip)
            b.setAccessibleName(b.text().replace("&", "").rstrip("…"))
        self.open_button.clicked.connect(self.open_selected)
        self.save_button.clicked.connect(self.save_selected)
        self.save_all_button.clicked.connect(self.save_all)
        self.export_button.clicked.connect(self.export)
        self.verify_button.clicked.connect(self.verify)
        self.documents_button.clicked.connect(lambda: self.documents())
        self.online_button.clicked.connect(self.verify_online)
        self.restamp_button.clicked.connect(self.restamp)

        buttons = QHBoxLayout()
        for b in (
            self.open_button,
            self.save_button,
            self.save_all_button,
            self.export_button,
            self.verify_button,
            self.documents_button,
            self.online_button,
            self.restamp_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)

        att_box = QWidget()
        att_layout = QVBoxLayout(att_box)
        att_layout.setContentsMargins(0, 0, 0, 0)
        att_label = QLabel(self.tr("Attachments:"))
        att_label.setBuddy(self.attachments)
        att_layout.addWidget(att_label)
        att_layout.addWidget(self.attachments)
        att_layout.addLayout(buttons)

        split = self.split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.envelope)
        split.addWidget(att_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.verdict)
        layout.addWidget(self.copies)
        layout.addWidget(self.handover)
        layout.addWidget(self.versions)
        layout.addWidget(split, 1)
        self._set_enabled(False)

    # -- loading ----------------------------------------------------------------------------

    @property
    def message_id(self) -> int | None:
        return self._message

    @property
    def detail(self) -> MessageDetail | None:
        return self._detail

    def clear(self) -> None:
        self._message = None
        self._detail = None
        self.title.setText(self.tr("Select a message"))
        self.verdict.setVisible(False)
        self.copies.setVisible(False)
        self.handover.setVisible(False)
        self.versions.setVisible(False)
        self.envelope.clear()
        self.attachments.clear()
        self._set_enabled(False)

    def show_message(self, message_id: int) -> None:
        self._message = message_id
        svc = self._ctx.app.messages

        def loaded(detail: MessageDetail) -> None:
            if self._message != message_id:
                return
            self._detail = detail
            self._render(detail)
            self.message_loaded.emit(message_id)
            if detail.row.downloaded:
                self.load_versions()

        self._ctx.tasks.run_store(
            lambda: svc.detail(message_id), loaded, lambda e: show_error(self, e), owner=self
        )
        records = self._ctx.app.records

        def handover_loaded(state: Any) -> None:
            if self._message == message_id:
                self.show_handover(state)

        self._ctx.tasks.run_store(lambda: records.state(message_id), handover_loaded,
                                  lambda e: show_error(self, e), owner=self)

    def show_handover(self, state: Any) -> None:
        """Where the message was handed over (records management), or that it was not."""
        lines = []
        for h in state.handovers:
            where = h.batch_id if h.method == "batch" else ", ".join(h.locations)
            how = self.tr("transfer batch") if h.method == "batch" else self.tr("upload")
            lines.append(self.tr("Handed over to records management: %1 (%2 %3), confirmed "
                                 "%4").replace("%1", h.target).replace("%2", how)
                         .replace("%3", where or "-").replace("%4", fmt.when(h.confirmed_at)))
        if not lines:
            text = self.tr("Not handed over to records management yet.")
            if state.uploaded_unconfirmed:
                text += " " + self.tr("Uploaded; the service has not confirmed it yet.")
            lines.append(text)
            for batch_id, reason in state.refusals[:3]:
                lines.append(self.tr("Refused in batch %1: %2").replace("%1", batch_id)
                             .replace("%2", reason or "-"))
        self.handover.setText("\n".join(lines))
        self.handover.setVisible(True)

    def _set_enabled(self, on: bool) -> None:
        for b in (
            self.open_button,
            self.save_button,
            self.save_all_button,
            self.export_button,
            self.verify_button,
            self.documents_button,
            self.online_button,
            self.restamp_button,
        ):
            b.setEnabled(on)

    def _render(self, detail: MessageDetail) -> None:
        env = detail.envelope
        subject = env.subject or self.tr("(no subject)")
        self.title.setText(subject)
        # The row's stored kind is authoritative; the verdict object adds the reasons.
        self._show_verdict(detail.verdict, detail.verdict_kind)
        self._show_copies(detail.evidence_copies)
        rows: list[tuple[str, str | None]] = [
            (self.tr("Message ID"), env.message_id),
            (self.tr("Sender"),
             _party(env.sender_name, env.sender_box_id, env.sender_address)),
            (self.tr("Recipient"),
             _party(env.recipient_name, env.recipient_box_id, env.recipient_address)),
            (self.tr("To hands"), env.to_hands),
            (self.tr("Delivered"), fmt.when(env.delivered_at)),
            (self.tr("Accepted"), fmt.when(env.accepted_at)),
            (self.tr("Status"), fmt.status_text(env.status)),
            *self._reference_rows(env, detail.row.direction),
            (
                self.tr("Personal delivery"),
                _yes(env.personal_delivery, self.tr("yes"), self.tr("no")),
            ),
            (
                self.tr("Acceptance by fiction"),
                _yes(env.allow_fiction, self.tr("allowed"), self.tr("not allowed")),
            ),
            (self.tr("Big message"), self.tr("yes") if env.big_message else None),
        ]
        legal = env.legal_title
        if not legal.is_empty():
            parts = [
                f"{legal.law or ''}/{legal.year or ''}",
                f"§ {legal.section}" if legal.section else "",
                f"odst. {legal.paragraph}" if legal.paragraph else "",
                f"písm. {legal.point}" if legal.point else "",
            ]
            rows.append((self.tr("Legal title"), " ".join(p for p in parts if p)))
        table = "".join(
            f"<tr><td style='color:#555;padding-right:12px'>{html.escape(k)}</td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in rows
            if v
        )
        ev_html = "".join(
            f"<li>{html.escape(fmt.when(e.at))} — {html.escape(e.description or '')}</li>"
            for e in detail.events
        )
        body = f"<table>{table}</table>"
        if ev_html:
            events_title = html.escape(self.tr("Delivery events"))
            body += f"<h4>{events_title}</h4><ul>{ev_html}</ul>"
        self.envelope.setHtml(body)

        self.attachments.clear()
        for att in detail.attachments:
            name = att.name or "?"
            size = fmt.size(att.size)
            item = QListWidgetItem(f"{name}    {size}" if size else name)
            item.setToolTip(att.mime_type or "")
            self.attachments.addItem(item)
        if self.attachments.count():
            self.attachments.setCurrentRow(0)
        self._set_enabled(True)
        has_files = self.attachments.count() > 0
        for b in (self.open_button, self.save_button, self.save_all_button):
            b.setEnabled(has_files)
        # Only a stored signed message can be checked with ISDS or restamped.
        for b in (self.online_button, self.restamp_button):
            b.setEnabled(detail.row.downloaded)

    def _reference_rows(self, env: Envelope, direction: Direction
                        ) -> list[tuple[str, str | None]]:
        """Reference numbers and file marks from the clerk's point of view. The envelope's
        ``our_*`` are the sender's (dmSenderRefNumber/Ident) and ``your_*`` the
        recipient's: on a received message the sender's are theirs and ``your_*`` ours."""
        if direction == Direction.RECEIVED:
            return [(self.tr("Our reference number"), env.your_ref),
                    (self.tr("Our file mark"), env.your_file_mark),
                    (self.tr("Sender's reference number"), env.our_ref),
                    (self.tr("Sender's file mark"), env.our_file_mark)]
        return [(self.tr("Our reference number"), env.our_ref),
                (self.tr("Our file mark"), env.our_file_mark),
                (self.tr("Recipient's reference number"), env.your_ref),
                (self.tr("Recipient's file mark"), env.your_file_mark)]

    def _show_verdict(self, verdict: VerdictView | Verdict | None,
                      kind_text: str | None = None) -> None:
        kind = fmt.verdict_kind(kind_text) or fmt.verdict_kind(verdict)
        text = fmt.verdict_text(kind)
        reasons = verdict.reasons_cs if verdict is not None else ()
        # A valid verdict shows its reasons too when it relied on an added anchor (a CA
        # the user or an account's test environment added): the user must see which.
        added = verdict.added_anchor if verdict is not None else None
        if reasons and (kind not in (VerdictKind.VALID, None) or added is not None):
            text += " " + fmt.reasons_text(reasons)
        color = fmt.verdict_color(kind)
        self.verdict.setText(text)
        self.verdict.setStyleSheet(fmt.verdict_style(color))
        self.verdict.setVisible(True)

    def _show_copies(self, copies: tuple[EvidenceCopyRecord, ...]) -> None:
        if not copies:
            self.copies.setVisible(False)
            return
        lines = [self.tr("Warning: the archive holds %1 other signed copies of this message "
                         "with different content. The copy shown is the evidence; the others "
                         "are kept aside.").replace("%1", str(len(copies)))]
        for c in copies[:5]:
            reason = (self.tr("former evidence, replaced by a trusted copy")
                      if c.reason == "displaced"
                      else self.tr("arrived while this copy was the evidence"))
            lines.append(f"• {fmt.verdict_text(fmt.verdict_kind(c.verdict))} "
                         f"({reason})")
        self.copies.setText("\n".join(lines))
        self.copies.setStyleSheet(fmt.verdict_style(fmt.verdict_color(VerdictKind.UNTRUSTED)))
        self.copies.setVisible(True)

    # -- actions ----------------------------------------------------------------------------

    def _selected_rows(self) -> list[int]:
        rows = sorted(self.attachments.row(i) for i in self.attachments.selectedItems())
        if not rows and self.attachments.currentRow() >= 0:
            rows = [self.attachments.currentRow()]
        return rows

    def materialize(self, rows: list[int]) -> list[Path]:
        """Write the attachments to the app's cache (for the system viewer or a drag)."""
        if self._message is None or self._detail is None:
            return []
        msg = self._message
        atts = self._detail.attachments
        svc = self._ctx.app.messages
        out = self._ctx.scratch_dir(f"open/{msg}")

        def write() -> list[Path]:
            taken: set[str] = set()
            paths = []
            for r in rows:
                name = safe_file_name(atts[r].name or "file", taken)
                p = out / name
                atomic_write(p, svc.attachment_content(msg, r))  # 0600, short temp name
                paths.append(p)
            return paths

        # A drag must have its files now; this is a short, user-initiated read.
        return list(self._ctx.tasks.run_store(write).result(timeout=30))

    def open_selected(self) -> None:
        rows = self._selected_rows()
        if not rows:
            return
        try:
            paths = self.materialize(rows[:1])
        except Exception as exc:
            show_error(self, exc)
            return
        for p in paths:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(p)))

    def save_selected(self) -> None:
        rows = self._selected_rows()
        if rows:
            self._save(rows)

    def save_all(self) -> None:
        self._save(None)

    def _save(self, rows: list[int] | None, out_dir: str | None = None) -> None:
        if self._message is None:
            return
        if out_dir is None:
            out_dir = QFileDialog.getExistingDirectory(self, self.tr("Save attachments to"))
        if not out_dir:
            return
        self.save_to(Path(out_dir), rows)

    def save_to(self, out_dir: Path, rows: list[int] | None = None) -> None:
        """Save attachments (all when ``rows`` is None) into ``out_dir`` via the service."""
        msg = self._message
        if msg is None:
            return
        svc = self._ctx.app.messages
        self._ctx.tasks.run_store(
            lambda: svc.save_attachments(msg, out_dir, rows),
            lambda paths: self.saved.emit(list(paths)),
            lambda e: show_error(self, e),
            owner=self,
        )

    saved = Signal(list)
    exported = Signal(list)

    def export(self, out_dir: str | None = None) -> None:
        if self._message is None:
            return
        if not out_dir:
            out_dir = QFileDialog.getExistingDirectory(self, self.tr("Export message to"))
        if not out_dir:
            return
        msg = self._message
        svc = self._ctx.app.messages
        self._ctx.tasks.run_store(
            lambda: svc.export(msg, Path(out_dir)),
            lambda paths: self.exported.emit(list(paths)),
            lambda e: show_error(self, e),
            owner=self,
        )

    def documents(self) -> QWidget | None:
        """The envelope and delivery info of this message: PDF, print, e-mail."""
        if self._message is None:
            return None
        from dso_desktop.gui.paperui import DocumentsDialog

        dlg = DocumentsDialog(self._ctx, [self._message], self)
        dlg.show()
        return dlg

    def verify(self) -> None:
        if self._message is None:
            return
        msg = self._message
        svc = self._ctx.app.messages

        def done(verdict: Verdict) -> None:
            if self._message == msg:
                self._show_verdict(verdict)
            self.verdict_changed.emit(msg)

        self._ctx.tasks.run_store(
            lambda: svc.verify(msg), done, lambda e: show_error(self, e), owner=self
        )


    # -- the watch's remedies (issue 15) ---------------------------------------------------

    def load_versions(self) -> None:
        """The verifier's answer for every evidence version and the online checks (shown
        when there is more than the original)."""
        if self._message is None:
            return
        msg = self._message
        svc = self._ctx.app.remedies

        def done(result: tuple[list[VersionCheck], list[OnlineCheckRecord]]) -> None:
            if self._message != msg:
                return
            from dso_desktop.gui.remedyui import versions_text

            checks, online = result
            shown = len(checks) > 1 or bool(online)
            self.versions.setText(versions_text(checks, online) if shown else "")
            self.versions.setVisible(shown)
            self.versions_loaded.emit(msg)

        self._ctx.tasks.run_store(
            lambda: (svc.verify_versions(msg), svc.online_checks(msg)), done,
            lambda e: show_error(self, e), owner=self)

    def verify_online(self) -> None:
        """"Ověřit v ISDS": AuthenticateMessage with the newest version (network pool)."""
        if self._message is None:
            return
        msg = self._message
        svc = self._ctx.app.remedies

        def done(record: OnlineCheckRecord) -> None:
            self.online_checked.emit(record)
            if self._message == msg:
                self.load_versions()

        self._ctx.tasks.run_net(lambda: svc.verify_online(msg), done,
                                lambda e: show_error(self, e), owner=self)

    def restamp(self) -> RestampRun | None:
        """Renew this message's evidence (progress dialog with Cancel)."""
        if self._message is None:
            return None
        from dso_desktop.gui.remedyui import RestampRun

        msg = self._message
        run = RestampRun(self, self._ctx, [msg])
        self._restamp_run = run

        def finished(outcomes: list[RemedyOutcome]) -> None:
            from PySide6.QtWidgets import QMessageBox

            from dso_desktop.gui.remedyui import outcome_text

            self.restamped.emit(list(outcomes))
            if any(not o.ok for o in outcomes):
                box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Restamp"),
                                  outcome_text(outcomes), parent=self)
                self._restamp_box = box
                box.open()
            if self._message == msg:
                self.load_versions()

        run.finished.connect(finished)
        run.start()
        return run


def _party(name: str | None, box: str | None, addr: str | None) -> str:
    text = name or ""
    if box:
        text += f" ({box})"
    if addr:
        text += f", {addr}"
    return text


def _yes(value: bool | None, yes: str, no: str) -> str | None:
    return None if value is None else (yes if value else no)
