"""Message operations: dm_operations (dz), dm_info (dx), dm_VoDZ (vodz), dm_arch (arch)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from dso_desktop.simulator import render
from dso_desktop.simulator.context import OpContext, OpError
from dso_desktop.simulator.model import (
    PRIVIL_CREATE_DM,
    PRIVIL_ERASE_VAULT,
    PRIVIL_READ_ALL,
    PRIVIL_READ_NON_PERSONAL,
    Message,
    StoredFile,
    Upload,
    User,
)
from dso_desktop.simulator.registry import op
from dso_desktop.simulator.status_codes import (
    BAD_ATTACHMENT,
    BAD_REQUEST,
    BIG_TOO_SMALL,
    BOX_DOES_NOT_EXIST,
    FOREIGN_ATTACHMENT,
    HASH_MISMATCH,
    LIMIT_EXCEEDED,
    MESSAGE_NOT_FOUND,
    NO_CREDIT,
    NO_SUCH_INDEX,
    RECIPIENT_INACCESSIBLE,
    SENDER_BOX_INACCESSIBLE,
    UNKNOWN_ATTACHMENT,
    UPLOAD_QUOTA,
    WRONG_SERVICE,
)
from dso_desktop.simulator.world import World
from dso_desktop.simulator.xmlio import (
    B,
    Element,
    b64,
    boolean,
    child,
    children,
    integer,
    parse_time,
)
from dso_desktop.simulator.xmlio import text as t

# Extensions allowed for attachments (PROTOCOL.md §5-6), checked as ISDS does: by the
# file-name extension, with the content checked against it.
ALLOWED_EXTENSIONS = frozenset((
    "pdf", "xml", "fo", "zfo", "html", "htm", "odt", "ods", "odp", "txt", "rtf", "doc", "docx",
    "xls", "xlsx", "ppt", "pptx", "jpg", "jpeg", "jfif", "png", "tif", "tiff", "gif", "mpeg1",
    "mpeg2", "mpg", "mpeg", "wav", "mp2", "mp3", "isdoc", "isdocx", "edi", "dwg", "shp", "dbf",
    "shx", "prj", "qix", "sbn", "sbx", "dgn", "gml", "gfs", "xsd", "cer", "crt", "der", "pk7",
    "p7b", "p7c", "p7f", "p7m", "p7s", "tst", "tsr", "zip", "asics", "scs", "asice", "sce",
    "ddd",
))
_MAGIC = {
    "pdf": (b"%PDF",), "png": (b"\x89PNG",), "jpg": (b"\xff\xd8",), "jpeg": (b"\xff\xd8",),
    "jfif": (b"\xff\xd8",), "gif": (b"GIF8",), "zip": (b"PK",), "docx": (b"PK",),
    "xlsx": (b"PK",), "pptx": (b"PK",), "odt": (b"PK",), "ods": (b"PK",), "odp": (b"PK",),
    "tif": (b"II*\x00", b"MM\x00*"), "tiff": (b"II*\x00", b"MM\x00*"),
}


def _clean_name(name: str) -> str:
    """ISDS rewrites < and > and drops invisible characters (PROTOCOL.md §4)."""
    name = name.replace("<", "_").replace(">", "_")
    return "".join(ch for ch in name if ch.isprintable())


def check_file(name: str, data: bytes) -> None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS or len(name) > 255:
        raise OpError(BAD_ATTACHMENT, f"Nepovolený formát přílohy: {name}")
    magic = _MAGIC.get(ext)
    if magic and not data.startswith(magic):
        raise OpError(BAD_ATTACHMENT, f"Obsah přílohy neodpovídá příponě: {name}")


def _read_files(ctx: OpContext, files_el: Element, *, allow_ext: bool) -> list[StoredFile]:
    if files_el is None:
        raise OpError(BAD_REQUEST, "Zpráva nemá žádnou přílohu.")
    out: list[StoredFile] = []
    for el in files_el:
        if not isinstance(el.tag, str):
            continue
        local = el.tag.rsplit("}", 1)[-1]
        meta = el.get("dmFileMetaType") or "enclosure"
        if meta not in ("main", "enclosure", "signature", "meta"):
            raise OpError(BAD_REQUEST, f"Neplatný dmFileMetaType {meta!r}")
        if local == "dmFile":
            name = _clean_name(el.get("dmFileDescr") or "")
            content = b64(el, "dmEncodedContent")
            xml_el = child(el, "dmXMLContent")
            if content is None and xml_el is not None:
                from lxml import etree

                inner = [c for c in xml_el if isinstance(c.tag, str)]
                content = etree.tostring(inner[0]) if inner else b""
            if content is None:
                raise OpError(BAD_REQUEST, f"Příloha {name} nemá obsah.")
            check_file(name, content)
            out.append(StoredFile(name=name, mime=el.get("dmMimeType") or "",
                                  meta_type=meta, size=len(content), data=content,
                                  guid=el.get("dmFileGuid"), up_guid=el.get("dmUpFileGuid")))
        elif local == "dmExtFile" and allow_ext:
            att_id = el.get("dmAttID") or ""
            up = ctx.world.uploads.get(att_id)
            if up is None or up.used:
                raise OpError(UNKNOWN_ATTACHMENT)
            if up.box_id != ctx.box.box_id:
                raise OpError(FOREIGN_ATTACHMENT)
            given = {el.get("dmAttHash1") or "", el.get("dmAttHash2") or ""}
            if not given & {up.sha256, up.sha3}:
                raise OpError(HASH_MISMATCH)
            out.append(StoredFile(name=up.name, mime=up.mime, meta_type=meta,
                                  size=len(up.data), data=up.data,
                                  guid=el.get("dmFileGuid"), up_guid=el.get("dmUpFileGuid")))
    if not out:
        raise OpError(BAD_REQUEST, "Zpráva nemá žádnou přílohu.")
    if len(out) > ctx.core.limits.max_files:
        raise OpError(LIMIT_EXCEEDED, "Zpráva smí mít nejvýše 100 příloh.")
    return out


def _new_message(ctx: OpContext, env: Element, recipient_el: Element | None = None) -> Message:
    src = recipient_el if recipient_el is not None else env
    recipient_id = t(src, "dbIDRecipient")
    if recipient_id is None:
        raise OpError(BAD_REQUEST, "Chybí adresát (dbIDRecipient).")
    recipient = ctx.world.boxes.get(recipient_id)
    if recipient is None:
        raise OpError(BOX_DOES_NOT_EXIST)
    if recipient.state != 1:
        raise OpError(RECIPIENT_INACCESSIBLE)
    annotation = t(env, "dmAnnotation") or ""
    if len(annotation) > 255:
        raise OpError(BAD_REQUEST, "Věc zprávy je delší než 255 znaků.")
    dm_type = env.get("dmType") or "V"
    if dm_type not in ("V", "K", "O", "I"):
        raise OpError(BAD_REQUEST, f"Neplatný typ zprávy {dm_type!r}")
    if not ctx.box.is_ovm and not recipient.is_ovm and dm_type == "V":
        dm_type = "K"  # between non-OVM boxes a message is a commercial one (PDZ)
    for name in ("dmRecipientRefNumber", "dmSenderRefNumber", "dmRecipientIdent",
                 "dmSenderIdent"):
        if len(t(env, name) or "") > 50:
            raise OpError(BAD_REQUEST, f"{name} je delší než 50 znaků.")
    if dm_type == "I" and not t(env, "dmSenderRefNumber"):
        # The initiator's identifier of the prepaid reply (PDZInfo's ODZIdent).
        raise OpError(BAD_REQUEST, "Iniciační zpráva musí mít vyplněné naše číslo jednací "
                                   "(dmSenderRefNumber); odpověď jej uvede jako vaše č. j.")
    if dm_type == "O" and reply_offer(ctx.world, ctx.box.box_id, recipient_id,
                                      t(env, "dmRecipientRefNumber"), ctx.now) is None:
        raise OpError(NO_CREDIT, "Odpovědní zprávu nelze odeslat: iniciační zpráva s tímto "
                                 "číslem jednacím (dmRecipientRefNumber) od adresáta "
                                 "neexistuje, už byla zodpovězena nebo vypršela.")
    return Message(
        dm_id="", sender_id=ctx.box.box_id, recipient_id=recipient_id,
        annotation=_clean_name(annotation), posted_at=ctx.now,
        sender_ref=t(env, "dmSenderRefNumber"), recipient_ref=t(env, "dmRecipientRefNumber"),
        sender_ident=t(env, "dmSenderIdent"), recipient_ident=t(env, "dmRecipientIdent"),
        to_hands=t(src, "dmToHands"), sender_org_unit=t(env, "dmSenderOrgUnit"),
        sender_org_unit_num=integer(env, "dmSenderOrgUnitNum"),
        recipient_org_unit=t(src, "dmRecipientOrgUnit"),
        recipient_org_unit_num=integer(src, "dmRecipientOrgUnitNum"),
        legal=(t(env, "dmLegalTitleLaw"), t(env, "dmLegalTitleYear"),
               t(env, "dmLegalTitleSect"), t(env, "dmLegalTitlePar"),
               t(env, "dmLegalTitlePoint")),
        personal_delivery=bool(boolean(env, "dmPersonalDelivery")),
        allow_fiction=boolean(env, "dmAllowSubstDelivery") is not False,
        dm_type=dm_type, author=ctx.user.username, author_type=ctx.user.user_type,
    )


PDZ_PRICE = 10  # CZK per commercial message (simulator's tariff)
ODZ_DAYS = 90  # a prepaid reply may be sent this long after the initiating message


def reply_offers(world: World, replier: str, now: datetime) -> list[Message]:
    """Initiating messages (dmType I) to ``replier`` whose prepaid reply is still open:
    not older than 90 days and not answered yet by a reply (dmType O) from ``replier`` that
    names the initiator's reference (its dmSenderRefNumber) as dmRecipientRefNumber."""
    answered = {(m.recipient_id, m.recipient_ref) for m in world.messages.values()
                if m.dm_type == "O" and m.sender_id == replier}
    return [m for m in world.messages.values()
            if m.dm_type == "I" and m.recipient_id == replier and m.sender_ref
            and now - m.posted_at <= timedelta(days=ODZ_DAYS)
            and (m.sender_id, m.sender_ref) not in answered]


def reply_offer(world: World, replier: str, initiator: str, ref: str | None,
                now: datetime) -> Message | None:
    """The open prepaid-reply offer a reply from ``replier`` to ``initiator`` with
    dmRecipientRefNumber ``ref`` uses, if any."""
    return next((m for m in reply_offers(world, replier, now)
                 if m.sender_id == initiator and m.sender_ref == ref), None)


def _charge(ctx: OpContext, msg: Message) -> None:
    if msg.dm_type in ("K", "I") and (not ctx.box.pdz_allowed or ctx.box.credit < PDZ_PRICE):
        raise OpError(NO_CREDIT)


def _post(ctx: OpContext, msg: Message, files: list[StoredFile]) -> Message:
    msg.files = files
    if msg.dm_type in ("K", "I"):
        ctx.box.credit -= PDZ_PRICE
        ctx.world.credit_log.append((ctx.now, ctx.box.box_id, -PDZ_PRICE, ctx.box.credit,
                                     msg.recipient_id))
    elif msg.dm_type == "O":
        # The initiator pays the reply it offered (from its credit).
        payer = ctx.world.boxes[msg.recipient_id]
        payer.credit -= PDZ_PRICE
        ctx.world.credit_log.append((ctx.now, payer.box_id, -PDZ_PRICE, payer.credit,
                                     msg.sender_id))
    msg.dm_id = ctx.world.new_dm_id()
    return ctx.world.post(msg, ctx.now)


def _check_sender(ctx: OpContext) -> None:
    ctx.need(PRIVIL_CREATE_DM)
    if ctx.box.state != 1:
        raise OpError(SENDER_BOX_INACCESSIBLE)


def _total(files: list[StoredFile]) -> int:
    return sum(f.size for f in files)


@op("dz", "CreateMessage")
def create_message(ctx: OpContext, req: Element) -> Element:
    _check_sender(ctx)
    env = child(req, "dmEnvelope")
    if env is None:
        raise OpError(BAD_REQUEST, "Chybí obálka zprávy.")
    msg = _new_message(ctx, env)
    files = _read_files(ctx, child(req, "dmFiles"), allow_ext=False)
    if _total(files) > ctx.core.limits.normal_max:
        raise OpError(WRONG_SERVICE)
    _charge(ctx, msg)
    msg = _post(ctx, msg, files)
    resp = B.root("CreateMessageResponse")
    B.sub(resp, "dmID", msg.dm_id)
    render.dm_status(resp)
    return resp


@op("dz", "CreateMultipleMessage")
def create_multiple_message(ctx: OpContext, req: Element) -> Element:
    _check_sender(ctx)
    env = child(req, "dmEnvelope")
    rec_el = child(req, "dmRecipients")
    if env is None or rec_el is None:
        raise OpError(BAD_REQUEST, "Chybí obálka nebo adresáti.")
    recipients = children(rec_el, "dmRecipient")
    if not recipients:
        raise OpError(BAD_REQUEST, "Chybí adresáti.")
    if len(recipients) > ctx.core.limits.max_recipients:
        raise OpError(LIMIT_EXCEEDED, "Hromadná zpráva smí mít nejvýše 50 adresátů.")
    files = _read_files(ctx, child(req, "dmFiles"), allow_ext=False)
    if _total(files) > ctx.core.limits.normal_max:
        raise OpError(WRONG_SERVICE)
    resp = B.root("CreateMultipleMessageResponse")
    multi = B.node(resp, "dmMultipleStatus")
    failures = 0
    for r in recipients:
        single = B.node(multi, "dmSingleStatus")
        try:
            msg = _new_message(ctx, env, r)
            _charge(ctx, msg)
            msg = _post(ctx, msg, [StoredFile(f.name, f.mime, f.meta_type, f.size, f.data)
                                   for f in files])
            B.sub(single, "dmID", msg.dm_id)
            render.dm_status(single)
        except OpError as exc:
            failures += 1
            render.dm_status(single, exc.code, exc.message)
    if failures:
        render.dm_status(resp, "0004", "Zpráva nebyla odeslána všem adresátům.")
    else:
        render.dm_status(resp)
    return resp


def _received(ctx: OpContext, dm_id: str | None) -> Message:
    msg = ctx.world.message_for(ctx.box.box_id, dm_id or "", "received")
    if msg is None:
        raise OpError(MESSAGE_NOT_FOUND)
    _check_read(ctx, msg)
    return msg


def _check_read(ctx: OpContext, msg: Message) -> None:
    if msg.recipient_id == ctx.box.box_id:
        needed = PRIVIL_READ_ALL if msg.personal_delivery else (
            PRIVIL_READ_ALL | PRIVIL_READ_NON_PERSONAL)
        if not ctx.user.privileges & needed:
            raise OpError(MESSAGE_NOT_FOUND)


def _sent(ctx: OpContext, dm_id: str | None) -> Message:
    msg = ctx.world.message_for(ctx.box.box_id, dm_id or "", "sent")
    if msg is None:
        raise OpError(MESSAGE_NOT_FOUND)
    return msg


def _any(ctx: OpContext, dm_id: str | None) -> Message:
    msg = ctx.world.message_for(ctx.box.box_id, dm_id or "", None)
    if msg is None:
        raise OpError(MESSAGE_NOT_FOUND)
    _check_read(ctx, msg)
    return msg


def _check_size_service(ctx: OpContext, msg: Message, big: bool) -> None:
    if msg.vodz != big:
        raise OpError(WRONG_SERVICE)


@op("dz", "MessageDownload")
def message_download(ctx: OpContext, req: Element) -> Element:
    msg = _received(ctx, t(req, "dmID"))
    _check_size_service(ctx, msg, False)
    ctx.world.mark_read(msg, ctx.now)
    resp = B.root("MessageDownloadResponse")
    render.returned_message(resp, "dmReturnedMessage", ctx.world, msg,
                            ctx.core.qtimestamp(msg))
    render.dm_status(resp)
    return resp


@op("vodz", "BigMessageDownload")
def big_message_download(ctx: OpContext, req: Element) -> Element:
    msg = _received(ctx, t(req, "dmID"))
    _check_size_service(ctx, msg, True)
    ctx.world.mark_read(msg, ctx.now)
    resp = B.root("BigMessageDownloadResponse")
    render.returned_message(resp, "dmReturnedMessage", ctx.world, msg,
                            ctx.core.qtimestamp(msg), big=True)
    render.dm_status(resp)
    return resp


def _signed(ctx: OpContext, name: str, msg: Message, kind: str) -> Element:
    content = render.signed_content(ctx.world, msg, kind, ctx.core.qtimestamp(msg))
    zfo = ctx.core.sign_zfo(content, ctx)
    resp = B.root(name)
    B.sub(resp, "dmSignature", zfo)
    render.dm_status(resp, ctx.status_code)
    return resp


@op("dz", "SignedMessageDownload")
def signed_message_download(ctx: OpContext, req: Element) -> Element:
    msg = _received(ctx, t(req, "dmID"))
    _check_size_service(ctx, msg, False)
    ctx.world.mark_read(msg, ctx.now)
    return _signed(ctx, "SignedMessageDownloadResponse", msg, "received")


@op("dz", "SignedSentMessageDownload")
def signed_sent_message_download(ctx: OpContext, req: Element) -> Element:
    msg = _sent(ctx, t(req, "dmID"))
    _check_size_service(ctx, msg, False)
    return _signed(ctx, "SignedSentMessageDownloadResponse", msg, "sent")


@op("vodz", "SignedBigMessageDownload")
def signed_big_message_download(ctx: OpContext, req: Element) -> Element:
    msg = _received(ctx, t(req, "dmID"))
    _check_size_service(ctx, msg, True)
    ctx.world.mark_read(msg, ctx.now)
    return _signed(ctx, "SignedBigMessageDownloadResponse", msg, "received")


@op("vodz", "SignedSentBigMessageDownload")
def signed_sent_big_message_download(ctx: OpContext, req: Element) -> Element:
    msg = _sent(ctx, t(req, "dmID"))
    _check_size_service(ctx, msg, True)
    return _signed(ctx, "SignedSentBigMessageDownloadResponse", msg, "sent")


@op("dx", "GetSignedDeliveryInfo")
def get_signed_delivery_info(ctx: OpContext, req: Element) -> Element:
    msg = _any(ctx, t(req, "dmID"))
    return _signed(ctx, "GetSignedDeliveryInfoResponse", msg, "delivery")


@op("dx", "GetDeliveryInfo")
def get_delivery_info(ctx: OpContext, req: Element) -> Element:
    msg = _any(ctx, t(req, "dmID"))
    resp = B.root("GetDeliveryInfoResponse")
    render.delivery(resp, "dmDelivery", ctx.world, msg, ctx.core.qtimestamp(msg))
    render.dm_status(resp)
    return resp


@op("dx", "MessageEnvelopeDownload")
def message_envelope_download(ctx: OpContext, req: Element) -> Element:
    msg = _received(ctx, t(req, "dmID"))
    resp = B.root("MessageEnvelopeDownloadResponse")
    render.returned_envelope(resp, ctx.world, msg, ctx.core.qtimestamp(msg))
    render.dm_status(resp)
    return resp


@op("dx", "SentMessageEnvelopeDownload")
def sent_message_envelope_download(ctx: OpContext, req: Element) -> Element:
    msg = _sent(ctx, t(req, "dmID"))
    resp = B.root("SentMessageEnvelopeDownloadResponse")
    render.returned_envelope(resp, ctx.world, msg, ctx.core.qtimestamp(msg))
    render.dm_status(resp)
    return resp


@op("dx", "VerifyMessage")
def verify_message(ctx: OpContext, req: Element) -> Element:
    msg = _any(ctx, t(req, "dmID"))
    resp = B.root("VerifyMessageResponse")
    B.sub(resp, "dmHash", render.message_hash(ctx.world, msg), attrs={"algorithm": "SHA-256"})
    render.dm_status(resp)
    return resp


@op("dx", "MarkMessageAsDownloaded")
def mark_message_as_downloaded(ctx: OpContext, req: Element) -> Element:
    msg = _received(ctx, t(req, "dmID"))
    ctx.world.mark_read(msg, ctx.now)
    resp = B.root("MarkMessageAsDownloadedResponse")
    render.dm_status(resp)
    return resp


def status_mask(value: str | None) -> int:
    """dmStatusFilter: -1 (any; most clients) or a bit mask 1<<status (2046 = any)."""
    if value is None:
        return -1
    try:
        mask = int(value)
    except ValueError:
        raise OpError(BAD_REQUEST, f"Neplatný dmStatusFilter {value!r}") from None
    if mask in (-1, 0):
        return -1
    return mask


def _list(ctx: OpContext, req: Element, direction: str, name: str) -> Element:
    from_time = parse_time(t(req, "dmFromTime"))
    to_time = parse_time(t(req, "dmToTime"), end_of_day=True)
    unit_name = "dmRecipientOrgUnitNum" if direction == "received" else "dmSenderOrgUnitNum"
    org_unit = integer(req, unit_name)
    mask = status_mask(t(req, "dmStatusFilter"))
    offset = integer(req, "dmOffset") or 1
    limit = integer(req, "dmLimit")
    if offset < 1:
        raise OpError(BAD_REQUEST, "dmOffset začíná od 1.")
    if limit is not None and limit < 0:
        raise OpError(BAD_REQUEST, "dmLimit nesmí být záporný.")
    if direction == "received":
        # § 17(3): listing received messages is delivery by login (PROTOCOL.md §2).
        ctx.world.accept_by_login(ctx.user, ctx.now, system_cert=ctx.system_cert)
    selected: list[Message] = []
    for msg in ctx.world.visible(ctx.box.box_id, direction):
        at = msg.delivered_at if direction == "received" else msg.posted_at
        at = at or msg.posted_at
        if from_time is not None and at < from_time:
            continue
        if to_time is not None and at > to_time:
            continue
        if mask != -1 and not mask & (1 << msg.status):
            continue
        unit = msg.recipient_org_unit_num if direction == "received" else msg.sender_org_unit_num
        if org_unit not in (None, 0) and unit != org_unit:
            continue
        if direction == "received" and msg.personal_delivery and not (
                ctx.user.privileges & PRIVIL_READ_ALL):
            continue
        selected.append(msg)
    page = selected[offset - 1:] if limit is None else selected[offset - 1:offset - 1 + limit]
    resp = B.root(name)
    records = B.node(resp, "dmRecords")
    for i, msg in enumerate(page, start=offset):
        render.record(records, ctx.world, msg, i)
    render.dm_status(resp)
    return resp


@op("dx", "GetListOfReceivedMessages")
def get_list_of_received_messages(ctx: OpContext, req: Element) -> Element:
    return _list(ctx, req, "received", "GetListOfReceivedMessagesResponse")


@op("dx", "GetListOfSentMessages")
def get_list_of_sent_messages(ctx: OpContext, req: Element) -> Element:
    return _list(ctx, req, "sent", "GetListOfSentMessagesResponse")


@op("dx", "GetMessageStateChanges")
def get_message_state_changes(ctx: OpContext, req: Element) -> Element:
    from_time = parse_time(t(req, "dmFromTime")) or (ctx.now - timedelta(days=3650))
    to_time = parse_time(t(req, "dmToTime"), end_of_day=True) or ctx.now
    changes: list[tuple[datetime, str, int]] = []
    for direction in ("received", "sent"):
        for msg in ctx.world.visible(ctx.box.box_id, direction):
            for at, status in msg.history:
                if from_time <= at <= to_time:
                    changes.append((at, msg.dm_id, status))
    changes.sort()
    resp = B.root("GetMessageStateChangesResponse")
    records = B.node(resp, "dmRecords")
    for at, dm_id, status in changes:
        rec = B.node(records, "dmRecord")
        B.sub(rec, "dmID", dm_id)
        B.sub(rec, "dmEventTime", at)
        B.sub(rec, "dmMessageStatus", status)
    render.dm_status(resp)
    return resp


def _author(ctx: OpContext, req: Element) -> tuple[Message, User | None]:
    msg = _any(ctx, t(req, "dmID"))
    return msg, ctx.world.users.get(msg.author or "")


@op("dx", "GetMessageAuthor")
def get_message_author(ctx: OpContext, req: Element) -> Element:
    _msg, author = _author(ctx, req)
    resp = B.root("GetMessageAuthorResponse")
    B.sub(resp, "userType", author.user_type if author else None)
    B.sub(resp, "authorName", author.full_name if author else None)
    render.dm_status(resp)
    return resp


@op("dx", "GetMessageAuthor2")
def get_message_author2(ctx: OpContext, req: Element) -> Element:
    _msg, author = _author(ctx, req)
    resp = B.root("GetMessageAuthor2Response")
    if author is not None:
        ma = B.node(resp, "dmMessageAuthor")
        for key, value in (("userType", author.user_type), ("pnGivenNames", author.first_name),
                           ("pnLastName", author.last_name), ("isdsID", author.isds_id)):
            item = B.node(ma, "maItem")
            item.set("key", key)
            item.set("value", value)
    render.dm_status(resp)
    return resp


@op("dx", "EraseMessage")
def erase_message(ctx: OpContext, req: Element) -> Element:
    ctx.need(PRIVIL_ERASE_VAULT)
    incoming = boolean(req, "dmIncoming")
    msg = ctx.world.message_for(ctx.box.box_id, t(req, "dmID") or "",
                                "received" if incoming else "sent")
    if msg is None:
        raise OpError(MESSAGE_NOT_FOUND)
    msg.erased = True
    msg.files = []
    ctx.world.dm_cache.clear()
    resp = B.root("EraseMessageResponse")
    render.dm_status(resp)
    return resp


@op("dz", "DummyOperation")
def dummy_operation(ctx: OpContext, req: Element) -> Element:
    resp = B.root("DummyOperationResponse")
    render.dm_status(resp)
    return resp


@op("dz", "AuthenticateMessage")
def authenticate_message(ctx: OpContext, req: Element) -> Element:
    data = b64(req, "dmMessage")
    if data is None:
        raise OpError(BAD_REQUEST, "Chybí zpráva k ověření.")
    resp = B.root("AuthenticateMessageResponse")
    B.sub(resp, "dmAuthResult", ctx.core.authenticate(data) is not None)
    render.dm_status(resp)
    return resp


@op("vodz", "AuthenticateBigMessage")
def authenticate_big_message(ctx: OpContext, req: Element) -> Element:
    data = b64(req, "dmMessage")
    if data is None:
        raise OpError(BAD_REQUEST, "Chybí zpráva k ověření.")
    resp = B.root("AuthenticateBigMessageResponse")
    B.sub(resp, "dmAuthResult", ctx.core.authenticate(data) is not None)
    render.dm_status(resp)
    return resp


@op("dz", "Re-signISDSDocument")
def resign_isds_document(ctx: OpContext, req: Element) -> Element:
    data = b64(req, "dmDoc")
    content = ctx.core.authenticate(data) if data else None
    resp = B.root("Re-signISDSDocumentResponse")
    if content is None:
        B.sub(resp, "dmResultDoc", None)
        render.dm_status(resp, BAD_ATTACHMENT, "Dokument nebyl vydán systémem ISDS.")
        return resp
    # Fresh evidence: the long-lived TSA, whatever --evidence-days says.
    B.sub(resp, "dmResultDoc", ctx.core.sign_zfo(content, ctx, fresh=True))
    B.sub(resp, "dmValidTo", ctx.core.pki.pki.tsa.cert.not_valid_after_utc.date())
    render.dm_status(resp, ctx.status_code)
    return resp


@op("arch", "ArchiveISDSDocument")
def archive_isds_document(ctx: OpContext, req: Element) -> Element:
    data = b64(req, "dmMessage")
    content = ctx.core.authenticate(data) if data else None
    resp = B.root("ArchiveISDSDocumentResponse")
    if content is None:
        B.sub(resp, "dmResultDoc", None)
        B.sub(resp, "nextStampTo", None)
        render.dm_status(resp, BAD_ATTACHMENT, "Dokument nebyl vydán systémem ISDS.")
        return resp
    B.sub(resp, "dmResultDoc", ctx.core.sign_zfo(content, ctx, fresh=True))
    B.sub(resp, "nextStampTo", ctx.core.pki.pki.tsa.cert.not_valid_after_utc.date())
    render.dm_status(resp, ctx.status_code)
    return resp


# -- big messages (VoDZ) -----------------------------------------------------------------

@op("vodz", "UploadAttachment")
def upload_attachment(ctx: OpContext, req: Element) -> Element:
    _check_sender(ctx)
    f = child(req, "dmFile")
    if f is None:
        raise OpError(BAD_REQUEST, "Chybí příloha.")
    name = _clean_name(f.get("dmFileDescr") or "")
    data = b64(f, "dmEncodedContent") or b""
    check_file(name, data)
    limits = ctx.core.limits
    if len(data) > limits.big_max:
        raise OpError(LIMIT_EXCEEDED)
    pending = sum(len(u.data) for u in ctx.world.uploads.values()
                  if u.box_id == ctx.box.box_id and not u.used)
    if pending + len(data) > limits.upload_quota_factor * limits.big_max:
        raise OpError(UPLOAD_QUOTA)
    up = Upload(att_id=ctx.world.new_att_id(), box_id=ctx.box.box_id, name=name,
                mime=f.get("dmMimeType") or "", data=data, uploaded_at=ctx.now,
                sha256=_b64(hashlib.sha256(data).digest()),
                sha3=_b64(hashlib.sha3_256(data).digest()))
    ctx.world.uploads[up.att_id] = up
    resp = B.root("UploadAttachmentResponse")
    B.sub(resp, "dmAttID", up.att_id)
    B.sub(resp, "dmAttHash1", up.sha256, attrs={"AttHashAlg": "SHA-256"})
    B.sub(resp, "dmAttHash2", up.sha3, attrs={"AttHashAlg": "SHA3-256"})
    render.dm_status(resp)
    return resp


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode("ascii")


@op("vodz", "CreateBigMessage")
def create_big_message(ctx: OpContext, req: Element) -> Element:
    _check_sender(ctx)
    env = child(req, "dmEnvelope")
    if env is None:
        raise OpError(BAD_REQUEST, "Chybí obálka zprávy.")
    msg = _new_message(ctx, env)
    files = _read_files(ctx, child(req, "dmFiles"), allow_ext=True)
    total = _total(files)
    limits = ctx.core.limits
    if total > limits.big_max:
        raise OpError(LIMIT_EXCEEDED)
    if total < limits.normal_max - limits.big_tolerance:
        raise OpError(BIG_TOO_SMALL)
    _charge(ctx, msg)
    msg.vodz = True
    files_el = child(req, "dmFiles")
    for el in files_el if files_el is not None else ():
        att_id = el.get("dmAttID") if isinstance(el.tag, str) else None
        if att_id and att_id in ctx.world.uploads:
            ctx.world.uploads[att_id].used = True
    msg = _post(ctx, msg, files)
    resp = B.root("CreateBigMessageResponse")
    B.sub(resp, "dmID", msg.dm_id)
    render.dm_status(resp)
    return resp


@op("vodz", "DownloadAttachment")
def download_attachment(ctx: OpContext, req: Element) -> Element:
    msg = _any(ctx, t(req, "dmID"))
    index = integer(req, "attNum")
    if index is None or not 0 <= index < len(msg.files):
        raise OpError(NO_SUCH_INDEX)
    f = msg.files[index]
    resp = B.root("DownloadAttachmentResponse")
    el = B.node(resp, "dmFile")
    el.set("dmFileMetaType", f.meta_type)
    el.set("dmMimeType", f.mime)
    el.set("dmFileDescr", f.name)
    B.sub(el, "dmEncodedContent", ctx.world.file_bytes(f))
    render.dm_status(resp)
    return resp
