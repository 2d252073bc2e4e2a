"""Why the sync bench's floor drifts (issue 18, `sync_ratio_median3`): one simulator, a
sequence of floor (``F``) and app (``A``) passes given on the command line, each measured
in detail: user and system CPU of the bench process and of the simulator, page faults,
context switches, RSS, the bench process's live objects and gen-2 collections, threads
left running, the machine's steal time and a fixed CPU-bound calibration loop timed
before and after each pass (the machine's speed at that moment).

    PYTHONPATH=$PWD/src:$PWD python -m benchmarks.syncdrift --messages 1500 FFFFAFAFAF

Prints one JSON line per pass and nothing else; a diagnostic, not a benchmark case.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.cases import SimProcess, _cpu_stat, _SpeedProbe, app_sync, floor_sync

_TCK = os.sysconf("SC_CLK_TCK")


def calibrate() -> float:
    """CPU ms of a fixed pure-Python loop (median of 5): the machine's speed now."""
    times = []
    for _ in range(5):
        t = time.thread_time()
        x = 0
        for i in range(300_000):
            x += i * i % 7
        times.append(time.thread_time() - t)
    return round(sorted(times)[2] * 1000, 2)


def proc_stat(pid: int | str) -> dict[str, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    status = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        status[key] = value.split()[0] if value.split() else ""
    return {"user_s": int(fields[11]) / _TCK, "sys_s": int(fields[12]) / _TCK,
            "minflt": int(fields[7]), "majflt": int(fields[9]),
            "rss_mb": int(status["VmRSS"]) / 1024, "threads": int(status["Threads"]),
            "vcsw": int(status["voluntary_ctxt_switches"]),
            "ivcsw": int(status["nonvoluntary_ctxt_switches"])}


class GcWatch:
    """Collections per generation and the time they took in this process."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._t = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            gen = info["generation"]
            self.count[gen] += 1
            self.seconds[gen] += time.perf_counter() - self._t


def threads_now() -> list[dict[str, Any]]:
    out = []
    names = {t.native_id: t.name for t in threading.enumerate()}
    for task in sorted(Path("/proc/self/task").iterdir()):
        tid = int(task.name)
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        out.append({"tid": tid, "name": names.get(tid, "(not a Python thread)"),
                    "cpu_s": (int(fields[11]) + int(fields[12])) / _TCK})
    return out


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of a process on these CPUs (threads it starts later inherit it)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), cpus)


def measure(kind: str, n: int, sim: SimProcess, work: Path, watch: GcWatch) -> dict[str, Any]:
    info, acc = sim.info, sim.account()
    os.sync()
    cal0 = calibrate()
    me0, sim0, stat0 = proc_stat("self"), proc_stat(sim.proc.pid), _cpu_stat()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    gc0 = (list(watch.count), list(watch.seconds))
    objects0 = len(gc.get_objects())
    probe = _SpeedProbe(sim.proc.pid)
    # S: a floor with the client and the simulator on the same core; D: on different ones
    everywhere = os.sched_getaffinity(0)
    if kind in "SD":
        os.sched_setaffinity(0, {0})
        pin(sim.proc.pid, {0} if kind == "S" else {1})
    t0 = time.perf_counter()
    if kind in "FSD":
        floor_sync(info, acc, work / f"floor-{n}.sqlite3")
    else:
        run = app_sync(info, acc, work / f"app-{n}")
    wall = time.perf_counter() - t0
    os.sched_setaffinity(0, everywhere)
    pin(sim.proc.pid, everywhere)
    me1, sim1, stat1 = proc_stat("self"), proc_stat(sim.proc.pid), _cpu_stat()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    speed = probe.stop()
    cal1 = calibrate()
    ticks = sum(b - a for a, b in zip(stat0, stat1, strict=True)) or 1

    def delta(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
        return {k: round(b[k] - a[k], 2) for k in ("user_s", "sys_s", "minflt", "majflt",
                                                    "vcsw", "ivcsw")}

    out: dict[str, Any] = {
        "pass": n, "kind": kind, "wall_s": round(wall, 2), "load": os.getloadavg()[0],
        "calibration_ms_before_after": [cal0, cal1], "speed_probe": speed,
        "bench": delta(me0, me1), "sim": delta(sim0, sim1),
        "checker_cpu_s": round(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime, 2),
        "bench_rss_mb": round(me1["rss_mb"], 1), "sim_rss_mb": round(sim1["rss_mb"], 1),
        "sim_threads": sim1["threads"],
        "bench_objects_before_after": [objects0, len(gc.get_objects())],
        "bench_gc_counts": [b - a for a, b in zip(gc0[0], watch.count, strict=True)],
        "bench_gc_s": [round(b - a, 3) for a, b in zip(gc0[1], watch.seconds, strict=True)],
        "machine_steal_pct": round(100 * (stat1[7] - stat0[7]) / ticks, 2),
        "machine_idle_pct": round(100 * (stat1[3] + stat1[4] - stat0[3] - stat0[4]) / ticks, 1),
        "threads_after": [t for t in threads_now() if t["name"] != "MainThread"],
    }
    if kind == "A":
        out["app_s"] = round(run["elapsed"], 2)
        shutil.rmtree(work / f"app-{n}")
    else:
        (work / f"floor-{n}.sqlite3").unlink()
        out["threads_after_floor"] = out.pop("threads_after")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1500)
    ap.add_argument("sequence", help="passes, e.g. FFFFAFAFAF (the first F is the warm pass); "
                    "A app, F floor, S floor with client and simulator on one core, D on two")
    args = ap.parse_args()
    watch = GcWatch()
    gc.callbacks.append(watch)
    sim = SimProcess(int(args.messages / 0.7), None)
    try:
        with tempfile.TemporaryDirectory(prefix="syncdrift-") as tmp:
            for n, kind in enumerate(args.sequence):
                print(json.dumps(measure(kind, n, sim, Path(tmp), watch)), flush=True)
    finally:
        sim.close()


if __name__ == "__main__":
    main()
