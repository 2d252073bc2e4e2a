"""Sending: box search, attachment checks as ISDS applies them, normal or big messages."""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dso_desktop.domain import AttachmentRole, Direction, LegalTitle, VerdictKind
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.isds.models import BoxSearchHit
from dso_desktop.services.accounts import AccountService
from dso_desktop.services.outbox import OutboxBusy, OutboxService, fingerprint, sha256_file
from dso_desktop.services.types import Draft, SendOutcome
from dso_desktop.store.db import Database
from dso_desktop.store.outbox import (
    DISCARDED,
    FAILED,
    PREPARED,
    SENT,
    SUBMITTING,
    UNKNOWN,
    OutboxAttachment,
    OutboxRecord,
    OutboxRepo,
)
from dso_desktop.store.timeutil import utcnow

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
    # Seconds ISDS is given to commit a request that reached it before "not in the sent
    # list" is believed (outbox reconciliation).
    reconcile_settle: float = 20.0


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


class SendError(DsoError):
    """A message cannot be sent as drafted (the text says why, in Czech)."""

    kind = ErrorKind.SEND

    def __init__(self, message: str) -> None:
        super().__init__(message)
        if message:
            self.message_cs = message  # the service words it in Czech already


class SendBlocked(SendError):
    """The same message has an outbox record whose fate is unknown: never resend blindly."""

    kind = ErrorKind.SEND_BLOCKED

    def __init__(self, records: Sequence[OutboxRecord]) -> None:
        self.records = list(records)
        found = ", ".join(f"#{r.id} pro {r.recipient} ({r.state})" for r in self.records)
        super().__init__(
            "Tatáž zpráva už byla odesílána a není jisté, zda odešla (záznam odesílání "
            f"{found}). Nejdřív ověřte odeslané zprávy (dso outbox reconcile), pak ji "
            "případně odešlete znovu výslovně (dso outbox retry).")


def _definite_refusal(exc: BaseException) -> bool:
    """Did ISDS refuse the request for sure (nothing was created), so it may be sent again?

    A status answer (incl. 3008/3009), a SOAP fault, 401/403 or a 503 is an answer that the
    message was not accepted. A timeout, a broken connection or an unreadable answer is not:
    the message may exist.
    """
    from dso_desktop.isds.errors import (
        LoginError,
        MaintenanceError,
        SoapFault,
        StatusError,
    )

    return isinstance(exc, (StatusError, SoapFault, LoginError, MaintenanceError))


def _options(draft: Draft) -> dict[str, Any]:
    """The envelope options besides subject and reference numbers (for the outbox)."""
    lt = draft.legal_title
    return {
        "to_hands": draft.to_hands, "personal_delivery": draft.personal_delivery,
        "allow_fiction": draft.allow_fiction, "publish_own_id": draft.publish_own_id,
        "message_type": draft.message_type, "ovm": draft.ovm,
        "legal_title": [getattr(lt, f) for f in ("law", "year", "section", "paragraph",
                                                 "point")],
    }


def _draft_from(rec: OutboxRecord) -> Draft:
    o = rec.options
    return Draft(
        recipients=(rec.recipient,), subject=rec.subject,
        attachments=tuple(Path(a.path) for a in rec.attachments), to_hands=o.get("to_hands"),
        personal_delivery=o.get("personal_delivery"), allow_fiction=o.get("allow_fiction"),
        our_ref=rec.our_ref, your_ref=rec.your_ref, our_file_mark=rec.our_file_mark,
        your_file_mark=rec.your_file_mark,
        legal_title=LegalTitle(*(o.get("legal_title") or [None] * 5)),
        publish_own_id=o.get("publish_own_id"), message_type=o.get("message_type"),
        ovm=o.get("ovm"),
    )


def _refs(draft: Draft) -> tuple[str | None, ...]:
    return (draft.our_ref, draft.your_ref, draft.our_file_mark, draft.your_file_mark)


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


@dataclass(frozen=True)
class PdzOptions:
    """A box's ways to pay commercial messages (PDZInfo records) and its credit in CZK
    (DataBoxCreditInfo's currentCredit is in hellers; None: not told)."""

    box_id: str
    records: tuple[Any, ...]  # isds.models.PdzRecord
    credit: float | None

    def reply_offer(self, recipient: str, reference: str | None) -> Any:
        """The prepaid reply (PDZType O) a reply to ``recipient`` with ``reference`` as
        dmRecipientRefNumber would use (ODZIdent = the initiator's dmSenderRefNumber)."""
        return next((r for r in self.records if r.pdz_type == "O"
                     and r.recipient == recipient and reference
                     and r.odz_ident == reference), None)

    @property
    def can_pay(self) -> bool:
        """Whether a commercial message of its own (not a prepaid reply) can be paid."""
        return any(r.pdz_type != "O" for r in self.records)


class SendService:
    def __init__(self, db: Database, accounts: AccountService, trust: Callable[..., Any],
                 limits: SendLimits | None = None, outbox: OutboxService | None = None,
                 *, lock_dir: Path | None = None) -> None:
        self._db = db
        self._accounts = accounts
        self._trust = trust
        self.limits = limits or SendLimits()
        self.outbox = outbox or OutboxService(db, accounts, trust,
                                              settle=self.limits.reconcile_settle,
                                              lock_dir=lock_dir)
        # Crash tests: called with "before-outbox", "prepared", "submitting", "answered",
        # "recorded" at those points of every recipient's send.
        self.phase_hook: Callable[[str], None] | None = None

    def check_attachments(self, paths: Sequence[Path]) -> list[str]:
        return check_attachments(paths, self.limits)

    def find_boxes(self, account: str, query: str, search_type: str = "GENERAL",
                   *, password: str | None = None) -> list[BoxSearchHit]:
        """ISDSSearch3 through the account (no list download, so no delivery)."""
        from dso_desktop.isds.errors import StatusError

        client = self._accounts.client(account, password=password)
        try:
            client.login()
            try:
                return list(client.isds_search3(query, search_type).hits)
            except StatusError as exc:
                if exc.code == "0002":  # "nothing found" is an answer, not a failure
                    return []
                raise
        finally:
            client.close()

    def pdz_info(self, account: str, *, password: str | None = None,
                 otp_provider: Any = None, cancel: threading.Event | None = None
                 ) -> PdzOptions:
        """How the account may pay commercial messages (PDZInfo) and its credit
        (DataBoxCreditInfo), for the compose dialog to show before sending. No list is
        downloaded, so nothing is delivered."""
        client = self._accounts.client(account, password=password, otp_provider=otp_provider,
                                       cancel=cancel)
        try:
            client.login()
            box_id = self._accounts.get(account).box_id or \
                client.get_owner_info_from_login2().box_id
            records = tuple(client.pdz_info(box_id))
            credit = client.data_box_credit_info(box_id).current_credit
        finally:
            client.close()
        return PdzOptions(box_id=box_id, records=records,
                          credit=None if credit is None else credit / 100)

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
        """Send to every recipient, exactly once; a big message (VoDZ) above the limit.

        Each recipient's message is first recorded in the outbox (committed); the account's
        unsettled records are reconciled with its sent list before anything is sent. A
        draft identical to an unsettled record is refused (SendBlocked); one that
        reconciliation found sent is reported (with its dmID), not sent again. The sent
        message is archived right away (signed ZFO) when ISDS already offers it; otherwise
        the next sync picks it up.
        """
        big = self.validate(draft)
        paths = [Path(p) for p in draft.attachments]
        # The bytes hashed are the bytes sent (a normal message is read once, here).
        contents: list[bytes] | None = None if big else [p.read_bytes() for p in paths]
        if contents is not None:
            atts = [OutboxAttachment(p.name, len(c), hashlib.sha256(c).hexdigest(),
                                     str(p.resolve())) for p, c in zip(paths, contents,
                                                                       strict=True)]
        else:
            atts = [OutboxAttachment(p.name, *sha256_file(p), str(p.resolve())) for p in paths]
        options = _options(draft)
        prints = {r: fingerprint(account, r, draft.subject, _refs(draft), options, atts)
                  for r in draft.recipients}
        try:
            lock = self.outbox.lock(account)
        except OutboxBusy as exc:
            raise SendError("Z tohoto účtu se právě odesílá (jiné okno nebo příkaz dso); "
                            "zkuste to za chvíli.") from exc
        with lock:
            client = self._accounts.client(account, password=password, cancel=cancel)
            try:
                client.login()
                self.outbox.reconcile(account, client=client, cancel=cancel)
                blocking = [r for r in self.outbox.records(account, open_only=True)
                            if r.fingerprint in prints.values()]
                if blocking:
                    raise SendBlocked(blocking)
                outcomes = self._send_all(client, account, draft, big, paths, contents,
                                          atts, options, prints, progress, cancel)
            finally:
                client.close()
        # Handed back to the caller: from now on the same draft again is a new message.
        for o in outcomes:
            if o.ok and o.outbox_id is not None:
                self.outbox.acknowledge(o.outbox_id)
        return outcomes

    def retry(self, record_id: int, *, force: bool = False, password: str | None = None,
              progress: Callable[[str, int, int], None] | None = None,
              cancel: threading.Event | None = None) -> list[SendOutcome]:
        """Send an outbox record's message again: the user's explicit decision.

        A ``failed`` record (ISDS refused it, or reconciliation read the whole sent list and
        it was not there) may be sent again. An ``unknown`` one only with ``force`` (the
        user accepts that it may arrive twice). The attachments must still be the bytes
        that were recorded.
        """
        rec = self.outbox.get(record_id)
        if rec.state == SENT:
            raise SendError(f"Záznam #{rec.id} byl odeslán jako zpráva {rec.dm_id}.")
        if rec.state in (PREPARED, SUBMITTING):
            raise SendError(f"Záznam #{rec.id} ještě nebyl ověřen; spusťte nejdřív "
                            "ověření odeslaných zpráv (dso outbox reconcile).")
        if rec.state == UNKNOWN and not force:
            raise SendBlocked([rec])
        for att in rec.attachments:
            path = Path(att.path)
            if not path.is_file() or sha256_file(path) != (att.size, att.sha256):
                raise SendError(f"Příloha {att.name} se od odeslání změnila nebo chybí "
                                f"({att.path}); zprávu sestavte znovu.")
        draft = _draft_from(rec)
        if rec.state != DISCARDED:
            # Closed first, so that this explicit resend is not refused as a blind repeat.
            self.outbox.discard(rec.id)
        return self.send(rec.account, draft, progress, password=password, cancel=cancel)

    def _phase(self, phase: str) -> None:
        """Crash tests kill the process here (``phase_hook``); no effect otherwise."""
        if self.phase_hook is not None:
            self.phase_hook(phase)

    def _send_all(self, client: Any, account: str, draft: Draft, big: bool,
                  paths: list[Path], contents: list[bytes] | None,
                  atts: list[OutboxAttachment], options: dict[str, Any],
                  prints: dict[str, str], progress: Callable[[str, int, int], None] | None,
                  cancel: threading.Event | None) -> list[SendOutcome]:
        batch = str(uuid.uuid4())
        outcomes: list[SendOutcome] = []
        steps = len(draft.recipients) * (len(paths) + 1 if big else 1)
        done = 0
        for recipient in draft.recipients:
            with self._db.read() as s:
                found = [r for r in OutboxRepo(s).list(account, states=(SENT,),
                                                       fingerprint=prints[recipient])
                         if r.unreported]
            if found:
                # A crash interrupted this very send earlier and reconciliation found it in
                # ISDS: report it, do not send it a second time.
                rec = self.outbox.acknowledge(found[0].id)
                if rec.dm_id:  # the interrupted run may have died before archiving it
                    self._archive_sent(client, account, rec.dm_id, rec.big_message)
                done += len(paths) + 1 if big else 1
                outcomes.append(SendOutcome(
                    recipient, rec.dm_id, True, None, rec.big_message, outbox_id=rec.id,
                    note="already sent by an earlier, interrupted run of this send"))
                continue
            if cancel is not None and cancel.is_set():
                outcomes.append(SendOutcome(recipient, None, False, "zrušeno", big))
                continue
            outcome, done = self._send_one(client, account, draft, recipient, big, paths,
                                           contents, atts, options, prints[recipient], batch,
                                           progress, done, steps, cancel)
            outcomes.append(outcome)
        return outcomes

    def _send_one(self, client: Any, account: str, draft: Draft, recipient: str, big: bool,
                  paths: list[Path], contents: list[bytes] | None,
                  atts: list[OutboxAttachment], options: dict[str, Any], fp: str, batch: str,
                  progress: Callable[[str, int, int], None] | None, done: int, steps: int,
                  cancel: threading.Event | None) -> tuple[SendOutcome, int]:
        from dso_desktop.isds.errors import IsdsError
        from dso_desktop.isds.models import ExtFile, OutgoingFile

        msg = self._outgoing(draft, recipient)
        self._phase("before-outbox")
        with self._db.write() as s:
            rec = OutboxRepo(s).add(
                batch=batch, account=account, recipient=recipient, subject=draft.subject,
                our_ref=draft.our_ref, your_ref=draft.your_ref,
                our_file_mark=draft.our_file_mark, your_file_mark=draft.your_file_mark,
                options=options, attachments=atts, fingerprint=fp, big_message=big)
        self._phase("prepared")
        submitted = False
        try:
            ext_files = []
            if big:
                # Uploads create no message: a failure here leaves nothing in ISDS.
                for i, p in enumerate(paths):
                    if progress:
                        progress("upload", done, steps)
                    up = client.upload_attachment(p, p.name, _MIME.get(_ext(p.name), ""))
                    ext_files.append(ExtFile(
                        up, AttachmentRole.MAIN if i == 0 else AttachmentRole.ENCLOSURE))
                    done += 1
            with self._db.write() as s:
                OutboxRepo(s).update(rec.id, state=SUBMITTING, submitted_at=utcnow())
            submitted = True
            self._phase("submitting")
            # Exactly one attempt: CreateMessage is never repeated after it may have
            # reached ISDS; an unclear outcome is reconciled instead.
            if big:
                result = client.create_big_message(msg, ext_files)
            else:
                assert contents is not None
                files = [
                    OutgoingFile(p.name, c, _MIME.get(_ext(p.name), ""),
                                 AttachmentRole.MAIN if i == 0 else AttachmentRole.ENCLOSURE)
                    for i, (p, c) in enumerate(zip(paths, contents, strict=True))
                ]
                result = client.create_message(msg, files)
        except BaseException as exc:
            definite = not submitted or _definite_refusal(exc)
            error = str(exc) or type(exc).__name__
            with self._db.write() as s:
                OutboxRepo(s).update(rec.id, state=FAILED if definite else UNKNOWN,
                                     error=f"{type(exc).__name__}: {error}")
            if not isinstance(exc, IsdsError):
                raise
            if definite:
                return SendOutcome(recipient, None, False, error, big, outbox_id=rec.id), done
            return self._after_unclear(client, rec.id, recipient, error, big, cancel), done
        self._phase("answered")
        with self._db.write() as s:
            OutboxRepo(s).update(rec.id, state=SENT, dm_id=result.message_id, unreported=True)
        self._phase("recorded")
        done += 1
        if progress:
            progress("send", done, steps)
        if result.message_id:
            self._archive_sent(client, account, result.message_id, big)
        return SendOutcome(recipient, result.message_id, True, None, big,
                           outbox_id=rec.id), done

    def _after_unclear(self, client: Any, record_id: int, recipient: str, error: str,
                       big: bool, cancel: threading.Event | None) -> SendOutcome:
        """The answer to CreateMessage was lost: look for the message instead of resending."""
        if cancel is not None and cancel.is_set():
            res_state, note, dm_id = UNKNOWN, "cancelled", None
        else:
            res = self.outbox.reconcile_record(client, self.outbox.get(record_id),
                                               cancel=cancel)
            res_state, note, dm_id = res.record.state, res.note, res.record.dm_id
        if res_state == SENT:
            self.outbox.acknowledge(record_id)
            return SendOutcome(recipient, dm_id, True, None, big, outbox_id=record_id,
                               note=f"the answer was lost ({error}); {note}")
        if res_state == FAILED:
            return SendOutcome(recipient, None, False,
                               f"{error}; zpráva nebyla odeslána ({note})", big,
                               outbox_id=record_id)
        return SendOutcome(recipient, None, False,
                           f"{error}; NEJISTÉ, zda byla zpráva odeslána ({note}); "
                           "znovu ji neodesílejte, dokud se to nevyjasní (dso outbox)",
                           big, outbox_id=record_id, unknown=True)

    def _archive_sent(self, client: Any, account: str, dm_id: str, big: bool) -> None:
        from dso_desktop.sync.ingest import IngestError, parse_and_verify, store_message_zfo

        try:
            op = client.signed_sent_big_message_download if big else \
                client.signed_sent_message_download
            doc = op(dm_id)
            rec = self._accounts.record(account)
            parsed, verdict = parse_and_verify(doc.data, self._trust(rec.id))
            if verdict.kind == VerdictKind.INVALID:
                return
            store_message_zfo(self._db, doc.data, parsed, verdict, account_id=rec.id,
                              direction=Direction.SENT, source="send", big_message=big)
        except (IngestError, Exception) as exc:  # the next sync archives it
            log.info("sent message not archived right away: %s", type(exc).__name__)
