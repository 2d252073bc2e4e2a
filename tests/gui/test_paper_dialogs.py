"""The paper dialogs' edges: a document that does not exist (no delivery info yet, a
message gone) is refused visibly and the dialog stays usable; printing to a printer that
cannot start draws nothing; the overview's defaults, filters and formats."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.gui.paperui import DocumentsDialog, OverviewDialog, PageImage, paint_pages

pytestmark = pytest.mark.gui


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    shown: list[Any] = []
    monkeypatch.setattr("dso_desktop.gui.paperui.show_error",
                        lambda parent, exc: shown.append(exc))
    return shown


@pytest.fixture
def stored(services: Any, pki: Any, make_zfo: Callable[..., bytes], tmp_path: Path
           ) -> dict[str, int]:
    """7101 received (no delivery info), 7102 sent, both in March 2026."""
    services.add_trust_anchor(Path(pki.ca_file))
    files = []
    for name, kw in (("r", {"dm_id": "7101", "subject": "Žádost o dotaci"}),
                     ("s", {"dm_id": "7102", "kind": "sent", "subject": "Odpověď na žádost"})):
        (tmp_path / f"{name}.zfo").write_bytes(make_zfo(**kw))
        files.append(tmp_path / f"{name}.zfo")
    assert not services.zfo.import_files(files).needs_attention
    return {dm: services.messages.find(dm)[0] for dm in ("7101", "7102")}


def documents(qtbot: Any, ctx: Any, ids: list[int]) -> DocumentsDialog:
    dlg = DocumentsDialog(ctx, ids, opener=lambda p: None, show_preview=False)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


# --- the documents dialog ----------------------------------------------------------------


def test_one_message_offers_print_and_mail_a_batch_does_not(qtbot: Any, ctx: Any) -> None:
    one = documents(qtbot, ctx, [1])
    assert one.windowTitle() == "Obálka a doručenka"
    assert one.print_button.isVisible() and one.mail_button.isVisible()
    assert one.part() == "envelope"
    many = documents(qtbot, ctx, [1, 2, 3])
    assert many.windowTitle() == "Export obálek vybraných zpráv (3)"
    assert not many.print_button.isVisible() and not many.mail_button.isVisible()


def test_the_chosen_part_is_what_is_made(qtbot: Any, ctx: Any) -> None:
    dlg = documents(qtbot, ctx, [1])
    for value in ("delivery-info", "both", "envelope"):
        dlg.part_buttons[value].setChecked(True)
        assert dlg.part() == value


def test_a_delivery_info_not_in_the_archive_is_said_on_paper(qtbot: Any, ctx: Any,
                                                             stored: dict[str, int],
                                                             tmp_path: Path) -> None:
    from tests.unit.reports.conftest import text_has

    dlg = documents(qtbot, ctx, [stored["7101"]])
    dlg.part_buttons["delivery-info"].setChecked(True)
    out = tmp_path / "dorucenka.pdf"
    with qtbot.waitSignal(dlg.saved, timeout=20_000) as got:
        dlg.save(out)
        assert not dlg.save_button.isEnabled() and dlg.status.text() == "Vytváří se PDF…"
    assert got.args[0] == [out]
    # The paper must not pretend a sealed delivery info exists.
    text_has(out.read_bytes(), "Doručenka", "7101", "není v archivu")
    assert dlg.save_button.isEnabled() and dlg.status.text() == "Uloženo: dorucenka.pdf"


def test_a_message_that_is_gone_is_refused_for_print_and_mail(qtbot: Any, ctx: Any,
                                                              errors: list[Any]) -> None:
    dlg = documents(qtbot, ctx, [987654])
    dlg.print_document()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=20_000)
    assert dlg.print_button.isEnabled()
    dlg.send_email()
    qtbot.waitUntil(lambda: len(errors) == 2, timeout=20_000)
    assert dlg.mail_button.isEnabled()


def test_a_batch_names_the_first_files_and_counts_the_rest(qtbot: Any, ctx: Any,
                                                           stored: dict[str, int],
                                                           tmp_path: Path) -> None:
    dlg = documents(qtbot, ctx, [stored["7101"], stored["7102"]])
    with qtbot.waitSignal(dlg.saved, timeout=20_000) as got:
        dlg.save(tmp_path / "davka")
    names = sorted(p.name for p in got.args[0])
    assert names == ["Obalka_7101.pdf", "Obalka_7102.pdf"]
    assert dlg.status.text().startswith("Uloženo: ") and " …" not in dlg.status.text()
    assert all((tmp_path / "davka" / n).read_bytes().startswith(b"%PDF") for n in names)


@pytest.mark.qt_log_ignore("QPainter::begin")
def test_a_printer_that_cannot_start_draws_nothing(qapp: Any, tmp_path: Path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "neni" / "slozka" / "tisk.pdf"))
    page = PageImage(2, 2, b"\xff" * 12, 595.0, 842.0)
    assert paint_pages(printer, [page]) == 0


def test_pages_are_scaled_to_the_sheet(qapp: Any, tmp_path: Path) -> None:
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "tisk.pdf"
    printer.setOutputFileName(str(out))
    pages = [PageImage(40, 60, bytes([200, 10, 10]) * 2400, 595.0, 842.0),
             PageImage(60, 40, bytes([10, 10, 200]) * 2400, 842.0, 595.0)]
    assert paint_pages(printer, pages) == 2
    assert len(PdfReader(out).pages) == 2


# --- the overview ------------------------------------------------------------------------


def overview(qtbot: Any, ctx: Any, **kw: Any) -> OverviewDialog:
    dlg = OverviewDialog(ctx, ["obec", "skola"], **kw)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_the_overview_starts_with_this_month(qtbot: Any, ctx: Any) -> None:
    dlg = overview(qtbot, ctx, today=date(2026, 5, 17))
    assert dlg.date_from.date().toPython() == date(2026, 5, 1)
    assert dlg.date_to.date().toPython() == date(2026, 5, 17)
    assert dlg.windowTitle() == "Přehled korespondence"
    assert [dlg.account.itemText(i) for i in range(dlg.account.count())] == [
        "Všechny datové schránky", "obec", "skola"]
    assert dlg.direction.itemText(0) == "Přijaté i odeslané"
    assert [dlg.format.itemData(i) for i in range(dlg.format.count())] == ["csv", "html", "pdf"]


def test_a_period_with_nothing_in_it_is_an_empty_overview(qtbot: Any, ctx: Any,
                                                          tmp_path: Path) -> None:
    dlg = overview(qtbot, ctx, today=date(2026, 5, 17))
    with qtbot.waitSignal(dlg.saved, timeout=20_000) as got:
        dlg.save(tmp_path / "prazdny.csv")
    assert got.args[0] == tmp_path / "prazdny.csv"
    assert dlg.status.text() == "Uloženo prazdny.csv (zpráv: 0)."
    assert dlg.save_button.isEnabled()


def test_the_overview_filters_by_direction(qtbot: Any, ctx: Any, stored: dict[str, int],
                                           tmp_path: Path) -> None:
    dlg = overview(qtbot, ctx, today=date(2026, 12, 31))
    dlg.date_from.setDate(date(2000, 1, 1))

    def dm_ids(direction: str | None, name: str) -> list[str]:
        dlg.direction.setCurrentIndex(dlg.direction.findData(direction))
        with qtbot.waitSignal(dlg.saved, timeout=20_000):
            dlg.save(tmp_path / name)
        rows = csv.reader(io.StringIO((tmp_path / name).read_text("utf-8-sig")), delimiter=";")
        return sorted(r[0] for r in rows if r and r[0].isdigit())

    assert dm_ids(None, "vse.csv") == ["7101", "7102"]
    assert dm_ids("received", "prijate.csv") == ["7101"]
    assert dm_ids("sent", "odeslane.csv") == ["7102"]
    assert dlg.status.text() == "Uloženo odeslane.csv (zpráv: 1)."


def test_the_html_overview_escapes_what_it_shows(qtbot: Any, ctx: Any, services: Any,
                                                 pki: Any, make_zfo: Callable[..., bytes],
                                                 tmp_path: Path) -> None:
    services.add_trust_anchor(Path(pki.ca_file))
    z = tmp_path / "x.zfo"
    z.write_bytes(make_zfo(dm_id="7103", subject="<script>alert(1)</script> & spol."))
    services.zfo.import_files([z])
    dlg = overview(qtbot, ctx, today=date(2026, 12, 31))
    dlg.date_from.setDate(date(2000, 1, 1))
    dlg.format.setCurrentIndex(dlg.format.findData("html"))
    with qtbot.waitSignal(dlg.saved, timeout=20_000):
        dlg.save(tmp_path / "prehled.html")
    html = (tmp_path / "prehled.html").read_text("utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "7103" in html
