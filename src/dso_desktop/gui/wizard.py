"""The account wizard: environment, login method, delivery by login, test login, save."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from dso_desktop.domain import LoginMethod
from dso_desktop.gui.bridge import BlockingPrompt, ProgressBridge
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import code_suffix, describe
from dso_desktop.gui.mobilekey import MobileKeyDialog

if TYPE_CHECKING:
    from dso_desktop.isds.login import MobileKeyState, OtpChallenge
    from dso_desktop.services.types import AccountSpec, AccountView
    from dso_desktop.simulator.control import SimAccount

log = logging.getLogger(__name__)

NEEDS_PASSWORD = {
    LoginMethod.PASSWORD,
    LoginMethod.CERT_PASSWORD,
    LoginMethod.HOTP,
    LoginMethod.TOTP,
    LoginMethod.MOBILE_KEY,
}
NEEDS_CERT = {LoginMethod.CERT, LoginMethod.CERT_PASSWORD, LoginMethod.HOSTED}


translate = QCoreApplication.translate


def login_method_box() -> QComboBox:
    """The login methods ISDS offers, as the wizard and the account editor show them (the
    item data is the `LoginMethod` value)."""
    box = QComboBox()
    box.setAccessibleName(translate("LoginPage", "Login method"))
    for method, text in (
        (LoginMethod.PASSWORD, translate("LoginPage", "User name and password")),
        (LoginMethod.TOTP, translate("LoginPage", "Password and SMS code")),
        (LoginMethod.HOTP, translate("LoginPage", "Password and security code (authenticator)")),
        (LoginMethod.MOBILE_KEY, translate("LoginPage", "Mobile key (approval in the phone app)")),
        (LoginMethod.CERT_PASSWORD, translate("LoginPage", "Certificate and password")),
        (LoginMethod.CERT, translate("LoginPage", "System certificate (records management)")),
        (LoginMethod.HOSTED, translate("LoginPage", "Hosted records-management certificate")),
    ):
        box.addItem(text, method.value)
    return box


def _file_row(parent: QWidget, edit: QLineEdit, title: str, pattern: str) -> QWidget:
    row = QWidget(parent)
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit, 1)
    button = QPushButton("…", row)
    button.setAccessibleName(title)
    button.setMaximumWidth(32)

    def choose() -> None:
        path, _f = QFileDialog.getOpenFileName(parent, title, "", pattern)
        if path:
            edit.setText(path)

    button.clicked.connect(choose)
    lay.addWidget(button)
    return row


class EnvironmentPage(QWizardPage):
    def __init__(self, ctx: GuiContext) -> None:
        super().__init__()
        self.setTitle(self.tr("Where is the data box?"))
        self.setSubTitle(self.tr("Choose the ISDS environment the data box belongs to."))
        self.production = QRadioButton(self.tr("Production ISDS (datovka.gov.cz)"))
        self.test = QRadioButton(self.tr("Public test environment of ISDS"))
        self.training = QRadioButton(self.tr("Training environment (embedded simulator)"))
        self.custom = QRadioButton(self.tr("Other server (URL)"))
        self.group = QButtonGroup(self)
        for b in (self.production, self.test, self.training, self.custom):
            self.group.addButton(b)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://…")
        self.url.setAccessibleName(self.tr("Server URL"))
        self.ca_file = QLineEdit()
        self.ca_file.setAccessibleName(self.tr("Extra CA certificate"))
        self._sim = ctx.sim_info
        self.training.setEnabled(self._sim is not None)
        if self._sim is not None:
            self.training.setChecked(True)
        else:
            self.production.setChecked(True)
        lay = QVBoxLayout(self)
        for b in (self.production, self.test, self.training, self.custom):
            lay.addWidget(b)
        form = QFormLayout()
        form.addRow(self.tr("Server URL:"), self.url)
        form.addRow(
            self.tr("Extra CA certificate:"),
            _file_row(
                self,
                self.ca_file,
                self.tr("Choose a CA certificate"),
                self.tr("Certificates (*.pem *.crt *.cer);;All (*)"),
            ),
        )
        lay.addLayout(form)
        note = QLabel(
            self.tr(
                "Certificate verification is always on; an extra CA certificate "
                "only adds a trusted authority."
            )
        )
        note.setWordWrap(True)
        lay.addWidget(note)
        lay.addStretch(1)
        self.custom.toggled.connect(self._toggle)
        self._toggle()

    def _toggle(self) -> None:
        on = self.custom.isChecked()
        self.url.setEnabled(on)
        self.ca_file.setEnabled(on)

    def environment(self) -> tuple[str, Path | None]:
        if self.training.isChecked() and self._sim is not None:
            return str(self._sim.url), Path(self._sim.ca_file)
        if self.test.isChecked():
            return "test", None
        if self.custom.isChecked():
            ca = self.ca_file.text().strip()
            return self.url.text().strip(), Path(ca) if ca else None
        return "production", None

    def validatePage(self) -> bool:
        if self.custom.isChecked() and not self.url.text().strip().startswith("https://"):
            self.url.setFocus()
            self.setSubTitle(self.tr("Enter an https:// address of the server."))
            return False
        return True


class LoginPage(QWizardPage):
    def __init__(self, ctx: GuiContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.setTitle(self.tr("How do you log in?"))
        self.setSubTitle(self.tr("Use the same login as on the ISDS web portal."))
        self.method = login_method_box()
        self.demo_user = QComboBox()
        self.demo_user.setAccessibleName(self.tr("Training user"))
        self.demo_user.addItem(self.tr("(enter yourself)"), None)
        for acc in ctx.sim_info.accounts if ctx.sim_info is not None else ():
            label = f"{acc.username} — {acc.login_method}"
            self.demo_user.addItem(label, acc)
        self.username = QLineEdit()
        self.username.setAccessibleName(self.tr("User name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.save_password = QCheckBox(self.tr("Save the password in the system keyring"))
        self.save_password.setToolTip(
            self.tr("Without this the password is asked for once per run of the application. "
                    "For SMS and authenticator logins only the code is asked each time.")
        )
        # Saving is the default: a clerk should not type the password at every start.
        self.save_password.setChecked(True)
        self.cert_file = QLineEdit()
        self.cert_file.setAccessibleName(self.tr("Certificate file"))
        self.key_file = QLineEdit()
        self.key_file.setAccessibleName(self.tr("Private key file"))
        self.key_passphrase = QLineEdit()
        self.key_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_passphrase.setAccessibleName(self.tr("Passphrase of the certificate key"))
        self.key_passphrase.setToolTip(self.tr(
            "Needed for a PKCS#12 file (.p12, .pfx) or an encrypted key; kept in the system "
            "keyring."))
        form = QFormLayout(self)
        self.demo_label = QLabel(self.tr("Training user:"))
        form.addRow(self.demo_label, self.demo_user)
        form.addRow(self.tr("Login method:"), self.method)
        form.addRow(self.tr("User name:"), self.username)
        self.password_label = QLabel(self.tr("Password:"))
        form.addRow(self.password_label, self.password)
        form.addRow("", self.save_password)
        self.cert_label = QLabel(self.tr("Certificate (PEM or PKCS#12):"))
        self.cert_row = _file_row(
            self,
            self.cert_file,
            self.tr("Choose the certificate"),
            self.tr("Certificates (*.pem *.crt *.p12 *.pfx);;All (*)"),
        )
        form.addRow(self.cert_label, self.cert_row)
        self.key_label = QLabel(self.tr("Private key (PEM, if separate):"))
        self.key_row = _file_row(
            self,
            self.key_file,
            self.tr("Choose the private key"),
            self.tr("Keys (*.pem *.key);;All (*)"),
        )
        form.addRow(self.key_label, self.key_row)
        self.passphrase_label = QLabel(self.tr("Key passphrase:"))
        form.addRow(self.passphrase_label, self.key_passphrase)
        self.method.currentIndexChanged.connect(self._update)
        self.demo_user.currentIndexChanged.connect(self._demo_user_chosen)
        self._update()

    def initializePage(self) -> None:
        wizard = self.wizard()
        training = isinstance(wizard, AccountWizard) and wizard.env_page.training.isChecked()
        self.demo_user.setVisible(training)
        self.demo_label.setVisible(training)

    def login_method(self) -> LoginMethod:
        return LoginMethod(self.method.currentData())

    def set_method(self, method: LoginMethod | str) -> None:
        self.method.setCurrentIndex(self.method.findData(LoginMethod(method).value))

    def _demo_user_chosen(self) -> None:
        acc: SimAccount | None = self.demo_user.currentData()
        if acc is None:
            return
        self.set_method(acc.login_method)
        self.username.setText(acc.username)
        self.password.setText(acc.password or "")
        self.cert_file.setText(acc.cert_file or "")
        self.key_file.setText(acc.key_file or "")

    def _update(self) -> None:
        m = self.login_method()
        pw = m in NEEDS_PASSWORD
        cert = m in NEEDS_CERT
        for w in (self.password, self.password_label, self.save_password):
            w.setVisible(pw)
        # The Mobile key login takes the communication code set up in the phone app.
        if m == LoginMethod.MOBILE_KEY:
            self.password_label.setText(self.tr("Communication code:"))
        else:
            self.password_label.setText(self.tr("Password:"))
        for widget in (self.cert_label, self.cert_row, self.key_label, self.key_row,
                       self.passphrase_label, self.key_passphrase):
            widget.setVisible(cert)

    def validatePage(self) -> bool:
        m = self.login_method()
        problems = []
        if not self.username.text().strip():
            problems.append(self.tr("Enter the user name."))
        if m in NEEDS_PASSWORD and not self.password.text():
            problems.append(self.tr("Enter the password."))
        if m in NEEDS_CERT and not Path(self.cert_file.text().strip()).is_file():
            problems.append(self.tr("Choose an existing certificate file."))
        if problems:
            self.setSubTitle(" ".join(problems))
            return False
        return True


class DeliveryPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Received messages and delivery by login"))
        text = QLabel(
            self.tr(
                "By law, a received data message is <b>accepted</b> (doručena) when a person "
                "authorised to read it logs in to the data box. Downloading the list of received "
                "messages in this application counts as such a login: every message that was "
                "delivered (dodána) becomes accepted, and legal deadlines start to run.<br><br>"
                "If you do not want this, choose not to accept: the application then downloads "
                "only sent messages, and received ones stay unaccepted (they are still accepted "
                "by fiction after 10 days unless fiction is excluded)."
            )
        )
        text.setWordWrap(True)
        self.accept_radio = QRadioButton(
            self.tr("Download received messages (they become accepted)")
        )
        self.no_accept_radio = QRadioButton(self.tr("Do not accept: download only sent messages"))
        self.accept_radio.setChecked(True)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.accept_radio)
        lay.addWidget(self.no_accept_radio)
        lay.addStretch(1)

    def sync_received(self) -> bool:
        return self.accept_radio.isChecked()


class FinishPage(QWizardPage):
    def __init__(self, wizard: AccountWizard) -> None:
        super().__init__()
        self._wiz = wizard
        self.setTitle(self.tr("Name and test login"))
        self.setSubTitle(
            self.tr(
                "The application logs in once to check the login; no "
                "messages are listed, so nothing is accepted."
            )
        )
        self.name = QLineEdit()
        self.name.setAccessibleName(self.tr("Account name"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Test login result"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setVisible(False)
        form = QFormLayout(self)
        form.addRow(self.tr("Account name:"), self.name)
        form.addRow(self.status)
        form.addRow(self.bar)
        self.setCommitPage(False)

    def initializePage(self) -> None:
        if not self.name.text():
            self.name.setText(self._wiz.login_page.username.text().strip())

    def isComplete(self) -> bool:
        return bool(self.name.text().strip()) and not self._wiz.busy

    def validatePage(self) -> bool:
        if self._wiz.verified:
            return True
        self._wiz.test_and_add()
        return False


class AccountWizard(QWizard):
    """Adds a data box; the login is tested before the wizard closes."""

    account_added = Signal(str)
    test_failed = Signal(object)
    # The login data are right but ISDS says the password has expired: the account is kept
    # and the window offers the password change at once.
    password_expired = Signal(str)

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Add a data box"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.env_page = EnvironmentPage(ctx)
        self.login_page = LoginPage(ctx)
        self.delivery_page = DeliveryPage()
        self.finish_page = FinishPage(self)
        for p in (self.env_page, self.login_page, self.delivery_page, self.finish_page):
            self.addPage(p)
        self.finish_page.name.textChanged.connect(
            lambda _t: self.finish_page.completeChanged.emit()
        )
        self.busy = False
        self.verified = False
        self.cancel = threading.Event()
        # Asked on the GUI thread for an SMS/HOTP code; replaceable (tests, automation).
        self.code_provider = self._ask_code
        self.resize(640, 480)

    def spec(self) -> AccountSpec:
        from dso_desktop.services.types import AccountSpec

        env, ca = self.env_page.environment()
        lp = self.login_page
        cert = lp.cert_file.text().strip() if lp.login_method() in NEEDS_CERT else ""
        key = lp.key_file.text().strip() if lp.login_method() in NEEDS_CERT else ""
        return AccountSpec(
            name=self.finish_page.name.text().strip(),
            login_method=lp.login_method(),
            username=lp.username.text().strip(),
            environment=env,
            cert_file=Path(cert) if cert else None,
            key_file=Path(key) if key else None,
            ca_file=ca,
            sync_received=self.delivery_page.sync_received(),
            # The delivery page is the § 17(3) question: its answer stands, the first sync
            # does not ask again.
            delivery_confirmed=self.delivery_page.sync_received(),
        )

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.finish_page.bar.setVisible(busy)
        self.finish_page.status.setText(text)
        self.finish_page.completeChanged.emit()

    def test_and_add(self) -> None:
        """Save the account, log in once; on failure remove it again and say why."""
        spec = self.spec()
        lp = self.login_page
        method = lp.login_method()
        password = lp.password.text() if method in NEEDS_PASSWORD else None
        passphrase = lp.key_passphrase.text() if method in NEEDS_CERT else ""
        save = lp.save_password.isChecked()
        accounts = self.ctx.app.accounts
        self.cancel = threading.Event()
        cancel = self.cancel
        bridge = ProgressBridge(self)
        dialogs: list[MobileKeyDialog] = []

        def on_mobile_key(state: MobileKeyState) -> None:
            if not dialogs:
                dlg = MobileKeyDialog(spec.name, cancel, self)
                dialogs.append(dlg)
                dlg.open()
            dialogs[0].update_state(state)

        bridge.mobile_key_state.connect(on_mobile_key)
        otp = BlockingPrompt(lambda ch: self.code_provider(ch), cancel, self)
        observer = bridge.mobile_key_observer()

        from dso_desktop.isds.errors import PasswordExpired

        def work() -> AccountView:
            accounts.add(spec, password=password, save_password=save)
            try:
                if passphrase:
                    accounts.set_cert_password(spec.name, passphrase)
                return accounts.test_login(
                    spec.name,
                    password=password,
                    otp_provider=otp,
                    mobile_key_observer=observer,
                    cancel=cancel,
                )
            except PasswordExpired:
                raise  # right credentials, expired password: keep it, offer the change
            except BaseException:
                accounts.remove(spec.name)
                raise

        def finish() -> None:
            for d in dialogs:
                d.done(0)
            bridge.deleteLater()

        def done(view: AccountView) -> None:
            finish()
            self.verified = True
            owner = view.owner_name or ""
            box = view.box_id or ""
            self._set_busy(
                False, self.tr("Logged in: %1 (%2)").replace("%1", owner).replace("%2", box)
            )
            self.account_added.emit(spec.name)
            self.accept()

        def failed(exc: BaseException) -> None:
            finish()
            if isinstance(exc, PasswordExpired):
                self.verified = True
                self._set_busy(False, describe(exc)[0])
                self.account_added.emit(spec.name)
                self.password_expired.emit(spec.name)
                self.accept()
                return
            plain, detail = describe(exc)
            code = getattr(exc, "code", None)
            text = plain + code_suffix(exc)
            if detail and not code:
                text += "\n" + detail.splitlines()[-1]
            self._set_busy(False, text)
            self.test_failed.emit(exc)

        self._set_busy(True, self.tr("Logging in…"))
        self.ctx.tasks.run_net(work, done, failed, owner=self)

    def _ask_code(self, challenge: OtpChallenge) -> str | None:
        text, ok = QInputDialog.getText(
            self,
            self.tr("Security code"),
            self.tr("Enter the security code you received by SMS or see in the authenticator:"),
        )
        return text.strip() if ok else None

    def reject(self) -> None:
        self.cancel.set()
        super().reject()
