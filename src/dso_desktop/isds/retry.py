"""When the ISDS client sends a request again: the back-off policy and the idempotent operations.

The client (`isds.client.IsdsClient._call`) is the only layer that retries. Throttling
(3008/3009) and maintenance (HTTP 503) are answers: ISDS did nothing, so every operation may
be sent again. A timeout or a dropped connection is not: the request may have been carried
out, so only operations that read, or that set a state that is the same however often it is
set, are sent again. CreateMessage, CreateMultipleMessage, CreateBigMessage and
UploadAttachment never are (the outbox of the send service reconciles such a send instead).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from dataclasses import dataclass

# Operations that may be sent again after a timeout or a dropped connection. An allow-list:
# an operation added later is not resent until someone has decided that it is safe.
IDEMPOTENT_OPERATIONS = frozenset({
    "DummyOperation",
    # lists and state
    "GetListOfReceivedMessages", "GetListOfSentMessages", "GetMessageStateChanges",
    "GetListOfErasedMessages", "GetListForNotifications",
    # downloads
    "MessageDownload", "SignedMessageDownload", "SignedSentMessageDownload",
    "MessageEnvelopeDownload", "SentMessageEnvelopeDownload", "BigMessageDownload",
    "SignedBigMessageDownload", "SignedSentBigMessageDownload", "DownloadAttachment",
    "GetDeliveryInfo", "GetSignedDeliveryInfo", "GetMessageAuthor", "GetMessageAuthor2",
    "VerifyMessage", "AuthenticateMessage", "AuthenticateBigMessage",
    "MarkMessageAsDownloaded",  # sets a flag: setting it twice is setting it once
    # information about boxes, the user and the account
    "GetOwnerInfoFromLogin", "GetOwnerInfoFromLogin2", "GetUserInfoFromLogin",
    "GetUserInfoFromLogin2", "GetPasswordInfo", "CheckDataBox", "FindDataBox",
    "FindDataBox2", "FindPersonalDataBox", "ISDSSearch2", "ISDSSearch3",
    "GetDataBoxActivityStatus", "GetDataBoxList", "DataBoxCreditInfo", "DTInfo", "PDZInfo",
    "PDZSendInfo", "GetDataBoxAddress",
})


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` requests for one operation, waiting ``base_delay`` seconds before
    the second, twice as long before each further one, never more than ``max_delay``. A
    Retry-After from ISDS longer than ``max_delay`` ends the retries at once (the caller is
    told when to try again instead of waiting in the middle of a sync)."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt number ``attempt`` (1-based)."""
        return min(self.base_delay * (2 ** max(0, attempt - 1)), self.max_delay)

    def delays(self) -> Iterator[float]:
        """The pauses between the attempts (``attempts - 1`` of them)."""
        for attempt in range(1, max(1, self.attempts)):
            yield self.delay(attempt)


def may_retry(exc: BaseException, operation: str) -> bool:
    """May ``operation`` be sent again after it failed with ``exc``?"""
    if not getattr(exc, "retryable", False):
        return False
    if getattr(exc, "ambiguous", False):
        return operation in IDEMPOTENT_OPERATIONS
    return True


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from an HTTP Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
