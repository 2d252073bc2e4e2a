"""The compose dialog's commercial-message (PDZ) panel: how the box can pay (PDZInfo), its
credit, and whether a reply can use the prepaid reply the other side offered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dso_desktop.gui.errors import describe

if TYPE_CHECKING:
    from dso_desktop.gui.compose import ComposeDialog
    from dso_desktop.services.send import PdzOptions


class PdzPanel(QWidget):
    """Shown while the message type is a PDZ (K, I, O). ``blocked`` is True when ISDS
    would refuse to send it: no way to pay, or a reply whose prepaid reply is gone."""

    loaded = Signal(object)  # PdzOptions or the exception
    changed = Signal()

    def __init__(self, dialog: ComposeDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.options: PdzOptions | None = None
        self._for_account: str | None = None
        self.blocked = False
        self.loading = False
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName(self.tr("Payment of the commercial message"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        self.setVisible(False)

    def message_type(self) -> str | None:
        value = self.dialog.pdz.currentData()
        return str(value) if value else None

    def refresh(self) -> None:
        """The type, the account, a recipient or the reference changed."""
        if self.message_type() is None:
            self.setVisible(False)
            self._set_blocked(False)
            return
        self.setVisible(True)
        account = self.dialog.account.currentText()
        if self.options is None or self._for_account != account:
            self.load(account)
        else:
            self.evaluate()

    def load(self, account: str) -> None:
        if self.loading:
            return
        self.loading = True
        self._set_blocked(True)  # until ISDS said how the message would be paid
        self.label.setText(self.tr("Asking ISDS how the commercial message can be paid…"))
        svc = self.dialog.ctx.app.send

        def done(options: PdzOptions) -> None:
            self.loading = False
            self.options = options
            self._for_account = account
            self.evaluate()
            self.loaded.emit(options)

        def failed(exc: BaseException) -> None:
            self.loading = False
            self.options = None
            self.label.setText(self.tr("The payment options could not be read: %1")
                               .replace("%1", describe(exc)[0]))
            self._set_blocked(False)  # ISDS itself decides when sending
            self.loaded.emit(exc)

        self.dialog.ctx.tasks.run_net(lambda: svc.pdz_info(account), done, failed, owner=self)

    def _kind(self, pdz_type: str) -> str:
        names = {
            "E": self.tr("paid from the credit"),
            "K": self.tr("under a contract"),
            "G": self.tr("globally subsidised"),
            "Z": self.tr("subsidised (limited)"),
            "D": self.tr("subsidised by another box"),
        }
        return names.get(pdz_type, pdz_type)

    def evaluate(self) -> None:
        options = self.options
        if options is None:
            return
        lines: list[str] = []
        if options.credit is not None:
            lines.append(self.tr("Credit: %1 CZK").replace("%1", f"{options.credit:g}"))
        for r in options.records:
            if r.pdz_type == "O":
                until = r.expires.astimezone().strftime("%d.%m.%Y") if r.expires else "–"
                lines.append(self.tr("Prepaid reply to %1 (their reference %2), until %3")
                             .replace("%1", r.recipient or "").replace("%2", r.odz_ident or "")
                             .replace("%3", until))
            else:
                count = "" if r.count is None else self.tr(" (%1 messages)").replace(
                    "%1", str(r.count))
                lines.append(self.tr("Payment: %1").replace("%1", self._kind(r.pdz_type))
                             + count)
        blocked = False
        kind = self.message_type()
        if kind == "O":
            recipients = self.dialog.recipient_ids()
            ref = self.dialog.your_ref.text().strip()
            if len(recipients) != 1 or options.reply_offer(recipients[0], ref) is None:
                blocked = True
                lines.append(self.tr(
                    "No prepaid reply is open for this recipient and their reference number "
                    "(it was used or has expired). Choose another message type."))
            else:
                lines.append(self.tr("This reply uses the prepaid reply; the other side "
                                     "pays for it."))
        elif not options.can_pay:
            blocked = True
            lines.append(self.tr("This data box cannot pay for commercial messages."))
        self.label.setText("\n".join(lines))
        self._set_blocked(blocked)

    def _set_blocked(self, blocked: bool) -> None:
        self.blocked = blocked
        self.changed.emit()


def connect(dialog: ComposeDialog, panel: PdzPanel) -> Any:
    """Re-check the panel whenever what it depends on changes."""
    dialog.pdz.currentIndexChanged.connect(lambda _i: panel.refresh())
    dialog.account.currentIndexChanged.connect(lambda _i: panel.refresh())
    dialog.your_ref.textChanged.connect(lambda _t: panel.refresh())
    dialog.recipients.model().rowsInserted.connect(lambda *_a: panel.refresh())
    dialog.recipients.model().rowsRemoved.connect(lambda *_a: panel.refresh())
    panel.changed.connect(dialog._update_send)
    return panel
