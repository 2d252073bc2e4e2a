"""The wait dialog shown while the user approves a login in the Mobile key application."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from dso_desktop.isds.login import MobileKeyState


class MobileKeyDialog(QDialog):
    """Says what to do on the phone; Cancel sets the login's cancel event."""

    def __init__(self, account: str, cancel: threading.Event, parent: QWidget | None = None):
        super().__init__(parent)
        self._cancel = cancel
        self.setWindowTitle(self.tr("Mobile key"))
        self.setModal(True)
        self.message = QLabel(
            self.tr(
                "Approve the login to the data box \u201e%1\u201c in the Mobile key "
                "application on your phone."
            ).replace("%1", account)
        )
        self.message.setWordWrap(True)
        self.state = QLabel(self.tr("Waiting for approval…"))
        self.state.setAccessibleName(self.tr("Mobile key state"))
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setAccessibleName(self.tr("Waiting"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.state)
        layout.addWidget(bar)
        layout.addWidget(buttons)
        self.resize(420, 160)

    def update_state(self, state: MobileKeyState) -> None:
        """Say what the last mepWsStateUpdate2 answer means (its numeric ``status``)."""
        # Imported here: the login module is loaded by the login that calls us anyway.
        from dso_desktop.isds.login import MK_CONFIRMED, MK_EXPIRED

        texts = {
            MK_CONFIRMED: self.tr("Approved, logging in…"),
            MK_EXPIRED: self.tr("The request expired."),
        }
        # Waiting (1), push sent/failed (11-19) and an error (-1, which ends the login
        # with its own error message) leave the waiting text.
        self.state.setText(texts.get(state.status, self.tr("Waiting for approval…")))

    def reject(self) -> None:
        self._cancel.set()
        super().reject()
