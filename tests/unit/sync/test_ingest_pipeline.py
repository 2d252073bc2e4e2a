"""The ingest pipeline: checking in a worker process, group commits, order, failures."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.sync import pipeline as pl
from dso_desktop.sync.ingest import CheckedZfo, check_in_worker, check_zfo, init_worker
from dso_desktop.sync.pipeline import Checked, IngestPipeline, Outcome
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore


def _comparable(c: CheckedZfo) -> tuple[Any, ...]:
    """Everything but the moment of checking."""
    return (c.envelope, c.events, c.attachment_count, c.texts, c.verdict.kind,
            c.verdict.timestamp_expires, c.reasons)


@pytest.fixture
def checker(trust: TrustStore) -> Iterator[ProcessPoolExecutor]:
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(trust,))
    yield pool
    pool.shutdown(wait=True)


def test_trust_store_survives_pickling(make_zfo: Callable[..., bytes], trust: TrustStore,
                                       pki: TestPki) -> None:
    copy = pickle.loads(pickle.dumps(trust))  # noqa: S301 - our own bytes
    assert [c.subject for c in copy.anchors] == [c.subject for c in trust.anchors]
    zfo = make_zfo()
    assert _comparable(check_zfo(zfo, copy)) == _comparable(check_zfo(zfo, trust))
    assert check_zfo(zfo, copy).verdict.kind == "valid"


def test_trust_store_with_an_unpicklable_fetcher_refuses_pickling() -> None:
    store = TrustStore(fetcher=lambda url: b"")
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(store)


def test_checking_process_agrees_with_checking_here(
        make_zfo: Callable[..., bytes], trust: TrustStore,
        checker: ProcessPoolExecutor) -> None:
    samples = [
        make_zfo(files=[("zadost.txt", "Žádost o stavební povolení".encode())]),
        make_zfo(kind="delivery-info"),
        make_zfo(tamper_hash=True),  # dmHash mismatch: invalid
    ]
    for data in samples:
        remote = checker.submit(check_in_worker, data, True).result(timeout=120)
        assert _comparable(remote) == _comparable(check_zfo(data, trust))
    remote = checker.submit(check_in_worker, samples[0], True).result(timeout=120)
    assert remote.texts == (("zadost.txt", "Žádost o stavební povolení"),)
    assert checker.submit(check_in_worker, samples[2], True).result(timeout=120).invalid
    with pytest.raises(Exception, match="not a readable ZFO"):
        checker.submit(check_in_worker, b"garbage", True).result(timeout=120)


class _Recorder:
    def __init__(self, fail_keys: frozenset[int] = frozenset(), whole: bool = False) -> None:
        self.groups: list[list[int]] = []
        self.fail_keys = fail_keys
        self.whole = whole

    def store(self, group: list[Checked[int, Any]]) -> list[Any]:
        self.groups.append([c.item for c in group])
        if self.whole:
            raise RuntimeError("disk full")
        return [ValueError(f"bad {c.item}") if c.item in self.fail_keys
                else ("stored", c.item, c.checked) for c in group]


def _err(o: Outcome[Any]) -> str | None:
    return str(o.error) if o.error else None


def test_results_come_in_order_with_failures_isolated() -> None:
    rec = _Recorder(fail_keys=frozenset({3}))
    done: list[tuple[int, Any, str | None]] = []

    def check(n: int) -> int:
        if n == 5:
            raise ValueError("does not verify")
        time.sleep(0.002)
        return n * 10

    with IngestPipeline(rec.store, lambda o: done.append((o.item, o.result, _err(o))),
                        depth=3) as pipe:
        for n in range(8):
            pipe.submit(n, check, (n,))
    assert [k for k, _, _ in done] == list(range(8))
    assert done[3] == (3, None, "bad 3")
    assert done[5] == (5, None, "does not verify")
    assert done[0] == (0, ("stored", 0, 0), None) and done[7][1] == ("stored", 7, 70)
    assert sorted(k for g in rec.groups for k in g) == [0, 1, 2, 3, 4, 6, 7]


def test_what_waits_is_committed_together() -> None:
    rec = _Recorder()
    gate = threading.Event()

    def check(n: int) -> int:
        if n == 0:
            gate.wait(5)  # the store thread is busy with the first item meanwhile
        return n

    with IngestPipeline(rec.store, lambda o: None) as pipe:
        for n in range(6):
            pipe.submit(n, check, (n,))
        gate.set()
    assert rec.groups[0] == [0, 1, 2, 3, 4, 5]


def test_a_failed_store_fails_its_group_only() -> None:
    rec = _Recorder(whole=True)
    done: list[tuple[int, str | None]] = []
    with IngestPipeline(rec.store, lambda o: done.append((o.item, _err(o)))
                        ) as pipe:
        pipe.submit(1, lambda: 1, ())
    assert done == [(1, "disk full")]


def test_the_backlog_is_stored_even_when_the_run_fails() -> None:
    rec = _Recorder()
    with pytest.raises(RuntimeError, match="connection lost"), \
            IngestPipeline(rec.store, lambda o: None, depth=100) as pipe:
        for n in range(5):
            pipe.submit(n, lambda x: x, (n,))
        raise RuntimeError("connection lost")
    assert sorted(k for g in rec.groups for k in g) == [0, 1, 2, 3, 4]


class _BrokenPool(Executor):
    """A checking process that died: every future reports a broken pool."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        fut.set_exception(BrokenProcessPool("the worker died"))
        return fut


def test_a_dead_checking_process_falls_back_to_checking_here() -> None:
    done: list[Any] = []
    with IngestPipeline(_Recorder().store, lambda o: done.append(o.result),
                        checker=_BrokenPool()) as pipe:
        pipe.submit(1, lambda n: n + 1, (1,), remote=lambda n: -1)
    assert done == [("stored", 1, 2)]


def _double_or_die(n: int) -> int:
    """Runs in a checking process: input 13 brings the process down (as a PDF that crashes
    PDFium would)."""
    if n == 13:
        os._exit(3)
    return n * 2


def test_a_zfo_that_kills_the_checker_costs_only_itself() -> None:
    ctx = multiprocessing.get_context("spawn")
    started: list[ProcessPoolExecutor] = []

    def new_checker() -> ProcessPoolExecutor:
        started.append(ProcessPoolExecutor(1, mp_context=ctx))
        return started[-1]

    first = new_checker()
    done: list[tuple[int, Any, str | None]] = []
    try:
        with IngestPipeline(_Recorder().store,
                            lambda o: done.append((o.item, o.result, _err(o))),
                            checker=first, respawn=new_checker) as pipe:
            for n in (1, 13, 2, 3, 13, 4):
                # checking "here" would give -1: every result must come from a process
                pipe.submit(n, lambda x: -1, (n,), remote=_double_or_die)
    finally:
        first.shutdown(wait=True)
    assert [k for k, _, _ in done] == [1, 13, 2, 3, 13, 4]
    for key, result, error in done:
        if key == 13:
            assert result is None and error is not None and "ended the checking" in error
        else:
            assert (result, error) == (("stored", key, key * 2), None)
    assert 2 <= len(started) <= 1 + pl.MAX_RESPAWNS


def _double_or_hang(n: int) -> int:
    """Runs in a checking process under its time limit: a negative input never finishes
    (as a PDF that sends a parser into a loop would)."""
    from dso_desktop.sync.ingest import time_limit

    with time_limit():
        if n < 0:
            time.sleep(120)
    return n * 2


@pytest.mark.skipif(not hasattr(signal, "alarm"), reason="the time limit needs SIGALRM (POSIX)")
def test_a_zfo_whose_check_never_ends_costs_only_itself() -> None:
    ctx = multiprocessing.get_context("spawn")
    started: list[ProcessPoolExecutor] = []

    def new_checker() -> ProcessPoolExecutor:  # one second per check, for the test
        started.append(ProcessPoolExecutor(1, mp_context=ctx, initializer=init_worker,
                                           initargs=(None, 1)))
        return started[-1]

    first = new_checker()
    done: list[tuple[int, Any, str | None]] = []
    t0 = time.monotonic()
    try:
        with IngestPipeline(_Recorder().store,
                            lambda o: done.append((o.item, o.result, _err(o))),
                            checker=first, respawn=new_checker) as pipe:
            for n in (1, -1, 2):
                pipe.submit(n, lambda x: -1, (n,), remote=_double_or_hang)
    finally:
        for ex in started:
            ex.shutdown(wait=True)
    assert time.monotonic() - t0 < 60  # not the two minutes the stuck check wanted
    assert done[0] == (1, ("stored", 1, 2), None) and done[2] == (2, ("stored", 2, 4), None)
    assert done[1][1] is None and done[1][2] == (
        "checking this ZFO ended the checking process; it stays to be downloaded again")


# -- a real sync through the checking process --------------------------------------------
def _rows(db_path: Path) -> list[tuple[Any, ...]]:
    from dso_desktop.store.db import Database

    db = Database.open(db_path)
    try:
        with db.engine.connect() as c:
            msgs = c.execute(text(
                "SELECT direction, dm_id, subject, sender_name, status, delivered_at, "
                "attachment_count, downloaded, verdict, timestamp_expires, big_message "
                "FROM messages ORDER BY direction, dm_id")).all()
            zfos = c.execute(text("SELECT sha256 FROM message_zfos ORDER BY sha256")).all()
            dis = c.execute(text("SELECT verdict FROM delivery_infos")).all()
            events = c.execute(text("SELECT count(*) FROM events")).scalar()
            # The index is contentless: ask it for every message by its dmID, and a word.
            fts = [c.execute(text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q"),
                             {"q": f'"{r[1]}"'}).all() for r in msgs]
            fts.append(c.execute(text("SELECT count(*) FROM messages_fts WHERE messages_fts "
                                      "MATCH 'pdf'")).all())
    finally:
        db.close()
    return [tuple(r) for r in msgs] + [("zfos", len(zfos)), ("dis", len(dis)),
                                       ("events", events), ("fts", str(fts))]


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_sync_through_the_checking_process_stores_what_checking_here_stores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.app import App
    from dso_desktop.domain import LoginMethod
    from dso_desktop.paths import AppPaths
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.services.types import AccountSpec
    from dso_desktop.simulator import Simulator

    pools: list[Any] = []

    class CountingPool(ProcessPoolExecutor):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            pools.append(self)

    monkeypatch.setattr(pl, "ProcessPoolExecutor", CountingPool)
    use_memory_keyring()
    sim = Simulator(seed=21, messages=12)
    sim.start()
    try:
        acc = sim.account("password")
        for name, threshold in (("pool", 1), ("here", 10**9)):
            monkeypatch.setattr(pl, "PROCESS_MIN_ITEMS", threshold)
            app = App.open(AppPaths.default(tmp_path / name), offline=True)
            try:
                app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username,
                                             sim.url, ca_file=Path(sim.info.ca_file)))
                summary = app.sync.sync_account("urad", accept_delivery=True,
                                                password=acc.password)
                assert summary.failed == [] and summary.new > 0
                assert summary.delivery_infos == summary.new
            finally:
                app.close()
            assert len(pools) == 1  # the first run used a process, the second did not
    finally:
        sim.stop()
    pooled, here = _rows(tmp_path / "pool" / "archive.sqlite3"), _rows(
        tmp_path / "here" / "archive.sqlite3")
    assert pooled == here
    assert all(r[8] in ("valid", "expiring") for r in pooled if len(r) > 2)


_ORPHAN_DRIVER = r"""
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from dso_desktop.sync.ingest import init_worker

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(None,))
    print(pool.submit(os.getpid).result(timeout=120), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its (new) parent to reap it has ended too.
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as fh:
        return fh.read().split()[2] != "Z"
    return True


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_the_checking_process_ends_with_a_killed_program(tmp_path: Path) -> None:
    script = tmp_path / "driver.py"
    script.write_text(_ORPHAN_DRIVER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        worker = int(proc.stdout.readline())
        assert _alive(worker)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the checker outlived the program that started it"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_work_item_never_shows_its_bytes() -> None:
    """Work items reach log lines and failed assertions: the message body must not."""
    from dso_desktop.domain import Direction

    item = pl.WorkItem(pl.WorkKind.MESSAGE, Direction.RECEIVED, "4242", b"Tajny obsah zpravy")
    assert "Tajny" not in repr(item) and "4242" in repr(item) and "18 B" in repr(item)
    with pytest.raises(AttributeError):
        item.dm_id = "1"  # type: ignore[misc]  # frozen: an item is what was downloaded


# -- survivors of seed 20261208 (branch ``survsync``) -----------------------------------------
class _DiesOnFirst(Executor):
    """A checking process that dies (killed by the OS, say) while checking its first item:
    that future reports a broken pool, and the pool refuses every later submission."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        if self.submitted > 1:
            raise BrokenProcessPool("a child process terminated abruptly")
        fut: Future[Any] = Future()
        fut.set_exception(BrokenProcessPool("the worker died"))
        return fut


class _Inline(Executor):
    """A healthy checking process, run inline."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        fut.set_result(fn(*args, **kwargs))
        return fut


def test_the_item_a_checking_process_died_on_is_checked_again_in_a_fresh_one() -> None:
    """The dead process is recognised as the one the item went to: a fresh one is started
    and checks the item again (it is not sent back to the dead process and lost)."""
    dead = _DiesOnFirst()
    fresh: list[_Inline] = []

    def respawn() -> _Inline:
        fresh.append(_Inline())
        return fresh[-1]

    done: list[tuple[int, Any, str | None]] = []
    with IngestPipeline(_Recorder().store, lambda o: done.append((o.item, o.result, _err(o))),
                        checker=dead, respawn=respawn) as pipe:
        pipe.submit(1, lambda n: -1, (1,), remote=lambda n: n * 2)
        pipe.submit(2, lambda n: -1, (2,), remote=lambda n: n * 2)
    assert done == [(1, ("stored", 1, 2), None), (2, ("stored", 2, 4), None)]
    assert len(fresh) == 1  # one replacement, whichever item found the process dead


class _Boom(BaseException):
    """Something no `except Exception` catches: it ends the store thread."""


def test_a_store_thread_that_ends_unexpectedly_is_an_error_not_a_hang(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def store(group: list[Checked[int, Any]]) -> list[Any]:
        raise _Boom

    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # expected: not reported
    raised: list[BaseException] = []

    def run() -> None:  # in a thread of its own: a pipeline that hangs fails the test
        try:
            with IngestPipeline(store, lambda o: None) as pipe:
                pipe.submit(1, lambda: 1, ())
        except BaseException as exc:  # the test checks what it was
            raised.append(exc)

    caller = threading.Thread(target=run, daemon=True)
    caller.start()
    caller.join(30)
    assert not caller.is_alive(), "leaving the pipeline waited for a store thread that ended"
    assert [(type(e), str(e)) for e in raised] == [
        (RuntimeError, "the ingest thread ended unexpectedly")]


def test_a_healthy_checking_process_checks_every_item_it_is_given() -> None:
    """Without a way to start another process, the one given still checks everything sent
    to it; nothing is checked here (which would give -1)."""
    class _Counting(_Inline):
        def __init__(self) -> None:
            self.submitted = 0

        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            self.submitted += 1
            return super().submit(fn, *args, **kwargs)

    pool = _Counting()
    done: list[Any] = []
    with IngestPipeline(_Recorder().store, lambda o: done.append(o.result),
                        checker=pool) as pipe:
        for n in (1, 2, 3):
            pipe.submit(n, lambda x: -1, (n,), remote=lambda x: x * 2)
    assert done == [("stored", 1, 2), ("stored", 2, 4), ("stored", 3, 6)]
    assert pool.submitted == 3


# -- batches to the checking process (issue 18: the executor's cost per item) ---------------
class _Held(Executor):
    """A checking process that finishes nothing until the test releases it; it records the
    size of every batch it was given."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.release = threading.Event()
        self._threads: list[threading.Thread] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        assert fn is pl.check_batch
        self.batches.append(len(args[0]))
        fut: Future[Any] = Future()

        def run() -> None:
            self.release.wait(30)
            fut.set_result(fn(*args, **kwargs))

        self._threads.append(threading.Thread(target=run, daemon=True))
        self._threads[-1].start()
        return fut


def _run_with_timeout(body: Callable[[], None]) -> None:
    """Run ``body`` in a thread of its own: a pipeline that hangs fails the test."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:  # reported below
            raised.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the pipeline hung"
    if raised:
        raise raised[0]


def test_items_wait_for_a_busy_checker_and_go_in_batches() -> None:
    """Two batches leave at once; while both are being checked the next items wait and go
    together (at most MAX_BATCH), the rest when the run ends. Each item still gets its own
    result, in order."""
    pool = _Held()
    done: list[tuple[int, Any, str | None]] = []

    def body() -> None:
        with IngestPipeline(_Recorder().store,
                            lambda o: done.append((o.item, o.result, _err(o))),
                            checker=pool) as pipe:
            for n in range(40):
                pipe.submit(n, lambda x: -1, (n,), remote=lambda x: x * 2)
            pool.release.set()

    _run_with_timeout(body)
    assert pool.batches == [1, 1, pl.MAX_BATCH, pl.MAX_BATCH, 40 - 2 - 2 * pl.MAX_BATCH]
    assert done == [(n, ("stored", n, n * 2), None) for n in range(40)]


def test_waiting_items_are_stored_when_the_run_fails() -> None:
    """A run that fails while items wait for a busy checker still checks and stores them."""
    pool = _Held()
    rec = _Recorder()

    def body() -> None:
        with pytest.raises(KeyError), IngestPipeline(rec.store, lambda o: None,
                                                     checker=pool) as pipe:
            for n in range(10):
                pipe.submit(n, lambda x: -1, (n,), remote=lambda x: x * 2)
            pool.release.set()
            raise KeyError("the network went away")

    _run_with_timeout(body)
    assert sorted(k for g in rec.groups for k in g) == list(range(10))
    assert pool.batches == [1, 1, 8]


class _Quiet(Executor):
    """A busy checker that never finishes a batch on its own: only the test's ``finish``."""

    def __init__(self) -> None:
        self.futures: list[tuple[Future[Any], Any]] = []
        self.open = False  # finish every batch at once (so that a failing test ends)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        self.futures.append((fut, fn(*args, **kwargs)))
        if self.open:
            self.finish()
        return fut

    def finish(self) -> None:
        for fut, result in self.futures:
            if not fut.done():
                fut.set_result(result)

    def open_up(self) -> None:
        self.open = True
        self.finish()


def test_the_backlog_limit_flushes_a_forming_batch() -> None:
    """depth=3 with a checker that holds its batches: the third item must be sent before
    the caller blocks on the backlog (a finished batch is then collected)."""
    pool = _Quiet()
    done: list[int] = []

    def body() -> None:
        with IngestPipeline(_Recorder().store, lambda o: done.append(o.item), checker=pool,
                            depth=2) as pipe:
            pipe.submit(0, lambda x: -1, (0,), remote=lambda x: x)
            pipe.submit(1, lambda x: -1, (1,), remote=lambda x: x)
            threading.Timer(0.5, pool.finish).start()
            pipe.submit(2, lambda x: -1, (2,), remote=lambda x: x)  # over the limit: waits
            assert len(pool.futures) == 3  # the waiting item was sent before waiting
            threading.Timer(0.5, pool.finish).start()

    _run_with_timeout(body)
    assert done == [0, 1, 2]


def test_one_failing_check_in_a_batch_fails_only_itself() -> None:
    pool = _Held()
    pool.release.set()
    done: list[tuple[int, Any, str | None]] = []

    def remote(n: int) -> int:
        if n == 3:
            raise ValueError("not a ZFO")
        return n * 2

    with IngestPipeline(_Recorder().store, lambda o: done.append((o.item, o.result, _err(o))),
                        checker=pool) as pipe:
        for n in range(6):
            pipe.submit(n, lambda x: -1, (n,), remote=remote)
    assert done == [(n, None, "not a ZFO") if n == 3 else (n, ("stored", n, n * 2), None)
                    for n in range(6)]


class _Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle this")


def test_a_batch_sends_back_each_result_or_error() -> None:
    def boom(n: int) -> int:
        raise _Unpicklable(f"odd {n}")

    out = pl.check_batch([(abs, (-2,)), (int, ("x",)), (boom, (7,)), (abs, (3,))])
    assert out[0] == (True, 2) and out[3] == (True, 3)
    assert out[1][0] is False and isinstance(out[1][1], ValueError)
    assert out[2][0] is False and type(out[2][1]) is pl.IngestError
    assert str(out[2][1]) == "_Unpicklable: odd 7"
    pickle.dumps(out[1:3])  # what goes back to the sync's process


def test_batches_through_a_real_checking_process(make_zfo: Callable[..., bytes],
                                                 trust: TrustStore) -> None:
    """A sync's items in batches through a spawned process: every ZFO checked there, with
    its own result, the same as checking here."""
    z = make_zfo()
    ctx = multiprocessing.get_context("spawn")
    done: list[Any] = []
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=init_worker,
                             initargs=(trust,)) as proc, \
            IngestPipeline(lambda g: [c.checked for c in g], lambda o: done.append(o),
                           checker=proc) as pipe:
        for n in range(20):
            pipe.submit(n, lambda d, t: None, (z if n != 7 else b"junk", False),
                        remote=check_in_worker)
    assert [o.item for o in done] == list(range(20))
    here = _comparable(check_zfo(z, trust, with_text=False))
    for o in done:
        if o.item == 7:
            assert o.result is None and "not a readable ZFO" in str(o.error)
        else:
            assert o.error is None and _comparable(o.result) == here


def test_an_idle_checker_gets_the_next_item_at_once() -> None:
    """Once the batches sent have been checked, the next item leaves alone, at once (the
    checker does not wait for a batch to fill)."""
    pool = _Quiet()
    done: list[int] = []
    with IngestPipeline(_Recorder().store, lambda o: done.append(o.item),
                        checker=pool) as pipe:
        try:
            pipe.submit(0, lambda x: -1, (0,), remote=lambda x: x)
            pipe.submit(1, lambda x: -1, (1,), remote=lambda x: x)
            pipe.submit(2, lambda x: -1, (2,), remote=lambda x: x)
            assert len(pool.futures) == 2  # two busy batches: the third item waits
            pool.finish()
            pipe.submit(3, lambda x: -1, (3,), remote=lambda x: x)
            assert len(pool.futures) == 3 and len(pool.futures[2][1]) == 2  # items 2 and 3
            pool.finish()
            pipe.submit(4, lambda x: -1, (4,), remote=lambda x: x)
            assert len(pool.futures) == 4
        finally:
            pool.open_up()
    assert done == [0, 1, 2, 3, 4]

# Survivors of seed 20261210 (branch ``survrest3``).

@pytest.mark.parametrize(("cpus", "workers"), [(None, 1), (1, 1), (2, 1), (3, 2), (16, 2)])
def test_the_checking_process_leaves_a_processor_to_the_sync(
        monkeypatch: pytest.MonkeyPatch, cpus: int | None, workers: int) -> None:
    made: list[int] = []

    class Pool:
        def __init__(self, *, max_workers: int, **_kw: object) -> None:
            made.append(max_workers)

    monkeypatch.setattr(pl.os, "cpu_count", lambda: cpus)
    monkeypatch.setattr(pl, "ProcessPoolExecutor", Pool)
    pl.CheckingProcess(None).respawn()
    assert made == [workers]


def test_the_backlog_holds_depth_items_and_waits_at_one_more() -> None:
    release = threading.Event()
    done: list[int] = []
    submitted: list[int] = []

    def check(n: int) -> int:
        release.wait(10)
        return n

    with IngestPipeline(_Recorder().store, lambda o: done.append(o.item), depth=2) as pipe:
        def feed() -> None:
            for n in (1, 2, 3):
                pipe.submit(n, check, (n,))
                submitted.append(n)

        feeder = threading.Thread(target=feed)
        feeder.start()
        deadline = time.monotonic() + 10
        while len(submitted) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        feeder.join(0.3)
        assert submitted == [1, 2] and done == []  # two in flight; the third waits
        release.set()
        feeder.join(10)
    assert submitted == [1, 2, 3] and done == [1, 2, 3]


def test_one_item_over_the_byte_bound_is_stored_before_the_next_request() -> None:
    done: list[int] = []

    def check(n: int) -> int:
        time.sleep(0.05)  # still checking when submit first looks for results
        return n

    with IngestPipeline(_Recorder().store, lambda o: done.append(o.item),
                        max_bytes=10) as pipe:
        pipe.submit(1, check, (1,), size=100)
        assert done == [1]  # submit waited: the bytes of one item alone were too many
        pipe.submit(2, check, (2,), size=5)
        assert done == [1]  # under the bound: no waiting
    assert done == [1, 2]


def test_a_running_pipeline_hands_the_interpreter_lock_over_sooner() -> None:
    before = sys.getswitchinterval()
    seen: list[float] = []

    def check(n: int) -> int:
        seen.append(sys.getswitchinterval())  # the store thread, while the pipeline runs
        return n

    try:
        sys.setswitchinterval(0.005)  # Python's default
        with IngestPipeline(_Recorder().store, lambda o: None) as outer:
            assert sys.getswitchinterval() == pytest.approx(pl.SWITCH_INTERVAL)
            with IngestPipeline(_Recorder().store, lambda o: None) as inner:
                inner.submit(1, check, (1,))
            # the inner one ended; the outer one still runs: still short
            assert sys.getswitchinterval() == pytest.approx(pl.SWITCH_INTERVAL)
            outer.submit(2, check, (2,))
        assert seen == [pytest.approx(pl.SWITCH_INTERVAL)] * 2
        assert sys.getswitchinterval() == pytest.approx(0.005)  # the last one restores it
        with pytest.raises(KeyError), IngestPipeline(_Recorder().store, lambda o: None):
            raise KeyError("the sync failed")
        assert sys.getswitchinterval() == pytest.approx(0.005)  # on an error too
        sys.setswitchinterval(0.0001)  # already shorter: left as it is
        with IngestPipeline(_Recorder().store, lambda o: None):
            assert sys.getswitchinterval() == pytest.approx(0.0001, rel=0.05)
        assert sys.getswitchinterval() == pytest.approx(0.0001, rel=0.05)
    finally:
        sys.setswitchinterval(before)


# Survivors of seed 20261211 (branch ``survrest4``).

def test_a_group_commits_after_a_quarter_second_of_checking() -> None:
    """What a crash can lose is bounded: a group takes in waiting items only until 0.25 s
    of checking have passed since its first one (here each takes 0.1 s: the first and
    at most three more), then commits."""
    rec = _Recorder()
    gate = threading.Event()

    def check(n: int) -> int:
        if n == 0:
            gate.wait(5)  # the others queue up meanwhile
        else:
            time.sleep(0.1)
        return n

    with IngestPipeline(rec.store, lambda o: None) as pipe:
        for n in range(6):
            pipe.submit(n, check, (n,))
        gate.set()
    assert sorted(k for g in rec.groups for k in g) == [0, 1, 2, 3, 4, 5]
    assert len(rec.groups[0]) <= 4 and len(rec.groups) >= 2
