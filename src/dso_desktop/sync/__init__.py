"""Sync engine: per-account jobs that bring the archive up to date with ISDS (no Qt)."""

from dso_desktop.sync.events import (
    DeliveryConfirmationRequired,
    SyncBusy,
    SyncCancelled,
    SyncError,
    SyncFailure,
    SyncProgress,
    SyncRetryLater,
    SyncStoreFailed,
    SyncSummary,
)

__all__ = [
    "DeliveryConfirmationRequired", "SyncBusy", "SyncCancelled", "SyncError", "SyncFailure",
    "SyncProgress", "SyncRetryLater", "SyncStoreFailed", "SyncSummary",
]
