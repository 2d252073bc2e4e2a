"""`dso_desktop.peakmem`: a process's own peak resident memory, its own or another's (the
benchmarks read the sync's checking process by its pid)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dso_desktop.peakmem import peak_rss_mb

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

CHILD = """
import sys
ballast = bytearray(96 << 20)
for i in range(0, len(ballast), 4096):
    ballast[i] = 1
del ballast
print("ready", flush=True)
sys.stdin.read()
"""


def test_another_process_s_peak_is_its_own_and_none_once_it_ended() -> None:
    mine = peak_rss_mb()
    assert mine is not None and mine > 5
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        peak = peak_rss_mb(child.pid)
        # the 96 MB it touched and freed, and the interpreter; not this (bigger) process's
        assert peak is not None and 96 < peak < 96 + 60
    finally:
        child.communicate("", timeout=60)
    assert peak_rss_mb(child.pid) is None  # ended and reaped


def test_this_process_s_peak_keeps_what_it_touched() -> None:
    before = peak_rss_mb()
    assert before is not None
    ballast = bytearray(int(before + 64) << 20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    after = peak_rss_mb()
    del ballast
    assert after is not None and after >= before + 64
    # freed, still the peak (within the kernel's batched per-CPU counting: ~0.25 MB seen)
    later = peak_rss_mb()
    assert later is not None and later >= after - 2
