"""Repositories of accounts, tags and settings within one unit of work."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dso_desktop.store.errors import AlreadyExists, NotFound
from dso_desktop.store.models import Account, Message, MessageTag, Setting, Tag
from dso_desktop.store.records import AccountRecord, TagRecord
from dso_desktop.store.timeutil import from_db, to_db, utcnow

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

ACCOUNT_FIELDS = (
    "environment", "login_method", "username", "cert_file", "key_file", "ca_file",
    "sync_received", "delivery_confirmed_at", "mark_downloaded", "box_id", "box_type",
    "owner_name", "received_synced_until", "sent_synced_until", "last_sync_at",
    "password_expires_at", "password_checked_at",
)
_TIME_FIELDS = {
    "delivery_confirmed_at", "received_synced_until", "sent_synced_until", "last_sync_at",
    "password_expires_at", "password_checked_at", "created_at",
}


def _record(a: Account) -> AccountRecord:
    return AccountRecord(
        id=a.id, name=a.name, environment=a.environment, login_method=a.login_method,
        username=a.username, cert_file=a.cert_file, key_file=a.key_file, ca_file=a.ca_file,
        sync_received=bool(a.sync_received), delivery_confirmed_at=from_db(a.delivery_confirmed_at),
        mark_downloaded=bool(a.mark_downloaded), box_id=a.box_id, box_type=a.box_type,
        owner_name=a.owner_name, received_synced_until=from_db(a.received_synced_until),
        sent_synced_until=from_db(a.sent_synced_until), last_sync_at=from_db(a.last_sync_at),
        password_expires_at=from_db(a.password_expires_at),
        password_checked_at=from_db(a.password_checked_at),
        created_at=from_db(a.created_at),  # type: ignore[arg-type]
    )


class AccountRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _get(self, name: str) -> Account:
        a = self.s.scalar(select(Account).where(Account.name == name))
        if a is None:
            raise NotFound(f"no account named {name!r}").add_details(account=name)
        return a

    def get(self, name: str) -> AccountRecord:
        return _record(self._get(name))

    def find(self, name: str) -> AccountRecord | None:
        a = self.s.scalar(select(Account).where(Account.name == name))
        return _record(a) if a else None

    def by_id(self, account_id: int) -> AccountRecord:
        a = self.s.get(Account, account_id)
        if a is None:
            raise NotFound(f"no account with id {account_id}")
        return _record(a)

    def list(self) -> list[AccountRecord]:
        return [_record(a) for a in self.s.scalars(select(Account).order_by(Account.name))]

    def add(self, name: str, **fields: Any) -> AccountRecord:
        if self.s.scalar(select(Account.id).where(Account.name == name)) is not None:
            raise AlreadyExists(f"an account named {name!r} exists already").add_details(
                account=name)
        unknown = set(fields) - set(ACCOUNT_FIELDS)
        if unknown:
            raise TypeError(f"unknown account fields: {sorted(unknown)}")
        values = {k: (to_db(v) if k in _TIME_FIELDS else v) for k, v in fields.items()}
        values.setdefault("sync_received", True)
        values.setdefault("mark_downloaded", False)
        a = Account(name=name, created_at=to_db(utcnow()), **values)
        self.s.add(a)
        self.s.flush()
        return _record(a)

    def update(self, name: str, **fields: Any) -> AccountRecord:
        a = self._get(name)
        for k, v in fields.items():
            if k not in ACCOUNT_FIELDS:
                raise TypeError(f"unknown account field {k!r}")
            setattr(a, k, to_db(v) if k in _TIME_FIELDS and isinstance(v, datetime) else v)
        self.s.flush()
        return _record(a)

    def same_box_ids(self, name: str) -> tuple[int, ...]:
        """Ids of the accounts that log in to the same data box as ``name`` (same box id
        and environment; the box id is known after the first login), ``name``'s own first
        if the box is not known yet; sorted, the first is the one messages are filed under."""
        a = self._get(name)
        if a.box_id is None:
            return (a.id,)
        return tuple(self.s.scalars(select(Account.id).where(
            Account.box_id == a.box_id, Account.environment == a.environment,
        ).order_by(Account.id)))

    def by_box(self) -> dict[str, int]:
        """Box id -> the account its messages are filed under (`archive_id`'s rule)."""
        ids: dict[str, list[int]] = {}
        for box_id, account_id in self.s.execute(select(Account.box_id, Account.id).where(
                Account.box_id.is_not(None)).order_by(Account.id)):
            ids.setdefault(box_id, []).append(account_id)
        return {box_id: self._filed_under(tuple(same)) for box_id, same in ids.items()}

    def archive_id(self, name: str) -> int:
        """The account id ``name``'s messages are filed under (one copy per data box)."""
        return self._filed_under(self.same_box_ids(name))

    def _filed_under(self, same: tuple[int, ...]) -> int:
        """Of the accounts of one data box, the first under which messages are filed
        already, else the first. Not simply the first: an account added earlier may learn
        its box id (at its first login) only after a later one has filed the box's
        messages, and the box must keep that one copy rather than start a second one."""
        if len(same) > 1:
            for account_id in same:
                if self.s.scalar(select(Message.id).where(
                        Message.account_id == account_id).limit(1)) is not None:
                    return account_id
        return same[0]

    def remove(self, name: str) -> int:
        """Remove the account; its messages stay in the archive (unassigned, or with
        another account of the same data box, which keeps using them). Returns count."""
        a = self._get(name)
        kept = self.s.query(Message).filter(Message.account_id == a.id).count()
        heir = next((i for i in self.same_box_ids(name) if i != a.id), None)
        if heir is not None:
            self.s.execute(update(Message).where(Message.account_id == a.id)
                           .values(account_id=heir))
        self.s.delete(a)
        self.s.flush()
        return kept


class TagRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def list(self) -> list[TagRecord]:
        return [TagRecord(t.id, t.name, t.color)
                for t in self.s.scalars(select(Tag).order_by(Tag.name))]

    def create(self, name: str, color: str) -> TagRecord:
        name = name.strip()
        if not name:
            raise ValueError("a tag needs a name")
        if not _COLOR.match(color):
            raise ValueError(f"colour must look like #rrggbb, not {color!r}")
        if self.s.scalar(select(Tag.id).where(Tag.name == name)) is not None:
            raise AlreadyExists(f"a tag named {name!r} exists already").add_details(tag=name)
        t = Tag(name=name, color=color.lower())
        self.s.add(t)
        self.s.flush()
        return TagRecord(t.id, t.name, t.color)

    def update(self, tag_id: int, *, name: str | None = None, color: str | None = None) -> None:
        t = self.s.get(Tag, tag_id)
        if t is None:
            raise NotFound(f"no tag {tag_id}")
        if color is not None:
            if not _COLOR.match(color):
                raise ValueError(f"colour must look like #rrggbb, not {color!r}")
            t.color = color.lower()
        if name is not None:
            t.name = name.strip()

    def delete(self, tag_id: int) -> None:
        self.s.execute(delete(Tag).where(Tag.id == tag_id))

    def assign(self, message_id: int, tag_id: int) -> bool:
        """True when the tag was not on the message yet."""
        if self.s.get(Tag, tag_id) is None:
            raise NotFound(f"no tag {tag_id}")
        if self.s.get(Message, message_id) is None:
            raise NotFound(f"no message {message_id}")
        if self.s.get(MessageTag, (message_id, tag_id)) is None:
            self.s.add(MessageTag(message_id=message_id, tag_id=tag_id))
            return True
        return False

    def unassign(self, message_id: int, tag_id: int) -> bool:
        """True when the tag was on the message."""
        res = self.s.execute(delete(MessageTag).where(
            MessageTag.message_id == message_id, MessageTag.tag_id == tag_id))
        return bool(getattr(res, "rowcount", 0))

    def name(self, tag_id: int) -> str | None:
        return self.s.scalar(select(Tag.name).where(Tag.id == tag_id))


class SettingsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def all(self) -> dict[str, Any]:
        return {r.key: json.loads(r.value) for r in self.s.scalars(select(Setting))}

    def put(self, key: str, value: Any) -> None:
        row = self.s.get(Setting, key)
        payload = json.dumps(value, ensure_ascii=False)
        if row is None:
            self.s.add(Setting(key=key, value=payload))
        else:
            row.value = payload
