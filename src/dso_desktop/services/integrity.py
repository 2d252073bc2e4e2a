"""The integrity check of the archive: every stored ZFO verified again, in its account's scope.

A big archive is verified by one process per core. Each process reads its own evidence, a
batch of message ids at a time (`store.bulkread`), and sends back only (id, dmID, problem,
detail); this process lists the ids, hands the batches out and puts the report together in
the order a check in one process gives. SQLite's own structural check of the whole file is
one more work item, the first one a checking process takes; that process runs it on a
thread beside its verifications (it waits on the disk for much of a file not in the page
cache, so a core would idle), reading the file ahead in file order (`bulkread.read_ahead`). The
processes start (a few tenths of a second each: an interpreter, the verifier, the driver)
while this process queries the parts of the report that need no verification (copies,
duplicates, quarantine, messages not downloaded yet), then verifies the first batches
itself until they are ready, then leaves the cores to them.

This module is what a checking process imports: no SQLAlchemy at import time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dso_desktop.domain import IntegrityProblemKind as P
from dso_desktop.domain import VerdictKind, ZfoKind
from dso_desktop.services.types import (
    IntegrityProblem,
    IntegrityReport,
    VerdictChange,
    VerdictRefresh,
)
from dso_desktop.store import bulkread
from dso_desktop.store.bulkread import DELIVERY_INFO, STRUCTURE, ZFO

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from dso_desktop.store.bulkread import EvidenceRow, ReaderSpec
    from dso_desktop.store.db import Database

log = logging.getLogger(__name__)

# A verdict that is not trusted is reported as the problem of the same name.
_PROBLEM = {VerdictKind.INVALID: P.INVALID, VerdictKind.UNTRUSTED: P.UNTRUSTED}

# Below this many ZFOs and delivery infos the check runs in this process only: starting
# processes would cost more than they save (this process verifies while they start, but
# their start-up competes with it for the cores).
PROCESS_MIN_ZFOS = 4000
# Message ids per batch (a batch of ~40 KB ZFOs is a few MB, read by the process that
# verifies it).
CHECK_BATCH = 100
# Batches a process has queued besides the one it verifies: it never waits for the next.
_AHEAD = 2

# The words between this process and a checking process (`_check_worker`).
_READY, _SCOPES, _CHECK, _DONE, _LOCAL, _FAILED, _DIED = (
    "ready", "scopes", "check", "done", "local", "failed", "died")

# (id, dmID, problem or None when sound, detail, change): change is (the stored verdict,
# today's `Verdict`, the SHA-256 of the bytes verified) when today's verdict differs from
# the stored one, else None. Only a change crosses the pipe whole (a verdict's facts).
_Change = tuple[str | None, Any, str]
_Result = tuple[int, str, P | None, str, _Change | None]

# The evidence has no verdict of its own to store: its bytes are not the stored ones, it
# is gone, or it is another message's ZFO.
_NO_VERDICT = frozenset({P.MISSING_ZFO, P.CHECKSUM, P.MISMATCH})


def _verify_rows(kind: str, ids: Sequence[int], rows: list[EvidenceRow],
                 now: datetime | None, scope_of: Callable[[int | None], Any],
                 ) -> list[_Result]:
    """The verdict on the evidence of ``kind`` of each message of ``ids``, in that order.

    A signed message that is not there is a problem; a message without a delivery info
    has nothing to check (its result is sound). Today's verdict comes back too where it
    is not the stored one (the results' last item)."""
    from dso_desktop.zfo import ZfoError, parse_zfo, verify_zfo

    found = {r[0]: r for r in rows}
    out: list[_Result] = []
    for mid in ids:
        row = found.get(mid)
        dm_id = row[1] if row is not None else ""  # the message itself is gone
        data = row[3] if row is not None else None
        if data is None:
            out.append((mid, dm_id, P.MISSING_ZFO, "no ZFO stored", None) if kind == ZFO
                       else (mid, dm_id, None, "", None))
            continue
        assert row is not None
        what = "" if kind == ZFO else "delivery info: "
        digest = row[4]
        if hashlib.sha256(data).hexdigest() != digest:
            out.append((mid, dm_id, P.CHECKSUM, "stored bytes do not match their SHA-256"
                        if kind == ZFO else "delivery info bytes do not match their SHA-256",
                        None))
            continue
        # The verifier's lean path reads the bytes once (it parses only the XML facts it
        # needs, dmID among them); the full parse, twice the work, only classifies a file
        # that does not verify: the verifier gives bytes that are no ZFO an "invalid"
        # verdict, only the parse tells "unparsable" (damaged) from "invalid".
        verdict = verify_zfo(data, scope_of(row[2]), now=now)
        assert digest is not None  # stored with its bytes
        change = (row[5], verdict, digest) if verdict.kind != row[5] else None
        if not verdict.kind.trusted:
            try:
                parse_zfo(data)
            except ZfoError as exc:  # not a ZFO: the verifier's "invalid" is its verdict
                out.append((mid, dm_id, P.UNPARSABLE, f"{what}{exc}", change))
                continue
            # invalid or untrusted: the problem of that name
            detail = "; ".join(verdict.reasons) or verdict.kind
            out.append((mid, dm_id, _PROBLEM[verdict.kind],
                        f"{what}{detail}" if what else detail, change))
        elif kind == ZFO and verdict.message_id != dm_id:
            out.append((mid, dm_id, P.MISMATCH, f"ZFO is message {verdict.message_id}", None))
        else:
            out.append((mid, dm_id, None, "", change))
    return out


def _check_worker(conn: Connection, spec: ReaderSpec) -> None:
    """A checking process: reads and verifies the batches it is sent, until told to stop.

    Messages in: ("scopes", pickled {account id: trust store}, now) once, then ("check",
    seq, kind, ids) per batch, then None. Out: ("ready", pid) once it can work, then per
    batch ("done", seq, results, seconds not spent verifying), or ("local", seq) when a
    message belongs to an account it has no trust store for (the parent verifies that
    batch), or ("failed", seq, text). The batch of kind ``STRUCTURE`` is SQLite's
    structural check, run on a thread of its own (`_structure_thread`) while this process
    goes on verifying; its results are that check's lines.
    """
    import threading

    try:
        import dso_desktop.zfo.verify  # noqa: F401 - paid before "ready", not in the first batch

        db = bulkread.connect(spec)
    except Exception as exc:  # told to the parent, which goes on without us
        conn.send((_FAILED, None, f"{type(exc).__name__}: {exc}"))
        return
    lock = threading.Lock()  # two threads answer on one pipe

    def send(msg: tuple[Any, ...]) -> None:
        with lock:
            conn.send(msg)

    send((_READY, os.getpid()))
    scopes: dict[int | None, Any] = {}
    now: datetime | None = None
    try:
        while True:
            try:
                msg = conn.recv()
            except EOFError:  # the parent is gone
                return
            if msg is None:
                return
            if msg[0] == _SCOPES:
                scopes = pickle.loads(msg[1])  # noqa: S301 - our own trust stores, our parent
                now = msg[2]
                continue
            _, seq, kind, ids = msg
            try:
                if kind == STRUCTURE:
                    threading.Thread(target=_structure_thread, args=(send, spec, seq),
                                     name="dso-structure", daemon=True).start()
                    continue
                rows = bulkread.read(spec, db, kind, ids)
                if any(r[2] not in scopes for r in rows if r[3] is not None):
                    send((_LOCAL, seq))  # an account added since the check began
                    continue
                send((_DONE, seq, _verify_rows(kind, ids, rows, now, scopes.__getitem__),
                      0.0))
            except Exception as exc:  # the parent fails the check with it
                send((_FAILED, seq, f"{type(exc).__name__}: {exc}"))
    finally:
        db.close()


def _structure_thread(send: Callable[[tuple[Any, ...]], None], spec: ReaderSpec,
                      seq: int) -> None:
    """SQLite's structural check in a checking process, on its own connection and thread:
    SQLite releases the interpreter lock while it walks the file, so the process keeps
    verifying beside it (it waits on the disk for much of a cold file, and a work item of
    its own left one core idle that long). Answers ("done", seq, lines, seconds)."""
    t0 = time.perf_counter()
    try:
        db = bulkread.connect(spec)
        try:
            problems = bulkread.structure_check(spec, db)
        finally:
            db.close()
        send((_DONE, seq, problems, time.perf_counter() - t0))
    except Exception as exc:  # the parent fails the check with it
        with suppress(OSError):  # the parent is gone
            send((_FAILED, seq, f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.pid: int | None = None  # set when it is ready
        self.queued: set[int] = set()  # batches sent and not answered yet
        # Its own pace, for the benchmark: first batch sent, last one answered, items.
        self.first_sent: float | None = None
        self.last_done = 0.0
        self.items = 0


class _Pool:
    """Checking processes fed batch by batch (spawned: the GUI has threads)."""

    def __init__(self, spec: ReaderSpec, count: int, payload: bytes,
                 now: datetime | None) -> None:
        import multiprocessing

        self._payload = payload
        self._now = now
        self.workers: list[_Worker] = []
        ctx = multiprocessing.get_context("spawn")
        try:
            for _ in range(count):
                parent, child = ctx.Pipe()
                process = ctx.Process(target=_check_worker, args=(child, spec),
                                      name="dso-check", daemon=True)
                process.start()
                child.close()  # ours closed: its end of the pipe reads EOF when it dies
                self.workers.append(_Worker(process, parent))
        except BaseException:
            self.close(force=True)
            raise
        self.pids: set[int] = set()  # the processes that verified something
        self.rate: float | None = None  # set by `close`
        self.structure_s: float | None = None  # SQLite's structural check, in a process

    def _measure(self) -> None:
        paces = [w.items / (w.last_done - w.first_sent) for w in self.workers
                 if w.first_sent is not None and w.items and w.last_done - w.first_sent > 0]
        self.rate = sum(paces) if paces else None

    def run(self, batches: Sequence[tuple[str, list[int]]],
            local: Callable[[int], list[Any]]) -> Iterator[list[Any]]:
        """The results of each of ``batches`` ((kind, ids)), in order; ``local(i)`` verifies
        batch ``i`` in this process. The structural check is left to the processes while
        any is there to take it."""
        from multiprocessing.connection import wait

        count = len(batches)
        # The structural check goes out first (whatever its place in the results: a long
        # one would otherwise hold up the progress of everything behind it).
        todo = deque(sorted(range(count), key=lambda i: batches[i][0] != STRUCTURE))
        done: dict[int, list[Any]] = {}
        step = 0
        while step < count:
            if step in done:
                yield done.pop(step)
                step += 1
                continue
            for w in self.workers:
                # The structural check runs beside its process's batches: not in its queue.
                while w.pid is not None and todo and sum(
                        batches[q][0] != STRUCTURE for q in w.queued) <= _AHEAD:
                    seq = todo.popleft()
                    w.conn.send((_CHECK, seq, *batches[seq]))
                    w.queued.add(seq)
                    if w.first_sent is None:
                        w.first_sent = time.perf_counter()
            # Processes still starting: verify a batch here meanwhile, but leave each of
            # them a full queue (their start is paid for; the tail runs on every core).
            # None left (none could start): verify the rest here.
            helping = bool(todo) and (not self.workers or (
                any(w.pid is None for w in self.workers)
                and len(todo) > len(self.workers) * (_AHEAD + 1)))
            for ready in wait([w.conn for w in self.workers], 0 if helping else None):
                w = next(w for w in self.workers if w.conn is ready)
                conn = w.conn
                msg: Any
                try:
                    msg = conn.recv()
                except EOFError:
                    msg = (_DIED, None)
                if msg[0] == _READY:
                    w.pid = msg[1]
                    conn.send((_SCOPES, self._payload, self._now))
                elif msg[0] == _DONE:
                    done[msg[1]] = msg[2]
                    w.queued.discard(msg[1])
                    if batches[msg[1]][0] == STRUCTURE:  # beside the verifications
                        self.structure_s = msg[3]
                    else:
                        w.items += len(msg[2])
                        w.last_done = time.perf_counter()
                    assert w.pid is not None
                    self.pids.add(w.pid)
                elif msg[0] == _LOCAL:
                    w.queued.discard(msg[1])
                    done[msg[1]] = local(msg[1])
                elif w.queued or msg[1] is not None:  # its batches would be lost: fail
                    w.process.join(1)
                    raise RuntimeError(
                        "a checking process failed: "
                        + (msg[2] if msg[0] == _FAILED
                           else f"it ended unexpectedly (exit code {w.process.exitcode})"))
                else:  # it could not start (no connection to the archive?): go on without it
                    log.warning("a checking process could not start: %s",
                                msg[2] if msg[0] == _FAILED else "it ended")
                    w.process.terminate()
                    w.process.join(5)
                    w.conn.close()
                    self.workers.remove(w)
            if helping:
                seq = next((q for q in todo if batches[q][0] != STRUCTURE or not self.workers),
                           todo[0])
                todo.remove(seq)
                done[seq] = local(seq)

    def close(self, *, force: bool = False) -> None:
        """Ends every process: ready ones are told to stop (they are idle once every batch
        is answered), the others, and all of them after a failure, are terminated."""
        self._measure()
        for w in self.workers:
            if not force and w.pid is not None:
                try:
                    w.conn.send(None)
                    continue
                except OSError:
                    pass
            w.process.terminate()
        for w in self.workers:
            w.process.join(5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(5)
            w.conn.close()
        self.workers = []


class _VerdictChanges:
    """Today's verdicts that differ from the stored ones, counted, and stored when asked
    to: one transaction per batch, so a cancelled or failed check leaves whole batches."""

    def __init__(self, db: Database, *, store: bool) -> None:
        self._db = db
        self.store = store
        self.counts: dict[tuple[str, str | None, str], int] = {}
        self.checked = self.failed = self.skipped = 0
        self.cancelled = False

    def batch(self, kind: str, found: list[_Result]) -> None:
        changes: list[tuple[int, str | None, Any, str]] = []
        for mid, _dm, problem, _detail, change in found:
            self.checked += 1
            if problem in _NO_VERDICT:
                self.failed += 1
            elif change is not None:
                changes.append((mid, *change))
        if changes and self.store:
            changes = self._write(kind, changes)
        for _mid, old, verdict, _digest in changes:
            key = (kind, old, str(verdict.kind))
            self.counts[key] = self.counts.get(key, 0) + 1

    def _write(self, kind: str, changes: list[tuple[int, str | None, Any, str]],
               ) -> list[tuple[int, str | None, Any, str]]:
        """Store the new verdicts of one batch and log each; returns those stored. A
        verdict or evidence someone changed since it was read is left as it is now."""
        from sqlalchemy import select, update

        from dso_desktop.store.activity import REVERIFIED, ActivityRepo
        from dso_desktop.store.messages import MessageRepo
        from dso_desktop.store.models import DeliveryInfo, Message, MessageZfo
        from dso_desktop.sync.ingest import verdict_info

        ids = [c[0] for c in changes]
        if kind == ZFO:
            q = (select(MessageZfo.message_id, Message.verdict, MessageZfo.sha256)
                 .join(Message, Message.id == MessageZfo.message_id)
                 .where(MessageZfo.message_id.in_(ids)))
        else:
            q = (select(DeliveryInfo.message_id, DeliveryInfo.verdict, DeliveryInfo.sha256)
                 .where(DeliveryInfo.message_id.in_(ids)))
        with self._db.write() as s:
            now = {r[0]: (r[1], r[2]) for r in s.execute(q)}
            stored = [c for c in changes if now.get(c[0]) == (c[1], c[3])]
            self.skipped += len(changes) - len(stored)
            if not stored:
                return stored
            with s.no_autoflush:  # one flush at the commit, not one per message
                if kind == ZFO:
                    MessageRepo(s).set_verdicts({mid: verdict_info(verdict)
                                                 for mid, _old, verdict, _d in stored})
                else:  # by primary key, one statement for the batch
                    s.execute(update(DeliveryInfo), [
                        {"message_id": mid, "verdict": str(verdict.kind)}
                        for mid, _old, verdict, _d in stored])
                activity = ActivityRepo(s)
                what = "" if kind == ZFO else "delivery info: "
                for mid, old, verdict, _digest in stored:
                    activity.record(mid, REVERIFIED,
                                    f"{what}{old or 'unverified'} -> {verdict.kind}")
        return stored

    def report(self) -> VerdictRefresh:
        evidence = {ZFO: "message", DELIVERY_INFO: ZfoKind.DELIVERY_INFO.value}
        changes = tuple(VerdictChange(evidence[k], old, new, n)
                        for (k, old, new), n in sorted(
                            self.counts.items(), key=lambda kv: (kv[0][0] != ZFO, -kv[1])))
        return VerdictRefresh(self.checked, changes, stored=self.store, failed=self.failed,
                              skipped=self.skipped, cancelled=self.cancelled)


class IntegrityService:
    def __init__(self, db: Database, trust: Callable[..., Any]) -> None:
        self._db = db
        self._trust = trust
        # The processes that verified the last check's ZFOs (empty: checked in process);
        # tests and the benchmark read it.
        self.last_worker_pids: frozenset[int] = frozenset()
        # What those processes verified per second together while they verified (each
        # from its first batch to its last answer, the structural check on a thread beside:
        # their start-up and the last ones' wait not counted); None: checked in
        # process. The benchmark's steady rate.
        self.last_process_rate: float | None = None
        # Seconds SQLite's structural check took in a checking process (None: it ran in
        # this process, or there was none to run); the benchmark reports it.
        self.last_structure_s: float | None = None

    @staticmethod
    def _workers() -> int:
        return max(1, os.cpu_count() or 1)

    def _local(self, spec: ReaderSpec, conn: Any, batches: list[tuple[str, list[int]]],
               now: datetime | None, scope: Callable[[int | None], Any],
               ) -> Callable[[int], list[Any]]:
        def local(i: int) -> list[Any]:
            kind, ids = batches[i]
            if kind == STRUCTURE:
                return self._db.integrity_check()
            return _verify_rows(kind, ids, bulkread.read(spec, conn, kind, ids), now, scope)

        return local

    @staticmethod
    def _accounts(s: Any) -> set[int | None]:
        """The accounts whose trust stores the processes get (None: no account); a batch
        with a message of any other account comes back and is verified here."""
        from sqlalchemy import select

        from dso_desktop.store.models import Message

        return set(s.scalars(select(Message.account_id).distinct()))

    def _pool(self, spec: ReaderSpec, items: int, scope: Callable[[int | None], Any],
              now: datetime | None) -> _Pool | None:
        """Checking processes, started (they get ready while this process goes on), or
        None: a small archive, one core, an archive or trust stores no other process can
        have (in-memory SQLite, test doubles), or no process could be started."""
        if items < PROCESS_MIN_ZFOS or self._workers() < 2 or not spec.shareable:
            return None
        with self._db.read() as s:
            accounts = self._accounts(s)
        try:
            payload = pickle.dumps({acc: scope(acc) for acc in accounts})
        except Exception:  # a trust store that stays in this process
            return None
        try:
            return _Pool(spec, self._workers(), payload, now)
        except (OSError, ValueError, RuntimeError) as exc:
            log.info("no checking processes (%s); checking in process", type(exc).__name__)
            return None

    def check(self, now: datetime | None = None,
              progress: Callable[[int, int], None] | None = None, *,
              refresh_verdicts: bool = False,
              cancel: Callable[[], bool] | None = None) -> IntegrityReport:
        """Re-verify every stored ZFO and delivery info with its checksum; report, never
        modify the evidence. ``progress(done, total)`` counts both.

        The report counts the stored verdicts today's verification changes
        (`VerdictRefresh`); with ``refresh_verdicts`` it stores them, a batch per
        transaction, each change in its message's activity log: the verdict only, the
        evidence and its SHA-256 untouched. ``cancel()``, asked between batches, stops the
        check there (the report says so; what was stored stays)."""
        from dso_desktop.store.messages import MessageRepo

        self.last_worker_pids = frozenset()
        self.last_process_rate = None
        self.last_structure_s = None
        problems: list[IntegrityProblem] = []
        ok = 0
        spec = bulkread.reader_spec(self._db, CHECK_BATCH)
        with self._db.read() as s:
            repo = MessageRepo(s)
            ids = repo.zfo_ids()
            di_ids = repo.delivery_info_ids()
        # The messages first, then their delivery infos (evidence too: checksum, seal).
        batches = [(ZFO, ids[i:i + CHECK_BATCH]) for i in range(0, len(ids), CHECK_BATCH)]
        batches += [(DELIVERY_INFO, di_ids[i:i + CHECK_BATCH])
                    for i in range(0, len(di_ids), CHECK_BATCH)]
        total, n = len(ids) + len(di_ids), 0
        cache: dict[int | None, Any] = {}

        def scope(acc: int | None) -> Any:  # one trust store per account for the whole check
            if acc not in cache:
                cache[acc] = self._trust(acc)
            return cache[acc]

        pool = self._pool(spec, total, scope, now)
        verdicts = _VerdictChanges(self._db, store=refresh_verdicts)
        db_problems: list[str] = []  # not known when cancelled before the structural check
        try:
            with bulkread.borrowed(self._db) as conn:
                local = self._local(spec, conn, batches, now, scope)
                if pool is not None and self._db.is_sqlite:
                    # The structural check: the first work item out (a process runs it on
                    # a thread beside its batches, all processes share out the rest), its
                    # result the last.
                    batches.append((STRUCTURE, []))
                    extra = self._unverified()  # while the processes start
                    results = pool.run(batches, local)
                    side = None
                else:
                    # In this process: the structural check on a thread beside the
                    # verification (SQLite releases the interpreter lock while it walks
                    # the file); an in-memory archive is one connection's own: here.
                    side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dso-db-check")
                    structure = (side.submit(self._db.integrity_check) if spec.shareable
                                 else None)
                    db_problems = self._db.integrity_check() if structure is None else []
                    extra = self._unverified()
                    results = (pool.run(batches, local) if pool is not None
                               else (local(i) for i in range(len(batches))))
                try:
                    for (kind, _), found in zip(batches, results, strict=True):
                        if kind == STRUCTURE:
                            db_problems = found
                            continue
                        verdicts.batch(kind, found)  # stored (asked to) before it counts
                        for mid, dm_id, problem, detail, _change in found:
                            n += 1
                            if problem is not None:
                                problems.append(IntegrityProblem(mid, dm_id, problem, detail))
                            elif kind == ZFO:
                                ok += 1
                            if progress is not None:
                                progress(n, total)
                        if cancel is not None and cancel():
                            verdicts.cancelled = True
                            break
                    if side is not None and structure is not None and not verdicts.cancelled:
                        db_problems = structure.result()
                finally:
                    if side is not None:
                        side.shutdown(wait=True)
        except BaseException:
            if pool is not None:
                pool.close(force=True)
            raise
        if pool is not None:
            pool.close(force=verdicts.cancelled)  # cancelled: batches still out
            self.last_worker_pids = frozenset(pool.pids)
            self.last_process_rate = pool.rate
            self.last_structure_s = pool.structure_s
        problems += extra
        for p in db_problems:
            problems.append(IntegrityProblem(0, "", P.DATABASE, p))
        return IntegrityReport(checked=len(ids), ok=ok, problems=tuple(problems),
                               database_ok=not db_problems, verdicts=verdicts.report())

    def _unverified(self) -> list[IntegrityProblem]:
        """What the report lists beside the verdicts, in its order: other copies kept
        beside the evidence, messages kept twice, imported files in quarantine, messages
        listed but not downloaded yet. Nothing here needs a verification, so a big check
        queries it while its processes start."""
        from dso_desktop.store.messages import MessageRepo
        from dso_desktop.store.records import MessageFilter

        problems: list[IntegrityProblem] = []
        with self._db.read() as s:
            repo = MessageRepo(s)
            copies = repo.evidence_copies()
            quarantined = repo.quarantined()
            duplicates = repo.box_duplicates()
        for c in copies:
            what = "delivery info" if c.kind == ZfoKind.DELIVERY_INFO else "signed message"
            why = ("was the evidence until a trusted copy replaced it" if c.reason == "displaced"
                   else "arrived while another copy was the evidence")
            problems.append(IntegrityProblem(
                c.message_id, c.dm_id, P.CONFLICT_REVIEWED if c.reviewed_at else P.CONFLICT,
                f"another {what} (SHA-256 {c.sha256[:16]}…, seal {c.verdict or 'unverified'}) "
                f"{why}; kept beside the evidence"))
        for dup_id, dm, account, other_id, other_account in duplicates:
            problems.append(IntegrityProblem(
                dup_id, dm, P.DUPLICATE,
                f"kept twice: under account {account} and (message {other_id}) under "
                f"{other_account}, both accounts of one data box; each copy is verified on "
                "its own"))
        for q in quarantined:
            problems.append(IntegrityProblem(
                0, q.dm_id or "", P.QUARANTINED,
                f"imported file {q.source_name or '?'} (seal {q.verdict}: "
                f"{q.reasons or '-'}) is quarantined, not evidence"))
        with self._db.read() as s:
            missing = MessageRepo(s).ids(MessageFilter(downloaded=False), limit=10_000)
            for row in MessageRepo(s).rows(missing):
                problems.append(IntegrityProblem(row.id, row.dm_id, P.MISSING_ZFO,
                                                 "listed but not downloaded yet"))
        return problems

    def mark_copies_reviewed(self) -> int:
        """Mark every conflicting copy kept now as reviewed (they stay in the archive and
        with their messages; the check lists them without failing). Returns how many."""
        from dso_desktop.store.messages import MessageRepo

        with self._db.write() as s:
            repo = MessageRepo(s)
            return repo.mark_copies_reviewed([c.id for c in repo.evidence_copies(
                unreviewed=True)])
