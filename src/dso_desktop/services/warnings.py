"""Warnings the user must act on: passwords, timestamps, deletion by ISDS, fiction deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from dso_desktop.domain import MessageStatus, WarningKind, ZfoKind
from dso_desktop.services.types import ArchiveWarning
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.models import Account, Message
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.timeutil import to_db

RETENTION_DAYS = 90  # ISDS deletes a message 90 days after acceptance (PROTOCOL.md §7)
FICTION_DAYS = 10  # accepted by fiction on the 10th day after delivery (PROTOCOL.md §7)
MAX_PER_KIND = 200


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class WarningService:
    def __init__(self, db: Database, settings: Callable[[], Settings]) -> None:
        self._db = db
        self._settings = settings

    def collect(self, now: datetime | None = None) -> list[ArchiveWarning]:
        now = now or datetime.now(UTC)
        st = self._settings()
        out: list[ArchiveWarning] = []
        with self._db.read() as s:
            for acc in AccountRepo(s).list():
                exp = acc.password_expires_at
                if exp is not None and exp - now <= timedelta(days=st.password_warning_days):
                    days = max(0, (exp - now).days)
                    out.append(ArchiveWarning(
                        WarningKind.PASSWORD_EXPIRY, acc.name, None, exp,
                        f"Heslo k účtu „{acc.name}“ vyprší za {days} dní; změňte jej.",
                        f"The password of account '{acc.name}' expires in {days} days.",
                    ))
            names = dict(s.execute(select(Account.id, Account.name)).tuples().all())

            # Timestamps about to expire: the archive should re-stamp or re-verify them.
            limit = to_db(now + timedelta(days=st.timestamp_warning_days))
            q = select(Message.id, Message.dm_id, Message.account_id,
                       Message.timestamp_expires).where(
                Message.timestamp_expires.is_not(None), Message.timestamp_expires <= limit,
            ).order_by(Message.timestamp_expires).limit(MAX_PER_KIND)
            for mid, dm_id, acc_id, exp in s.execute(q):
                due = _aware(exp)
                out.append(ArchiveWarning(
                    WarningKind.TIMESTAMP_EXPIRY, names.get(acc_id), mid, due,
                    f"Časové razítko zprávy {dm_id} vyprší {due:%d. %m. %Y}.",
                    f"The timestamp of message {dm_id} expires on {due:%Y-%m-%d}.",
                ))

            # Not fully downloaded and ISDS will delete it: 90 days after acceptance.
            horizon = to_db(now - timedelta(days=RETENTION_DAYS - st.deletion_warning_days))
            q = select(Message.id, Message.dm_id, Message.account_id, Message.accepted_at).where(
                Message.downloaded.is_(False), Message.accepted_at.is_not(None),
                Message.accepted_at <= horizon,
            ).order_by(Message.accepted_at).limit(MAX_PER_KIND)
            for mid, dm_id, acc_id, acc_at in s.execute(q):
                due = _aware(acc_at) + timedelta(days=RETENTION_DAYS)
                out.append(ArchiveWarning(
                    WarningKind.DELETION, names.get(acc_id), mid, due,
                    f"Zpráva {dm_id} není stažena celá a ISDS ji smaže {due:%d. %m. %Y}.",
                    f"Message {dm_id} is not fully downloaded; ISDS deletes it on "
                    f"{due:%Y-%m-%d}.",
                ))

            # Delivered, not accepted yet: acceptance by fiction on the 10th day (mostly our
            # sent messages; a received one is accepted by our own list download).
            q = select(Message.id, Message.dm_id, Message.account_id, Message.delivered_at).where(
                Message.status == int(MessageStatus.DELIVERED),
                Message.delivered_at.is_not(None),
                Message.accepted_at.is_(None),
            ).order_by(Message.delivered_at).limit(MAX_PER_KIND)
            for mid, dm_id, acc_id, dlv in s.execute(q):
                due = _aware(dlv) + timedelta(days=FICTION_DAYS)
                if due < now:
                    continue
                out.append(ArchiveWarning(
                    WarningKind.FICTION, names.get(acc_id), mid, due,
                    f"Zpráva {dm_id} bude doručena fikcí {due:%d. %m. %Y}.",
                    f"Message {dm_id} will be accepted by fiction on {due:%Y-%m-%d}.",
                ))
            out += self._evidence(s, names)
            out += send_warnings(s)
            out += backup_warnings(st, s, now)
        return out

    @staticmethod
    def _evidence(s: object, names: dict[int, str]) -> list[ArchiveWarning]:
        """Evidence that is not trusted, copies kept beside evidence, quarantined files."""
        repo = MessageRepo(s)  # type: ignore[arg-type]
        out: list[ArchiveWarning] = []
        accounts: dict[int, int | None] = dict(s.execute(  # type: ignore[attr-defined]
            select(Message.id, Message.account_id)).tuples().all())
        for mid, dm_id, verdict in repo.untrusted_evidence()[:MAX_PER_KIND]:
            out.append(ArchiveWarning(
                WarningKind.UNTRUSTED_EVIDENCE, names.get(accounts.get(mid) or 0), mid, None,
                f"Uložená zpráva {dm_id} nemá důvěryhodný podpis ({verdict or 'neověřeno'}); "
                "příští synchronizace stáhne originál z ISDS.",
                f"The stored copy of message {dm_id} is not trusted ({verdict or 'unverified'});"
                " the next sync downloads ISDS's copy.",
            ))
        for c in repo.evidence_copies(unreviewed=True)[:MAX_PER_KIND]:
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
