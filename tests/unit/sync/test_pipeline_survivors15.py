"""Survivors of session 15's whole run (branch ``survsynceng15``) in `sync.pipeline`: the
store thread, the default bounds of the backlog and of a group commit, and which items of
a batch the checking process's result belongs to."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from dso_desktop.sync.pipeline import Checked, IngestPipeline, Outcome


def _store(group: list[Checked[int, Any]]) -> list[Any]:
    return [("stored", c.item, c.checked) for c in group]


class _Inline(Executor):
    """A healthy checking process, run inline."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        fut.set_result(fn(*args, **kwargs))
        return fut


def test_the_store_runs_on_a_named_daemon_thread() -> None:
    """A store that hangs must not keep the program from exiting, and the thread shows
    as ``dso-ingest`` in a thread dump."""
    seen: list[tuple[str, bool]] = []

    def store(group: list[Checked[int, Any]]) -> list[Any]:
        seen.append((threading.current_thread().name, threading.current_thread().daemon))
        return _store(group)

    with IngestPipeline(store, lambda o: None) as pipe:
        pipe.submit(1, lambda x: x, (1,))
    assert seen == [("dso-ingest", True)]


def _held_store(release: threading.Event, held: list[bool]
                ) -> Callable[[list[Checked[int, Any]]], list[Any]]:
    """A store whose first group waits for ``release`` (at most 5 s, recorded in ``held``)."""

    def store(group: list[Checked[int, Any]]) -> list[Any]:
        if not held:
            held.append(release.wait(5.0))
        return _store(group)

    return store


def test_an_item_of_exactly_max_bytes_does_not_wait() -> None:
    """The bytes bound is inclusive: a backlog of exactly ``max_bytes`` goes on requesting;
    the store is still held when the submit returns (it is released by the test)."""
    release, held = threading.Event(), []
    done: list[Outcome[int]] = []
    with IngestPipeline(_held_store(release, held), done.append, max_bytes=100) as pipe:
        pipe.submit(1, lambda x: x, (1,), size=100)
        assert done == []
        release.set()
    assert held == [True]
    assert [o.item for o in done] == [1]


def test_an_item_submitted_without_a_size_holds_no_bytes() -> None:
    release, held = threading.Event(), []
    done: list[Outcome[int]] = []
    with IngestPipeline(_held_store(release, held), done.append, max_bytes=0) as pipe:
        pipe.submit(1, lambda x: x, (1,))
        pipe.submit(2, lambda x: x, (2,))
        assert done == []
        release.set()
    assert held == [True]
    assert [o.item for o in done] == [1, 2]


def test_the_bytes_of_every_waiting_item_count_against_max_bytes() -> None:
    """Two items of 60 bytes exceed 100: the second submit waits until the first is
    stored (released 0.5 s later by a timer), not only for its own size."""
    release, held = threading.Event(), []
    done: list[Outcome[int]] = []
    with IngestPipeline(_held_store(release, held), done.append, max_bytes=100) as pipe:
        pipe.submit(1, lambda x: x, (1,), size=60)
        assert done == []
        timer = threading.Timer(0.5, release.set)
        timer.start()
        pipe.submit(2, lambda x: x, (2,), size=60)
        assert [o.item for o in done][:1] == [1]  # waited for item 1
    timer.join()
    assert held == [True]


def test_the_backlog_holds_256_items_by_default() -> None:
    """256 items wait without blocking the requests; the 257th submit waits for the store
    (released 0.5 s later by a timer)."""
    release, held = threading.Event(), []
    done: list[Outcome[int]] = []
    with IngestPipeline(_held_store(release, held), done.append) as pipe:
        for k in range(256):
            pipe.submit(k, lambda x: x, (k,))
        assert done == []
        timer = threading.Timer(0.5, release.set)
        timer.start()
        pipe.submit(256, lambda x: x, (256,))
        assert done != []  # the 257th waited for the first group
    timer.join()
    assert held == [True]
    assert [o.item for o in done] == list(range(257))


def test_a_group_commit_holds_at_most_64_items_by_default() -> None:
    """What waits while a transaction runs joins the next ones, 64 items at most each."""
    release = threading.Event()
    sizes: list[int] = []

    def store(group: list[Checked[int, Any]]) -> list[Any]:
        sizes.append(len(group))
        if len(sizes) == 1:
            assert release.wait(5.0)
        return _store(group)

    done: list[Outcome[int]] = []
    with IngestPipeline(store, done.append, group_seconds=60.0) as pipe:
        pipe.submit(0, lambda x: x, (0,))
        for k in range(1, 200):
            pipe.submit(k, lambda x: x, (k,))
        release.set()
    assert [o.item for o in done] == list(range(200))
    assert max(sizes) == 64
    assert sum(sizes) == 200


def test_without_a_checker_a_respawn_starts_one_for_remote_checks() -> None:
    """A pipeline given only ``respawn`` starts a checking process for the first remote
    check (the items are checked there, by ``remote``, not here by ``check``)."""
    started: list[_Inline] = []

    def respawn() -> _Inline:
        started.append(_Inline())
        return started[-1]

    done: list[Any] = []
    with IngestPipeline(_store, lambda o: done.append(o.result), respawn=respawn) as pipe:
        pipe.submit(1, lambda x: ("here", x), (1,), remote=lambda x: ("there", x))
    assert done == [("stored", 1, ("there", 1))]
    assert len(started) == 1


class _Gated(Executor):
    """A checking process whose batches finish only once ``open()`` runs them."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = []
        self.is_open = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        if self.is_open:
            fut.set_result(fn(*args))
        else:
            self.waiting.append((fut, fn, args))
        return fut

    def open(self) -> None:
        self.is_open = True
        for fut, fn, args in self.waiting:
            fut.set_result(fn(*args))


def test_a_batch_mixing_items_checked_here_and_there_keeps_each_result() -> None:
    """While two batches are in flight, an item checked here (too big to copy) and one
    checked in the process form one batch: each gets its own check's result."""
    pool = _Gated()
    done: list[Any] = []
    with IngestPipeline(_store, lambda o: done.append(o.result if o.error is None
                                                      else repr(o.error)),
                        checker=pool, respawn=_Inline) as pipe:
        pipe.submit(1, lambda x: ("here", x), (1,), remote=lambda x: ("there", x))
        pipe.submit(2, lambda x: ("here", x), (2,), remote=lambda x: ("there", x))
        pipe.submit(3, lambda x: ("here", x), (3,))  # checked here
        pipe.submit(4, lambda x: ("here", x), (4,), remote=lambda x: ("there", x))
        assert len(pool.waiting) == 2  # 3 and 4 wait for a batch to finish
        pool.open()
    assert done == [("stored", 1, ("there", 1)), ("stored", 2, ("there", 2)),
                    ("stored", 3, ("here", 3)), ("stored", 4, ("there", 4))]


def test_a_checking_process_is_spawned_not_forked() -> None:
    """A fork of this multi-threaded process (Qt, store threads, the executor's) may copy a
    lock some other thread holds; the checking process starts fresh instead. A fresh
    interpreter has the default switch interval, a fork would inherit this one's."""
    import sys

    from dso_desktop.sync.pipeline import CheckingProcess

    saved = sys.getswitchinterval()
    sys.setswitchinterval(0.0123)
    try:
        pool = CheckingProcess(None).respawn()
    finally:
        sys.setswitchinterval(saved)
    try:
        sys.setswitchinterval(0.0123)  # the process starts with the first submit
        try:
            fut = pool.submit(sys.getswitchinterval)
        finally:
            sys.setswitchinterval(saved)
        assert fut.result(timeout=60) == 0.005
    finally:
        pool.shutdown(wait=True)
