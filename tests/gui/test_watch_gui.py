"""The watch in the GUI: expiring evidence in the warnings panel (sorted by due date), a
double click opens the message and its remedy, restamping with progress runs off the GUI
thread and the warning goes; "Ověřit v ISDS" records ISDS's answer in the detail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from tests.gui.conftest import add_sim_account

from dso_desktop.domain import Remedy, WarningKind

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def short_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    sim = Simulator(tmp_path_factory.mktemp("sim"), seed=8, messages=3, evidence_days=25)
    sim.start()
    yield sim
    sim.stop()


def _evidence_rows(window: Any) -> list[Any]:
    out = []
    for i in range(window.warning_list.count()):
        w = window.warning_list.item(i).data(Qt.ItemDataRole.UserRole)
        if w is not None and w.kind == WarningKind.TIMESTAMP_EXPIRY:
            out.append((i, w))
    return out


def test_warning_double_click_restamp_no_warning(qtbot: Any, window: Any, ctx: Any,
                                                 short_sim: Any) -> None:
    app = ctx.app
    add_sim_account(app, short_sim, "obec")
    app.sync.sync_account("obec", accept_delivery=True)
    # (The window's own start-up load may still be on its way: wait for the synced state.)
    window.reload_warnings()
    qtbot.waitUntil(lambda: bool(_evidence_rows(window)), timeout=10_000)
    rows = _evidence_rows(window)
    dues = [w.due for _i, w in rows]
    assert dues == sorted(dues)
    assert all(w.remedy is Remedy.RESTAMP for _i, w in rows)
    assert window.warning_list.item(rows[0][0]).text().startswith("Konec ověřitelnosti:")

    # Double click: the message opens and the restamp is offered; yes -> restamped.
    first = rows[0][1]
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        window._warning_activated(window.warning_list.item(rows[0][0]))
    assert window.detail.message_id == first.message_id
    box = window.remedy_box
    assert first.dm_id in box.text() and "nepůjde ověřit" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    run = window._restamp_run
    with qtbot.waitSignal(run.finished, timeout=30_000) as done:
        pass
    (outcome,) = done.args[0]
    assert outcome.ok and outcome.message_id == first.message_id
    qtbot.waitUntil(lambda: first.message_id not in
                    {w.message_id for _i, w in _evidence_rows(window)}, timeout=10_000)
    # The detail shows both versions.
    qtbot.waitUntil(lambda: "Verze 2" in window.detail.versions.text(), timeout=10_000)
    assert not window.detail.versions.isHidden()
    assert "Verze 1" in window.detail.versions.text()
    assert "Verze 2" in window.detail.versions.text()

    # The menu's batch restamp renews the rest with progress; then no evidence warning.
    window.restamp_expiring()
    qtbot.waitUntil(lambda: getattr(window, "_restamp_run", run) is not run, timeout=10_000)
    qtbot.waitUntil(lambda: _evidence_rows(window) == [], timeout=30_000)
    assert all(len(app.remedies.versions(w.message_id)) == 1 for _i, w in rows)

    # "Ověřit v ISDS": the answer is recorded and shown.
    assert window.detail.online_button.text().replace("&", "") == "Ověřit v ISDS"
    with qtbot.waitSignal(window.detail.online_checked, timeout=30_000) as checked:
        window.detail.online_button.click()
    assert checked.args[0].authentic is True
    qtbot.waitUntil(lambda: "autentická" in window.detail.versions.text(), timeout=10_000)


def test_training_mode_shows_warning_restamp_no_warning(qtbot: Any, window: Any,
                                                        ctx: Any) -> None:
    from dso_desktop.gui.demo import TRAINING_EVIDENCE_DAYS, DemoSession

    assert TRAINING_EVIDENCE_DAYS < 90  # inside the default restamp window
    demo = DemoSession(ctx, window, messages=4)
    try:
        with qtbot.waitSignal(demo.ready, timeout=60_000):
            demo.start()
        window.reload_warnings()
        qtbot.waitUntil(lambda: bool(_evidence_rows(window)), timeout=10_000)
        window.restamp_expiring()
        qtbot.waitUntil(lambda: _evidence_rows(window) == [], timeout=60_000)
        ids = [w.message_id for w in ctx.app.warnings.collect()
               if w.kind == WarningKind.TIMESTAMP_EXPIRY]
        assert ids == []
    finally:
        demo.stop()


def test_cancelling_the_progress_dialog_cancels_the_run(qtbot: Any, window: Any) -> None:
    from dso_desktop.gui.remedyui import RestampRun

    run = RestampRun(window, window.ctx, [1, 2, 3])
    assert not run.cancel.is_set()
    from PySide6.QtWidgets import QPushButton

    (button,) = run.progress.findChildren(QPushButton)
    assert button.text() == "Zrušit"
    button.click()
    assert run.cancel.is_set()


def test_a_failed_restamp_from_the_detail_is_said_in_czech(qtbot: Any, window: Any, ctx: Any,
                                                           short_sim: Any) -> None:
    from dso_desktop.store.records import MessageFilter

    app = ctx.app
    add_sim_account(app, short_sim, "obec2")
    app.sync.sync_account("obec2", accept_delivery=True)
    mid = app.messages.ids(MessageFilter(account="obec2", downloaded=True))[0]
    # The window's own start-up loads end first (a list reload clears the detail).
    window.reload_list()
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0, timeout=10_000)
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        window.detail.show_message(mid)
    assert window.detail.restamp_button.isEnabled()
    short_sim.faults.inject("Re-signISDSDocument", "maintenance", times=10)
    try:
        with qtbot.waitSignal(window.detail.restamped, timeout=30_000) as done:
            window.detail.restamp()
    finally:
        short_sim.faults.clear()
    (outcome,) = done.args[0]
    assert not outcome.ok
    box = window.detail._restamp_box
    assert "Obnoveno razítko u 0 z 1 zpráv." in box.text()
    assert "autorita časových razítek" in box.text()
    assert app.remedies.versions(mid) == []


def test_watch_settings_in_the_dialog(qtbot: Any, window: Any, ctx: Any) -> None:
    dlg = window.open_settings()
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.loaded, timeout=10_000):
        pass
    assert dlg.restamp_days.value() == 90 and dlg.undelivered_days.value() == 3
    dlg.restamp_days.setValue(120)
    dlg.undelivered_days.setValue(5)
    dlg.tsa_url.setText(" https://tsa.example/tsp ")
    dlg.tsa_ca.setText("/etc/tsa-ca.pem")
    dlg.buttons.accepted.emit()
    qtbot.waitUntil(lambda: ctx.app.settings.get().restamp_within_days == 120, timeout=5_000)
    st = ctx.app.settings.get()
    assert (st.undelivered_warning_days, st.tsa_url, st.tsa_ca_file) == (
        5, "https://tsa.example/tsp", "/etc/tsa-ca.pem")


def test_the_first_run_backfill_does_not_hold_the_store_thread(
        qtbot: Any, ctx: Any, short_sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An archive from before the watch: every message's horizon is computed by verifying
    its ZFO (minutes at 100,000 messages). The window's list and warnings load meanwhile;
    the evidence warnings follow when the backfill is done. (It ran inside the warnings'
    store task, so everything on the store thread waited behind it.)"""
    import threading

    from sqlalchemy import update

    from dso_desktop.gui.mainwindow import MainWindow
    from dso_desktop.store.models import Message

    app = ctx.app
    add_sim_account(app, short_sim, "stara")
    app.sync.sync_account("stara", accept_delivery=True)
    with app.db.write() as s:  # what revision 0005 leaves: no horizon yet
        s.execute(update(Message).values(evidence_expires=None, evidence_cause=None))
    gate = threading.Event()
    real_trust = app.watch._trust

    def slow_trust(account_id: Any) -> Any:  # a long backfill, held until we say so
        gate.wait(30)
        return real_trust(account_id)

    monkeypatch.setattr(app.watch, "_trust", slow_trust)
    monkeypatch.setattr(app.watch, "_backfilled", False)  # as in a freshly opened app
    w = MainWindow(ctx)
    w.sync.interactive = False
    qtbot.addWidget(w)
    try:
        with qtbot.waitSignals([w.list_loaded, w.warnings_loaded], timeout=10_000):
            w.start()
        assert _evidence_rows(w) == []  # not computed yet, and nothing waited for it
        gate.set()
        qtbot.waitUntil(lambda: bool(_evidence_rows(w)), timeout=30_000)
    finally:
        gate.set()
        w.sync.cancel_all()
