"""On paper and in reports (issue 16): the PDF envelope and delivery info of a message, the
correspondence overview, and a message as an e-mail. Plain Python, blocking (the GUI calls
it from worker threads); it reads the archive and hands the documents to `reports`."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dso_desktop.domain import Direction
from dso_desktop.paths import atomic_write, private_dir
from dso_desktop.reports.model import (
    PRAGUE,
    CertLine,
    FileLine,
    MessageDoc,
    Overview,
    OverviewRow,
    Part,
    SealCheck,
    local_time,
    status_cs,
)
from dso_desktop.reports.overview import Format
from dso_desktop.store.db import Database
from dso_desktop.store.errors import DamagedEvidence, NotFound
from dso_desktop.store.messages import MessageRepo, sha256_hex
from dso_desktop.store.paper import delivery_info_record, overview_records
from dso_desktop.store.repos import AccountRepo

PART_NAMES = {Part.ENVELOPE: "Obalka", Part.DELIVERY_INFO: "Dorucenka",
              Part.BOTH: "Obalka_a_dorucenka"}


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _cert(info: Any) -> CertLine | None:
    if info is None:
        return None
    return CertLine(subject=info.subject, issuer=info.issuer, valid_until=info.not_after)


def _check(kind: str | None, parsed: Any | None, *, payload: dict[str, Any] | None,
           checked_at: datetime | None, sha256: str | None, size: int | None) -> SealCheck:
    """The verdict as stored, with the seal and timestamp certificates named from the
    signed file itself (parsed here; the verdict was reached when it was stored)."""
    p = payload or {}
    reasons = p.get("reasons_cs") or ()
    ts = parsed.timestamp if parsed is not None else None
    return SealCheck(
        kind=kind,
        reasons_cs=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
        checked_at=checked_at,
        signing_time=_iso(p.get("signing_time")) or (parsed.signing_time if parsed else None),
        timestamp_time=_iso(p.get("timestamp_time")) or (ts.gen_time if ts else None),
        seal=_cert(parsed.signer) if parsed is not None else None,
        tsa=_cert(ts.tsa) if ts is not None else None,
        zfo_sha256=sha256, zfo_size=size)


def file_stem(dm_id: str, fallback: int) -> str:
    """ASCII letters and digits of a dmID (an imported file may carry anything)."""
    return "".join(ch for ch in dm_id if ch.isascii() and ch.isalnum())[:40] or str(fallback)


class PaperService:
    """`app.paper`: documents made from the archive."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self._db = db
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- one message --------------------------------------------------------------------
    def document(self, message_id: int) -> MessageDoc:
        """What the envelope and delivery info of ``message_id`` show (NotFound if none;
        DamagedEvidence when the stored ZFO fails its checksum: nothing is printed from
        damaged evidence)."""
        from dso_desktop.zfo import parse_zfo

        with self._db.read() as s:
            repo = MessageRepo(s)
            st = repo.detail(message_id)
            z = repo.zfo(message_id)
            di = delivery_info_record(s, message_id)
        env = st.envelope
        files: tuple[FileLine, ...] = ()
        message_check: SealCheck | None = None
        if z is not None:
            data, digest = z
            if sha256_hex(data) != digest:
                raise DamagedEvidence(f"stored ZFO of {st.row.dm_id} does not match its "
                                      "checksum")
            parsed = parse_zfo(data)
            # The signed envelope has every field ISDS gives (org units, sender type, ...);
            # the archive's columns carry the newest state and times (state changes).
            env = dataclasses.replace(
                parsed.envelope, status=env.status or parsed.envelope.status,
                delivered_at=env.delivered_at or parsed.envelope.delivered_at,
                accepted_at=env.accepted_at or parsed.envelope.accepted_at)
            files = tuple(FileLine(name=a.name, mime_type=a.mime_type or "",
                                   role=str(a.role), size=int(a.size),
                                   sha256=hashlib.sha256(a.content()).hexdigest())
                          for a in parsed.attachments)
            payload = json.loads(st.verdict_json) if st.verdict_json else None
            message_check = _check(st.row.verdict, parsed, payload=payload,
                                   checked_at=st.verified_at, sha256=digest, size=len(data))
        delivery_check: SealCheck | None = None
        if di is not None:
            if sha256_hex(di.data) != di.sha256:
                raise DamagedEvidence(f"stored delivery info of {st.row.dm_id} does not "
                                      "match its checksum")
            di_parsed = parse_zfo(di.data)
            delivery_check = _check(di.verdict, di_parsed, payload=None,
                                    checked_at=di.stored_at, sha256=di.sha256, size=di.size)
        return MessageDoc(envelope=env, direction=st.row.direction, account=st.row.account,
                          files=files, message_check=message_check, events=st.events,
                          delivery_check=delivery_check, has_delivery_info=di is not None,
                          made_at=self._clock())

    def message_pdf(self, message_id: int, part: Part = Part.ENVELOPE) -> bytes:
        from dso_desktop.reports.pdfdoc import message_pdf

        return message_pdf(self.document(message_id), Part(part))

    def save_message_pdf(self, message_id: int, out: Path, part: Part = Part.ENVELOPE
                         ) -> Path:
        """Write the PDF to ``out`` (replaced atomically; 0600)."""
        atomic_write(Path(out), self.message_pdf(message_id, part))
        return Path(out)

    def export_pdfs(self, message_ids: Sequence[int], out_dir: Path,
                    part: Part = Part.ENVELOPE,
                    progress: Callable[[int, int], None] | None = None) -> list[Path]:
        """Batch export: one PDF per message in ``out_dir`` (``Obalka_<dmID>.pdf``; a name
        taken already gets a number, nothing is overwritten)."""
        from dso_desktop.reports.pdfdoc import message_pdf
        from dso_desktop.zfo.extract import save_files

        out_dir = private_dir(Path(out_dir), tighten_existing=False)
        written: list[Path] = []
        for n, mid in enumerate(message_ids, 1):
            doc = self.document(mid)
            name = f"{PART_NAMES[Part(part)]}_{file_stem(doc.envelope.message_id, mid)}.pdf"
            written += save_files(out_dir, [(name, message_pdf(doc, Part(part)))])
            if progress is not None:
                progress(n, len(message_ids))
        return written

    def message_eml(self, message_id: int, *, attachments: bool = False,
                    pdf: bool = False) -> bytes:
        """The .eml of a message: its signed ZFO, and when asked its attachments and its
        PDF envelope (with the delivery info when there is one)."""
        from dso_desktop.reports.eml import ZFO_MIME, EmlFile, build_eml
        from dso_desktop.reports.pdfdoc import message_pdf, summary_lines
        from dso_desktop.zfo import parse_zfo
        from dso_desktop.zfo.extract import sanitize

        with self._db.read() as s:
            repo = MessageRepo(s)
            st = repo.detail(message_id)
            z = repo.zfo(message_id)
        if z is None:
            missing = NotFound(f"message {st.row.dm_id} has no signed ZFO stored yet")
            missing.message_cs = ("Zpráva ještě není stažená (v archivu je jen její obálka "
                                  "ze seznamu); e-mail by neměl co nést.")
            raise missing
        data, digest = z
        if sha256_hex(data) != digest:
            raise DamagedEvidence(f"stored ZFO of {st.row.dm_id} does not match its checksum")
        stem = file_stem(st.row.dm_id, message_id)
        prefix = "DDZ" if st.row.direction is Direction.RECEIVED else "ODZ"
        files = [EmlFile(f"{prefix}_{stem}.zfo", data, ZFO_MIME)]
        if attachments:
            taken: set[str] = set()
            for a in parse_zfo(data).attachments:
                name = sanitize(a.name)
                while name in taken:  # two attachments of one name stay two files
                    name = f"_{name}"
                taken.add(name)
                files.append(EmlFile(name, bytes(a.content()), a.mime_type or None))
        if pdf:
            doc = self.document(message_id)
            part = Part.BOTH if doc.has_delivery_info else Part.ENVELOPE
            files.append(EmlFile(f"{PART_NAMES[part]}_{stem}.pdf", message_pdf(doc, part),
                                 "application/pdf"))
        e = st.envelope
        body = "\n".join([
            "Datová zpráva v příloze (soubor ZFO podepsaný ISDS).", "",
            *summary_lines([
                ("ID zprávy", e.message_id), ("Věc", e.subject),
                ("Odesílatel", f"{e.sender_name or ''} ({e.sender_box_id or '?'})"),
                ("Adresát", f"{e.recipient_name or ''} ({e.recipient_box_id or '?'})"),
                ("Dodáno", local_time(e.delivered_at)),
                ("Doručeno", local_time(e.accepted_at)), ("Stav", status_cs(e.status)),
            ]), "",
            "Pravost zprávy ověříte v aplikaci pro datové schránky nebo na portálu ISDS.",
        ])
        return build_eml(f"Datová zpráva {e.message_id}: {e.subject or ''}".strip(), body,
                         files, date=self._clock())

    def save_message_eml(self, message_id: int, out: Path, *, attachments: bool = False,
                         pdf: bool = False) -> Path:
        atomic_write(Path(out), self.message_eml(message_id, attachments=attachments,
                                                 pdf=pdf))
        return Path(out)

    def write_eml(self, message_id: int, folder: Path, *, attachments: bool = False,
                  pdf: bool = False) -> Path:
        """The .eml as ``zprava_<dmID>.eml`` in ``folder`` (a new name when taken: a mail
        client may still hold the previous one open)."""
        from dso_desktop.zfo.extract import save_files

        data = self.message_eml(message_id, attachments=attachments, pdf=pdf)
        with self._db.read() as s:
            dm = MessageRepo(s).rows([message_id])[0].dm_id
        return save_files(Path(folder), [(f"zprava_{file_stem(dm, message_id)}.eml",
                                          data)])[0]

    # -- correspondence overview --------------------------------------------------------
    def overview(self, date_from: date, date_to: date, *, account: str | None = None,
                 direction: Direction | None = None) -> Overview:
        """Messages delivered on the days ``date_from`` .. ``date_to`` (inclusive, Prague
        days); ValueError for a reversed range, NotFound for an unknown account."""
        if date_to < date_from:
            raise ValueError(f"the period ends ({date_to}) before it starts ({date_from})")
        since = datetime.combine(date_from, time(0), PRAGUE).astimezone(UTC)
        until = datetime.combine(date_to + timedelta(days=1), time(0), PRAGUE).astimezone(UTC)
        with self._db.read() as s:
            if account is not None:
                AccountRepo(s).get(account)  # NotFound: say so rather than print nothing
            records = overview_records(s, since, until, account=account,
                                       direction=direction)
        rows = tuple(OverviewRow(**vars(r)) for r in records)
        return Overview(date_from=date_from, date_to=date_to, account=account,
                        direction=direction, rows=rows, made_at=self._clock())

    def save_overview(self, overview: Overview, fmt: Format, out: Path) -> Path:
        from dso_desktop.reports.overview import render

        atomic_write(Path(out), render(overview, Format(fmt)))
        return Path(out)


__all__ = ["Format", "NotFound", "PaperService", "Part"]
