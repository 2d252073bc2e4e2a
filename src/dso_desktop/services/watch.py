"""The watch: every deadline of the archive in one list, sorted by due date.

Evidence that stops being verifiable (`messages.evidence_expires`, stored when a ZFO is
verified), acceptance by fiction, deletion by ISDS of messages not downloaded, sent messages
not delivered, expiring passwords. Each is one indexed query over stored columns; nothing
is re-verified here except rows from before revision 0005 (`backfill`, once). The GUI's
warnings panel, `dso watch` and the notifications all read this list.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, func, select

from dso_desktop.domain import (
    TRUSTED_VERDICTS,
    Direction,
    EvidenceCause,
    MessageStatus,
    Remedy,
    WarningKind,
    text,
)
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.models import Account, Message, MessageZfo
from dso_desktop.store.timeutil import to_db

log = logging.getLogger(__name__)

RETENTION_DAYS = 90  # ISDS deletes a message 90 days after acceptance (PROTOCOL.md §7)
FICTION_DAYS = 10  # accepted by fiction on the 10th day after delivery (PROTOCOL.md §7)
BACKFILL_BATCH = 200
# Before delivery: posted, timestamped, an infected attachment removed.
NOT_DELIVERED = (int(MessageStatus.POSTED), int(MessageStatus.STAMPED),
                 int(MessageStatus.INFECTED_REMOVED))


@dataclass(frozen=True)
class WatchItem:
    """One deadline: what, whose, when, and what to do about it."""

    kind: WarningKind
    account: str | None
    message_id: int | None
    dm_id: str | None
    due: datetime
    remedy: Remedy
    text_cs: str
    text_en: str
    cause: EvidenceCause | None = None  # for evidence: what ends verifiability first

    def text(self, lang: str = "cs") -> str:
        return self.text_cs if lang == "cs" else self.text_en

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "account": self.account, "dm_id": self.dm_id,
                "message_id": self.message_id, "due": self.due.isoformat(),
                "remedy": self.remedy.value,
                "cause": self.cause.value if self.cause else None,
                "text": self.text_en, "text_cs": self.text_cs}


# Another part of the app (e.g. password-expiry tracking) may add items: called with
# (now, horizon or None for each kind's own lead time) on every `items()`.
WatchSource = Callable[[datetime, datetime | None], list[WatchItem]]


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _d(value: datetime, lang: str) -> str:
    return _day(value.date(), lang)


# A large archive has tens of thousands of due items over a few hundred distinct days:
# format each day once (strftime dominated the watch over 100,000 messages).
@lru_cache(maxsize=8192)
def _day(value: date, lang: str) -> str:
    return f"{value:%d. %m. %Y}" if lang == "cs" else f"{value:%Y-%m-%d}"


_CAUSES = {c.value: c for c in EvidenceCause}
_WHY = {c: (f" ({text(c, 'cs')})", f" ({text(c, 'en')})") for c in EvidenceCause}


class WatchService:
    """The one list of due items. ``trust(account_id)`` is only needed by `backfill`."""

    def __init__(self, db: Database, settings: Callable[[], Settings],
                 trust: Callable[..., Any] | None = None) -> None:
        self._db = db
        self._settings = settings
        self._trust = trust
        self._sources: list[WatchSource] = []
        self._backfilled = False
        self._backfill_lock = threading.Lock()
        self._backfill_deferred = False

    def add_source(self, source: WatchSource) -> None:
        self._sources.append(source)

    # -- the list -------------------------------------------------------------------------
    def items(self, now: datetime | None = None, within_days: int | None = None,
              limit: int | None = None) -> list[WatchItem]:
        """Everything due, overdue included, sorted by due date.

        ``within_days`` None: each kind with its own lead time from the settings
        (evidence `restamp_within_days`, deletion `deletion_warning_days`, passwords
        `password_warning_days`; fiction and non-delivery as they fall due); a number:
        every item due within that many days from ``now``.

        ``limit``: only the ``limit`` nearest items (issue 18: at a million messages the
        whole list is hundreds of thousands of items; the warnings panel and the tray read
        a page of it and the totals from `counts`). Each kind's query is read in its due
        order from an index and stops after ``limit`` rows, so the cost follows ``limit``,
        not the size of the archive.
        """
        now = now or datetime.now(UTC)
        if not self._backfill_deferred:
            self.backfill()
        horizon = None if within_days is None else now + timedelta(days=within_days)
        out: list[WatchItem] = []
        with self._db.read() as s:
            names: dict[int, str] = dict(s.execute(select(Account.id, Account.name))
                                         .tuples().all())
            for kind, q in self._queries(now, within_days):
                if limit is not None:
                    q = q.limit(max(0, limit))
                out += self._build(kind, s.execute(q), names)
        for source in self._sources:
            out += source(now, horizon)
        out.sort(key=lambda i: (i.due, i.kind.value, i.dm_id or "", i.account or ""))
        return out if limit is None else out[:max(0, limit)]

    def counts(self, now: datetime | None = None, within_days: int | None = None
               ) -> dict[WarningKind, int]:
        """How many items of each kind `items` lists (the same windows), counted by the
        database: one aggregate per kind over the indexed columns, no Python object per
        message (issue 18: the panel's and the tray's totals at a million messages)."""
        now = now or datetime.now(UTC)
        if not self._backfill_deferred:
            self.backfill()
        horizon = None if within_days is None else now + timedelta(days=within_days)
        out: dict[WarningKind, int] = {}
        with self._db.read() as s:
            for kind, q in self._queries(now, within_days):
                # The kind's own WHERE, counted: an index range for the evidence.
                n = int(s.scalar(q.with_only_columns(func.count(), maintain_column_froms=True)
                                 .order_by(None)) or 0)
                if n:
                    out[kind] = out.get(kind, 0) + n
        for source in self._sources:
            for item in source(now, horizon):
                out[item.kind] = out.get(item.kind, 0) + 1
        return out

    def due(self, within_days: int = 0, now: datetime | None = None,
            limit: int | None = None) -> list[WatchItem]:
        """Items due within ``within_days`` (0: due today or overdue): for notifications."""
        return self.items(now, within_days, limit)

    def _queries(self, now: datetime, within_days: int | None
                 ) -> list[tuple[WarningKind, Select[Any]]]:
        """Each kind's query, in its due order, with the windows of `items`."""
        st = self._settings()

        def limit(own_days: int) -> datetime:
            return now + timedelta(days=own_days if within_days is None else within_days)

        return [
            (WarningKind.PASSWORD_EXPIRY, _passwords_q(limit(st.password_warning_days))),
            (WarningKind.TIMESTAMP_EXPIRY, _evidence_q(limit(st.restamp_within_days))),
            (WarningKind.DELETION, _deletion_q(limit(st.deletion_warning_days))),
            (WarningKind.FICTION, _fiction_q(now, limit(FICTION_DAYS))),
            (WarningKind.UNDELIVERED, _undelivered_q(st.undelivered_warning_days, limit(0))),
        ]

    def _build(self, kind: WarningKind, rows: Any, names: dict[int, str]) -> list[WatchItem]:
        if kind is WarningKind.PASSWORD_EXPIRY:
            return _passwords(rows)
        if kind is WarningKind.TIMESTAMP_EXPIRY:
            return _evidence(rows, names)
        if kind is WarningKind.DELETION:
            return _deletion(rows, names)
        if kind is WarningKind.FICTION:
            return _fiction(rows, names)
        return _undelivered(rows, names, self._settings().undelivered_warning_days)

    # -- rows from before revision 0005 ---------------------------------------------------
    def defer_backfill(self) -> None:
        """`items` stops running `backfill` itself: the caller runs it on a thread of its
        own. On a large archive from before revision 0005 the backfill verifies every ZFO
        (minutes at 100,000 messages); inside `items` it held the GUI's one store thread,
        so the list, the detail and every other store task waited behind it."""
        self._backfill_deferred = True

    def backfill(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Compute the horizon of stored messages that lack it (archives from before
        revision 0005): verify each once and store the verdict. Returns how many."""
        if self._backfilled or self._trust is None:
            return 0
        with self._backfill_lock:
            if self._backfilled:
                return 0
            trusted = [v.value for v in TRUSTED_VERDICTS]
            with self._db.read() as s:
                todo = [(mid, acc) for mid, acc in s.execute(
                    select(Message.id, Message.account_id).join(
                        MessageZfo, MessageZfo.message_id == Message.id).where(
                        Message.evidence_expires.is_(None), Message.verdict.in_(trusted)))]
            done = 0
            for start in range(0, len(todo), BACKFILL_BATCH):
                self._backfill_batch(todo[start:start + BACKFILL_BATCH])
                done = min(len(todo), start + BACKFILL_BATCH)
                if progress is not None:
                    progress(done, len(todo))
            if todo:
                log.info("evidence horizon computed for %d stored messages", len(todo))
            self._backfilled = True
            return len(todo)

    def _backfill_batch(self, batch: list[tuple[int, int | None]]) -> None:
        from dso_desktop.store.messages import MessageRepo
        from dso_desktop.sync.ingest import verdict_info
        from dso_desktop.zfo import verify_zfo

        assert self._trust is not None
        with self._db.read() as s:
            repo = MessageRepo(s)
            blobs = {mid: repo.zfo(mid) for mid, _acc in batch}
        verdicts = {}
        for mid, acc in batch:
            z = blobs.get(mid)
            if z is not None:
                verdicts[mid] = verdict_info(verify_zfo(z[0], self._trust(acc)))
        with self._db.write() as s:
            repo = MessageRepo(s)
            for mid, info in verdicts.items():
                repo.set_verdict(mid, info)



# -- each kind: its query (the window, in due order) and its items -----------------------

# Each query orders by its due column, then dmID: `items` sorts ties by dmID as well, so
# a `limit` cuts each kind where the merged list would.

def _passwords_q(until: datetime) -> Select[Any]:
    return select(Account.name, Account.password_expires_at).where(
        Account.password_expires_at.is_not(None),
        Account.password_expires_at <= to_db(until)).order_by(Account.password_expires_at)


def _passwords(rows: Any) -> list[WatchItem]:
    out = []
    for name, exp in rows:
        due = _aware(exp)
        out.append(WatchItem(
            WarningKind.PASSWORD_EXPIRY, name, None, None, due, Remedy.CHANGE_PASSWORD,
            f"Heslo k účtu „{name}“ vyprší {_d(due, 'cs')}; změňte jej.",
            f"The password of account '{name}' expires on {_d(due, 'en')}."))
    return out


def _evidence_q(until: datetime) -> Select[Any]:
    # ix_messages_evidence_expires: a range of the index, read in due order.
    return select(Message.id, Message.dm_id, Message.account_id, Message.evidence_expires,
                  Message.evidence_cause).where(
        Message.evidence_expires.is_not(None), Message.evidence_expires <= to_db(until),
    ).order_by(Message.evidence_expires, Message.dm_id)


def _evidence(rows: Any, names: dict[int, str]) -> list[WatchItem]:
    out = []
    for mid, dm_id, acc_id, exp, cause_value in rows:
        due = _aware(exp)
        cause = _CAUSES.get(cause_value)
        why_cs, why_en = _WHY[cause] if cause is not None else ("", "")
        out.append(WatchItem(
            WarningKind.TIMESTAMP_EXPIRY, names.get(acc_id), mid, dm_id, due,
            Remedy.RESTAMP,
            f"Zprávu {dm_id} nepůjde od {_d(due, 'cs')} ověřit{why_cs}; obnovte razítko.",
            f"Message {dm_id} stops being verifiable on {_d(due, 'en')}{why_en}; "
            "restamp it.", cause))
    return out


def _deletion_q(until: datetime) -> Select[Any]:
    # Listed, signed copy not downloaded: ISDS deletes it 90 days after acceptance.
    return select(Message.id, Message.dm_id, Message.account_id, Message.accepted_at).where(
        Message.downloaded.is_(False), Message.accepted_at.is_not(None),
        Message.accepted_at <= to_db(until - timedelta(days=RETENTION_DAYS)),
    ).order_by(Message.accepted_at, Message.dm_id)


def _deletion(rows: Any, names: dict[int, str]) -> list[WatchItem]:
    out = []
    for mid, dm_id, acc_id, acc_at in rows:
        due = _aware(acc_at) + timedelta(days=RETENTION_DAYS)
        out.append(WatchItem(
            WarningKind.DELETION, names.get(acc_id), mid, dm_id, due, Remedy.DOWNLOAD,
            f"Zpráva {dm_id} není stažena celá a ISDS ji smaže {_d(due, 'cs')}.",
            f"Message {dm_id} is not fully downloaded; ISDS deletes it on "
            f"{_d(due, 'en')}."))
    return out


def _fiction_q(now: datetime, until: datetime) -> Select[Any]:
    # Delivered, not accepted yet: accepted by fiction on the 10th day. A received one
    # (the do-not-accept mode) is the user's deadline; a sent one is the counterpart's.
    return select(Message.id, Message.dm_id, Message.account_id, Message.direction,
                  Message.delivered_at).where(
        Message.status == int(MessageStatus.DELIVERED),
        Message.delivered_at.is_not(None), Message.accepted_at.is_(None),
        Message.delivered_at >= to_db(now - timedelta(days=FICTION_DAYS)),
        Message.delivered_at <= to_db(until - timedelta(days=FICTION_DAYS)),
    ).order_by(Message.delivered_at, Message.dm_id)


def _fiction(rows: Any, names: dict[int, str]) -> list[WatchItem]:
    out = []
    for mid, dm_id, acc_id, direction, dlv in rows:
        due = _aware(dlv) + timedelta(days=FICTION_DAYS)
        received = direction == Direction.RECEIVED
        out.append(WatchItem(
            WarningKind.FICTION, names.get(acc_id), mid, dm_id, due,
            Remedy.ACCEPT if received else Remedy.CHECK_DELIVERY,
            f"Zpráva {dm_id} bude doručena fikcí {_d(due, 'cs')}.",
            f"Message {dm_id} will be accepted by fiction on {_d(due, 'en')}."))
    return out


def _undelivered_q(after_days: int, until: datetime) -> Select[Any]:
    # Sent and still not delivered N days after it was recorded (sent from here, or
    # first seen in the sent list): the recipient's box may be inaccessible.
    return select(Message.id, Message.dm_id, Message.account_id, Message.created_at).where(
        Message.direction == Direction.SENT.value,
        Message.status.in_(NOT_DELIVERED),
        Message.created_at <= to_db(until - timedelta(days=after_days)),
    ).order_by(Message.created_at, Message.dm_id)


def _undelivered(rows: Any, names: dict[int, str], after_days: int) -> list[WatchItem]:
    out = []
    for mid, dm_id, acc_id, created in rows:
        due = _aware(created) + timedelta(days=after_days)
        out.append(WatchItem(
            WarningKind.UNDELIVERED, names.get(acc_id), mid, dm_id, due,
            Remedy.CHECK_DELIVERY,
            f"Odeslaná zpráva {dm_id} není ani po {after_days} dnech dodána adresátovi.",
            f"Sent message {dm_id} is still not delivered after {after_days} days."))
    return out
