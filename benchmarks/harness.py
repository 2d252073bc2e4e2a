"""Measurement helpers: medians over repetitions, peak RSS, subprocess isolation."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """Median wall time of ``repeat`` calls of ``fn`` (each call timed on its own)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB: its own (VmHWM), not the
    bench process's that started it (`dso_desktop.peakmem`; ``ru_maxrss`` was both)."""
    from dso_desktop.peakmem import peak_rss_mb as peak

    mb = peak()
    if mb is None:  # only where neither /proc nor ``resource`` exists (Windows)
        raise RuntimeError("this platform cannot say a process's peak memory")
    return mb


def run_isolated(name: str, workdir: Path, timeout: float = 900) -> dict[str, Any]:
    """Run one benchmark in a fresh interpreter so its peak memory is its own."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--one", name, "--workdir", str(workdir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
        return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            result: dict[str, Any] = json.loads(line)
            return result
    return {"error": "benchmark printed no result"}
