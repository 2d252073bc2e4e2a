"""Survivors of session 15's whole run (branch ``survsynceng15``) in `sync.lock`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dso_desktop.sync.lock import ArchiveUseLock


@pytest.mark.skipif(sys.platform == "win32", reason="the POSIX lock is what is left out")
def test_on_windows_the_archive_use_lock_takes_no_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows the restore's rename refuses an open database by itself: a restore and
    an open archive take nothing (no flock there), so neither refuses the other."""
    monkeypatch.setattr(sys, "platform", "win32")
    ArchiveUseLock(tmp_path, exclusive=True).acquire()
    ArchiveUseLock(tmp_path, exclusive=True).acquire()  # not busy: nothing was taken
    assert not (tmp_path / "archive-open.lock").exists()


def test_a_busy_database_lock_names_the_lock_it_could_not_take() -> None:
    """As a busy file lock names its file: the advisory lock's kind and account."""
    from typing import Any

    from dso_desktop.sync.lock import DB_LOCK_KINDS, DatabaseLock, LockBusy

    class Taken:
        def try_advisory_lock(self, kind: int, key: int) -> Any:
            return None  # another computer holds it

    with pytest.raises(LockBusy) as busy:
        DatabaseLock(Taken(), 7).acquire()
    assert str(busy.value) == f"advisory lock {DB_LOCK_KINDS['sync']}/7"
