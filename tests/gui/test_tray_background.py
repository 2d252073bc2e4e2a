"""The tray and background work, on the real main window: closing keeps the app in the tray
(with background sync on), syncs run on their interval without asking anything, new
messages and due items raise tray notifications, Quit is in the tray menu; without a tray
closing quits and the settings say so; the e-mail digest is set up in the settings.

Offscreen has no tray: the window's ``tray_available`` seam says whether there is one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from tests.gui.conftest import add_sim_account
from tests.smtpserver import PASSWORD, USER, free_port, start_smtp

from dso_desktop.services.notify import DigestStatus, DueItem, NotifyService, SmtpUnreachable

# The offscreen platform has no tray and no window stacking; what it says when the test
# makes a tray icon anyway, or raises the window from the tray, is not a problem of ours.
pytestmark = pytest.mark.qt_log_ignore(
    r"No such signal QPlatformNativeInterface::systemTrayWindowChanged",
    r"This plugin does not support raise\(\)",
)


@pytest.fixture
def tray_window(qtbot: Any, ctx: Any) -> Iterator[Any]:
    from dso_desktop.gui.mainwindow import MainWindow

    w = MainWindow(ctx, tray_available=lambda: True)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.tree_loaded, timeout=10_000):
        w.start()
    yield w
    w.sync.cancel_all()
    QApplication.setQuitOnLastWindowClosed(True)


def notifications(w: Any) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    w.tray.notified.connect(lambda title, text: shown.append((title, text)))
    return shown


def apply(qtbot: Any, w: Any, **settings: Any) -> None:
    w.ctx.app.settings.update(**settings)
    w._settings = None
    w.apply_settings()
    qtbot.waitUntil(lambda: w._settings is not None, timeout=10_000)


def test_closing_with_background_sync_keeps_the_app_in_the_tray(qtbot: Any,
                                                                tray_window: Any) -> None:
    w = tray_window
    shown = notifications(w)
    apply(qtbot, w, sync_interval_minutes=15)
    assert w.schedule.isActive() and w.schedule.interval() == 15 * 60_000
    w.show()
    with qtbot.waitSignal(w.hidden_to_tray):
        assert w.close() is False  # refused: hidden instead
    assert not w.isVisible()
    assert w.schedule.isActive()  # background sync goes on
    assert not QApplication.quitOnLastWindowClosed()  # a closed dialog must not quit
    assert shown and "běží" in shown[0][0]
    # The icon brings it back; its menu quits.
    w.tray.act_open.trigger()
    assert w.isVisible() and QApplication.quitOnLastWindowClosed()
    menu = [a.text() for a in w.tray.menu.actions() if a.text()]
    assert menu == ["Otevřít DSO Desktop", "Synchronizovat vše", "Ukončit"]
    w.close()
    with qtbot.waitSignal(w.quit_requested):
        w.tray.act_quit.trigger()
    assert not w.isVisible() and not w.schedule.isActive()
    assert QApplication.quitOnLastWindowClosed()


def test_closing_quits_when_background_sync_is_off_or_unwanted(qtbot: Any,
                                                             tray_window: Any) -> None:
    w = tray_window
    apply(qtbot, w, sync_interval_minutes=0)
    w.show()
    assert w.close() is True and not w.schedule.isActive()
    apply(qtbot, w, sync_interval_minutes=10, close_to_tray=False)
    w.show()
    assert w.close() is True and not w.schedule.isActive()


def test_file_quit_quits_even_with_the_tray(qtbot: Any, tray_window: Any) -> None:
    w = tray_window
    apply(qtbot, w, sync_interval_minutes=10)
    w.show()
    with qtbot.waitSignal(w.quit_requested):
        w.act_quit.trigger()
    assert not w.isVisible() and not w.schedule.isActive()


def test_without_a_tray_closing_quits_and_the_settings_say_so(qtbot: Any,
                                                             window: Any) -> None:
    w = window  # offscreen: no tray
    assert w.tray is None
    apply(qtbot, w, sync_interval_minutes=10, close_to_tray=True)
    dlg = w.open_settings()
    qtbot.waitUntil(lambda: dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled(),
                    timeout=10_000)
    box = dlg.tray_box
    assert not box.close_to_tray.isEnabled() and not box.close_to_tray.isChecked()
    assert box.no_tray_note.isVisibleTo(dlg)
    assert "oznamovací oblast" in box.no_tray_note.text()
    assert "ukončí" in box.no_tray_note.text()
    dlg.reject()
    w.show()
    assert w.close() is True
    assert not w.schedule.isActive()


@pytest.fixture
def sim_tray_window(qtbot: Any, tray_window: Any, sim_ctx: Any, simulator: Any) -> Any:
    add_sim_account(sim_ctx.app, simulator, "obec")
    add_sim_account(sim_ctx.app, simulator, "spis", "totp")
    with qtbot.waitSignal(tray_window.tree_loaded, timeout=10_000):
        tray_window.reload_tree()
    return tray_window


def fire_schedule(qtbot: Any, w: Any) -> None:
    """Let the real interval timer fire once, soon (its wiring is what is tested)."""
    w.schedule.setSingleShot(True)
    w.schedule.start(20)


def test_background_sync_asks_nothing_and_notifies(
        qtbot: Any, sim_tray_window: Any, sim_ctx: Any) -> None:
    w = sim_tray_window
    app = sim_ctx.app
    w.sync.interactive = True  # a manual sync would show message boxes ...
    w.sync.confirm_delivery = lambda account: pytest.fail("a background sync asked")
    w.sync.code_provider = lambda account, ch: pytest.fail("a background sync asked a code")
    shown = notifications(w)
    started: list[str] = []
    w.sync.job_started.connect(started.append)
    # The watch's due items come through the one provider the composition root hands in.
    due = [DueItem("timestamp-expiry", "obec", "4711", datetime.now(UTC) + timedelta(days=20),
                   "restamp", "přerazítkujte")]
    app.notify = NotifyService(app.db, app.settings.get, app.messages, lambda: list(due))
    # E-mail digest on, but the mail server is down.
    apply(qtbot, w, sync_interval_minutes=1, notify_email=True,
          notify_email_to="podatelna@obec.example", notify_smtp_host="127.0.0.1",
          notify_smtp_port=free_port())
    assert w.schedule.interval() == 60_000

    # 1) Delivery by login not decided yet: the received messages wait for the user.
    failures: list[tuple[str, BaseException]] = []
    w.sync.job_failed.connect(lambda account, exc: failures.append((account, exc)))
    with qtbot.waitSignal(w.digest_done, timeout=60_000) as first_digest:
        fire_schedule(qtbot, w)
    assert [(a, type(e).__name__) for a, e in failures] == [
        ("obec", "DeliveryConfirmationRequired")]
    # Nothing new downloaded, but a fresh due item: the digest was tried (server down).
    assert first_digest.args[0].status is DigestStatus.FAILED
    assert started == ["obec"]  # the SMS-code account is left for a manual sync
    assert w._sync_error_boxes == []  # ... but a background one never does
    qtbot.waitUntil(lambda: any("obec" in t for t, _ in shown), timeout=5_000)

    # 2) The user answered in this session: the background sync downloads.
    w.sync.accept_delivery["obec"] = True
    shown.clear()
    with qtbot.waitSignal(w.digest_done, timeout=90_000) as digest:
        fire_schedule(qtbot, w)
    outcome = digest.args[0]
    assert outcome.status is DigestStatus.FAILED and isinstance(outcome.error, SmtpUnreachable)
    assert "obec synchronizováno" in w.sync_label.text()  # the sync itself is ok
    titles = [t for t, _ in shown]
    assert "Nové datové zprávy" in titles
    assert "Upozornění e-mailem" in titles
    assert "není dostupný" in w.statusBar().currentMessage()
    # The due item was notified once (at start or after the first sync), not again.
    assert not any("Lhůty" in t for t in titles)
    due.append(DueItem("deletion", "obec", "4712", datetime.now(UTC) + timedelta(days=3),
                       "download", "stáhněte"))
    with qtbot.waitSignal(w.due_checked, timeout=10_000):
        w.check_due_items()
    assert any("Lhůty" in t and "4712" in x for t, x in shown)


def test_the_email_settings_are_saved_and_tested(qtbot: Any, window: Any, ctx: Any,
                                                 tmp_path: Path) -> None:
    from dso_desktop import secretstore
    from dso_desktop.services.notify import SECRET_ACCOUNT, SECRET_KIND

    server = start_smtp(tmp_path, "starttls")
    try:
        dlg = window.open_settings()
        with qtbot.waitSignal(dlg.loaded, timeout=10_000):
            pass
        box = dlg.email_box
        box.enabled.setChecked(True)
        box.to.setText("podatelna@obec.example")
        box.host.setText("127.0.0.1")
        box.security.setCurrentIndex(box.security.findData("tls"))
        assert box.port.value() == 465  # follows the mode
        box.security.setCurrentIndex(box.security.findData("starttls"))
        box.port.setValue(server.port)
        box.username.setText(USER)
        box.password.setText(PASSWORD)
        box.ca_file.setText(str(server.ca_file))
        qtbot.mouseClick(box.test, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: box.test.isEnabled() and "odeslán" in box.status.text(),
                        timeout=20_000)
        assert "podatelna@obec.example" in box.status.text()
        assert len(server.received) == 1
        assert ctx.app.settings.get().notify_email is False  # testing saved nothing
        with qtbot.waitSignal(dlg.applied, timeout=10_000):
            dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
        s = ctx.app.settings.get()
        assert (s.notify_email, s.notify_smtp_port, s.notify_smtp_username) == (
            True, server.port, USER)
        assert secretstore.get_secret(SECRET_ACCOUNT, SECRET_KIND) == PASSWORD
        assert PASSWORD not in repr(s)
        # A wrong password: the test says why, in Czech.
        dlg2 = window.open_settings()
        with qtbot.waitSignal(dlg2.loaded, timeout=10_000):
            pass
        assert "uloženo" in dlg2.email_box.password.placeholderText()
        dlg2.email_box.password.setText("spatne")
        qtbot.mouseClick(dlg2.email_box.test, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "nebyl odeslán" in dlg2.email_box.status.text(),
                        timeout=20_000)
        assert "heslo" in dlg2.email_box.status.text()
        assert "spatne" not in dlg2.email_box.status.text()
        dlg2.reject()
    finally:
        server.stop()


def test_sync_on_start_runs_in_the_background(qtbot: Any, sim_ctx: Any,
                                              simulator: Any) -> None:
    from dso_desktop.gui.mainwindow import MainWindow

    app = sim_ctx.app
    add_sim_account(app, simulator, "obec")
    app.settings.update(sync_on_start=True)
    w = MainWindow(sim_ctx, tray_available=lambda: False)
    qtbot.addWidget(w)
    w.sync.confirm_delivery = lambda account: pytest.fail("a start-up sync asked")
    try:
        with qtbot.waitSignal(w.sync.job_failed, timeout=60_000) as failed:
            w.start()
        assert failed.args[0] == "obec"  # started by itself, and asked nothing
        assert type(failed.args[1]).__name__ == "DeliveryConfirmationRequired"
        assert "obec" in w.sync_label.text()
    finally:
        w.sync.cancel_all()


def test_the_settings_refuse_a_bad_address_in_czech(qtbot: Any, window: Any,
                                                    ctx: Any) -> None:
    dlg = window.open_settings()
    with qtbot.waitSignal(dlg.loaded, timeout=10_000):
        pass
    dlg.email_box.enabled.setChecked(True)
    dlg.email_box.to.setText("podatelna@obec.example, starosta@obec.example")
    dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: any(
        "není jedna platná e-mailová adresa" in getattr(b, "text", lambda: "")()
        for b in dlg.findChildren(QMessageBox)), timeout=10_000)
    assert ctx.app.settings.get().notify_email is False  # nothing was saved
    assert dlg.isVisible()
