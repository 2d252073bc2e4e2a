"""Sync from the GUI: per-account jobs with progress and cancel, the delivery-by-login question."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.gui.bridge import BlockingPrompt, ProgressBridge
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.mobilekey import MobileKeyDialog

if TYPE_CHECKING:
    from dso_desktop.isds.login import MobileKeyState, OtpChallenge
    from dso_desktop.sync.events import SyncProgress, SyncSummary

log = logging.getLogger(__name__)
translate = QCoreApplication.translate


@dataclass
class SyncJob:
    account: str
    cancel: threading.Event = field(default_factory=threading.Event)
    phase: str = ""
    done: int = 0
    total: int = 0


def ask_delivery_confirmation(parent: QWidget | None, account: str) -> bool | None:
    """Explain delivery by login; True = accept, False = do not accept, None = cancel."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(translate("Sync", "Delivery by login"))
    box.setText(
        translate(
            "Sync",
            "Downloading received messages of the box \u201e%1\u201c counts as logging in: "
            "every delivered message becomes ACCEPTED (doručena přihlášením) with legal "
            "effect, for example the start of deadlines.",
        ).replace("%1", account)
    )
    box.setInformativeText(
        translate(
            "Sync",
            "Choose \u201eDo not accept\u201c to download only sent messages now; received "
            "messages then stay unaccepted until you decide otherwise.",
        )
    )
    accept = box.addButton(
        translate("Sync", "Accept and download"), QMessageBox.ButtonRole.AcceptRole
    )
    no = box.addButton(translate("Sync", "Do not accept"), QMessageBox.ButtonRole.RejectRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(no)
    box.exec()
    clicked = box.clickedButton()
    if clicked is accept:
        return True
    if clicked is no:
        return False
    return None


class SyncController(QObject):
    """Starts one sync job per account (ISDS rejects parallel work of one account)."""

    job_started = Signal(str)
    job_progress = Signal(str, str, int, int)  # account, phase, done, total
    job_finished = Signal(str, object)  # account, SyncSummary
    job_failed = Signal(str, object)  # account, exception
    job_cancelled = Signal(str)
    all_idle = Signal()

    def __init__(self, ctx: GuiContext, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._ctx = ctx
        self._widget = parent_widget
        self.jobs: dict[str, SyncJob] = {}
        self._busy = False  # a job ran since the last all_idle
        # Answers to the delivery-by-login question for this session, per account.
        self.accept_delivery: dict[str, bool] = {}
        self.interactive = True
        # Replaceable questions (tests, automation); both run on the GUI thread.
        self.code_provider = self._ask_otp
        self.confirm_delivery = lambda account: ask_delivery_confirmation(self._widget, account)

    @property
    def running(self) -> bool:
        return bool(self.jobs)

    def cancel_all(self) -> None:
        for job in self.jobs.values():
            job.cancel.set()

    def cancel(self, account: str) -> None:
        job = self.jobs.get(account)
        if job is not None:
            job.cancel.set()

    def sync(self, account: str, accept_delivery: bool | None = None, *,
             background: bool = False) -> bool:
        """Start a sync of ``account``; False when one runs already. A ``background`` sync
        (scheduled, nobody at the screen) asks nothing: no delivery-by-login question, no
        password or code prompt, no Mobile-key wait; what would need one is reported as a
        failure of that job instead."""
        if account in self.jobs:
            return False
        if accept_delivery is None:
            accept_delivery = self.accept_delivery.get(account)
        job = SyncJob(account)
        self.jobs[account] = job
        self._busy = True
        bridge = ProgressBridge(self)
        bridge.progress.connect(lambda ev: self._on_progress(job, ev))
        mk_dialog: list[MobileKeyDialog] = []

        def on_mobile_key(state: MobileKeyState) -> None:
            if background:
                job.cancel.set()  # nobody to approve it on the phone
                return
            if not mk_dialog:
                dlg = MobileKeyDialog(account, job.cancel, self._widget)
                mk_dialog.append(dlg)
                dlg.open()
            mk_dialog[0].update_state(state)

        bridge.mobile_key_state.connect(on_mobile_key)
        otp = BlockingPrompt(
            (lambda ch: None) if background else (lambda ch: self.code_provider(account, ch)),
            job.cancel, self)
        svc = self._ctx.app.sync
        progress_cb = bridge.callback()
        mk_cb = bridge.mobile_key_observer()

        def work() -> SyncSummary:
            return svc.sync_account(
                account,
                accept_delivery=accept_delivery,
                progress=progress_cb,
                cancel=job.cancel,
                otp_provider=otp,
                mobile_key_observer=mk_cb,
            )

        def finish() -> None:
            self.jobs.pop(account, None)
            for dlg in mk_dialog:
                dlg.done(0)
            bridge.deleteLater()
            otp.deleteLater()
            # After this job's own signal (finished, failed, ...) has been handled, which
            # may also have started the next job (the delivery answer, a password).
            QTimer.singleShot(0, self._idle_check)

        def done(summary: SyncSummary) -> None:
            cancelled = job.cancel.is_set()
            finish()
            if cancelled:
                self.job_cancelled.emit(account)
            else:
                self.job_finished.emit(account, summary)

        def failed(exc: BaseException) -> None:
            # Here, not at the top: the window loads without the sync or the ISDS client.
            from dso_desktop.isds.errors import LoginCancelled
            from dso_desktop.sync.events import DeliveryConfirmationRequired, SyncCancelled

            was_cancelled = job.cancel.is_set()
            finish()
            if isinstance(exc, DeliveryConfirmationRequired) and not background:
                answer = self.confirm_delivery(account)
                if answer is None:
                    self.job_cancelled.emit(account)
                    return
                self.accept_delivery[account] = answer
                self.sync(account, answer)
                return
            # By kind: importing services.accounts here would load the store at start-up.
            if isinstance(exc, DsoError) and exc.kind is ErrorKind.ACCOUNT_PASSWORD_MISSING \
                    and self.interactive and not background:
                self._ask_password_and_retry(account, accept_delivery)
                return
            if was_cancelled or isinstance(exc, LoginCancelled | SyncCancelled):
                self.job_cancelled.emit(account)
                return
            log.warning("sync of an account failed: %s", type(exc).__name__)
            self.job_failed.emit(account, exc)

        self.job_started.emit(account)
        self._ctx.tasks.run_net(work, done, failed, owner=self)
        return True

    def _idle_check(self) -> None:
        if not self.jobs and self._busy:
            self._busy = False
            self.all_idle.emit()

    def _on_progress(self, job: SyncJob, event: SyncProgress) -> None:
        job.phase = event.phase
        job.done = event.done
        job.total = event.total
        self.job_progress.emit(job.account, job.phase, job.done, job.total)

    def _ask_password_and_retry(self, account: str, accept_delivery: bool | None) -> None:
        text, ok = QInputDialog.getText(
            self._widget,
            self.tr("Password"),
            self.tr("Password for the data box „%1“ (kept only until you quit):").replace(
                "%1", account
            ),
            QLineEdit.EchoMode.Password,
        )
        if not ok or not text:
            self.job_cancelled.emit(account)
            return
        svc = self._ctx.app.accounts

        def retry(_r: object) -> None:
            self.sync(account, accept_delivery)

        self._ctx.tasks.run_store(
            lambda: svc.set_password(account, text, save=False),
            retry,
            lambda e: self.job_failed.emit(account, e),
            owner=self,
        )

    def _ask_otp(self, account: str, challenge: OtpChallenge) -> str | None:
        text, ok = QInputDialog.getText(
            self._widget,
            self.tr("Security code"),
            self.tr("Enter the security code (SMS or authenticator) for \u201e%1\u201c:").replace(
                "%1", account
            ),
            QLineEdit.EchoMode.Normal,
        )
        return text.strip() if ok else None
