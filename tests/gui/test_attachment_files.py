"""The GUI's own attachment writes: the ZFO viewer's save and the copies it hands to other
programs (open, drag) take any name and stay private in the app's cache."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.zfo.testpki import TestPki

NAMES = ["ř" * 200 + ".pdf", "ř" * 200 + ".pdf", "../../up.txt", "CON", "a/b.txt", ""]


def _zfo(tmp_path: Path, make_zfo: Callable[..., bytes]) -> Path:
    f = tmp_path / "names.zfo"
    f.write_bytes(make_zfo(files=[(n, f"{i}".encode()) for i, n in enumerate(NAMES)],
                           dm_id="8118"))
    return f


def test_viewer_saves_every_attachment_whatever_its_name(
        qtbot: Any, window: Any, tmp_path: Path, make_zfo: Callable[..., bytes]) -> None:
    viewer = window.open_zfo(_zfo(tmp_path, make_zfo))
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.view is not None, timeout=10_000)
    out = tmp_path / "out"
    with qtbot.waitSignal(viewer.saved, timeout=10_000) as saved:
        viewer.save_attachments(out)
    paths = saved.args[0]
    assert len(paths) == len(NAMES)
    assert len({p.name.casefold() for p in paths}) == len(NAMES)
    assert all(p.parent == out.resolve() and len(p.name.encode()) <= 255 for p in paths)
    assert [p.read_bytes() for p in paths] == [f"{i}".encode() for i in range(len(NAMES))]
    before = {"data", "names.zfo"}  # the app's data folder lives in tmp_path too
    assert set(os.listdir(tmp_path)) - before == {"out"}


def test_copies_for_other_programs_are_private(
        qtbot: Any, window: Any, tmp_path: Path, pki: TestPki,
        make_zfo: Callable[..., bytes]) -> None:
    app = window.ctx.app
    app.add_trust_anchor(pki.ca_file)
    with qtbot.waitSignal(window.imported, timeout=30_000) as sig:
        window.import_zfo([_zfo(tmp_path, make_zfo)])
    assert sig.args[0].imported == 1
    [mid] = app.messages.find("8118")
    qtbot.waitUntil(lambda: window.tree.model_.rowCount() == 1, timeout=10_000)
    window.tree.setCurrentIndex(window.tree.model_.index(0, 0))
    qtbot.waitUntil(lambda: window.model.row_of(mid) >= 0, timeout=10_000)
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        assert window.select_message(mid)
    paths = window.detail.materialize(list(range(len(NAMES))))
    cache = window.ctx.paths.cache.resolve()
    assert len(paths) == len(NAMES) and all(cache in p.resolve().parents for p in paths)
    assert paths[0].name.endswith(".pdf") and len(paths[0].name.encode()) <= 255
    if os.name == "posix":
        assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {0o600}
        d = paths[0].parent
        while d != window.ctx.paths.cache.parent:
            assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
            d = d.parent
