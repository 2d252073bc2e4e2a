"""The index text of attachments, against the reference ways of getting it: PDF text through
PDFium's own calls against pypdfium2's helper objects, and the whitespace clip against the
regular expression it replaced (issue 18: the sync's checking process, CPU per message)."""

from __future__ import annotations

import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dso_desktop.simulator.files import make_file
from dso_desktop.store import textextract as tx


def _helpers_text(data: bytes) -> str:
    """The extraction as it was written on pypdfium2's helpers (`PdfDocument` and kin)."""
    import pypdfium2 as pdfium

    parts: list[str] = []
    size = 0
    try:
        doc = pdfium.PdfDocument(data)
    except Exception:
        return ""
    try:
        for index in range(min(len(doc), tx.MAX_PDF_PAGES)):
            page = doc[index]
            textpage = page.get_textpage()
            try:
                chunk = textpage.get_text_bounded() or ""
            finally:
                textpage.close()
                page.close()
            parts.append(chunk)
            size += len(chunk)
            if size > tx.MAX_TEXT:
                break
    except Exception:  # noqa: S110 - a broken page ends the text, as in the product
        pass
    finally:
        doc.close()
    return tx._clip(" ".join(parts))


def _fpdf(pages: int, line: str, lines: int = 1) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    for i in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", size=9)
        for n in range(lines):
            pdf.cell(text=f"{line} {i}.{n}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pypdf_variants(data: bytes) -> dict[str, bytes]:
    """A cropped first page (text outside the box is not the page's), a document without
    pages, and an encrypted one (PDFium opens none without the password)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import RectangleObject

    out = {}
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pages[0].cropbox = RectangleObject((0, 600, 595, 842))
    buf = io.BytesIO()
    writer.write(buf)
    out["cropped"] = buf.getvalue()
    empty = io.BytesIO()
    PdfWriter().write(empty)
    out["no pages"] = empty.getvalue()
    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    locked.encrypt("tajne-heslo", algorithm="AES-128")
    buf = io.BytesIO()
    locked.write(buf)
    out["encrypted"] = buf.getvalue()
    return out


def _broken_page(data: bytes) -> bytes:
    """The simulator's PDF with its second page object's dictionary made unreadable."""
    at = data.index(b"6 0 obj")
    return data[:at] + data[at:].replace(b"<< /Type /Page", b"<< /Type /Pxge (", 1)


def test_pdf_text_is_the_helpers_text() -> None:
    small = make_file("pdf", 11, "Rozhodnutí o přestupku č. j. 42/2026", 6000)
    long = make_file("pdf", 12, "Výzva k úhradě", 400_000)  # dozens of pages
    samples = {
        "simulator, small": small,
        "simulator, long": long,
        **{f"simulator {seed}": make_file("pdf", seed, "Žádost", 6000 + 997 * seed)
           for seed in range(1, 9)},
        "more pages than read": _fpdf(tx.MAX_PDF_PAGES + 7, "Strana"),
        "more text than kept": _fpdf(30, "Usneseni o zastaveni rizeni " * 4, lines=40),
        **_pypdf_variants(long),
        "a broken page": _broken_page(long),
        "cut short": long[: len(long) // 2],
        "not a pdf": b"%PDF-1.7\nnothing else",
        "empty": b"",
    }
    texts = {name: tx._pdf_text(data) for name, data in samples.items()}
    for name, data in samples.items():
        assert texts[name] == _helpers_text(data), name
    # The samples reach each way out of the loop, so that the comparison means something.
    assert "Rozhodnutí o přestupku" in texts["simulator, small"]
    assert f"Strana {tx.MAX_PDF_PAGES - 1}.0" in texts["more pages than read"]
    assert f"Strana {tx.MAX_PDF_PAGES}.0" not in texts["more pages than read"]
    assert len(texts["more text than kept"]) == tx.MAX_TEXT
    assert 0 < len(texts["cropped"]) < len(texts["simulator, long"])
    assert 0 < len(texts["a broken page"]) < len(texts["simulator, long"])
    for nothing in ("no pages", "encrypted", "not a pdf", "empty"):
        assert texts[nothing] == "", nothing


_SPACES = "".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(_SPACES + "ab ž\u200b\u00ad\ufeff"), max_size=60)
       | st.text(max_size=60))
def test_the_clip_is_the_regular_expressions(text: str) -> None:
    assert tx._clip(text) == re.sub(r"\s+", " ", text).strip()[:tx.MAX_TEXT]


def test_the_clip_keeps_max_text_characters() -> None:
    words = "slovo " * (tx.MAX_TEXT // 3)
    assert tx._clip("\n  " + words) == re.sub(r"\s+", " ", words).strip()[:tx.MAX_TEXT]
    assert len(tx._clip(words)) == tx.MAX_TEXT
