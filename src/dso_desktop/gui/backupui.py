"""Backups in the GUI (issue 21): the Backup menu, the transfer to another PC, restoring, the
Datovka import, the first-start choices and the scheduled backups in the background.

All the work is `services.backup` / `services.datovka`, run off the GUI thread by the task
manager; this module only asks and shows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.gui.errors import show_error

if TYPE_CHECKING:
    from dso_desktop.gui.context import GuiContext
    from dso_desktop.gui.mainwindow import MainWindow

log = logging.getLogger(__name__)
translate = QCoreApplication.translate

MIN_PASSPHRASE = 10  # a transfer backup carries the passwords: no short passphrase
CHECK_EVERY_MS = 10 * 60_000
FIRST_CHECK_MS = 60_000
FILE_FILTER = "DSO Desktop backup (*.dsobackup)"


def _file_row(edit: QLineEdit, button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


class _Busy(QDialog):
    """A dialog whose OK runs one background task and closes when it is done."""

    finished_ok = Signal(object)

    def __init__(self, ctx: GuiContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.go)
        self.buttons.rejected.connect(self.reject)
        self.result_value: Any = None

    def _run(self, work: Any, *, store: bool = False) -> None:
        self.buttons.setEnabled(False)
        self.status.setText(translate(
            "BackupUi", "Working… this can take a while for a large archive."))

        def done(value: Any) -> None:
            self.buttons.setEnabled(True)
            self.result_value = value
            self.status.setText(self.describe(value))
            self.finished_ok.emit(value)
            self.buttons.clear()
            self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
            self.buttons.rejected.connect(self.accept)

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.status.setText("")
            show_error(self, exc)

        run = self.ctx.tasks.run_store if store else self.ctx.tasks.run_net
        run(work, done, failed, owner=self)

    def describe(self, value: Any) -> str:
        return ""

    def go(self) -> None:
        raise NotImplementedError


class BackupDialog(_Busy):
    """"Zálohovat nyní" and "Přenést na jiný počítač" (``transfer``: with the saved
    passwords, so a passphrase is required)."""

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None, *,
                 transfer: bool = False) -> None:
        super().__init__(ctx, parent)
        self.transfer = transfer
        self.setWindowTitle(self.tr("Transfer to another computer") if transfer
                            else self.tr("Back up now"))
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Backup file"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName(self.tr("Passphrase again"))
        form = QFormLayout()
        form.addRow(self.tr("Backup file:"), _file_row(self.path, browse))
        form.addRow(self.tr("Passphrase:"), self.passphrase)
        form.addRow(self.tr("Passphrase again:"), self.again)
        note = QLabel(
            self.tr("The backup holds the whole archive, the settings and the accounts "
                    "together with their saved passwords, encrypted under the passphrase. "
                    "On the new computer choose \"Restore from a backup\" at the first start "
                    "and enter the same passphrase; no password needs to be typed again. "
                    "Keep the passphrase apart from the file.") if transfer else
            self.tr("Without a passphrase the backup is not encrypted (it is still protected "
                    "against changes); the saved passwords go only into a transfer backup."))
        note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Backup file"), "", FILE_FILTER)
        if path:
            self.path.setText(path if path.endswith(".dsobackup") else path + ".dsobackup")

    def go(self) -> None:
        out = self.path.text().strip()
        pw = self.passphrase.text()
        if not out:
            self.status.setText(self.tr("Choose the backup file."))
            return
        if pw != self.again.text():
            self.status.setText(self.tr("The two passphrases differ."))
            return
        if self.transfer and len(pw) < MIN_PASSPHRASE:
            self.status.setText(self.tr("The passphrase must have at least {n} characters.")
                                .format(n=MIN_PASSPHRASE))
            return
        backup = self.ctx.app.backup
        transfer = self.transfer
        self._run(lambda: backup.create(Path(out), passphrase=pw or None,
                                        with_secrets=transfer))

    def describe(self, value: Any) -> str:
        return self.tr("The backup is written and checked: {path} ({n} messages).").format(
            path=str(value.path), n=value.counts.get("messages", 0))


class RestoreDialog(_Busy):
    """Restore a backup into this data folder (the first start, or replacing the archive:
    the one there is moved aside, never deleted)."""

    restored = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None, *,
                 replace: bool = False) -> None:
        super().__init__(ctx, parent)
        self.replace = replace
        self.setWindowTitle(self.tr("Restore from a backup"))
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("Backup file"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.confirm = QCheckBox(self.tr("Replace the current archive (it is kept aside in "
                                         "the data folder)"))
        self.confirm.setVisible(replace)
        form = QFormLayout()
        form.addRow(self.tr("Backup file:"), _file_row(self.path, browse))
        form.addRow(self.tr("Passphrase (if it has one):"), self.passphrase)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.confirm)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Backup file"), "", FILE_FILTER)
        if path:
            self.path.setText(path)

    def go(self) -> None:
        src = self.path.text().strip()
        if not src:
            self.status.setText(self.tr("Choose the backup file."))
            return
        if self.replace and not self.confirm.isChecked():
            self.status.setText(self.tr("Confirm that the current archive is to be replaced."))
            return
        pw = self.passphrase.text() or None
        replace = self.replace
        app = self.ctx.app

        def work() -> Any:
            return restore_into(app, Path(src), passphrase=pw, replace=replace)

        self._run(work, store=True)  # the store queue: nothing else touches the archive

    def describe(self, value: Any) -> str:
        result, check = value
        self.restored.emit()
        text = self.tr("Restored: {n} messages, {a} data boxes, {s} saved passwords.").format(
            n=check.actual.get("messages", 0), a=check.actual.get("accounts", 0),
            s=result.secrets_restored)
        if not check.ok:
            text += " " + self.tr("The check of the restored archive found problems; see "
                                  "File → Check archive.")
        return text


def restore_into(app: Any, src: Path, *, passphrase: str | None, replace: bool) -> Any:
    """Restore under a running app: its connections are closed first and the archive is
    opened anew afterwards (migrated if the backup is older), then checked."""
    from dso_desktop.services.backup import BackupService

    app.db.engine.dispose()
    use = getattr(app, "archive_use", None)
    if use is not None:
        use.release()  # our own hold on the archive; the restore takes it exclusively
    try:
        result = BackupService(app.paths, None).restore(src, passphrase=passphrase,
                                                        replace=replace)
    finally:
        if use is not None:
            use.acquire()
    app.db.engine.dispose()
    app.db.upgrade()
    app.settings.invalidate()
    return result, BackupService.check_restored(app, result)


class DatovkaDialog(_Busy):
    """"Převést z Datovky": Datovka's folder in, the import report out."""

    imported = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle(self.tr("Move over from Datovka"))
        self.path = QLineEdit(str(Path.home() / ".dsgui"))
        self.path.setAccessibleName(self.tr("Datovka folder"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose)
        note = QLabel(self.tr("Datovka keeps its data in the folder .dsgui in your home folder "
                              "(on Windows in AppData\\Roaming\\.dsgui). Its data boxes are "
                              "added here without passwords; every signed message is checked "
                              "as on import."))
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Datovka folder:"), _file_row(self.path, browse))
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)

    def _choose(self) -> None:
        d = QFileDialog.getExistingDirectory(self, self.tr("Datovka folder"))
        if d:
            self.path.setText(d)

    def go(self) -> None:
        src = Path(self.path.text().strip())
        datovka = self.ctx.app.datovka
        self._run(lambda: datovka.run(src))

    def describe(self, value: Any) -> str:
        self.imported.emit()
        return self.tr("Found {f}: {i} imported, {d} delivery infos, {u} already in the "
                       "archive, {c} conflicting copies, {r} refused.").format(
            f=value.found, i=value.imported, d=value.delivery_infos, u=value.duplicates,
            c=value.conflicts, r=value.refused) + "".join(
            "\n" + self.tr("Could not be read (damaged or not Datovka's): {file}")
            .format(file=name) for name in value.unreadable)


class FirstStartDialog(QDialog):
    """The first start (no data box, no message): add a data box, restore a backup from
    another PC, or move over from Datovka."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle(self.tr("Welcome to DSO Desktop"))
        text = QLabel(self.tr("The archive is empty. How do you want to start?"))
        self.add = QPushButton(self.tr("Add a data box"))
        self.restore = QPushButton(self.tr("Restore from a backup (transfer from another "
                                           "computer)"))
        self.datovka = QPushButton(self.tr("Move over from Datovka"))
        later = QPushButton(self.tr("Later"))
        self.add.clicked.connect(lambda: self._pick(window.add_account))
        self.restore.clicked.connect(lambda: self._pick(lambda: open_restore(window)))
        self.datovka.clicked.connect(lambda: self._pick(lambda: open_datovka(window)))
        later.clicked.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        for b in (self.add, self.restore, self.datovka, later):
            lay.addWidget(b)

    def _pick(self, action: Any) -> None:
        self.accept()
        action()


def _refresh(window: MainWindow) -> None:
    window.reload_tree()
    window.reload_warnings()
    window.start()


def open_backup(window: MainWindow, *, transfer: bool = False) -> BackupDialog:
    dlg = BackupDialog(window.ctx, window, transfer=transfer)
    dlg.open()
    return dlg


def open_restore(window: MainWindow, *, replace: bool = False) -> RestoreDialog:
    dlg = RestoreDialog(window.ctx, window, replace=replace)
    dlg.restored.connect(lambda: _refresh(window))
    dlg.open()
    return dlg


def open_datovka(window: MainWindow) -> DatovkaDialog:
    dlg = DatovkaDialog(window.ctx, window)
    dlg.imported.connect(lambda: _refresh(window))
    dlg.open()
    return dlg


def maybe_first_start(window: MainWindow) -> None:
    """Offer the first-start choices when the archive has no data box and no message."""
    if window.ctx.demo:
        return
    app = window.ctx.app

    def work() -> bool:
        return not app.accounts.list() and app.messages.count() == 0

    def done(empty: bool) -> None:
        if empty:
            window.first_start = FirstStartDialog(window)  # type: ignore[attr-defined]
            window.first_start.open()  # type: ignore[attr-defined]

    window.ctx.tasks.run_store(work, done, lambda e: log.warning("first start: %s", e),
                               owner=window)


class BackupScheduler(QObject):
    """Runs the scheduled backup in the background when the settings say it is due; the
    result reaches the warnings panel (the service records it)."""

    ran = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.running = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(CHECK_EVERY_MS)
        QTimer.singleShot(FIRST_CHECK_MS, self.check)

    def check(self) -> None:
        if self.running or self.window.ctx.demo:
            return
        app = self.window.ctx.app

        def work() -> bool:
            settings = app.settings.get()
            if not app.backup.scheduled_due(settings):
                return False
            app.backup.run_scheduled(settings)
            return True

        def done(ran: bool) -> None:
            self.running = False
            if ran:
                self.ran.emit()
                self.window.reload_warnings()

        def failed(exc: BaseException) -> None:  # recorded by the service: a warning
            self.running = False
            log.warning("scheduled backup failed: %s", type(exc).__name__)
            self.window.reload_warnings()

        self.running = True
        self.window.ctx.tasks.run_net(work, done, failed, owner=self)


def install(window: MainWindow) -> None:
    """The Backup menu and the scheduler of one main window."""
    from PySide6.QtGui import QAction

    actions: list[QAction] = []
    for text, slot in (
        (translate("MainWindow", "&Back up now…"), lambda: open_backup(window)),
        (translate("MainWindow", "&Transfer to another computer…"),
         lambda: open_backup(window, transfer=True)),
        (translate("MainWindow", "&Restore from a backup…"), lambda: _confirm_restore(window)),
        (translate("MainWindow", "Move over from &Datovka…"), lambda: open_datovka(window)),
    ):
        a = QAction(text, window)
        a.triggered.connect(slot)
        actions.append(a)
    window.backup_actions = actions  # type: ignore[attr-defined]
    bar = window.menuBar()
    menu = QMenu(translate("MainWindow", "&Backup"), bar)
    for a in actions:
        menu.addAction(a)
    existing = bar.actions()
    if existing:  # before Help, which stays the last menu
        bar.insertMenu(existing[-1], menu)
    else:
        bar.addMenu(menu)
    window.backup_scheduler = BackupScheduler(window)  # type: ignore[attr-defined]


def _confirm_restore(window: MainWindow) -> None:
    if window.sync.running:
        QMessageBox.information(window, translate("MainWindow", "Restore from a backup"),
                                translate("MainWindow", "Wait until the synchronization ends."))
        return
    open_restore(window, replace=True)
