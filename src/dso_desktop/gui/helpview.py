"""The user manual (F1, Help menu): the Czech Markdown in ``resources/help`` in a window."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from dso_desktop.resources import resource_path

MANUAL = ("help", "prirucka.md")


def manual_path() -> str:
    return str(resource_path(*MANUAL))


class HelpWindow(QDialog):
    """Shows the manual (a local file shipped in the bundle: nothing is fetched)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("User manual"))
        self.resize(760, 680)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setAccessibleName(self.tr("User manual"))
        try:
            with open(manual_path(), encoding="utf-8") as f:
                self.browser.setMarkdown(f.read())
        except OSError:
            self.browser.setPlainText(self.tr("The user manual is missing from this "
                                              "installation."))
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser)
