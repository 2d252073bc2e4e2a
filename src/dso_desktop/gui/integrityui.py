"""The archive check from the menu: re-verify every stored ZFO off the GUI thread, with
progress, and say in plain words which evidence is untrusted, invalid or in conflict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from dso_desktop.domain import IntegrityProblemKind, text
from dso_desktop.gui import i18n

if TYPE_CHECKING:
    from dso_desktop.gui.context import GuiContext
    from dso_desktop.services.types import IntegrityReport

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


class IntegrityCheck(QObject):
    """One run of the check: a progress dialog, the work on a worker thread, a result box."""

    finished = Signal(object)  # the IntegrityReport
    failed = Signal(object)
    progressed = Signal(int, int)  # (done, total), on the GUI thread

    def __init__(self, window: QWidget, ctx: GuiContext) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.result_box: QMessageBox | None = None
        self.progress = QProgressDialog(
            translate("Integrity", "Checking the signatures of the archive…"), "", 0, 0, window)
        self.progress.setWindowTitle(translate("Integrity", "Archive check"))
        self.progress.setCancelButton(None)  # the check only reads; it ends on its own
        self.progress.setMinimumDuration(0)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)

    def start(self) -> None:
        self.progress.show()
        service = self.ctx.app.integrity
        tasks = self.ctx.tasks

        def report(done: int, total: int) -> None:
            # Called on the worker thread: hand the numbers to the GUI thread.
            tasks.call_in_gui(lambda: self._advance(done, total))

        tasks.run_net(lambda: service.check(progress=report), self._done, self._failed,
                      owner=self)

    def _advance(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setMaximum(total)
            self.progress.setValue(done)
        self.progressed.emit(done, total)

    def _done(self, report: IntegrityReport) -> None:
        self.progress.close()
        box = QMessageBox(self.window)
        box.setWindowTitle(translate("Integrity", "Archive check"))
        box.setIcon(QMessageBox.Icon.Information if report.clean else QMessageBox.Icon.Warning)
        box.setText(report_text(report))
        problems = report.problems
        if problems:  # the technical detail of each problem (English, as in `dso check`)
            box.setDetailedText("\n".join(
                f"{p.dm_id or '-'}: {p.problem}: {p.detail}" for p in problems))
        self.result_box = box
        box.open()
        self.finished.emit(report)

    def _failed(self, exc: BaseException) -> None:
        from dso_desktop.gui.errors import show_error

        self.progress.close()
        self.failed.emit(exc)
        show_error(self.window, exc)
