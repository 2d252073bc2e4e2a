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
