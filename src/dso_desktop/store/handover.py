"""Hand-over to records management as the archive keeps it: batches and their entities,
confirmed hand-overs, REST uploads, and the purge that removes handed-over messages (with
its log). Portable SQLAlchemy only (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from dso_desktop.store.errors import NotFound
from dso_desktop.store.models import (
    Account,
    DeliveryInfo,
    EvidenceCopy,
    Message,
    MessageZfo,
    RecordsBatch,
    RecordsBatchEntity,
    RecordsHandover,
    RecordsPurgeLog,
    RecordsUpload,
)
from dso_desktop.store.records import SearchText
from dso_desktop.store.timeutil import from_db, to_db, utcnow

METHOD_BATCH = "batch"
METHOD_REST = "rest"


@dataclass(frozen=True)
class HandoverRecord:
    """One confirmed hand-over of a message (where, when, how)."""

    id: int
    message_id: int | None
    dm_id: str
    method: str  # batch | rest
    target: str
    locations: tuple[str, ...]
    batch_id: str | None
    zfo_sha256: str | None
    delivery_info_sha256: str | None
    confirmed_at: datetime
    recorded_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "message_id": self.message_id, "dm_id": self.dm_id,
                "method": self.method, "target": self.target,
                "locations": list(self.locations), "batch_id": self.batch_id,
                "zfo_sha256": self.zfo_sha256,
                "delivery_info_sha256": self.delivery_info_sha256,
                "confirmed_at": self.confirmed_at.isoformat(),
                "recorded_at": self.recorded_at.isoformat()}


@dataclass(frozen=True)
class BatchEntityRecord:
    poradi: int
    entity_type: str
    entity_id: str
    message_id: int | None
    role: str
    sha256: str | None
    status: str | None
    reason: str | None


@dataclass(frozen=True)
class BatchRecord:
    id: int
    batch_id: str
    source: str
    target: str
    file_name: str
    manifest_sha256: str
    message_count: int
    entity_count: int
    created_at: datetime
    state: str
    confirmed_at: datetime | None
    confirmation_note: str | None

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "source": self.source, "target": self.target,
                "file": self.file_name, "manifest_sha256": self.manifest_sha256,
                "messages": self.message_count, "entities": self.entity_count,
                "created_at": self.created_at.isoformat(), "state": self.state,
                "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
                "note": self.confirmation_note}


@dataclass(frozen=True)
class PurgeLogRecord:
    message_id: int
    dm_id: str
    account: str | None
    direction: str
    delivered_at: datetime | None
    zfo_sha256: str | None
    handover_method: str
    handover_target: str
    batch_id: str | None
    confirmed_at: datetime
    purged_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "dm_id": self.dm_id, "account": self.account,
                "direction": self.direction,
                "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
                "zfo_sha256": self.zfo_sha256, "method": self.handover_method,
                "target": self.handover_target, "batch_id": self.batch_id,
                "confirmed_at": self.confirmed_at.isoformat(),
                "purged_at": self.purged_at.isoformat()}


def _handover(r: RecordsHandover) -> HandoverRecord:
    return HandoverRecord(
        id=r.id, message_id=r.message_id, dm_id=r.dm_id, method=r.method, target=r.target,
        locations=tuple(json.loads(r.location)) if r.location else (),
        batch_id=r.batch_id, zfo_sha256=r.zfo_sha256,
        delivery_info_sha256=r.delivery_info_sha256,
        confirmed_at=from_db(r.confirmed_at),  # type: ignore[arg-type]
        recorded_at=from_db(r.recorded_at))  # type: ignore[arg-type]


def _batch(b: RecordsBatch) -> BatchRecord:
    return BatchRecord(b.id, b.batch_id, b.source, b.target, b.file_name, b.manifest_sha256,
                       b.message_count, b.entity_count,
                       from_db(b.created_at),  # type: ignore[arg-type]
                       b.state, from_db(b.confirmed_at), b.confirmation_note)


class HandoverRepo:
    """Within one unit of work (a session from `Database.read()`/`write()`)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    # -- batches --------------------------------------------------------------------------
    def add_batch(self, *, batch_id: str, source: str, target: str, file_name: str,
                  manifest_sha256: str, message_count: int, created_at: datetime,
                  entities: Iterable[tuple[int, str, str, int, str, str | None]]) -> int:
        """Record a written batch; ``entities`` are (poradi, type, id, message_id, role,
        sha256)."""
        ents = list(entities)
        b = RecordsBatch(batch_id=batch_id, source=source, target=target,
                         file_name=file_name[:1000], manifest_sha256=manifest_sha256,
                         message_count=message_count, entity_count=len(ents),
                         created_at=to_db(created_at), state="exported")
        self.s.add(b)
        self.s.flush()
        for poradi, etype, eid, mid, role, sha in ents:
            self.s.add(RecordsBatchEntity(batch_pk=b.id, poradi=poradi, entity_type=etype,
                                          entity_id=eid, message_id=mid, role=role,
                                          sha256=sha))
        return b.id

    def batch(self, batch_id: str) -> BatchRecord:
        b = self.s.scalar(select(RecordsBatch).where(RecordsBatch.batch_id == batch_id))
        if b is None:
            raise NotFound(f"batch {batch_id}")
        return _batch(b)

    def batches(self) -> list[BatchRecord]:
        return [_batch(b) for b in self.s.scalars(
            select(RecordsBatch).order_by(RecordsBatch.created_at.desc(), RecordsBatch.id))]

    def batch_entities(self, batch_pk: int) -> list[BatchEntityRecord]:
        return [BatchEntityRecord(e.poradi, e.entity_type, e.entity_id, e.message_id, e.role,
                                  e.sha256, e.status, e.reason)
                for e in self.s.scalars(select(RecordsBatchEntity).where(
                    RecordsBatchEntity.batch_pk == batch_pk).order_by(
                    RecordsBatchEntity.poradi))]

    def set_entity_status(self, batch_pk: int, poradi: int, status: str,
                          reason: str | None) -> None:
        self.s.execute(update(RecordsBatchEntity).where(
            RecordsBatchEntity.batch_pk == batch_pk, RecordsBatchEntity.poradi == poradi
        ).values(status=status, reason=reason))

    def set_batch_state(self, batch_pk: int, state: str, confirmed_at: datetime,
                        note: str | None) -> None:
        self.s.execute(update(RecordsBatch).where(RecordsBatch.id == batch_pk).values(
            state=state, confirmed_at=to_db(confirmed_at), confirmation_note=note))

    def last_refusals(self, message_id: int) -> list[tuple[str, str | None]]:
        """(batch id, reason) of entities of this message a confirmation reported as not
        loaded, newest batch first."""
        q = (select(RecordsBatch.batch_id, RecordsBatchEntity.reason)
             .join(RecordsBatch, RecordsBatch.id == RecordsBatchEntity.batch_pk)
             .where(RecordsBatchEntity.message_id == message_id,
                    RecordsBatchEntity.status == "nenacteno")
             .order_by(RecordsBatch.created_at.desc(), RecordsBatchEntity.poradi))
        return [(r[0], r[1]) for r in self.s.execute(q)]

    # -- hand-overs -----------------------------------------------------------------------
    def add_handover(self, *, message_id: int, dm_id: str, method: str, target: str,
                     confirmed_at: datetime, batch_id: str | None = None,
                     locations: Sequence[str] = (), zfo_sha256: str | None = None,
                     delivery_info_sha256: str | None = None) -> bool:
        """Record that the service holds the message; False if exactly this was known."""
        q = select(RecordsHandover).where(RecordsHandover.message_id == message_id,
                                          RecordsHandover.method == method,
                                          RecordsHandover.target == target)
        q = q.where(RecordsHandover.batch_id == batch_id) if batch_id is not None else \
            q.where(RecordsHandover.batch_id.is_(None))
        existing = self.s.scalar(q)
        loc = json.dumps(list(locations), ensure_ascii=False) if locations else None
        if existing is not None:
            if existing.location == loc and existing.zfo_sha256 == zfo_sha256:
                return False
            existing.location = loc
            existing.zfo_sha256 = zfo_sha256 or existing.zfo_sha256
            return True
        self.s.add(RecordsHandover(
            message_id=message_id, dm_id=dm_id, method=method, target=target[:300],
            location=loc, batch_id=batch_id, zfo_sha256=zfo_sha256,
            delivery_info_sha256=delivery_info_sha256, confirmed_at=to_db(confirmed_at),
            recorded_at=to_db(utcnow())))
        return True

    def handovers(self, message_id: int) -> list[HandoverRecord]:
        return [_handover(r) for r in self.s.scalars(
            select(RecordsHandover).where(RecordsHandover.message_id == message_id)
            .order_by(RecordsHandover.confirmed_at, RecordsHandover.id))]

    def handed_over_ids(self, message_ids: Sequence[int]) -> set[int]:
        out: set[int] = set()
        for i in range(0, len(message_ids), 500):
            chunk = list(message_ids[i:i + 500])
            out.update(r for r in self.s.scalars(
                select(RecordsHandover.message_id).where(
                    RecordsHandover.message_id.in_(chunk))) if r is not None)
        return out

    # -- REST uploads ---------------------------------------------------------------------
    def add_upload(self, *, message_id: int, dm_id: str, service: str,
                   node_ids: Sequence[str], file_name: str, zfo_sha256: str,
                   remote_id: str | None, error: str | None) -> None:
        self.s.add(RecordsUpload(message_id=message_id, dm_id=dm_id, service=service[:300],
                                 node_ids=json.dumps(list(node_ids)), file_name=file_name,
                                 zfo_sha256=zfo_sha256, remote_id=remote_id, error=error,
                                 uploaded_at=to_db(utcnow())))

    def uploaded_sha(self, message_id: int, service: str) -> str | None:
        """The SHA-256 of the ZFO this archive uploaded (without error) to ``service``."""
        return self.s.scalar(select(RecordsUpload.zfo_sha256).where(
            RecordsUpload.message_id == message_id, RecordsUpload.service == service[:300],
            RecordsUpload.error.is_(None)).order_by(RecordsUpload.id.desc()).limit(1))

    # -- purge ----------------------------------------------------------------------------
    def purge_candidates(self, confirmed_before: datetime) -> list[tuple[int, HandoverRecord]]:
        """Messages with a hand-over confirmed before the given time (its newest such one)."""
        rows = self.s.scalars(select(RecordsHandover).where(
            RecordsHandover.message_id.is_not(None),
            RecordsHandover.confirmed_at < to_db(confirmed_before),
        ).order_by(RecordsHandover.message_id, RecordsHandover.confirmed_at))
        best: dict[int, HandoverRecord] = {}
        for r in rows:
            best.setdefault(r.message_id, _handover(r))  # type: ignore[arg-type]
        return sorted(best.items())

    def evidence_state(self, message_id: int) -> tuple[str | None, str | None, int]:
        """(ZFO sha256, delivery-info sha256, number of other signed copies kept)."""
        zfo = self.s.scalar(select(MessageZfo.sha256).where(
            MessageZfo.message_id == message_id))
        di = self.s.scalar(select(DeliveryInfo.sha256).where(
            DeliveryInfo.message_id == message_id))
        copies = int(self.s.scalar(select(func.count()).select_from(EvidenceCopy).where(
            EvidenceCopy.message_id == message_id)) or 0)
        return zfo, di, copies

    def remove_message(self, message_id: int, handover: HandoverRecord,
                       index_row: SearchText | None, purged_at: datetime) -> PurgeLogRecord:
        """Delete one message (its evidence, delivery info, events, tags and kept copies go
        with it by the foreign keys) and write the log row, in this unit of work."""
        m = self.s.get(Message, message_id)
        if m is None:
            raise NotFound(f"message {message_id}")
        account = self.s.scalar(select(Account.name).where(Account.id == m.account_id)) \
            if m.account_id is not None else None
        zfo_sha = self.s.scalar(select(MessageZfo.sha256).where(
            MessageZfo.message_id == message_id))
        log = RecordsPurgeLog(
            message_id=message_id, dm_id=m.dm_id, account_name=account,
            direction=m.direction, delivered_at=m.delivered_at, zfo_sha256=zfo_sha,
            handover_id=handover.id, handover_method=handover.method,
            handover_target=handover.target, batch_id=handover.batch_id,
            confirmed_at=to_db(handover.confirmed_at), purged_at=to_db(purged_at))
        self.s.add(log)
        if index_row is not None and self.s.get_bind().dialect.name == "sqlite":
            # The contentless FTS5 index forgets a row only when told its exact values.
            self.s.execute(text(
                "INSERT INTO messages_fts(messages_fts, rowid, subject, parties, refs, files, "
                "body) VALUES ('delete', :id, :subject, :parties, :refs, :files, :body)"),
                {"id": message_id, "subject": index_row.subject,
                 "parties": index_row.parties, "refs": index_row.refs,
                 "files": index_row.files, "body": index_row.body})
        # Core deletes, children first: the same on every backend, whether or not the
        # connection enforces ON DELETE CASCADE.
        from dso_desktop.store.models import Event, MessageTag

        for model in (MessageZfo, DeliveryInfo, EvidenceCopy, Event, MessageTag):
            self.s.execute(delete(model).where(model.message_id == message_id))
        self.s.execute(delete(Message).where(Message.id == message_id))
        return PurgeLogRecord(message_id, m.dm_id, account, m.direction,
                              from_db(m.delivered_at), zfo_sha, handover.method,
                              handover.target, handover.batch_id, handover.confirmed_at,
                              purged_at)

    def purge_log(self) -> list[PurgeLogRecord]:
        return [PurgeLogRecord(r.message_id, r.dm_id, r.account_name, r.direction,
                               from_db(r.delivered_at), r.zfo_sha256, r.handover_method,
                               r.handover_target, r.batch_id,
                               from_db(r.confirmed_at),  # type: ignore[arg-type]
                               from_db(r.purged_at))  # type: ignore[arg-type]
                for r in self.s.scalars(select(RecordsPurgeLog).order_by(RecordsPurgeLog.id))]
