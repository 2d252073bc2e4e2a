"""The backup schedule's rules (services/backup.py) without making backups: when one is due,
the hour's pause after a failure, which old files are pruned (only the schedule's own), and a
status that survives damaged storage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dso_desktop.errors import DsoError
from dso_desktop.paths import AppPaths
from dso_desktop.services.backup import (
    RETRY_AFTER,
    SCHEDULED_PREFIX,
    STATUS_KEY,
    SUFFIX,
    BackupService,
    BackupStatus,
)
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.repos import SettingsRepo

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[BackupService]:
    db = Database.open(tmp_path / "archive.sqlite3")
    yield BackupService(AppPaths.default(tmp_path / "data"), db)
    db.close()


def _set_status(svc: BackupService, status: BackupStatus) -> None:
    svc._record(status)


def _daily(folder: Path | None) -> Settings:
    return Settings().changed(backup_interval="daily",
                              backup_folder=str(folder) if folder else None)


def test_off_or_without_a_folder_is_never_due(svc: BackupService, tmp_path: Path) -> None:
    assert not svc.scheduled_due(Settings(), NOW)
    assert not svc.scheduled_due(_daily(None), NOW)
    assert not svc.scheduled_due(Settings().changed(backup_interval="hourly",
                                                    backup_folder=str(tmp_path)), NOW)
    assert svc.scheduled_due(_daily(tmp_path), NOW)  # never made one: due now


@pytest.mark.parametrize(("interval", "age", "due"), [
    ("daily", timedelta(hours=23, minutes=59), False),
    ("daily", timedelta(days=1), True),
    ("weekly", timedelta(days=6, hours=23), False),
    ("weekly", timedelta(days=7), True),
])
def test_due_after_one_period(svc: BackupService, tmp_path: Path, interval: str,
                              age: timedelta, due: bool) -> None:
    _set_status(svc, BackupStatus(last_ok_at=NOW - age, last_attempt_at=NOW - age))
    st = Settings().changed(backup_interval=interval, backup_folder=str(tmp_path))
    assert svc.scheduled_due(st, NOW) is due


def test_a_failure_pauses_the_schedule_for_an_hour(svc: BackupService, tmp_path: Path) -> None:
    old_ok = NOW - timedelta(days=3)
    _set_status(svc, BackupStatus(old_ok, NOW - RETRY_AFTER + timedelta(seconds=1), "disk"))
    assert not svc.scheduled_due(_daily(tmp_path), NOW)
    _set_status(svc, BackupStatus(old_ok, NOW - RETRY_AFTER, "disk"))
    assert svc.scheduled_due(_daily(tmp_path), NOW)


def test_a_missing_folder_is_recorded_as_the_failure_and_raised(svc: BackupService,
                                                                tmp_path: Path) -> None:
    ok = NOW - timedelta(days=2)
    _set_status(svc, BackupStatus(ok, ok, None, None, "/old/backup.dsobackup"))
    with pytest.raises(DsoError, match="is not available"):
        svc.run_scheduled(_daily(tmp_path / "unplugged-disk"), NOW)
    st = svc.status()
    # The last good backup is still known; the failure is newer, with its reason.
    assert (st.last_ok_at, st.last_attempt_at, st.last_path) == (ok, NOW,
                                                                 "/old/backup.dsobackup")
    assert st.last_error is not None and "unplugged-disk" in st.last_error
    assert st.last_error_cs
    assert not svc.scheduled_due(_daily(tmp_path), NOW + timedelta(minutes=5))


def test_prune_keeps_the_newest_of_the_schedules_own_files(tmp_path: Path) -> None:
    names = [f"{SCHEDULED_PREFIX}2026050{d}-010000{SUFFIX}" for d in range(1, 6)]
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    mine = tmp_path / f"moje-zaloha{SUFFIX}"  # made by hand: never pruned
    mine.write_bytes(b"x")
    (tmp_path / f"{SCHEDULED_PREFIX}folder{SUFFIX}").mkdir()  # not a file: left alone
    assert BackupService._prune(tmp_path, 2) == 3
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*names[-2:], mine.name, f"{SCHEDULED_PREFIX}folder{SUFFIX}"])
    assert BackupService._prune(tmp_path, 2) == 0


@pytest.mark.parametrize("raw", [None, "garbage", [], 7, {"last_ok_at": "not a date"}])
def test_a_damaged_status_reads_as_no_backup_yet(raw: object) -> None:
    st = BackupStatus.from_json(raw)
    assert st.last_ok_at is None and st.last_attempt_at is None


def test_status_round_trip_in_utc(svc: BackupService) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 6, 1, 14, 0, tzinfo=ZoneInfo("Europe/Prague"))
    _set_status(svc, BackupStatus(local, local, "x", "y", "/p"))
    with svc._db.read() as s:  # type: ignore[union-attr]
        raw = SettingsRepo(s).all()[STATUS_KEY]
    assert raw["last_ok_at"] == "2026-06-01T12:00:00+00:00"
    st = svc.status()
    assert st.last_ok_at == local and st.to_json() == raw
    assert BackupService(svc._paths, None).status() == BackupStatus()
