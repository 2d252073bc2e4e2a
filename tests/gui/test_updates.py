"""The GUI's update checks against a real TUF portal on loopback: offer, skip, install."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from updater.server import StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop.gui import updates
from dso_desktop.gui.taskman import TaskManager
from dso_desktop.paths import AppPaths
from dso_desktop.update.service import UpdateService


@pytest.fixture
def portal_setup(tmp_path: Path, qapp: Any) -> Iterator[tuple[Portal, Any]]:
    portal = Portal(tmp_path / "portal")
    portal.publish("1.0.0")
    root = install(tmp_path / "install", build_release(tmp_path / "b", "1.0.0"), "1.0.0")
    server = StaticServer(portal.public).start()

    def make() -> UpdateService:
        return UpdateService(
            AppPaths.default(tmp_path / "user").ensure(), install_root=root,
            trusted_root=(portal.repo.metadata_dir / "1.root.json").read_bytes(),
            portal_url=server.url, platform=PLATFORM, current_version="1.0.0",
            now=lambda: datetime.now(UTC))

    yield portal, make
    server.stop()


@pytest.fixture
def window(qapp: Any) -> Iterator[tuple[QWidget, TaskManager]]:
    w = QWidget()
    tasks = TaskManager()
    yield w, tasks
    tasks.shutdown(wait=True)
    w.deleteLater()


def _run_check(qtbot: Any, controller: updates.UpdateController) -> None:
    controller.check_if_due()
    qtbot.waitUntil(lambda: not controller._busy, timeout=20_000)


def test_nothing_offered_when_up_to_date(qtbot: Any, portal_setup: Any, window: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _portal, make = portal_setup
    offered: list[Any] = []
    controller = updates.UpdateController(window[0], window[1], make())
    controller.available.connect(offered.append)
    monkeypatch.setattr(updates.UpdateController, "_offer", lambda self, r: None)
    _run_check(qtbot, controller)
    assert offered == []


def test_skip_this_version_is_remembered(qtbot: Any, portal_setup: Any, window: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    portal, make = portal_setup
    portal.publish("1.1.0")
    service = make()
    controller = updates.UpdateController(window[0], window[1], service)
    shown: list[Any] = []

    def fake_exec(dialog: updates.UpdateDialog) -> int:
        shown.append(dialog)
        dialog.choice = updates.UpdateDialog.SKIP
        return 1

    monkeypatch.setattr(updates.UpdateDialog, "exec", fake_exec)
    _run_check(qtbot, controller)
    qtbot.waitUntil(lambda: service.settings().skipped_version == "1.1.0", timeout=10_000)
    assert len(shown) == 1
    # The same version is not offered again, even when a check is forced.
    result = make().check(force=True)
    assert result.available == "1.1.0" and not result.prompt


def test_install_now_downloads_verifies_and_stages(qtbot: Any, portal_setup: Any,
                                                   window: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    portal, make = portal_setup
    portal.publish("1.2.0")
    service = make()
    controller = updates.UpdateController(window[0], window[1], service)

    def choose_install(dialog: updates.UpdateDialog) -> int:
        dialog.choice = updates.UpdateDialog.INSTALL
        return 1

    told: list[str] = []
    monkeypatch.setattr(updates.UpdateDialog, "exec", choose_install)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: told.append("WARN " + a[2]))
    _run_check(qtbot, controller)
    qtbot.waitUntil(lambda: bool(told), timeout=30_000)
    assert "1.2.0" in told[0] and not told[0].startswith("WARN")
    assert service.layout is not None
    assert service.layout.version_dir("1.2.0").is_dir()
    assert service.layout.load_state().pending == "1.2.0"  # the launcher switches next start


def test_no_controller_in_a_source_checkout_or_training(qapp: Any, window: Any,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DSO_INSTALL_ROOT", raising=False)
    paths = AppPaths.default(tmp_path / "d").ensure()
    assert updates.make_controller(window[0], window[1], paths, demo=False) is None
    assert updates.make_controller(window[0], window[1], paths, demo=True) is None


def _rollback_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An install whose launcher just went back from 2.0.0 and left its notice."""
    from dso_desktop.update.layout import InstallLayout

    root = install(tmp_path / "install", build_release(tmp_path / "b", "1.0.0"), "1.0.0")
    InstallLayout(root).write_notice({
        "kind": "rolled-back", "version": "2.0.0", "kept": "1.0.0",
        "message_cs": "Nová verze 2.0.0 se nespustila správně; vrácena verze 1.0.0.",
        "message_en": "The new version 2.0.0 did not start properly; back to 1.0.0."})
    monkeypatch.setenv("DSO_INSTALL_ROOT", str(root))
    return root


def test_start_watch_shows_the_rollback_in_czech_and_reports_a_healthy_start(
        qtbot: Any, window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.gui import i18n
    from dso_desktop.update.layout import InstallLayout

    root = _rollback_install(tmp_path, monkeypatch)
    monkeypatch.setenv("DSO_TRIAL_VERSION", "1.0.0")
    i18n.install("cs")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    watch = updates.StartWatch(window[0], window[1], healthy_after_ms=50)
    with qtbot.waitSignal(watch.reported, timeout=10_000) as sig:
        watch.start()
    assert warned == ["Nová verze 2.0.0 se nespustila správně; vrácena verze 1.0.0."]
    assert sig.args == [True]
    assert InstallLayout(root).healthy_marker("1.0.0").exists()
    assert InstallLayout(root).take_notice() is None  # shown once


def test_no_healthy_mark_before_the_event_loop_has_run(
        qtbot: Any, window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.update.layout import InstallLayout

    root = _rollback_install(tmp_path, monkeypatch)
    monkeypatch.setenv("DSO_TRIAL_VERSION", "1.0.0")
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: None)
    watch = updates.StartWatch(window[0], window[1], healthy_after_ms=60_000)
    watch.start()
    qtbot.wait(300)
    assert not InstallLayout(root).healthy_marker("1.0.0").exists()


def test_rollback_notice_is_shown_even_with_update_checks_off(
        qtbot: Any, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user must learn why the version changed, whatever the update-check setting."""
    import time

    from dso_desktop.gui.main import parse_args
    from dso_desktop.gui.prefs import GuiPrefs
    from dso_desktop.gui.startup import Launcher

    _rollback_install(tmp_path, monkeypatch)
    monkeypatch.delenv("DSO_TRIAL_VERSION", raising=False)
    prefs = GuiPrefs.load(ctx.paths)
    monkeypatch.setattr(GuiPrefs, "load", classmethod(lambda cls, paths: type(prefs)(
        **{**prefs.__dict__, "check_updates": False})))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    launcher = Launcher(parse_args(["--lang", "cs"]), ctx.paths, started=time.perf_counter())
    launcher.tasks = ctx.tasks
    launcher._opened((ctx.app, "cs"))
    try:
        # Checks are off: no scheduled check (the controller stays for "check now")...
        assert launcher.updates is not None and not launcher.updates._timer.isActive()
        assert warned and "2.0.0" in warned[0] and "nespustila" in warned[0]  # ...notice is not
    finally:
        launcher.window.close()
        launcher.window.deleteLater()
