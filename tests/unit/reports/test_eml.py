"""A message as an e-mail (.eml): the ZFO, and when asked the attachments and the PDF."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from typing import Any

from tests.unit.reports.conftest import FILES, SUBJECT, assert_pdfa, text_has

from dso_desktop.reports.eml import EmlFile, build_eml


def _parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _parts(msg: EmailMessage) -> dict[str, bytes]:
    out = {}
    for part in msg.iter_attachments():
        name = part.get_filename()
        assert name is not None
        payload = part.get_content()
        out[name] = payload if isinstance(payload, bytes) else payload.encode()
    return out


def test_the_eml_carries_the_signed_zfo(archive: Any) -> None:
    (mid,) = archive.messages.find("7001")
    msg = _parse(archive.paper.message_eml(mid))
    assert msg["Subject"] == f"Datová zpráva 7001: {SUBJECT}"
    assert msg["X-Unsent"] == "1" and msg["To"] is None and msg["From"] is None
    parts = _parts(msg)
    assert parts == {"DDZ_7001.zfo": archive.messages.zfo_bytes(mid)}
    body = msg.get_body(("plain",))
    assert body is not None and "Úřad městyse Test" in body.get_content()


def test_attachments_and_the_pdf_when_asked(archive: Any) -> None:
    (mid,) = archive.messages.find("7001")
    parts = _parts(_parse(archive.paper.message_eml(mid, attachments=True, pdf=True)))
    assert set(parts) == {"DDZ_7001.zfo", "Obalka_a_dorucenka_7001.pdf", *(n for n, _ in FILES)}
    for name, content in FILES:
        assert parts[name] == content
    pdf = parts["Obalka_a_dorucenka_7001.pdf"]
    assert_pdfa(pdf)
    text_has(pdf, "Obálka datové zprávy", "Doručenka", "7001")


def test_no_header_injection_from_a_subject() -> None:
    data = build_eml("Věc\r\nBcc: oběť@example.cz", "tělo",
                     [EmlFile("a\r\nb.txt", b"x", "text/plain")])
    msg = _parse(data)
    assert msg["Bcc"] is None and msg["Subject"] == "Věc Bcc: oběť@example.cz"
    assert [p.get_filename() for p in msg.iter_attachments()] == ["a  b.txt"]
    assert b"\r\n" in data


def test_a_message_not_downloaded_cannot_be_mailed(archive: Any) -> None:
    import pytest
    from sqlalchemy import delete

    from dso_desktop.store.errors import NotFound
    from dso_desktop.store.models import MessageZfo

    (mid,) = archive.messages.find("7002")
    with archive.db.write() as s:
        s.execute(delete(MessageZfo).where(MessageZfo.message_id == mid))
    with pytest.raises(NotFound) as err:
        archive.paper.message_eml(mid)
    assert "není stažená" in err.value.message_cs
    # The envelope still prints from what the archive knows, and says it cannot verify.
    text_has(archive.paper.message_pdf(mid), "7002", "nelze ověřit")


def test_a_hostile_attachment_type_never_reaches_a_header() -> None:
    """Review: the attachment's MIME type is the sender's (dmMimeType); one with CR/LF made
    the e-mail fail (ValueError), one with parameters wrote them into Content-Type."""
    files = [EmlFile("a.txt", b"one", "text/plain\r\nBcc: evil@example.com"),
             EmlFile("b.pdf", b"two", 'application/pdf; name="../../x.exe"'),
             EmlFile("c.bin", b"three", "nonsense"),
             EmlFile("d.xml", b"four", "application/xml")]
    data = build_eml("Věc", "tělo", files)
    assert b"Bcc" not in data and b"x.exe" not in data
    msg = _parse(data)
    types = {p.get_filename(): p.get_content_type() for p in msg.iter_attachments()}
    assert types == {"a.txt": "text/plain", "b.pdf": "application/pdf",
                     "c.bin": "application/octet-stream", "d.xml": "application/xml"}
    assert _parts(msg) == {"a.txt": b"one", "b.pdf": b"two", "c.bin": b"three",
                           "d.xml": b"four"}
