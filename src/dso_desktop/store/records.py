"""Plain data the archive takes in and hands out (no SQLAlchemy objects leave the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dso_desktop.domain import DeliveryEvent, Direction, Envelope


@dataclass(frozen=True)
class VerdictInfo:
    """What verification said about a ZFO, as the store keeps it."""

    kind: str  # zfo.VerdictKind value: valid, expiring, valid-at-signing, untrusted, invalid
    checked_at: datetime
    json: str | None = None  # Verdict.to_json(), for the detail view
    timestamp_expires: datetime | None = None
    evidence_expires: datetime | None = None  # zfo.horizon: when it stops being verifiable
    evidence_cause: str | None = None  # domain.EvidenceCause value


@dataclass(frozen=True)
class SearchText:
    """The text of one message for the full-text index, column by column."""

    subject: str = ""
    parties: str = ""
    refs: str = ""
    files: str = ""
    body: str = ""


@dataclass(frozen=True)
class MessageFilter:
    """Which messages a list shows. Every field narrows; None means "any"."""

    account: str | None = None
    direction: Direction | None = None
    year: int | None = None
    since: datetime | None = None  # delivered at or after (e.g. "last 90 days")
    unread_only: bool = False
    tag_id: int | None = None
    downloaded: bool | None = None
    dm_id: str | None = None
    # Confirmed as held by a records-management service (issue 17); None: either.
    handed_over: bool | None = None
    # The clerk's filter bar and `dso messages list` (issue 14); every one narrows further.
    until: datetime | None = None  # delivered before (exclusive), with ``since`` a range
    party: str | None = None  # part of the sender's or recipient's name or box id
    statuses: tuple[int, ...] = ()  # dmMessageStatus values (any of them)
    verdicts: tuple[str, ...] = ()  # VerdictKind values; UNVERIFIED for "never verified"
    has_attachments: bool | None = None


UNVERIFIED = "unverified"  # in ``MessageFilter.verdicts``: no stored verdict (not downloaded)

ORDER_COLUMNS = (
    "delivered_at", "accepted_at", "subject", "sender_name", "recipient_name", "dm_id",
    "status", "id",
)


@dataclass(frozen=True)
class MessageRow:
    """One line of a message list: list columns only, cheap to fetch in bulk."""

    id: int
    dm_id: str
    account: str | None
    direction: Direction
    subject: str | None
    sender: str | None
    sender_box_id: str | None
    recipient: str | None
    recipient_box_id: str | None
    status: int | None
    delivered_at: datetime | None
    accepted_at: datetime | None
    verdict: str | None
    is_read: bool
    downloaded: bool
    attachment_count: int
    big_message: bool
    tag_ids: tuple[int, ...] = ()
    handed_over: bool = False  # a records service confirmed holding it (issue 17)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "dm_id": self.dm_id,
            "account": self.account,
            "direction": str(self.direction),
            "subject": self.subject,
            "sender": self.sender,
            "sender_box_id": self.sender_box_id,
            "recipient": self.recipient,
            "recipient_box_id": self.recipient_box_id,
            "status": self.status,
            "delivery_time": self.delivered_at.isoformat() if self.delivered_at else None,
            "acceptance_time": self.accepted_at.isoformat() if self.accepted_at else None,
            "verdict": self.verdict,
            "read": self.is_read,
            "downloaded": self.downloaded,
            "attachments": self.attachment_count,
            "big_message": self.big_message,
            "tags": list(self.tag_ids),
            "handed_over": self.handed_over,
        }


@dataclass(frozen=True)
class StoredMessage:
    """Everything the store knows about one message, without the ZFO bytes."""

    row: MessageRow
    envelope: Envelope
    events: tuple[DeliveryEvent, ...]
    note: str | None
    verdict_json: str | None
    verified_at: datetime | None
    timestamp_expires: datetime | None
    zfo_sha256: str | None
    zfo_size: int | None
    has_delivery_info: bool
    source: str
    tags: tuple[tuple[int, str, str], ...] = field(default=())


@dataclass(frozen=True)
class AccountRecord:
    """An account as stored (settings only; the secret is in the keyring)."""

    id: int
    name: str
    environment: str
    login_method: str
    username: str
    cert_file: str | None
    key_file: str | None
    ca_file: str | None
    sync_received: bool
    delivery_confirmed_at: datetime | None
    mark_downloaded: bool
    box_id: str | None
    box_type: str | None
    owner_name: str | None
    received_synced_until: datetime | None
    sent_synced_until: datetime | None
    last_sync_at: datetime | None
    password_expires_at: datetime | None
    password_checked_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class TagRecord:
    id: int
    name: str
    color: str


@dataclass(frozen=True)
class EvidenceCopyRecord:
    """A signed copy kept beside a message's evidence (see `store.evidence`)."""

    id: int
    message_id: int
    dm_id: str
    kind: str  # message | delivery-info
    sha256: str
    size: int
    verdict: str | None
    reason: str  # conflict | displaced
    stored_at: datetime
    reviewed_at: datetime | None = None  # the user has looked at it

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "message_id": self.message_id, "dm_id": self.dm_id,
                "kind": self.kind, "sha256": self.sha256, "size": self.size,
                "verdict": self.verdict, "reason": self.reason,
                "stored_at": self.stored_at.isoformat(),
                "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None}


@dataclass(frozen=True)
class QuarantineRecord:
    """An imported ZFO whose seal is not trusted, kept apart from every message."""

    id: int
    sha256: str
    size: int
    zfo_kind: str | None
    dm_id: str | None
    verdict: str
    reasons: str | None
    source_name: str | None
    imported_at: datetime

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "sha256": self.sha256, "size": self.size,
                "zfo_kind": self.zfo_kind, "dm_id": self.dm_id, "verdict": self.verdict,
                "reasons": self.reasons, "source_name": self.source_name,
                "imported_at": self.imported_at.isoformat()}
