"""The system tray icon: the app stays there with background sync, notifies, and quits."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon

# The seam for "is there a tray at all?": the main window takes it as an argument, so tests
# (offscreen has no tray) can say yes or no without touching Qt.
TrayAvailable = Callable[[], bool]


def system_tray_available() -> bool:
    """Whether the desktop has a system tray (the offscreen platform has none)."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class Tray(QObject):
    """The icon with its menu (open, synchronize all, quit) and the notifications."""

    open_requested = Signal()
    sync_requested = Signal()
    quit_requested = Signal()
    notified = Signal(str, str)  # title, text: every notification shown

    def __init__(self, icon: QIcon, tooltip: str, parent: QObject) -> None:
        super().__init__(parent)
        if icon.isNull():  # a tray icon without an image is invisible (and Qt warns)
            style = QApplication.style()
            icon = style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon)
        self.icon = QSystemTrayIcon(icon, parent)
        self.icon.setToolTip(tooltip)
        self.menu = QMenu()
        self.act_open = QAction(self.tr("Open DSO Desktop"), self.menu)
        self.act_open.triggered.connect(self.open_requested)
        self.act_sync = QAction(self.tr("Synchronize all"), self.menu)
        self.act_sync.triggered.connect(self.sync_requested)
        self.act_quit = QAction(self.tr("Quit"), self.menu)
        self.act_quit.triggered.connect(self.quit_requested)
        self.menu.addAction(self.act_open)
        self.menu.addAction(self.act_sync)
        self.menu.addSeparator()
        self.menu.addAction(self.act_quit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.show()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    def notify(self, title: str, text: str, *, warning: bool = False) -> None:
        icon = (QSystemTrayIcon.MessageIcon.Warning if warning
                else QSystemTrayIcon.MessageIcon.Information)
        self.icon.showMessage(title, text, icon, 15_000)
        self.notified.emit(title, text)

    def hide(self) -> None:
        self.icon.hide()
