"""Warnings the user must act on: passwords, timestamps, deletion by ISDS, fiction deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from dso_desktop.domain import MessageStatus
from dso_desktop.services.types import Warning
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
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

    def collect(self, now: datetime | None = None) -> list[Warning]:
        now = now or datetime.now(UTC)
        st = self._settings()
        out: list[Warning] = []
        with self._db.read() as s:
            for acc in AccountRepo(s).list():
                exp = acc.password_expires_at
                if exp is not None and exp - now <= timedelta(days=st.password_warning_days):
                    days = max(0, (exp - now).days)
                    out.append(Warning(
                        "password-expiry", acc.name, None, exp,
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
                out.append(Warning(
                    "timestamp-expiry", names.get(acc_id), mid, due,
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
                out.append(Warning(
                    "deletion", names.get(acc_id), mid, due,
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
                out.append(Warning(
                    "fiction", names.get(acc_id), mid, due,
                    f"Zpráva {dm_id} bude doručena fikcí {due:%d. %m. %Y}.",
                    f"Message {dm_id} will be accepted by fiction on {due:%Y-%m-%d}.",
                ))
            out += send_warnings(s)
        return out


def send_warnings(s: Any) -> list[Warning]:
    """Sends whose outcome is not known: shown until reconciliation settles them."""
    from dso_desktop.store.outbox import SUBMITTING, UNKNOWN, OutboxRepo

    out: list[Warning] = []
    for rec in OutboxRepo(s).list(states=(SUBMITTING, UNKNOWN), limit=MAX_PER_KIND):
        at = rec.submitted_at or rec.created_at
        out.append(Warning(
            "send-unknown", rec.account, None, at,
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
