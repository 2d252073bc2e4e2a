"""`InstallLayout.lock`: one update at a time, and a lock left behind by a process that is
gone never blocks an update (or the rollback of a version that crashed while staging)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dso_desktop.update.layout import LOCK_FILE, LOCK_STALE_SECONDS, InstallLayout, pid_alive


def _dead_pid() -> int:
    """The id of a process that has just ended (and been reaped)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    assert not pid_alive(p.pid)
    return p.pid


def test_the_lock_is_exclusive_and_names_its_holder(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    with layout.lock() as taken:
        assert taken
        path = tmp_path / LOCK_FILE
        assert path.read_text(encoding="ascii") == str(os.getpid())
        if sys.platform != "win32":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # Held by this very process (another thread): never broken as stale.
        with layout.lock() as again:
            assert again is False
        assert path.exists()
    assert not (tmp_path / LOCK_FILE).exists()  # released


def test_a_lock_of_a_process_that_is_gone_is_broken(tmp_path: Path) -> None:
    (tmp_path / LOCK_FILE).write_text(str(_dead_pid()), encoding="ascii")
    with InstallLayout(tmp_path).lock() as taken:
        assert taken
        assert (tmp_path / LOCK_FILE).read_text(encoding="ascii") == str(os.getpid())


@pytest.mark.skipif(sys.platform == "win32", reason="the parent's pid as a running process")
def test_a_lock_of_a_running_process_is_kept(tmp_path: Path) -> None:
    path = tmp_path / LOCK_FILE
    path.write_text(str(os.getppid()), encoding="ascii")  # a process that runs
    with InstallLayout(tmp_path).lock() as taken:
        assert taken is False
    assert path.read_text(encoding="ascii") == str(os.getppid())
    # ... unless it is older than the stale bound (a pid reused by another program).
    old = time.time() - LOCK_STALE_SECONDS - 5
    os.utime(path, (old, old))
    with InstallLayout(tmp_path).lock() as taken:
        assert taken


def test_a_lock_being_taken_right_now_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / LOCK_FILE
    path.write_text("", encoding="ascii")  # created, the pid not written yet
    with InstallLayout(tmp_path).lock() as taken:
        assert taken is False
    assert path.exists()
    path.write_text("not a pid", encoding="ascii")
    with InstallLayout(tmp_path).lock() as taken:
        assert taken is False
    recent = time.time() - LOCK_STALE_SECONDS + 60
    os.utime(path, (recent, recent))  # younger than the bound: still kept
    with InstallLayout(tmp_path).lock() as taken:
        assert taken is False
