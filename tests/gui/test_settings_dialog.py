"""The settings dialog without a window: it shows what is stored, OK saves what the clerk
changed (and nothing on Cancel), bad input (a proxy, a trust anchor, a store address) is
refused in Czech before anything is written, and the archive database test answers in
Czech without leaving the dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dso_desktop.gui.settingsdialog import SettingsDialog


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What the dialog would show in an error box (the exception)."""
    shown: list[Any] = []
    monkeypatch.setattr("dso_desktop.gui.settingsdialog.show_error",
                        lambda parent, exc: shown.append(exc))
    return shown


def open_dialog(qtbot: Any, ctx: Any) -> SettingsDialog:
    dlg = SettingsDialog(ctx, tray=False)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.loaded, timeout=10_000):
        dlg.show()
    return dlg


def ok_button(dlg: SettingsDialog) -> Any:
    return dlg.buttons.button(dlg.buttons.StandardButton.Ok)


def test_ok_waits_until_the_settings_are_read(qtbot: Any, ctx: Any) -> None:
    dlg = SettingsDialog(ctx, tray=False)
    qtbot.addWidget(dlg)
    assert not ok_button(dlg).isEnabled()  # saving half-read settings would reset them
    with qtbot.waitSignal(dlg.loaded, timeout=10_000):
        pass
    assert ok_button(dlg).isEnabled()
    assert dlg.windowTitle() == "Nastavení"


def test_the_dialog_shows_the_stored_settings(qtbot: Any, ctx: Any) -> None:
    ctx.app.settings.update(sync_interval_minutes=45, proxy="http://proxy.urad.cz:3128",
                            trust_download=False, timestamp_warning_days=30,
                            deletion_warning_days=7, password_warning_days=21,
                            backup_interval="weekly", backup_folder="/srv/zalohy",
                            backup_keep=12, restamp_within_days=120,
                            undelivered_warning_days=5, tsa_url="https://tsa.example/tsr",
                            tsa_ca_file="/etc/tsa-ca.pem")
    dlg = open_dialog(qtbot, ctx)
    assert dlg.interval.value() == 45 and dlg.interval.text() == "45 min"
    assert dlg.proxy.text() == "http://proxy.urad.cz:3128"
    assert not dlg.trust_download.isChecked()
    assert (dlg.ts_days.value(), dlg.del_days.value(), dlg.pw_days.value()) == (30, 7, 21)
    assert dlg.backup_interval.currentData() == "weekly"
    assert dlg.backup_interval.currentText() == "týdně"
    assert (dlg.backup_folder.text(), dlg.backup_keep.value()) == ("/srv/zalohy", 12)
    assert (dlg.restamp_days.value(), dlg.undelivered_days.value()) == (120, 5)
    assert dlg.tsa_url.text() == "https://tsa.example/tsr"
    assert dlg.tsa_ca.text() == "/etc/tsa-ca.pem"
    assert dlg.ts_days.suffix() == " dní"


def test_scheduled_sync_off_is_said_in_words(qtbot: Any, ctx: Any) -> None:
    dlg = open_dialog(qtbot, ctx)
    assert dlg.interval.value() == 0 and dlg.interval.text() == "vypnuto"


def test_ok_saves_what_was_changed(qtbot: Any, ctx: Any) -> None:
    dlg = open_dialog(qtbot, ctx)
    dlg.interval.setValue(15)
    dlg.proxy.setText("  https://proxy.urad.cz:8443  ")
    dlg.del_days.setValue(3)
    dlg.backup_interval.setCurrentIndex(dlg.backup_interval.findData("daily"))
    dlg.backup_folder.setText(" /mnt/zalohy ")
    dlg.backup_keep.setValue(30)
    dlg.tsa_url.setText("   ")
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        ok_button(dlg).click()
    s = ctx.app.settings.get()
    assert s.sync_interval_minutes == 15 and s.proxy == "https://proxy.urad.cz:8443"
    assert s.deletion_warning_days == 3
    assert (s.backup_interval, s.backup_folder, s.backup_keep) == ("daily", "/mnt/zalohy", 30)
    assert s.tsa_url is None  # blank means "not set", not a URL of spaces
    assert not dlg.isVisible()


def test_an_empty_proxy_means_the_systems(qtbot: Any, ctx: Any) -> None:
    ctx.app.settings.update(proxy="http://old.proxy:3128")
    dlg = open_dialog(qtbot, ctx)
    dlg.proxy.clear()
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        ok_button(dlg).click()
    assert ctx.app.settings.get().proxy is None


def test_cancel_saves_nothing(qtbot: Any, ctx: Any) -> None:
    before = ctx.app.settings.get()
    dlg = open_dialog(qtbot, ctx)
    dlg.interval.setValue(99)
    dlg.proxy.setText("http://jiny:1")
    dlg.buttons.rejected.emit()
    assert ctx.app.settings.get() == before and not dlg.isVisible()


@pytest.mark.parametrize("proxy", ["ftp://proxy.urad.cz:21", "proxy.urad.cz:3128",
                                   "http://:3128", "http://proxy:99999"])
def test_a_malformed_proxy_is_refused_before_saving(qtbot: Any, ctx: Any, errors: list[Any],
                                                    proxy: str) -> None:
    # Regression: the dialog saved any text; the error came only at the next login.
    from dso_desktop.net import ProxyConfigError

    dlg = open_dialog(qtbot, ctx)
    dlg.interval.setValue(20)
    dlg.proxy.setText(proxy)
    ok_button(dlg).click()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert isinstance(errors[0], ProxyConfigError)
    assert errors[0].message_cs == "Nastavení proxy není platná adresa http(s)://server:port."
    s = ctx.app.settings.get()
    assert s.proxy is None and s.sync_interval_minutes == 0  # nothing of the form was saved
    assert dlg.isVisible()


def test_a_missing_trust_anchor_is_refused_in_czech(qtbot: Any, ctx: Any, errors: list[Any],
                                                    tmp_path: Path) -> None:
    dlg = open_dialog(qtbot, ctx)
    missing = tmp_path / "neni.pem"
    dlg.anchors.addItem(str(missing))
    ok_button(dlg).click()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert errors[0].message_cs == f"Soubor nebo složka {missing} neexistuje."
    assert ctx.app.settings.get().trust_anchors == ()


def test_a_file_without_a_ca_certificate_is_not_an_anchor(qtbot: Any, ctx: Any,
                                                          errors: list[Any],
                                                          tmp_path: Path) -> None:
    junk = tmp_path / "dopis.pem"
    junk.write_text("toto není certifikát")
    dlg = open_dialog(qtbot, ctx)
    dlg.anchors.addItem(str(junk))
    ok_button(dlg).click()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    from dso_desktop.services.trust import TrustAnchorError

    assert isinstance(errors[0], TrustAnchorError)
    assert ctx.app.settings.get().trust_anchors == ()


def test_a_ca_certificate_is_added_as_an_anchor(qtbot: Any, ctx: Any, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from dso_desktop.zfo.testpki import create_pki

    pki = create_pki()
    ca = tmp_path / "urad-ca.pem"
    ca.write_bytes(pki.ca_cert.public_bytes(serialization.Encoding.PEM))
    dlg = open_dialog(qtbot, ctx)
    dlg.anchors.addItem(str(ca))
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        ok_button(dlg).click()
    assert ctx.app.settings.get().trust_anchors == (str(ca),)
    again = open_dialog(qtbot, ctx)
    assert [again.anchors.item(i).text() for i in range(again.anchors.count())] == [str(ca)]


def test_without_an_installation_updates_are_explained(qtbot: Any, ctx: Any) -> None:
    dlg = open_dialog(qtbot, ctx)
    assert ctx.updates is None
    assert not dlg.check_now.isEnabled()
    assert dlg.update_status.text().startswith("Tato kopie se neaktualizuje sama")


@pytest.mark.parametrize(("state", "text", "enabled"), [
    ({"managed": True}, "Aktualizace této instalace zajišťuje IT oddělení", False),
    ({"admin_locked": True}, "Kontrolu aktualizací vypnul správce.", False),
    ({"last_result": {"ok": True, "at": "2026-05-04T08:00:00+00:00", "available": "2.1.0"}},
     "verze 2.1.0", True),
    ({"last_result": {"ok": True, "at": "2026-05-04T08:00:00+00:00"}}, "aktuální", True),
    ({}, "Zatím nezkontrolováno.", True),
])
def test_update_states_are_told_in_czech(qtbot: Any, ctx: Any, state: dict[str, Any],
                                         text: str, enabled: bool) -> None:
    dlg = open_dialog(qtbot, ctx)
    dlg.show_update_state(state)
    assert text in dlg.update_status.text()
    assert dlg.check_now.isEnabled() is enabled
    assert dlg.check_updates.isEnabled() is enabled


# --- the archive database ----------------------------------------------------------------


def test_an_empty_address_means_the_local_archive(qtbot: Any, ctx: Any) -> None:
    dlg = open_dialog(qtbot, ctx)
    assert dlg.store.url.text() == ""
    with qtbot.waitSignal(dlg.store.tested, timeout=5_000) as result:
        dlg.store.test.click()
    assert result.args == [True, "Používá se místní archiv v tomto počítači."]


def test_an_unreachable_database_is_reported_in_czech(qtbot: Any, ctx: Any) -> None:
    dlg = open_dialog(qtbot, ctx)
    dlg.store.url.setText("postgresql://urednik@127.0.0.1:1/dso")
    dlg.store.password.setText("tajne-heslo-db")
    with qtbot.waitSignal(dlg.store.tested, timeout=30_000) as result:
        dlg.store.test.click()
        assert not dlg.store.test.isEnabled()
        assert dlg.store.status.text() == "Připojuji…"
    ok, text = result.args
    assert ok is False and text.startswith("K databázi se nelze připojit")
    assert "tajne-heslo-db" not in text
    assert dlg.store.test.isEnabled() and dlg.isVisible()


def test_a_database_address_with_a_password_is_refused_by_the_test(qtbot: Any,
                                                                   ctx: Any) -> None:
    dlg = open_dialog(qtbot, ctx)
    dlg.store.url.setText("postgresql://karel:tajne@127.0.0.1:1/dso")
    with qtbot.waitSignal(dlg.store.tested, timeout=30_000) as result:
        dlg.store.test.click()
    ok, text = result.args
    assert ok is False and "tajne" not in text and text


def test_the_pending_store_choice(qtbot: Any, ctx: Any) -> None:
    dlg = open_dialog(qtbot, ctx)
    assert dlg.store.pending() == (None, "")
    dlg.store.url.setText("  postgresql://urednik@db.urad/dso ")
    dlg.store.password.setText("x")
    assert dlg.store.pending() == ("postgresql://urednik@db.urad/dso", "x")
