"""The account wizard against the simulator, for every login method (incl. OTP, Mobile key)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QWizard

from dso_desktop.domain import LoginMethod
from dso_desktop.gui.mobilekey import MobileKeyDialog

METHODS = [m.value for m in LoginMethod]


def _secret(sim: Any, acc: Any) -> str:
    """The Mobile key login takes the communication code (komunikační kód) as its secret."""
    if acc.login_method == "mobile-key":
        assert acc.mobile_code
        return str(acc.mobile_code)
    return acc.password or ""


def _fill(wiz: Any, acc: Any, method: str, name: str, secret: str | None = None) -> None:
    assert wiz.env_page.training.isChecked()  # the simulator is offered as training env
    wiz.next()
    lp = wiz.login_page
    lp.set_method(method)
    lp.username.setText(acc.username)
    lp.password.setText(acc.password or "" if secret is None else secret)
    lp.cert_file.setText(acc.cert_file or "")
    lp.key_file.setText(acc.key_file or "")
    wiz.next()
    assert wiz.currentPage() is wiz.delivery_page
    wiz.next()
    assert wiz.currentPage() is wiz.finish_page
    wiz.finish_page.name.setText(name)


@pytest.mark.parametrize("method", METHODS)
def test_wizard_adds_account_with_each_login_method(
    qtbot: Any, window: Any, sim_ctx: Any, simulator: Any, method: str
) -> None:
    acc = simulator.account(method)
    wiz = window.add_account()
    qtbot.addWidget(wiz)
    _fill(wiz, acc, method, f"ucet-{method}", _secret(simulator, acc))
    codes: list[Any] = []
    if method == "totp":
        wiz.code_provider = lambda ch: codes.append(ch) or simulator.sms_code(acc.username)
    elif method == "hotp":
        wiz.code_provider = lambda ch: codes.append(ch) or simulator.hotp_code(acc.username)
    else:
        wiz.code_provider = lambda ch: pytest.fail(f"no code expected for {method}")
    with qtbot.waitSignal(wiz.account_added, timeout=30_000) as added:
        wiz.button(QWizard.WizardButton.FinishButton).click()
        if method == "mobile-key":
            qtbot.waitUntil(
                lambda: wiz.findChild(MobileKeyDialog) is not None or not wiz.busy,
                timeout=15_000,
            )
            assert wiz.busy, wiz.finish_page.status.text()
            dlg = wiz.findChild(MobileKeyDialog)
            assert "Mobilní klíč" in dlg.windowTitle()
            assert simulator.approve_mobile_key(acc.username)
    assert added.args == [f"ucet-{method}"]
    if method in ("totp", "hotp"):
        assert codes, "the code prompt was not used"
    view = sim_ctx.app.accounts.get(f"ucet-{method}")
    assert view.box_id == acc.box_id
    assert view.login_method == method
    assert not wiz.isVisible()


def test_password_is_saved_only_when_asked(
    qtbot: Any, window: Any, sim_ctx: Any, simulator: Any
) -> None:
    acc = simulator.account("password")
    for name, save in (("bez-hesla", False), ("s-heslem", True)):
        wiz = window.add_account()
        qtbot.addWidget(wiz)
        _fill(wiz, acc, "password", name)
        wiz.login_page.save_password.setChecked(save)
        with qtbot.waitSignal(wiz.account_added, timeout=30_000):
            wiz.button(QWizard.WizardButton.FinishButton).click()
        assert sim_ctx.app.accounts.get(name).password_saved is save


def test_wrong_password_is_explained_and_nothing_is_kept(
    qtbot: Any, window: Any, sim_ctx: Any, simulator: Any
) -> None:
    acc = simulator.account("password")
    wiz = window.add_account()
    qtbot.addWidget(wiz)
    _fill(wiz, acc, "password", "spatne")
    wiz.login_page.password.setText("not-the-password")
    with qtbot.waitSignal(wiz.test_failed, timeout=30_000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
    assert "heslo" in wiz.finish_page.status.text().lower()
    assert wiz.isVisible()
    assert not sim_ctx.app.accounts.exists("spatne")


def test_mobile_key_wait_can_be_cancelled(
    qtbot: Any, window: Any, sim_ctx: Any, simulator: Any
) -> None:
    acc = simulator.account("mobile-key")
    wiz = window.add_account()
    qtbot.addWidget(wiz)
    _fill(wiz, acc, "mobile-key", "zruseno", _secret(simulator, acc))
    with qtbot.waitSignal(wiz.test_failed, timeout=30_000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
        qtbot.waitUntil(
            lambda: wiz.findChild(MobileKeyDialog) is not None or not wiz.busy, timeout=15_000
        )
        assert wiz.busy, wiz.finish_page.status.text()
        wiz.findChild(MobileKeyDialog).reject()
    assert wiz.cancel.is_set()
    assert not sim_ctx.app.accounts.exists("zruseno")


def test_delivery_page_explains_acceptance_and_offers_not_to_accept(
    qtbot: Any, window: Any, sim_ctx: Any, simulator: Any
) -> None:
    acc = simulator.account("password")
    wiz = window.add_account()
    qtbot.addWidget(wiz)
    _fill(wiz, acc, "password", "jen-odeslane")
    wiz.back()
    page = wiz.delivery_page
    assert "doručen" in page.findChildren(type(wiz.finish_page.status))[0].text()
    page.no_accept_radio.setChecked(True)
    wiz.next()
    with qtbot.waitSignal(wiz.account_added, timeout=30_000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
    assert sim_ctx.app.accounts.get("jen-odeslane").sync_received is False


def test_system_certificate_as_pkcs12_with_a_passphrase(
    qtbot: Any, window: Any, sim_ctx: Any, simulator: Any, tmp_path: Any
) -> None:
    """An office's system certificate usually comes as a .p12 with a passphrase."""
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        load_pem_private_key,
        pkcs12,
    )

    from dso_desktop import secretstore

    acc = simulator.account("cert")
    cert = x509.load_pem_x509_certificate(Path(acc.cert_file).read_bytes())
    key = load_pem_private_key(Path(acc.key_file).read_bytes(), password=None)
    p12 = tmp_path / "system.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"urad", key, cert, None, BestAvailableEncryption(b"Fraze-123")))  # type: ignore[arg-type]
    wiz = window.add_account()
    qtbot.addWidget(wiz)
    _fill(wiz, acc, "cert", "ucet-p12")
    lp = wiz.login_page
    lp.cert_file.setText(str(p12))
    lp.key_file.setText("")
    lp.key_passphrase.setText("Fraze-123")
    wiz.code_provider = lambda ch: pytest.fail("no code expected")
    with qtbot.waitSignal(wiz.account_added, timeout=30_000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
    assert sim_ctx.app.accounts.get("ucet-p12").box_id == acc.box_id
    assert secretstore.get_secret("ucet-p12", "cert-password") == "Fraze-123"
