"""The store's one write API for evidence: list entries, signed messages, delivery infos.

Every signed copy and every list entry reaches the archive through `EvidenceWriter`, and
the writer alone picks the path: the plain statements of `store.fastwrite` for the common
cases of a sync's group commit (SQLite and PostgreSQL; on PostgreSQL by the group: rows
read for the whole group, writes sent in one pipeline), the ORM (`MessageRepo`) for
everything else. Both
paths follow the rules of `store.evidence` (which copy is the evidence, a state only moves
forward, the signed envelope wins), so the caller never knows, and never needs to know,
which path wrote a row.

`write_grouped` is the group commit: many items in one transaction, each item alone when
the transaction fails because of one item's data, and a stop at once when the archive
itself cannot be written (`StoreWriteError`). Whatever the plain-statement path queued is
sent before the ORM path runs and before the transaction commits (`EvidenceWriter.close`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store import evidence as evd
from dso_desktop.store.db import Database
from dso_desktop.store.errors import StoreWriteError
from dso_desktop.store.fastwrite import FastWriter
from dso_desktop.store.messages import MessageRepo, UpsertResult
from dso_desktop.store.records import SearchText, VerdictInfo

T = TypeVar("T")
R = TypeVar("R")

# Actions after which the offered delivery info is the message's (new or changed).
DELIVERY_INFO_TAKEN = frozenset({evd.Action.STORE, evd.Action.REPLACE, evd.Action.SUPERSEDE})


@dataclass(frozen=True)
class Placed:
    """What became of a signed message copy: the evidence rule's action, and the message."""

    action: evd.Action
    message_id: int


class EvidenceWriter:
    """Evidence writes inside one write session (the caller's transaction; it commits).

    ``batch``: the session is a sync's group commit, where the plain-statement path pays
    off; a one-off write (an import, a sent message, an item retried alone) goes through
    the ORM only. Use as a context manager, or call `close`.
    """

    def __init__(self, session: Session, *, batch: bool = True) -> None:
        self.session = session
        self._repo = MessageRepo(session)
        fast = FastWriter(session) if batch else None
        if fast is not None and not fast.enabled:
            fast.close()
            fast = None
        self._fast = fast

    def close(self) -> None:
        """Send the queued writes (the caller's transaction then commits them)."""
        if self._fast is not None:
            self._fast.close()

    def __enter__(self) -> EvidenceWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        elif self._fast is not None:  # rolled back: nothing queued is worth sending
            self._fast.abandon()

    def _orm(self) -> MessageRepo:
        """The ORM path, after what the plain-statement path queued (it reads the rows and
        writes them; what the plain path knew of them is forgotten)."""
        if self._fast is not None:
            self._fast.flush()
            self._fast.forget()
        return self._repo

    def prefetch(self, account_id: int, direction: Direction, dm_ids: Iterable[str]) -> None:
        """The messages of a group about to be offered (`attach_downloaded`): on PostgreSQL
        read together, not one by one (`FastWriter.prefetch`)."""
        if self._fast is not None:
            self._fast.prefetch(account_id, direction, dm_ids)

    def prefetch_ids(self, ids: Iterable[int]) -> None:
        """As `prefetch`, for the messages of a group's delivery infos."""
        if self._fast is not None:
            self._fast.prefetch_ids(ids)

    # -- list entries -------------------------------------------------------------------
    def record_listed(self, account_id: int, direction: Direction, env: Envelope, *,
                      source: str = "sync") -> UpsertResult:
        """Record an envelope seen in a list of the account: a new message (not downloaded
        yet), or the state of a known one moved forward. An imported copy of the message
        without an account is adopted by the account (never a second row)."""
        return self.record_listed_many(account_id, direction, [env], source=source)[0]

    def record_listed_many(self, account_id: int, direction: Direction,
                           envs: Sequence[Envelope], *, source: str = "sync"
                           ) -> list[UpsertResult]:
        """`record_listed` for a page of a list, in order (on PostgreSQL: the page's rows
        read in one statement, its new messages inserted in one)."""
        done: list[tuple[int, bool, bool] | None] = (
            self._fast.upsert_listed_many(account_id, direction, envs, source)
            if self._fast is not None else [None] * len(envs))
        out: list[UpsertResult] = []
        for env, fast in zip(envs, done, strict=True):
            if fast is not None:
                out.append(UpsertResult(*fast))
                continue
            out.append(self._orm().upsert_envelope(account_id, direction, env, source=source))
            self.session.flush()
        return out

    def record_state_change(self, account_id: int, direction: Direction, dm_id: str,
                            status: int, at: datetime | None = None) -> bool:
        """A new state ISDS reported for a message of the account (its list of state
        changes). True when the message is in the archive and its status moved forward
        (`evidence.status_moves`); ``at`` becomes the acceptance time of an accepted one
        that has none."""
        repo = self._orm()
        mid = repo.get_id(account_id, direction, dm_id)
        changed = mid is not None and repo.set_status(mid, status, at)
        self.session.flush()  # the plain-statement path reads with its own cursor
        return changed

    # -- signed messages ----------------------------------------------------------------
    def attach_downloaded(
        self,
        data: bytes,
        env: Envelope,
        search: SearchText,
        attachment_count: int,
        verdict: VerdictInfo,
        events: Sequence[DeliveryEvent],
        *,
        account_id: int | None,
        direction: Direction,
        content_sha256: str | None = None,
        from_isds: bool = True,
        source: str = "sync",
        target_id: int | None = None,
        old_search: Callable[[bytes], SearchText | None] | None = None,
    ) -> Placed:
        """Offer a signed copy of a message; the evidence rule decides what becomes of it.

        The message is the account's one with the envelope's dmID (created from the
        envelope when it is not in the archive yet), or ``target_id`` when given (an
        imported copy of a known message). ``from_isds``: fetched from ISDS for the account
        (False: read from a file). ``old_search`` rebuilds the index text of a copy that
        stops being the evidence. Nothing is written for REFUSE and QUARANTINE: the caller
        rolls the transaction back or quarantines the file.
        """
        if self._fast is not None and account_id is not None and from_isds \
                and target_id is None:
            done = self._fast.attach_downloaded(
                account_id, direction, data, env, search, attachment_count, verdict, events,
                content_sha256=content_sha256)
            if done is not None:
                return Placed(*done)
        repo = self._orm()
        mid = target_id if target_id is not None else repo.get_id(account_id, direction,
                                                                  env.message_id)
        if mid is None:
            # Not in the archive (or an imported copy with no account yet, adopted here).
            mid = repo.upsert_envelope(account_id, direction, env, source=source).id
        action = repo.place_zfo(mid, data, env, search, attachment_count, verdict,
                                content_sha256=content_sha256, from_isds=from_isds,
                                old_search=old_search)
        if action in (evd.Action.STORE, evd.Action.REPLACE) and events:
            repo.add_events(mid, events)
        self.session.flush()
        return Placed(action, mid)

    # -- delivery infos -----------------------------------------------------------------
    def keep_delivery_info(
        self,
        message_id: int,
        data: bytes,
        env: Envelope,
        events: Iterable[DeliveryEvent],
        verdict: str | None,
        *,
        content_sha256: str | None = None,
        from_isds: bool = True,
    ) -> evd.Action:
        """Offer a signed delivery info of a stored message; the evidence rule decides.

        Only a delivery info that is (or becomes) the message's moves its state forward
        and adds its events: a forged one kept aside must not. `DELIVERY_INFO_TAKEN` holds
        the actions after which it is the message's, new or changed.
        """
        events = tuple(events)
        if self._fast is not None and from_isds:
            done = self._fast.store_delivery_info(message_id, data, env, events, verdict,
                                                  content_sha256=content_sha256)
            if done is not None:
                return done
        repo = self._orm()
        action = repo.place_delivery_info(message_id, data, verdict,
                                          content_sha256=content_sha256, from_isds=from_isds)
        if action in DELIVERY_INFO_TAKEN or action is evd.Action.KEEP:
            # KEEP: the same signed delivery info again (its state is current).
            repo.update_state(message_id, env)
            repo.add_events(message_id, events)
        self.session.flush()
        return action


    # -- files that do not become evidence ---------------------------------------------
    def quarantine(self, data: bytes, *, zfo_kind: str | None, dm_id: str | None,
                   verdict: str, verdict_json: str | None, reasons: str | None,
                   source_name: str | None) -> tuple[int, bool]:
        """Keep an imported file whose seal is not trusted apart, attached to no message
        (the evidence rule's QUARANTINE): (id, newly quarantined)."""
        return self._orm().quarantine(data, zfo_kind=zfo_kind, dm_id=dm_id, verdict=verdict,
                                     verdict_json=verdict_json, reasons=reasons,
                                     source_name=source_name)


def write_grouped(db: Database, items: Sequence[T],
                  one: Callable[[EvidenceWriter, T], R], *,
                  prepare: Callable[[EvidenceWriter, Sequence[T]], None] | None = None
                  ) -> list[R | Exception]:
    """``one(writer, item)`` for every item in one transaction (a sync's group commit);
    if that fails because of one item's data, each item again in its own transaction, so
    one bad item costs only itself (its exception takes its place in the result).
    ``prepare(writer, items)`` runs first in the group's transaction (`EvidenceWriter.prefetch`).

    A `StoreWriteError` (disk full, read-only, I/O error) is not an item's fault: it is
    raised at once, nothing is tried again, and the caller stops."""
    if not items:
        return []
    try:
        with db.write() as s, EvidenceWriter(s) as writer:
            if prepare is not None:
                prepare(writer, items)
            return [one(writer, it) for it in items]
    except StoreWriteError:
        raise
    except Exception:  # noqa: S110 - each item is tried again alone below
        pass
    return [_alone(db, it, one) for it in items]


def _alone(db: Database, item: T, one: Callable[[EvidenceWriter, T], R]) -> R | Exception:
    try:
        with db.write() as s, EvidenceWriter(s, batch=False) as writer:
            return one(writer, item)
    except StoreWriteError:
        raise  # the archive cannot be written: no use trying the next item
    except Exception as exc:
        return exc

