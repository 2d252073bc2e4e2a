"""The account editor and the password dialog without a network: what they check before
asking anyone, which fields each login method shows, what reaches the account and the
keyring when the clerk saves, and that a refused change leaves the account as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dso_desktop import secretstore
from dso_desktop.domain import LoginMethod
from dso_desktop.gui.accountdialogs import AccountEditDialog, PasswordDialog
from dso_desktop.services.accounts import AccountError
from dso_desktop.services.types import AccountSpec

PASSWORD = "Heslo-obce-1"


@pytest.fixture
def account(ctx: Any) -> Any:
    ctx.app.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, "obec01", "test"),
                         password=PASSWORD, save_password=True)
    return ctx.app.accounts.get("obec")


@pytest.fixture
def cert_file(tmp_path: Path) -> Path:
    p = tmp_path / "spisovka.pem"
    p.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    return p


def edit_dialog(qtbot: Any, ctx: Any, name: str = "obec") -> AccountEditDialog:
    dlg = AccountEditDialog(ctx, ctx.app.accounts.get(name))
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def save(qtbot: Any, dlg: AccountEditDialog) -> None:
    with qtbot.waitSignal(dlg.saved, timeout=10_000) as done:
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    assert done.args == [dlg.view.name]


# --- the password dialog ------------------------------------------------------------------


def password_dialog(qtbot: Any, ctx: Any, name: str = "obec", **kw: Any) -> PasswordDialog:
    dlg = PasswordDialog(ctx, ctx.app.accounts.get(name), **kw)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_a_saved_password_is_not_asked_again(qtbot: Any, ctx: Any, account: Any) -> None:
    dlg = password_dialog(qtbot, ctx)
    assert not dlg.old.isVisible() and not dlg.old_label.isVisible()
    assert dlg.windowTitle() == "Změna hesla – obec"
    assert dlg.problems() == ["Zadejte nové heslo."]


def test_the_password_fields_are_checked_before_isds_is_asked(qtbot: Any, ctx: Any) -> None:
    ctx.app.accounts.add(AccountSpec("podatelna", LoginMethod.PASSWORD, "pod01", "test"))
    dlg = password_dialog(qtbot, ctx, "podatelna")
    assert dlg.old.isVisible()  # no saved password: the current one must be typed
    assert dlg.problems() == ["Zadejte současné heslo.", "Zadejte nové heslo."]
    dlg.old.setText("Stare-1234")
    dlg.new.setText("Nove-12345")
    dlg.repeat.setText("Nove-1234")
    assert dlg.problems() == ["Nové heslo a jeho zopakování se liší."]
    dlg.new.setText("Stare-1234")
    dlg.repeat.setText("Stare-1234")
    assert dlg.problems() == ["Nové heslo se musí lišit od současného."]
    dlg.ok_button.click()
    assert dlg.status.text() == "Nové heslo se musí lišit od současného."
    assert not dlg.busy and dlg.isVisible()
    assert ctx.tasks.pending == 0  # nothing was sent anywhere


def test_the_password_fields_hide_what_is_typed(qtbot: Any, ctx: Any, account: Any) -> None:
    from PySide6.QtWidgets import QLineEdit

    dlg = password_dialog(qtbot, ctx)
    assert {e.echoMode() for e in (dlg.old, dlg.new, dlg.repeat)} == {
        QLineEdit.EchoMode.Password}


@pytest.mark.parametrize("method", [LoginMethod.CERT, LoginMethod.HOSTED,
                                    LoginMethod.MOBILE_KEY])
def test_methods_without_a_changeable_password_are_refused_in_czech(
        qtbot: Any, ctx: Any, cert_file: Path, method: LoginMethod) -> None:
    ctx.app.accounts.add(AccountSpec("spis", method, "spis01", "test", cert_file=cert_file))
    dlg = password_dialog(qtbot, ctx, "spis")
    assert not dlg.ok_button.isEnabled()
    assert dlg.status.text() == "U tohoto způsobu přihlášení nemůže aplikace heslo změnit."


def test_an_expired_password_is_named_in_the_intro(qtbot: Any, ctx: Any, account: Any) -> None:
    from PySide6.QtWidgets import QLabel

    dlg = password_dialog(qtbot, ctx, expired=True)
    texts = [w.text() for w in dlg.findChildren(QLabel)]
    assert "Platnost hesla k této datové schránce vypršela. Zvolte nové heslo." in texts


def test_a_change_refused_by_the_service_keeps_the_saved_password(
        qtbot: Any, ctx: Any, account: Any) -> None:
    # Offline: the service cannot reach ISDS; the dialog must say so and keep everything.
    dlg = password_dialog(qtbot, ctx)
    dlg.new.setText("Nove-heslo-9")
    dlg.repeat.setText("Nove-heslo-9")
    with qtbot.waitSignal(dlg.failed, timeout=30_000) as failed:
        dlg.ok_button.click()
        assert dlg.busy and not dlg.ok_button.isEnabled()
        assert dlg.status.text() == "Heslo se mění v ISDS…"
    assert isinstance(failed.args[0], Exception)
    assert not dlg.busy and dlg.ok_button.isEnabled() and dlg.isVisible()
    assert dlg.status.text() and dlg.status.text() != "Heslo se mění v ISDS…"
    assert secretstore.get_secret("obec", "password") == PASSWORD


def test_closing_the_password_dialog_cancels_a_running_change(qtbot: Any, ctx: Any,
                                                               account: Any) -> None:
    dlg = password_dialog(qtbot, ctx)
    cancel = dlg.cancel
    dlg.reject()
    assert cancel.is_set() and not dlg.isVisible()


# --- the account editor: which fields --------------------------------------------------


@pytest.mark.parametrize(("method", "cert", "password"), [
    (LoginMethod.PASSWORD, False, True),
    (LoginMethod.CERT, True, False),
    (LoginMethod.CERT_PASSWORD, True, True),
    (LoginMethod.HOSTED, True, False),
    (LoginMethod.TOTP, False, True),
    (LoginMethod.HOTP, False, True),
    (LoginMethod.MOBILE_KEY, False, True),
])
def test_each_login_method_shows_its_own_fields(qtbot: Any, ctx: Any, account: Any,
                                                method: LoginMethod, cert: bool,
                                                password: bool) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.method.setCurrentIndex(dlg.method.findData(str(method)))
    assert dlg.login_method() is method
    for w in (dlg.cert_row, dlg.key_row, dlg.key_passphrase, dlg.cert_label):
        assert w.isVisible() is cert
    for w in (dlg.password, dlg.save_password, dlg.password_label):
        assert w.isVisible() is password


def test_the_editor_opens_with_the_accounts_values(qtbot: Any, ctx: Any, account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    assert dlg.windowTitle() == "Upravit datovou schránku – obec"
    assert dlg.username.text() == "obec01"
    assert dlg.environment.currentData() == "test"
    assert dlg.accept_radio.isChecked() and not dlg.no_accept_radio.isChecked()
    assert dlg.save_password.isChecked()
    assert dlg.password.text() == ""  # the saved password is never shown
    assert dlg.changes() == {}


def test_an_unchanged_account_saves_nothing(qtbot: Any, ctx: Any, account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    save(qtbot, dlg)
    assert ctx.app.accounts.get("obec") == account
    assert secretstore.get_secret("obec", "password") == PASSWORD


def test_user_name_environment_and_receive_mode_are_saved(qtbot: Any, ctx: Any,
                                                         account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.username.setText("  obec02 ")
    dlg.environment.setCurrentIndex(dlg.environment.findData("production"))
    dlg.no_accept_radio.setChecked(True)
    assert dlg.changes() == {"username": "obec02", "environment": "production",
                             "sync_received": False}
    save(qtbot, dlg)
    view = ctx.app.accounts.get("obec")
    assert (view.username, view.environment, view.sync_received) == (
        "obec02", "production", False)
    assert not view.delivery_confirmed  # the § 17(3) answer is asked again


def test_a_typed_server_address_becomes_the_environment(qtbot: Any, ctx: Any,
                                                        account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.environment.setEditText("https://127.0.0.1:8443/")
    assert dlg.changes() == {"environment": "https://127.0.0.1:8443/"}
    save(qtbot, dlg)
    assert ctx.app.accounts.get("obec").environment == "https://127.0.0.1:8443"
    again = edit_dialog(qtbot, ctx)  # an address not in the list is shown as it is
    assert again.environment.currentText() == "https://127.0.0.1:8443"
    assert again.changes() == {}


def test_a_bad_environment_is_refused_and_nothing_changes(qtbot: Any, ctx: Any,
                                                          account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.environment.setEditText("http://isds.example")  # not HTTPS
    dlg.username.setText("jiny")
    with qtbot.waitSignal(dlg.failed, timeout=10_000) as failed:
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    assert isinstance(failed.args[0], AccountError)
    assert dlg.isVisible() and dlg.status.text() not in ("", "Ukládám…")
    assert ctx.app.accounts.get("obec") == account


def test_switching_to_a_certificate_login_needs_the_certificate(
        qtbot: Any, ctx: Any, account: Any, cert_file: Path) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.method.setCurrentIndex(dlg.method.findData("cert"))
    with qtbot.waitSignal(dlg.failed, timeout=10_000) as failed:
        dlg.buttons.button(dlg.buttons.StandardButton.Save).click()
    assert isinstance(failed.args[0], AccountError)
    assert ctx.app.accounts.get("obec").login_method == "password"
    dlg.cert_file.setText(str(cert_file))
    assert dlg.changes() == {"login_method": "cert", "cert_file": cert_file}
    save(qtbot, dlg)
    view = ctx.app.accounts.get("obec")
    assert view.login_method == "cert" and view.cert_file == str(cert_file.resolve())


def test_a_certificate_field_is_ignored_for_a_password_login(qtbot: Any, ctx: Any,
                                                             account: Any,
                                                             cert_file: Path) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.cert_file.setText(str(cert_file))
    dlg.key_file.setText(str(cert_file))
    assert dlg.changes() == {}  # hidden fields do not travel


def test_unticking_save_password_removes_it_from_the_keyring_only(
        qtbot: Any, ctx: Any, account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.save_password.setChecked(False)
    save(qtbot, dlg)
    assert secretstore.get_secret("obec", "password") is None
    assert not ctx.app.accounts.get("obec").password_saved
    assert ctx.app.accounts.password("obec") == PASSWORD  # still known for this run


def test_a_new_password_typed_in_the_editor_is_saved(qtbot: Any, ctx: Any,
                                                     account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.password.setText("Jine-heslo-77")
    save(qtbot, dlg)
    assert secretstore.get_secret("obec", "password") == "Jine-heslo-77"


def test_a_new_password_with_save_unticked_is_kept_for_this_run(qtbot: Any, ctx: Any,
                                                               account: Any) -> None:
    dlg = edit_dialog(qtbot, ctx)
    dlg.password.setText("Docasne-heslo-1")
    dlg.save_password.setChecked(False)
    save(qtbot, dlg)
    # Regression: the old password stayed in the keyring (and the account said "saved").
    assert secretstore.get_secret("obec", "password") is None
    assert not ctx.app.accounts.get("obec").password_saved
    assert ctx.app.accounts.password("obec") == "Docasne-heslo-1"


def test_a_certificate_passphrase_goes_to_the_keyring(qtbot: Any, ctx: Any,
                                                      cert_file: Path) -> None:
    ctx.app.accounts.add(AccountSpec("spis", LoginMethod.CERT, "spis01", "test",
                                     cert_file=cert_file))
    dlg = edit_dialog(qtbot, ctx, "spis")
    assert dlg.key_passphrase.placeholderText() == "(beze změny)"
    dlg.key_passphrase.setText("tajna-fraze")
    save(qtbot, dlg)
    assert secretstore.get_secret("spis", "cert-password") == "tajna-fraze"
