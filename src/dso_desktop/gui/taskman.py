"""Background work for the GUI: one serial executor for the store, a pool for the network.

Results come back to the GUI thread through a Qt signal, so callbacks may touch widgets
(the pattern of Anki's ``aqt/taskman.py``). Op code running in a worker never touches widgets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot
from shiboken6 import isValid

log = logging.getLogger(__name__)

T = TypeVar("T")
ErrorCallback = Callable[[BaseException], None]


class TaskManager(QObject):
    """Runs callables off the GUI thread and delivers their results on the GUI thread."""

    _deliver = Signal(object)
    # Emitted on the GUI thread for an exception no caller handled.
    unhandled_error = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, network_workers: int = 4) -> None:
        super().__init__(parent)
        # A single thread owns every store call: SQLite sessions are not shared across
        # threads, and writes must be serial anyway.
        self._store = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dso-store")
        self._net = ThreadPoolExecutor(max_workers=network_workers, thread_name_prefix="dso-net")
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    # -- public API -------------------------------------------------------------------------

    def run_store(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: ErrorCallback | None = None,
        *,
        owner: QObject | None = None,
    ) -> Future[T]:
        """Run ``fn`` on the serial store thread; ``on_done(result)`` runs on the GUI thread."""
        return self._submit(self._store, fn, on_done, on_error, owner)

    def run_net(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: ErrorCallback | None = None,
        *,
        owner: QObject | None = None,
    ) -> Future[T]:
        """Run ``fn`` (network work: login, sync, send) on the pool."""
        return self._submit(self._net, fn, on_done, on_error, owner)

    def call_in_gui(self, fn: Callable[[], None]) -> None:
        """Schedule ``fn`` on the GUI thread from any thread."""
        self._deliver.emit(fn)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self._net.shutdown(wait=wait, cancel_futures=True)
        self._store.shutdown(wait=wait, cancel_futures=True)

    # -- internals --------------------------------------------------------------------------

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        fn: Callable[[], T],
        on_done: Callable[[T], None] | None,
        on_error: ErrorCallback | None,
        owner: QObject | None,
    ) -> Future[T]:
        if self._closed:
            # Shutting down: late follow-ups (a refresh after an import) are dropped.
            dropped: Future[T] = Future()
            dropped.cancel()
            return dropped
        with self._lock:
            self._pending += 1
            first = self._pending == 1
        if first:
            self.busy_changed.emit(True)
        future = pool.submit(fn)

        def finished(fut: Future[T]) -> None:
            def deliver() -> None:
                with self._lock:
                    self._pending -= 1
                    idle = self._pending == 0
                if idle:
                    self.busy_changed.emit(False)
                if owner is not None and not isValid(owner):
                    return  # the widget that asked is gone
                if fut.cancelled():
                    return
                exc = fut.exception()
                if exc is not None:
                    if on_error is not None:
                        on_error(exc)
                    else:
                        log.error("background task failed", exc_info=exc)
                        self.unhandled_error.emit(exc)
                    return
                if on_done is not None:
                    on_done(fut.result())

            if not self._closed and isValid(self):
                self._deliver.emit(deliver)

        future.add_done_callback(finished)
        return future

    @Slot(object)
    def _on_deliver(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as exc:  # one handler for every failure of a callback
            log.exception("GUI callback failed")
            self.unhandled_error.emit(exc)
