"""Hand-over to records management (spisová služba): export a transfer batch, read its
confirmation, upload to the REST service, and purge what the service confirmed holding.

The promise: nothing leaves the archive before the receiving system confirmed it, and only
what it confirmed (the same bytes) is removed, by an explicit purge that logs each removal.
"""

from __future__ import annotations

import getpass
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dso_desktop.domain import Direction
from dso_desktop.records import nsesss
from dso_desktop.records.errors import ConfirmationError, RecordsError
from dso_desktop.store.db import Database
from dso_desktop.store.errors import NotFound
from dso_desktop.store.handover import (
    METHOD_BATCH,
    METHOD_REST,
    BatchRecord,
    HandoverRecord,
    HandoverRepo,
    PurgeLogRecord,
)
from dso_desktop.store.models import (
    Account,
    DeliveryInfo,
    Message,
    MessageZfo,
    RecordsHandover,
)
from dso_desktop.store.timeutil import from_db, to_db, utcnow

log = logging.getLogger(__name__)

# How far a records system's clock may be behind ours: a confirmation dated earlier than
# its batch was written (beyond this) is forged or from a broken clock, and its date would
# start the purge retention early, so it is refused.
CONFIRMATION_CLOCK_SKEW = timedelta(hours=1)

# Later versions of a message's signed ZFO (e.g. restamped copies) beside the original, oldest
# first: message id -> [(bytes, created_at)]. The default has none.
VersionsOf = Callable[[int], Sequence[tuple[bytes, datetime]]]


def resigned_versions(db: Database) -> VersionsOf:
    """The later versions of a message's ZFO that ISDS re-sealed (Re-signISDSDocument),
    oldest first: NSESSS counts a restamped ZFO as a new version of the same file. An RFC
    3161 archive timestamp is not a ZFO and is not handed over (purge keeps its message)."""

    def versions_of(message_id: int) -> Sequence[tuple[bytes, datetime]]:
        from dso_desktop.domain import EvidenceVersionKind
        from dso_desktop.store.versions import EvidenceVersionRepo

        with db.read() as s:
            repo = EvidenceVersionRepo(s)
            return [(repo.data(message_id, v.version), v.created_at)
                    for v in repo.versions(message_id)
                    if v.kind is EvidenceVersionKind.RESIGNED]

    return versions_of


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def no_versions(message_id: int) -> Sequence[tuple[bytes, datetime]]:
    return ()


@dataclass(frozen=True)
class Selection:
    """Which messages a hand-over takes (every field narrows)."""

    account: str | None = None
    since: datetime | None = None  # delivered (sent: accepted) at or after
    until: datetime | None = None  # ... before
    not_handed_over: bool = False
    message_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    batch_id: str
    messages: int
    entities: int
    manifest_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "batch_id": self.batch_id, "messages": self.messages,
                "entities": self.entities, "manifest_sha256": self.manifest_sha256}


@dataclass(frozen=True)
class ConfirmedMessage:
    message_id: int
    dm_id: str
    handed_over: bool
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "dm_id": self.dm_id,
                "handed_over": self.handed_over, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class ConfirmSummary:
    batch_id: str
    status: str
    confirmed_at: datetime
    messages: tuple[ConfirmedMessage, ...]
    note: str | None = None

    @property
    def handed_over(self) -> list[ConfirmedMessage]:
        return [m for m in self.messages if m.handed_over]

    @property
    def not_handed_over(self) -> list[ConfirmedMessage]:
        return [m for m in self.messages if not m.handed_over]

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "status": self.status,
                "confirmed_at": self.confirmed_at.isoformat(), "note": self.note,
                "messages": [m.to_json() for m in self.messages]}


@dataclass(frozen=True)
class PurgeSummary:
    removed: tuple[PurgeLogRecord, ...]
    kept: tuple[tuple[int, str, str], ...]  # (message id, dmID, why it stays)
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "removed": [r.to_json() for r in self.removed],
                "kept": [{"message_id": m, "dm_id": d, "reason": r} for m, d, r in self.kept]}


@dataclass(frozen=True)
class HandoverState:
    """What the detail pane shows: where and when a message was handed over, or why not."""

    message_id: int
    handovers: tuple[HandoverRecord, ...]
    refusals: tuple[tuple[str, str | None], ...] = ()  # (batch id, reason)
    uploaded_unconfirmed: bool = False

    @property
    def handed_over(self) -> bool:
        return bool(self.handovers)

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "handed_over": self.handed_over,
                "handovers": [h.to_json() for h in self.handovers],
                "refusals": [{"batch_id": b, "reason": r} for b, r in self.refusals],
                "uploaded_unconfirmed": self.uploaded_unconfirmed}


@dataclass(frozen=True)
class UploadItem:
    message_id: int
    dm_id: str
    file_name: str
    ok: bool
    locations: tuple[str, ...] = ()
    error: str | None = None
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "dm_id": self.dm_id, "file": self.file_name,
                "ok": self.ok, "locations": list(self.locations), "error": self.error,
                "code": self.code}


@dataclass(frozen=True)
class UploadSummary:
    items: tuple[UploadItem, ...]
    confirmed: tuple[int, ...] = field(default=())  # message ids now marked handed over

    def to_json(self) -> dict[str, Any]:
        return {"items": [i.to_json() for i in self.items], "confirmed": list(self.confirmed)}


class RecordsService:
    def __init__(self, db: Database, versions_of: VersionsOf | None = None) -> None:
        self._db = db
        # Restamped versions of a ZFO go in as later versions of the same file: the lead
        # wires the evidence-versions table in here (see docs/records.md).
        self._versions_of = versions_of or no_versions

    # -- selection ------------------------------------------------------------------------
    def select_ids(self, sel: Selection) -> list[int]:
        """Messages with a stored signed ZFO that the selection takes, oldest first."""
        when = func.coalesce(Message.delivered_at, Message.accepted_at)
        q = select(Message.id).join(MessageZfo, MessageZfo.message_id == Message.id)
        if sel.account is not None:
            q = q.where(Message.account_id == select(Account.id).where(
                Account.name == sel.account).scalar_subquery())
        if sel.since is not None:
            q = q.where(when >= to_db(sel.since))
        if sel.until is not None:
            q = q.where(when < to_db(sel.until))
        if sel.not_handed_over:
            q = q.where(Message.id.not_in(select(RecordsHandover.message_id).where(
                RecordsHandover.message_id.is_not(None))))
        if sel.message_ids is not None:
            q = q.where(Message.id.in_(list(sel.message_ids)))
        q = q.order_by(when.asc(), Message.id.asc())
        with self._db.read() as s:
            return list(s.scalars(q))

    def _entry(self, message_id: int) -> nsesss.MessageEntry:
        with self._db.read() as s:
            m = s.get(Message, message_id)
            z = s.get(MessageZfo, message_id)
            if m is None or z is None:
                raise NotFound(f"message {message_id} (no signed ZFO stored)")
            di = s.get(DeliveryInfo, message_id)
            stored = from_db(z.stored_at)
            assert stored is not None
            versions = [nsesss.FileVersion(bytes(z.data), from_db(m.delivered_at) or stored)]
            versions += [nsesss.FileVersion(bytes(d), t) for d, t in
                         self._versions_of(message_id)]
            return nsesss.MessageEntry(
                message_id=m.id, dm_id=m.dm_id, received=m.direction == Direction.RECEIVED,
                subject=m.subject,
                sender=nsesss.Party(m.sender_name, m.sender_box_id, m.sender_type),
                recipient=nsesss.Party(m.recipient_name, m.recipient_box_id, None),
                delivered_at=from_db(m.delivered_at), accepted_at=from_db(m.accepted_at),
                stored_at=stored, attachment_count=int(m.attachment_count or 0),
                zfo_versions=versions,
                delivery_info=nsesss.FileVersion(bytes(di.data), from_db(di.stored_at)
                                                 or stored) if di is not None else None)

    # -- the transfer batch ---------------------------------------------------------------
    def export(self, out: Path, sel: Selection, *, target: str = "ESSL", source: str = "DSO",
               operator: str | None = None, batch_id: str | None = None,
               now: datetime | None = None,
               progress: Callable[[int, int], None] | None = None) -> ExportSummary:
        """Write the batch for ``sel`` to ``out`` and remember it (to read its confirmation).
        Nothing is marked handed over here: only a confirmation does that."""
        ids = self.select_ids(sel)
        if not ids:
            raise RecordsError("no stored messages match; nothing to hand over")
        operator = (operator or _os_user())[:nsesss.USER_MAX]
        spec = nsesss.BatchSpec(
            batch_id=batch_id or f"DSO-{uuid.uuid4()}", source=source, target=target,
            operator=operator, created_at=now or utcnow(),
            purpose="Předání datových zpráv z DSO Desktop do spisové služby")

        def entries() -> Iterator[nsesss.MessageEntry]:
            for mid in ids:
                yield self._entry(mid)

        total = len(ids)
        result = nsesss.write_batch(
            entries(), spec, out,
            progress=(lambda n: progress(n, total)) if progress is not None else None)
        try:
            with self._db.write() as s:
                HandoverRepo(s).add_batch(
                    batch_id=spec.batch_id, source=spec.source, target=spec.target,
                    file_name=str(result.path), manifest_sha256=result.manifest_sha256,
                    message_count=len(result.message_ids), created_at=spec.created_at,
                    entities=[(e.poradi, e.entity_type, e.entity_id, e.message_id, e.role,
                               e.sha256) for e in result.entities])
        except BaseException:
            # A batch the archive does not know could never be confirmed: do not leave it.
            Path(result.path).unlink(missing_ok=True)
            raise
        log.info("records batch %s written: %d messages, %d entities", spec.batch_id,
                 len(result.message_ids), len(result.entities))
        return ExportSummary(result.path, spec.batch_id, len(result.message_ids),
                             len(result.entities), result.manifest_sha256)

    def batches(self) -> list[BatchRecord]:
        with self._db.read() as s:
            return HandoverRepo(s).batches()

    def confirm(self, data: bytes) -> ConfirmSummary:
        """Apply a confirmation (`PrenosPotvrzeni`) of a batch this archive wrote.

        A message counts as handed over only when every entity of it (document, ZFO,
        delivery info) was loaded: listed ``nacteno``, or unlisted in a batch confirmed
        ``nacteno`` as a whole. Anything that does not match the batch as written (unknown
        batch, other systems, an entity with another id) changes nothing."""
        c = nsesss.parse_confirmation(data)
        with self._db.write() as s:
            repo = HandoverRepo(s)
            try:
                batch = repo.batch(c.batch_id)
            except NotFound:
                raise ConfirmationError(f"unknown batch {c.batch_id!r}: not written by this "
                                        "archive") from None
            if (c.batch_source, c.batch_target) != (batch.source, batch.target):
                raise ConfirmationError(
                    f"the confirmation is for {c.batch_source}->{c.batch_target}, the batch "
                    f"went {batch.source}->{batch.target}")
            if c.source != batch.target:
                raise ConfirmationError(f"the confirmation comes from {c.source!r}, not from "
                                        f"the batch's target {batch.target!r}")
            if c.confirmed_at < batch.created_at - CONFIRMATION_CLOCK_SKEW:
                raise ConfirmationError(
                    f"the confirmation is dated {c.confirmed_at.isoformat()}, before the "
                    f"batch was written ({batch.created_at.isoformat()})")
            # The purge retention runs from the confirmation; never from before the batch.
            confirmed_at = max(c.confirmed_at, batch.created_at)
            entities = {e.poradi: e for e in repo.batch_entities(batch.id)}
            outcome = nsesss.decide(
                [nsesss.WrittenEntity(e.poradi, e.entity_type, e.entity_id, e.message_id)
                 for e in entities.values()], c)
            for poradi, (status, note) in outcome.entity_status.items():
                repo.set_entity_status(batch.id, poradi, status, note)
            loaded = outcome.loaded
            reasons = outcome.reasons
            by_message: dict[int, dict[str, str | None]] = {}
            for ent in entities.values():
                if ent.message_id is not None:
                    by_message.setdefault(ent.message_id, {})[ent.role] = ent.sha256
            out: list[ConfirmedMessage] = []
            for mid, ok in sorted(loaded.items()):
                dm_id = s.scalar(select(Message.dm_id).where(Message.id == mid)) or "?"
                if ok:
                    shas = by_message.get(mid, {})
                    repo.add_handover(
                        message_id=mid, dm_id=dm_id, method=METHOD_BATCH,
                        target=batch.target, confirmed_at=confirmed_at,
                        batch_id=batch.batch_id, zfo_sha256=shas.get(nsesss.ROLE_MESSAGE),
                        delivery_info_sha256=shas.get(nsesss.ROLE_DELIVERY_INFO))
                out.append(ConfirmedMessage(mid, dm_id, ok, tuple(reasons.get(mid, ()))))
            state = {nsesss.LOADED: "confirmed", nsesss.PARTLY_LOADED: "partial"}.get(
                c.status, "rejected")
            repo.set_batch_state(batch.id, state, confirmed_at, c.note)
        log.info("records batch %s confirmed %s: %d of %d messages handed over",
                 c.batch_id, c.status, sum(m.handed_over for m in out), len(out))
        return ConfirmSummary(c.batch_id, c.status, confirmed_at, tuple(out), c.note)

    # -- state ----------------------------------------------------------------------------
    def state(self, message_id: int) -> HandoverState:
        from dso_desktop.store.models import RecordsUpload

        with self._db.read() as s:
            repo = HandoverRepo(s)
            handovers = tuple(repo.handovers(message_id))
            pending = s.scalar(select(func.count()).select_from(RecordsUpload).where(
                RecordsUpload.message_id == message_id, RecordsUpload.error.is_(None)))
            return HandoverState(message_id, handovers, tuple(repo.last_refusals(message_id)),
                                 bool(pending) and not handovers)

    def handed_over_ids(self, message_ids: Sequence[int]) -> set[int]:
        with self._db.read() as s:
            return HandoverRepo(s).handed_over_ids(message_ids)

    # -- purge ----------------------------------------------------------------------------
    def purge(self, confirmed_before: datetime, *, dry_run: bool = False,
              now: datetime | None = None) -> PurgeSummary:
        """Remove messages whose hand-over was confirmed before ``confirmed_before``, but
        only those whose stored evidence is exactly what was handed over: the same ZFO
        bytes, the same delivery info (or none stored), and no other signed copy kept."""
        from dso_desktop.sync.ingest import index_text

        now = now or utcnow()
        removed: list[PurgeLogRecord] = []
        kept: list[tuple[int, str, str]] = []
        with self._db.read() as s:
            candidates = HandoverRepo(s).purge_candidates(confirmed_before)
        for mid, h in candidates:
            with self._db.write() as s:
                repo = HandoverRepo(s)
                if s.get(Message, mid) is None:
                    continue  # already removed
                zfo_sha, di_sha, copies = repo.evidence_state(mid)
                # Any hand-over confirmed before the cut-off may cover it; the log cites
                # the one that covers exactly the bytes stored now.
                hands = [x for x in repo.handovers(mid) if x.confirmed_at < confirmed_before]
                same = [x for x in hands if zfo_sha is not None and x.zfo_sha256 == zfo_sha]
                full = [x for x in same if di_sha is None or x.delivery_info_sha256 == di_sha]
                reason = None
                if zfo_sha is None:
                    reason = "no signed ZFO stored"
                elif not same:
                    reason = "the stored ZFO is not the one the service confirmed"
                elif not full:
                    reason = "the delivery info was not handed over"
                elif copies:
                    reason = "other signed copies are kept with it"
                elif self._versions_not_handed_over(s, mid, full):
                    reason = "renewed evidence (a restamp or an archive timestamp) was not " \
                             "handed over"
                if reason is not None:
                    kept.append((mid, h.dm_id, reason))
                    continue
                h = full[0]
                if dry_run:
                    m = s.get(Message, mid)
                    removed.append(PurgeLogRecord(
                        mid, h.dm_id, None, m.direction if m else "",
                        from_db(m.delivered_at) if m else None, zfo_sha, h.method, h.target,
                        h.batch_id, h.confirmed_at, now))
                    continue
                zfo_row = s.get(MessageZfo, mid)
                index_row = index_text(bytes(zfo_row.data)) if zfo_row is not None else None
                removed.append(repo.remove_message(mid, h, index_row, now))
        if removed and not dry_run:
            log.info("records purge removed %d handed-over messages (kept %d)", len(removed),
                     len(kept))
        return PurgeSummary(tuple(removed), tuple(kept), dry_run)

    @staticmethod
    def _versions_not_handed_over(s: Any, message_id: int,
                                  hands: Sequence[HandoverRecord]) -> bool:
        """Whether the message has a later evidence version no confirmed hand-over carried:
        a re-sealed ZFO goes only into a transfer batch written after it was kept (a REST
        upload sends the original alone), and an archive timestamp never goes at all."""
        from dso_desktop.domain import EvidenceVersionKind
        from dso_desktop.store.versions import EvidenceVersionRepo

        versions = EvidenceVersionRepo(s).versions(message_id)
        if not versions:
            return False
        batches = HandoverRepo(s)
        written = [_aware(batches.batch(h.batch_id).created_at) for h in hands
                   if h.method == "batch" and h.batch_id is not None]
        return any(v.kind is not EvidenceVersionKind.RESIGNED
                   or not any(_aware(v.created_at) < w for w in written)
                   for v in versions)

    def purge_log(self) -> list[PurgeLogRecord]:
        with self._db.read() as s:
            return HandoverRepo(s).purge_log()

    # -- REST -----------------------------------------------------------------------------
    def upload(self, client: Any, message_ids: Sequence[int], node_ids: Sequence[str],
               progress: Callable[[int, int], None] | None = None) -> UploadSummary:
        """Upload each message's complete signed ZFO, unchanged, to ``node_ids``; then ask
        "stored files" which of them the service now holds and mark those handed over."""
        from dso_desktop.records.errors import RestServiceError
        from dso_desktop.records.rest import zfo_file_name

        items: list[UploadItem] = []
        for n, mid in enumerate(message_ids, start=1):
            with self._db.read() as s:
                m = s.get(Message, mid)
                z = s.get(MessageZfo, mid)
                if m is None or z is None:
                    items.append(UploadItem(mid, m.dm_id if m else "?", "", False,
                                            error="no signed ZFO stored"))
                    continue
                dm_id, data, sha = m.dm_id, bytes(z.data), z.sha256
                name = zfo_file_name(dm_id, m.direction == Direction.RECEIVED)
            try:
                res = client.upload_file(list(node_ids), name, data)
                item = UploadItem(mid, dm_id, name, True, res.locations)
                remote_id, error = res.id, None
            except RestServiceError as exc:
                # Already there is not a failure of the hand-over: "stored files" decides.
                item = UploadItem(mid, dm_id, name, exc.code == "ALREADY_PRESENT",
                                  error=str(exc), code=exc.code)
                remote_id, error = None, (None if exc.code == "ALREADY_PRESENT"
                                          else str(exc))
            with self._db.write() as s:
                HandoverRepo(s).add_upload(message_id=mid, dm_id=dm_id,
                                           service=client.base_url, node_ids=node_ids,
                                           file_name=name, zfo_sha256=sha,
                                           remote_id=remote_id, error=error)
            items.append(item)
            if progress is not None:
                progress(n, len(message_ids))
        confirmed = self.refresh_stored(client, [i.message_id for i in items if i.ok])
        return UploadSummary(tuple(items), tuple(confirmed))

    def refresh_stored(self, client: Any, message_ids: Sequence[int] | None = None,
                       service_name: str | None = None) -> list[int]:
        """Ask the service which messages it holds ("stored files") and mark them handed
        over. Returns the ids newly or again confirmed."""
        with self._db.read() as s:
            q = select(Message.id, Message.dm_id).join(MessageZfo,
                                                       MessageZfo.message_id == Message.id)
            if message_ids is not None:
                q = q.where(Message.id.in_(list(message_ids)))
            pairs = [(r[0], r[1]) for r in s.execute(q)]
        if not pairs:
            return []
        answer = client.stored_files([d for _, d in pairs], [])
        now = utcnow()
        out: list[int] = []
        with self._db.write() as s:
            repo = HandoverRepo(s)
            for mid, dm_id in pairs:
                locations = answer.dms.get(dm_id) or ()
                if not locations:
                    continue
                # The exact bytes are known only for what this archive uploaded there;
                # a message the service got elsewhere is marked, but a purge keeps it.
                sha = repo.uploaded_sha(mid, client.base_url)
                repo.add_handover(message_id=mid, dm_id=dm_id, method=METHOD_REST,
                                  target=service_name or client.base_url, confirmed_at=now,
                                  locations=locations, zfo_sha256=sha)
                out.append(mid)
        return out


def _os_user() -> str:
    try:
        return getpass.getuser() or "dso"
    except (OSError, KeyError, ImportError):
        return "dso"


__all__ = ["ConfirmSummary", "ExportSummary", "HandoverState", "PurgeSummary",
           "RecordsService", "Selection", "UploadSummary"]
