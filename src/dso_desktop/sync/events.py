"""What a sync reports: progress events, the summary, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SyncProgress:
    """One progress event; the GUI re-emits it as a Qt signal on its own thread."""

    account: str
    phase: str  # login | list-received | list-sent | state | download | delivery-info | done
    done: int
    total: int
    bytes: int = 0
    message: str | None = None  # dmID being worked on, when there is one


@dataclass(frozen=True)
class SyncFailure:
    dm_id: str | None
    reason: str


@dataclass
class SyncSummary:
    """What one sync of one account achieved."""

    account: str
    received_synced: bool = False
    new: int = 0
    updated: int = 0
    listed: int = 0
    downloaded_bytes: int = 0
    delivery_infos: int = 0
    failed: list[SyncFailure] = field(default_factory=list)
    cancelled: bool = False
    new_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "received_synced": self.received_synced,
            "new": self.new,
            "updated": self.updated,
            "listed": self.listed,
            "bytes": self.downloaded_bytes,
            "delivery_infos": self.delivery_infos,
            "failed": [{"dm_id": f.dm_id, "reason": f.reason} for f in self.failed],
            "cancelled": self.cancelled,
        }


class SyncError(Exception):
    """A sync could not finish; `summary` says what it did before that."""

    def __init__(self, message: str, summary: SyncSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


class DeliveryConfirmationRequired(SyncError):
    """Listing received messages means delivery by login (§ 17(3) of Act 300/2008).

    Raised before any request when the account syncs received messages, the user has never
    confirmed it, and the caller did not say ``accept_delivery=True`` (or False for a sync of
    sent messages and states only).
    """


class SyncCancelled(SyncError):
    """The user cancelled; everything stored so far stays, the next sync continues."""


class SyncBusy(SyncError):
    """A sync of this account is already running (ISDS allows one request at a time)."""
