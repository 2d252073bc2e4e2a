"""Sending: box search, attachment checks as ISDS applies them, normal or big messages."""

from __future__ import annotations

import logging
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dso_desktop.domain import AttachmentRole, Direction
from dso_desktop.services.accounts import AccountService
from dso_desktop.services.types import Draft, SendOutcome
from dso_desktop.store.db import Database

log = logging.getLogger(__name__)

MIB = 1024 * 1024


@dataclass(frozen=True)
class SendLimits:
    """Limits of ISDS (PROTOCOL.md §5); the tests may shrink them with a simulator."""

    normal_max: int = 20 * MIB  # a normal message; above it a big message (VoDZ)
    big_max: int = 100 * MIB
    max_files: int = 100
    max_recipients: int = 50
    max_name: int = 255
    zip_max_entries: int = 1000
    zip_max_depth: int = 4


# PROTOCOL.md §6 (compiled from [LD-message], [PR §II.6], [N2201], [N2604]).
ALLOWED_EXTENSIONS = frozenset((
    "pdf", "xml", "fo", "zfo", "html", "htm", "odt", "ods", "odp", "txt", "rtf", "doc", "docx",
    "xls", "xlsx", "ppt", "pptx", "jpg", "jpeg", "jfif", "png", "tif", "tiff", "gif", "mpeg1",
    "mpeg2", "mpg", "mpeg", "wav", "mp2", "mp3", "isdoc", "isdocx", "edi", "dwg", "shp", "dbf",
    "shx", "prj", "qix", "sbn", "sbx", "dgn", "gml", "gfs", "xsd", "cer", "crt", "der", "pk7",
    "p7b", "p7c", "p7f", "p7m", "p7s", "tst", "tsr", "zip", "asics", "scs", "asice", "sce",
    "ddd",
))
ZIP_LIKE = {"zip", "asics", "scs", "asice", "sce"}
_MAGIC = {
    "pdf": (b"%PDF",), "png": (b"\x89PNG",), "jpg": (b"\xff\xd8",), "jpeg": (b"\xff\xd8",),
    "jfif": (b"\xff\xd8",), "gif": (b"GIF8",), "zip": (b"PK",), "docx": (b"PK",),
    "xlsx": (b"PK",), "pptx": (b"PK",), "odt": (b"PK",), "ods": (b"PK",), "odp": (b"PK",),
    "tif": (b"II*\x00", b"MM\x00*"), "tiff": (b"II*\x00", b"MM\x00*"),
}
_MIME = {
    "pdf": "application/pdf", "xml": "application/xml", "txt": "text/plain",
    "html": "text/html", "htm": "text/html", "png": "image/png", "jpg": "image/jpeg",
    "jpeg": "image/jpeg", "gif": "image/gif", "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text", "zfo": "application/vnd.software602."
    "filler.form-xml-zip", "rtf": "application/rtf", "doc": "application/msword",
}


class SendError(Exception):
    """A message cannot be sent as drafted (the text says why, in Czech)."""


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _zip_problems(path: Path, limits: SendLimits) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > limits.zip_max_entries:
                return [f"{path.name}: archiv má více než {limits.zip_max_entries} položek"]
            for info in infos:
                if info.flag_bits & 0x1:
                    return [f"{path.name}: šifrovaný archiv není povolen"]
                if info.filename.count("/") - (1 if info.is_dir() else 0) >= limits.zip_max_depth:
                    return [f"{path.name}: archiv má více než {limits.zip_max_depth} úrovně složek"]
                if info.is_dir():
                    continue
                inner = _ext(info.filename)
                if inner in ZIP_LIKE:
                    return [f"{path.name}: vnořený archiv ({info.filename}) není povolen"]
                if inner not in ALLOWED_EXTENSIONS:
                    return [f"{path.name}: soubor {info.filename} v archivu má nepovolený formát"]
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"{path.name}: poškozený archiv ({exc})"]
    return []


def check_attachments(paths: Sequence[Path], limits: SendLimits | None = None) -> list[str]:
    """Problems ISDS would reject the message for, in Czech; empty when it may be sent."""
    limits = limits or SendLimits()
    problems: list[str] = []
    if not paths:
        return ["Zpráva musí mít alespoň jednu přílohu."]
    if len(paths) > limits.max_files:
        problems.append(f"Zpráva smí mít nejvýše {limits.max_files} příloh.")
    total = 0
    for p in paths:
        p = Path(p)
        if not p.is_file():
            problems.append(f"{p.name}: soubor neexistuje nebo to není soubor")
            continue
        size = p.stat().st_size
        total += size
        if size == 0:
            problems.append(f"{p.name}: soubor je prázdný")
        if len(p.name) > limits.max_name:
            problems.append(f"{p.name[:40]}…: název souboru je delší než {limits.max_name} znaků")
        ext = _ext(p.name)
        if ext not in ALLOWED_EXTENSIONS:
            problems.append(f"{p.name}: formát .{ext or '?'} ISDS nepřijímá")
            continue
        magic = _MAGIC.get(ext)
        if magic:
            with p.open("rb") as fh:
                head = fh.read(8)
            if not head.startswith(magic):
                problems.append(f"{p.name}: obsah souboru neodpovídá příponě .{ext}")
        if ext in ZIP_LIKE:
            problems += _zip_problems(p, limits)
    if total > limits.big_max:
        problems.append(
            f"Přílohy mají dohromady {total / MIB:.1f} MB; ISDS přijme nejvýše "
            f"{limits.big_max / MIB:.0f} MB."
        )
    return problems


def is_big(paths: Sequence[Path], limits: SendLimits | None = None) -> bool:
    limits = limits or SendLimits()
    return sum(Path(p).stat().st_size for p in paths) > limits.normal_max


class SendService:
    def __init__(self, db: Database, accounts: AccountService, trust: Callable[..., Any],
                 limits: SendLimits | None = None) -> None:
        self._db = db
        self._accounts = accounts
        self._trust = trust
        self.limits = limits or SendLimits()

    def check_attachments(self, paths: Sequence[Path]) -> list[str]:
        return check_attachments(paths, self.limits)

    def find_boxes(self, account: str, query: str, search_type: str = "GENERAL",
                   *, password: str | None = None) -> list[Any]:
        """ISDSSearch3 through the account (no list download, so no delivery)."""
        client = self._accounts.client(account, password=password)
        try:
            client.login()
            return list(client.isds_search3(query, search_type).hits)
        finally:
            client.close()

    def _outgoing(self, draft: Draft, recipient: str) -> Any:
        from dso_desktop.isds.models import OutgoingMessage

        return OutgoingMessage(
            recipient_box_id=recipient, subject=draft.subject, to_hands=draft.to_hands,
            your_ref=draft.your_ref, our_ref=draft.our_ref, your_file_mark=draft.your_file_mark,
            our_file_mark=draft.our_file_mark, legal_title=draft.legal_title,
            personal_delivery=draft.personal_delivery, allow_fiction=draft.allow_fiction,
            ovm=draft.ovm, publish_own_id=draft.publish_own_id, message_type=draft.message_type,
        )

    def validate(self, draft: Draft) -> bool:
        """Raises SendError for a draft ISDS would refuse; returns whether it is big."""
        if not draft.recipients:
            raise SendError("Zadejte alespoň jednoho adresáta.")
        if len(draft.recipients) > self.limits.max_recipients:
            raise SendError(f"Nejvýše {self.limits.max_recipients} adresátů.")
        for r in draft.recipients:
            if len(r) != 7:
                raise SendError(f"ID datové schránky má 7 znaků: {r!r}")
        if not draft.subject.strip() or len(draft.subject) > 255:
            raise SendError("Předmět je povinný a má nejvýše 255 znaků.")
        for label, value in (("naše č. j.", draft.our_ref), ("vaše č. j.", draft.your_ref),
                             ("naše spisová značka", draft.our_file_mark),
                             ("vaše spisová značka", draft.your_file_mark)):
            if value and len(value) > 50:
                raise SendError(f"{label} má nejvýše 50 znaků.")
        problems = self.check_attachments(list(draft.attachments))
        if problems:
            raise SendError("; ".join(problems))
        return is_big(list(draft.attachments), self.limits)

    def send(self, account: str, draft: Draft, progress: Callable[[str, int, int], None]
             | None = None, *, password: str | None = None,
             cancel: threading.Event | None = None) -> list[SendOutcome]:
        """Send to every recipient; a big message (VoDZ) automatically above the limit.

        The sent message is archived right away (signed ZFO) when ISDS already offers it;
        otherwise the next sync picks it up.
        """
        from dso_desktop.isds.errors import IsdsError
        from dso_desktop.isds.models import ExtFile, OutgoingFile

        big = self.validate(draft)
        paths = [Path(p) for p in draft.attachments]
        client = self._accounts.client(account, password=password, cancel=cancel)
        outcomes: list[SendOutcome] = []
        try:
            client.login()
            steps = len(draft.recipients) * (len(paths) + 1 if big else 1)
            done = 0
            for recipient in draft.recipients:
                msg = self._outgoing(draft, recipient)
                try:
                    if big:
                        ext_files = []
                        for i, p in enumerate(paths):
                            if progress:
                                progress("upload", done, steps)
                            up = client.upload_attachment(p, p.name, _MIME.get(_ext(p.name), ""))
                            ext_files.append(ExtFile(
                                up, AttachmentRole.MAIN if i == 0 else AttachmentRole.ENCLOSURE))
                            done += 1
                        result = client.create_big_message(msg, ext_files)
                    else:
                        files = [
                            OutgoingFile(
                                p.name, p.read_bytes(), _MIME.get(_ext(p.name), ""),
                                AttachmentRole.MAIN if i == 0 else AttachmentRole.ENCLOSURE,
                            )
                            for i, p in enumerate(paths)
                        ]
                        result = client.create_message(msg, files)
                    done += 1
                    if progress:
                        progress("send", done, steps)
                    outcomes.append(SendOutcome(recipient, result.message_id, True, None, big))
                    if result.message_id:
                        self._archive_sent(client, account, result.message_id, big)
                except IsdsError as exc:
                    outcomes.append(SendOutcome(recipient, None, False, str(exc), big))
        finally:
            client.close()
        return outcomes

    def _archive_sent(self, client: Any, account: str, dm_id: str, big: bool) -> None:
        from dso_desktop.sync.ingest import IngestError, parse_and_verify, store_message_zfo

        try:
            op = client.signed_sent_big_message_download if big else \
                client.signed_sent_message_download
            doc = op(dm_id)
            rec = self._accounts.record(account)
            parsed, verdict = parse_and_verify(doc.data, self._trust(rec.id))
            if str(getattr(verdict.kind, "value", verdict.kind)) == "invalid":
                return
            store_message_zfo(self._db, doc.data, parsed, verdict, account_id=rec.id,
                              direction=Direction.SENT, source="send", big_message=big)
        except (IngestError, Exception) as exc:  # the next sync archives it
            log.info("sent message not archived right away: %s", type(exc).__name__)
