"""GUI test fixtures: the real App over a temporary data folder, a task manager, a window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.paths import AppPaths


@pytest.fixture
def gui_paths(data_dir: Path) -> AppPaths:
    return AppPaths.default(data_dir).ensure()


@pytest.fixture
def services(gui_paths: AppPaths) -> Iterator[Any]:
    from dso_desktop.app import App

    app = App.open(gui_paths, offline=True)
    yield app
    app.close()


@pytest.fixture
def ctx(qapp: Any, services: Any, gui_paths: AppPaths) -> Iterator[Any]:
    from dso_desktop.gui import i18n
    from dso_desktop.gui.context import GuiContext
    from dso_desktop.gui.taskman import TaskManager

    i18n.install("cs")
    tasks = TaskManager()
    yield GuiContext(app=services, tasks=tasks, paths=gui_paths)
    tasks.shutdown(wait=True)
    tasks.deleteLater()


@pytest.fixture
def window(qtbot: Any, ctx: Any) -> Iterator[Any]:
    from dso_desktop.gui.mainwindow import MainWindow

    w = MainWindow(ctx)
    w.sync.interactive = False
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.tree_loaded, timeout=10_000):
        w.start()
    yield w
    w.sync.cancel_all()
