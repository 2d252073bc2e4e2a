"""Warnings the user must act on: the watch's deadlines plus evidence and sending problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from dso_desktop.domain import WarningKind, ZfoKind
from dso_desktop.services.types import ArchiveWarning
from dso_desktop.services.watch import WatchService
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.models import Account, Message

MAX_PER_KIND = 200


@dataclass(frozen=True)
class WarningPage:
    """The first warnings of the list and how many there are in all."""

    items: list[ArchiveWarning]
    total: int


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class WarningService:
    def __init__(self, db: Database, settings: Callable[[], Settings],
                 watch: WatchService | None = None) -> None:
        self._db = db
        self._settings = settings
        self._watch = watch or WatchService(db, settings)

    def collect(self, now: datetime | None = None, limit: int | None = None
                ) -> list[ArchiveWarning]:
        """The watch's due items (one list: `services.watch`), then what needs a look
        without a deadline (untrusted evidence, conflicting copies, quarantine, unsettled
        sends). Sorted by due date; items without one last. ``limit``: the first
        ``limit`` of that list only (`page`)."""
        now = now or datetime.now(UTC)
        return self._merged(now, limit, self.collect_others(now))

    def page(self, limit: int, now: datetime | None = None) -> WarningPage:
        """The first ``limit`` warnings and how many there are in all (issue 18): what the
        warnings panel shows. The watch's part is read ``limit`` rows per kind from its
        indexes and counted by SQL aggregates, so neither the time nor the memory grows
        with the archive (a million messages may have 300,000 items due)."""
        now = now or datetime.now(UTC)
        others = self.collect_others(now)  # every one of them: each kind is capped
        items = self._merged(now, limit, others)
        return WarningPage(items, sum(self._watch.counts(now).values()) + len(others))

    def collect_others(self, now: datetime | None = None) -> list[ArchiveWarning]:
        """The warnings that are not the watch's (no deadline, or sends and backups)."""
        now = now or datetime.now(UTC)
        with self._db.read() as s:
            names = dict(s.execute(select(Account.id, Account.name)).tuples().all())
            return self._evidence(s, names) + send_warnings(s) + backup_warnings(
                self._settings(), s, now)

    def _merged(self, now: datetime, limit: int | None,
                others: list[ArchiveWarning]) -> list[ArchiveWarning]:
        out: list[ArchiveWarning] = [
            ArchiveWarning(i.kind, i.account, i.message_id, i.due, i.text_cs, i.text_en,
                           dm_id=i.dm_id, remedy=i.remedy)
            for i in self._watch.items(now, limit=limit)]
        out += others
        far = datetime.max.replace(tzinfo=UTC)
        out.sort(key=lambda w: _aware(w.due) if w.due is not None else far)
        return out if limit is None else out[:max(0, limit)]

    @staticmethod
    def _evidence(s: object, names: dict[int, str]) -> list[ArchiveWarning]:
        """Evidence that is not trusted, copies kept beside evidence, quarantined files."""
        repo = MessageRepo(s)  # type: ignore[arg-type]
        out: list[ArchiveWarning] = []
        untrusted = repo.untrusted_evidence(limit=MAX_PER_KIND)
        copies = repo.evidence_copies(unreviewed=True)[:MAX_PER_KIND]
        # The accounts of the messages named here only (reading every message's account
        # built a million-entry dict at start: issue 18).
        wanted = sorted({mid for mid, _d, _v in untrusted} | {c.message_id for c in copies})
        accounts: dict[int, int | None] = {}
        for chunk in range(0, len(wanted), 500):
            accounts.update(s.execute(  # type: ignore[attr-defined]
                select(Message.id, Message.account_id).where(
                    Message.id.in_(wanted[chunk:chunk + 500]))).tuples().all())
        for mid, dm_id, verdict in untrusted:
            out.append(ArchiveWarning(
                WarningKind.UNTRUSTED_EVIDENCE, names.get(accounts.get(mid) or 0), mid, None,
                f"Uložená zpráva {dm_id} nemá důvěryhodný podpis ({verdict or 'neověřeno'}); "
                "příští synchronizace stáhne originál z ISDS.",
                f"The stored copy of message {dm_id} is not trusted ({verdict or 'unverified'});"
                " the next sync downloads ISDS's copy.",
            ))
        for c in copies:
            what_cs = "doručenky" if c.kind == ZfoKind.DELIVERY_INFO else "zprávy"
            what_en = "delivery info" if c.kind == ZfoKind.DELIVERY_INFO else "message"
            out.append(ArchiveWarning(
                WarningKind.EVIDENCE_CONFLICT, names.get(accounts.get(c.message_id) or 0),
                c.message_id, None,
                f"K {what_cs} {c.dm_id} je v archivu jiná kopie s odlišným obsahem "
                f"(podpis: {c.verdict or 'neověřen'}); jako důkaz platí ověřená kopie, "
                "druhá je uložena stranou.",
                f"Another copy of {what_en} {c.dm_id} with different content is kept "
                f"beside the evidence (seal: {c.verdict or 'unverified'}).",
            ))
        for q in repo.quarantined()[:MAX_PER_KIND]:
            out.append(ArchiveWarning(
                WarningKind.QUARANTINED, None, None, None,
                f"Importovaný soubor {q.source_name or ''} (zpráva {q.dm_id or '?'}) nemá "
                f"důvěryhodný podpis ({q.verdict}); je v karanténě a není důkazem.",
                f"Imported file {q.source_name or ''} (message {q.dm_id or '?'}) is not "
                f"trusted ({q.verdict}); it is quarantined and is not evidence.",
            ))
        return out


def send_warnings(s: Any) -> list[ArchiveWarning]:
    """Sends whose outcome is not known: shown until reconciliation settles them."""
    from dso_desktop.store.outbox import SUBMITTING, UNKNOWN, OutboxRepo

    out: list[ArchiveWarning] = []
    for rec in OutboxRepo(s).list(states=(SUBMITTING, UNKNOWN), limit=MAX_PER_KIND):
        at = rec.submitted_at or rec.created_at
        out.append(ArchiveWarning(
            WarningKind.SEND_UNKNOWN, rec.account, None, at,
            f"Není jisté, zda zpráva „{rec.subject}“ pro schránku {rec.recipient} (odesílána "
            f"{at:%d. %m. %Y %H:%M} UTC, záznam #{rec.id}) odešla. Neodesílejte ji znovu: "
            "ověří se v odeslaných zprávách účtu při příštím spuštění nebo příkazem "
            "dso outbox reconcile.",
            f"It is not known whether message '{rec.subject}' to box {rec.recipient} (sent "
            f"{at:%Y-%m-%d %H:%M} UTC, outbox #{rec.id}) went out. Do not send it again: it "
            "is checked against the account's sent messages at the next start or with "
            "dso outbox reconcile.",
        ))
    return out


def backup_warnings(st: Settings, s: Any, now: datetime) -> list[ArchiveWarning]:
    """Scheduled backups (issue 21): the last one failed, or none worked for longer than the
    schedule allows (a day of grace)."""
    from dso_desktop.services.backup import INTERVALS, STATUS_KEY, BackupStatus
    from dso_desktop.store.repos import SettingsRepo

    period = INTERVALS.get(st.backup_interval)
    if period is None:
        return []
    status = BackupStatus.from_json(SettingsRepo(s).all().get(STATUS_KEY))
    out: list[ArchiveWarning] = []
    if not st.backup_folder:
        out.append(ArchiveWarning(
            WarningKind.BACKUP_FAILED, None, None, None,
            "Pravidelné zálohování je zapnuté, ale není zvolena složka pro zálohy.",
            "Scheduled backups are on, but no backup folder is chosen."))
        return out
    failed_last = status.last_error and (
        status.last_ok_at is None or (status.last_attempt_at or now) > status.last_ok_at)
    if failed_last:
        out.append(ArchiveWarning(
            WarningKind.BACKUP_FAILED, None, None, status.last_attempt_at,
            f"Poslední záloha se nezdařila: {status.last_error_cs or status.last_error}",
            f"The last scheduled backup failed: {status.last_error}"))
    due = (status.last_ok_at + period + timedelta(days=1)) if status.last_ok_at else None
    if due is None or due <= now:
        when_cs = f"od {status.last_ok_at:%d. %m. %Y}" if status.last_ok_at else "zatím nikdy"
        when_en = f"since {status.last_ok_at:%Y-%m-%d}" if status.last_ok_at else "ever"
        out.append(ArchiveWarning(
            WarningKind.BACKUP_OVERDUE, None, None, due,
            f"Archiv nebyl zálohován {when_cs}.",
            f"The archive has not been backed up {when_en}."))
    return out
