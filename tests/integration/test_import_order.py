"""Folder import is order-independent: a delivery info is matched to its message in the
same batch whatever the file names (and so the order the folder is walked in)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.app import App
from dso_desktop.domain import Direction, ImportStatus, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.records import MessageFilter

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[bytes]]]:
    """A sent and a received message with their delivery infos, as ZFO bytes."""
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator

    use_memory_keyring()
    root = tmp_path_factory.mktemp("order")
    with Simulator(seed=5, messages=4) as sim:
        app = App.open(AppPaths.default(root / "data"), offline=True)
        acc = sim.account("password")
        app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                     ca_file=Path(sim.info.ca_file)))
        app.sync.sync_account("urad", accept_delivery=True, password=acc.password)
        blobs: list[bytes] = []
        for direction in (Direction.SENT, Direction.RECEIVED):
            mid = app.messages.ids(MessageFilter(direction=direction))[0]
            out = root / f"export-{direction}"
            files = app.messages.export(mid, out)
            zfos = sorted(p for p in files if p.suffix == ".zfo")
            assert len(zfos) == 2, zfos  # the message and its delivery info
            blobs += [p.read_bytes() for p in zfos]
        app.close()
        yield sim, blobs


ORDERS = list(itertools.permutations(["a", "b", "c", "d"]))[::5]


# Every order on SQLite, and one on PostgreSQL (issue 13: import works on both; the order
# logic is the same code, the backend's part is the store's lookups and writes).
@pytest.mark.parametrize(("names", "backend"),
                         [(o, "sqlite") for o in ORDERS] + [(ORDERS[-1], "postgresql")])
def test_delivery_infos_find_their_messages_in_any_order(
        exported: tuple[Any, list[bytes]], tmp_path: Path, names: tuple[str, ...],
        backend: str, request: pytest.FixtureRequest) -> None:
    sim, blobs = exported
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in zip(names, blobs, strict=True):
        (folder / f"{name}.zfo").write_bytes(data)
    app = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                   trust_anchors=(Path(sim.info.ca_file),), store_url=url)
    try:
        summary = app.zfo.import_files([folder])
        by_name = {Path(i.path).name: i.status for i in summary.items}
        assert [Path(i.path).name for i in summary.items] == sorted(by_name)  # files' order
        statuses = sorted(str(s) for s in by_name.values())
        assert statuses.count(str(ImportStatus.DELIVERY_INFO)) == 2, summary
        assert statuses.count(str(ImportStatus.IMPORTED)) == 2, summary
        for mid in app.messages.ids():
            assert app.messages.detail(mid).has_delivery_info
    finally:
        app.close()
