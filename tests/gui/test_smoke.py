"""The main window over an empty archive and over imported real ZFOs."""

from __future__ import annotations

from typing import Any

from tests.conftest import ZFO_SAMPLES, require_shared


def test_empty_archive_window(window: Any) -> None:
    assert window.model.rowCount() == 0
    assert window.windowTitle() == "DSO Desktop"


def test_import_real_zfos_and_show(qtbot: Any, window: Any) -> None:
    require_shared(ZFO_SAMPLES)
    files = sorted(ZFO_SAMPLES.glob("*.zfo"))
    with qtbot.waitSignal(window.imported, timeout=20_000) as sig:
        window.import_zfo(files)
    assert sig.args[0].imported >= 1
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
