"""The ingest pipeline of a sync: requests overlap with checking and storing.

Typed from end to end: the sync hands in `WorkItem`s (what was downloaded, and for which
message), the store step receives `Checked` items (a work item with what checking found)
and every item comes back as one `Outcome` (a result or an error), in submission order.
The checking process (`CheckingProcess`) is owned here too: started when a run is big
enough, replaced when a hostile ZFO brings it down, closed at the end of the run.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from dso_desktop.domain import Direction
from dso_desktop.store.errors import StoreWriteError
from dso_desktop.sync.ingest import IngestError, init_worker

log = logging.getLogger(__name__)

K = TypeVar("K")  # what the caller submits (a `WorkItem` in a sync)
C = TypeVar("C")  # what checking gives (a `CheckedZfo` in a sync)

# Runs with at least this many ZFOs to check use a checking process (it costs ~0.5 s to
# start); ZFOs above PROCESS_MAX_BYTES (big messages) are checked here rather than copied.
PROCESS_MIN_ITEMS = 64
PROCESS_MAX_BYTES = 8 * 1024 * 1024
MAX_RESPAWNS = 5  # fresh checking processes one run may start after one died
# Items go to the checking process in batches (one call, one pickling, one wake-up of the
# executor's threads on each side, instead of one per item): a batch leaves at once while
# fewer than IN_FLIGHT are unfinished (the process never waits for the requests), else
# items wait until one finishes or MAX_BATCH are waiting.
MAX_BATCH = 16
IN_FLIGHT = 2
# While a pipeline runs, its store thread and the executor's threads share the interpreter
# lock with the request thread. When a response arrives while one of them runs Python, the
# request thread asks for the lock and waits until the holder lets go: at the latest after
# the switch interval, 5 ms by default, a long wait on a chain of ~6 ms per request. A
# pipeline shortens the interval to SWITCH_INTERVAL while it runs (process-wide; the
# previous value is back when the last running pipeline ends).
SWITCH_INTERVAL = 0.0005
_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.0


def _shorten_switch_interval() -> None:
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_saved, SWITCH_INTERVAL))
        _switch_users += 1


def _restore_switch_interval() -> None:
    global _switch_users
    with _switch_lock:
        _switch_users -= 1
        if _switch_users == 0:
            sys.setswitchinterval(_switch_saved)


class WorkKind(StrEnum):
    MESSAGE = "message"  # a signed message (ZFO) to become its evidence
    DELIVERY_INFO = "delivery-info"  # a signed delivery info of a stored message


@dataclass(frozen=True)
class WorkItem:
    """One signed download of a sync on its way into the archive."""

    kind: WorkKind
    direction: Direction
    dm_id: str
    data: bytes
    message_id: int | None = None  # the archive row (listed, or stored for a delivery info)
    big: bool = False  # MESSAGE: it came through the big-message (VoDZ) operations

    def __repr__(self) -> str:  # never the bytes (a log line or a failed assertion)
        return f"WorkItem({self.kind}, {self.direction}, {self.dm_id}, {len(self.data)} B)"


@dataclass(frozen=True)
class Checked(Generic[K, C]):
    """An item whose checking succeeded, handed to the store step."""

    item: K
    checked: C


@dataclass(frozen=True)
class Outcome(Generic[K]):
    """What became of one item: ``result`` (the store step's) or ``error`` (checking or
    storing failed; a `StoreWriteError` when the archive cannot be written)."""

    item: K
    result: Any = None
    error: Exception | None = None


StoreFn = Callable[[list[Checked[K, Any]]], list[Any]]
DoneFn = Callable[[Outcome[K]], None]


@dataclass(frozen=True)
class _Queued(Generic[K]):
    item: K
    future: Future[Any] | None  # the batch (`check_batch`) running in the checking process
    checker: Executor | None  # the checking process it was sent to
    check: Callable[..., Any]  # checking here
    remote: Callable[..., Any] | None  # checking in a checking process
    args: tuple[Any, ...]
    size: int
    index: int = 0  # this item's place in the batch's results


@dataclass(frozen=True)
class _Pending(Generic[K]):
    """An item submitted and not yet handed to the store thread (its batch is forming)."""

    item: K
    check: Callable[..., Any]
    remote: Callable[..., Any] | None
    args: tuple[Any, ...]
    size: int


@dataclass(frozen=True)
class _Resolved(Generic[K]):
    item: K
    checked: Any
    error: Exception | None
    size: int


_STOP = object()


def check_batch(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]
                ) -> list[tuple[bool, Any]]:
    """Runs in the checking process: ``fn(*args)`` of each call in turn, as (True, result) or
    (False, the exception it raised); each check keeps its own time limit (`check_in_worker`
    sets it per call), and one failing check does not touch the others."""
    out: list[tuple[bool, Any]] = []
    for fn, args in calls:
        try:
            out.append((True, fn(*args)))
        except Exception as exc:
            out.append((False, _sendable(exc)))
    return out


def _sendable(exc: Exception) -> Exception:
    """The exception itself if it can travel back to the sync's process, else its text (one
    unpicklable error must not fail the whole batch's result)."""
    try:
        pickle.dumps(exc)
    except Exception:
        return IngestError(f"{type(exc).__name__}: {exc}")
    return exc


class CheckingProcess:
    """The checking process of one account sync: none for small runs, one started when a
    run is big enough, replaced (by the pipeline, through `respawn`) when one dies.

    Checking is pure-Python CPU work; in the sync's process it would hold the interpreter
    lock while the request thread waits to read the next response. A process costs ~0.5 s
    to start, so small runs (and trust stores that cannot be sent to another process, such
    as test doubles) check in process.
    """

    def __init__(self, trust: Any) -> None:
        self._trust = trust
        self._pool: Executor | None = None  # started on demand by `for_items`

    def for_items(self, items: int) -> Executor | None:
        """The process for a run of ``items`` checks, or None to check in process."""
        if self._pool is not None:
            return self._pool
        if items < PROCESS_MIN_ITEMS:
            return None
        try:
            pickle.dumps(self._trust)
        except Exception as exc:
            # Not silent: a trust store that stopped pickling once made every big sync check
            # on its own store thread, competing with the requests (issue 18's sync floor).
            log.warning("the trust store cannot go to a checking process (%s); checking "
                        "%d ZFOs in process", type(exc).__name__, items)
            return None
        try:
            self._pool = self.respawn()
        except (OSError, ValueError, RuntimeError) as exc:
            log.info("no checking process (%s); checking in process", type(exc).__name__)
            return None
        return self._pool

    def respawn(self) -> Executor:
        """A fresh process that checks with this sync's trust store."""
        import multiprocessing

        return ProcessPoolExecutor(
            max_workers=max(1, min(2, (os.cpu_count() or 2) - 1)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker, initargs=(self._trust,),
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class IngestPipeline(Generic[K]):
    """Overlap ISDS round trips with checking and storing what already arrived.

    Requests stay strictly sequential on the calling thread (ISDS rejects parallel
    requests of one account). Checking (parse, verify, attachment text) runs in
    ``checker`` when given (a worker process during a big sync: pure-Python work there
    does not hold this process's interpreter lock while a response is being read), else
    on the store thread. One store thread writes what has been checked in group commits:
    whatever is already waiting when a transaction starts goes into it (at most
    ``max_group`` items or ``group_seconds`` of checking), so a crash loses at most that
    much, and the next run downloads exactly that again. ``on_done(outcome)`` runs on the
    calling thread, in submission order, after the item's transaction committed. Leaving
    the block waits for the backlog (and stores it even on an error).
    """

    def __init__(
        self,
        store: StoreFn[K],
        on_done: DoneFn[K],
        *,
        checker: Executor | None = None,
        respawn: Callable[[], Executor] | None = None,
        depth: int = 256,
        max_bytes: int = 64 * 1024 * 1024,
        group_seconds: float = 0.25,
        max_group: int = 64,
    ) -> None:
        self._store = store
        self._on_done = on_done
        self._checker = checker
        self._respawn = respawn
        self._spares: list[Executor] = []  # fresh checkers after one died (ours to close)
        self._dead: set[int] = set()  # ids of checkers that died (all are kept referenced)
        self._lock = threading.Lock()
        self._depth = depth
        self._max_bytes = max_bytes
        self._group_seconds = group_seconds
        self._max_group = max_group
        self._todo: queue.Queue[Any] = queue.Queue()  # `_Queued` items, then `_STOP`
        self._done: queue.Queue[tuple[Outcome[K], int]] = queue.Queue()  # (outcome, size)
        self._outstanding = 0
        self._bytes = 0
        self._pending: list[_Pending[K]] = []  # submitted, batch still forming (caller's)
        self._in_flight: list[Future[Any]] = []  # batches sent and maybe not finished
        # Set by the store thread when the archive cannot be written (disk full, read-only):
        # nothing more is written, and the caller stops requesting before its next request.
        self.write_failure: StoreWriteError | None = None
        self._thread = threading.Thread(target=self._run, name="dso-ingest", daemon=True)
        self._thread.start()

    def submit(self, item: K, check: Callable[..., Any], args: tuple[Any, ...], *,
               size: int = 0, remote: Callable[..., Any] | None = None) -> None:
        """Check ``check(*args)`` (``remote(*args)`` in the checker), then store ``item``
        with what checking gave. ``size``: bytes this item holds until it is stored."""
        self._outstanding += 1
        self._bytes += size
        self._pending.append(_Pending(item, check, remote, args, size))
        if len(self._pending) >= MAX_BATCH or not self._busy():
            self._flush()
        self._collect(block=False)
        while self._outstanding > 0 and (self._outstanding > self._depth
                                         or self._bytes > self._max_bytes):
            self._collect(block=True)

    def _busy(self) -> bool:
        """Whether IN_FLIGHT batches are still being checked (new items may wait)."""
        self._in_flight = [f for f in self._in_flight if not f.done()]
        return len(self._in_flight) >= IN_FLIGHT

    def _flush(self) -> None:
        """Send the waiting items to the checker as one batch and queue them for storing,
        in submission order."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        with self._lock:
            checker = self._checker
        calls = [(p.remote, p.args) for p in pending if p.remote is not None]
        fut: Future[Any] | None = None
        if calls and (checker is not None or self._respawn is not None):
            try:
                if checker is None:
                    raise BrokenExecutor("the last checking process has ended")
                fut = checker.submit(check_batch, calls)
                self._in_flight.append(fut)
            except BrokenExecutor as exc:  # it died on an earlier item: the store thread
                fut = Future()              # checks these in a fresh process
                fut.set_exception(exc)
            except RuntimeError as exc:  # shut down under us: check here instead
                log.info("checking process unavailable (%s); checking in process",
                         type(exc).__name__)
                fut = None
        index = 0
        for p in pending:
            if fut is not None and p.remote is not None:
                self._todo.put(_Queued(p.item, fut, checker, p.check, p.remote, p.args,
                                       p.size, index))
                index += 1
            else:
                self._todo.put(_Queued(p.item, None, checker, p.check, p.remote, p.args,
                                       p.size))

    def _collect(self, *, block: bool) -> None:
        if block:
            self._flush()  # what is waited for must have been sent
        while self._outstanding:
            try:
                outcome, size = self._done.get(block=block, timeout=1.0)
            except queue.Empty:
                if block and self._thread.is_alive():
                    continue
                if block:
                    raise RuntimeError("the ingest thread ended unexpectedly") from None
                return
            self._outstanding -= 1
            self._bytes -= size
            self._on_done(outcome)
            block = False

    def _resolve(self, q: _Queued[K]) -> _Resolved[K]:
        if self.write_failure is not None:  # it cannot be stored: do not check it either
            return _Resolved(q.item, None, self.write_failure, q.size)
        try:
            if q.future is None:
                checked = q.check(*q.args)
            else:
                try:
                    ok, checked = q.future.result()[q.index]
                except BrokenExecutor:
                    assert q.remote is not None  # a future exists only for a remote check
                    ok, checked = True, self._recheck(q.checker, q.check, q.remote, q.args)
                if not ok:
                    raise checked
        except Exception as exc:
            return _Resolved(q.item, None, exc, q.size)
        return _Resolved(q.item, checked, None, q.size)

    def _recheck(self, dead: Executor | None, check: Callable[..., Any],
                 remote: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """The checking process died, on this item or on one before it. Check this one again
        in a fresh process (later items go there too), so that a ZFO that crashes the checker
        (a PDF that brings down PDFium, say) costs only itself, never this program."""
        if self._respawn is None:
            return check(*args)  # no way to start another one: check here
        with self._lock:
            if dead is not None:
                self._dead.add(id(dead))
            if self._checker is None or id(self._checker) in self._dead:
                if len(self._spares) >= MAX_RESPAWNS:
                    raise IngestError("the checking process keeps ending; not checked")
                log.warning("the checking process ended unexpectedly; starting another")
                self._spares.append(self._respawn())
                self._checker = self._spares[-1]
            fresh = self._checker
        try:
            return fresh.submit(remote, *args).result()
        except BrokenExecutor:
            with self._lock:
                self._dead.add(id(fresh))
            raise IngestError("checking this ZFO ended the checking process; it stays to be "
                              "downloaded again") from None

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._todo.get()
            if item is _STOP:
                break
            # Group commit: what is already waiting joins this transaction; nothing is
            # held back to wait for more (a lone item commits at once).
            group = [self._resolve(item)]
            deadline = time.monotonic() + self._group_seconds
            while len(group) < self._max_group and time.monotonic() < deadline:
                try:
                    item = self._todo.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                group.append(self._resolve(item))
            self._write(group)

    def _write(self, group: list[_Resolved[K]]) -> None:
        ok = [Checked(r.item, r.checked) for r in group if r.error is None]
        failure: Exception | None = self.write_failure  # after one, nothing is tried again
        results: Any = iter(())
        if failure is None:
            try:
                results = iter(self._store(ok))
            except StoreWriteError as cannot:
                self.write_failure = failure = cannot
                log.warning("the archive cannot be written (%s); storing stopped",
                            cannot.reason)
            except Exception as whole:  # the store failed as a whole: every item reports it
                failure = whole
        for r in group:
            if r.error is not None:
                outcome = Outcome(r.item, error=r.error)
            elif failure is not None:
                outcome = Outcome(r.item, error=failure)
            else:
                res = next(results, None)
                outcome = (Outcome(r.item, error=res) if isinstance(res, Exception)
                           else Outcome(r.item, result=res))
            self._done.put((outcome, r.size))

    def __enter__(self) -> IngestPipeline[K]:
        _shorten_switch_interval()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._flush()  # the last batch (what was downloaded is stored even on an error)
        finally:
            self._todo.put(_STOP)
        try:
            if exc_type is None:
                while self._outstanding:
                    self._collect(block=True)
        finally:
            try:
                self._thread.join()  # on an error too: what was downloaded is stored
                for spare in self._spares:
                    spare.shutdown(wait=True, cancel_futures=True)
            finally:
                _restore_switch_interval()
