"""The lazy message model and the task manager, and the PySide6 refcount guard."""

from __future__ import annotations

import sys
import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer

from dso_desktop.domain import Direction
from dso_desktop.gui.models import MessageListModel
from dso_desktop.gui.taskman import TaskManager
from dso_desktop.store.records import MessageRow


def _row(id: int, dm_id: str, subject: str) -> MessageRow:
    """A row as the store hands it out (the model reads MessageRow attributes)."""
    return MessageRow(id=id, dm_id=dm_id, account=None, direction=Direction.RECEIVED,
                      subject=subject, sender=None, sender_box_id=None, recipient=None,
                      recipient_box_id=None, status=None, delivered_at=None,
                      accepted_at=None, verdict=None, is_read=True, downloaded=True,
                      attachment_count=0, big_message=False)


def test_model_holds_ids_and_fetches_only_requested_pages(qtbot: Any) -> None:
    tasks = TaskManager()
    asked: list[list[int]] = []

    def fetch(ids: list[int]) -> list[MessageRow]:
        asked.append(list(ids))
        return [_row(i, str(1_000_000 + i), f"Zpráva {i}") for i in ids]

    model = MessageListModel(tasks, fetch)
    model.set_ids(list(range(100_000)))
    assert model.rowCount() == 100_000 and asked == []
    assert model.data(model.index(50_123, 2)) == "…"  # not loaded yet: a placeholder
    with qtbot.waitSignal(model.page_loaded, timeout=5_000) as page:
        pass
    assert page.args == [50_123 // model.PAGE]
    assert model.data(model.index(50_123, 2)) == "Zpráva 50123"
    assert model.data(model.index(50_123, 1)) == "1050123"
    assert len(asked) == 1 and len(asked[0]) == model.PAGE
    for p in range(model.MAX_PAGES + 5):  # the cache stays bounded
        with qtbot.waitSignal(model.page_loaded, timeout=5_000):
            model.prefetch(p * model.PAGE)
    assert len(model._pages) == model.MAX_PAGES
    tasks.shutdown()


def test_sorting_asks_the_store_for_a_new_order(qtbot: Any) -> None:
    tasks = TaskManager()
    model = MessageListModel(tasks, lambda ids: [])
    with qtbot.waitSignal(model.sort_requested) as sig:
        model.sort(2, Qt.SortOrder.DescendingOrder)
    assert sig.args == ["subject", True]
    with qtbot.waitSignal(model.sort_requested) as sig:
        model.sort(3, Qt.SortOrder.AscendingOrder)
    assert sig.args == ["sender_name", False]
    tasks.shutdown()


def test_store_work_is_serial_and_results_come_back_on_the_gui_thread(qtbot: Any) -> None:
    tasks = TaskManager()
    gui = threading.get_ident()
    workers: set[int] = set()
    results: list[tuple[int, int]] = []
    for n in range(20):
        tasks.run_store(
            lambda n=n: (workers.add(threading.get_ident()), n)[1],
            lambda r: results.append((r, threading.get_ident())),
        )
    qtbot.waitUntil(lambda: len(results) == 20, timeout=5_000)
    assert [r for r, _ in results] == list(range(20))  # in order
    assert {t for _, t in results} == {gui}
    assert len(workers) == 1 and gui not in workers
    errors: list[BaseException] = []
    tasks.run_net(lambda: 1 / 0, None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert isinstance(errors[0], ZeroDivisionError)
    tasks.shutdown()
    dropped = tasks.run_store(lambda: 1)
    assert dropped.cancelled()


def test_qt_slot_calls_keep_none_and_bools_alive(qapp: Any) -> None:
    """PySide6 6.12.0 on Python 3.11 lost a reference to None on every slot call."""

    class Beat(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.n = 0

        def tick(self) -> None:
            self.n += 1

    beat = Beat()
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(beat.tick)
    before_none, before_true = sys.getrefcount(None), sys.getrefcount(True)
    timer.start()
    while beat.n < 500:
        QCoreApplication.processEvents()
    timer.stop()
    assert sys.getrefcount(None) - before_none > -50
    assert sys.getrefcount(True) - before_true > -50
