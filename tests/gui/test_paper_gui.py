"""GUI of issue 16: envelope/delivery info dialog (save, print with preview, e-mail), the
batch export of selected messages, and the correspondence overview from the File menu."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import csv
import email
import io
from collections.abc import Callable
from datetime import date
from email import policy
from pathlib import Path
from typing import Any

import pytest
from tests.unit.reports.conftest import SUBJECT, assert_pdfa, text_has
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

pytestmark = pytest.mark.gui


@pytest.fixture
def stored(services: Any, pki: Any, make_zfo: Callable[..., bytes], tmp_path: Path
           ) -> list[int]:
    """Messages 7001 (with its delivery info) and 7002 in the GUI's archive."""
    services.add_trust_anchor(Path(pki.ca_file))
    files = []
    for name, kw in (("m", {"dm_id": "7001", "subject": SUBJECT}),
                     ("d", {"dm_id": "7001", "kind": "delivery-info"}),
                     ("s", {"dm_id": "7002", "kind": "sent", "subject": "Odpověď"})):
        (tmp_path / f"{name}.zfo").write_bytes(make_zfo(**kw))
        files.append(tmp_path / f"{name}.zfo")
    assert not services.zfo.import_files(files).needs_attention
    return [services.messages.find("7001")[0], services.messages.find("7002")[0]]


def test_save_the_pdf_of_one_message(qtbot: Any, ctx: Any, stored: list[int],
                                     tmp_path: Path) -> None:
    from dso_desktop.gui.paperui import DocumentsDialog

    dlg = DocumentsDialog(ctx, stored[:1])
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == "Obálka a doručenka"  # Czech UI
    dlg.part_buttons["both"].setChecked(True)
    with qtbot.waitSignal(dlg.saved, timeout=20_000) as got:
        dlg.save(tmp_path / "out.pdf")
    assert got.args[0] == [tmp_path / "out.pdf"]
    data = (tmp_path / "out.pdf").read_bytes()
    assert_pdfa(data)
    text_has(data, "Obálka datové zprávy", "Doručenka", "7001", SUBJECT)
    assert "out.pdf" in dlg.status.text()


def test_print_preview_draws_every_page(qtbot: Any, ctx: Any, stored: list[int],
                                        tmp_path: Path) -> None:
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from dso_desktop.gui.paperui import DocumentsDialog, paint_pages, render_pages

    dlg = DocumentsDialog(ctx, stored[:1], show_preview=False)
    qtbot.addWidget(dlg)
    dlg.part_buttons["both"].setChecked(True)
    with qtbot.waitSignal(dlg.preview_ready, timeout=20_000) as got:
        dlg.print_document()
    preview = got.args[0]
    qtbot.addWidget(preview)
    assert preview.windowTitle() == "Náhled tisku"
    # What the preview (and the print) draws: each page of the generated PDF, to a PDF
    # "printer" here, so the result can be counted.
    pages = render_pages(ctx.app.paper.message_pdf(stored[0], "both"), dpi=60)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert paint_pages(printer, pages) == len(pages) >= 2
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == len(pages)


def test_send_by_email_writes_the_eml_and_opens_it(qtbot: Any, ctx: Any,
                                                   stored: list[int]) -> None:
    from dso_desktop.gui.paperui import DocumentsDialog

    opened: list[Path] = []
    dlg = DocumentsDialog(ctx, stored[:1], opener=opened.append)
    qtbot.addWidget(dlg)
    dlg.mail_pdf.setChecked(True)
    with qtbot.waitSignal(dlg.emailed, timeout=20_000):
        dlg.send_email()
    assert len(opened) == 1 and opened[0].suffix == ".eml"
    assert opened[0].stat().st_mode & 0o077 == 0  # message contents stay private
    msg = email.message_from_bytes(opened[0].read_bytes(), policy=policy.default)
    names = sorted(p.get_filename() or "" for p in msg.iter_attachments())
    assert names == ["DDZ_7001.zfo", "Obalka_a_dorucenka_7001.pdf"]


def test_batch_export_of_the_selected_messages(qtbot: Any, ctx: Any, stored: list[int],
                                               tmp_path: Path) -> None:
    from dso_desktop.gui.paperui import DocumentsDialog

    dlg = DocumentsDialog(ctx, stored)
    qtbot.addWidget(dlg)
    assert not dlg.print_button.isVisibleTo(dlg)  # one PDF per message, to a folder
    with qtbot.waitSignal(dlg.saved, timeout=20_000) as got:
        dlg.save(tmp_path / "batch")
    assert sorted(p.name for p in got.args[0]) == ["Obalka_7001.pdf", "Obalka_7002.pdf"]


def test_overview_from_the_file_menu(qtbot: Any, window: Any, stored: list[int],
                                     tmp_path: Path) -> None:
    from dso_desktop.gui.paperui import OverviewDialog

    file_menu = window.menuBar().actions()[0].menu()
    assert window.act_overview in file_menu.actions()
    window.act_overview.trigger()
    dlg = next(d for d in window._dialogs if isinstance(d, OverviewDialog))
    assert dlg.windowTitle() == "Přehled korespondence"
    dlg.date_from.setDate(date(2026, 3, 1))
    dlg.date_to.setDate(date(2026, 3, 31))
    dlg.direction.setCurrentIndex(dlg.direction.findData("received"))
    dlg.format.setCurrentIndex(dlg.format.findData("csv"))
    with qtbot.waitSignal(dlg.saved, timeout=20_000):
        dlg.save(tmp_path / "p.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "p.csv").read_text("utf-8-sig")),
                           delimiter=";"))
    assert [r[0] for r in rows if r and r[0].isdigit()] == ["7001"]
    dlg.date_from.setDate(date(2026, 4, 1))
    dlg.save(tmp_path / "never.csv")
    assert "končí dřív" in dlg.status.text() and not (tmp_path / "never.csv").exists()


def test_message_menu_and_detail_pane_open_the_documents(qtbot: Any, window: Any,
                                                         stored: list[int]) -> None:
    from dso_desktop.gui.paperui import DocumentsDialog

    message_menu = window.menuBar().actions()[2].menu()
    assert {window.act_documents, window.act_export_pdfs} <= set(message_menu.actions())
    dlg = window.open_documents(stored)
    assert isinstance(dlg, DocumentsDialog) and dlg.save_button.text().startswith(
        "&Uložit PDF do složky")
    with qtbot.waitSignal(window.detail.message_loaded, timeout=10_000):
        window.detail.show_message(stored[0])
    assert window.detail.documents_button.isEnabled()
    single = window.detail.documents()
    assert isinstance(single, DocumentsDialog)
    qtbot.addWidget(single)
