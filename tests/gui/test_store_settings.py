"""Settings: the archive's database (an office's PostgreSQL), tested off the GUI thread;
OK saves the address without the password, which goes to the keyring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from dso_desktop.services import storeconfig as sc


def _open(qtbot: Any, window: Any) -> Any:
    dlg = window.open_settings()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled(),
                    timeout=10_000)
    return dlg


def test_test_connection_and_save_without_the_password(
        qtbot: Any, window: Any, ctx: Any, pg_server: Any, pg_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSFILE", str(Path(ctx.paths.data) / "no-pgpass"))
    dlg = _open(qtbot, window)
    assert dlg.store.url.text() == ""  # the local file so far
    dlg.store.url.setText(pg_url)
    with qtbot.waitSignal(dlg.store.tested, timeout=20_000) as bad:
        dlg.store.test.click()  # no password anywhere: refused, in Czech
    assert bad.args[0] is False and "připojit" in bad.args[1]
    dlg.store.password.setText(pg_server.password)
    with qtbot.waitSignal(dlg.store.tested, timeout=20_000) as good:
        dlg.store.test.click()
    assert good.args[0] is True and "Připojeno" in good.args[1]
    assert make_url(pg_url).database in good.args[1]
    with qtbot.waitSignal(dlg.applied, timeout=10_000):
        dlg.buttons.accepted.emit()
    saved = (ctx.paths.config / "store.json").read_text()
    assert pg_server.password not in saved
    assert json.loads(saved)["url"] == sc.normalize(pg_url)
    # The next start opens it with the keyring's password.
    assert sc.resolve_store_url(ctx.paths) == sc.with_password(pg_url, pg_server.password)


def test_a_url_with_a_password_is_refused_in_czech(
        qtbot: Any, window: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    dlg = _open(qtbot, window)
    dlg.store.url.setText("postgresql://karel:tajne@server/dso")
    errors: list[str] = []
    monkeypatch.setattr("dso_desktop.gui.settingsdialog.show_error",
                        lambda parent, exc: errors.append(exc.message_cs))
    dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "nesmí obsahovat heslo" in errors[0]
    assert not (ctx.paths.config / "store.json").exists()


def test_an_open_window_refreshes_when_another_pc_syncs(
        qtbot: Any, qapp: Any, gui_paths: Any, pg_url: str) -> None:
    """A window on a shared archive lists a message another computer stored, within
    seconds, without the user doing anything (LISTEN/NOTIFY)."""
    from dso_desktop.app import App
    from dso_desktop.domain import Direction, Envelope
    from dso_desktop.gui import i18n
    from dso_desktop.gui.context import GuiContext
    from dso_desktop.gui.mainwindow import MainWindow
    from dso_desktop.gui.taskman import TaskManager
    from dso_desktop.store.db import CHANGES_CHANNEL, Database
    from dso_desktop.store.messages import MessageRepo
    from dso_desktop.store.repos import AccountRepo

    i18n.install("cs")
    app = App.open(gui_paths, offline=True, store_url=pg_url)
    tasks = TaskManager()
    window = MainWindow(GuiContext(app=app, tasks=tasks, paths=gui_paths))
    window.sync.interactive = False
    qtbot.addWidget(window)
    other = Database.open_url(pg_url)  # the other PC
    try:
        with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
            window.start()
        assert window.model.rowCount() == 0
        qtbot.waitUntil(lambda: window._office_listener.listening.is_set(), timeout=10_000)
        with other.write() as s:
            acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                     username="u").id
            MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, Envelope(
                message_id="7001", subject="Výzva"))
        with qtbot.waitSignal(window.list_loaded, timeout=10_000,
                              check_params_cb=lambda n: n == 1):
            other.notify(CHANGES_CHANNEL, "sync:urad")
        assert window.model.rowCount() == 1
    finally:
        window.close()
        other.close()
        tasks.shutdown(wait=True)
        app.close()
