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
    # Retries with short pauses keep error tests fast; the behaviour is the same.
    from tests.conftest import shared_trust_anchors

    from dso_desktop.app import App
    from dso_desktop.sync.engine import RetryPolicy

    app = App.open(gui_paths, offline=True, retry=RetryPolicy(attempts=2, base_delay=0.05),
                   trust_anchors=shared_trust_anchors())
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


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One loopback simulator per test module (starting one builds a PKI and a world)."""
    from dso_desktop.simulator import Simulator

    sim = Simulator(tmp_path_factory.mktemp("sim"), seed=7, messages=8)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def sim_ctx(ctx: Any, simulator: Any) -> Any:
    """The GUI context with the simulator known (as in training mode); its CA is trusted
    for the simulator accounts only (their ca_file), as in training mode."""
    ctx.sim_info = simulator.info
    return ctx


def add_sim_account(
    app: Any, sim: Any, name: str, method: str = "password", *, sync_received: bool = True
) -> Any:
    """Add a simulator account through the services (as the training mode does)."""
    from dso_desktop.domain import LoginMethod
    from dso_desktop.services.types import AccountSpec

    acc = sim.account(method)
    spec = AccountSpec(
        name=name,
        login_method=LoginMethod(method),
        username=acc.username,
        environment=sim.info.url,
        ca_file=Path(sim.info.ca_file),
        cert_file=Path(acc.cert_file) if acc.cert_file else None,
        key_file=Path(acc.key_file) if acc.key_file else None,
        sync_received=sync_received,
    )
    app.accounts.add(spec, password=acc.password or None, save_password=True)
    return acc
