"""The PDF/A-2b envelope and delivery info of one message (`services.paper`,
`reports.pdfdoc`), read back with an independent reader."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.unit.reports.conftest import FILES, SUBJECT, assert_pdfa, pdf_text, text_has

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.reports import ReportError, pdfdoc
from dso_desktop.reports.model import MessageDoc, Part, local_time
from dso_desktop.store.errors import DamagedEvidence, NotFound


def _id(app: Any, dm_id: str) -> int:
    (mid,) = app.messages.find(dm_id)
    return int(mid)


def test_local_time_is_prague_time() -> None:
    # 12:00 UTC on 1 March is 13:00 in Prague (CET), in July 14:00 (CEST).
    assert local_time(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) == "01.03.2026 13:00:00"
    assert local_time(datetime(2026, 7, 1, 12, 0)) == "01.07.2026 14:00:00"  # naive = UTC
    assert local_time(None) == ""


def test_envelope_holds_every_envelope_field_and_the_verdict(archive: Any) -> None:
    mid = _id(archive, "7001")
    data = archive.paper.message_pdf(mid, Part.ENVELOPE)
    facts = assert_pdfa(data)
    assert SUBJECT in facts["xmp"]  # dc:description = the subject; title names the dmID
    text_has(data, "Obálka datové zprávy", "7001", SUBJECT, "Úřad městyse Test", "abc1234",
             "Náměstí 1, Test", "Jan Novák", "xyz9876", "Ulice 2, Brno", "k rukám",
             "Č.j. 1/2026", "SZ-7", "zákon č. 300/2008 Sb., § 17",
             # the delivery time of the factory's ZFOs: 13:00:00.123 at +01:00
             "Dodáno 01.03.2026 13:00:00", "Do vlastních rukou ano",
             "Výsledek ověření Platný")
    for name, content in FILES:
        text_has(data, name, hashlib.sha256(content).hexdigest(), f"{len(content)} B")
    # The certificate subjects of the seal and the timestamp authority (test PKI).
    doc = archive.paper.document(mid)
    assert doc.message_check is not None and doc.message_check.seal is not None
    assert doc.message_check.tsa is not None
    text_has(data, doc.message_check.seal.subject, doc.message_check.tsa.subject)
    assert "Doručenka" not in pdf_text(data)


def test_delivery_info_holds_every_event_and_its_own_verdict(archive: Any) -> None:
    mid = _id(archive, "7001")
    doc = archive.paper.document(mid)
    assert doc.has_delivery_info and doc.events
    data = archive.paper.message_pdf(mid, Part.DELIVERY_INFO)
    assert_pdfa(data)
    text_has(data, "Doručenka", "7001", SUBJECT, "Úřad městyse Test",
             "Dodáno 01.03.2026 13:00:00",
             "Doručenka je zapečetěná Informačním systémem datových schránek; pečeť je "
             "ověřena")
    for ev in doc.events:
        text_has(data, local_time(ev.at), ev.description)
    assert doc.delivery_check is not None and doc.delivery_check.kind == "valid"
    assert doc.delivery_check.zfo_sha256 is not None
    text_has(data, "Ověření doručenky", "Výsledek ověření Platný", doc.delivery_check.zfo_sha256)
    assert "Obálka datové zprávy" not in pdf_text(data)


def test_both_in_one_file_envelope_first(archive: Any, tmp_path: Path) -> None:
    out = archive.paper.save_message_pdf(_id(archive, "7001"), tmp_path / "b.pdf", Part.BOTH)
    data = out.read_bytes()
    assert assert_pdfa(data)["pages"] >= 2
    text = pdf_text(data)
    assert text.index("Obálka datové zprávy") < text.index("Doručenka")
    assert out.stat().st_mode & 0o077 == 0


def test_a_message_without_delivery_info_says_so(archive: Any) -> None:
    data = archive.paper.message_pdf(_id(archive, "7002"), Part.DELIVERY_INFO)
    assert_pdfa(data)
    text_has(data, "Podepsaná doručenka není v archivu", "7002")


def test_damaged_evidence_is_never_printed(archive: Any) -> None:
    from sqlalchemy import update

    from dso_desktop.store.models import MessageZfo

    mid = _id(archive, "7001")
    with archive.db.write() as s:
        s.execute(update(MessageZfo).where(MessageZfo.message_id == mid)
                  .values(sha256="0" * 64))
    with pytest.raises(DamagedEvidence):
        archive.paper.message_pdf(mid)
    with pytest.raises(NotFound):
        archive.paper.message_pdf(999_999)


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                                       ) -> None:
    monkeypatch.setattr(pdfdoc, "font_dirs", lambda: (tmp_path,))
    doc = MessageDoc(envelope=Envelope(message_id="1"), direction=Direction.RECEIVED)
    with pytest.raises(ReportError, match=r"DejaVuSans\.ttf not found"):
        pdfdoc.message_pdf(doc)


def test_the_shipped_font_is_found_without_the_system_fonts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The bundle has no /usr/share/fonts: resources/fonts alone must do.
    monkeypatch.setattr(pdfdoc, "SYSTEM_FONT_DIRS", ())
    files = pdfdoc.font_files()
    assert all("resources" in str(p) for p in files.values())


def test_odd_text_never_stops_a_document() -> None:
    # Control characters and characters DejaVu lacks (a CJK ideograph) in a sender's subject.
    env = Envelope(message_id="9", subject="Věc\x00\x07 — 漢 Ω ☺",
                   sender_name="Firma\u202e s.r.o.")
    events = (DeliveryEvent(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "EV0: přijata"),)
    data = pdfdoc.message_pdf(MessageDoc(envelope=env, direction=Direction.SENT,
                                         events=events), Part.BOTH)
    assert_pdfa(data)
    text_has(data, "Věc", "Ω", "02.01.2026 04:04:05", "EV0: přijata", "Firma s.r.o.")
    assert "\u202e" not in pdf_text(data)  # the bidi override is gone, not printed


def test_one_message_pdf_is_fast(archive: Any) -> None:
    mid = _id(archive, "7001")
    archive.paper.message_pdf(mid)  # warm: imports, font files in the OS cache
    started = time.perf_counter()
    archive.paper.message_pdf(mid)
    # The target is 0.2 s (make bench); a loaded CI machine gets generous room.
    assert time.perf_counter() - started < 2.0


def test_an_untrusted_delivery_info_is_not_called_sealed_by_isds(archive: Any) -> None:
    from sqlalchemy import update

    from dso_desktop.store.models import DeliveryInfo

    mid = _id(archive, "7001")
    with archive.db.write() as s:
        s.execute(update(DeliveryInfo).where(DeliveryInfo.message_id == mid)
                  .values(verdict="untrusted"))
    data = archive.paper.message_pdf(mid, Part.DELIVERY_INFO)
    text_has(data, "Pečeť doručenky nebyla ověřena jako pečeť ISDS",
             "Výsledek ověření Nedůvěryhodný")
    assert "pečeť je ověřena" not in pdf_text(data)


def test_the_pdfa_check_itself_refuses_a_plain_pdf() -> None:
    # The checker the tests rely on is not vacuous: an ordinary PDF (core font, no XMP,
    # no OutputIntent) fails it.
    from fpdf import FPDF

    plain = FPDF()
    plain.add_page()
    plain.set_font("helvetica", size=10)
    plain.cell(0, 5, "7001")
    with pytest.raises((AssertionError, KeyError)):
        assert_pdfa(bytes(plain.output()))


def test_batch_export_writes_one_pdf_per_message_and_overwrites_nothing(
        archive: Any, tmp_path: Path) -> None:
    ids = [_id(archive, "7001"), _id(archive, "7002")]
    seen: list[tuple[int, int]] = []
    first = archive.paper.export_pdfs(ids, tmp_path / "out", Part.BOTH,
                                      progress=lambda n, total: seen.append((n, total)))
    assert [p.name for p in first] == ["Obalka_a_dorucenka_7001.pdf",
                                       "Obalka_a_dorucenka_7002.pdf"]
    assert seen == [(1, 2), (2, 2)]
    text_has(first[1].read_bytes(), "7002", "Odpověď na žádost")
    again = archive.paper.export_pdfs(ids[:1], tmp_path / "out", Part.BOTH)
    assert again[0] != first[0] and first[0].exists()


def test_the_shipped_fonts_have_every_czech_and_slovak_letter() -> None:
    from fontTools.ttLib import TTFont

    letters = "áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽäľĺôŕÄĽĹÔŔ„“‚‘–—…§€°×"
    for path in pdfdoc.font_files().values():
        cmap = TTFont(path).getBestCmap()
        assert [ch for ch in letters if ord(ch) not in cmap] == [], path
