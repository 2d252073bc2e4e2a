"""The GUI's measuring hook reports the app's own peak memory, not its starter's (issue 18:
`gui_peak_rss_mb` read the benchmark process's 286 MB through ``ru_maxrss``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="VmHWM and the inherited ru_maxrss are Linux's")

CHILD = "from dso_desktop.gui.measure import peak_rss_mb; print(peak_rss_mb())"


def test_a_process_started_by_a_big_one_reports_its_own_peak() -> None:
    ballast = bytearray(400 << 20)  # the starter's memory, touched
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    del ballast
    child_mb = float(out.strip())
    assert 5 < child_mb < 300  # the child's own peak (PySide6 imported), not the 400 MB
