"""The archive's database in the settings dialog: the local SQLite file or an office's
PostgreSQL server, with a connection test (off the GUI thread).

The URL is saved per installation (`services.storeconfig`), never with a password: a
password typed here goes to the system keyring. The new archive is used after a restart.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from dso_desktop.gui.context import GuiContext


class StoreSettings(QGroupBox):
    """URL + password + "Test connection"; `apply()` (a worker thread) saves them."""

    tested = Signal(bool, str)  # ok, the text shown

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from dso_desktop.services import storeconfig as sc

        self.ctx = ctx
        self.setTitle(self.tr("Archive database"))
        self.url = QLineEdit()
        self.url.setPlaceholderText(self.tr("(local file on this computer)"))
        self.url.setToolTip("postgresql://uzivatel@server/dso")
        self.url.setAccessibleName(self.tr("Archive database address"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("(from the keyring or the password file)"))
        self.password.setAccessibleName(self.tr("Archive database password"))
        self.test = QPushButton(self.tr("Test connection"))
        self.test.setAccessibleName(self.tr("Test the connection to the archive database"))
        self.test.clicked.connect(self.run_test)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Connection test result"))
        note = QLabel(self.tr("A shared archive of the office (PostgreSQL). Leave empty for "
                              "the local archive. A change applies after a restart."))
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Address:"), self.url)
        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.test)
        form.addRow(self.tr("Password:"), row)
        form.addRow("", self.status)
        form.addRow("", note)
        try:
            saved = sc.saved_store_url(ctx.paths)
        except sc.StoreConfigError:
            saved = None
        self._saved = saved or ""
        self.url.setText(self._saved)

    def run_test(self) -> None:
        from dso_desktop.services import storeconfig as sc

        url, password = self.url.text().strip(), self.password.text()
        if not url:
            self._show(True, self.tr("The local archive on this computer is used."))
            return
        self.test.setEnabled(False)
        self.status.setText(self.tr("Connecting…"))

        def work() -> Any:
            return sc.test_connection(sc.with_password(url, password))

        def done(info: Any) -> None:
            self.test.setEnabled(True)
            schema = info.schema_revision or self.tr("empty, it will be created")
            self._show(True, self.tr("Connected to {db} as {user} (PostgreSQL {v}); "
                                     "archive: {schema}.").format(
                db=info.database, user=info.user, v=info.server_version, schema=schema))

        def failed(exc: BaseException) -> None:
            self.test.setEnabled(True)
            self._show(False, str(getattr(exc, "message_cs", "")) or self.tr(
                "The connection failed."))

        self.ctx.tasks.run_net(work, done, failed, owner=self)

    def _show(self, ok: bool, text: str) -> None:
        self.status.setText(text)
        self.tested.emit(ok, text)

    def pending(self) -> tuple[str | None, str]:
        """What OK will save: (URL or None for the local file, the typed password)."""
        return self.url.text().strip() or None, self.password.text()

    @staticmethod
    def apply(paths: Any, url: str | None, password: str) -> None:
        """Save (worker thread): the URL without password, the password to the keyring.
        Raises `StoreConfigError` (Czech text) for a URL with a password or a bad one."""
        from dso_desktop.services import storeconfig as sc

        sc.save_store_url(paths, url)
        if url and password:
            sc.set_store_password(url, password)
