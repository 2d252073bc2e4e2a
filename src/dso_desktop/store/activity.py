"""Who read, tagged or annotated which message, and when (`models.MessageActivity`).

In an office several people share one archive: read state, tags and notes are the
office's, so the archive records who changed them. The actor is the operating-system
user and computer, and on a server database also the database role the change was made
with (the one the database's own permissions apply to).
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dso_desktop.store.db import CHANGES_CHANNEL
from dso_desktop.store.models import MessageActivity
from dso_desktop.store.timeutil import from_db, to_db, utcnow

READ, UNREAD, TAG, UNTAG, NOTE = "read", "unread", "tag", "untag", "note"
# A stored verdict changed by verifying the evidence again (`dso check --refresh-verdicts`);
# the detail says from what to what.
REVERIFIED = "reverified"


@dataclass(frozen=True)
class ActivityRecord:
    message_id: int
    action: str
    detail: str | None
    actor: str
    at: datetime


@cache
def local_actor() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (a service account without passwd entry)
        user = "?"
    return f"{user}@{socket.gethostname()}"[:150]


class ActivityRepo:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._actor: str | None = None

    def actor(self) -> str:
        """The actor of this repo's entries; on a server the role is asked once per repo
        (one query for a batch of entries, e.g. the verdicts a check refreshes)."""
        if self._actor is None:
            actor = local_actor()
            if self.s.get_bind().dialect.name == "postgresql":
                role = self.s.execute(text("SELECT current_user")).scalar()
                actor = f"{actor} ({role})"
            self._actor = actor[:200]
        return self._actor

    def record(self, message_id: int, action: str, detail: str | None = None) -> None:
        self.s.add(MessageActivity(message_id=message_id, action=action,
                                   detail=(detail or None) and detail[:200],
                                   actor=self.actor(), at=to_db(utcnow())))
        if self.s.get_bind().dialect.name == "postgresql":
            # Delivered to the other computers' open windows when this commits.
            self.s.execute(text("SELECT pg_notify(:c, :p)"),
                           {"c": CHANGES_CHANNEL, "p": f"{action}:{message_id}"})

    def history(self, message_id: int) -> list[ActivityRecord]:
        rows = self.s.scalars(select(MessageActivity).where(
            MessageActivity.message_id == message_id).order_by(MessageActivity.id))
        return [ActivityRecord(r.message_id, r.action, r.detail, r.actor,
                               from_db(r.at) or r.at) for r in rows]
