"""The archive check from the menu: re-verify every stored ZFO off the GUI thread, with
progress, and say in plain words which evidence is untrusted, invalid or in conflict."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from dso_desktop.gui import fmt

translate = QCoreApplication.translate
MAX_LISTED = 30  # lines in the summary; the full list is in the details


def problem_label(problem: str) -> str:
    labels = {
        "untrusted": translate("Integrity", "signature not trusted"),
        "invalid": translate("Integrity", "signature invalid"),
        "conflict": translate("Integrity", "another copy with different content"),
        "quarantined": translate("Integrity", "imported file in quarantine"),
        "checksum": translate("Integrity", "stored bytes damaged"),
        "unparsable": translate("Integrity", "unreadable ZFO"),
        "mismatch": translate("Integrity", "ZFO of another message"),
        "missing-zfo": translate("Integrity", "not downloaded yet"),
        "database": translate("Integrity", "database damaged"),
    }
    return labels.get(problem, problem)


def report_text(report: Any) -> str:
    """The result in the user's language: a verdict line, then one line per problem."""
    checked = int(fmt.field(report, "checked", default=0))
    ok = int(fmt.field(report, "ok", default=0))
    problems = list(fmt.field(report, "problems", default=()) or ())
    if fmt.field(report, "clean", default=False):
        head = translate("Integrity", "The archive is in order: %1 of %2 signed messages "
                         "verify.").replace("%1", str(ok)).replace("%2", str(checked))
    else:
        head = translate("Integrity", "The archive needs attention: %1 of %2 signed "
                         "messages verify, %3 problems found.").replace(
            "%1", str(ok)).replace("%2", str(checked)).replace("%3", str(len(problems)))
    lines = [head]
    for p in problems[:MAX_LISTED]:
        dm_id = fmt.field(p, "dm_id", default="") or "—"
        lines.append(f"• {dm_id}: {problem_label(str(fmt.field(p, 'problem', default='')))}")
    if len(problems) > MAX_LISTED:
        lines.append(translate("Integrity", "… and %1 more").replace(
            "%1", str(len(problems) - MAX_LISTED)))
    return "\n".join(lines)


class IntegrityCheck(QObject):
    """One run of the check: a progress dialog, the work on a worker thread, a result box."""

    finished = Signal(object)  # the IntegrityReport
    failed = Signal(object)
    progressed = Signal(int, int)  # (done, total), on the GUI thread

    def __init__(self, window: QWidget, ctx: Any) -> None:
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

    def _done(self, report: Any) -> None:
        self.progress.close()
        box = QMessageBox(self.window)
        box.setWindowTitle(translate("Integrity", "Archive check"))
        clean = bool(fmt.field(report, "clean", default=False))
        box.setIcon(QMessageBox.Icon.Information if clean else QMessageBox.Icon.Warning)
        box.setText(report_text(report))
        problems = list(fmt.field(report, "problems", default=()) or ())
        if problems:  # the technical detail of each problem (English, as in `dso check`)
            box.setDetailedText("\n".join(
                f"{fmt.field(p, 'dm_id', default='') or '-'}: "
                f"{fmt.field(p, 'problem', default='')}: {fmt.field(p, 'detail', default='')}"
                for p in problems))
        self.result_box = box
        box.open()
        self.finished.emit(report)

    def _failed(self, exc: BaseException) -> None:
        from dso_desktop.gui.errors import show_error

        self.progress.close()
        self.failed.emit(exc)
        show_error(self.window, exc)
