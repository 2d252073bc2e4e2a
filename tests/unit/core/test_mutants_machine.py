"""Where a mutation run's machine time goes (scripts/mutants_resident.py's
``machine_sample``): session 14 found the mutant children's CPU was only a third of the
machine's core-seconds in the store's group, the PostgreSQL server taking much of the rest
unseen, so each group's line now says who used the machine."""

from __future__ import annotations

import sys
import time

import pytest
from tests.pgserver import PgServer
from tests.unit.core.test_mutants_lines import _resident

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_the_servers_work_and_the_runners_own_are_counted(pg_server: PgServer) -> None:
    mr = _resident()
    before = mr.machine_sample()
    # ~0.3 s of the server's CPU in a backend that then exits (reaped by the postmaster)
    with pg_server.connect("postgres") as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)")
    t0 = time.process_time()
    while time.process_time() - t0 < 0.2:  # and the runner's own
        sum(range(10_000))
    time.sleep(0.3)  # the postmaster reaps the backend
    after = mr.machine_sample()
    assert after["server"] - before["server"] >= 0.1
    assert after["runner"] - before["runner"] >= 0.15
    assert after["busy"] - before["busy"] >= 0.3
    # (iowait, part of idle, may step back a little: the kernel does not keep it monotonic)
    assert after["total"] - before["total"] >= after["busy"] - before["busy"] - 0.2


def test_a_groups_line_splits_the_busy_time_among_who_used_it() -> None:
    mr = _resident()
    before = {"wall": 0.0, "runner": 1.0, "server": 10.0, "busy": 100.0, "total": 200.0}
    after = {"wall": 60.0, "runner": 6.0, "server": 46.0, "busy": 211.0, "total": 320.0}
    line = mr.machine_delta(before, after, 40.0)
    assert line == ("machine 120 core-s in 60 s: busy 111 (mutant children 40, PostgreSQL 36,"
                    " runner 5, other 30), idle 9")
