"""Benchmark hooks: start to first painted message list, peak RSS, scrolling the whole list."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

if TYPE_CHECKING:
    from dso_desktop.gui.mainwindow import MainWindow


def peak_rss_mb() -> float | None:
    """This process's own peak RSS (`dso_desktop.peakmem`: not its starter's)."""
    from dso_desktop.peakmem import peak_rss_mb as peak

    mb = peak()
    return None if mb is None else round(mb, 1)


class StartupMeasure(QObject):
    """Emits ``finished(dict)`` after the list viewport paints with loaded rows.

    With ``scroll=True`` it then scrolls the list top to bottom one page per step and
    records the longest gap between ticks of a 5 ms heartbeat timer (the longest time
    the event loop was blocked).
    """

    finished = Signal(dict)

    def __init__(self, window: MainWindow, started: float, *, scroll: bool = False) -> None:
        super().__init__(window)
        self.window = window
        self.started = started
        self.scroll = scroll
        self.result: dict[str, Any] = {}
        self._rows_ready = False
        self._list_count = 0
        self._list_done = False
        self._waiting_to_scroll = False
        # Pages moved per scroll step (DSO_MEASURE_SCROLL_PAGES, default 1): the million-
        # message bench moves 10 at a time, so every step lands on rows not loaded yet.
        self._step_pages = max(1, int(os.environ.get("DSO_MEASURE_SCROLL_PAGES", "1")))
        window.list_loaded.connect(self._list_loaded)
        window.model.page_loaded.connect(self._page_loaded)
        window.table.viewport().installEventFilter(self)

    def _list_loaded(self, n: int) -> None:
        # The whole list is in (its first keyset page may have painted before it).
        self._list_count = n
        self._list_done = True
        if n == 0:
            self._rows_ready = True
            self.window.table.viewport().update()
        elif self._waiting_to_scroll:
            self._waiting_to_scroll = False
            self._start_scroll()

    def _page_loaded(self, page: int) -> None:
        if page == 0:
            self._rows_ready = True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Paint
            and self._rows_ready
            and "first_paint_s" not in self.result
        ):
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        if "first_paint_s" in self.result:
            return
        self.result.update(
            {
                "first_paint_s": round(time.perf_counter() - self.started, 4),
                "messages": self._list_count or self.window.model.rowCount(),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
        self.window.table.viewport().removeEventFilter(self)
        if self.scroll and not self._list_done:
            self._waiting_to_scroll = True  # scroll the whole list, once it is all in
        elif self.scroll and self._list_count:
            self._start_scroll()
        else:
            self.finished.emit(self.result)

    def _start_scroll(self) -> None:
        bar = self.window.table.verticalScrollBar()
        self._bar = bar
        self._max_gap = 0.0
        self._max_gap_cpu = 0.0
        self._last = time.perf_counter()
        # The GUI thread's own CPU time over each gap: a long gap with little CPU in it is
        # time the thread waited (for the GIL or for a core of a loaded machine), not work
        # done on the GUI thread.
        self._last_cpu = time.thread_time()
        self._scroll_start = self._last
        self._heart = QTimer(self)
        self._heart.setInterval(5)
        self._heart.timeout.connect(self._beat)
        self._heart.start()
        self._stepper = QTimer(self)
        self._stepper.setInterval(16)
        self._stepper.timeout.connect(self._step)
        self._stepper.start()

    def _beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if now - self._last > self._max_gap:
            self._max_gap = now - self._last
            self._max_gap_cpu = cpu - self._last_cpu
        self._last, self._last_cpu = now, cpu

    def _step(self) -> None:
        bar = self._bar
        if bar.value() >= bar.maximum():
            self._stepper.stop()
            self._heart.stop()
            self.result.update(
                {
                    "scroll_s": round(time.perf_counter() - self._scroll_start, 3),
                    "scroll_longest_block_ms": round(self._max_gap * 1000, 1),
                    "scroll_longest_block_cpu_ms": round(self._max_gap_cpu * 1000, 1),
                    "messages": self._list_count,
                    "peak_rss_mb": peak_rss_mb(),
                }
            )
            self.finished.emit(self.result)
            return
        bar.setValue(bar.value() + bar.pageStep() * self._step_pages)
