"""Settings: language, data folder, scheduled sync, proxy, trust anchors, update checks."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.gui import i18n
from dso_desktop.gui.context import GuiContext
from dso_desktop.gui.errors import show_error
from dso_desktop.gui.prefs import GuiPrefs

if TYPE_CHECKING:
    from dso_desktop.paths import AppPaths
    from dso_desktop.settings import Settings


class SettingsDialog(QDialog):
    """Reads settings off the GUI thread; OK writes the archive settings and GUI prefs."""

    applied = Signal()
    loaded = Signal()
    language_changed = Signal(str)

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None, *,
                 tray: bool | None = None) -> None:
        from dso_desktop.gui.notifysettings import EmailSettingsBox, TraySettingsBox
        from dso_desktop.gui.tray import system_tray_available

        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Settings"))
        self.resize(680, 900)
        self.tray_box = TraySettingsBox(system_tray_available() if tray is None else tray)
        self.email_box = EmailSettingsBox(ctx)
        self.email_box.test_requested.connect(self._send_test_mail)
        self._settings: Settings | None = None
        self._default_paths: AppPaths = ctx.paths  # the real default is set by _load()
        self.language = QComboBox()
        self.language.addItem("Čeština", "cs")
        self.language.addItem("English", "en")
        self.language.setAccessibleName(self.tr("Language"))
        self.data_dir = QLineEdit()
        self.data_dir.setAccessibleName(self.tr("Data folder"))
        self.data_dir.setPlaceholderText(self.tr("(default)"))
        browse = QPushButton(self.tr("Choose…"))
        browse.setAccessibleName(self.tr("Choose the data folder"))
        browse.clicked.connect(self._choose_dir)
        self.interval = QSpinBox()
        self.interval.setRange(0, 24 * 60)
        self.interval.setSuffix(self.tr(" min"))
        self.interval.setSpecialValueText(self.tr("off"))
        self.interval.setAccessibleName(self.tr("Automatic synchronization interval"))
        self.proxy = QLineEdit()
        self.proxy.setPlaceholderText("http://proxy.example:3128")
        self.proxy.setAccessibleName(self.tr("Proxy"))
        self.anchors = QListWidget()
        self.anchors.setAccessibleName(self.tr("Extra trust anchors"))
        self.anchors.setMaximumHeight(80)
        add_anchor = QPushButton(self.tr("Add…"))
        add_anchor.clicked.connect(self._add_anchor)
        remove_anchor = QPushButton(self.tr("Remove"))
        remove_anchor.clicked.connect(
            lambda: [
                self.anchors.takeItem(self.anchors.row(i)) for i in self.anchors.selectedItems()
            ]
        )
        self.trust_download = QCheckBox(
            self.tr("Download the official certificates of ISDS authorities when needed")
        )
        self.check_updates = QCheckBox(self.tr("Check for new versions of the application"))
        self.update_status = QLabel()
        self.update_status.setWordWrap(True)
        self.update_status.setAccessibleName(self.tr("Update status"))
        self.check_now = QPushButton(self.tr("Check for updates"))
        self.check_now.setAccessibleName(self.tr("Check for updates now"))
        self.check_now.clicked.connect(self._check_updates_now)
        # Scheduled backups (issue 21)
        self.backup_interval = QComboBox()
        self.backup_interval.addItem(self.tr("off"), "off")
        self.backup_interval.addItem(self.tr("daily"), "daily")
        self.backup_interval.addItem(self.tr("weekly"), "weekly")
        self.backup_interval.setAccessibleName(self.tr("Scheduled backups"))
        self.backup_folder = QLineEdit()
        self.backup_folder.setAccessibleName(self.tr("Backup folder"))
        backup_browse = QPushButton(self.tr("Choose…"))
        backup_browse.setAccessibleName(self.tr("Choose the backup folder"))
        backup_browse.clicked.connect(self._choose_backup_dir)
        self.backup_keep = QSpinBox()
        self.backup_keep.setRange(1, 365)
        self.backup_keep.setAccessibleName(self.tr("Backups to keep"))
        self.ts_days = QSpinBox()
        self.ts_days.setRange(1, 365)
        self.del_days = QSpinBox()
        self.del_days.setRange(1, 89)
        self.pw_days = QSpinBox()
        self.pw_days.setRange(1, 90)
        # The watch and its remedies (issue 15).
        self.restamp_days = QSpinBox()
        self.restamp_days.setRange(1, 3650)
        self.undelivered_days = QSpinBox()
        self.undelivered_days.setRange(1, 90)
        self.tsa_url = QLineEdit()
        self.tsa_url.setPlaceholderText("https://…")
        self.tsa_url.setAccessibleName(self.tr("Time-stamping authority address"))
        self.tsa_ca = QLineEdit()
        self.tsa_ca.setAccessibleName(self.tr("Certificate authority of the time-stamping "
                                              "authority"))
        for w, name in (
            (self.ts_days, self.tr("Timestamp warning days")),
            (self.del_days, self.tr("Deletion warning days")),
            (self.pw_days, self.tr("Password warning days")),
            (self.restamp_days, self.tr("Restamp days")),
            (self.undelivered_days, self.tr("Undelivered warning days")),
        ):
            w.setAccessibleName(name)
            w.setSuffix(self.tr(" days"))

        form = QFormLayout()
        form.addRow(self.tr("Language:"), self.language)
        dir_row = QHBoxLayout()
        dir_row.addWidget(self.data_dir, 1)
        dir_row.addWidget(browse)
        form.addRow(self.tr("Data folder:"), dir_row)
        note = QLabel(self.tr("A new data folder is used after the application restarts."))
        note.setWordWrap(True)
        form.addRow("", note)
        form.addRow(self.tr("Synchronize automatically every:"), self.interval)
        interval_note = QLabel(
            self.tr("Off by default: the application logs in only when you ask it to.")
        )
        interval_note.setWordWrap(True)
        form.addRow("", interval_note)
        form.addRow(self.tr("Proxy:"), self.proxy)
        anchors_row = QHBoxLayout()
        anchors_row.addWidget(self.anchors, 1)
        ab = QVBoxLayout()
        ab.addWidget(add_anchor)
        ab.addWidget(remove_anchor)
        anchors_row.addLayout(ab)
        form.addRow(self.tr("Extra trust anchors:"), anchors_row)
        form.addRow("", self.trust_download)
        form.addRow("", self.check_updates)
        updates_row = QHBoxLayout()
        updates_row.addWidget(self.update_status, 1)
        updates_row.addWidget(self.check_now)
        form.addRow(self.tr("Updates:"), updates_row)
        form.addRow(self.tr("Back up automatically:"), self.backup_interval)
        backup_row = QHBoxLayout()
        backup_row.addWidget(self.backup_folder, 1)
        backup_row.addWidget(backup_browse)
        form.addRow(self.tr("Backup folder:"), backup_row)
        form.addRow(self.tr("Keep the newest backups:"), self.backup_keep)
        form.addRow(self.tr("Warn before timestamp expiry:"), self.ts_days)
        form.addRow(self.tr("Warn before deletion from ISDS:"), self.del_days)
        form.addRow(self.tr("Warn before password expiry:"), self.pw_days)
        form.addRow(self.tr("Restamp evidence that expires within:"), self.restamp_days)
        form.addRow(self.tr("Warn about sent messages not delivered after:"),
                    self.undelivered_days)
        form.addRow(self.tr("Time-stamping authority (RFC 3161):"), self.tsa_url)
        form.addRow(self.tr("Its certificate authority (file):"), self.tsa_ca)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        from dso_desktop.gui.storesettings import StoreSettings

        self.store = StoreSettings(ctx, self)  # the office's shared archive (issue 13)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.tray_box)
        lay.addWidget(self.email_box)
        lay.addWidget(self.store)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        self._load()
        self._watch_updates()

    # -- updates ----------------------------------------------------------------------------

    def _watch_updates(self) -> None:
        ctl = self.ctx.updates
        if ctl is None:
            self.update_status.setText(self.tr(
                "This copy does not update itself: it was not started from an installation "
                "(or it runs in training mode)."))
            self.check_now.setEnabled(False)
            return
        ctl.state_changed.connect(self.show_update_state)
        self.show_update_state({"managed": ctl.managed, "admin_locked": ctl.admin_locked,
                                "problem": ctl.problem, "last_result": ctl.last_result})
        ctl.refresh_state()

    def show_update_state(self, state: dict[str, Any]) -> None:
        """Managed by IT / the last failure's cause / the last check's result."""
        from dso_desktop.gui.updates import problem_text

        managed = bool(state.get("managed"))
        locked = bool(state.get("admin_locked"))
        self.check_now.setEnabled(not (managed or locked))
        self.check_updates.setEnabled(not (managed or locked))
        problem = state.get("problem")
        last = state.get("last_result") or {}
        if managed:
            text = self.tr("Updates of this installation come from your IT department; "
                           "it does not update itself.")
        elif locked:
            text = self.tr("Update checks are turned off by the administrator.")
        elif problem:
            text = self.tr("The last check failed: {cause}").format(
                cause=problem_text(problem))
        elif last.get("ok"):
            when = _local_time(str(last.get("at", "")))
            if last.get("available"):
                text = self.tr("Last checked {when}: version {v} is available.").format(
                    when=when, v=last["available"])
            else:
                text = self.tr("Last checked {when}: up to date.").format(when=when)
        else:
            text = self.tr("Not checked yet.")
        self.update_status.setText(text)

    def _check_updates_now(self) -> None:
        if self.ctx.updates is not None:
            self.ctx.updates.check_now(self)

    def _load(self) -> None:
        from dso_desktop.paths import AppPaths

        svc = self.ctx.app.settings
        self._default_paths = AppPaths.default(None) if not self.ctx.demo else self.ctx.paths
        self._prefs = GuiPrefs.load(self.ctx.paths)
        chosen = GuiPrefs.load(self._default_paths).data_dir
        self._chosen = chosen

        def done(settings: Settings) -> None:
            self._settings = settings
            lang = settings.language or i18n.current()
            self.language.setCurrentIndex(max(0, self.language.findData(lang)))
            self.interval.setValue(settings.sync_interval_minutes)
            self.proxy.setText(settings.proxy or "")
            self.trust_download.setChecked(settings.trust_download)
            self.ts_days.setValue(settings.timestamp_warning_days)
            self.del_days.setValue(settings.deletion_warning_days)
            self.pw_days.setValue(settings.password_warning_days)
            self.backup_interval.setCurrentIndex(
                max(0, self.backup_interval.findData(settings.backup_interval)))
            self.backup_folder.setText(settings.backup_folder or "")
            self.backup_keep.setValue(settings.backup_keep)
            self.restamp_days.setValue(settings.restamp_within_days)
            self.undelivered_days.setValue(settings.undelivered_warning_days)
            self.tsa_url.setText(settings.tsa_url or "")
            self.tsa_ca.setText(settings.tsa_ca_file or "")
            self.data_dir.setText(chosen or "")
            self.check_updates.setChecked(self._prefs.check_updates)
            # Added anchors live in the archive settings (the CLI's `dso trust` edits the
            # same list); older versions kept them in the GUI prefs: shown here, moved on OK.
            self.anchors.clear()
            stored = settings.trust_anchors
            self.anchors.addItems(list(dict.fromkeys((*stored, *self._prefs.trust_anchors))))
            self.tray_box.load(settings)
            self.ctx.tasks.run_store(notify_state, lambda r: notify_loaded(settings, *r),
                                     lambda e: show_error(self, e), owner=self)

        app = self.ctx.app

        def notify_state() -> tuple[list[str], bool]:
            from dso_desktop.secretstore import SecretStoreError

            try:
                saved = app.notify.has_password()
            except SecretStoreError:  # no keyring: shown as not saved; saving will say so
                saved = False
            return [a.name for a in app.accounts.list()], saved

        def notify_loaded(settings: Settings, accounts: list[str], saved: bool) -> None:
            self.email_box.load(settings, accounts, saved)
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
            self.loaded.emit()

        self.ctx.tasks.run_store(svc.get, done, lambda e: show_error(self, e), owner=self)

    def _send_test_mail(self) -> None:
        if self._settings is not None:
            self.email_box.send_test(self._settings)

    def _choose_dir(self) -> None:
        d = QFileDialog.getExistingDirectory(self, self.tr("Data folder"))
        if d:
            self.data_dir.setText(d)

    def _choose_backup_dir(self) -> None:
        d = QFileDialog.getExistingDirectory(self, self.tr("Backup folder"))
        if d:
            self.backup_folder.setText(d)

    def _add_anchor(self) -> None:
        paths, _f = QFileDialog.getOpenFileNames(
            self, self.tr("Trust anchors"), "", self.tr("Certificates (*.pem *.crt *.cer *.der)")
        )
        self.anchors.addItems(paths)

    def changes(self) -> dict[str, Any]:
        return {
            "language": self.language.currentData(),
            "sync_interval_minutes": self.interval.value(),
            "proxy": self.proxy.text().strip() or None,
            "trust_download": self.trust_download.isChecked(),
            "timestamp_warning_days": self.ts_days.value(),
            "deletion_warning_days": self.del_days.value(),
            "password_warning_days": self.pw_days.value(),
            "backup_interval": self.backup_interval.currentData(),
            "backup_folder": self.backup_folder.text().strip() or None,
            "backup_keep": self.backup_keep.value(),
            "restamp_within_days": self.restamp_days.value(),
            "undelivered_warning_days": self.undelivered_days.value(),
            "tsa_url": self.tsa_url.text().strip() or None,
            "tsa_ca_file": self.tsa_ca.text().strip() or None,
            "trust_anchors": tuple(
                self.anchors.item(i).text() for i in range(self.anchors.count())
            ),
            **self.tray_box.changes(self._settings),
            **self.email_box.changes(),
        }

    def save(self) -> None:
        changes = self.changes()
        known = set(self._settings.trust_anchors) if self._settings is not None else set()
        new_anchors = [a for a in changes["trust_anchors"] if a not in known]
        prefs = dataclasses.replace(
            self._prefs,
            trust_anchors=(),
            check_updates=self.check_updates.isChecked(),
            language=changes["language"],
        )
        data_dir = self.data_dir.text().strip() or None
        default_paths = self._default_paths
        chosen = self._chosen
        svc = self.ctx.app.settings
        paths = self.ctx.paths
        demo = self.ctx.demo
        smtp_password = self.email_box.new_password()
        notify = self.ctx.app.notify
        store_url, store_password = self.store.pending()

        def work() -> None:
            from pathlib import Path

            from dso_desktop.services.notify import check_addresses
            from dso_desktop.services.trust import describe

            for anchor in new_anchors:  # raises TrustAnchorError (Czech text) for a bad file
                describe(Path(anchor))
            # A malformed proxy would only fail at the next login, far from this dialog:
            # ProxyConfigError (Czech text) now, before anything is saved.
            from dso_desktop.net import check_proxy

            check_proxy(changes["proxy"])
            check_addresses(changes)  # NotifyConfigError (Czech) before anything is saved
            if not demo:
                self.store.apply(paths, store_url, store_password)
            svc.update(**changes)
            if smtp_password is not None:  # to the OS keyring, never the archive
                notify.set_password(smtp_password)
            prefs.save(paths)
            if not demo and data_dir != chosen:
                base = GuiPrefs.load(default_paths)
                dataclasses.replace(base, data_dir=data_dir).save(default_paths)

        def done(_r: None) -> None:
            old = i18n.current()
            self.applied.emit()
            self.accept()
            if changes["language"] != old:
                i18n.install(changes["language"])
                self.language_changed.emit(changes["language"])

        self.ctx.tasks.run_store(work, done, lambda e: show_error(self, e), owner=self)


def _local_time(iso: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d.%m.%Y %H:%M")
    except ValueError:
        return iso
