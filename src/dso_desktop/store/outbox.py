"""The send outbox: one durable row per message on its way out (see services/outbox.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dso_desktop.store.errors import NotFound
from dso_desktop.store.models import OutboxEntry
from dso_desktop.store.timeutil import from_db, to_db, utcnow

PREPARED = "prepared"  # committed; no request that could create the message has started
SUBMITTING = "submitting"  # CreateMessage / CreateBigMessage may have reached ISDS
SENT = "sent"  # ISDS accepted it (dm_id known)
FAILED = "failed"  # ISDS refused it, or it is known not to have been sent: safe to send again
UNKNOWN = "unknown"  # it may or may not have been sent: reconcile before anything else
DISCARDED = "discarded"  # the user closed an unknown record without sending it again

STATES = (PREPARED, SUBMITTING, SENT, FAILED, UNKNOWN, DISCARDED)
OPEN_STATES = (PREPARED, SUBMITTING, UNKNOWN)  # the fate is not settled yet


@dataclass(frozen=True)
class OutboxAttachment:
    name: str
    size: int
    sha256: str
    path: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256, "path": self.path}


@dataclass(frozen=True)
class OutboxRecord:
    """A read-only copy of one outbox row."""

    id: int
    batch: str
    account: str
    recipient: str
    subject: str
    our_ref: str | None
    your_ref: str | None
    our_file_mark: str | None
    your_file_mark: str | None
    options: dict[str, Any]
    attachments: tuple[OutboxAttachment, ...]
    fingerprint: str
    big_message: bool
    state: str
    dm_id: str | None
    error: str | None
    unreported: bool
    created_at: datetime
    submitted_at: datetime | None
    updated_at: datetime
    reconciled_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def to_json(self) -> dict[str, Any]:
        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v is not None else None

        return {
            "id": self.id, "batch": self.batch, "account": self.account,
            "recipient": self.recipient, "subject": self.subject, "our_ref": self.our_ref,
            "your_ref": self.your_ref, "our_file_mark": self.our_file_mark,
            "your_file_mark": self.your_file_mark, "options": self.options,
            "attachments": [a.to_json() for a in self.attachments],
            "big_message": self.big_message, "state": self.state, "dm_id": self.dm_id,
            "error": self.error, "unreported": self.unreported,
            "created_at": iso(self.created_at), "submitted_at": iso(self.submitted_at),
            "updated_at": iso(self.updated_at), "reconciled_at": iso(self.reconciled_at),
        }


def _record(row: OutboxEntry) -> OutboxRecord:
    created = from_db(row.created_at)
    updated = from_db(row.updated_at)
    assert created is not None and updated is not None
    return OutboxRecord(
        id=row.id, batch=row.batch, account=row.account_name, recipient=row.recipient,
        subject=row.subject, our_ref=row.our_ref, your_ref=row.your_ref,
        our_file_mark=row.our_file_mark, your_file_mark=row.your_file_mark,
        options=json.loads(row.options),
        attachments=tuple(OutboxAttachment(**a) for a in json.loads(row.attachments)),
        fingerprint=row.fingerprint, big_message=bool(row.big_message), state=row.state,
        dm_id=row.dm_id, error=row.error, unreported=bool(row.unreported), created_at=created,
        submitted_at=from_db(row.submitted_at), updated_at=updated,
        reconciled_at=from_db(row.reconciled_at),
    )


class OutboxRepo:
    """Outbox rows within one unit of work (the caller's ``db.write()`` commits them)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, *, batch: str, account: str, recipient: str, subject: str,
            our_ref: str | None, your_ref: str | None, our_file_mark: str | None,
            your_file_mark: str | None, options: dict[str, Any],
            attachments: list[OutboxAttachment], fingerprint: str, big_message: bool,
            now: datetime | None = None) -> OutboxRecord:
        now = now or utcnow()
        row = OutboxEntry(
            batch=batch, account_name=account, recipient=recipient, subject=subject,
            our_ref=our_ref, your_ref=your_ref, our_file_mark=our_file_mark,
            your_file_mark=your_file_mark,
            options=json.dumps(options, ensure_ascii=False, sort_keys=True),
            attachments=json.dumps([a.to_json() for a in attachments], ensure_ascii=False),
            fingerprint=fingerprint, big_message=big_message, state=PREPARED, dm_id=None,
            error=None, unreported=False, created_at=to_db(now), submitted_at=None,
            updated_at=to_db(now), reconciled_at=None,
        )
        self.s.add(row)
        self.s.flush()
        return _record(row)

    def _row(self, record_id: int) -> OutboxEntry:
        row = self.s.get(OutboxEntry, record_id)
        if row is None:
            raise NotFound(f"no outbox record {record_id}")
        return row

    def get(self, record_id: int) -> OutboxRecord:
        return _record(self._row(record_id))

    def update(self, record_id: int, *, state: str | None = None, **changes: Any
               ) -> OutboxRecord:
        """Change one record; times are given aware and stored as naive UTC."""
        row = self._row(record_id)
        if state is not None:
            if state not in STATES:
                raise ValueError(f"unknown outbox state {state!r}")
            row.state = state
        for key, value in changes.items():
            if key not in ("dm_id", "error", "unreported", "submitted_at", "reconciled_at"):
                raise ValueError(f"outbox field {key!r} cannot be changed")
            setattr(row, key, to_db(value) if isinstance(value, datetime) else value)
        row.updated_at = to_db(utcnow())  # type: ignore[assignment]
        self.s.flush()
        return _record(row)

    def list(self, account: str | None = None, *, states: tuple[str, ...] | None = None,
             fingerprint: str | None = None, limit: int | None = None) -> list[OutboxRecord]:
        q = select(OutboxEntry)
        if account is not None:
            q = q.where(OutboxEntry.account_name == account)
        if states is not None:
            q = q.where(OutboxEntry.state.in_(states))
        if fingerprint is not None:
            q = q.where(OutboxEntry.fingerprint == fingerprint)
        q = q.order_by(OutboxEntry.id.desc())
        if limit is not None:
            q = q.limit(limit)
        return [_record(r) for r in self.s.scalars(q)]

    def claimed_dm_ids(self, account: str, exclude: int) -> set[str]:
        """dmIDs other records of ``account`` already stand for (never matched twice)."""
        q = select(OutboxEntry.dm_id).where(
            OutboxEntry.account_name == account, OutboxEntry.dm_id.is_not(None),
            OutboxEntry.id != exclude)
        return {d for d in self.s.scalars(q) if d}
