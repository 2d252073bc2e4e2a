"""The sync benchmark's method (issue 18, sync floor): what each timed phase starts from and
what it records.

`bench_sync` times the app's sync against a floor (a bare client storing the same bytes)
run right after it, three times. Two things made a phase pay for something that was not
its own work: the simulator, started with a state folder, saved its whole world (46 MB of
JSON at 14,285 messages, 3-4.6 s of a core, under the world's lock) every 30 s while
requests changed it; and nothing settled the previous phase's 750 MB of writes before the
next phase started. Each phase now starts after ``os.sync()`` against an in-memory
simulator, and records where the CPU went, so a ratio can be read against the machine.
"""

from __future__ import annotations

import multiprocessing
import operator
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from benchmarks import cases, probe


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_phase_records_the_cpu_of_this_process_and_of_the_server() -> None:
    # The "server" burns 0.4 s of CPU only when told to, inside the phase, and says when it
    # is done (however loaded the machine is), then stays alive to be read.
    server = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nsys.stdin.readline()\n"
         "end = time.process_time() + 0.4\n"
         "while time.process_time() < end: pass\n"
         "print('done', flush=True)\ntime.sleep(60)"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdin is not None and server.stdout is not None
    try:
        with cases._Phase(server.pid) as phase:
            server.stdin.write("go\n")
            server.stdin.flush()
            _busy(0.3)
            assert server.stdout.readline().strip() == "done"
        info = phase.info
    finally:
        server.kill()
        server.wait()
        server.stdin.close()
        server.stdout.close()
    assert info["wall_s"] >= 0.3
    assert info["cpu_this_process_s"] >= 0.25
    assert info["cpu_simulator_s"] >= 0.35
    assert info["cpu_checking_process_s"] == 0  # no child was reaped during the phase
    # ... not even the speed probe, which timed its loop at least once meanwhile
    assert info["speed_probe"]["samples"] >= 1
    assert 0 < info["speed_probe"]["ms"] < 1000
    # The phase started on a settled page cache and says what was dirty then.
    assert isinstance(info["dirty_mb_at_start"], int)
    assert isinstance(info["settle_sync_s"], float)
    assert 0 <= info["machine_idle_pct"] <= 100
    assert 0 <= info["machine_steal_pct"] <= 100


def test_a_phase_counts_a_checking_process_once_it_has_ended() -> None:
    with cases._Phase(os.getpid()) as phase:
        subprocess.run([sys.executable, "-c",
                        "import time\nend = time.process_time() + 0.3\n"
                        "while time.process_time() < end: pass"], check=True)
    assert phase.info["cpu_checking_process_s"] >= 0.2


def test_the_process_cpu_of_a_missing_process_is_zero() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert cases._proc_cpu_s(proc.pid) == 0.0


def test_the_benchmarks_simulator_keeps_its_world_in_memory(tmp_path: Path) -> None:
    """No state folder: the simulator has no autosave thread writing the world during a
    timed phase, and nothing of it is left on disk."""
    sim = cases.SimProcess(20, None)
    try:
        assert "--state-dir" not in sim.proc.args
        ca = Path(sim.info["ca_file"])
        assert ca.is_file()
        assert sim.info["url"].startswith("https://127.0.0.1:")
        assert not (ca.parent.parent / "world.json").exists()
    finally:
        sim.close()
    assert not ca.exists()  # its temporary folder went with it


def test_the_checking_process_peak_is_its_own_not_the_bench_process_s() -> None:
    """`sync_checker_peak_rss_mb` read ``RUSAGE_CHILDREN``, which for a process started by
    (v)fork and exec keeps the peak of the memory it left: the bench process's own (137.0 MB
    for both in session 13). A spawned checking process of a 400 MB process must report
    its own peak, ~60 MB here."""
    ballast = bytearray(400 * 2**20)
    for i in range(0, len(ballast), 4096):  # resident, not just reserved
        ballast[i] = 1
    with cases._ChildPeaks(interval=0.05) as peaks:
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            # the worker makes 20 MB and sends it back (pickled once more there)
            assert len(pool.submit(operator.mul, b"x", 20 * 2**20).result()) == 20 * 2**20
            peaks.sample()  # while it lives, whatever the thread's timing
        finally:
            pool.shutdown()
    old = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert old >= 400  # what the case reported: the bench process's peak
    assert len(peaks.peaks) == 1  # the one worker; no other child of ours is a checker
    assert 20 <= peaks.peak_mb < 200
    del ballast


def test_the_probe_tells_whether_the_floor_s_two_ends_share_a_cpu() -> None:
    """The floor is a ping-pong between this process and the simulator; whether the two
    share a CPU moves its cost by a quarter (branch syncdrift), so each phase records it."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs")
    everywhere = os.sched_getaffinity(0)
    first, second = sorted(everywhere)[:2]
    other = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        for cpu, same in ((first, 5), (second, 0)):
            os.sched_setaffinity(other.pid, {cpu})
            os.sched_setaffinity(0, {first})
            where = probe.Placement(os.getpid(), other.pid)
            deadline = time.monotonic() + 20  # a look counts once the other used a tick
            while where.looks < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
                where.look()
            assert (where.same, where.looks) == (same, 5)
    finally:
        os.sched_setaffinity(0, everywhere)
        other.kill()
        other.wait()
