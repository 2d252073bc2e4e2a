"""Sync from the window: progress, cancel, the delivery-by-login question, errors in Czech."""

from __future__ import annotations

from typing import Any

import pytest
from tests.gui.conftest import add_sim_account

from dso_desktop.domain import Direction


@pytest.fixture
def synced_window(qtbot: Any, window: Any, sim_ctx: Any, simulator: Any) -> Any:
    add_sim_account(sim_ctx.app, simulator, "obec")
    with qtbot.waitSignal(window.tree_loaded, timeout=10_000):
        window.reload_tree()
    yield window
    simulator.faults.clear()


def test_sync_asks_about_delivery_and_reports_progress(qtbot: Any, synced_window: Any) -> None:
    w = synced_window
    asked: list[str] = []
    w.sync.confirm_delivery = lambda account: asked.append(account) or True
    phases: list[str] = []
    w.sync.job_progress.connect(lambda _a, phase, _d, _t: phases.append(phase))
    with qtbot.waitSignal(w.sync.job_finished, timeout=60_000) as done:
        w.sync_current()
    assert asked == ["obec"]  # the legal question came before anything was listed
    assert done.args[0] == "obec"
    assert "login" in phases and "list-received" in phases
    assert "obec" in w.sync_label.text()
    assert not w.sync_bar.isVisible()
    qtbot.waitUntil(lambda: w.model.rowCount() > 0, timeout=10_000)
    # Asked once per session: the next sync goes straight through.
    with qtbot.waitSignal(w.sync.job_finished, timeout=60_000):
        w.sync_current()
    assert asked == ["obec"]


def test_do_not_accept_syncs_only_sent_messages(
    qtbot: Any, synced_window: Any, sim_ctx: Any
) -> None:
    from dso_desktop.services.types import MessageFilter

    w = synced_window
    w.sync.confirm_delivery = lambda account: False
    with qtbot.waitSignal(w.sync.job_finished, timeout=60_000) as done:
        w.sync_current()
    assert done.args[1].received_synced is False
    app = sim_ctx.app
    assert app.messages.count(MessageFilter(account="obec", direction=Direction.RECEIVED)) == 0


def test_sync_can_be_cancelled(qtbot: Any, synced_window: Any, simulator: Any) -> None:
    w = synced_window
    w.sync.confirm_delivery = lambda account: True
    simulator.faults.inject("GetListOfSentMessages", "slow", delay=3.0)

    def cancel_when_listing(_account: str, phase: str, _d: int, _t: int) -> None:
        if phase in ("list-sent", "list-received"):
            assert not w.sync_cancel.isHidden()
            w.sync_cancel.click()

    w.sync.job_progress.connect(cancel_when_listing)
    with qtbot.waitSignal(w.sync.job_cancelled, timeout=60_000):
        w.sync_current()
    assert "zrušena" in w.sync_label.text()
    assert not w.sync.running


def test_sync_error_in_plain_czech_with_code(
    qtbot: Any, synced_window: Any, simulator: Any
) -> None:
    w = synced_window
    w.sync.confirm_delivery = lambda account: True
    simulator.faults.inject(None, "maintenance")
    with qtbot.waitSignal(w.sync.job_failed, timeout=60_000) as failed:
        w.sync_current()
    assert type(failed.args[1]).__name__ == "SyncRetryLater"
    assert "odstávku" in w.sync_label.text()
    assert "zkuste to znovu po" in w.sync_label.text() and "503" in w.sync_label.text()


def test_throttling_says_when_to_try_again_in_czech(
    qtbot: Any, synced_window: Any, simulator: Any
) -> None:
    from dso_desktop.gui.errors import describe

    w = synced_window
    w.sync.confirm_delivery = lambda account: True
    simulator.faults.inject("GetListOfSentMessages", "3008")
    with qtbot.waitSignal(w.sync.job_failed, timeout=60_000) as failed:
        w.sync_current()
    exc = failed.args[1]
    at = exc.retry_at.astimezone().strftime("%H:%M")
    plain, detail = describe(exc)
    assert plain == f"ISDS omezuje počet požadavků; zkuste to znovu po {at}."
    assert "3008" in detail and "try again" not in detail  # Czech only, no English text
    assert plain in w.sync_label.text()


def test_a_full_disk_stops_the_sync_with_a_czech_message(
    qtbot: Any, synced_window: Any, sim_ctx: Any
) -> None:
    from sqlalchemy import event

    w = synced_window
    w.sync.confirm_delivery = lambda account: True
    engine = sim_ctx.app.db.engine

    def full(conn: Any) -> None:  # SQLite may not grow the file: SQLITE_FULL on writing
        conn.exec_driver_sql("PRAGMA max_page_count = 1")

    event.listen(engine, "begin", full)
    try:
        with qtbot.waitSignal(w.sync.job_failed, timeout=60_000) as failed:
            w.sync_current()
    finally:
        event.remove(engine, "begin", full)
        engine.dispose()
    assert type(failed.args[1]).__name__ == "SyncStoreFailed"
    label = w.sync_label.text()
    assert "Disk je plný" in label and "Synchronizace byla zastavena" in label
    assert "SQL" not in label and "database or disk is full" not in label
    assert "archive" not in label and "stopped" not in label  # no English text


def test_scheduled_sync_is_off_by_default_and_follows_the_setting(
    qtbot: Any, synced_window: Any, sim_ctx: Any
) -> None:
    w = synced_window
    assert not w.schedule.isActive()
    sim_ctx.app.settings.update(sync_interval_minutes=15)
    w.apply_settings()
    qtbot.waitUntil(w.schedule.isActive, timeout=5_000)
    assert w.schedule.interval() == 15 * 60_000
