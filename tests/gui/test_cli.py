"""`dso-desktop` as a program: --screenshot in training mode and --measure-startup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ZFO_SAMPLES, require_shared, shared_trust_anchors

PNG = b"\x89PNG\r\n\x1a\n"


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DSO_DATA_DIR"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(
        [sys.executable, "-m", "dso_desktop.gui.main", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=tmp_path,
    )


def test_demo_screenshot_of_each_window(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for window in ("main", "compose", "handover"):
        out = tmp_path / f"{window}.png"
        run = _run(
            [
                "--demo",
                "--demo-messages",
                "12",
                "--data-dir",
                str(data),
                "--screenshot",
                str(out),
                "--window",
                window,
            ],
            tmp_path,
        )
        assert run.returncode == 0, run.stderr
        assert out.read_bytes().startswith(PNG)
    # Training data lives apart from a real archive, in a marked folder.
    assert (data / "training" / ".dso-training").is_file()
    assert not (data / "archive.sqlite3").exists()


def test_measure_startup_prints_json(tmp_path: Path) -> None:
    require_shared(ZFO_SAMPLES)
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    data = tmp_path / "archive"
    with App.open(AppPaths.default(data), offline=True,
                  trust_anchors=shared_trust_anchors()) as app:
        app.zfo.import_files(sorted(ZFO_SAMPLES.glob("*.zfo")))
    run = _run(["--measure-startup", "--measure-scroll", "--data-dir", str(data)], tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["messages"] > 0
    assert result["first_paint_s"] > 0
    assert result["peak_rss_mb"] > 0
    assert "scroll_longest_block_ms" in result


def test_demo_screenshot_of_a_dialog_opened_off_the_gui_thread(tmp_path: Path) -> None:
    """The password dialog opens only after the account is read off the GUI thread: the
    screenshot waits for it and grabs the dialog, not the main window."""
    from PySide6.QtGui import QImage

    out = tmp_path / "password.png"
    run = _run(["--demo", "--demo-messages", "4", "--data-dir", str(tmp_path / "data"),
                "--screenshot", str(out), "--window", "password"], tmp_path)
    assert run.returncode == 0, run.stderr
    image = QImage(str(out))
    assert not image.isNull() and image.width() < 800  # the dialog, not the main window
