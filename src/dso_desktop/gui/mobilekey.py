"""The wait dialog shown while the user approves a login in the Mobile key application."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)


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

    def update_state(self, state: Any) -> None:
        value = str(getattr(state, "value", state) or "")
        texts = {
            "waiting": self.tr("Waiting for approval…"),
            "approved": self.tr("Approved, logging in…"),
            "expired": self.tr("The request expired."),
            "rejected": self.tr("The login was rejected on the phone."),
        }
        self.state.setText(texts.get(value.lower(), self.tr("Waiting for approval…")))

    def reject(self) -> None:
        self._cancel.set()
        super().reject()
