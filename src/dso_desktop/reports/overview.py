"""The correspondence overview ("Přehled korespondence") as CSV, HTML and PDF.

- CSV as Czech Excel opens it: UTF-8 with a BOM, semicolons, CRLF. A cell that a
  spreadsheet would take for a formula (starting with ``= + - @``, a tab or a CR) gets a
  leading apostrophe, so a subject chosen by a sender can never run as a formula.
- HTML: one self-contained file (inline style, no scripts, no images, no links out; a
  Content-Security-Policy of ``default-src 'none'`` says so to the browser too).
- PDF: PDF/A-2b, landscape, the table header repeated on every page.

Every format starts with the counts per direction and state.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from dso_desktop import __version__
from dso_desktop.domain import Direction
from dso_desktop.reports.model import (
    DIRECTION_CS,
    Overview,
    OverviewRow,
    local_time,
    status_cs,
    strip_bidi,
)


class Format(StrEnum):
    CSV = "csv"
    HTML = "html"
    PDF = "pdf"


TITLE = "Přehled korespondence"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# (Czech header, value of a row) for the CSV and HTML columns.
COLUMNS: tuple[tuple[str, Callable[[OverviewRow], str]], ...] = (
    ("ID zprávy", lambda r: r.dm_id),
    ("Směr", lambda r: DIRECTION_CS.get(r.direction, str(r.direction))),
    ("Účet", lambda r: r.account or ""),
    ("Dodáno", lambda r: local_time(r.delivered_at)),
    ("Doručeno", lambda r: local_time(r.accepted_at)),
    ("Stav", lambda r: status_cs(r.status)),
    ("Odesílatel", lambda r: r.sender or ""),
    ("ID schránky odesílatele", lambda r: r.sender_box_id or ""),
    ("Adresát", lambda r: r.recipient or ""),
    ("ID schránky adresáta", lambda r: r.recipient_box_id or ""),
    ("Věc", lambda r: r.subject or ""),
    ("Č. j. odesílatele", lambda r: r.our_ref or ""),
    ("Č. j. adresáta", lambda r: r.your_ref or ""),
    ("Počet příloh", lambda r: str(r.attachment_count)),
    ("Ověření", lambda r: r.verdict or ""),
)


def _defuse(value: str) -> str:
    value = strip_bidi(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(ov: Overview) -> bytes:
    """UTF-8 with BOM, ``;``-separated; the summary lines first, an empty line, then the
    table with its header row."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([TITLE])
    w.writerow([_defuse(ov.scope_text())])
    for d, state, n in ov.counts():
        w.writerow([DIRECTION_CS[d], _defuse(state), str(n)])
    w.writerow([])
    w.writerow([h for h, _ in COLUMNS])
    getters = [g for _, g in COLUMNS]
    w.writerows([_defuse(g(r)) for g in getters] for r in ov.rows)
    return buf.getvalue().encode("utf-8-sig")


HTML_STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:12px;margin:16px;color:#111}
h1{font-size:20px;margin:0 0 4px} p.scope{margin:0 0 12px}
table{border-collapse:collapse;margin-bottom:16px}
th,td{border:1px solid #aab;padding:2px 5px;text-align:left;vertical-align:top}
th{background:#e1e6ee} td.n{text-align:right}
@media print{body{margin:0} tr{page-break-inside:avoid}}
"""


def to_html(ov: Overview) -> bytes:
    """One HTML file with everything inline; every value escaped."""
    def e(value: str) -> str:
        return html.escape(strip_bidi(value))

    parts = [
        "<!DOCTYPE html>",
        '<html lang="cs"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>{e(TITLE)}</title><style>{HTML_STYLE}</style></head><body>",
        f"<h1>{e(TITLE)}</h1>",
        f'<p class="scope">{e(ov.scope_text())}<br>Vytvořeno {e(local_time(ov.made_at))}, '
        f"DSO Desktop {e(__version__)}</p>",
        '<table class="counts"><thead><tr><th>Směr</th><th>Stav</th><th>Počet</th></tr>'
        "</thead><tbody>",
    ]
    for d, state, n in ov.counts():
        parts.append(f'<tr><td>{e(DIRECTION_CS[d])}</td><td>{e(state)}</td>'
                     f'<td class="n">{n}</td></tr>')
    totals = ov.totals()
    parts.append(f"<tr><th colspan=\"2\">Celkem (přijaté / odeslané)</th>"
                 f'<th class="n">{len(ov.rows)} ({totals[Direction.RECEIVED]} / '
                 f"{totals[Direction.SENT]})</th></tr></tbody></table>")
    parts.append('<table class="messages"><thead><tr>'
                 + "".join(f"<th>{e(h)}</th>" for h, _ in COLUMNS) + "</tr></thead><tbody>")
    getters = [g for _, g in COLUMNS]
    parts.extend("<tr>" + "".join(f"<td>{e(g(r))}</td>" for g in getters) + "</tr>"
                 for r in ov.rows)
    parts.append("</tbody></table></body></html>\n")
    return "\n".join(parts).encode("utf-8")


# The PDF's narrower column set (A4 landscape, 273 mm between the margins).
PDF_COLUMNS: tuple[tuple[str, float, Callable[[OverviewRow], str]], ...] = (
    ("Dodáno", 27, lambda r: local_time(r.delivered_at)[:16]),  # without seconds
    ("Směr", 15, lambda r: DIRECTION_CS.get(r.direction, str(r.direction))),
    ("ID zprávy", 20, lambda r: r.dm_id),
    ("Odesílatel", 50, lambda r: r.sender or ""),
    ("Adresát", 50, lambda r: r.recipient or ""),
    ("Věc", 62, lambda r: r.subject or ""),
    ("Stav", 31, lambda r: status_cs(r.status)),
    ("Č. j.", 18, lambda r: r.our_ref or r.your_ref or ""),
)


def to_pdf(ov: Overview) -> bytes:
    """PDF/A-2b, landscape: the counts, then one line per message."""
    from dso_desktop.reports.pdfdoc import FONT, Document

    d = Document(TITLE, subject=ov.scope_text(), keywords=("ISDS", TITLE), landscape=True,
                 made_at=ov.made_at)
    pdf = d.pdf
    pdf.add_page()
    d.heading(TITLE, ov.scope_text())
    pdf.set_font(FONT, "B", 8)
    for label, w in (("Směr", 30), ("Stav", 60), ("Počet", 20)):
        pdf.cell(w, 5, label, border=1)
    pdf.ln(5)
    pdf.set_font(FONT, "", 8)
    for direction, state, n in ov.counts():
        pdf.cell(30, 5, DIRECTION_CS[direction], border=1)
        pdf.cell(60, 5, state, border=1)
        pdf.cell(20, 5, str(n), border=1, align="R")
        pdf.ln(5)
    pdf.set_font(FONT, "B", 8)
    pdf.cell(90, 5, "Celkem", border=1)
    pdf.cell(20, 5, str(len(ov.rows)), border=1, align="R")
    pdf.ln(8)
    d.table_columns = [(h, w) for h, w, _ in PDF_COLUMNS]
    d.table_header()
    _rows_fast(d, ov.rows)
    if not ov.rows:
        d.paragraph("V tomto období nejsou žádné zprávy.")
    return d.output()


def _rows_fast(d: Any, rows: Sequence[OverviewRow]) -> None:
    """One line per message with ``pdf.text`` (a tenth of the cost of ``cell``, which
    lays out every string as a paragraph): 10,000 lines in about a second."""
    from dso_desktop.reports.pdfdoc import FONT

    pdf = d.pdf
    line = 4.2
    bottom = pdf.h - pdf.b_margin
    right = pdf.w - pdf.r_margin
    pdf.set_draw_color(200, 200, 210)
    pdf.set_line_width(0.1)
    cols = [(w, g) for _, w, g in PDF_COLUMNS]
    y = pdf.get_y()
    for r in rows:
        if y + line > bottom:
            pdf.add_page()  # the header repeats the column titles
            pdf.set_font(FONT, "", 7)
            y = pdf.get_y()
        x = pdf.l_margin
        for w, g in cols:
            text = d.fit(g(r), w)
            if text:
                pdf.text(x + pdf.c_margin, y + 3.0, text)
            x += w
        y += line
        pdf.line(pdf.l_margin, y, right, y)
    pdf.set_y(y + 1)


def render(ov: Overview, fmt: Format) -> bytes:
    return {Format.CSV: to_csv, Format.HTML: to_html, Format.PDF: to_pdf}[fmt](ov)
