"""Training mode: the embedded ISDS simulator with a demo municipality, added and synced."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from dso_desktop.domain import LoginMethod
from dso_desktop.gui.context import GuiContext
from dso_desktop.paths import atomic_write, private_dir

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dso_desktop.gui.mainwindow import MainWindow
    from dso_desktop.paths import AppPaths
    from dso_desktop.simulator.control import SimAccount, Simulator, SimulatorInfo
    from dso_desktop.sync.events import SyncSummary

log = logging.getLogger(__name__)
MARKER = ".dso-training"
DEMO_ACCOUNT = "Obec Lhota pod Lesem (cvičná)"


class TrainingFolderError(RuntimeError):
    """The training folder exists but was not made by the training mode: never delete it."""


def prepare_training_folder(paths: AppPaths) -> None:
    """Start every training session afresh in its own folder (marked, so only it is wiped).

    Also switches secrets to the in-memory keyring: demo passwords never reach the OS one.
    """
    from dso_desktop.secretstore import use_memory_keyring

    use_memory_keyring()
    root = Path(paths.data)
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).is_file():
            raise TrainingFolderError(f"{root} is not a training folder; not touching it")
        shutil.rmtree(root)
    private_dir(root)
    atomic_write(root / MARKER,
                 b"DSO Desktop training data; deleted on the next --demo run.\n")


def pick_demo_user(accounts: Iterable[SimAccount]) -> SimAccount:
    """The clerk with a plain password login (the simplest login for a first look)."""
    for acc in accounts:
        if acc.login_method == LoginMethod.PASSWORD.value and acc.password:
            return acc
    raise RuntimeError("the simulator offers no password user for the training mode")


# The training mode shows the watch's whole cycle: the evidence the simulator issues stops
# being verifiable this many days from now (inside the 90-day restamp window), so the
# warnings panel lists it, and restamping (fresh evidence from the simulator) clears it.
TRAINING_EVIDENCE_DAYS = 45.0


class DemoSession(QObject):
    """Starts the simulator (worker thread), adds the demo account, syncs; then ``ready``."""

    ready = Signal()
    failed = Signal(object)
    status = Signal(str)

    def __init__(self, ctx: GuiContext, window: MainWindow, *, messages: int = 60,
                 evidence_days: float | None = TRAINING_EVIDENCE_DAYS) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.messages = messages
        self.evidence_days = evidence_days
        self.sim: Simulator | None = None
        self.records_sim: Any = None  # the training records service (spisová služba)
        self.account = DEMO_ACCOUNT

    def start(self) -> None:
        state_dir = self.ctx.paths.data / "simulator"
        messages = self.messages
        evidence_days = self.evidence_days
        self.window.sync_label.setText(self.tr("Starting the training environment…"))

        def start_sim() -> tuple[Simulator, SimulatorInfo]:
            from dso_desktop.simulator import Simulator
            from dso_desktop.simulator.records import RecordsSimulator

            sim = Simulator(state_dir, seed=2026, messages=messages,
                            evidence_days=evidence_days)
            started = sim, sim.start()
            # A loopback records service too, so "Předat do spisové služby" can be tried.
            try:
                records = RecordsSimulator(state_dir / "records")
                self.ctx.records_info = records.start()
                self.records_sim = records
            except Exception as exc:  # training goes on without it
                log.warning("the training records service did not start: %s", exc)
            return started

        self.ctx.tasks.run_net(start_sim, self._sim_started, self.failed.emit, owner=self)

    def _sim_started(self, started: tuple[Simulator, SimulatorInfo]) -> None:
        from dso_desktop.services.types import AccountSpec

        self.sim, info = started
        self.ctx.sim_info = info
        user = pick_demo_user(info.accounts)
        app = self.ctx.app
        # The simulator's CA is the demo account's own anchor (its ca_file in a custom
        # environment), never a global one: see App.trust(account_id).
        spec = AccountSpec(
            name=self.account,
            login_method=LoginMethod.PASSWORD,
            username=user.username,
            environment=str(info.url),
            ca_file=Path(info.ca_file),
            sync_received=True,
        )
        password = user.password

        def add() -> None:
            if not app.accounts.exists(spec.name):
                app.accounts.add(spec, password=password, save_password=True)

        self.ctx.tasks.run_store(add, self._account_added, self.failed.emit, owner=self)

    def _account_added(self, _r: None) -> None:
        w = self.window
        w.sync.job_finished.connect(self._synced)
        w.sync.job_failed.connect(self._sync_failed)
        w.start()
        # Training data is simulated: accepting it by login has no legal effect.
        w.sync.accept_delivery[self.account] = True
        w.sync.sync(self.account, True)

    def _synced(self, account: str, _summary: SyncSummary) -> None:
        if account == self.account:
            self.window.sync.job_finished.disconnect(self._synced)
            self.window.tree_loaded.connect(self._tree_after_sync)

    def _tree_after_sync(self) -> None:
        self.window.tree_loaded.disconnect(self._tree_after_sync)
        app = self.ctx.app
        account = self.account

        def tag_some() -> None:
            """Two example tags on a few messages, so the training shows what tags do."""
            from dso_desktop.domain import Direction
            from dso_desktop.services.types import MessageFilter

            if app.tags.list():
                return
            todo = app.tags.create("K vyřízení", "#ef6c00")
            bills = app.tags.create("Faktury", "#1565c0")
            ids = app.messages.ids(MessageFilter(account=account, direction=Direction.RECEIVED))
            for row in app.messages.rows(ids):
                if "faktura" in (row.subject or "").lower():
                    app.tags.assign(row.id, bills.id)
            for message_id in ids[:3]:
                app.tags.assign(message_id, todo.id)

        def done(_r: None) -> None:
            self.window.reload_tags()
            self.ready.emit()

        self.ctx.tasks.run_store(tag_some, done, self.failed.emit, owner=self)

    def _sync_failed(self, account: str, exc: BaseException) -> None:
        if account == self.account:
            self.failed.emit(exc)

    def stop(self) -> None:
        if self.records_sim is not None:
            try:
                self.records_sim.stop()
            except Exception as exc:  # stopping must not hide the exit code
                log.warning("stopping the records service failed: %s", exc)
            self.records_sim = None
        if self.sim is not None:
            try:
                self.sim.stop()
            except Exception as exc:  # stopping must not hide the exit code
                log.warning("stopping the simulator failed: %s", exc)
            self.sim = None
