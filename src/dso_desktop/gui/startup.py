"""Start-up sequence: open the archive off the GUI thread, build the window, run the mode."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from dso_desktop.gui import i18n
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import describe
from dso_desktop.gui.taskman import TaskManager

if TYPE_CHECKING:
    from dso_desktop.app import App
    from dso_desktop.gui.demo import DemoSession
    from dso_desktop.gui.mainwindow import MainWindow
    from dso_desktop.gui.updates import UpdateController
    from dso_desktop.paths import AppPaths

log = logging.getLogger(__name__)


class Launcher(QObject):
    """Owns the task manager, the services and the main window for one run."""

    def __init__(self, args: argparse.Namespace, paths: AppPaths, *, started: float) -> None:
        super().__init__()
        self.args = args
        self.paths = paths
        self.started = started
        self.tasks = TaskManager(self)
        self.tasks.unhandled_error.connect(self._unhandled)
        self.app: App | None = None
        self.ctx: GuiContext | None = None
        self.window: MainWindow | None = None
        self.demo: DemoSession | None = None
        self.updates: UpdateController | None = None
        self.exit_code = 0

    # -- sequence ---------------------------------------------------------------------------

    def start(self) -> None:
        demo = bool(self.args.demo)
        paths = self.paths

        def open_app() -> tuple[App, str]:
            from dso_desktop.app import App
            from dso_desktop.gui.prefs import GuiPrefs

            anchors = [Path(p) for p in GuiPrefs.load(paths).trust_anchors]
            app = App.open(paths, demo=demo, trust_anchors=anchors)
            try:
                lang = app.settings.get().language
            except Exception:  # unreadable settings: keep the default language
                lang = i18n.DEFAULT_LANGUAGE
            return app, lang

        self.tasks.run_store(open_app, self._opened, self._fatal)

    def _opened(self, opened: tuple[App, str]) -> None:
        import gc

        from dso_desktop.gui.mainwindow import MainWindow

        # Everything imported so far lives for the whole run: keep it out of the garbage
        # collector's full passes, which otherwise stall the event loop while scrolling.
        gc.freeze()

        app, lang = opened
        self.app = app
        if self.args.lang is None:
            i18n.install(lang)
        self.ctx = GuiContext(app=app, tasks=self.tasks, paths=self.paths, demo=self.args.demo)
        self.window = MainWindow(self.ctx)
        self.window.language_changed = self.rebuild_window
        self.window.quit_requested.connect(self._quit)
        if self.args.measure_startup:
            from dso_desktop.gui.measure import StartupMeasure

            opened_s = round(time.perf_counter() - self.started, 4)
            self._measure = StartupMeasure(
                self.window, self.started, scroll=self.args.measure_scroll
            )
            self._measure.result["archive_open_s"] = opened_s
            self._measure.finished.connect(self._measured)
        self.window.show()
        self._watch_start()
        if self.args.demo:
            from dso_desktop.gui.demo import DemoSession

            self.demo = DemoSession(self.ctx, self.window, messages=self.args.demo_messages,
                                   evidence_days=self.args.demo_evidence_days)
            self.demo.ready.connect(self._demo_ready)
            self.demo.failed.connect(self._fatal)
            self.demo.start()
        else:
            self.window.start()
            self._start_update_checks()
            if not (self.args.screenshot or self.args.measure_startup or self.args.files):
                from dso_desktop.gui.backupui import maybe_first_start

                maybe_first_start(self.window)  # issue 21: restore / Datovka / add a box
            for f in self.args.files:
                self.window.open_zfo(f)
            if self.args.screenshot:
                self.window.list_loaded.connect(self._take_screenshot_soon)

    def _watch_start(self) -> None:
        """The launcher's notice (e.g. a rollback) and a new version's healthy-start mark:
        on every interactive start, whatever the update-check setting says."""
        if self.args.screenshot or self.args.measure_startup:
            return
        from dso_desktop.gui.updates import StartWatch

        assert self.window is not None
        try:
            self.start_watch = StartWatch(self.window, self.tasks)
            self.start_watch.start()
        except Exception as exc:  # never keep the archive from opening
            log.warning("start-up notice unavailable: %s", exc)

    def _start_update_checks(self) -> None:
        """The update controller of an installed copy: "check now" and the settings page
        always; the background checks when the settings allow them. Its failures show in
        the warnings panel."""
        from dso_desktop.gui.prefs import GuiPrefs

        if self.args.screenshot or self.args.measure_startup:
            return
        from dso_desktop.gui.updates import make_controller

        assert self.ctx is not None and self.window is not None
        try:
            self.updates = make_controller(self.window, self.tasks, self.paths, demo=False,
                                           net_config=self.ctx.app.net_config)
        except Exception as exc:  # update checks must never keep the archive from opening
            log.warning("update checks unavailable: %s", exc)
            return
        self.ctx.updates = self.updates
        if self.updates is not None:
            self.updates.problem_changed.connect(self.window.set_update_problem)
            self.updates.start(schedule=GuiPrefs.load(self.paths).check_updates)

    def rebuild_window(self) -> None:
        """Recreate the main window after a language switch (all texts come from tr())."""
        from dso_desktop.gui.mainwindow import MainWindow

        assert self.ctx is not None and self.window is not None
        old = self.window
        geometry = old.saveGeometry()
        old.save_layout()  # the new window starts with the same splitters, columns, folder
        self.window = MainWindow(self.ctx)
        self.window.language_changed = self.rebuild_window
        self.window.quit_requested.connect(self._quit)
        self.window.restoreGeometry(geometry)
        self.window.show()
        self.window.start()
        if self.updates is not None:
            self.updates.stop()
            self.updates = None
            self._start_update_checks()
        old.close_for_good()
        old.deleteLater()

    def _demo_ready(self) -> None:
        if self.args.screenshot:
            self._take_screenshot_soon()

    # -- screenshot -------------------------------------------------------------------------

    def _take_screenshot_soon(self, *_a: Any) -> None:
        from dso_desktop.gui.screenshot import ScreenshotTaker

        if getattr(self, "_shooter", None) is not None:
            return
        assert self.window is not None
        self._shooter = ScreenshotTaker(self.window, self.args.window, self.args.screenshot)
        self._shooter.done.connect(self._screenshot_done)
        self._shooter.start()

    def _screenshot_done(self, ok: bool) -> None:
        self.exit_code = 0 if ok else 1
        QTimer.singleShot(0, self._quit)

    # -- measurement ------------------------------------------------------------------------

    def _measured(self, result: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
        QTimer.singleShot(0, self._quit)

    # -- failures and shutdown --------------------------------------------------------------

    def _fatal(self, exc: BaseException) -> None:
        log.error("start-up failed", exc_info=exc)
        plain, detail = describe(exc)
        self.exit_code = 1
        if self.args.screenshot or self.args.measure_startup:
            sys.stderr.write(f"dso-desktop: {plain}\n{detail}\n")
            QTimer.singleShot(0, self._quit)
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "DSO Desktop", plain)
        box.setInformativeText(detail)
        box.exec()
        QTimer.singleShot(0, self._quit)

    def _unhandled(self, exc: BaseException) -> None:
        plain, detail = describe(exc)
        if self.args.screenshot or self.args.measure_startup:
            sys.stderr.write(f"dso-desktop: {plain}\n{detail}\n")
            return
        parent = self.window if self.window is not None else None
        box = QMessageBox(QMessageBox.Icon.Warning, "DSO Desktop", plain, parent=parent)
        box.setInformativeText(detail)
        box.open()

    def _quit(self) -> None:
        app = QApplication.instance()
        if self.window is not None:
            self.window.close_for_good()
        if app is not None:
            app.exit(self.exit_code)

    def shutdown(self) -> None:
        deadline = time.monotonic() + 10
        if self.window is not None:
            self.window.sync.cancel_all()
        if self.demo is not None:
            self.demo.stop()
        if self.updates is not None:
            self.updates.stop()
        app = self.app
        if app is not None:
            try:
                self.tasks.run_store(app.close).result(
                    timeout=max(1.0, deadline - time.monotonic())
                )
            except Exception as exc:  # closing must not hide the real exit code
                log.warning("closing the archive failed: %s", exc)
        self.tasks.shutdown(wait=True)
