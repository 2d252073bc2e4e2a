"""The actions, menus and toolbar of the main window (keyboard shortcuts included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

if TYPE_CHECKING:
    from dso_desktop.gui.mainwindow import MainWindow

translate = QCoreApplication.translate


def build_actions(w: MainWindow) -> None:
    """Create the window's actions as attributes (``w.act_*``), its menus and toolbar."""

    def act(text: str, slot: Callable[[], object],
            shortcut: str | QKeySequence.StandardKey | None = None, tip: str = "") -> QAction:
        a = QAction(text, w)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.setToolTip(tip or text.replace("&", ""))
        a.triggered.connect(slot)
        return a

    w.act_sync = act(
        translate("MainWindow", "&Synchronize"),
        w.sync_current,
        "F5",
        translate("MainWindow", "Download new messages of the selected data box"),
    )
    w.act_sync_all = act(translate("MainWindow", "Synchronize &all"), w.sync_all, "Shift+F5")
    w.act_cancel_sync = act(translate("MainWindow", "&Cancel synchronization"), w.sync.cancel_all)
    w.act_new = act(
        translate("MainWindow", "&New message…"), w.compose_new, QKeySequence.StandardKey.New
    )
    w.act_reply = act(translate("MainWindow", "&Reply…"), w.compose_reply, "Ctrl+R")
    w.act_forward = act(translate("MainWindow", "&Forward…"), w.compose_forward, "Ctrl+Shift+R")
    w.act_open_zfo = act(
        translate("MainWindow", "&Open ZFO file…"), w.open_zfo_dialog, QKeySequence.StandardKey.Open
    )
    w.act_import = act(translate("MainWindow", "&Import ZFO files…"), w.import_zfo_dialog, "Ctrl+I")
    w.act_export = act(
        translate("MainWindow", "&Export message…"), lambda: w.detail.export(), "Ctrl+E"
    )
    w.act_documents = act(
        translate("MainWindow", "Envelope and &delivery info (PDF, print, e-mail)…"),
        lambda: w.open_documents(), "Ctrl+P")
    w.act_export_pdfs = act(
        translate("MainWindow", "Export envelopes of the selected messages…"),
        lambda: w.open_documents())
    w.act_overview = act(translate("MainWindow", "Correspondence &overview…"),
                         w.open_overview)
    w.act_add_account = act(translate("MainWindow", "&Add data box…"), w.add_account)
    w.act_remove_account = act(translate("MainWindow", "&Remove data box…"), w.remove_account)
    w.act_edit_account = act(translate("MainWindow", "&Edit data box…"),
                             lambda: w.edit_account())
    w.act_change_password = act(translate("MainWindow", "Change &password…"),
                                lambda: w.change_password())
    w.act_settings = act(
        translate("MainWindow", "&Settings…"), w.open_settings, QKeySequence.StandardKey.Preferences
    )
    w.act_search = act(translate("MainWindow", "Full-text &search…"), w.open_search, "Ctrl+Shift+F")
    w.act_filter = act(
        translate("MainWindow", "Quick &filter"), w._focus_filter, QKeySequence.StandardKey.Find
    )
    w.act_tags = act(translate("MainWindow", "&Tags…"), w.open_tags, "Ctrl+T")
    w.act_unread = act(
        translate("MainWindow", "Mark as &unread"), lambda: w._mark_read(False), "Ctrl+U"
    )
    w.act_read = act(translate("MainWindow", "Mark as r&ead"), lambda: w._mark_read(True))
    w.act_verify = act(
        translate("MainWindow", "&Verify signature"), lambda: w.detail.verify(), "Ctrl+Shift+V"
    )
    w.act_handover = act(
        translate("MainWindow", "&Hand over to records management…"), w.open_handover, None,
        translate("MainWindow", "Hand the selected messages or a period over to the records "
                  "management service"),
    )
    w.act_warnings = act(translate("MainWindow", "Refresh &warnings"), w.reload_warnings)
    w.act_check = act(
        translate("MainWindow", "&Check archive…"), w.check_archive, None,
        translate("MainWindow", "Verify every stored signature and find untrusted or "
                  "conflicting copies"),
    )
    w.act_restamp = act(
        translate("MainWindow", "&Restamp expiring messages…"), w.restamp_expiring, None,
        translate("MainWindow", "Renew the evidence of every message whose signature or "
                  "timestamp stops being verifiable soon"),
    )
    w.act_quit = act(translate("MainWindow", "&Quit"), w.quit_app,
                     QKeySequence.StandardKey.Quit)
    w.act_about = act(translate("MainWindow", "&About DSO Desktop"), w._about)
    w.act_help = act(translate("MainWindow", "User &manual"), w.open_help,
                     QKeySequence.StandardKey.HelpContents)
    w.act_check_updates = act(translate("MainWindow", "Check for &updates"),
                              w.check_updates_now)

    mb = w.menuBar()
    m = mb.addMenu(translate("MainWindow", "&File"))
    for a in (
        w.act_open_zfo,
        w.act_import,
        w.act_export,
        w.act_overview,
        w.act_check,
        w.act_restamp,
        None,
        w.act_settings,
        None,
        w.act_quit,
    ):
        m.addSeparator() if a is None else m.addAction(a)
    m = mb.addMenu(translate("MainWindow", "&Data box"))
    for a in (
        w.act_sync,
        w.act_sync_all,
        w.act_cancel_sync,
        None,
        w.act_add_account,
        w.act_edit_account,
        w.act_change_password,
        w.act_remove_account,
    ):
        m.addSeparator() if a is None else m.addAction(a)
    m = mb.addMenu(translate("MainWindow", "&Message"))
    for a in (
        w.act_new,
        w.act_reply,
        w.act_forward,
        None,
        w.act_read,
        w.act_unread,
        w.act_verify,
        w.act_tags,
        None,
        w.act_handover,
        w.act_documents,
        w.act_export_pdfs,
    ):
        m.addSeparator() if a is None else m.addAction(a)
    m = mb.addMenu(translate("MainWindow", "&Search"))
    for a in (w.act_filter, w.act_search, w.act_warnings):
        m.addAction(a)
    m = mb.addMenu(translate("MainWindow", "&Help"))
    m.addAction(w.act_help)
    m.addAction(w.act_check_updates)
    m.addAction(w.act_about)

    tb = QToolBar(translate("MainWindow", "Main toolbar"))
    tb.setObjectName("mainToolbar")
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    tb.setMovable(False)
    for a in (
        w.act_sync_all,
        w.act_new,
        w.act_reply,
        w.act_forward,
        None,
        w.act_open_zfo,
        w.act_import,
        w.act_search,
        w.act_tags,
        None,
        w.act_add_account,
        w.act_settings,
    ):
        tb.addSeparator() if a is None else tb.addAction(a)
    w.addToolBar(tb)
    w.act_cancel_sync.setEnabled(False)
