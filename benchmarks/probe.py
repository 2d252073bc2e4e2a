"""The sync bench's probe (issue 18, branch `syncdrift`), run as a script beside each timed
phase of `cases.bench_sync`:

- once a second, a fixed pure-Python loop timed in CPU ms: the machine's speed now (this
  machine's is not constant: the same loop takes 7.5 or 12.5 ms of CPU in stretches of
  seconds to minutes, whatever runs on the other core);
- ten times a second, the CPU on which the bench process's main thread and the simulator's
  thread that used CPU since the last look last ran (``/proc`` stat field 39): the floor is a
  strict ping-pong between the two, and it costs ~25-30 % more CPU (and up to twice the wall
  time) when the scheduler wakes each end on the other core than when both share one.

    python benchmarks/probe.py BENCH_PID SIM_PID

Prints ``ready`` after its first loop, and on SIGTERM one JSON line: the loop's CPU ms per
sample and how many looks found both ends on the same CPU. ~0.5 % of one core.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any


def loop_ms() -> float:
    t = time.thread_time()
    x = 0
    for i in range(100_000):
        x += i * i % 7
    return round((time.thread_time() - t) * 1000, 3)


def last_cpu(path: str) -> tuple[int, int]:
    """(CPU it last ran on, user + system ticks) of one task."""
    with open(path, encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[36]), int(fields[11]) + int(fields[12])


class Placement:
    def __init__(self, bench: int, sim: int) -> None:
        self.bench, self.sim = bench, sim
        self.used: dict[str, int] = {}
        self.same = self.looks = 0

    def look(self) -> None:
        try:
            mine, _ = last_cpu(f"/proc/{self.bench}/task/{self.bench}/stat")
            tids = os.listdir(f"/proc/{self.sim}/task")
        except OSError:
            return
        active = None
        for tid in tids:
            try:
                cpu, used = last_cpu(f"/proc/{self.sim}/task/{tid}/stat")
            except OSError:
                continue
            if used != self.used.get(tid):
                self.used[tid] = used
                active = cpu
        if active is not None:
            self.looks += 1
            self.same += active == mine


def main(argv: list[str]) -> None:
    where = Placement(int(argv[1]), int(argv[2]))
    samples = [loop_ms()]
    report: dict[str, Any] = {"ms": samples}

    def stop(*_: object) -> None:
        report.update(same=where.same, looks=where.looks)
        print(json.dumps(report), flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    next_loop = time.monotonic() + 1.0
    while True:
        time.sleep(0.1)
        where.look()
        if time.monotonic() >= next_loop:
            samples.append(loop_ms())
            next_loop += 1.0


if __name__ == "__main__":
    main(sys.argv)
