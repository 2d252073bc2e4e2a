"""`--screenshot FILE --window W`: render one window once its data is loaded, save a PNG."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSplitter, QWidget

if TYPE_CHECKING:
    from dso_desktop.gui.mainwindow import MainWindow

log = logging.getLogger(__name__)
SETTLE_MS = 600
DIALOG_CLASSES = {"password": "PasswordDialog", "account": "AccountEditDialog"}


class ScreenshotTaker(QObject):
    """Selects a message (preferring one with attachments), opens the window, grabs it."""

    done = Signal(bool)

    def __init__(self, window: MainWindow, which: str, path: Path) -> None:
        super().__init__(window)
        self.window = window
        self.which = which
        self.path = Path(path)
        self._target: QWidget | None = None
        self._started = False

    def start(self) -> None:
        # The list of the selected folder is (re)loading after the sync: wait for it.
        self.window.list_loaded.connect(self._list_loaded)
        QTimer.singleShot(3000, lambda: self._list_loaded(self.window.model.rowCount()))

    def _list_loaded(self, n: int) -> None:
        if self._started:
            return
        self._started = True
        w = self.window
        if n == 0:
            self._after_settle()
            return
        w.model.page_loaded.connect(self._page_loaded)
        w.model.data(w.model.index(0, 2))  # asks for the first page
        if w.model.cached_row(0) is not None:
            self._page_loaded(0)

    def _page_loaded(self, _page: int) -> None:
        w = self.window
        with contextlib.suppress(RuntimeError, TypeError):
            w.model.page_loaded.disconnect(self._page_loaded)
        row = 0
        for r in range(min(w.model.rowCount(), w.model.PAGE)):
            cached = w.model.cached_row(r)
            if cached is not None and cached.attachment_count > 1:
                row = r
                break
        w.detail.message_loaded.connect(self._detail_loaded)
        w.table.selectRow(row)

    def _detail_loaded(self, _id: int) -> None:
        self.window.detail.message_loaded.disconnect(self._detail_loaded)
        w = self.window
        if self.which == "compose":
            dlg = w.compose_reply()
            if dlg is not None:  # None only without a message to reply to
                self._target = dlg
                # Show the recipient search at work, as a clerk would use it.
                dlg.query.setText("úřad")
                dlg.search_done.connect(lambda _n: self._after_settle())
                dlg.search()
                return
        elif self.which == "wizard":
            self._target = w.add_account()
        elif self.which == "handover":
            # "Předat do spisové služby" with the training records service's target nodes.
            dlg = w.open_handover()
            self._target = dlg
            if w.ctx.records_info is not None:
                dlg.nodes_loaded.connect(self._after_settle)
                dlg.fetch_nodes()
                return
        elif self.which == "documents":
            self._target = w.open_documents()
        elif self.which == "overview":
            self._target = w.open_overview()
        elif self.which == "filters":
            # The filter bar at work: a party and a state, combined with the quick filter.
            bar = w.filter_bar
            bar.party.setText("úřad")
            bar.state.setCurrentIndex(2)  # "Přijata": what most demo messages are
            w.list_loaded.connect(lambda _n: self._after_settle())
            return
        elif self.which in ("password", "account"):
            # Both dialogs open once the account is read off the GUI thread: wait for them.
            if self.which == "password":
                w.change_password()
            else:
                w.edit_account()
            self._wait_for_dialog(DIALOG_CLASSES[self.which], 50)
            return
        elif self.which == "manual":
            self._target = w.open_help()
        elif self.which == "detail":
            self._target = w.detail
            splitter = w.detail.parentWidget()
            if isinstance(splitter, QSplitter):
                splitter.setSizes([170, 600])
        self._after_settle()

    def _wait_for_dialog(self, class_name: str, tries: int) -> None:
        for top in QApplication.topLevelWidgets():
            if type(top).__name__ == class_name and top.isVisible():
                self._target = top
                self._after_settle()
                return
        if tries <= 0:
            log.warning("screenshot: no %s appeared; the main window is shown", class_name)
            self._after_settle()
            return
        QTimer.singleShot(100, lambda: self._wait_for_dialog(class_name, tries - 1))

    def _after_settle(self) -> None:
        QTimer.singleShot(SETTLE_MS, self._grab)

    def _grab(self) -> None:
        target = self._target or self.window
        if target is not self.window.detail and target is not self.window:
            target.raise_()
            target.activateWindow()
        QApplication.processEvents()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ok = target.grab().save(str(self.path), "PNG")
        log.info("screenshot of %s written to %s: %s", self.which, self.path, ok)
        self.done.emit(bool(ok))
