"""The per-account sync engine: lists, state changes, signed downloads, delivery infos.

Crash safety comes from the order of writes, not from luck: every list page is stored in
one transaction (envelopes only, ``downloaded=False``), every signed message in one
transaction with its index, and a window is marked as listed only after all its pages are
stored. Downloads are driven by what the archive says is still missing, so a rerun after a
kill at any moment fetches exactly what is not there yet and nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.settings import Settings
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.records import AccountRecord
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.timeutil import utcnow
from dso_desktop.sync.events import (
    DeliveryConfirmationRequired,
    SyncCancelled,
    SyncError,
    SyncFailure,
    SyncProgress,
    SyncSummary,
)
from dso_desktop.sync.ingest import (
    IngestError,
    parse_and_verify,
    store_delivery_info,
    store_message_zfo,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

ProgressFn = Callable[[SyncProgress], None]
LIST_OVERLAP = timedelta(days=2)  # re-list a margin: ISDS times and ours may disagree a bit
FUTURE_MARGIN = timedelta(days=1)
WRONG_SERVICE = "1281"  # normal vs big message service mismatch
PASSWORD_METHODS = {LoginMethod.PASSWORD, LoginMethod.CERT_PASSWORD, LoginMethod.HOTP,
                    LoginMethod.TOTP}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delays(self) -> Iterator[float]:
        d = self.base_delay
        for _ in range(self.attempts - 1):
            yield min(d, self.max_delay)
            d *= 2


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


class IngestPipeline:
    """Overlap ISDS round trips with verifying and storing what already arrived.

    Requests stay strictly sequential on the calling thread (ISDS rejects parallel
    requests of one account); one worker thread parses, verifies and stores, each ZFO in
    its own transaction, so a crash loses at most the few ZFOs still in the backlog and
    the next run downloads exactly those. ``on_done(key, result, exc)`` runs on the
    calling thread, in submission order. Leaving the block waits for the backlog.
    """

    def __init__(self, on_done: Callable[[Any, Any, Exception | None], None],
                 depth: int = 4) -> None:
        self._on_done = on_done
        self._depth = depth
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dso-ingest")
        self._pending: deque[tuple[Any, Future[Any]]] = deque()

    def submit(self, key: Any, fn: Callable[..., Any], *args: Any) -> None:
        self._pending.append((key, self._pool.submit(fn, *args)))
        while self._pending and (len(self._pending) > self._depth
                                 or self._pending[0][1].done()):
            self._finish_oldest()

    def _finish_oldest(self) -> None:
        key, fut = self._pending.popleft()
        try:
            result = fut.result()
        except Exception as exc:
            self._on_done(key, None, exc)
        else:
            self._on_done(key, result, None)

    def __enter__(self) -> IngestPipeline:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                while self._pending:
                    self._finish_oldest()
            else:  # keep what was already downloaded, but do not report over the error
                for _key, fut in self._pending:
                    fut.exception()
                self._pending.clear()
        finally:
            self._pool.shutdown(wait=True)


def _retryable(exc: BaseException) -> bool:
    from dso_desktop.isds import errors as e

    return isinstance(exc, (e.ThrottledError, e.MaintenanceError, e.TimeoutError_,
                            e.ConnectionFailed))


def _fatal_transport(exc: BaseException) -> bool:
    from dso_desktop.isds import errors as e

    return isinstance(exc, (e.TransportError, e.MaintenanceError, e.ThrottledError))


class AccountSync:
    """One sync run of one account with a logged-in (or loggable) ISDS client."""

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
        retry: RetryPolicy | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.trust = trust
        self.account = account
        self.client = client
        self.settings = settings
        self.accept_delivery = accept_delivery
        self._progress = progress
        self.cancel = cancel or threading.Event()
        self.retry = retry or RetryPolicy()
        self.now = now
        self.summary = SyncSummary(account=account.name)

    # -- plumbing -----------------------------------------------------------------------
    def emit(self, phase: str, done: int, total: int, message: str | None = None) -> None:
        if self._progress is not None:
            self._progress(SyncProgress(self.account.name, phase, done, total,
                                        self.summary.downloaded_bytes, message))

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            self.summary.cancelled = True
            raise SyncCancelled("sync cancelled", self.summary)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One ISDS request, retried with backoff while ISDS throttles or is in maintenance."""
        delays = self.retry.delays()
        while True:
            self.check_cancel()
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if not _retryable(exc):
                    raise
                delay = next(delays, None)
                if delay is None:
                    raise
                log.info("retrying %s in %.1f s after %s", getattr(fn, "__name__", "call"),
                         delay, type(exc).__name__)
                if self.cancel.wait(delay):
                    self.check_cancel()

    # -- the run ------------------------------------------------------------------------
    def decide_received(self) -> bool:
        """The legal guard: may this run list received messages (delivery by login)?"""
        acc = self.account
        if not acc.sync_received or self.accept_delivery is False:
            return False
        if acc.delivery_confirmed_at is not None:
            return True
        if self.accept_delivery is None:
            raise DeliveryConfirmationRequired(
                f"account {acc.name!r}: downloading the list of received messages counts as "
                "delivery by login (§ 17(3) of Act 300/2008); confirm it (--accept-delivery) "
                "or sync sent messages only",
                self.summary,
            )
        return True

    def run(self) -> SyncSummary:
        do_received = self.decide_received()
        started = self.now()
        self.emit("login", 0, 1)
        self.call(self.client.login)
        try:
            self._after_login(do_received)
            self._sync_direction(Direction.SENT, started)
            if do_received:
                self._sync_direction(Direction.RECEIVED, started)
            self._state_changes(started, do_received)
            self._downloads(do_received)
            self._delivery_infos()
            with self.db.write() as s:
                AccountRepo(s).update(self.account.name, last_sync_at=started)
            self.summary.received_synced = do_received
            self.emit("done", 1, 1)
            return self.summary
        finally:
            try:
                self.client.logout()
            except Exception as exc:  # logout failure must not hide the real outcome
                log.debug("logout failed: %s", type(exc).__name__)

    def _after_login(self, do_received: bool) -> None:
        changes: dict[str, Any] = {}
        if do_received and self.account.delivery_confirmed_at is None:
            changes["delivery_confirmed_at"] = self.now()
        if self.account.box_id is None:
            try:
                owner = self.call(self.client.get_owner_info_from_login2)
                changes["box_id"] = owner.box_id
                changes["box_type"] = owner.box_type
                changes["owner_name"] = owner.firm_name or " ".join(
                    p for p in (owner.given_names or owner.first_name, owner.last_name) if p
                ) or None
            except Exception as exc:
                if _fatal_transport(exc) or isinstance(exc, SyncCancelled):
                    raise
                self.summary.failed.append(SyncFailure(None, f"owner info: {exc}"))
        if LoginMethod(self.account.login_method) in PASSWORD_METHODS:
            try:
                expires = self.call(self.client.get_password_info)
                changes["password_expires_at"] = expires
                changes["password_checked_at"] = self.now()
            except Exception as exc:
                if _fatal_transport(exc) or isinstance(exc, SyncCancelled):
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
        with self.db.write() as s:
            repo = MessageRepo(s)
            for rec in records:
                env = getattr(rec, "envelope", rec)
                r = repo.upsert_envelope(self.account.id, direction, env)
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
        with self.db.write() as s:
            repo = MessageRepo(s)
            for ch in changes:
                for d in directions:
                    mid = repo.get_id(self.account.id, d, ch.message_id)
                    if mid is not None and repo.set_status(mid, ch.status, ch.at):
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

    def _ingest(self, direction: Direction, dm_id: str, data: bytes, big: bool) -> bool:
        """Verify and store one downloaded ZFO (ingest thread); True when newly stored."""
        parsed, verdict = parse_and_verify(data, self.trust)
        vkind = str(getattr(verdict.kind, "value", verdict.kind))
        if vkind == "invalid":
            raise IngestError("the downloaded ZFO does not verify: "
                              + "; ".join(getattr(verdict, "reasons", ()) or ()))
        if parsed.envelope.message_id != dm_id:
            raise IngestError(f"ISDS returned message {parsed.envelope.message_id} for {dm_id}")
        result = store_message_zfo(self.db, data, parsed, verdict,
                                   account_id=self.account.id, direction=direction,
                                   source="sync", big_message=big)
        if result.status == "stored" and result.message_id is not None:
            self.summary.new += 1
            self.summary.new_ids.append(result.message_id)
            return True
        return False

    def _ingest_delivery_info(self, message_id: int, data: bytes) -> bool:
        parsed, verdict = parse_and_verify(data, self.trust)
        return store_delivery_info(self.db, message_id, data, parsed, verdict)

    def _network_failure(self, dm_id: str, exc: Exception, what: str = "") -> None:
        """Record a failed request; stop the run when the connection itself is gone."""
        from dso_desktop.isds.errors import LoginError

        if isinstance(exc, SyncCancelled | LoginError):
            raise exc
        self.summary.failed.append(SyncFailure(dm_id, f"{what}{exc}"))
        if _fatal_transport(exc):
            raise SyncError(f"sync of {self.account.name!r} stopped: {exc}",
                            self.summary) from exc
        log.warning("%sdownload failed: %s", what, type(exc).__name__)

    def _downloads(self, do_received: bool) -> None:
        directions = [Direction.SENT] + ([Direction.RECEIVED] if do_received else [])
        todo: list[tuple[Direction, int, str, bool]] = []
        with self.db.read() as s:
            repo = MessageRepo(s)
            for d in directions:
                for mid, dm_id, big in repo.pending(self.account.id, d):
                    todo.append((d, mid, dm_id, big))
        total = len(todo)
        self.emit("download", 0, total)
        done = 0
        mark = self.account.mark_downloaded or self.settings.mark_downloaded

        def finished(key: tuple[Direction, str], ok: bool, exc: Exception | None) -> None:
            nonlocal done
            direction, dm_id = key
            done += 1
            if exc is not None:
                log.warning("storing a message failed: %s", type(exc).__name__)
                self.summary.failed.append(SyncFailure(dm_id, str(exc)))
            elif mark and direction is Direction.RECEIVED:
                try:
                    self.call(self.client.mark_message_as_downloaded, dm_id)
                except Exception as mark_exc:
                    self._network_failure(dm_id, mark_exc, "mark as downloaded: ")
            self.emit("download", done, total, dm_id)

        with IngestPipeline(finished) as pipe:
            for d, _mid, dm_id, big in todo:
                self.check_cancel()
                try:
                    data, big_now = self._fetch(d, dm_id, big)
                except Exception as exc:
                    done += 1
                    self._network_failure(dm_id, exc)
                    self.emit("download", done, total, dm_id)
                    continue
                self.summary.downloaded_bytes += len(data)
                pipe.submit((d, dm_id), self._ingest, d, dm_id, data, big_now)

    def _delivery_infos(self) -> None:
        if not self.settings.download_delivery_infos:
            return
        with self.db.read() as s:
            todo = MessageRepo(s).missing_delivery_infos(self.account.id)
        total = len(todo)
        done = 0

        def finished(key: str, stored: bool, exc: Exception | None) -> None:
            nonlocal done
            done += 1
            if exc is not None:
                self.summary.failed.append(SyncFailure(key, f"delivery info: {exc}"))
            elif stored:
                self.summary.delivery_infos += 1
            self.emit("delivery-info", done, total, key)

        with IngestPipeline(finished) as pipe:
            for mid, dm_id in todo:
                self.check_cancel()
                try:
                    doc = self.call(self.client.get_signed_delivery_info, dm_id)
                except Exception as exc:
                    done += 1
                    self._network_failure(dm_id, exc, "delivery info: ")
                    self.emit("delivery-info", done, total, dm_id)
                    continue
                pipe.submit(dm_id, self._ingest_delivery_info, mid, doc.data)
