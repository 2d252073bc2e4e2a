"""The integrity check of the archive: every stored ZFO verified again, in its account's scope."""

from __future__ import annotations

import logging
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import Any

from dso_desktop.domain import IntegrityProblemKind as P
from dso_desktop.domain import VerdictKind, ZfoKind
from dso_desktop.services.types import (
    IntegrityProblem,
    IntegrityReport,
)
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, sha256_hex

log = logging.getLogger(__name__)

# A verdict that is not trusted is reported as the problem of the same name.
_PROBLEM = {VerdictKind.INVALID: P.INVALID, VerdictKind.UNTRUSTED: P.UNTRUSTED}

# Below this many ZFOs, starting processes (~0.5 s each, spawned: the GUI has threads)
# costs more than they save (measured: 600 ZFOs took 4.3 s in process, 8.6 s with two).
PROCESS_MIN_ZFOS = 4000
# ZFOs read and sent to a process at a time (~40 KB each: a few MB per batch).
CHECK_BATCH = 100

_Scoped = tuple[int, str, bytes | None, str, int | None]
_WORKER_SCOPES: dict[int | None, Any] = {}


def _init_worker(payload: bytes) -> None:
    global _WORKER_SCOPES
    _WORKER_SCOPES = pickle.loads(payload)  # noqa: S301 - our own trust stores, our process


def _verify_in_worker(batch: list[_Scoped], now: datetime | None,
                      ) -> tuple[int, list[tuple[int, str, P | None, str]]]:
    return os.getpid(), list(_verify_batch(batch, now, _WORKER_SCOPES.__getitem__))


def _verify_batch(batch: list[_Scoped], now: datetime | None,
                  trust_of_account: Callable[[int | None], Any],
                  ) -> Iterator[tuple[int, str, P | None, str]]:
    """The verdict on each stored ZFO: (id, dmID, problem or None when sound, detail)."""
    from dso_desktop.zfo import ZfoError, parse_zfo, verify_zfo

    scopes: dict[int | None, Any] = {}
    for mid, dm_id, data, digest, acc in batch:
        if data is None:
            yield mid, dm_id, P.MISSING_ZFO, "no ZFO stored"
            continue
        if sha256_hex(data) != digest:
            yield mid, dm_id, P.CHECKSUM, "stored bytes do not match their SHA-256"
            continue
        if acc not in scopes:
            scopes[acc] = trust_of_account(acc)
        # The verifier's lean path reads the bytes once (it parses only the XML facts it
        # needs, dmID among them); the full parse, twice the work, only classifies a file
        # that does not verify.
        verdict = verify_zfo(data, scopes[acc], now=now)
        if not verdict.kind.trusted:
            try:
                parse_zfo(data)
            except ZfoError as exc:
                yield mid, dm_id, P.UNPARSABLE, str(exc)
                continue
            # invalid or untrusted: the problem of that name
            yield (mid, dm_id, _PROBLEM[verdict.kind],
                   "; ".join(verdict.reasons) or verdict.kind)
        elif verdict.message_id != dm_id:
            yield mid, dm_id, P.MISMATCH, f"ZFO is message {verdict.message_id}"
        else:
            yield mid, dm_id, None, ""


class IntegrityService:
    def __init__(self, db: Database, trust: Callable[..., Any]) -> None:
        self._db = db
        self._trust = trust
        # The processes that verified the last check's ZFOs (empty: checked in process);
        # tests and the benchmark read it.
        self.last_worker_pids: frozenset[int] = frozenset()

    def _verify_zfos(self, ids: list[int], owner: dict[int, int | None],
                     now: datetime | None,
                     ) -> Iterator[tuple[int, str, P | None, str]]:
        """(id, dmID, problem or None, detail) of every stored ZFO, in the order of ``ids``.

        Verification is pure-Python CPU work, so a big archive is verified by one process
        per core (the trust stores go to each process once); the archive is read here, in
        batches, while they verify. Small checks, and trust stores that cannot be sent to
        another process (test doubles), are verified in this process.
        """
        self.last_worker_pids = frozenset()
        cache: dict[int | None, Any] = {}

        def scope(acc: int | None) -> Any:  # one trust store per account for the whole check
            if acc not in cache:
                cache[acc] = self._trust(acc)
            return cache[acc]

        pool = self._pool(ids, owner, scope)
        if pool is None:
            for start in range(0, len(ids), CHECK_BATCH):
                batch = self._read_batch(ids[start:start + CHECK_BATCH])
                scoped = [(mid, dm_id, data, digest, owner.get(mid))
                          for mid, dm_id, data, digest in batch]
                yield from _verify_batch(scoped, now, scope)
            return
        pending: deque[Future[tuple[int, list[tuple[int, str, P | None, str]]]]] = deque()
        pids: set[int] = set()
        try:
            with pool:
                for start in range(0, len(ids), CHECK_BATCH):
                    batch = self._read_batch(ids[start:start + CHECK_BATCH])
                    scoped = [(mid, dm_id, data, digest, owner.get(mid))
                              for mid, dm_id, data, digest in batch]
                    pending.append(pool.submit(_verify_in_worker, scoped, now))
                    # A bounded number of batches in flight: memory stays flat on 1M ZFOs.
                    while len(pending) > 2 * self._workers():
                        pid, results = pending.popleft().result()
                        pids.add(pid)
                        yield from results
                while pending:
                    pid, results = pending.popleft().result()
                    pids.add(pid)
                    yield from results
        finally:
            for f in pending:
                f.cancel()
            self.last_worker_pids = frozenset(pids)

    def _read_batch(self, chunk: list[int]) -> list[tuple[int, str, bytes | None, str]]:
        with self._db.read() as s:
            repo = MessageRepo(s)
            found = {r[0]: r for r in repo.zfos_of(chunk)}
            out: list[tuple[int, str, bytes | None, str]] = []
            for mid in chunk:
                if mid in found:
                    out.append(found[mid])
                else:  # removed since the ids were listed
                    rows = repo.rows([mid])
                    out.append((mid, rows[0].dm_id if rows else "", None, ""))
            return out

    @staticmethod
    def _workers() -> int:
        return max(1, os.cpu_count() or 1)

    def _pool(self, ids: list[int], owner: dict[int, int | None],
              scope: Callable[[int | None], Any]) -> ProcessPoolExecutor | None:
        if len(ids) < PROCESS_MIN_ZFOS or self._workers() < 2:
            return None
        scopes = {acc: scope(acc) for acc in {owner.get(mid) for mid in ids}}
        try:
            payload = pickle.dumps(scopes)
        except Exception:
            return None
        import multiprocessing

        try:
            return ProcessPoolExecutor(max_workers=self._workers(),
                                       mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_worker, initargs=(payload,))
        except (OSError, ValueError, RuntimeError) as exc:
            log.info("no checking processes (%s); checking in process", type(exc).__name__)
            return None

    def check(self, now: datetime | None = None,
              progress: Callable[[int, int], None] | None = None) -> IntegrityReport:
        """Re-verify every stored ZFO and its checksum; report, never modify the evidence."""
        from dso_desktop.services.messages import message_accounts
        from dso_desktop.zfo import ZfoError, parse_zfo, verify_zfo

        db_problems = self._db.integrity_check()
        problems: list[IntegrityProblem] = []
        with self._db.read() as s:
            ids = list(MessageRepo(s).iter_zfo_ids())
        # Each message is verified in its own account's trust scope (one store per account).
        owner = message_accounts(self._db, ids)
        scopes: dict[int | None, Any] = {}

        def trust_of(mid: int) -> Any:
            acc = owner.get(mid)
            if acc not in scopes:
                scopes[acc] = self._trust(acc)
            return scopes[acc]

        ok = 0
        for n, (mid, dm_id, kind, detail) in enumerate(
                self._verify_zfos(ids, owner, now), 1):
            if kind is None:
                ok += 1
            else:
                problems.append(IntegrityProblem(mid, dm_id, kind, detail))
            if progress is not None:
                progress(n, len(ids))
        # Delivery infos are evidence too: checksum and seal.
        with self._db.read() as s:
            di_ids = MessageRepo(s).delivery_info_ids()
        owner.update(message_accounts(self._db, [i for i in di_ids if i not in owner]))
        for mid in di_ids:
            with self._db.read() as s:
                repo = MessageRepo(s)
                di = repo.delivery_info_checked(mid)
                dm_id = repo.rows([mid])[0].dm_id
            if di is None:
                continue
            if sha256_hex(di[0]) != di[1]:
                problems.append(IntegrityProblem(mid, dm_id, P.CHECKSUM,
                                                 "delivery info bytes do not match their "
                                                 "SHA-256"))
                continue
            dv = verify_zfo(di[0], trust_of(mid), now=now)
            if not dv.kind.trusted:
                # As for the messages: the verifier gives bytes that are no ZFO an "invalid"
                # verdict; only the full parse tells "unparsable" (damaged) from "invalid".
                try:
                    parse_zfo(di[0])
                except ZfoError as exc:
                    problems.append(IntegrityProblem(mid, dm_id, P.UNPARSABLE,
                                                     f"delivery info: {exc}"))
                    continue
                problems.append(IntegrityProblem(
                    mid, dm_id, _PROBLEM[dv.kind],
                    "delivery info: " + ("; ".join(dv.reasons) or dv.kind)))
        # Other copies kept beside the evidence, and imported files kept in quarantine.
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
            from dso_desktop.store.records import MessageFilter

            missing = MessageRepo(s).ids(MessageFilter(downloaded=False), limit=10_000)
            for row in MessageRepo(s).rows(missing):
                problems.append(IntegrityProblem(row.id, row.dm_id, P.MISSING_ZFO,
                                                 "listed but not downloaded yet"))
        for p in db_problems:
            problems.append(IntegrityProblem(0, "", P.DATABASE, p))
        return IntegrityReport(checked=len(ids), ok=ok, problems=tuple(problems),
                               database_ok=not db_problems)

    def mark_copies_reviewed(self) -> int:
        """Mark every conflicting copy kept now as reviewed (they stay in the archive and
        with their messages; the check lists them without failing). Returns how many."""
        with self._db.write() as s:
            repo = MessageRepo(s)
            return repo.mark_copies_reviewed([c.id for c in repo.evidence_copies(
                unreviewed=True)])
