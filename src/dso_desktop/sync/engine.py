"""The per-account sync engine: lists, state changes, signed downloads, delivery infos.

Crash safety comes from the order of writes, not from luck: every list page is stored in
one transaction (envelopes only, ``downloaded=False``), every signed message in one
transaction with its index, and a window is marked as listed only after all its pages are
stored. Downloads are driven by what the archive says is still missing, so a rerun after a
kill at any moment fetches exactly what is not there yet and nothing twice.

The downloads run through the typed ingest pipeline of `sync.pipeline`; every write goes
through the store's evidence writer (`store.writer.EvidenceWriter`), which alone knows how
it writes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from dso_desktop.domain import Direction, IngestStatus, LoginMethod, SyncPhase
from dso_desktop.isds.retry import RetryPolicy as RetryPolicy  # re-exported (tests, App)
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.errors import StoreWriteError
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.records import AccountRecord
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.timeutil import utcnow
from dso_desktop.store.writer import EvidenceWriter
from dso_desktop.sync.events import (
    DeliveryConfirmationRequired,
    SyncCancelled,
    SyncError,
    SyncFailure,
    SyncProgress,
    SyncRetryLater,
    SyncStoreFailed,
    SyncSummary,
)
from dso_desktop.sync.ingest import (
    CheckedZfo,
    DeliveryInfoToStore,
    IngestError,
    IngestResult,
    MessageToStore,
    check_in_worker,
    checked_zfo,
    parse_and_verify,
    store_checked,
)
from dso_desktop.sync.pipeline import (
    PROCESS_MAX_BYTES,
    Checked,
    CheckingProcess,
    IngestPipeline,
    Outcome,
    WorkItem,
    WorkKind,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
# box_lock(box_id, environment, check_cancel): held while one account stores a data box's
# messages; check_cancel raises when the sync is cancelled while it waits.
BoxLock = Callable[[str, str, Callable[[], None]], contextlib.AbstractContextManager[None]]

ProgressFn = Callable[[SyncProgress], None]
LIST_OVERLAP = timedelta(days=2)  # re-list a margin: ISDS times and ours may disagree a bit
FUTURE_MARGIN = timedelta(days=1)
WRONG_SERVICE = "1281"  # normal vs big message service mismatch
PASSWORD_METHODS = {LoginMethod.PASSWORD, LoginMethod.CERT_PASSWORD, LoginMethod.HOTP,
                    LoginMethod.TOTP}


# The shortest "try again after" a stopped sync names: the client already waited through
# its back-off, so the next sync should not come right away.
RETRY_LATER_MIN = timedelta(minutes=1)


def windows(start: datetime, end: datetime, days: int) -> list[tuple[datetime, datetime]]:
    """Consecutive [from, to) windows of at most ``days`` days covering [start, end)."""
    out = []
    step = timedelta(days=max(1, days))
    cur = start
    while cur < end:
        nxt = min(cur + step, end)
        out.append((cur, nxt))
        cur = nxt
    return out


def _fatal_transport(exc: BaseException) -> bool:
    """Errors that end the account's run rather than one message."""
    from dso_desktop.isds import errors as e

    return isinstance(exc, (e.TransportError, e.MaintenanceError, e.ThrottledError, SyncError))


def decide_received(account: AccountRecord, accept_delivery: bool | None,
                    summary: SyncSummary | None = None) -> bool:
    """The legal guard: may a sync of ``account`` list received messages? Listing them
    counts as delivery by login, so the first time needs the user's confirmation
    (``accept_delivery``; None: not asked yet, which raises `DeliveryConfirmationRequired`).
    Runs before anything touches ISDS: no client or trust store is needed to ask."""
    if not account.sync_received or accept_delivery is False:
        return False
    if account.delivery_confirmed_at is not None:
        return True
    if accept_delivery is None:
        raise DeliveryConfirmationRequired(
            f"account {account.name!r}: downloading the list of received messages counts as "
            "delivery by login (§ 17(3) of Act 300/2008); confirm it (--accept-delivery) "
            "or sync sent messages only",
            summary or SyncSummary(account=account.name),
        )
    return True


class AccountSync:
    """One sync run of one account, constructed complete: the archive, the account's trust
    store and a logged-in (or loggable) ISDS client. The legal guard (`decide_received`)
    can be asked before any of these exist."""

    def __init__(
        self,
        db: Database,
        trust: Any,
        account: AccountRecord,
        client: Any,
        settings: Settings,
        *,
        accept_delivery: bool | None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        now: Callable[[], datetime] = utcnow,
        box_lock: BoxLock | None = None,
    ) -> None:
        self.db = db
        # Held from the moment the box id is known to the end: accounts of one data box
        # store its messages one after another, never side by side (see `archive_id`).
        self.box_lock = box_lock
        self.trust = trust
        self.account = account
        self.client = client
        self.settings = settings
        self.accept_delivery = accept_delivery
        self._progress = progress
        self.cancel = cancel or threading.Event()
        self.now = now
        self.summary = SyncSummary(account=account.name)
        self.checking = CheckingProcess(trust)  # started only for a big run
        self._archive_id: int | None = None  # see archive_id

    # -- plumbing -----------------------------------------------------------------------
    def emit(self, phase: str, done: int, total: int, message: str | None = None) -> None:
        if self._progress is not None:
            self._progress(SyncProgress(self.account.name, SyncPhase(phase), done, total,
                                        self.summary.downloaded_bytes, message))

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            self.summary.cancelled = True
            raise SyncCancelled("sync cancelled", self.summary)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One ISDS operation. The client is the one layer that retries (throttling,
        maintenance, timeouts; at most 6 requests); nothing is retried here. When the
        client gives up on throttling, maintenance or a timeout, this account's sync stops
        with `SyncRetryLater`, which says when to try again."""
        self.check_cancel()
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if getattr(exc, "retryable", False) and self.cancel.is_set():
                self.check_cancel()  # cancelled during the client's back-off
            later = self._retry_later(exc)
            if later is not None:
                raise later from exc
            raise

    def _retry_later(self, exc: BaseException) -> SyncRetryLater | None:
        from dso_desktop.isds import errors as e

        if isinstance(exc, e.ThrottledError):
            reason = "throttled"
        elif isinstance(exc, e.MaintenanceError):
            reason = "maintenance"
        elif isinstance(exc, e.TimeoutError_):
            reason = "timeout"
        else:
            return None
        wait = timedelta(seconds=float(getattr(exc, "retry_after", None) or 0.0))
        at = self.now() + max(wait, RETRY_LATER_MIN)
        if at.second or at.microsecond:  # shown as HH:MM: round up, never down
            at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
        log.warning("sync of an account stopped: %s after %d attempt(s); try again after %s",
                    reason, getattr(exc, "attempts", 1), at.isoformat())
        return SyncRetryLater(self.account.name, reason, at, code=getattr(exc, "code", None),
                              operation=getattr(exc, "operation", None),
                              attempts=getattr(exc, "attempts", 1), summary=self.summary)

    # -- the run ------------------------------------------------------------------------
    def decide_received(self) -> bool:
        """The legal guard: may this run list received messages (delivery by login)?"""
        return decide_received(self.account, self.accept_delivery, self.summary)

    def run(self) -> SyncSummary:
        do_received = self.decide_received()
        started = self.now()
        self.emit("login", 0, 1)
        self.call(self.client.login)
        held = contextlib.ExitStack()
        try:
            self._after_login(do_received)
            if self.box_lock is not None and self.account.box_id is not None:
                held.enter_context(self.box_lock(self.account.box_id,
                                                 self.account.environment, self.check_cancel))
            self._sync_direction(Direction.SENT, started)
            if do_received:
                self._sync_direction(Direction.RECEIVED, started)
            self._state_changes(started, do_received)
            try:
                self._downloads(do_received)
                self._delivery_infos()
            finally:
                self.checking.close()
            with self.db.write() as s:
                AccountRepo(s).update(self.account.name, last_sync_at=started)
            self.summary.received_synced = do_received
            self.emit("done", 1, 1)
            return self.summary
        except StoreWriteError as exc:
            # The archive cannot be written: stop at once with one clear message (never the
            # driver's text). What was committed stays; the next sync resumes from there.
            raise SyncStoreFailed(self.account.name, exc.reason, self.summary) from None
        finally:
            held.close()
            try:
                self.client.logout()
            except Exception as exc:  # logout failure must not hide the real outcome
                log.debug("logout failed: %s", type(exc).__name__)

    @property
    def archive_id(self) -> int:
        """The account the messages are filed under: the first account of the same data box
        (same box id and environment), so two logins to one box keep one copy of each
        message (and one set of its warnings). Known once the box id is (after login)."""
        if self._archive_id is None:
            with self.db.read() as s:
                self._archive_id = AccountRepo(s).archive_id(self.account.name)
        return self._archive_id

    def _after_login(self, do_received: bool) -> None:
        changes: dict[str, Any] = {}
        if do_received and self.account.delivery_confirmed_at is None:
            changes["delivery_confirmed_at"] = self.now()
        if self.account.box_id is None:
            try:
                owner = self.call(self.client.get_owner_info_from_login2)
                changes["box_id"] = owner.box_id
                changes["box_type"] = owner.box_type
                changes["owner_name"] = owner.display_name
            except Exception as exc:
                if _fatal_transport(exc):
                    raise
                self.summary.failed.append(SyncFailure(None, f"owner info: {exc}", "owner info",
                                                       exc))
        if LoginMethod(self.account.login_method) in PASSWORD_METHODS:
            try:
                expires = self.call(self.client.get_password_info)
                changes["password_expires_at"] = expires
                changes["password_checked_at"] = self.now()
            except Exception as exc:
                if _fatal_transport(exc):
                    raise
                log.info("password info unavailable: %s", type(exc).__name__)
        if changes:
            with self.db.write() as s:
                self.account = AccountRepo(s).update(self.account.name, **changes)

    def _list_start(self, direction: Direction, started: datetime) -> datetime:
        until = (self.account.received_synced_until if direction is Direction.RECEIVED
                 else self.account.sent_synced_until)
        if until is None:
            return started - timedelta(days=self.settings.sync_lookback_days)
        return until - LIST_OVERLAP

    def _sync_direction(self, direction: Direction, started: datetime) -> None:
        phase = f"list-{direction}"
        lister = (self.client.get_list_of_received_messages if direction is Direction.RECEIVED
                  else self.client.get_list_of_sent_messages)
        end = started + FUTURE_MARGIN
        page = max(1, self.settings.list_page_size)
        listed = 0
        spans: list[tuple[datetime, datetime | None]] = list(windows(
            self._list_start(direction, started), end, self.settings.sync_window_days))
        if spans:
            # The newest window stays open-ended (an empty dmToTime): our clock and ISDS's
            # may disagree, and nothing delivered "after now" may slip through.
            spans[-1] = (spans[-1][0], None)
        for frm, to in spans:
            offset = 1
            while True:
                records: Sequence[Any] = self.call(
                    lister, frm, to, status_filter=-1, offset=offset, limit=page)
                self._store_page(direction, records)
                listed += len(records)
                self.summary.listed += len(records)
                self.emit(phase, listed, 0)
                if len(records) < page:
                    break
                offset += page
        field = "received_synced_until" if direction is Direction.RECEIVED else \
            "sent_synced_until"
        with self.db.write() as s:
            self.account = AccountRepo(s).update(self.account.name, **{field: started})

    def _store_page(self, direction: Direction, records: Sequence[Any]) -> None:
        if not records:
            return
        with self.db.write() as s, EvidenceWriter(s) as writer:
            for r in writer.record_listed_many(
                    self.archive_id, direction, [getattr(rec, "envelope", rec) for rec in records]):
                if not r.created and r.changed:
                    self.summary.updated += 1

    def _state_changes(self, started: datetime, do_received: bool) -> None:
        last = self.account.last_sync_at
        if last is None:
            return  # the lists of the first sync carry every state already
        self.emit("state", 0, 1)
        changes = self.call(self.client.get_message_state_changes, last - LIST_OVERLAP,
                            started + FUTURE_MARGIN)
        directions = [Direction.SENT] + ([Direction.RECEIVED] if do_received else [])
        with self.db.write() as s, EvidenceWriter(s) as writer:
            for ch in changes:
                for d in directions:
                    if writer.record_state_change(self.archive_id, d, ch.message_id,
                                                  ch.status, ch.at):
                        self.summary.updated += 1
        self.emit("state", 1, 1)

    def _fetch(self, direction: Direction, dm_id: str, big: bool) -> tuple[bytes, bool]:
        """One signed download (network thread); retries the other service on 1281."""
        from dso_desktop.isds.errors import StatusError

        c = self.client
        normal, bigop = (
            (c.signed_message_download, c.signed_big_message_download)
            if direction is Direction.RECEIVED
            else (c.signed_sent_message_download, c.signed_sent_big_message_download)
        )
        try:
            doc = self.call(bigop if big else normal, dm_id)
        except StatusError as exc:
            if exc.code != WRONG_SERVICE:
                raise
            big = not big
            doc = self.call(bigop if big else normal, dm_id)
        return doc.data, big

    # -- checking and storing -----------------------------------------------------------
    def _check(self, data: bytes, with_text: bool) -> CheckedZfo:
        """Parse, verify and index one ZFO here (store thread, or no checking process)."""
        parsed, verdict = parse_and_verify(data, self.trust)
        return checked_zfo(parsed, verdict, with_text=with_text)

    def _store_group(self, group: list[Checked[WorkItem, CheckedZfo]]
                     ) -> list[IngestResult | bool | Exception]:
        """Store thread: refuse messages that do not verify, write the rest (messages and
        delivery infos, in order) in one transaction."""
        out: list[IngestResult | bool | Exception | None] = []
        todo: list[MessageToStore | DeliveryInfoToStore] = []
        for c in group:
            it, checked = c.item, c.checked
            if it.kind is WorkKind.DELIVERY_INFO:
                if checked.invalid:
                    out.append(IngestError("the downloaded delivery info does not verify: "
                                           + "; ".join(checked.reasons)))
                else:
                    assert it.message_id is not None  # a delivery info names its message
                    out.append(None)
                    todo.append(DeliveryInfoToStore(it.message_id, it.data, checked))
            elif checked.invalid:
                out.append(IngestError("the downloaded ZFO does not verify: "
                                       + "; ".join(checked.reasons)))
            elif checked.envelope.message_id != it.dm_id:
                out.append(IngestError(
                    f"ISDS returned message {checked.envelope.message_id} for {it.dm_id}"))
            else:
                out.append(None)
                todo.append(MessageToStore(it.data, checked, self.archive_id, it.direction,
                                           it.big))
        stored = iter(store_checked(self.db, todo))
        return [r if r is not None else next(stored) for r in out]

    def _network_failure(self, dm_id: str, exc: Exception, what: str = "") -> None:
        """Record a failed request; stop the run when the connection itself is gone."""
        from dso_desktop.isds.errors import LoginError

        if isinstance(exc, SyncError | LoginError):
            raise exc  # cancelled, or ISDS asked us to come back later
        self.summary.failed.append(SyncFailure(dm_id, f"{what}{exc}", what.rstrip(": "), exc))
        if _fatal_transport(exc):
            raise SyncError(f"sync of {self.account.name!r} stopped: {exc}",
                            self.summary) from exc
        log.warning("%sdownload failed: %s", what, type(exc).__name__)

    def _downloads(self, do_received: bool) -> None:
        """Every listed message not stored yet, each followed by its delivery info (as the
        delivery info of a new message is wanted anyway: one pass, one backlog)."""
        directions = [Direction.SENT] + ([Direction.RECEIVED] if do_received else [])
        todo: list[tuple[Direction, int, str, bool]] = []
        with self.db.read() as s:
            repo = MessageRepo(s)
            for d in directions:
                for mid, dm_id, big in repo.pending(self.archive_id, d):
                    todo.append((d, mid, dm_id, big))
        total = len(todo)
        self.emit("download", 0, total)
        done = 0
        mark = self.account.mark_downloaded or self.settings.mark_downloaded
        with_di = self.settings.download_delivery_infos

        def finished(outcome: Outcome[WorkItem]) -> None:
            nonlocal done
            it, result, exc = outcome.item, outcome.result, outcome.error
            dm_id = it.dm_id
            if isinstance(exc, StoreWriteError):
                raise exc  # stops the run; the item stays to be downloaded next time
            if it.kind is WorkKind.DELIVERY_INFO:
                self._delivery_info_done(dm_id, result, exc)
                return
            done += 1
            if exc is not None or result is None:
                log.warning("storing a message failed: %s", type(exc).__name__)
                self.summary.failed.append(SyncFailure(dm_id, str(exc), "", exc))
            else:
                if result.status == IngestStatus.STORED and result.message_id is not None:
                    self.summary.new += 1
                    self.summary.new_ids.append(result.message_id)
                elif result.status == IngestStatus.REPLACED:  # ISDS copy replaced untrusted one
                    self.summary.updated += 1
                if mark and it.direction is Direction.RECEIVED:
                    try:
                        self.call(self.client.mark_message_as_downloaded, dm_id)
                    except Exception as mark_exc:
                        self._network_failure(dm_id, mark_exc, "mark as downloaded: ")
            self.emit("download", done, total, dm_id)

        checker = self.checking.for_items(total * (2 if with_di else 1))
        with IngestPipeline(self._store_group, finished, checker=checker,
                            respawn=self.checking.respawn if checker is not None else None
                            ) as pipe:
            for d, mid, dm_id, big in todo:
                self.check_cancel()
                if pipe.write_failure is not None:
                    raise pipe.write_failure  # nothing more is downloaded once a commit failed
                try:
                    data, big_now = self._fetch(d, dm_id, big)
                except Exception as exc:
                    done += 1
                    self._network_failure(dm_id, exc)
                    self.emit("download", done, total, dm_id)
                    continue
                self.summary.downloaded_bytes += len(data)
                remote = check_in_worker if len(data) <= PROCESS_MAX_BYTES else None
                pipe.submit(WorkItem(WorkKind.MESSAGE, d, dm_id, data, mid, big_now),
                            self._check, (data, True), size=len(data), remote=remote)
                if with_di:
                    self._fetch_delivery_info(pipe, d, mid, dm_id)

    def _fetch_delivery_info(self, pipe: IngestPipeline[WorkItem], direction: Direction, mid: int,
                             dm_id: str) -> bool:
        """Request one delivery info and hand it to the pipeline; False if it failed."""
        self.check_cancel()
        if pipe.write_failure is not None:
            raise pipe.write_failure
        try:
            doc = self.call(self.client.get_signed_delivery_info, dm_id)
        except Exception as exc:
            self._network_failure(dm_id, exc, "delivery info: ")
            return False
        remote = check_in_worker if len(doc.data) <= PROCESS_MAX_BYTES else None
        pipe.submit(WorkItem(WorkKind.DELIVERY_INFO, direction, dm_id, doc.data, mid),
                    self._check, (doc.data, False), size=len(doc.data), remote=remote)
        return True

    def _delivery_info_done(self, dm_id: str, stored: Any, exc: Exception | None) -> None:
        if exc is not None:
            self.summary.failed.append(SyncFailure(dm_id, f"delivery info: {exc}", "delivery info",
                                                    exc))
        elif stored:
            self.summary.delivery_infos += 1

    def _delivery_infos(self) -> None:
        """Delivery infos still missing or outdated (a message whose state moved on, or
        one downloaded by an earlier run)."""
        if not self.settings.download_delivery_infos:
            return
        with self.db.read() as s:
            todo = MessageRepo(s).missing_delivery_infos(self.archive_id)
        total = len(todo)
        done = 0
        self.emit("delivery-info", 0, total)

        def finished(outcome: Outcome[WorkItem]) -> None:
            nonlocal done
            if isinstance(outcome.error, StoreWriteError):
                raise outcome.error
            done += 1
            self._delivery_info_done(outcome.item.dm_id, outcome.result, outcome.error)
            self.emit("delivery-info", done, total, outcome.item.dm_id)

        checker = self.checking.for_items(total)
        with IngestPipeline(self._store_group, finished, checker=checker,
                            respawn=self.checking.respawn if checker is not None else None
                            ) as pipe:
            for mid, dm_id in todo:
                if not self._fetch_delivery_info(pipe, Direction.RECEIVED, mid, dm_id):
                    done += 1
                    self.emit("delivery-info", done, total, dm_id)
