"""The correspondence overview: CSV as Czech Excel opens it, one self-contained HTML file,
a PDF/A; counts per direction and state at the top; the period in Prague days."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.reports.conftest import SUBJECT, assert_pdfa, text_has

from dso_desktop.domain import Direction
from dso_desktop.reports.model import Overview, OverviewRow
from dso_desktop.reports.overview import COLUMNS, Format, render, to_csv, to_html
from dso_desktop.store.errors import NotFound

CZECH = st.text(alphabet=st.sampled_from(
    list("aábcčdďeéěfghiíjklmnňoópqrřsštťuúůvwxyýzž AÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ;\"'\n,.-=+@§–")),
    max_size=40)


def _row(i: int, subject: str, *, direction: Direction = Direction.RECEIVED,
         status: int | None = 4, sender: str = "Úřad městyse") -> OverviewRow:
    return OverviewRow(dm_id=str(1000 + i), direction=direction, account="Obec",
                       status=status, delivered_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
                       accepted_at=None, sender=sender, sender_box_id="abc1234",
                       recipient="Jan Novák", recipient_box_id="xyz9876", subject=subject,
                       our_ref="Č.j. 1/2026", attachment_count=2, verdict="valid")


def _overview(rows: list[OverviewRow]) -> Overview:
    return Overview(date(2026, 3, 1), date(2026, 3, 31), None, None, tuple(rows),
                    made_at=datetime(2026, 4, 1, tzinfo=UTC))


def _table(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Czech Excel needs for UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                           delimiter=";"))


@settings(max_examples=60, deadline=None)
@given(subjects=st.lists(CZECH, min_size=1, max_size=5), sender=CZECH)
def test_csv_round_trips_czech_text(subjects: list[str], sender: str) -> None:
    rows = [_row(i, s, sender=sender) for i, s in enumerate(subjects)]
    table = _table(to_csv(_overview(rows)))
    header = [h for h, _ in COLUMNS]
    start = table.index(header) + 1
    body = table[start:]
    assert len(body) == len(rows)
    subj, snd = header.index("Věc"), header.index("Odesílatel")
    for got, row in zip(body, rows, strict=True):
        for col, want in ((subj, row.subject or ""), (snd, row.sender or "")):
            # A formula-looking cell is defused with a leading apostrophe, nothing else.
            if want.startswith(("=", "+", "-", "@")):
                assert got[col] == "'" + want
            else:
                assert got[col] == want
        assert got[header.index("ID zprávy")] == row.dm_id


def test_csv_uses_semicolons_crlf_and_counts_first() -> None:
    rows = [_row(0, "a"), _row(1, "b"), _row(2, "c", direction=Direction.SENT, status=6)]
    data = to_csv(_overview(rows))
    assert b"\r\n" in data and b";" in data
    table = _table(data)
    assert table[0] == ["Přehled korespondence"]
    assert ["přijatá", "dodána", "2"] in table[:6]
    assert ["odeslaná", "doručena přihlášením", "1"] in table[:6]


def test_bidi_controls_never_reach_a_spreadsheet_or_a_browser() -> None:
    rows = [_row(0, "Faktura\u202efdp.exe", sender="Firma\u2067 s.r.o.")]
    data = to_csv(_overview(rows)).decode("utf-8-sig")
    page = to_html(_overview(rows)).decode("utf-8")
    for out in (data, page):
        assert "\u202e" not in out and "\u2067" not in out
        assert "Fakturafdp.exe" in out and "Firma s.r.o." in out


def test_csv_defuses_formulas() -> None:
    table = _table(to_csv(_overview([_row(0, '=HYPERLINK("http://x","klik")')])))
    assert table[-1][[h for h, _ in COLUMNS].index("Věc")].startswith("'=")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [f"{k}={v}" for k, v in attrs if k in ("src", "href", "srcset",
                                                             "action", "data", "background")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped() -> None:
    hostile = '<script>alert(1)</script><img src="http://evil.example/x.png">'
    rows = [_row(0, hostile), _row(1, SUBJECT, direction=Direction.SENT)]
    page = to_html(_overview(rows)).decode("utf-8")
    p = _Refs()
    p.feed(page)
    assert p.refs == []
    assert not {"script", "img", "link", "iframe", "object", "embed"} & set(p.tags)
    assert "url(" not in page and "@import" not in page and "http://evil" not in "".join(
        p.tags)
    text = "".join(p.text)
    assert hostile in text and SUBJECT in text  # shown as text, not markup
    assert "default-src 'none'" in page


def test_the_pdf_overview_lists_every_message(tmp_path: Path) -> None:
    rows = [_row(i, f"Věc č. {i}", direction=Direction.SENT if i % 3 == 0 else
                 Direction.RECEIVED) for i in range(150)]
    data = render(_overview(rows), Format.PDF)
    facts = assert_pdfa(data)
    assert facts["pages"] >= 3
    text_has(data, "Přehled korespondence", "Období: 01.03.2026 – 31.03.2026",
             *(r.dm_id for r in rows), "přijatá dodána 100", "odeslaná dodána 50")


def test_the_service_takes_prague_days_account_and_direction(archive: Any) -> None:
    # The factory's messages were delivered 2026-03-01 13:00 Prague time.
    ov = archive.paper.overview(date(2026, 3, 1), date(2026, 3, 1))
    assert sorted(r.dm_id for r in ov.rows) == ["7001", "7002"]
    assert ov.totals() == {Direction.RECEIVED: 1, Direction.SENT: 1}
    assert archive.paper.overview(date(2026, 3, 2), date(2026, 3, 9)).rows == ()
    assert archive.paper.overview(date(2026, 2, 1), date(2026, 2, 28)).rows == ()
    only_sent = archive.paper.overview(date(2026, 3, 1), date(2026, 3, 1),
                                       direction=Direction.SENT)
    assert [r.dm_id for r in only_sent.rows] == ["7002"]
    assert only_sent.rows[0].subject == "Odpověď na žádost"
    with pytest.raises(NotFound):
        archive.paper.overview(date(2026, 3, 1), date(2026, 3, 1), account="nikdo")
    with pytest.raises(ValueError, match="before it starts"):
        archive.paper.overview(date(2026, 3, 2), date(2026, 3, 1))


def test_every_format_is_written_through_the_service(archive: Any, tmp_path: Path) -> None:
    ov = archive.paper.overview(date(2026, 3, 1), date(2026, 3, 31))
    for fmt in Format:
        out = archive.paper.save_overview(ov, fmt, tmp_path / f"p.{fmt}")
        data = out.read_bytes()
        assert out.stat().st_mode & 0o077 == 0
        if fmt is Format.PDF:
            assert_pdfa(data)
            text_has(data, "7001", "7002")
        else:
            assert "7001" in data.decode("utf-8-sig") and SUBJECT in data.decode("utf-8-sig")
