"""Account dialogs: change the password in ISDS, edit an account's settings."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.domain import LoginMethod
from dso_desktop.gui.bridge import BlockingPrompt
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import describe

if TYPE_CHECKING:
    from dso_desktop.isds.login import OtpChallenge
    from dso_desktop.services.types import AccountView

log = logging.getLogger(__name__)

# Login methods whose password this application can change (as services.accounts).
CHANGEABLE = {LoginMethod.PASSWORD, LoginMethod.CERT_PASSWORD, LoginMethod.TOTP,
              LoginMethod.HOTP}
NEEDS_CERT = {LoginMethod.CERT, LoginMethod.CERT_PASSWORD, LoginMethod.HOSTED}
HAS_PASSWORD = CHANGEABLE | {LoginMethod.MOBILE_KEY}


def _error_text(exc: BaseException) -> str:
    """The plain sentence and, when ISDS said why (e.g. the new password breaks its
    rules), ISDS's own Czech reason."""
    plain, _detail = describe(exc)
    reason = getattr(exc, "server_message", None)
    return plain + (f"\n{reason}" if reason and reason not in plain else "")


class PasswordDialog(QDialog):
    """Change the account's password in ISDS; the saved one follows only after ISDS
    accepted. For SMS logins ISDS texts a code, for HOTP the authenticator shows one."""

    changed = Signal(str)
    failed = Signal(object)

    def __init__(self, ctx: GuiContext, view: AccountView, parent: QWidget | None = None,
                 *, expired: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.account = view.name
        self.method = LoginMethod(view.login_method)
        self.busy = False
        self.cancel = threading.Event()
        # Asked on the GUI thread for the SMS/HOTP code; replaceable (tests, automation).
        self.code_provider = self._ask_code
        self.setWindowTitle(self.tr("Change password – %1").replace("%1", view.name))
        intro = QLabel(
            self.tr("The password of this data box has expired. Choose a new one.")
            if expired else
            self.tr("The new password is set in ISDS; the saved password is replaced only "
                    "after ISDS accepts it."))
        intro.setWordWrap(True)
        self.old = QLineEdit()
        self.old.setEchoMode(QLineEdit.EchoMode.Password)
        self.old.setAccessibleName(self.tr("Current password"))
        self.new = QLineEdit()
        self.new.setEchoMode(QLineEdit.EchoMode.Password)
        self.new.setAccessibleName(self.tr("New password"))
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName(self.tr("New password again"))
        rules = QLabel(self.tr("ISDS rules: 8 to 32 characters, letters and digits, not the "
                               "user name, not the old password."))
        rules.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Result"))
        form = QFormLayout()
        self.old_label = QLabel(self.tr("Current password:"))
        form.addRow(self.old_label, self.old)
        # With a saved password the current one need not be typed (it is taken from there).
        self.old_label.setVisible(not view.password_saved)
        self.old.setVisible(not view.password_saved)
        form.addRow(self.tr("New password:"), self.new)
        form.addRow(self.tr("New password again:"), self.repeat)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Change password"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        # Wide enough that the intro and the ISDS rules read as sentences, not a column of
        # three-word lines (as the first screenshot showed).
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 34)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(rules)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        if self.method not in CHANGEABLE:
            self.status.setText(self.tr("This login method has no password the application "
                                        "can change."))
            self.ok_button.setEnabled(False)

    def problems(self) -> list[str]:
        out = []
        if self.old.isVisible() and not self.old.text():
            out.append(self.tr("Enter the current password."))
        if not self.new.text():
            out.append(self.tr("Enter the new password."))
        elif self.new.text() != self.repeat.text():
            out.append(self.tr("The new password and its repetition differ."))
        elif self.old.text() and self.new.text() == self.old.text():
            out.append(self.tr("The new password must differ from the current one."))
        return out

    def submit(self) -> None:
        if self.busy:
            return
        problems = self.problems()
        if problems:
            self.status.setText(" ".join(problems))
            return
        old = self.old.text() if self.old.isVisible() else None
        new = self.new.text()
        name = self.account
        accounts = self.ctx.app.accounts
        self.cancel = threading.Event()
        otp = BlockingPrompt(lambda ch: self.code_provider(ch), self.cancel, self)

        def work() -> AccountView:
            return accounts.change_password(name, new, old_password=old, otp_provider=otp,
                                            cancel=self.cancel)

        def done(_view: AccountView) -> None:
            self._busy(False, self.tr("The password was changed."))
            self.changed.emit(name)
            self.accept()

        def failed(exc: BaseException) -> None:
            self._busy(False, _error_text(exc))
            self.failed.emit(exc)

        self._busy(True, self.tr("Changing the password in ISDS…"))
        self.ctx.tasks.run_net(work, done, failed, owner=self)

    def _busy(self, busy: bool, text: str) -> None:
        self.busy = busy
        self.ok_button.setEnabled(not busy)
        self.status.setText(text)

    def _ask_code(self, challenge: OtpChallenge) -> str | None:
        text, ok = QInputDialog.getText(
            self, self.tr("Security code"),
            self.tr("Enter the security code you received by SMS or see in the "
                    "authenticator:"))
        return text.strip() if ok else None

    def reject(self) -> None:
        self.cancel.set()
        super().reject()


class AccountEditDialog(QDialog):
    """Edit a data box: login method, user name, certificate (PEM or PKCS#12 with its
    passphrase), environment, receive mode and the saved password."""

    saved = Signal(str)
    failed = Signal(object)

    def __init__(self, ctx: GuiContext, view: AccountView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from dso_desktop.gui.wizard import _file_row, login_method_box

        self.ctx = ctx
        self.view = view
        self.busy = False
        self.setWindowTitle(self.tr("Edit data box – %1").replace("%1", view.name))
        self.method = login_method_box()
        self.method.setCurrentIndex(self.method.findData(view.login_method))
        self.username = QLineEdit(view.username)
        self.username.setAccessibleName(self.tr("User name"))
        self.environment = QComboBox()
        self.environment.setEditable(True)
        self.environment.setAccessibleName(self.tr("Environment"))
        for value, text in (("production", self.tr("Production")),
                            ("test", self.tr("Test environment"))):
            self.environment.addItem(text, value)
        found = self.environment.findData(view.environment)
        if found < 0:
            self.environment.addItem(view.environment, view.environment)
            found = self.environment.count() - 1
        self.environment.setCurrentIndex(found)
        self.cert_file = QLineEdit(view.cert_file or "")
        self.cert_file.setAccessibleName(self.tr("Certificate file"))
        self.key_file = QLineEdit()
        self.key_file.setAccessibleName(self.tr("Private key file"))
        self.key_passphrase = QLineEdit()
        self.key_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_passphrase.setAccessibleName(self.tr("Passphrase of the certificate key"))
        self.key_passphrase.setPlaceholderText(self.tr("(unchanged)"))
        self.accept_radio = QRadioButton(
            self.tr("Download received messages (they become accepted)"))
        self.no_accept_radio = QRadioButton(
            self.tr("Do not accept: download only sent messages"))
        (self.accept_radio if view.sync_received else self.no_accept_radio).setChecked(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.password.setPlaceholderText(self.tr("(unchanged)"))
        self.save_password = QCheckBox(self.tr("Save the password in the system keyring"))
        self.save_password.setChecked(view.password_saved)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Result"))

        form = QFormLayout()
        form.addRow(self.tr("Login method:"), self.method)
        form.addRow(self.tr("User name:"), self.username)
        form.addRow(self.tr("Environment:"), self.environment)
        self.cert_label = QLabel(self.tr("Certificate (PEM or PKCS#12):"))
        self.cert_row = _file_row(self, self.cert_file, self.tr("Choose the certificate"),
                                  self.tr("Certificates (*.pem *.crt *.p12 *.pfx);;All (*)"))
        form.addRow(self.cert_label, self.cert_row)
        self.key_label = QLabel(self.tr("Private key (PEM, if separate):"))
        self.key_row = _file_row(self, self.key_file, self.tr("Choose the private key"),
                                 self.tr("Keys (*.pem *.key);;All (*)"))
        form.addRow(self.key_label, self.key_row)
        self.passphrase_label = QLabel(self.tr("Key passphrase:"))
        form.addRow(self.passphrase_label, self.key_passphrase)
        self.password_label = QLabel(self.tr("Saved password:"))
        form.addRow(self.password_label, self.password)
        form.addRow("", self.save_password)
        form.addRow(self.tr("Received messages:"), self.accept_radio)
        form.addRow("", self.no_accept_radio)
        self.receive_note = QLabel(self.tr(
            "Changing this makes the next synchronization ask again whether downloading "
            "received messages (which accepts them, § 17(3)) is wanted."))
        self.receive_note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.receive_note)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        self.method.currentIndexChanged.connect(self._update)
        self._update()

    def login_method(self) -> LoginMethod:
        return LoginMethod(self.method.currentData())

    def _update(self) -> None:
        m = self.login_method()
        for w in (self.cert_label, self.cert_row, self.key_label, self.key_row,
                  self.passphrase_label, self.key_passphrase):
            w.setVisible(m in NEEDS_CERT)
        for w in (self.password_label, self.password, self.save_password):
            w.setVisible(m in HAS_PASSWORD)

    def _environment(self) -> str:
        index = self.environment.currentIndex()
        text = self.environment.currentText().strip()
        if index >= 0 and self.environment.itemText(index) == text:
            return str(self.environment.itemData(index))
        return text

    def changes(self) -> dict[str, Any]:
        """What differs from the account now (only that is sent to the service)."""
        v = self.view
        fields: dict[str, Any] = {}
        m = self.login_method()
        if m.value != v.login_method:
            fields["login_method"] = m.value
        if self.username.text().strip() != v.username:
            fields["username"] = self.username.text().strip()
        env = self._environment()
        if env != v.environment:
            fields["environment"] = env
        if m in NEEDS_CERT:
            cert = self.cert_file.text().strip()
            if cert and cert != (v.cert_file or ""):
                fields["cert_file"] = Path(cert)
            key = self.key_file.text().strip()
            if key:
                fields["key_file"] = Path(key)
        if self.accept_radio.isChecked() != v.sync_received:
            fields["sync_received"] = self.accept_radio.isChecked()
        return fields

    def submit(self) -> None:
        if self.busy:
            return
        fields = self.changes()
        m = self.login_method()
        password = self.password.text() if m in HAS_PASSWORD and self.password.text() \
            else None
        save: bool | None = self.save_password.isChecked() if m in HAS_PASSWORD else None
        if save == self.view.password_saved and password is None:
            save = None  # unchanged
        passphrase = self.key_passphrase.text() if m in NEEDS_CERT and \
            self.key_passphrase.text() else None
        name = self.view.name
        accounts = self.ctx.app.accounts

        def work() -> AccountView:
            return accounts.edit(name, password=password, save_password=save,
                                 cert_password=passphrase, **fields)

        def done(_view: AccountView) -> None:
            self.busy = False
            self.saved.emit(name)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.status.setText(_error_text(exc))
            self.failed.emit(exc)

        self.busy = True
        self.status.setText(self.tr("Saving…"))
        self.ctx.tasks.run_store(work, done, failed, owner=self)
