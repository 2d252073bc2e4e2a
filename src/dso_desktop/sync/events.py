"""What a sync reports: progress events, the summary, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from dso_desktop.domain import SyncPhase
from dso_desktop.errors import DsoError, ErrorKind


@dataclass(frozen=True)
class SyncProgress:
    """One progress event; the GUI re-emits it as a Qt signal on its own thread."""

    account: str
    phase: SyncPhase
    done: int
    total: int
    bytes: int = 0
    message: str | None = None  # dmID being worked on, when there is one


@dataclass(frozen=True)
class SyncFailure:
    dm_id: str | None
    reason: str  # English, for logs and --json
    # What failed ("owner info", "delivery info", "" = the message) and the error itself,
    # so that a user's line can be written in the user's language from the error's kind.
    part: str = ""
    error: BaseException | None = field(default=None, compare=False, repr=False)


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


class SyncError(DsoError):
    """A sync could not finish; `summary` says what it did before that."""

    kind = ErrorKind.SYNC

    def __init__(self, message: str, summary: SyncSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


class DeliveryConfirmationRequired(SyncError):
    """Listing received messages means delivery by login (§ 17(3) of Act 300/2008).

    Raised before any request when the account syncs received messages, the user has never
    confirmed it, and the caller did not say ``accept_delivery=True`` (or False for a sync of
    sent messages and states only).
    """

    kind = ErrorKind.SYNC_DELIVERY_CONFIRMATION


class SyncCancelled(SyncError):
    """The user cancelled; everything stored so far stays, the next sync continues."""

    kind = ErrorKind.SYNC_CANCELLED


class SyncBusy(SyncError):
    """A sync of this account is already running (ISDS allows one request at a time)."""

    kind = ErrorKind.SYNC_BUSY


class SyncRetryLater(SyncError):
    """ISDS throttled (3008/3009), was in maintenance (HTTP 503) or did not answer in time,
    and the client's retries (at most 6 requests of one operation) did not get through. This
    account's sync stopped; ``retry_at`` (UTC) says when trying again makes sense.

    ``reason``: ``throttled``, ``maintenance`` or ``timeout``; ``code`` the ISDS code
    (``3008``, ``3009``, ``503``) when there is one; ``attempts`` the requests made.
    """

    kind = ErrorKind.SYNC_RETRY_LATER

    REASONS: ClassVar[dict[str, str]] = {
        "throttled": "ISDS limits the number of requests",
        "maintenance": "ISDS is down for maintenance",
        "timeout": "ISDS did not answer in time",
    }

    def __init__(self, account: str, reason: str, retry_at: datetime, *,
                 code: str | None = None, operation: str | None = None, attempts: int = 1,
                 summary: SyncSummary | None = None) -> None:
        self.account = account
        self.reason = reason
        self.retry_at = retry_at
        self.code = code
        self.operation = operation
        self.attempts = attempts
        what = self.REASONS.get(reason, "ISDS did not accept the requests")
        extra = f" (code {code})" if code else ""
        local = retry_at.astimezone().strftime("%H:%M") if retry_at.tzinfo else \
            retry_at.strftime("%H:%M")
        super().__init__(
            f"sync of {account!r} stopped: {what}{extra}; {attempts} attempt(s) of "
            f"{operation or 'one request'} failed; try again after {local}", summary)


class SyncStoreFailed(SyncError):
    """The archive could not be written (disk full, read-only folder or database, disk
    error). The sync stopped at once and downloaded nothing more; what was committed before
    stays, and the next sync downloads the rest. ``reason``: ``disk-full``, ``read-only``
    or ``io`` (as `store.errors.StoreWriteError.reason`)."""

    kind = ErrorKind.SYNC_STORE_FAILED

    def __init__(self, account: str, reason: str, summary: SyncSummary | None = None
                 ) -> None:
        self.account = account
        self.reason = reason
        what = {
            "disk-full": "the disk is full",
            "read-only": "the archive or its folder is read-only or not writable",
        }.get(reason, "the disk reported a write error")
        super().__init__(
            f"sync of {account!r} stopped: the archive cannot be written ({what}); nothing "
            "more was downloaded. Free disk space or fix the permissions, then sync again",
            summary)
