"""`WarningService.collect` for what has no message behind it: sends whose outcome is unknown
and scheduled backups that failed or are overdue (the day of grace is exact)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dso_desktop.domain import WarningKind
from dso_desktop.services.backup import STATUS_KEY, BackupStatus
from dso_desktop.services.warnings import WarningService
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.outbox import (
    DISCARDED,
    FAILED,
    PREPARED,
    SENT,
    SUBMITTING,
    UNKNOWN,
    OutboxAttachment,
    OutboxRepo,
)
from dso_desktop.store.repos import SettingsRepo

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAILY = Settings().changed(backup_interval="daily", backup_folder="/zalohy")
WEEKLY = Settings().changed(backup_interval="weekly", backup_folder="/zalohy")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database.open(tmp_path / "archive.sqlite3")
    yield d
    d.close()


def _collect(db: Database, settings: Settings | None = None) -> list:
    st = settings or Settings()
    return WarningService(db, lambda: st).collect(NOW)


def _kinds(warnings: list) -> list[WarningKind]:
    return [w.kind for w in warnings]


def _outbox(db: Database, state: str, subject: str, when: datetime) -> int:
    with db.write() as s:
        repo = OutboxRepo(s)
        rec = repo.add(batch="b", account="obec", recipient="abc1234", subject=subject,
                       our_ref=None, your_ref=None, our_file_mark=None, your_file_mark=None,
                       options={}, attachments=[OutboxAttachment("a.pdf", 1, "0" * 64, "")],
                       fingerprint=subject, big_message=False, now=when)
        if state != PREPARED:
            repo.update(rec.id, state=state, submitted_at=when + timedelta(seconds=5))
    return rec.id


def _status(db: Database, status: BackupStatus) -> None:
    import json

    with db.write() as s:
        SettingsRepo(s).put(STATUS_KEY, json.loads(json.dumps(status.to_json())))


# -- unsettled sends -------------------------------------------------------------------------

def test_only_sends_of_unknown_outcome_are_warned_about(db: Database) -> None:
    when = datetime(2026, 5, 30, 8, 15, tzinfo=UTC)
    ids = {state: _outbox(db, state, f"věc {state}", when)
           for state in (PREPARED, SUBMITTING, UNKNOWN, SENT, FAILED, DISCARDED)}
    warned = [w for w in _collect(db) if w.kind == WarningKind.SEND_UNKNOWN]
    assert len(warned) == 2
    texts = sorted(w.text_en for w in warned)
    assert texts[0].startswith("It is not known whether message 'věc submitting' to box "
                               f"abc1234 (sent 2026-05-30 08:15 UTC, outbox "
                               f"#{ids[SUBMITTING]}) went out. Do not send it again")
    assert f"#{ids[UNKNOWN]}" in texts[1]
    cs = next(w.text_cs for w in warned if f"#{ids[UNKNOWN]}" in w.text_cs)
    assert cs.startswith("Není jisté, zda zpráva „věc unknown“ pro schránku abc1234 "
                         "(odesílána 30. 05. 2026 08:15 UTC")
    assert all(w.account == "obec" and w.message_id is None for w in warned)
    assert all(w.due == when + timedelta(seconds=5) for w in warned)


# -- scheduled backups -----------------------------------------------------------------------

def test_backups_off_never_warn(db: Database) -> None:
    _status(db, BackupStatus(last_error="disk full", last_attempt_at=NOW))
    assert _collect(db) == []


def test_backups_on_without_a_folder(db: Database) -> None:
    st = Settings().changed(backup_interval="daily")
    [w] = _collect(db, st)
    assert w.kind == WarningKind.BACKUP_FAILED
    assert w.text_cs == "Pravidelné zálohování je zapnuté, ale není zvolena složka pro zálohy."
    assert w.text_en == "Scheduled backups are on, but no backup folder is chosen."


def test_never_backed_up_is_overdue_now(db: Database) -> None:
    [w] = _collect(db, DAILY)
    assert w.kind == WarningKind.BACKUP_OVERDUE and w.due is None
    assert w.text_cs == "Archiv nebyl zálohován zatím nikdy."
    assert w.text_en == "The archive has not been backed up ever."


@pytest.mark.parametrize(("settings", "age", "overdue"), [
    (DAILY, timedelta(days=2) - timedelta(seconds=1), False),  # a day plus the day of grace
    (DAILY, timedelta(days=2), True),
    (WEEKLY, timedelta(days=8) - timedelta(seconds=1), False),
    (WEEKLY, timedelta(days=8), True),
])
def test_overdue_after_the_period_and_one_day_of_grace(db: Database, settings: Settings,
                                                       age: timedelta, overdue: bool) -> None:
    last = NOW - age
    _status(db, BackupStatus(last_ok_at=last, last_attempt_at=last))
    warnings = _collect(db, settings)
    if not overdue:
        assert warnings == []
        return
    [w] = warnings
    assert w.kind == WarningKind.BACKUP_OVERDUE
    assert w.due == NOW  # last + period + a day
    assert w.text_en == f"The archive has not been backed up since {last:%Y-%m-%d}."
    assert w.text_cs == f"Archiv nebyl zálohován od {last:%d. %m. %Y}."


def test_a_failed_backup_after_the_last_good_one_is_reported(db: Database) -> None:
    ok = NOW - timedelta(hours=20)
    failed = NOW - timedelta(hours=2)
    _status(db, BackupStatus(last_ok_at=ok, last_attempt_at=failed, last_error="disk full",
                             last_error_cs="disk je plný"))
    [w] = _collect(db, DAILY)
    assert w.kind == WarningKind.BACKUP_FAILED and w.due == failed
    assert w.text_cs == "Poslední záloha se nezdařila: disk je plný"
    assert w.text_en == "The last scheduled backup failed: disk full"


def test_an_old_error_before_a_good_backup_is_not_reported(db: Database) -> None:
    ok = NOW - timedelta(hours=2)
    _status(db, BackupStatus(last_ok_at=ok, last_attempt_at=ok - timedelta(hours=1),
                             last_error="disk full"))
    assert _collect(db, DAILY) == []


def test_a_failure_without_czech_text_shows_the_english_one(db: Database) -> None:
    _status(db, BackupStatus(last_attempt_at=NOW, last_error="permission denied"))
    warnings = _collect(db, DAILY)
    assert _kinds(warnings) == [WarningKind.BACKUP_FAILED, WarningKind.BACKUP_OVERDUE]
    assert warnings[0].text_cs == "Poslední záloha se nezdařila: permission denied"


def test_warnings_are_sorted_by_due_date_undated_last(db: Database) -> None:
    _outbox(db, UNKNOWN, "starší", NOW - timedelta(days=3))
    _outbox(db, UNKNOWN, "novější", NOW - timedelta(days=1))
    _status(db, BackupStatus(last_ok_at=NOW - timedelta(days=10),
                             last_attempt_at=NOW - timedelta(days=2), last_error="x"))
    warnings = _collect(db, DAILY)
    dues = [w.due for w in warnings]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated)
    assert _kinds(warnings)[:2] == [WarningKind.BACKUP_OVERDUE, WarningKind.SEND_UNKNOWN]
    assert "starší" in warnings[1].text_en
