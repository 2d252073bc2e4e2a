"""Update checks in the GUI: at start-up and every 24 hours, in the background, user decides."""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.gui import i18n
from dso_desktop.gui.taskman import TaskManager

log = logging.getLogger("dso_desktop.gui.updates")

FIRST_CHECK_DELAY_MS = 10_000  # after the window is up and the list has loaded
POLL_INTERVAL_MS = 60 * 60 * 1000  # check_due() decides whether 24 hours have passed
HEALTHY_AFTER_MS = 30_000  # a new version's start counts as good after this long up


class UpdateDialog(QDialog):
    """A new version: its notes, and install now / remind me later / skip this version."""

    INSTALL, LATER, SKIP = 1, 2, 3

    def __init__(self, parent: QWidget | None, result: Any) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New version of DSO Desktop"))
        self.setAccessibleName(self.windowTitle())
        lay = QVBoxLayout(self)
        size_mb = (result.size or 0) / 2**20
        lay.addWidget(QLabel(self.tr(
            "Version {new} is available (you have {current}, download {size:.1f} MB)."
        ).format(new=result.available, current=result.current, size=size_mb)))
        notes = result.notes_cs if i18n.current() == "cs" else result.notes_en
        browser = QTextBrowser()
        browser.setPlainText(notes or result.notes_cs or result.notes_en or "")
        browser.setAccessibleName(self.tr("Release notes"))
        lay.addWidget(browser)
        lay.addWidget(QLabel(self.tr(
            "The new version is verified before it is installed and is used from the next "
            "start; your messages and settings are not touched.")))
        buttons = QDialogButtonBox()
        self.choice = self.LATER
        for text, choice, role in (
            (self.tr("&Install now"), self.INSTALL, QDialogButtonBox.ButtonRole.AcceptRole),
            (self.tr("&Remind me later"), self.LATER, QDialogButtonBox.ButtonRole.RejectRole),
            (self.tr("&Skip this version"), self.SKIP, QDialogButtonBox.ButtonRole.DestructiveRole),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            buttons.addButton(button, role)
        lay.addWidget(buttons)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        self.accept()


def show_launcher_notice(window: QWidget, notice: dict[str, Any] | None) -> str | None:
    """The launcher's message after an update or a rollback, Czech first; the text shown."""
    if not notice:
        return None
    cs = i18n.current() == "cs"
    text = str((notice.get("message_cs") if cs else notice.get("message_en"))
               or notice.get("message_cs") or notice.get("message_en") or "")
    if not text:
        return None
    title = QCoreApplication.translate("UpdateController", "Update")
    if notice.get("kind") == "updated":
        QMessageBox.information(window, title, text)
    else:
        QMessageBox.warning(window, title, text)
    return text


class StartWatch(QObject):
    """Each GUI start of an installed copy: tell what the launcher did, report a good start.

    The launcher keeps a freshly installed version on trial and goes back to the previous
    one after two abnormal ends. A start counts as healthy once the main window has been
    shown and the event loop has run for ``HEALTHY_AFTER_MS`` (the timer fires only then),
    so a crash hours later, or a PC shut down with the program open, is not held against
    the new version.
    """

    reported = Signal(bool)  # True when a healthy start was recorded for a version on trial

    def __init__(self, window: QWidget, tasks: TaskManager,
                 healthy_after_ms: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.tasks = tasks
        self.healthy_after_ms = HEALTHY_AFTER_MS if healthy_after_ms is None \
            else healthy_after_ms

    def start(self) -> None:
        from dso_desktop.update.layout import InstallLayout, find_install_root

        root = find_install_root()
        if root is None:
            return
        try:
            notice = InstallLayout(root).take_notice()
        except OSError as exc:  # a read-only install folder: nothing to show, nothing lost
            log.info("launcher notice unreadable: %s", type(exc).__name__)
            notice = None
        show_launcher_notice(self.window, notice)
        QTimer.singleShot(self.healthy_after_ms, self._report)

    def _report(self) -> None:
        from dso_desktop.update.layout import report_healthy_start

        self.tasks.run_store(report_healthy_start, self.reported.emit,
                             lambda exc: log.info("healthy start not recorded: %s", exc),
                             owner=self)


def problem_text(problem: dict[str, Any] | None) -> str:
    """A failed check's cause in the current language (Czech first), for the clerk."""
    if not problem:
        return ""
    if i18n.current() == "en":
        return str(problem.get("text_en") or problem.get("message_en") or "")
    return str(problem.get("message_cs") or problem.get("text_en") or "")


class UpdateController(QObject):
    """Drives ``update.service.UpdateService`` from the GUI; never blocks the GUI thread.

    Exists only for an installed copy (the launcher's layout): a source checkout or the
    training mode cannot replace itself, so it makes no network request at all. The
    scheduled checks run only when the settings allow them (``start(schedule=True)``);
    "Zkontrolovat aktualizace" (``check_now``) works either way. No check fails silently:
    a failure's cause goes to ``problem_changed`` (the warnings panel, the settings page),
    and a check the user asked for answers in a message box whatever its outcome.
    """

    available = Signal(object)  # CheckResult with a version to offer
    problem_changed = Signal(object)  # the last check's failure (dict) or None
    state_changed = Signal(object)  # {"managed", "problem", "last_result"} for settings

    def __init__(self, window: QWidget, tasks: TaskManager, service: Any) -> None:
        super().__init__(window)
        self.window = window
        self.tasks = tasks
        self.service = service
        self.problem: dict[str, Any] | None = None
        self.managed = False
        self.admin_locked = False  # update-policy.json "enabled": false
        self.last_result: dict[str, Any] | None = None
        self._busy = False
        self._cancel = threading.Event()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self.check_if_due)
        self.available.connect(self._offer)

    def start(self, schedule: bool = True) -> None:
        # The launcher's notice is shown by StartWatch on every start, checks on or off.
        self.refresh_state()  # a failure recorded earlier (another run, the CLI) shows now
        if schedule:
            QTimer.singleShot(FIRST_CHECK_DELAY_MS, self.check_if_due)
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._cancel.set()

    def refresh_state(self) -> None:
        """Read managed / last failure / last result off the GUI thread, then tell."""
        service = self.service

        def work() -> dict[str, Any]:
            settings = service.settings()
            return {"managed": service.managed(), "admin_locked": service.admin_locked(),
                    "problem": service.last_problem(), "last_result": settings.last_result}

        self.tasks.run_store(work, self._state,
                             lambda exc: log.info("update state unreadable: %s", exc),
                             owner=self)

    def _state(self, state: dict[str, Any]) -> None:
        self.managed = bool(state.get("managed"))
        self.admin_locked = bool(state.get("admin_locked"))
        self.last_result = state.get("last_result")
        self._set_problem(None if self.managed else state.get("problem"))
        self.state_changed.emit(state)

    def _set_problem(self, problem: dict[str, Any] | None) -> None:
        self.problem = problem
        self.problem_changed.emit(problem)

    def check_if_due(self) -> None:
        if self._busy:
            return
        self._busy = True

        def work() -> Any:
            return self.service.check(scheduled=True) if self.service.check_due() else None

        self.tasks.run_net(work, self._checked, self._failed, owner=self)

    def _checked(self, result: Any) -> None:
        self._busy = False
        if result is not None:
            self.refresh_state()  # clears a failure shown before
            if getattr(result, "prompt", False):
                self.available.emit(result)

    def _failed(self, exc: BaseException) -> None:
        # Not fatal (an offline office PC is normal) and retried at the next poll, but shown:
        # the warnings panel and the settings page tell the cause until a check succeeds.
        self._busy = False
        log.info("update check failed: %s", type(exc).__name__)
        self._record_failure(exc)

    def _record_failure(self, exc: BaseException) -> dict[str, Any] | None:
        from dso_desktop.update.errors import describe_problem

        problem = describe_problem(exc)
        if problem["kind"] in ("disabled", "managed", "cancelled"):
            self.refresh_state()
            return None
        self._set_problem(problem)
        self.state_changed.emit({"managed": self.managed, "admin_locked": self.admin_locked,
                                 "problem": problem, "last_result": self.last_result})
        return problem

    def check_now(self, parent: QWidget | None = None) -> None:
        """"Zkontrolovat aktualizace": a check right now, whatever the schedule says.

        Forced (it does not move the scheduled check's clock); a newer version is offered
        even if skipped before (the user asked), except one that failed on this computer.
        Every outcome is said in a message box.
        """
        where = parent or self.window
        title = self.tr("Check for updates")
        if self._busy:
            QMessageBox.information(where, title, self.tr("A check is already running."))
            return
        self._busy = True

        def done(result: Any) -> None:
            self._busy = False
            self.refresh_state()
            if result.available and result.reason != "failed-before":
                self.available.emit(result)
            elif result.available:
                QMessageBox.information(where, title, self.tr(
                    "Version {v} is available, but it failed on this computer before and "
                    "is not installed again. Wait for a newer version.").format(
                        v=result.available))
            else:
                QMessageBox.information(where, title, self.tr(
                    "DSO Desktop {v} is up to date.").format(v=result.current))

        def failed(exc: BaseException) -> None:
            self._busy = False
            from dso_desktop.update.errors import describe_problem

            problem = describe_problem(exc)
            self._record_failure(exc)
            if problem["kind"] in ("managed", "disabled"):
                QMessageBox.information(where, title, problem_text(problem))
            else:
                QMessageBox.warning(where, title, problem_text(problem))

        def work() -> Any:
            from dso_desktop.update.errors import UpdatesDisabled

            # The administrator's "enabled": false holds for "check now" too (the user's
            # own switch does not: asking is turning it on for once).
            if self.service.admin_locked():
                raise UpdatesDisabled("update checks are turned off by the administrator")
            return self.service.check(force=True)

        self.tasks.run_net(work, done, failed, owner=self)

    def _offer(self, result: Any) -> None:
        dialog = UpdateDialog(self.window, result)
        dialog.exec()
        if dialog.choice == UpdateDialog.SKIP:
            self.tasks.run_store(lambda: self.service.skip_version(result.available))
        elif dialog.choice == UpdateDialog.LATER:
            self.tasks.run_store(self.service.remind_later)
        else:
            self._install(result)

    def _install(self, result: Any) -> None:
        progress = QProgressDialog(self.tr("Downloading version {v}…").format(
            v=result.available), self.tr("Cancel"), 0, 100, self.window)
        progress.setWindowTitle(self.tr("Update"))
        progress.setMinimumDuration(0)
        self._cancel.clear()
        progress.canceled.connect(self._cancel.set)

        def report(done: int, total: int) -> None:
            if total > 0:
                self.tasks.call_in_gui(lambda: progress.setValue(int(done * 100 / total)))

        def work() -> Any:
            self.service.download(report, self._cancel)
            return self.service.stage()

        def done(_staged: Any) -> None:
            progress.close()
            QMessageBox.information(self.window, self.tr("Update"), self.tr(
                "Version {v} is ready. It will be used the next time you start DSO Desktop."
            ).format(v=result.available))

        def failed(exc: BaseException) -> None:
            progress.close()
            message = getattr(exc, "message_cs", None) if i18n.current() == "cs" \
                else None
            QMessageBox.warning(self.window, self.tr("Update"),
                                str(message or exc) or self.tr("The update failed."))

        self.tasks.run_net(work, done, failed, owner=self)


def make_controller(window: QWidget, tasks: TaskManager, paths: Any, *,
                    demo: bool, net_config: Any = None) -> UpdateController | None:
    """The controller for an installed copy, or None (source checkout, training mode).

    ``net_config``: the app's HTTP settings (``App.net_config``, a callable read at each
    check), so the user's proxy applies to updates as it does to ISDS.
    """
    if demo:
        return None
    from dso_desktop.update.layout import find_install_root
    from dso_desktop.update.service import UpdateService

    if find_install_root() is None:
        return None
    return UpdateController(window, tasks, UpdateService(paths, net_config=net_config))
