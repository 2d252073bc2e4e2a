"""The watch's remedies in the GUI: restamping with progress and cancellation, online
verification ("Ověřit v ISDS"), and the evidence versions of a message in plain words.

All work runs through the task manager (network pool); the services do the rest.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from dso_desktop.domain import EvidenceVersionKind, text
from dso_desktop.gui import i18n

if TYPE_CHECKING:
    from dso_desktop.gui.context import GuiContext
    from dso_desktop.services.remedies import RemedyOutcome, VersionCheck
    from dso_desktop.store.versions import OnlineCheckRecord

translate = QCoreApplication.translate


def outcome_text(outcomes: list[RemedyOutcome]) -> str:
    """The result of a restamp run, one sentence plus one line per failure."""
    ok = sum(1 for o in outcomes if o.ok)
    head = translate("Remedies", "Restamped %1 of %2 messages.").replace(
        "%1", str(ok)).replace("%2", str(len(outcomes)))
    lines = [head]
    cs = i18n.current() == "cs"
    for o in outcomes:
        if not o.ok:
            lines.append(f"• {o.dm_id}: {(o.error_cs if cs else o.error) or ''}")
    return "\n".join(lines)


def versions_text(checks: list[VersionCheck], online: list[OnlineCheckRecord]) -> str:
    """Every evidence version with the verifier's answer, then the ISDS online checks."""
    lang = i18n.current()
    lines = []
    for c in checks:
        what = (translate("Remedies", "original") if c.kind is None
                else text(EvidenceVersionKind(c.kind), lang))
        state = translate("Remedies", "verifies") if c.ok else \
            translate("Remedies", "does not verify")
        until = (" " + translate("Remedies", "(verifiable until %1)").replace(
            "%1", f"{c.evidence_expires:%d. %m. %Y}") if c.evidence_expires else "")
        lines.append(translate("Remedies", "Version %1 – %2: %3").replace(
            "%1", str(c.version)).replace("%2", what).replace("%3", state) + until)
    for r in online:
        answer = translate("Remedies", "authentic") if r.authentic else \
            translate("Remedies", "NOT authentic")
        lines.append(translate("Remedies", "ISDS check of version %1 on %2: %3").replace(
            "%1", str(r.version)).replace("%2", f"{r.checked_at:%d. %m. %Y %H:%M} UTC")
            .replace("%3", answer))
    return "\n".join(lines)


class RestampRun(QObject):
    """One restamp run: a progress dialog with Cancel, the work on the network pool."""

    finished = Signal(object)  # list[RemedyOutcome]
    failed = Signal(object)
    progressed = Signal(int, int)

    def __init__(self, window: QWidget, ctx: GuiContext, message_ids: list[int]) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.ids = list(message_ids)
        self.cancel = threading.Event()
        self.progress = QProgressDialog(
            translate("Remedies", "Renewing the evidence of the messages…"),
            translate("Remedies", "Cancel"), 0, max(1, len(self.ids)), window)
        self.progress.setWindowTitle(translate("Remedies", "Restamping"))
        self.progress.setMinimumDuration(0)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.canceled.connect(self.cancel.set)

    def start(self) -> None:
        self.progress.show()
        service = self.ctx.app.remedies
        tasks = self.ctx.tasks

        def report(done: int, total: int, _dm_id: str) -> None:
            tasks.call_in_gui(lambda: self._advance(done, total))

        tasks.run_net(lambda: service.restamp(self.ids, progress=report, cancel=self.cancel),
                      self._done, self._failed, owner=self)

    def _advance(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)
        self.progressed.emit(done, total)

    def _done(self, outcomes: list[RemedyOutcome]) -> None:
        self.progress.close()
        self.finished.emit(outcomes)

    def _failed(self, exc: BaseException) -> None:
        from dso_desktop.gui.errors import show_error

        self.progress.close()
        self.failed.emit(exc)
        show_error(self.window, exc)
