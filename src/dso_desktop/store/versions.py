"""Evidence versions (re-sealed ZFOs, archive timestamps) and online checks of a message.

The original signed message stays byte-exact in `message_zfos` (version 1); every renewal
is a new row here, never an update. The message's evidence horizon columns follow the
newest version, so the watch moves its due date after a restamp.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dso_desktop.domain import EvidenceVersionKind
from dso_desktop.store.errors import NotFound
from dso_desktop.store.models import EvidenceVersion, Message, MessageZfo, OnlineCheck
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.timeutil import from_db, to_db, utcnow

ORIGINAL = 1


@dataclass(frozen=True)
class EvidenceVersionRecord:
    id: int
    message_id: int
    version: int
    kind: EvidenceVersionKind
    sha256: str
    size: int
    covers_sha256: str
    verdict: str | None
    verdict_json: str | None
    evidence_expires: datetime | None
    evidence_cause: str | None
    source: str | None
    created_at: datetime


@dataclass(frozen=True)
class OnlineCheckRecord:
    id: int
    message_id: int
    version: int
    sha256: str
    account: str | None
    authentic: bool
    checked_at: datetime

    def to_json(self) -> dict[str, object]:
        return {"message_id": self.message_id, "version": self.version,
                "sha256": self.sha256, "account": self.account,
                "authentic": self.authentic, "checked_at": self.checked_at.isoformat()}


@dataclass(frozen=True)
class CurrentZfo:
    """The newest signed ZFO of a message (the original or a re-sealed version)."""

    version: int
    data: bytes
    sha256: str


def _record(v: EvidenceVersion) -> EvidenceVersionRecord:
    return EvidenceVersionRecord(
        v.id, v.message_id, v.version, EvidenceVersionKind(v.kind), v.sha256, v.size,
        v.covers_sha256, v.verdict, v.verdict_json, from_db(v.evidence_expires),
        v.evidence_cause, v.source, from_db(v.created_at))  # type: ignore[arg-type]


class EvidenceVersionRepo:
    """Within one unit of work (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, message_id: int, kind: EvidenceVersionKind, data: bytes, *,
            covers_sha256: str, verdict: VerdictInfo | None,
            source: str | None) -> EvidenceVersionRecord:
        """Keep a new version and let the message's horizon follow it."""
        m = self.s.get(Message, message_id)
        if m is None:
            raise NotFound(f"message {message_id}")
        if self.s.get(MessageZfo, message_id) is None:
            raise NotFound(f"message {message_id} has no signed original to renew")
        last = self.s.scalar(select(func.max(EvidenceVersion.version)).where(
            EvidenceVersion.message_id == message_id)) or ORIGINAL
        v = EvidenceVersion(
            message_id=message_id, version=last + 1, kind=kind.value,
            sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data,
            covers_sha256=covers_sha256,
            verdict=verdict.kind if verdict else None,
            verdict_json=verdict.json if verdict else None,
            evidence_expires=to_db(verdict.evidence_expires) if verdict else None,
            evidence_cause=verdict.evidence_cause if verdict else None,
            source=source, created_at=to_db(utcnow()))
        self.s.add(v)
        if verdict is not None:
            m.evidence_expires = to_db(verdict.evidence_expires)
            m.evidence_cause = verdict.evidence_cause
        self.s.flush()
        return _record(v)

    def versions(self, message_id: int) -> list[EvidenceVersionRecord]:
        q = select(EvidenceVersion).where(EvidenceVersion.message_id == message_id
                                          ).order_by(EvidenceVersion.version)
        return [_record(v) for v in self.s.scalars(q)]

    def has_versions(self, message_id: int) -> bool:
        return self.s.scalar(select(EvidenceVersion.id).where(
            EvidenceVersion.message_id == message_id).limit(1)) is not None

    def data(self, message_id: int, version: int) -> bytes:
        if version == ORIGINAL:
            z = self.s.scalar(select(MessageZfo.data).where(MessageZfo.message_id == message_id))
        else:
            z = self.s.scalar(select(EvidenceVersion.data).where(
                EvidenceVersion.message_id == message_id, EvidenceVersion.version == version))
        if z is None:
            raise NotFound(f"message {message_id} has no evidence version {version}")
        return bytes(z)

    def current_zfo(self, message_id: int) -> CurrentZfo:
        """The newest ZFO (what ISDS re-seals next, what an archive timestamp covers)."""
        v = self.s.execute(
            select(EvidenceVersion.version, EvidenceVersion.data, EvidenceVersion.sha256)
            .where(EvidenceVersion.message_id == message_id,
                   EvidenceVersion.kind == EvidenceVersionKind.RESIGNED.value)
            .order_by(EvidenceVersion.version.desc()).limit(1)).first()
        if v is not None:
            return CurrentZfo(v[0], bytes(v[1]), v[2])
        z = self.s.execute(select(MessageZfo.data, MessageZfo.sha256).where(
            MessageZfo.message_id == message_id)).first()
        if z is None:
            raise NotFound(f"message {message_id} has no signed ZFO stored yet")
        return CurrentZfo(ORIGINAL, bytes(z[0]), z[1])

    def latest_record(self, message_id: int) -> EvidenceVersionRecord | None:
        v = self.s.scalars(select(EvidenceVersion).where(
            EvidenceVersion.message_id == message_id).order_by(
            EvidenceVersion.version.desc()).limit(1)).first()
        return _record(v) if v is not None else None

    # -- online checks -------------------------------------------------------------------
    def add_online_check(self, message_id: int, version: int, sha256: str,
                         account: str | None, authentic: bool,
                         at: datetime | None = None) -> OnlineCheckRecord:
        c = OnlineCheck(message_id=message_id, version=version, sha256=sha256,
                        account_name=account, authentic=authentic,
                        checked_at=to_db(at or utcnow()))
        self.s.add(c)
        self.s.flush()
        return self._check(c)

    def online_checks(self, message_id: int) -> list[OnlineCheckRecord]:
        q = select(OnlineCheck).where(OnlineCheck.message_id == message_id).order_by(
            OnlineCheck.checked_at, OnlineCheck.id)
        return [self._check(c) for c in self.s.scalars(q)]

    @staticmethod
    def _check(c: OnlineCheck) -> OnlineCheckRecord:
        return OnlineCheckRecord(c.id, c.message_id, c.version, c.sha256, c.account_name,
                                 bool(c.authentic), from_db(c.checked_at))  # type: ignore[arg-type]
