"""What a document is made from: plain, frozen data (filled in by `services.paper`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum

from dso_desktop.domain import DeliveryEvent, Direction, Envelope, MessageStatus

try:  # the office's clock: Czech legal times are read in Prague time
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        PRAGUE: tzinfo = ZoneInfo("Europe/Prague")
    except ZoneInfoNotFoundError:  # pragma: no cover - Windows without tzdata
        PRAGUE = UTC
except ImportError:  # pragma: no cover
    PRAGUE = UTC


# Explicit bidi embeddings, overrides, isolates and marks: with them a sender's name like
# "Faktura\u202efdp.exe" shows reordered ("Fakturaexe.pdf") on paper, in Excel or a browser.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
_NO_BIDI = {ord(c): None for c in BIDI_CONTROLS}


def strip_bidi(text: str) -> str:
    """``text`` without bidi control characters (nothing else changes)."""
    return text.translate(_NO_BIDI)


class Part(StrEnum):
    """Which document of one message: the envelope, the delivery info, or both in one."""

    ENVELOPE = "envelope"
    DELIVERY_INFO = "delivery-info"
    BOTH = "both"


def local_time(dt: datetime | None) -> str:
    """A time as a Czech clerk reads it: Prague time, ``01.03.2026 13:00:00``; the archive
    keeps naive datetimes in UTC. Empty for None."""
    if dt is None:
        return ""
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return aware.astimezone(PRAGUE).strftime("%d.%m.%Y %H:%M:%S")


def local_date(dt: datetime | None) -> str:
    if dt is None:
        return ""
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return aware.astimezone(PRAGUE).strftime("%d.%m.%Y")


STATUS_CS: dict[int, str] = {
    MessageStatus.POSTED: "podána",
    MessageStatus.STAMPED: "opatřena časovým razítkem",
    MessageStatus.INFECTED_REMOVED: "odstraněna infikovaná příloha",
    MessageStatus.DELIVERED: "dodána",
    MessageStatus.ACCEPTED_BY_FICTION: "doručena fikcí",
    MessageStatus.ACCEPTED_BY_LOGIN: "doručena přihlášením",
    MessageStatus.READ: "přečtena",
    MessageStatus.UNDELIVERABLE: "nedoručitelná",
    MessageStatus.CONTENT_DELETED: "obsah smazán",
    MessageStatus.IN_VAULT: "v datovém trezoru",
}


def status_cs(status: int | None) -> str:
    """The Czech word for dmMessageStatus (ISDS's own terms); "neznámý" when unknown."""
    if status is None:
        return "neznámý"
    return STATUS_CS.get(status, f"neznámý ({status})")


DIRECTION_CS = {Direction.RECEIVED: "přijatá", Direction.SENT: "odeslaná"}


@dataclass(frozen=True)
class CertLine:
    """A certificate as the document names it."""

    subject: str
    issuer: str | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class SealCheck:
    """The verification verdict on one signed ZFO (the message or its delivery info)."""

    kind: str | None  # domain.VerdictKind value; None = never verified
    reasons_cs: tuple[str, ...] = ()
    checked_at: datetime | None = None
    signing_time: datetime | None = None
    timestamp_time: datetime | None = None
    seal: CertLine | None = None
    tsa: CertLine | None = None
    zfo_sha256: str | None = None
    zfo_size: int | None = None


@dataclass(frozen=True)
class FileLine:
    """One attachment: name, type, role, size in bytes and SHA-256 of its content."""

    name: str
    mime_type: str
    role: str
    size: int
    sha256: str


@dataclass(frozen=True)
class MessageDoc:
    """Everything the envelope and the delivery info of one message show."""

    envelope: Envelope
    direction: Direction
    account: str | None = None
    files: tuple[FileLine, ...] = ()
    message_check: SealCheck | None = None
    events: tuple[DeliveryEvent, ...] = ()
    delivery_check: SealCheck | None = None
    has_delivery_info: bool = False
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class OverviewRow:
    """One message of the correspondence overview."""

    dm_id: str
    direction: Direction
    account: str | None
    status: int | None
    delivered_at: datetime | None
    accepted_at: datetime | None
    sender: str | None
    sender_box_id: str | None
    recipient: str | None
    recipient_box_id: str | None
    subject: str | None
    our_ref: str | None = None
    your_ref: str | None = None
    attachment_count: int = 0
    verdict: str | None = None


@dataclass(frozen=True)
class Overview:
    """The correspondence overview of a date range, optionally one account and direction."""

    date_from: date  # first day shown
    date_to: date  # last day shown (inclusive)
    account: str | None
    direction: Direction | None
    rows: tuple[OverviewRow, ...]
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def counts(self) -> list[tuple[Direction, str, int]]:
        """(direction, Czech state, number of messages), directions received first, states
        in ISDS order: the summary at the top of every format."""
        tally: dict[tuple[Direction, int], int] = {}
        for r in self.rows:
            key = (r.direction, r.status if r.status is not None else 0)
            tally[key] = tally.get(key, 0) + 1
        order = {Direction.RECEIVED: 0, Direction.SENT: 1}
        return [(d, status_cs(s or None), n)
                for (d, s), n in sorted(tally.items(), key=lambda kv: (order[kv[0][0]],
                                                                       kv[0][1]))]

    def totals(self) -> dict[Direction, int]:
        out = {d: 0 for d in Direction}
        for r in self.rows:
            out[r.direction] += 1
        return out

    def scope_text(self) -> str:
        """One Czech line: the period, the account and the direction shown."""
        parts = [f"Období: {self.date_from:%d.%m.%Y} – {self.date_to:%d.%m.%Y}",
                 f"Účet: {self.account or 'všechny'}",
                 f"Směr: {DIRECTION_CS[self.direction] if self.direction else 'oba'}"]
        return "; ".join(parts)
