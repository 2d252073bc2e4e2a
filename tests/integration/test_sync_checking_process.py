"""A sync as the app runs it (online trust store, a box big enough) checks its ZFOs in a
checking process, not on its own store thread (issue 18, sync floor: a trust store that
stopped pickling made every sync check in process, unnoticed)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from tests.simbox import sync_simulated_box

from dso_desktop.sync import pipeline as pl

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_a_real_sync_checks_in_a_checking_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    pools: list[Any] = []
    real = pl.CheckingProcess.for_items

    def spy(self: pl.CheckingProcess, items: int) -> Any:
        got = real(self, items)
        pools.append((items, got))
        return got

    monkeypatch.setattr(pl.CheckingProcess, "for_items", spy)
    with caplog.at_level(logging.WARNING, logger="dso_desktop.sync.pipeline"):
        summary = sync_simulated_box(tmp_path, seed=5)
    assert summary.failed == [] and summary.new >= pl.PROCESS_MIN_ITEMS // 2
    big = [(n, got) for n, got in pools if n >= pl.PROCESS_MIN_ITEMS]
    assert big, "the sync never asked for a checking process"
    assert all(got is not None for _, got in big), "checked in process instead"
    assert not [r for r in caplog.records if "checking process" in r.getMessage()]
