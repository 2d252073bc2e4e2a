"""A whole sync as the app runs it: the simulator on loopback, `App` over a fresh data
folder with the online trust store (as installed), one password account, every message
downloaded and delivery accepted. For tests that watch what a real sync does inside."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def sync_simulated_box(tmp_path: Path, *, seed: int, messages: int = 40) -> Any:
    """The summary of syncing a simulated box of `messages` received messages."""
    from dso_desktop.app import App
    from dso_desktop.domain import LoginMethod
    from dso_desktop.paths import AppPaths
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.services.types import AccountSpec
    from dso_desktop.simulator import Simulator

    use_memory_keyring()
    sim = Simulator(seed=seed, messages=messages)
    sim.start()
    try:
        # offline=False: the trust store carries the product's HTTP fetcher, as installed.
        with App.open(AppPaths.default(tmp_path / "data"), offline=False) as app:
            acc = sim.account("password")
            app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                         ca_file=Path(sim.info.ca_file)))
            return app.sync.sync_account("urad", accept_delivery=True, password=acc.password)
    finally:
        sim.stop()
