"""PDF/A-2b documents with fpdf2: the envelope and the delivery info of one message.

PDF/A-2b here means: every font embedded (DejaVu Sans, which has the Czech glyphs), XMP
metadata with ``pdfaid:part=2``/``pdfaid:conformance=B``, an sRGB OutputIntent with its ICC
profile embedded (sRGB2014 of the International Color Consortium, shipped in
``resources/color``), no encryption, no JavaScript or other actions, no transparency.
fpdf2's ``enforce_compliance`` refuses what PDF/A forbids (core fonts, encryption).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from dso_desktop import __version__
from dso_desktop.domain import BOX_TYPE_CODES, VerdictKind, text
from dso_desktop.reports import ReportError
from dso_desktop.reports.model import (
    BIDI_CONTROLS,
    DIRECTION_CS,
    CertLine,
    MessageDoc,
    Part,
    SealCheck,
    local_time,
    status_cs,
)
from dso_desktop.resources import resource_path

log = logging.getLogger(__name__)

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Where the fonts are looked for: the shipped copy first (the bundle has it too, as part of
# resources/), then the system's fonts-dejavu-core.
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
                    Path("/usr/share/fonts/TTF"))
ICC_PROFILE = ("color", "sRGB2014.icc")
PRODUCER = f"DSO Desktop {__version__} (fpdf2)"


def font_dirs() -> tuple[Path, ...]:
    return (resource_path("fonts"), *SYSTEM_FONT_DIRS)


def font_files() -> dict[str, Path]:
    """The regular and bold DejaVu Sans files; ReportError when either is nowhere."""
    found: dict[str, Path] = {}
    for style, name in FONT_FILES.items():
        for d in font_dirs():
            if (d / name).is_file():
                found[style] = d / name
                break
        else:
            raise ReportError(f"font {name} not found in {', '.join(map(str, font_dirs()))}")
    return found


@lru_cache(maxsize=1)
def _icc_profile() -> bytes:
    path = resource_path(*ICC_PROFILE)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReportError(f"colour profile {path} cannot be read: {exc}") from exc


class Document:
    """An fpdf2 document set up for PDF/A-2b with the DejaVu fonts, a running footer and an
    optional table header repeated on every page."""

    def __init__(self, title: str, *, subject: str = "", keywords: Sequence[str] = (),
                 landscape: bool = False, made_at: datetime | None = None) -> None:
        from fpdf import FPDF
        from fpdf.enums import OutputIntentSubType
        from fpdf.output import PDFICCProfile

        owner = self

        class _Pdf(FPDF):
            def header(self) -> None:
                owner._header()

            def footer(self) -> None:
                owner._footer()

        self.pdf: Any = _Pdf(orientation="L" if landscape else "P", unit="mm", format="A4",
                             enforce_compliance="PDF/A-2B")
        pdf = self.pdf
        for style, path in font_files().items():
            pdf.add_font(FONT, style, str(path))
        regular: Any = pdf.fonts[FONT.lower()]  # a TTFFont: its character map
        self._cmap: frozenset[int] = frozenset(regular.cmap)
        pdf.add_output_intent(
            OutputIntentSubType.PDFA, output_condition_identifier="sRGB",
            output_condition="IEC 61966-2-1:1999", registry_name="http://www.color.org",
            dest_output_profile=PDFICCProfile(contents=_icc_profile(), n=3,
                                              alternate="DeviceRGB"),
            info="sRGB2014 (v2), International Color Consortium")
        pdf.set_lang("cs")
        pdf.set_title(self.clean(title))
        if subject:
            pdf.set_subject(self.clean(subject))
        pdf.set_author("DSO Desktop")
        pdf.set_creator(f"DSO Desktop {__version__}")
        pdf.set_producer(PRODUCER)
        if keywords:
            pdf.set_keywords(self.clean(" ".join(keywords)))
        self.made_at = made_at
        if made_at is not None:
            pdf.set_creation_date(made_at)
        pdf.set_auto_page_break(True, margin=15)
        pdf.set_margins(12, 12, 12)
        pdf.alias_nb_pages()
        self.title = title
        self.table_columns: list[tuple[str, float]] = []
        self._fit_cache: dict[tuple[str, float, str, str, float], str] = {}

    # -- text ---------------------------------------------------------------------------
    def clean(self, value: object) -> str:
        """Text the font can show: control characters become spaces, bidi controls go, a
        character the font lacks becomes "?" (so an odd subject never stops a document)."""
        out = []
        for ch in str(value):
            o = ord(ch)
            if ch == "\n":
                out.append(ch)
            elif ch in BIDI_CONTROLS:
                continue  # a sender's name must not reorder what is printed after it
            elif o < 32 or 0x7F <= o < 0xA0:
                out.append(" ")
            elif o in self._cmap:
                out.append(ch)
            else:
                out.append("?")
        return "".join(out)

    def width(self, s: str) -> float:
        """Width in mm of ``s`` in the current font: the font's own advance widths, summed
        here (fpdf2's get_string_width does the same per call with far more overhead)."""
        pdf = self.pdf
        cw = pdf.current_font.cw
        return sum(cw[ord(ch)] for ch in s) * pdf.font_size / 1000

    def fit(self, value: str, width: float) -> str:
        """``value`` cleaned, on one line of ``width`` mm (cut with "…" when longer).
        Remembered per (value, width, font): an overview repeats names and states a lot."""
        key = (value, width, self.pdf.font_family, self.pdf.font_style, self.pdf.font_size_pt)
        hit = self._fit_cache.get(key)
        if hit is not None:
            return hit
        s = self.clean(value).replace("\n", " ")
        avail = width - 2 * self.pdf.c_margin
        if self.width(s) > avail:
            lo, hi = 0, len(s)
            while lo < hi:  # the longest prefix that fits with the ellipsis
                mid = (lo + hi + 1) // 2
                if self.width(s[:mid] + "…") <= avail:
                    lo = mid
                else:
                    hi = mid - 1
            s = s[:lo] + "…"
        if len(self._fit_cache) < 50_000:
            self._fit_cache[key] = s
        return s

    # -- page furniture -----------------------------------------------------------------
    def _header(self) -> None:
        if self.table_columns and self.pdf.page_no() > 1:
            self.table_header()

    def _footer(self) -> None:
        pdf = self.pdf
        pdf.set_y(-11)
        pdf.set_font(FONT, "", 7)
        pdf.set_text_color(90, 90, 90)
        made = f" · vytvořeno {local_time(self.made_at)}" if self.made_at else ""
        pdf.cell(0, 4, self.clean(f"{self.title} · DSO Desktop {__version__}{made}"
                                  f" · strana {pdf.page_no()}/{{nb}}"), align="C")
        pdf.set_text_color(0, 0, 0)

    def table_header(self) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B", 7)
        pdf.set_fill_color(225, 230, 238)
        for label, w in self.table_columns:
            pdf.cell(w, 5, self.fit(label, w), border=1, fill=True)
        pdf.ln(5)
        pdf.set_font(FONT, "", 7)

    # -- blocks -------------------------------------------------------------------------
    def heading(self, title: str, sub: str = "") -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B", 16)
        pdf.multi_cell(0, 8, self.clean(title), new_x="LMARGIN", new_y="NEXT")
        if sub:
            pdf.set_font(FONT, "", 10)
            pdf.multi_cell(0, 5, self.clean(sub), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def section(self, title: str) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 35:  # a title never ends a page alone
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FONT, "B", 11)
        pdf.set_fill_color(225, 230, 238)
        pdf.cell(0, 6, self.clean(title), fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def field(self, label: str, value: object, *, always: bool = False) -> None:
        """One "label: value" line (the value wraps); skipped when empty unless ``always``."""
        if value is None or value == "":
            if not always:
                return
            value = "—"
        pdf = self.pdf
        label_w = 52
        if pdf.get_y() > pdf.h - 22:
            pdf.add_page()
        pdf.set_font(FONT, "B", 9)
        pdf.cell(label_w, 5, self.fit(label, label_w))
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, self.clean(value), align="L", new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, value: str, size: float = 9) -> None:
        self.pdf.set_font(FONT, "", size)
        self.pdf.multi_cell(0, 4.5, self.clean(value), align="L", new_x="LMARGIN",
                            new_y="NEXT")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


# -- one message --------------------------------------------------------------------------

def _yes_no(v: bool | None) -> str | None:
    return None if v is None else ("ano" if v else "ne")


BOX_TYPE_NAMES = {code: name for name, code in BOX_TYPE_CODES.items()}


def _legal_title(doc: MessageDoc) -> str | None:
    lt = doc.envelope.legal_title
    if lt.is_empty():
        return None
    parts = []
    if lt.law:
        parts.append(f"zákon č. {lt.law}" + (f"/{lt.year} Sb." if lt.year else ""))
    elif lt.year:
        parts.append(f"rok {lt.year}")
    if lt.section:
        parts.append(f"§ {lt.section}")
    if lt.paragraph:
        parts.append(f"odst. {lt.paragraph}")
    if lt.point:
        parts.append(f"písm. {lt.point}")
    return ", ".join(parts)


def _trusted(check: SealCheck | None) -> bool:
    try:
        return check is not None and check.kind is not None and VerdictKind(check.kind).trusted
    except ValueError:
        return False


def verdict_cs(kind: str | None) -> str:
    if kind is None:
        return "neověřeno"
    try:
        return text(VerdictKind(kind), "cs")
    except ValueError:
        return f"neznámý výsledek ({kind})"


def _cert(d: Document, label: str, cert: CertLine | None) -> None:
    if cert is None:
        return
    d.field(label, cert.subject)
    d.field("  vydavatel", cert.issuer)
    if cert.valid_until is not None:
        d.field("  platný do", local_time(cert.valid_until))


def _check(d: Document, check: SealCheck | None, what: str) -> None:
    if check is None:
        d.paragraph(f"{what}: podepsaný dokument není v archivu, nelze ověřit.")
        return
    d.field("Výsledek ověření", verdict_cs(check.kind), always=True)
    for reason in check.reasons_cs:
        d.field("  důvod", reason)
    d.field("Ověřeno", local_time(check.checked_at))
    d.field("Čas podpisu (pečeti)", local_time(check.signing_time))
    d.field("Časové razítko", local_time(check.timestamp_time))
    _cert(d, "Pečeť ISDS", check.seal)
    _cert(d, "Časové razítko vydal", check.tsa)
    d.field("SHA-256 souboru ZFO", check.zfo_sha256)
    if check.zfo_size is not None:
        d.field("Velikost souboru ZFO", f"{check.zfo_size} B")


def _envelope(d: Document, doc: MessageDoc) -> None:
    e = doc.envelope
    d.heading("Obálka datové zprávy", f"ID zprávy {e.message_id}")
    d.section("Zpráva")
    d.field("ID zprávy", e.message_id, always=True)
    d.field("Věc", e.subject, always=True)
    d.field("Směr", DIRECTION_CS.get(doc.direction, str(doc.direction)))
    d.field("Účet", doc.account)
    d.field("Typ zprávy", e.message_type)
    d.field("Stav", status_cs(e.status))
    d.field("Dodáno", local_time(e.delivered_at), always=True)
    d.field("Doručeno", local_time(e.accepted_at), always=True)
    if e.attachment_size_kb is not None:
        d.field("Velikost příloh", f"{e.attachment_size_kb} kB")
    d.field("Velkoobjemová zpráva", "ano" if e.big_message else None)

    d.section("Odesílatel")
    d.field("Název", e.sender_name, always=True)
    d.field("ID schránky", e.sender_box_id, always=True)
    if e.sender_type is not None:
        d.field("Typ schránky", BOX_TYPE_NAMES.get(e.sender_type, str(e.sender_type)))
    d.field("Adresa", e.sender_address)
    d.field("Organizační jednotka", e.sender_org_unit)
    d.field("Číslo org. jednotky", e.sender_org_unit_num)

    d.section("Adresát")
    d.field("Název", e.recipient_name, always=True)
    d.field("ID schránky", e.recipient_box_id, always=True)
    d.field("Adresa", e.recipient_address)
    d.field("Organizační jednotka", e.recipient_org_unit)
    d.field("Číslo org. jednotky", e.recipient_org_unit_num)
    d.field("K rukám", e.to_hands)
    d.field("Nejednoznačný adresát", _yes_no(e.ambiguous_recipient))

    d.section("Spisové údaje a doručení")
    d.field("Č. j. odesílatele", e.our_ref, always=True)
    d.field("Spis. zn. odesílatele", e.our_file_mark, always=True)
    d.field("Č. j. adresáta", e.your_ref, always=True)
    d.field("Spis. zn. adresáta", e.your_file_mark, always=True)
    d.field("Zmocnění", _legal_title(doc), always=True)
    d.field("Do vlastních rukou", _yes_no(e.personal_delivery), always=True)
    d.field("Doručení fikcí povoleno", _yes_no(e.allow_fiction), always=True)

    d.section(f"Přílohy ({len(doc.files)})")
    if not doc.files:
        d.paragraph("Zpráva nemá přílohy v archivu (obsah nebyl stažen).")
    for i, f in enumerate(doc.files, 1):
        d.field(f"{i}. {f.name}", f"{f.size} B · {f.mime_type or '?'} · {f.role}")
        d.field("  SHA-256", f.sha256)

    d.section("Ověření datové zprávy")
    _check(d, doc.message_check, "Datová zpráva")


def _delivery(d: Document, doc: MessageDoc) -> None:
    e = doc.envelope
    d.heading("Doručenka", f"ID zprávy {e.message_id}")
    d.section("Datová zpráva")
    d.field("ID zprávy", e.message_id, always=True)
    d.field("Věc", e.subject, always=True)
    d.field("Odesílatel", " ".join(x for x in (e.sender_name, f"({e.sender_box_id})"
                                              if e.sender_box_id else None) if x),
            always=True)
    d.field("Adresát", " ".join(x for x in (e.recipient_name, f"({e.recipient_box_id})"
                                           if e.recipient_box_id else None) if x),
            always=True)
    d.field("Dodáno", local_time(e.delivered_at), always=True)
    d.field("Doručeno", local_time(e.accepted_at), always=True)
    d.field("Stav", status_cs(e.status))

    d.section(f"Události ({len(doc.events)})")
    if not doc.events:
        d.paragraph("Žádné události nejsou známy.")
    for ev in sorted(doc.events, key=lambda x: x.at):
        d.field(local_time(ev.at), ev.description)

    d.section("Ověření doručenky")
    if doc.has_delivery_info:
        # Only a trusted verdict lets the paper say ISDS sealed it.
        if _trusted(doc.delivery_check):
            d.paragraph("Doručenka je zapečetěná Informačním systémem datových schránek; "
                        "pečeť je ověřena.")
        else:
            d.paragraph("Pečeť doručenky nebyla ověřena jako pečeť ISDS (viz výsledek "
                        "ověření).")
    else:
        d.paragraph("Podepsaná doručenka není v archivu; události pocházejí ze seznamu "
                    "změn stavu.")
    _check(d, doc.delivery_check if doc.has_delivery_info else None, "Doručenka")


def message_pdf(doc: MessageDoc, part: Part = Part.ENVELOPE) -> bytes:
    """The PDF/A-2b envelope, delivery info, or both (envelope first) of one message."""
    e = doc.envelope
    titles = {Part.ENVELOPE: "Obálka datové zprávy", Part.DELIVERY_INFO: "Doručenka",
              Part.BOTH: "Obálka datové zprávy a doručenka"}
    d = Document(f"{titles[part]} {e.message_id}", subject=e.subject or "",
                 keywords=("ISDS", "datová zpráva", e.message_id), made_at=doc.made_at)
    if part in (Part.ENVELOPE, Part.BOTH):
        d.pdf.add_page()
        _envelope(d, doc)
    if part in (Part.DELIVERY_INFO, Part.BOTH):
        d.pdf.add_page()
        _delivery(d, doc)
    return d.output()


def summary_lines(items: Iterable[tuple[str, object]]) -> list[str]:
    """"label: value" lines of the non-empty values (the e-mail body uses them)."""
    return [f"{k}: {v}" for k, v in items if v not in (None, "")]
