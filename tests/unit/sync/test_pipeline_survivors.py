"""Survivors of seed 20261212 (branch ``survstore5``) in `sync.pipeline`: what the
checking process is asked to do when a batch holds only items checked here; of seed
20261213 (branch ``survrest6``): a submit does not wait for items still being stored, and
how many fresh checking processes a run starts."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from dso_desktop.sync.pipeline import Checked, IngestPipeline


class _Recording(Executor):
    """A healthy checking process, run inline, that records every call it gets."""

    def __init__(self) -> None:
        self.calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls.append((fn, args))
        fut: Future[Any] = Future()
        fut.set_result(fn(*args, **kwargs))
        return fut


def _store(group: list[Checked[int, Any]]) -> list[Any]:
    return [("stored", c.item, c.checked) for c in group]


def test_items_checked_here_send_nothing_to_the_checking_process() -> None:
    """ZFOs too big to copy to the checking process (``remote=None``) are checked on the
    store thread; the process gets no call for them, not even an empty batch (a round
    trip for nothing, which also counts as a batch in flight and holds later items back)."""
    pool = _Recording()
    done: list[Any] = []
    with IngestPipeline(_store, lambda o: done.append(o.result), checker=pool,
                        respawn=_Recording) as pipe:
        for n in (1, 2, 3):
            pipe.submit(n, lambda x: x * 10, (n,))
        pipe.submit(4, lambda x: -1, (4,), remote=lambda x: x * 2)
    assert done == [("stored", 1, 10), ("stored", 2, 20), ("stored", 3, 30),
                    ("stored", 4, 8)]
    assert [len(args[0]) for _fn, args in pool.calls] == [1]  # the one remote item only


def test_submitting_takes_what_is_done_without_waiting_for_what_is_not() -> None:
    """``submit`` hands over the outcomes already stored and returns: it never waits for an
    item still being stored while the backlog is within its bounds (the sync goes on
    requesting meanwhile). Item 2's store is held until the third submit has returned."""
    import threading

    from dso_desktop.sync import pipeline as pl

    stored_1, storing_2, release = threading.Event(), threading.Event(), threading.Event()
    held: list[bool] = []

    def store(group: list[Checked[int, Any]]) -> list[Any]:
        if any(c.item == 2 for c in group):
            storing_2.set()
            held.append(release.wait(5.0))
        out = [("stored", c.item, c.checked) for c in group]
        if any(c.item == 1 for c in group):
            stored_1.set()
        return out

    done: list[Any] = []
    with pl.IngestPipeline(store, lambda o: done.append(o.result)) as pipe:
        pipe.submit(1, lambda x: x, (1,))
        assert stored_1.wait(5.0)
        pipe.submit(2, lambda x: x, (2,))
        assert storing_2.wait(5.0)  # item 1's outcome is queued: its group was written
        pipe.submit(3, lambda x: x, (3,))
        assert done == [("stored", 1, 1)]  # taken by a submit, item 2 still held
        release.set()
    assert held == [True]  # released by the test, not by its time-out
    assert done == [("stored", 1, 1), ("stored", 2, 2), ("stored", 3, 3)]


def test_a_checking_process_that_keeps_ending_is_replaced_max_respawns_times() -> None:
    """Each fresh checking process dies too: the pipeline starts MAX_RESPAWNS of them, no
    more, and then reports the remaining ZFOs as not checked."""
    from concurrent.futures.process import BrokenProcessPool

    from dso_desktop.sync import pipeline as pl

    class Dying(Executor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            fut: Future[Any] = Future()
            fut.set_exception(BrokenProcessPool("the worker died"))
            return fut

    started: list[Dying] = []

    def respawn() -> Dying:
        started.append(Dying())
        return started[-1]

    errors: list[str] = []
    n = pl.MAX_RESPAWNS + 3
    with pl.IngestPipeline(_store, lambda o: errors.append(str(o.error)), checker=Dying(),
                           respawn=respawn) as pipe:
        for k in range(n):
            pipe.submit(k, lambda x: x, (k,), remote=lambda x: x)
    assert len(started) == pl.MAX_RESPAWNS
    assert len(errors) == n
    assert errors[-1] == "the checking process keeps ending; not checked"
