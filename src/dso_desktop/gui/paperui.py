"""On paper (issue 16): the PDF envelope and delivery info of a message (save, print with
preview, send by e-mail), a batch export of the selected messages, and the correspondence
overview. The documents are made in the core (`app.paper`, on the store thread); the GUI
only saves, opens and prints them. Printing draws the pages of the generated PDF, rendered
by PDFium off the GUI thread, through Qt's print preview."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QDate, QRectF, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dso_desktop.gui.errors import show_error

if TYPE_CHECKING:
    from dso_desktop.gui.context import GuiContext

translate = QCoreApplication.translate
PRINT_DPI = 200  # sharp enough for text on paper, small enough to render quickly
Opener = Callable[[Path], Any]


def open_with_system(path: Path) -> bool:
    """Hand a file to the desktop (the default mail client for .eml)."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


@dataclass(frozen=True)
class PageImage:
    """One rendered page: RGB pixels and the page size in points (1/72 in)."""

    width: int
    height: int
    rgb: bytes
    width_pt: float
    height_pt: float


def render_pages(pdf: bytes, dpi: int = PRINT_DPI) -> list[PageImage]:
    """The pages of ``pdf`` as RGB images (PDFium); runs on a worker thread."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    pages: list[PageImage] = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            w_pt, h_pt = page.get_size()
            bitmap = page.render(scale=dpi / 72)
            img = bitmap.to_pil().convert("RGB")
            pages.append(PageImage(img.width, img.height, img.tobytes(), w_pt, h_pt))
            page.close()
    finally:
        doc.close()
    return pages


def paint_pages(printer: QPrinter, pages: Sequence[PageImage]) -> int:
    """Draw ``pages`` on ``printer`` (or the preview's printer), one per sheet, scaled to
    fit; returns the number of pages drawn."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        for n, p in enumerate(pages):
            if n:
                printer.newPage()
            image = QImage(p.rgb, p.width, p.height, 3 * p.width, QImage.Format.Format_RGB888)
            area = painter.viewport()
            scale = min(area.width() / p.width, area.height() / p.height)
            target = QRectF(0, 0, p.width * scale, p.height * scale)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(pages)


def print_preview(parent: QWidget | None, pages: Sequence[PageImage], *,
                  show: bool = True) -> QPrintPreviewDialog:
    """Qt's print preview of the rendered pages; printing goes through the same painter."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dlg = QPrintPreviewDialog(printer, parent)
    dlg.setWindowTitle(translate("Paper", "Print preview"))
    dlg.paintRequested.connect(lambda pr: paint_pages(pr, pages))
    if show:
        dlg.open()
    return dlg


class DocumentsDialog(QDialog):
    """Envelope and delivery info of one message, or a batch of selected messages: save
    as PDF/A, print with preview, send by e-mail (one message)."""

    saved = Signal(list)  # paths written
    emailed = Signal(object)  # path of the .eml handed to the mail client
    preview_ready = Signal(object)  # the QPrintPreviewDialog

    def __init__(self, ctx: GuiContext, message_ids: Sequence[int],
                 parent: QWidget | None = None, *, opener: Opener = open_with_system,
                 show_preview: bool = True) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._ids = list(message_ids)
        self._opener = opener
        self._show_preview = show_preview
        self.setObjectName("documentsDialog")
        single = len(self._ids) == 1
        self.setWindowTitle(self.tr("Envelope and delivery info") if single
                            else self.tr("Export envelopes of the selected messages (%1)")
                            .replace("%1", str(len(self._ids))))
        self.setMinimumWidth(420)

        part_box = QGroupBox(self.tr("Document"))
        part_layout = QVBoxLayout(part_box)
        self.parts = QButtonGroup(self)
        self.part_buttons: dict[str, QRadioButton] = {}
        for value, label in (("envelope", self.tr("Envelope (obálka)")),
                             ("delivery-info", self.tr("Delivery info (doručenka)")),
                             ("both", self.tr("Both in one file"))):
            b = QRadioButton(label)
            b.setObjectName(f"part-{value}")
            self.parts.addButton(b)
            self.part_buttons[value] = b
            part_layout.addWidget(b)
        self.part_buttons["envelope"].setChecked(True)

        self.save_button = QPushButton(self.tr("&Save PDF…") if single
                                       else self.tr("&Save PDFs to a folder…"))
        self.print_button = QPushButton(self.tr("&Print…"))
        self.print_button.setToolTip(self.tr("Print with a preview"))
        self.save_button.clicked.connect(lambda: self.save())
        self.print_button.clicked.connect(lambda: self.print_document())

        mail_box = QGroupBox(self.tr("Send by e-mail"))
        mail_layout = QVBoxLayout(mail_box)
        self.mail_attachments = QCheckBox(self.tr("Attach the attachments"))
        self.mail_pdf = QCheckBox(self.tr("Attach the PDF envelope"))
        self.mail_button = QPushButton(self.tr("Send by &e-mail…"))
        self.mail_button.setToolTip(self.tr("Writes an e-mail with the ZFO and opens it in "
                                            "the default mail client"))
        self.mail_button.clicked.connect(lambda: self.send_email())
        for w in (self.mail_attachments, self.mail_pdf, self.mail_button):
            mail_layout.addWidget(w)
        mail_box.setVisible(single)
        self.print_button.setVisible(single)

        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(part_box)
        layout.addLayout(buttons)
        layout.addWidget(mail_box)
        layout.addWidget(self.status)
        layout.addWidget(close)

    def part(self) -> str:
        for value, b in self.part_buttons.items():
            if b.isChecked():
                return value
        return "envelope"

    def _busy(self, on: bool, text: str = "") -> None:
        for b in (self.save_button, self.print_button, self.mail_button):
            b.setEnabled(not on)
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        show_error(self, exc)

    def save(self, target: Path | None = None) -> None:
        """One message: a PDF file (asked for unless given); several: a folder."""
        from dso_desktop.reports.model import Part

        paper = self._ctx.app.paper
        part = Part(self.part())
        if len(self._ids) == 1:
            if target is None:
                name, _ = QFileDialog.getSaveFileName(
                    self, self.tr("Save PDF"), "", self.tr("PDF documents (*.pdf)"))
                if not name:
                    return
                target = Path(name)
            mid, out = self._ids[0], target

            def work() -> list[Path]:
                return [paper.save_message_pdf(mid, out, part)]
        else:
            if target is None:
                folder = QFileDialog.getExistingDirectory(self, self.tr("Save PDFs to"))
                if not folder:
                    return
                target = Path(folder)
            ids, out_dir = list(self._ids), target

            def work() -> list[Path]:
                return paper.export_pdfs(ids, out_dir, part)

        def done(paths: list[Path]) -> None:
            self._busy(False, self.tr("Saved: %1").replace(
                "%1", ", ".join(p.name for p in paths[:5])
                + (" …" if len(paths) > 5 else "")))
            self.saved.emit(paths)

        self._busy(True, self.tr("Making the PDF…"))
        self._ctx.tasks.run_store(work, done, self._failed, owner=self)

    def print_document(self) -> None:
        """Generate the PDF and render its pages off the GUI thread, then the preview."""
        from dso_desktop.reports.model import Part

        paper = self._ctx.app.paper
        mid, part = self._ids[0], Part(self.part())

        def done(pages: list[PageImage]) -> None:
            self._busy(False)
            self.preview_ready.emit(print_preview(self, pages, show=self._show_preview))

        self._busy(True, self.tr("Preparing the print…"))
        self._ctx.tasks.run_store(lambda: render_pages(paper.message_pdf(mid, part)), done,
                                  self._failed, owner=self)

    def send_email(self) -> None:
        """Write the .eml into a private scratch folder and open it in the mail client."""
        paper = self._ctx.app.paper
        mid = self._ids[0]
        attachments, pdf = self.mail_attachments.isChecked(), self.mail_pdf.isChecked()
        folder = self._ctx.scratch_dir("email")

        def work() -> Path:
            return paper.write_eml(mid, folder, attachments=attachments, pdf=pdf)

        def done(path: Path) -> None:
            self._busy(False, self.tr("E-mail opened in the mail client: %1").replace(
                "%1", path.name))
            self._opener(path)
            self.emailed.emit(path)

        self._busy(True, self.tr("Writing the e-mail…"))
        self._ctx.tasks.run_store(work, done, self._failed, owner=self)


def _day(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


FORMATS = (("csv", "CSV (Excel)"), ("html", "HTML"), ("pdf", "PDF/A"))


class OverviewDialog(QDialog):
    """The correspondence overview of a period: account, direction, format; saved to a
    file chosen by the user."""

    saved = Signal(object)  # the path written

    def __init__(self, ctx: GuiContext, accounts: Sequence[str],
                 parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.setObjectName("overviewDialog")
        self.setWindowTitle(self.tr("Correspondence overview"))
        today = today or date.today()
        first = today.replace(day=1)
        self.date_from = QDateEdit(QDate(first.year, first.month, first.day))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("d. M. yyyy")
        self.account = QComboBox()
        self.account.addItem(self.tr("All data boxes"), None)
        for name in accounts:
            self.account.addItem(name, name)
        self.direction = QComboBox()
        self.direction.addItem(self.tr("Received and sent"), None)
        self.direction.addItem(self.tr("Received"), "received")
        self.direction.addItem(self.tr("Sent"), "sent")
        self.format = QComboBox()
        for value, label in FORMATS:
            self.format.addItem(label, value)
        form = QFormLayout()
        form.addRow(self.tr("&From:"), self.date_from)
        form.addRow(self.tr("&To:"), self.date_to)
        form.addRow(self.tr("&Data box:"), self.account)
        form.addRow(self.tr("D&irection:"), self.direction)
        form.addRow(self.tr("F&ormat:"), self.format)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton(self.tr("&Save overview…"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        close.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(close)

    def save(self, target: Path | None = None) -> None:
        from dso_desktop.domain import Direction
        from dso_desktop.reports.overview import Format

        start, end = _day(self.date_from.date()), _day(self.date_to.date())
        if end < start:
            self.status.setText(self.tr("The period ends before it starts."))
            return
        fmt = Format(self.format.currentData())
        if target is None:
            name, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save overview"), f"prehled-korespondence.{fmt}",
                f"{self.format.currentText()} (*.{fmt})")
            if not name:
                return
            target = Path(name)
        account = self.account.currentData()
        direction = Direction(self.direction.currentData()) if self.direction.currentData() \
            else None
        paper = self._ctx.app.paper
        out = target

        def work() -> tuple[Path, int]:
            ov = paper.overview(start, end, account=account, direction=direction)
            return paper.save_overview(ov, fmt, out), len(ov.rows)

        def done(result: tuple[Path, int]) -> None:
            path, n = result
            self.save_button.setEnabled(True)
            self.status.setText(self.tr("Saved %1 (%2 messages).").replace(
                "%1", path.name).replace("%2", str(n)))
            self.saved.emit(path)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.status.setText("")
            show_error(self, exc)

        self.save_button.setEnabled(False)
        self.status.setText(self.tr("Making the overview…"))
        self._ctx.tasks.run_store(work, done, failed, owner=self)
