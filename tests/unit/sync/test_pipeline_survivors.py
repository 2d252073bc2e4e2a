"""Survivors of seed 20261212 (branch ``survstore5``) in `sync.pipeline`: what the
checking process is asked to do when a batch holds only items checked here."""

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
