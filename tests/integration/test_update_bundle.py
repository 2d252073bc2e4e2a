"""Slow: build the PyInstaller bundle from installer.spec and run it (scripts/bundle-smoke.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bundle_builds_and_starts(tmp_path: Path) -> None:
    if shutil.which("pyinstaller", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[bundle]')")
    env = dict(os.environ, PY=sys.executable, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(["bash", str(REPO / "scripts" / "bundle-smoke.sh"), str(tmp_path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "bundle smoke test passed" in proc.stdout
    archives = list((tmp_path / "dist").glob("dso-desktop-*.tar.xz"))
    assert len(archives) == 1
    # The target for the compressed bundle.
    assert archives[0].stat().st_size < 60 * 1024 * 1024
