"""What the printed documents read (issue 16): the correspondence overview's messages of a
period (one portable Core statement, SQLite and PostgreSQL) and a stored delivery info
with its verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dso_desktop.domain import Direction
from dso_desktop.store.models import Account, Message
from dso_desktop.store.timeutil import from_db, to_db


@dataclass(frozen=True)
class OverviewRecord:
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
    our_ref: str | None
    your_ref: str | None
    attachment_count: int
    verdict: str | None


def overview_records(s: Session, since: datetime, until: datetime, *,
                     account: str | None = None,
                     direction: Direction | None = None) -> list[OverviewRecord]:
    """Messages whose delivery time (or, before delivery, the time the archive first saw
    them) lies in ``[since, until)``."""
    when = func.coalesce(Message.delivered_at, Message.created_at)
    q = (select(Message.dm_id, Message.direction, Account.name, Message.status,
                Message.delivered_at, Message.accepted_at, Message.sender_name,
                Message.sender_box_id, Message.recipient_name, Message.recipient_box_id,
                Message.subject, Message.our_ref, Message.your_ref,
                Message.attachment_count, Message.verdict)
         .outerjoin(Account, Account.id == Message.account_id)
         .where(when >= to_db(since), when < to_db(until))
         .order_by(when, Message.id))
    if account is not None:
        q = q.where(Account.name == account)
    if direction is not None:
        q = q.where(Message.direction == str(direction))
    return [OverviewRecord(
        dm_id=r[0], direction=Direction(r[1]), account=r[2], status=r[3],
        delivered_at=from_db(r[4]), accepted_at=from_db(r[5]), sender=r[6],
        sender_box_id=r[7], recipient=r[8], recipient_box_id=r[9], subject=r[10],
        our_ref=r[11], your_ref=r[12], attachment_count=int(r[13] or 0), verdict=r[14])
        for r in s.connection().execute(q)]


@dataclass(frozen=True)
class DeliveryInfoRecord:
    """The stored signed delivery info of a message and the verdict it was stored with."""

    data: bytes
    sha256: str
    size: int
    verdict: str | None
    stored_at: datetime | None


def delivery_info_record(s: Session, message_id: int) -> DeliveryInfoRecord | None:
    from dso_desktop.store.models import DeliveryInfo

    r = s.execute(select(DeliveryInfo.data, DeliveryInfo.sha256, DeliveryInfo.size,
                         DeliveryInfo.verdict, DeliveryInfo.stored_at)
                  .where(DeliveryInfo.message_id == message_id)).first()
    if r is None:
        return None
    return DeliveryInfoRecord(data=bytes(r[0]), sha256=r[1], size=int(r[2]), verdict=r[3],
                              stored_at=from_db(r[4]))
