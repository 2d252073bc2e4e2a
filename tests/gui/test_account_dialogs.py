"""Account dialogs driven through their widgets against the simulator: an expired password
is said to be expired and its change is offered; the password dialog (name+password and SMS
logins, a refusal by ISDS keeps the old password); the edit dialog; the wizard's defaults
(password saved, its § 17(3) answer stands)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox, QWizard

from dso_desktop import secretstore
from dso_desktop.domain import LoginMethod
from dso_desktop.gui.accountdialogs import AccountEditDialog, PasswordDialog
from dso_desktop.services.types import AccountSpec


def fresh(sim: Any, method: str, suffix: str) -> Any:
    """A copy of the simulator's ``method`` user with a known password (tests change it)."""
    base = sim.world.users[sim.account(method).username]
    user = dataclasses.replace(base, username=base.username[:4] + suffix,
                               password="Stare-heslo-1", failed_logins=[])
    sim.world.users[user.username] = user
    return user


def add(app: Any, sim: Any, user: Any, name: str, *, save: bool = True) -> None:
    app.accounts.add(AccountSpec(name, LoginMethod(user.login_method), user.username,
                                 sim.info.url, ca_file=Path(sim.info.ca_file)),
                     password=user.password, save_password=save)


def dialog(qtbot: Any, window: Any, cls: type) -> Any:
    qtbot.waitUntil(lambda: any(isinstance(d, cls) and d.isVisible()
                                for d in window._dialogs), timeout=10_000)
    return next(d for d in window._dialogs if isinstance(d, cls) and d.isVisible())


def test_expired_password_is_offered_a_change_not_called_wrong(
        qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> None:
    user = fresh(simulator, "password", "g1")
    add(sim_ctx.app, simulator, user, "obec")
    simulator.expire_password(user.username)
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    window.sync.confirm_delivery = lambda _a: True
    with qtbot.waitSignal(window.sync.job_failed, timeout=60_000):
        window.sync.sync("obec")
    assert "vypršela" in window.sync_label.text()
    assert "není správné" not in window.sync_label.text()
    box = window._sync_error_boxes[-1]
    assert isinstance(box, QMessageBox) and "vypršela" in box.text()
    change = next(b for b in box.buttons() if "Změnit heslo" in b.text())
    change.click()
    dlg = dialog(qtbot, window, PasswordDialog)
    assert not dlg.old.isVisible()  # the saved password is the current one
    dlg.new.setText("Nove-heslo-2027")
    dlg.repeat.setText("Nove-heslo-2027")
    with qtbot.waitSignal(dlg.changed, timeout=30_000):
        dlg.ok_button.click()
    assert simulator.world.users[user.username].password == "Nove-heslo-2027"
    assert secretstore.get_secret("obec", "password") == "Nove-heslo-2027"
    with qtbot.waitSignal(window.sync.job_finished, timeout=60_000):
        window.sync.sync("obec")


def test_refused_password_keeps_the_old_one_and_says_why(
        qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> None:
    user = fresh(simulator, "password", "g2")
    add(sim_ctx.app, simulator, user, "obec")
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    window.change_password("obec")
    dlg = dialog(qtbot, window, PasswordDialog)
    dlg.new.setText("Jine")
    dlg.repeat.setText("Jinak")
    dlg.ok_button.click()
    assert "liší" in dlg.status.text() and not dlg.busy  # checked before asking ISDS
    dlg.repeat.setText("Jine")
    with qtbot.waitSignal(dlg.failed, timeout=30_000):
        dlg.ok_button.click()
    assert "8–32" in dlg.status.text()  # ISDS's own reason, in Czech
    assert dlg.isVisible()
    assert secretstore.get_secret("obec", "password") == "Stare-heslo-1"
    assert simulator.world.users[user.username].password == "Stare-heslo-1"


def test_sms_login_password_change_asks_for_the_code(
        qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> None:
    user = fresh(simulator, "totp", "g3")
    add(sim_ctx.app, simulator, user, "sms", save=False)
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    window.change_password("sms")
    dlg = dialog(qtbot, window, PasswordDialog)
    assert dlg.old.isVisible()  # not saved: the current password is asked
    codes: list[Any] = []
    dlg.code_provider = lambda ch: codes.append(ch) or simulator.sms_code(user.username)
    dlg.old.setText("Stare-heslo-1")
    dlg.new.setText("Sms-heslo-2027")
    dlg.repeat.setText("Sms-heslo-2027")
    with qtbot.waitSignal(dlg.changed, timeout=30_000):
        dlg.ok_button.click()
    assert [c.method for c in codes] == [LoginMethod.TOTP]
    assert simulator.world.users[user.username].password == "Sms-heslo-2027"
    assert secretstore.get_secret("sms", "password") is None  # it was never saved
    assert sim_ctx.app.accounts.password("sms") == "Sms-heslo-2027"


def test_edit_dialog_changes_login_and_receive_mode(
        qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> None:
    app = sim_ctx.app
    user = fresh(simulator, "password", "g4")
    app.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, user.username, simulator.info.url,
                                 ca_file=Path(simulator.info.ca_file), delivery_confirmed=True),
                     password=user.password, save_password=True)
    assert app.accounts.get("obec").delivery_confirmed
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    window.edit_account("obec")
    dlg = dialog(qtbot, window, AccountEditDialog)
    assert dlg.accept_radio.isChecked() and dlg.save_password.isChecked()
    assert not dlg.cert_row.isVisible()
    cert = simulator.account("cert-password")
    dlg.method.setCurrentIndex(dlg.method.findData("cert-password"))
    assert dlg.cert_row.isVisible()
    dlg.cert_file.setText(cert.cert_file)
    dlg.key_file.setText(cert.key_file)
    dlg.username.setText(cert.username)
    dlg.no_accept_radio.setChecked(True)
    dlg.save_password.setChecked(False)
    with qtbot.waitSignal(dlg.saved, timeout=10_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    view = app.accounts.get("obec")
    assert view.login_method == "cert-password" and view.username == cert.username
    assert view.cert_file == str(Path(cert.cert_file).resolve())
    assert view.sync_received is False and view.delivery_confirmed is False
    assert view.password_saved is False  # moved out of the keyring, kept for this run
    assert secretstore.get_secret("obec", "password") is None
    assert app.accounts.password("obec") == user.password
    # A certificate method without a certificate is refused with a reason.
    window.edit_account("obec")
    dlg = dialog(qtbot, window, AccountEditDialog)
    dlg.environment.setEditText("ftp://nekde")
    with qtbot.waitSignal(dlg.failed, timeout=10_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    assert "https://" in dlg.status.text()
    assert app.accounts.get("obec").environment == simulator.info.url


def _wizard(window: Any, acc: Any, name: str, password: str) -> Any:
    wiz = window.add_account()
    assert wiz.env_page.training.isChecked()
    wiz.next()
    lp = wiz.login_page
    lp.set_method("password")
    lp.username.setText(acc.username)
    lp.password.setText(password)
    assert lp.save_password.isChecked()  # saving is the default
    wiz.next()
    assert wiz.delivery_page.accept_radio.isChecked()
    wiz.next()
    wiz.finish_page.name.setText(name)
    return wiz


def test_wizard_saves_the_password_and_its_delivery_answer_stands(
        qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> None:
    user = fresh(simulator, "password", "g5")
    wiz = _wizard(window, user, "obec", user.password)
    qtbot.addWidget(wiz)
    with qtbot.waitSignal(wiz.account_added, timeout=30_000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
    view = sim_ctx.app.accounts.get("obec")
    assert view.password_saved and view.delivery_confirmed
    asked: list[str] = []
    window.sync.confirm_delivery = lambda a: asked.append(a) or True
    with qtbot.waitSignal(window.sync.job_finished, timeout=60_000) as done:
        window.sync.sync("obec")
    assert asked == [] and done.args[1].received_synced


def test_wizard_with_an_expired_password_keeps_the_account_and_offers_the_change(
        qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> None:
    user = fresh(simulator, "password", "g6")
    simulator.expire_password(user.username)
    wiz = _wizard(window, user, "obec", user.password)
    qtbot.addWidget(wiz)
    with qtbot.waitSignal(wiz.password_expired, timeout=30_000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
    assert sim_ctx.app.accounts.exists("obec")
    box = window._sync_error_boxes[-1]
    assert "vypršela" in box.text()


@pytest.mark.parametrize("method", ["cert", "mobile-key"])
def test_password_dialog_refuses_methods_without_a_changeable_password(
        qtbot: Any, ctx: Any, method: str) -> None:
    from dso_desktop.services.types import AccountView

    view = AccountView(name="x", login_method=method, username="u", environment="test",
                       ca_file=None, cert_file=None, sync_received=True,
                       delivery_confirmed=False, mark_downloaded=False, box_id=None,
                       owner_name=None, last_sync_at=None, password_saved=False,
                       password_expires_at=None)
    dlg = PasswordDialog(ctx, view)
    qtbot.addWidget(dlg)
    assert not dlg.ok_button.isEnabled()


@pytest.mark.parametrize("method", ["totp", "hotp"])
def test_otp_login_with_saved_password_asks_only_the_code(
        qtbot: Any, window: Any, sim_ctx: Any, simulator: Any, method: str) -> None:
    user = fresh(simulator, method, "g7" if method == "totp" else "g8")
    add(sim_ctx.app, simulator, user, "kod")  # the password part is saved
    window.sync.interactive = True  # a missing password would be asked for

    def no_password(*_a: Any) -> None:
        pytest.fail("the saved password was asked for again")

    window.sync._ask_password_and_retry = no_password
    codes: list[Any] = []
    code = simulator.sms_code if method == "totp" else simulator.hotp_code
    window.sync.code_provider = lambda _account, ch: codes.append(ch) or code(user.username)
    window.sync.confirm_delivery = lambda _a: True
    with qtbot.waitSignal(window.sync.job_finished, timeout=60_000):
        window.sync.sync("kod")
    assert [c.method for c in codes] == [LoginMethod(method)]


def test_password_dialog_text_reads_as_sentences(qtbot: Any, ctx: Any) -> None:
    """The intro and the ISDS rules wrapped into a narrow column of short lines."""
    from dso_desktop.services.types import AccountView

    view = AccountView(name="x", login_method="password", username="u", environment="test",
                       ca_file=None, cert_file=None, sync_received=True,
                       delivery_confirmed=False, mark_downloaded=False, box_id=None,
                       owner_name=None, last_sync_at=None, password_saved=True,
                       password_expires_at=None)
    dlg = PasswordDialog(ctx, view)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.width() >= dlg.fontMetrics().horizontalAdvance("M") * 30
