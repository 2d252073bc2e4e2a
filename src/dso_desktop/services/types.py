"""Data the services hand to the GUI and the CLI (frozen, Qt-free, JSON-friendly)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dso_desktop.domain import (
    DeliveryEvent,
    Direction,
    Envelope,
    ImportStatus,
    IntegrityProblemKind,
    LegalTitle,
    LoginMethod,
    Remedy,
    WarningKind,
)
from dso_desktop.store.records import EvidenceCopyRecord, MessageFilter, MessageRow

if TYPE_CHECKING:  # the ZFO package is loaded only when a ZFO is read
    from dso_desktop.zfo.model import Zfo
    from dso_desktop.zfo.verify import Verdict

__all__ = [
    "AccountSpec",
    "AccountView",
    "ArchiveWarning",
    "AttachmentInfo",
    "Draft",
    "ImportItem",
    "ImportSummary",
    "IntegrityProblem",
    "IntegrityReport",
    "MessageDetail",
    "MessageFilter",
    "MessageRow",
    "SendOutcome",
    "TreeNode",
    "VerdictChange",
    "VerdictRefresh",
    "VerdictView",
    "ZfoView",
]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class AccountSpec:
    """What the user enters to add an account (no secret here)."""

    name: str
    login_method: LoginMethod
    username: str
    environment: str = "production"  # production | test | https://base.url
    cert_file: Path | None = None
    key_file: Path | None = None
    ca_file: Path | None = None
    sync_received: bool = True
    mark_downloaded: bool = False
    # The user answered the § 17(3) question (accept delivery) when adding the account, as
    # the wizard asks it: the first sync does not ask again.
    delivery_confirmed: bool = False


@dataclass(frozen=True)
class AccountView:
    name: str
    login_method: str
    username: str
    environment: str
    ca_file: str | None
    cert_file: str | None
    sync_received: bool
    delivery_confirmed: bool
    mark_downloaded: bool
    box_id: str | None
    owner_name: str | None
    last_sync_at: datetime | None
    password_saved: bool
    password_expires_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "login_method": self.login_method, "username": self.username,
            "environment": self.environment, "ca_file": self.ca_file, "cert_file": self.cert_file,
            "sync_received": self.sync_received, "delivery_confirmed": self.delivery_confirmed,
            "mark_downloaded": self.mark_downloaded, "box_id": self.box_id,
            "owner_name": self.owner_name, "last_sync_at": _iso(self.last_sync_at),
            "password_saved": self.password_saved,
            "password_expires_at": _iso(self.password_expires_at),
        }


@dataclass(frozen=True)
class AttachmentInfo:
    index: int
    name: str
    mime_type: str
    role: str
    size: int


@dataclass(frozen=True)
class MessageDetail:
    """One message for the detail pane: envelope, events, verdict, attachments."""

    id: int
    row: MessageRow
    envelope: Envelope
    events: tuple[DeliveryEvent, ...]
    verdict: VerdictView | None  # when known (re-read from the stored JSON)
    verdict_kind: str | None
    verified_at: datetime | None
    attachments: tuple[AttachmentInfo, ...]
    note: str | None
    tags: tuple[tuple[int, str, str], ...]
    zfo_sha256: str | None
    zfo_size: int | None
    has_delivery_info: bool
    # Other signed copies kept beside the evidence (store.records.EvidenceCopyRecord):
    # conflicting copies and former, untrusted evidence.
    evidence_copies: tuple[EvidenceCopyRecord, ...] = ()

    def to_json(self) -> dict[str, Any]:
        env = self.envelope
        lt = env.legal_title
        return {
            **self.row.to_json(),
            "sender_address": env.sender_address,
            "recipient_address": env.recipient_address,
            "to_hands": env.to_hands,
            "our_ref": env.our_ref, "your_ref": env.your_ref,
            "our_file_mark": env.our_file_mark, "your_file_mark": env.your_file_mark,
            "legal_title": None if lt.is_empty() else [
                lt.law, lt.year, lt.section, lt.paragraph, lt.point],
            "personal_delivery": env.personal_delivery,
            "allow_fiction": env.allow_fiction,
            "message_type": env.message_type,
            "events": [{"at": _iso(e.at), "description": e.description} for e in self.events],
            "verified_at": _iso(self.verified_at),
            "verdict_detail": self.verdict,
            "attachment_list": [
                {"index": a.index, "name": a.name, "mime_type": a.mime_type, "role": a.role,
                 "size": a.size} for a in self.attachments
            ],
            "note": self.note,
            "tag_names": [t[1] for t in self.tags],
            "zfo_sha256": self.zfo_sha256,
            "zfo_size": self.zfo_size,
            "delivery_info": self.has_delivery_info,
            "evidence_copies": [c.to_json() for c in self.evidence_copies],
        }


@dataclass(frozen=True)
class TreeNode:
    """One folder of the tree: an account, a direction, "last 90 days" or a year."""

    account: str | None
    direction: Direction | None
    label: str
    filter: MessageFilter
    total: int
    unread: int
    children: tuple[TreeNode, ...] = ()


@dataclass(frozen=True)
class Draft:
    """A message to send: recipients, envelope options, attachment files."""

    recipients: tuple[str, ...]
    subject: str
    attachments: tuple[Path, ...]
    to_hands: str | None = None
    personal_delivery: bool | None = None
    allow_fiction: bool | None = None
    our_ref: str | None = None
    your_ref: str | None = None
    our_file_mark: str | None = None
    your_file_mark: str | None = None
    legal_title: LegalTitle = field(default_factory=LegalTitle)
    publish_own_id: bool | None = None  # sender identification
    message_type: str | None = None  # PDZ type: K, O, I; None = public message
    ovm: bool | None = None


@dataclass(frozen=True)
class SendOutcome:
    """One recipient's result of a send."""

    recipient: str
    message_id: str | None
    ok: bool
    error: str | None = None
    big_message: bool = False
    outbox_id: int | None = None  # its outbox record (exactly-once sending)
    note: str | None = None  # e.g. found sent by reconciliation instead of sent now
    unknown: bool = False  # not ok, and it may have been sent all the same: do not resend


@dataclass(frozen=True)
class ImportItem:
    path: str
    status: ImportStatus
    message_id: int | None = None
    dm_id: str | None = None
    verdict: str | None = None
    reason: str | None = None  # English (logs, --json)
    reason_cs: str | None = None  # the same in Czech (the user's line; not in --json)
    # The exception behind INVALID/ERROR, so a user-facing line can be rendered in the user's
    # language from its kind and details (`DsoError.user_text`, `errors.os_error_text`).
    failure: BaseException | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The item for ``--json``: its data, without the exception object."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("failure", "reason_cs")}


@dataclass(frozen=True)
class ImportSummary:
    items: tuple[ImportItem, ...]

    def count(self, status: ImportStatus) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def imported(self) -> int:
        return self.count(ImportStatus.IMPORTED) + self.count(ImportStatus.REPLACED)

    @property
    def duplicates(self) -> int:
        return self.count(ImportStatus.DUPLICATE)

    @property
    def failed(self) -> int:
        return self.count(ImportStatus.INVALID) + self.count(ImportStatus.ERROR)

    @property
    def quarantined(self) -> int:
        return self.count(ImportStatus.QUARANTINED)

    @property
    def conflicts(self) -> int:
        return self.count(ImportStatus.CONFLICT)

    @property
    def needs_attention(self) -> bool:
        """Something the user must look at: a failure, a quarantined or conflicting copy."""
        return bool(self.failed or self.quarantined or self.conflicts)

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported, "duplicates": self.duplicates, "failed": self.failed,
            "quarantined": self.quarantined, "conflicts": self.conflicts,
            "items": [i.to_json() for i in self.items],
        }


@dataclass(frozen=True)
class ZfoView:
    """A ZFO file opened for viewing (not stored): what it says and whether it verifies."""

    path: Path
    zfo: Zfo
    verdict: Verdict
    attachments: tuple[AttachmentInfo, ...]
    in_archive: int | None  # message id when the same message is already stored


@dataclass(frozen=True)
class ArchiveWarning:
    """Something the user should act on soon."""

    kind: WarningKind
    account: str | None
    message_id: int | None
    due: datetime | None
    text_cs: str
    text_en: str
    dm_id: str | None = None
    remedy: Remedy | None = None  # set for the watch's items (`services.watch`)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "account": self.account, "message_id": self.message_id,
                "due": _iso(self.due), "text": self.text_cs, "text_en": self.text_en,
                "dm_id": self.dm_id, "remedy": self.remedy}


# Listed, but nothing to act on: a quarantined file is attached to nothing; a reviewed
# conflicting copy has been looked at (`dso check --mark-reviewed`).
# A message kept twice (two accounts of one box, from before the one-copy rule) is evidence
# both times, each copy verified on its own: nothing is lost or untrusted, so it is reported
# without failing the check.
INFORMATIONAL_PROBLEMS = frozenset({IntegrityProblemKind.QUARANTINED,
                                    IntegrityProblemKind.CONFLICT_REVIEWED,
                                    IntegrityProblemKind.DUPLICATE})


@dataclass(frozen=True)
class IntegrityProblem:
    message_id: int
    dm_id: str
    # conflict: another copy kept beside the evidence; conflict-reviewed: one the user has
    # looked at; quarantined: an imported file whose seal is not trusted (message_id 0)
    problem: IntegrityProblemKind
    detail: str


@dataclass(frozen=True)
class VerdictChange:
    """How many stored verdicts of one kind of evidence today's verification changes from
    ``old`` (None: never verified) to ``new``."""

    evidence: str  # "message" (the signed message) or "delivery-info"
    old: str | None
    new: str
    count: int


@dataclass(frozen=True)
class VerdictRefresh:
    """The stored verdicts that differ from today's verification (`IntegrityService.check`):
    only found, or ``stored`` (`dso check --refresh-verdicts`), each with an entry in its
    message's activity log."""

    checked: int  # signed messages and delivery infos verified
    changes: tuple[VerdictChange, ...] = ()
    stored: bool = False
    # Evidence with no verdict of its own to store: its bytes are not the stored ones (their
    # SHA-256 differs), it is gone, or it is another message's ZFO. The check lists each.
    failed: int = 0
    # Verdicts someone else changed while they were being checked: left as they are.
    skipped: int = 0
    # Stopped between two batches: what was stored before stays, nothing after.
    cancelled: bool = False

    @property
    def differing(self) -> int:
        return sum(c.count for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {"checked": self.checked, "differing": self.differing, "stored": self.stored,
                "failed": self.failed, "skipped": self.skipped, "cancelled": self.cancelled,
                "changes": [c.__dict__ for c in self.changes]}


@dataclass(frozen=True)
class IntegrityReport:
    checked: int
    ok: int
    problems: tuple[IntegrityProblem, ...]
    database_ok: bool
    # The stored verdicts against today's (None: not compared).
    verdicts: VerdictRefresh | None = None

    @property
    def clean(self) -> bool:
        """Nothing to act on: evidence that is untrusted, invalid or in conflict is not
        clean; a quarantined file is reported but attached to nothing. A check cancelled
        before its end is not clean: it has not seen everything."""
        return self.database_ok and not any(
            p.problem not in INFORMATIONAL_PROBLEMS for p in self.problems) and not (
            self.verdicts is not None and self.verdicts.cancelled)

    def to_json(self) -> dict[str, Any]:
        out = {
            "checked": self.checked, "ok": self.ok, "database_ok": self.database_ok,
            "clean": self.clean,
            "problems": [p.__dict__ for p in self.problems],
        }
        if self.verdicts is not None:
            out["verdicts"] = self.verdicts.to_json()
        return out


@dataclass(frozen=True)
class VerdictView:
    """A stored verification verdict as the GUI shows it (from `Verdict.to_json()`)."""

    kind: str
    reasons: tuple[str, ...] = ()
    reasons_cs: tuple[str, ...] = ()
    checked_at: str | None = None
    signing_time: str | None = None
    timestamp_time: str | None = None
    timestamp_expires: str | None = None
    added_anchor: str | None = None  # name of a non-PostSignum anchor the verdict relied on

    @classmethod
    def from_payload(cls, kind: str, payload: dict[str, Any] | None) -> VerdictView:
        p = payload or {}

        def strs(key: str) -> tuple[str, ...]:
            v = p.get(key) or ()
            return tuple(str(x) for x in v) if isinstance(v, list | tuple) else (str(v),)

        def opt(key: str) -> str | None:
            v = p.get(key)
            return None if v is None else str(v)

        # The stored verdict column is authoritative ("kind" in the payload is the ZFO kind).
        return cls(kind=kind or str(p.get("verdict") or ""), reasons=strs("reasons"),
                   reasons_cs=strs("reasons_cs"), checked_at=opt("checked_at"),
                   signing_time=opt("signing_time"), timestamp_time=opt("timestamp_time"),
                   timestamp_expires=opt("timestamp_expires"),
                   added_anchor=(str(p["added_anchor"].get("name"))
                                 if isinstance(p.get("added_anchor"), dict) else None))

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)
