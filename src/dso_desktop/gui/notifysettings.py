"""Settings for notifications: the tray and background sync, and the e-mail digest."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QWidget,
)

from dso_desktop.gui.context import GuiContext

if TYPE_CHECKING:
    from dso_desktop.settings import Settings


class TraySettingsBox(QGroupBox):
    """Close to the tray, sync on start. Without a tray the option is off and says why."""

    def __init__(self, tray: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Background work"))
        self.tray = tray
        self.sync_on_start = QCheckBox(self.tr("Synchronize all data boxes after start"))
        self.close_to_tray = QCheckBox(self.tr(
            "Closing the window keeps the application running in the system tray "
            "(with automatic synchronization on)"))
        self.close_to_tray.setAccessibleName(self.tr("Keep running in the system tray"))
        self.no_tray_note = QLabel(self.tr(
            "This desktop has no system tray: closing the window quits the application, "
            "and automatic synchronization stops with it."))
        self.no_tray_note.setWordWrap(True)
        self.no_tray_note.setAccessibleName(self.tr("No system tray"))
        form = QFormLayout(self)
        form.addRow("", self.sync_on_start)
        form.addRow("", self.close_to_tray)
        form.addRow("", self.no_tray_note)
        self.close_to_tray.setEnabled(tray)
        self.no_tray_note.setVisible(not tray)

    def load(self, settings: Settings) -> None:
        self.sync_on_start.setChecked(settings.sync_on_start)
        self.close_to_tray.setChecked(settings.close_to_tray and self.tray)

    def changes(self, settings: Settings | None) -> dict[str, Any]:
        out: dict[str, Any] = {"sync_on_start": self.sync_on_start.isChecked()}
        if self.tray:  # without a tray the stored choice stays for a desktop that has one
            out["close_to_tray"] = self.close_to_tray.isChecked()
        return out


class EmailSettingsBox(QGroupBox):
    """The e-mail digest: server, addresses, password (to the keyring), content opt-in."""

    test_requested = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setTitle(self.tr("E-mail notification"))
        self.enabled = QCheckBox(self.tr(
            "After each synchronization, e-mail a digest of new messages and due items"))
        self.to = QLineEdit()
        self.to.setAccessibleName(self.tr("Recipient address"))
        self.to.setPlaceholderText("podatelna@obec.example")
        self.sender_address = QLineEdit()
        self.sender_address.setAccessibleName(self.tr("Sender address"))
        self.sender_address.setPlaceholderText(self.tr("(the login name)"))
        self.host = QLineEdit()
        self.host.setAccessibleName(self.tr("SMTP server"))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setAccessibleName(self.tr("SMTP port"))
        self.security = QComboBox()
        self.security.addItem(self.tr("STARTTLS (port 587)"), "starttls")
        self.security.addItem(self.tr("TLS from the start – SMTPS (port 465)"), "tls")
        self.security.setAccessibleName(self.tr("Encryption"))
        self.security.currentIndexChanged.connect(self._security_changed)
        self.username = QLineEdit()
        self.username.setAccessibleName(self.tr("SMTP user name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("SMTP password"))
        self.ca_file = QLineEdit()
        self.ca_file.setAccessibleName(self.tr("CA certificate of the mail server"))
        self.ca_file.setPlaceholderText(self.tr("(the system's certificate authorities)"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose_ca)
        self.content = QListWidget()
        self.content.setAccessibleName(self.tr("Data boxes whose message content is e-mailed"))
        self.content.setMaximumHeight(70)
        self.test = QPushButton(self.tr("Send a test e-mail"))
        self.test.clicked.connect(self.test_requested)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("E-mail notification status"))

        form = QFormLayout(self)
        form.addRow("", self.enabled)
        form.addRow(self.tr("Send to:"), self.to)
        form.addRow(self.tr("Sender:"), self.sender_address)
        server = QHBoxLayout()
        server.addWidget(self.host, 1)
        server.addWidget(self.port)
        form.addRow(self.tr("SMTP server:"), server)
        form.addRow(self.tr("Encryption:"), self.security)
        form.addRow(self.tr("User name:"), self.username)
        form.addRow(self.tr("Password:"), self.password)
        ca = QHBoxLayout()
        ca.addWidget(self.ca_file, 1)
        ca.addWidget(browse)
        form.addRow(self.tr("Server CA:"), ca)
        form.addRow(self.tr("Include content (and the ZFO) for:"), self.content)
        note = QLabel(self.tr(
            "For other data boxes the e-mail names only the message numbers. The password "
            "is kept in the system's password store, never in the archive."))
        note.setWordWrap(True)
        form.addRow("", note)
        test_row = QHBoxLayout()
        test_row.addWidget(self.status, 1)
        test_row.addWidget(self.test)
        form.addRow("", test_row)
        self._password_saved = False

    def _security_changed(self, _i: int) -> None:
        # Follow the usual port of the chosen mode unless the user set another one.
        if self.port.value() in (465, 587):
            self.port.setValue(465 if self.security.currentData() == "tls" else 587)

    def _choose_ca(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, self.tr("CA certificate"), "", self.tr("Certificates (*.pem *.crt *.cer)"))
        if path:
            self.ca_file.setText(path)

    def load(self, settings: Settings, accounts: list[str], password_saved: bool) -> None:
        self.enabled.setChecked(settings.notify_email)
        self.to.setText(settings.notify_email_to)
        self.sender_address.setText(settings.notify_email_from)
        self.host.setText(settings.notify_smtp_host)
        self.security.blockSignals(True)
        self.security.setCurrentIndex(max(0, self.security.findData(
            settings.notify_smtp_security)))
        self.security.blockSignals(False)
        self.port.setValue(settings.notify_smtp_port)
        self.username.setText(settings.notify_smtp_username)
        self.ca_file.setText(settings.notify_smtp_ca_file or "")
        self._password_saved = password_saved
        self.password.clear()
        self.password.setPlaceholderText(
            self.tr("(saved; type to replace)") if password_saved else "")
        self.content.clear()
        chosen = set(settings.notify_content_accounts)
        for name in accounts:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in chosen
                               else Qt.CheckState.Unchecked)
            self.content.addItem(item)

    def changes(self) -> dict[str, Any]:
        accounts = tuple(
            self.content.item(i).text() for i in range(self.content.count())
            if self.content.item(i).checkState() == Qt.CheckState.Checked)
        return {
            "notify_email": self.enabled.isChecked(),
            "notify_email_to": self.to.text().strip(),
            "notify_email_from": self.sender_address.text().strip(),
            "notify_smtp_host": self.host.text().strip(),
            "notify_smtp_port": self.port.value(),
            "notify_smtp_security": str(self.security.currentData()),
            "notify_smtp_username": self.username.text().strip(),
            "notify_smtp_ca_file": self.ca_file.text().strip() or None,
            "notify_content_accounts": accounts,
        }

    def new_password(self) -> str | None:
        """The password typed now (None: keep the saved one)."""
        return self.password.text() or None

    def send_test(self, base: Settings) -> None:
        """Send a test mail with what the dialog shows now (nothing is saved)."""
        settings = dataclasses.replace(base, **self.changes())
        password = self.new_password()
        svc = self.ctx.app.notify
        self.test.setEnabled(False)
        self.status.setText(self.tr("Sending…"))

        def done(recipient: str) -> None:
            self.test.setEnabled(True)
            self.status.setText(self.tr("The test e-mail was sent to %1.").replace(
                "%1", recipient))

        def failed(exc: BaseException) -> None:
            from dso_desktop.gui.errors import describe

            self.test.setEnabled(True)
            plain, _detail = describe(exc)
            self.status.setText(self.tr("The test e-mail was not sent: %1").replace(
                "%1", plain))

        self.ctx.tasks.run_net(lambda: svc.send_test(settings, password), done, failed,
                               owner=self)
