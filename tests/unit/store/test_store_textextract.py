"""Text of attachments for the index: each format, and hostile input that must stay harmless."""

from __future__ import annotations

import io
import zipfile

from dso_desktop.store import textextract as tx


def _zip(member: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, data)
    return buf.getvalue()


def _pdf_with_text(text: str) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import (
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    w = PdfWriter()
    page = w.add_blank_page(width=300, height=300)
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 150 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = w._add_object(stream)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_plain_text_in_utf8_and_cp1250() -> None:
    assert tx.attachment_text("a.txt", "Výzva k úhradě".encode()) == "Výzva k úhradě"
    assert tx.attachment_text("b.TXT", "Výzva k úhradě".encode("cp1250")) == "Výzva k úhradě"
    assert tx.attachment_text("c.exe", b"anything") == ""


def test_xml_and_html_text() -> None:
    xml = "<?xml version='1.0'?><doc><a>Rozhodnutí</a><b>č. j. 12</b></doc>".encode()
    assert tx.attachment_text("x.xml", xml) == "Rozhodnutí č. j. 12"
    html = b"<html><head><script>evil()</script></head><body><p>Dobr\xc3\xbd den</p></body></html>"
    assert tx.attachment_text("x.html", html) == "Dobrý den"


def test_xml_with_doctype_or_entities_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;">]><l>&b;</l>')
    assert tx.attachment_text("bomb.xml", bomb) == ""
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    assert tx.attachment_text("xxe.xml", xxe) == ""
    assert tx.attachment_text("broken.xml", b"<a><b></a>") == ""


def test_docx_and_odt() -> None:
    docx = _zip("word/document.xml",
                b"<w:document xmlns:w='urn:w'><w:body><w:p><w:t>Smlouva o d\xc3\xadlo</w:t>"
                b"</w:p></w:body></w:document>")
    assert tx.attachment_text("s.docx", docx) == "Smlouva o dílo"
    odt = _zip("content.xml", b"<office:document-content xmlns:office='urn:o'>"
               b"<p>Faktura 2026</p></office:document-content>")
    assert tx.attachment_text("f.odt", odt) == "Faktura 2026"
    assert tx.attachment_text("x.docx", b"not a zip") == ""
    assert tx.attachment_text("y.docx", _zip("other.xml", b"<a/>")) == ""


def test_pdf_text_and_broken_pdf() -> None:
    assert "Rozhodnuti" in tx.attachment_text("r.pdf", _pdf_with_text("Rozhodnuti o dotaci"))
    assert tx.attachment_text("bad.pdf", b"%PDF-1.4 garbage") == ""


def test_text_is_capped() -> None:
    long = ("slovo " * 50_000).encode()
    assert len(tx.attachment_text("l.txt", long)) <= tx.MAX_TEXT
