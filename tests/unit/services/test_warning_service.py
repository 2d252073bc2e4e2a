"""`WarningService.collect`: which deadlines warn, from which day, with which due date.

The windows come from the settings and ISDS's rules (90 days retention after acceptance,
acceptance by fiction on the 10th day); each test puts a message just inside and just
outside a window, so an off-by-one or a flipped comparison fails."""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture

from dso_desktop.domain import Direction, Envelope, WarningKind
from dso_desktop.services.warnings import WarningService
from dso_desktop.services.watch import FICTION_DAYS, RETENTION_DAYS
from dso_desktop.settings import Settings
from dso_desktop.store import evidence as evd
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.repos import AccountRepo

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings()




def _message(db: Database, dm_id: str, **kw: Any) -> int:
    base: dict[str, Any] = dict(message_id=dm_id, sender_box_id="abc1234", sender_name="Úřad",
                                subject="Předmět", status=4, delivered_at=NOW)
    base.update(kw)
    with db.write() as s:
        return MessageRepo(s).upsert_envelope(1, Direction.RECEIVED, Envelope(**base)).id


def _collect(db: Database, settings: Settings = SETTINGS) -> list[Any]:
    return WarningService(db, lambda: settings).collect(NOW)


def _of(warnings: list[Any], kind: WarningKind) -> list[Any]:
    return [w for w in warnings if w.kind == kind]


def test_nothing_to_warn_about_on_a_fresh_archive(db: Database) -> None:
    assert _collect(db) == []


def test_password_expiry_warns_inside_the_window_only(db: Database) -> None:
    days = SETTINGS.password_warning_days
    with db.write() as s:
        AccountRepo(s).update("urad", password_expires_at=NOW + timedelta(days=days, hours=1))
    assert _of(_collect(db), WarningKind.PASSWORD_EXPIRY) == []
    expires = NOW + timedelta(days=3, hours=2)
    with db.write() as s:
        AccountRepo(s).update("urad", password_expires_at=expires)
    [w] = _of(_collect(db), WarningKind.PASSWORD_EXPIRY)
    assert (w.account, w.message_id, w.due) == ("urad", None, expires)
    assert f"{expires:%d. %m. %Y}" in w.text_cs and f"{expires:%Y-%m-%d}" in w.text_en
    # already expired: still warned about (overdue), with the day it expired
    gone = NOW - timedelta(days=2)
    with db.write() as s:
        AccountRepo(s).update("urad", password_expires_at=gone)
    [w] = _of(_collect(db), WarningKind.PASSWORD_EXPIRY)
    assert w.due == gone and f"{gone:%Y-%m-%d}" in w.text_en


def test_deletion_warns_from_the_configured_day_before_isds_deletes(db: Database) -> None:
    lead = SETTINGS.deletion_warning_days
    edge = NOW - timedelta(days=RETENTION_DAYS - lead)
    inside = _message(db, "1001", status=6, accepted_at=edge)
    _message(db, "1002", status=6, accepted_at=edge + timedelta(minutes=1))  # not yet
    [w] = _of(_collect(db), WarningKind.DELETION)
    assert (w.message_id, w.account) == (inside, "urad")
    assert w.due == edge + timedelta(days=RETENTION_DAYS)
    assert "1001" in w.text_cs and f"{w.due:%d. %m. %Y}" in w.text_cs
    # a wider window from the settings reaches the second one too
    wider = replace(SETTINGS, deletion_warning_days=lead + 1)
    assert len(_of(_collect(db, wider), WarningKind.DELETION)) == 2


def test_a_downloaded_message_is_not_warned_about_deletion(db: Database) -> None:
    mid = _message(db, "1101", status=6, accepted_at=NOW - timedelta(days=85))
    with db.write() as s:
        repo = MessageRepo(s)
        repo.attach_zfo(mid, b"ZFO", Envelope(message_id="1101", status=6,
                                              accepted_at=NOW - timedelta(days=85)),
                        search_text_for(Envelope(message_id="1101"), []), 0,
                        VerdictInfo("valid", NOW, "{}", None))
    assert _of(_collect(db), WarningKind.DELETION) == []


def test_fiction_warns_until_the_tenth_day(db: Database) -> None:
    soon = _message(db, "2001", status=4, delivered_at=NOW - timedelta(days=FICTION_DAYS - 1))
    _message(db, "2002", status=4, delivered_at=NOW - timedelta(days=FICTION_DAYS, minutes=1))
    _message(db, "2003", status=6, delivered_at=NOW - timedelta(days=2),
             accepted_at=NOW - timedelta(days=1))
    [w] = _of(_collect(db), WarningKind.FICTION)
    assert w.message_id == soon
    assert w.due == NOW + timedelta(days=1)
    # the tenth day itself still warns (due now), the minute after it no longer
    today = _message(db, "2004", status=4, delivered_at=NOW - timedelta(days=FICTION_DAYS))
    assert [(x.message_id, x.due) for x in _of(_collect(db), WarningKind.FICTION)] == [
        (today, NOW), (soon, NOW + timedelta(days=1))]


def test_evidence_expiry_warns_inside_the_restamp_window(db: Database) -> None:
    days = SETTINGS.restamp_within_days
    near = _message(db, "3001")
    far = _message(db, "3002")
    with db.write() as s:
        repo = MessageRepo(s)
        repo.set_verdict(near, VerdictInfo("expiring", NOW, "{}", None,
                                           evidence_expires=NOW + timedelta(days=days),
                                           evidence_cause="timestamp-certificate"))
        repo.set_verdict(far, VerdictInfo("valid", NOW, "{}", None,
                                          evidence_expires=NOW + timedelta(days=days,
                                                                           minutes=1),
                                          evidence_cause="timestamp-certificate"))
    [w] = _of(_collect(db), WarningKind.TIMESTAMP_EXPIRY)
    assert (w.message_id, w.due) == (near, NOW + timedelta(days=days))


def test_evidence_problems_are_warned_about(db: Database) -> None:
    mid = _message(db, "4001")
    with db.write() as s:
        repo = MessageRepo(s)
        repo.keep_copy(mid, evd.DELIVERY_INFO, b"other", None, "untrusted", None,
                       evd.REASON_CONFLICT)
        repo.quarantine(b"file", zfo_kind="received", dm_id="4002", verdict="untrusted",
                        verdict_json=None, reasons=None, source_name="a.zfo")
    warnings = _collect(db)
    [conflict] = _of(warnings, WarningKind.EVIDENCE_CONFLICT)
    assert conflict.message_id == mid and conflict.account == "urad"
    assert "doručenky 4001" in conflict.text_cs and "delivery info 4001" in conflict.text_en
    [quarantined] = _of(warnings, WarningKind.QUARANTINED)
    assert "a.zfo" in quarantined.text_cs and "4002" in quarantined.text_en
    with db.write() as s:
        repo = MessageRepo(s)
        repo.mark_copies_reviewed([c.id for c in repo.evidence_copies(mid)])
    assert _of(_collect(db), WarningKind.EVIDENCE_CONFLICT) == []
