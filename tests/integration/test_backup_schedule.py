"""Scheduled backups (issue 21): due by the settings, written into the chosen folder with the
newest N kept, the last failure and an overdue backup shown as archive warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod, WarningKind
from dso_desktop.paths import AppPaths
from dso_desktop.services.backupformat import BackupError
from dso_desktop.services.types import AccountSpec

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _kinds(app: App, now: datetime) -> list[WarningKind]:
    return [w.kind for w in app.warnings.collect(now=now)
            if w.kind in (WarningKind.BACKUP_FAILED, WarningKind.BACKUP_OVERDUE)]


def test_schedule_due_runs_keeps_n_and_warns(tmp_path: Path) -> None:
    folder = tmp_path / "zalohy"
    folder.mkdir()
    (folder / "moje-poznamky.txt").write_text("uživatelův soubor")
    with App.open(AppPaths.default(tmp_path / "data"), offline=True) as app:
        app.accounts.add(AccountSpec("a", LoginMethod.PASSWORD, "user1", "test"))
        assert not app.backup.scheduled_due(app.settings.get(), T0)  # off by default
        assert _kinds(app, T0) == []
        st = app.settings.update(backup_interval="daily", backup_folder=str(folder),
                                 backup_keep=2)
        assert app.backup.scheduled_due(st, T0)
        assert _kinds(app, T0) == [WarningKind.BACKUP_OVERDUE]  # never backed up yet
        for day in range(3):
            now = T0 + timedelta(days=day)
            assert app.backup.scheduled_due(st, now)
            info = app.backup.run_scheduled(st, now)
            assert app.backup.verify(info.path).counts["accounts"] == 1
            assert not app.backup.scheduled_due(st, now + timedelta(hours=23))
            assert _kinds(app, now + timedelta(hours=1)) == []
        kept = sorted(p.name for p in folder.iterdir())
        assert kept == ["dso-zaloha-20260303-080000.dsobackup",
                        "dso-zaloha-20260304-080000.dsobackup", "moje-poznamky.txt"]
        # Three days without a backup (one day of grace past the daily schedule): overdue.
        assert _kinds(app, T0 + timedelta(days=2, hours=47)) == []
        assert _kinds(app, T0 + timedelta(days=4, hours=1)) == [WarningKind.BACKUP_OVERDUE]


def test_failed_scheduled_backup_is_shown_and_retried_later(tmp_path: Path) -> None:
    with App.open(AppPaths.default(tmp_path / "data"), offline=True) as app:
        st = app.settings.update(backup_interval="weekly",
                                 backup_folder=str(tmp_path / "odpojeny-disk"))
        with pytest.raises(BackupError):
            app.backup.run_scheduled(st, T0)
        warnings = [w for w in app.warnings.collect(now=T0 + timedelta(minutes=5))
                    if w.kind is WarningKind.BACKUP_FAILED]
        assert len(warnings) == 1 and "odpojeny-disk" in warnings[0].text_en
        assert "nezdařila" in warnings[0].text_cs
        assert not app.backup.scheduled_due(st, T0 + timedelta(minutes=30))
        assert app.backup.scheduled_due(st, T0 + timedelta(hours=2))
        (tmp_path / "odpojeny-disk").mkdir()
        app.backup.run_scheduled(st, T0 + timedelta(hours=2))
        assert _kinds(app, T0 + timedelta(hours=3)) == []
        assert app.backup.status().last_error is None


def test_schedule_without_folder_is_a_warning(tmp_path: Path) -> None:
    with App.open(AppPaths.default(tmp_path / "data"), offline=True) as app:
        st = app.settings.update(backup_interval="daily")
        assert not app.backup.scheduled_due(st, T0)
        assert _kinds(app, T0) == [WarningKind.BACKUP_FAILED]
