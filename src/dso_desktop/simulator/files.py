"""Small but valid attachment files (PDF, DOCX, ODT, XML, TXT, PNG) with Czech text inside."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

from dso_desktop.simulator import names

MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "xml": "application/xml",
    "txt": "text/plain",
    "png": "image/png",
}
KINDS: tuple[str, ...] = tuple(MIME_TYPES)

# WinAnsi-style single-byte codes for Czech letters, declared through /Differences so that
# text extraction (ToUnicode via glyph names) recovers the real letters.
_PDF_GLYPHS: dict[str, str] = {
    "á": "aacute", "č": "ccaron", "ď": "dcaron", "é": "eacute", "ě": "ecaron",
    "í": "iacute", "ň": "ncaron", "ó": "oacute", "ř": "rcaron", "š": "scaron",
    "ť": "tcaron", "ú": "uacute", "ů": "uring", "ý": "yacute", "ž": "zcaron",
    "Á": "Aacute", "Č": "Ccaron", "Ď": "Dcaron", "É": "Eacute", "Ě": "Ecaron",
    "Í": "Iacute", "Ň": "Ncaron", "Ó": "Oacute", "Ř": "Rcaron", "Š": "Scaron",
    "Ť": "Tcaron", "Ú": "Uacute", "Ů": "Uring", "Ý": "Yacute", "Ž": "Zcaron",
    "–": "endash", "„": "quotedblbase", "“": "quotedblleft", "§": "section",
}
_PDF_CODES: dict[str, int] = {ch: 0x80 + i for i, ch in enumerate(_PDF_GLYPHS)}
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def paragraphs(seed: int, count: int, title: str) -> list[str]:
    """Deterministic Czech paragraphs; the title is the first one (so search finds it)."""
    rnd = random.Random(seed)  # noqa: S311 (deterministic data, not crypto)
    out = [title]
    for _ in range(max(1, count)):
        out.append(" ".join(rnd.choice(names.BODY_SENTENCES) for _ in range(rnd.randint(2, 4))))
    return out


MIN_SIZE = 6000
MAX_ZIP_SIZE = 60000


def make_file(kind: str, seed: int, title: str, size: int = MIN_SIZE) -> bytes:
    """Build one file of ``kind`` that is exactly ``size`` bytes long (padded validly).

    Exact sizes let the generator state ``dmAttachmentSize`` without building the file.
    ``size`` must be at least ``MIN_SIZE`` (and at most ``MAX_ZIP_SIZE`` for DOCX/ODT).
    """
    count = max(1, (size - 3500) // 700)
    paras = paragraphs(seed, count, title)
    if kind == "pdf":
        streams = _pdf_streams(paras)
        data = _pdf_assemble(streams, 0)
        pad = 0
        for _ in range(3):  # the startxref number may gain a digit; settle in a step or two
            if len(data) == size or size < len(data) - pad:
                break
            pad += size - len(data)
            data = _pdf_assemble(streams, pad)
        return data
    if kind in ("docx", "odt"):
        build = docx_document if kind == "docx" else odt_document
        natural = build(paras)
        return build(paras, pad=size - len(natural)) if size > len(natural) else natural
    if kind == "xml":
        return _pad_tail(xml_document(paras, seed), size)
    if kind == "txt":
        return _pad_tail(("\n\n".join(paras) + "\n").encode("utf-8"), size)
    if kind == "png":
        natural = png_image(seed, title)
        return png_image(seed, title, pad=size - len(natural)) if size > len(natural) else natural
    raise ValueError(f"unknown attachment kind {kind!r}")


def _pad_tail(data: bytes, size: int) -> bytes:
    """Trailing newlines are harmless in text and after an XML root element."""
    return data + b"\n" * max(0, size - len(data))


_PDF_TABLE = {ord(ch): chr(code) for ch, code in _PDF_CODES.items()}
_PDF_TABLE.update({ord("("): "\\(", ord(")"): "\\)", ord("\\"): "\\\\"})


def _pdf_text(s: str) -> bytes:
    """Text for a PDF string literal in the font's single-byte encoding."""
    # Other Latin-1 letters coincide with the WinAnsi base encoding; the rest become "?".
    return s.translate(_PDF_TABLE).encode("latin-1", "replace")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def _pdf_streams(paras: list[str]) -> list[bytes]:
    lines: list[str] = []
    for p in paras:
        lines.extend(_wrap(p, 88))
        lines.append("")
    pages = [lines[i:i + 48] for i in range(0, len(lines), 48)] or [[""]]
    out = []
    for page in pages:
        body = b"".join(b"(" + _pdf_text(line) + b") Tj T*\n" for line in page)
        out.append(b"BT /F1 10 Tf 14 TL 56 790 Td\n" + body + b"ET\n")
    return out


_PDF_DIFFS = " ".join(f"{code} /{_PDF_GLYPHS[ch]}" for ch, code in _PDF_CODES.items())


def _pdf_assemble(streams: list[bytes], pad: int) -> bytes:
    objects: list[bytes] = []
    n_pages = len(streams)
    # 1 catalog, 2 pages, 3 font, then (page, content) pairs.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(
        (f"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
         f"/BaseEncoding /WinAnsiEncoding /Differences [{_PDF_DIFFS}] >> >>").encode()
    )
    for i, stream in enumerate(streams):
        objects.append(
            (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font "
             f"<< /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>").encode()
        )
        objects.append(
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if pad == 1:
        out += b"\n"
    elif pad >= 2:
        out += b"%" + b" " * (pad - 2) + b"\n"
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{num} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def _zip(entries: list[tuple[str, bytes, bool]], pad: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.comment = b" " * min(pad, 65535)
        for name, data, compress in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            zf.writestr(info, data)
    return buf.getvalue()


def docx_document(paras: list[str], pad: int = 0) -> bytes:
    """A minimal WordprocessingML package Word and LibreOffice open."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paras
    )
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>')
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    return _zip([
        ("[Content_Types].xml", content_types.encode(), True),
        ("_rels/.rels", rels.encode(), True),
        ("word/document.xml", document.encode("utf-8"), True),
    ], pad)


def odt_document(paras: list[str], pad: int = 0) -> bytes:
    """A minimal OpenDocument text (mimetype first and stored, as the spec requires)."""
    mime = MIME_TYPES["odt"]
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paras)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return _zip([
        ("mimetype", mime.encode(), False),
        ("META-INF/manifest.xml", manifest.encode(), True),
        ("content.xml", content.encode("utf-8"), True),
    ], pad)


def xml_document(paras: list[str], seed: int) -> bytes:
    items = "".join(f"  <odstavec>{escape(p)}</odstavec>\n" for p in paras[1:])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<dokument id="{seed % 1000000}">\n  <nazev>{escape(paras[0])}</nazev>\n{items}'
        "</dokument>\n"
    ).encode()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_image(seed: int, title: str, width: int = 48, height: int = 32, pad: int = 0) -> bytes:
    """An RGB PNG (a soft gradient, like a scanned stamp) with the title in an iTXt chunk."""
    rnd = random.Random(seed)  # noqa: S311 (deterministic data, not crypto)
    r0, g0, b0 = rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows += bytes(((r0 + x * 2) % 256, (g0 + y * 3) % 256, (b0 + x + y) % 256))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    itxt = b"Description\x00\x00\x00cs\x00Popis\x00" + title.encode("utf-8")
    extra = b""
    if pad >= 12 + 9:  # a tEXt chunk costs 12 bytes of framing plus "Comment\0"
        extra = _png_chunk(b"tEXt", b"Comment\x00" + b" " * (pad - 12 - 8))
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"iTXt", itxt)
            + extra + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 6))
            + _png_chunk(b"IEND", b""))
