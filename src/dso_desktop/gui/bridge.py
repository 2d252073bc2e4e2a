"""Event bridge: callbacks called by services in worker threads become Qt signals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot


class ProgressBridge(QObject):
    """Hands a plain callable to the sync engine; each call is re-emitted on the GUI thread.

    Electrum's event bridge: the core knows nothing about Qt, the GUI gets signals.
    """

    progress = Signal(object)  # a SyncProgress (or any progress object of a service)
    mobile_key_state = Signal(object)

    def callback(self) -> Callable[[Any], None]:
        def emit(event: Any) -> None:
            self.progress.emit(event)

        return emit

    def mobile_key_observer(self) -> Callable[[Any], None]:
        def emit(state: Any) -> None:
            self.mobile_key_state.emit(state)

        return emit


class BlockingPrompt(QObject):
    """Lets a worker thread ask the user something and wait for the answer.

    The worker calls the object (for example as ``otp_provider(challenge)``); the question is
    shown on the GUI thread by ``ask``; the worker blocks until the GUI answers, or until
    ``cancel`` (a ``threading.Event``) is set. An empty answer means "cancelled".
    """

    _request = Signal(object, object)

    def __init__(
        self,
        ask: Callable[[Any], str | None],
        cancel: threading.Event | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ask = ask
        self._cancel = cancel
        self._request.connect(self._on_request, Qt.ConnectionType.QueuedConnection)

    def __call__(self, question: Any = None) -> str:
        done = threading.Event()
        box: dict[str, str | None] = {"answer": None}
        self._request.emit(question, (done, box))
        while not done.wait(0.1):
            if self._cancel is not None and self._cancel.is_set():
                return ""
        return box["answer"] or ""

    @Slot(object, object)
    def _on_request(self, question: Any, reply: tuple[threading.Event, dict[str, Any]]) -> None:
        done, box = reply
        try:
            box["answer"] = self._ask(question)
        finally:
            done.set()
