"""The archive check from the menu: re-verify every stored ZFO off the GUI thread, with
progress, and say in plain words which evidence is untrusted, invalid or in conflict; where
stored verdicts differ from today's, offer to store today's."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton, QWidget

from dso_desktop.domain import IntegrityProblemKind, VerdictKind, text
from dso_desktop.gui import i18n

if TYPE_CHECKING:
    from dso_desktop.gui.context import GuiContext
    from dso_desktop.services.types import IntegrityReport, VerdictRefresh

translate = QCoreApplication.translate
MAX_LISTED = 30  # lines in the summary; the full list is in the details


def problem_label(problem: str) -> str:
    """The problem's label from the shared vocabulary (`domain.TEXTS`), in the UI language."""
    try:
        kind = IntegrityProblemKind(problem)
    except ValueError:
        return problem
    return text(kind, i18n.current())


def report_text(report: IntegrityReport) -> str:
    """The result in the user's language: a verdict line, then one line per problem."""
    checked = report.checked
    ok = report.ok
    problems = report.problems
    if report.clean:
        head = translate("Integrity", "The archive is in order: %1 of %2 signed messages "
                         "verify.").replace("%1", str(ok)).replace("%2", str(checked))
    else:
        head = translate("Integrity", "The archive needs attention: %1 of %2 signed "
                         "messages verify, %3 problems found.").replace(
            "%1", str(ok)).replace("%2", str(checked)).replace("%3", str(len(problems)))
    lines = [head]
    for p in problems[:MAX_LISTED]:
        lines.append(f"• {p.dm_id or '—'}: {problem_label(p.problem)}")
    if len(problems) > MAX_LISTED:
        lines.append(translate("Integrity", "… and %1 more").replace(
            "%1", str(len(problems) - MAX_LISTED)))
    return "\n".join(lines)


def _verdict_label(kind: str | None) -> str:
    if kind is None:
        return translate("Integrity", "not verified")
    try:
        return text(VerdictKind(kind), i18n.current())
    except ValueError:
        return kind


def verdicts_text(verdicts: VerdictRefresh) -> str:
    """The stored verdicts today's verification changes, found or stored, one line per
    change (empty: none)."""
    lines: list[str] = []
    if verdicts.stored and verdicts.cancelled:
        lines.append(translate("Integrity", "Stopped: the results stored so far stay, the "
                               "others are unchanged."))
    if verdicts.differing and verdicts.stored:
        lines.append(translate("Integrity", "%1 new verification results stored; each change "
                               "is in its message's history.").replace(
            "%1", str(verdicts.differing)))
    elif verdicts.differing:
        lines.append(translate("Integrity", "%1 stored verification results differ from "
                               "today's verification:").replace("%1", str(verdicts.differing)))
    evidence = {"message": translate("Integrity", "data message"),
                "delivery-info": translate("Integrity", "delivery info")}
    for c in verdicts.changes:
        lines.append(f"• {evidence.get(c.evidence, c.evidence)}: {_verdict_label(c.old)} → "
                     f"{_verdict_label(c.new)}: {c.count}")
    if verdicts.skipped:
        lines.append(translate("Integrity", "%1 results were changed meanwhile by someone "
                               "else and left as they are.").replace(
            "%1", str(verdicts.skipped)))
    return "\n".join(lines)


class IntegrityCheck(QObject):
    """One run of the check: a progress dialog, the work on a worker thread, a result box.

    With ``refresh_verdicts`` it also stores today's verdicts where they differ from the
    stored ones (`IntegrityService.check`); that run can be cancelled between batches."""

    finished = Signal(object)  # the IntegrityReport
    failed = Signal(object)
    progressed = Signal(int, int)  # (done, total), on the GUI thread
    # The report of a run that stored new verdicts (this one or the one its result box
    # started): the lists show them.
    verdicts_stored = Signal(object)

    def __init__(self, window: QWidget, ctx: GuiContext, *,
                 refresh_verdicts: bool = False) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.refresh_verdicts = refresh_verdicts
        self.result_box: QMessageBox | None = None
        self.store_button: QPushButton | None = None  # in the result box, when offered
        self.refresh: IntegrityCheck | None = None  # the run that button started
        self._cancel = threading.Event()
        self._over = False  # answered: closing the progress dialog then cancels nothing
        label = (translate("Integrity", "Storing the new verification results…")
                 if refresh_verdicts
                 else translate("Integrity", "Checking the signatures of the archive…"))
        self.progress = QProgressDialog(label, "", 0, 0, window)
        self.progress.setWindowTitle(translate("Integrity", "Archive check"))
        if refresh_verdicts:  # stops between two batches: each is stored whole or not at all
            self.progress.setCancelButtonText(translate("Integrity", "Cancel"))
            self.progress.canceled.connect(self.cancel)
        else:
            self.progress.setCancelButton(None)  # the check only reads; it ends on its own
        self.progress.setMinimumDuration(0)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)

    def start(self) -> None:
        self.progress.show()
        service = self.ctx.app.integrity
        tasks = self.ctx.tasks
        refresh = self.refresh_verdicts
        cancel = self._cancel.is_set

        def report(done: int, total: int) -> None:
            # Called on the worker thread: hand the numbers to the GUI thread.
            tasks.call_in_gui(lambda: self._advance(done, total))

        tasks.run_net(lambda: service.check(progress=report, refresh_verdicts=refresh,
                                            cancel=cancel),
                      self._done, self._failed, owner=self)

    def cancel(self) -> None:
        """Stop after the batch being stored (asked from the progress dialog)."""
        if self._over:  # the dialog's own close on the answer (Qt says "canceled")
            return
        self._cancel.set()
        self.progress.show()  # a cancelled QProgressDialog hides itself
        self.progress.setLabelText(translate("Integrity", "Stopping after the current "
                                             "batch…"))

    def _advance(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setMaximum(total)
            self.progress.setValue(done)
        self.progressed.emit(done, total)

    def _done(self, report: IntegrityReport) -> None:
        self._over = True
        self.progress.close()
        box = QMessageBox(self.window)
        box.setWindowTitle(translate("Integrity", "Archive check"))
        box.setIcon(QMessageBox.Icon.Information if report.clean else QMessageBox.Icon.Warning)
        verdicts = report.verdicts
        changed = verdicts_text(verdicts) if verdicts is not None else ""
        stopped = verdicts is not None and verdicts.cancelled
        box.setText("\n\n".join(t for t in (
            changed if self.refresh_verdicts else "", "" if stopped else report_text(report),
            "" if self.refresh_verdicts else changed) if t))
        problems = report.problems
        if problems:  # the technical detail of each problem (English, as in `dso check`)
            box.setDetailedText("\n".join(
                f"{p.dm_id or '-'}: {p.problem}: {p.detail}" for p in problems))
        if verdicts is not None and verdicts.differing and not verdicts.stored:
            self.store_button = box.addButton(
                translate("Integrity", "Store the new verification results"),
                QMessageBox.ButtonRole.ActionRole)
            self.store_button.clicked.connect(self.store_verdicts)
            box.addButton(QMessageBox.StandardButton.Close)
        self.result_box = box
        box.open()
        if verdicts is not None and verdicts.stored and verdicts.differing:
            self.verdicts_stored.emit(report)
        self.finished.emit(report)

    def store_verdicts(self) -> IntegrityCheck:
        """Verify again and store today's verdicts (the result box's button)."""
        if self.result_box is not None:
            self.result_box.close()
        run = IntegrityCheck(self.window, self.ctx, refresh_verdicts=True)
        run.verdicts_stored.connect(self.verdicts_stored)
        self.refresh = run
        run.start()
        return run

    def _failed(self, exc: BaseException) -> None:
        from dso_desktop.gui.errors import show_error

        self._over = True
        self.progress.close()
        self.failed.emit(exc)
        show_error(self.window, exc)
