"""Response fragments in official schema order: envelopes, records, messages, deliveries."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import threading
from datetime import UTC, datetime

from lxml import etree

from dso_desktop.simulator.model import Box, Message
from dso_desktop.simulator.world import World
from dso_desktop.simulator.xmlio import NS, XSI, B, Builder, Element

STATUS_TEXT = {
    "0000": "Provedeno úspěšně.",
    "0002": "Nenalezeny žádné schránky odpovídající zadaným kritériím.",
    "0005": "Odpověď byla odeslána bez časového razítka.",
}


def dm_status(parent: Element, code: str = "0000", message: str | None = None,
              b: Builder = B) -> Element:
    st = b.node(parent, "dmStatus")
    b.sub(st, "dmStatusCode", code)
    b.sub(st, "dmStatusMessage", message or STATUS_TEXT.get(code, "Chyba."))
    return st


def db_status(parent: Element, code: str = "0000", message: str | None = None,
              b: Builder = B) -> Element:
    st = b.node(parent, "dbStatus")
    b.sub(st, "dbStatusCode", code)
    b.sub(st, "dbStatusMessage", message or STATUS_TEXT.get(code, "Chyba."))
    return st


FINE_SENDER_TYPES_FROM = datetime(2026, 6, 26, tzinfo=UTC)


def sender_type(code: int, msg: Message) -> int:
    """Messages posted from 26 June 2026 carry the fine box type (e.g. 31); older ones only
    the coarse 0/10/20/30/40 (PROTOCOL.md §4, N2606)."""
    if msg.posted_at >= FINE_SENDER_TYPES_FROM or code in (0, 50):
        return code
    return code // 10 * 10


def envelope_fields(parent: Element, world: World, msg: Message, b: Builder = B) -> None:
    """gMessageEnvelope: ISDS-filled part, then the caller-settable part."""
    sender: Box = world.boxes[msg.sender_id]
    recipient: Box = world.boxes[msg.recipient_id]
    b.sub(parent, "dmID", msg.dm_id)
    b.sub(parent, "dbIDSender", sender.box_id)
    b.sub(parent, "dmSender", sender.name[:100])
    b.sub(parent, "dmSenderAddress", sender.address[:100])
    b.sub(parent, "dmSenderType", sender_type(sender.type_code, msg))
    b.sub(parent, "dmRecipient", recipient.name[:100])
    b.sub(parent, "dmRecipientAddress", recipient.address[:100])
    b.sub(parent, "dmAmbiguousRecipient", msg.ambiguous)
    b.sub(parent, "dmSenderOrgUnit", msg.sender_org_unit)
    b.sub(parent, "dmSenderOrgUnitNum", msg.sender_org_unit_num)
    b.sub(parent, "dbIDRecipient", recipient.box_id)
    b.sub(parent, "dmRecipientOrgUnit", msg.recipient_org_unit)
    b.sub(parent, "dmRecipientOrgUnitNum", msg.recipient_org_unit_num)
    b.sub(parent, "dmToHands", msg.to_hands)
    b.sub(parent, "dmAnnotation", msg.annotation)
    b.sub(parent, "dmRecipientRefNumber", msg.recipient_ref)
    b.sub(parent, "dmSenderRefNumber", msg.sender_ref)
    b.sub(parent, "dmRecipientIdent", msg.recipient_ident)
    b.sub(parent, "dmSenderIdent", msg.sender_ident)
    law, year, sect, par, point = msg.legal
    b.sub(parent, "dmLegalTitleLaw", law)
    b.sub(parent, "dmLegalTitleYear", year)
    b.sub(parent, "dmLegalTitleSect", sect)
    b.sub(parent, "dmLegalTitlePar", par)
    b.sub(parent, "dmLegalTitlePoint", point)
    b.sub(parent, "dmPersonalDelivery", msg.personal_delivery)
    b.sub(parent, "dmAllowSubstDelivery", msg.allow_fiction)


def dm_dm(parent: Element, world: World, msg: Message, *, with_files: bool) -> Element:
    """dmDm as an lxml element (used where exact bytes do not matter)."""
    dm = etree.SubElement(parent, f"{{{NS}}}dmDm", nsmap={"p": NS})
    _fill_dm(dm, world, msg, with_files=with_files)
    return dm


def _fill_dm(dm: Element, world: World, msg: Message, *, with_files: bool) -> None:
    envelope_fields(dm, world, msg)
    if with_files:
        files = B.node(dm, "dmFiles")
        for f in msg.files:
            attrs = {"dmMimeType": f.mime, "dmFileMetaType": f.meta_type}
            if f.guid:
                attrs["dmFileGuid"] = f.guid
            if f.up_guid:
                attrs["dmUpFileGuid"] = f.up_guid
            attrs["dmFileDescr"] = f.name
            el = B.node(files, "dmFile")
            for k, v in attrs.items():
                el.set(k, v)
            B.sub(el, "dmEncodedContent", world.file_bytes(f))


_XSI_DECL = f' xmlns:xsi="{XSI}"'.encode()


_CACHE_SIZE = 32


def dm_dm_bytes(world: World, msg: Message, *, with_files: bool) -> bytes:
    """dmDm exactly as it is written into answers and ZFOs, like real ZFOs: it declares
    ``p`` itself and uses the ``xsi`` prefix of the enclosing element.

    dmDm never changes once posted (status and times live outside it), so the world keeps
    the bytes of the last few messages: a download hashes and then embeds the same bytes.
    """
    key = (msg.dm_id, with_files)
    cache = world.dm_cache
    with world.lock:
        cached = cache.get(key)
        if cached is not None:
            return cached
        data = _render_dm(world, msg, with_files=with_files)
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = data
        return data


def _render_dm(world: World, msg: Message, *, with_files: bool) -> bytes:
    dm = etree.Element(f"{{{NS}}}dmDm", nsmap={"p": NS, "xsi": XSI})
    _fill_dm(dm, world, msg, with_files=with_files)
    data = etree.tostring(dm, encoding="UTF-8", xml_declaration=False)
    head_end = data.index(b">")
    return data[:head_end].replace(_XSI_DECL, b"") + data[head_end:]


_SLOT_NS = "urn:dso-desktop:simulator:slot"
_slots: dict[str, bytes] = {}
_slot_lock = threading.Lock()
_slot_ids = itertools.count(1)


def dm_dm_slot(parent: Element, world: World, msg: Message, *, with_files: bool) -> Element:
    """A placeholder that ``splice`` replaces with the exact dmDm bytes after serialising."""
    data = dm_dm_bytes(world, msg, with_files=with_files)
    key = str(next(_slot_ids))
    with _slot_lock:
        _slots[key] = data
    slot = etree.SubElement(parent, f"{{{_SLOT_NS}}}slot", nsmap={"s": _SLOT_NS})
    slot.set("n", key)
    return slot


_SLOT_RE = re.compile(rb'<s:slot xmlns:s="' + _SLOT_NS.encode() + rb'" n="(\d+)"/>')


def splice(serialised: bytes) -> bytes:
    """Put the registered dmDm bytes where their placeholders are."""
    if b"<s:slot" not in serialised:
        return serialised

    def repl(m: re.Match[bytes]) -> bytes:
        with _slot_lock:
            return _slots.pop(m.group(1).decode())

    return _SLOT_RE.sub(repl, serialised)


def message_hash(world: World, msg: Message) -> bytes:
    """dmHash: SHA-256 of the message's dmDm bytes (with files) as the answers carry them
    (ISDS hashes the serialised element, not a canonical form; engineer C checked this on
    the real samples). The delivery info and envelopes repeat this same value."""
    if msg.hash_b64 is None:
        digest = hashlib.sha256(dm_dm_bytes(world, msg, with_files=True)).digest()
        msg.hash_b64 = base64.b64encode(digest).decode("ascii")
    return base64.b64decode(msg.hash_b64)


def hash_tail(parent: Element, world: World, msg: Message, qtimestamp: bytes,
              b: Builder = B, *, nillable_qts: bool = True) -> None:
    b.sub(parent, "dmHash", message_hash(world, msg), attrs={"algorithm": "SHA-256"})
    b.sub(parent, "dmQTimestamp", qtimestamp, nil=nillable_qts)
    b.sub(parent, "dmDeliveryTime", msg.delivered_at)
    b.sub(parent, "dmAcceptanceTime", msg.accepted_at)
    b.sub(parent, "dmMessageStatus", msg.status)


def returned_message(parent: Element, name: str, world: World, msg: Message, qtimestamp: bytes,
                     b: Builder = B, *, big: bool = False) -> Element:
    """tReturnedMessage (dmDm with files and the ISDS-kept data)."""
    el = b.node(parent, name)
    if msg.dm_type:
        el.set("dmType", msg.dm_type)
    if big:
        el.set("dmVODZ", "true" if msg.vodz else "false")
        el.set("attsNum", str(len(msg.files)))
    dm_dm_slot(el, world, msg, with_files=True)
    hash_tail(el, world, msg, qtimestamp, b)
    b.sub(el, "dmAttachmentSize", msg.attachment_size_kb)
    return el


def returned_envelope(parent: Element, world: World, msg: Message, qtimestamp: bytes) -> Element:
    el = B.node(parent, "dmReturnedMessageEnvelope")
    if msg.dm_type:
        el.set("dmType", msg.dm_type)
    if msg.vodz:
        el.set("dmVODZ", "true")
        el.set("attsNum", str(len(msg.files)))
    dm_dm_slot(el, world, msg, with_files=False)
    hash_tail(el, world, msg, qtimestamp, nillable_qts=False)
    B.sub(el, "dmAttachmentSize", msg.attachment_size_kb)
    return el


def delivery(parent: Element, name: str, world: World, msg: Message, qtimestamp: bytes,
             b: Builder = B) -> Element:
    """tDelivery: envelope, hash, times, status and the events."""
    el = b.node(parent, name)
    dm_dm_slot(el, world, msg, with_files=False)
    hash_tail(el, world, msg, qtimestamp, b, nillable_qts=False)
    events = b.node(el, "dmEvents")
    for at, descr in msg.events:
        ev = b.node(events, "dmEvent")
        b.sub(ev, "dmEventTime", at)
        b.sub(ev, "dmEventDescr", descr)
    return el


def record(parent: Element, world: World, msg: Message, ordinal: int) -> Element:
    """tRecord of GetListOf*Messages."""
    el = B.node(parent, "dmRecord")
    if msg.dm_type:
        el.set("dmType", msg.dm_type)
    if msg.vodz:
        el.set("dmVODZ", "true")
    if msg.dm_id in world.suspicious:
        el.set("specMessFlag", "1")  # reported as suspicious (3.08)
    B.sub(el, "dmOrdinal", ordinal)
    envelope_fields(el, world, msg)
    B.sub(el, "dmMessageStatus", msg.status)
    B.sub(el, "dmAttachmentSize", msg.attachment_size_kb)
    B.sub(el, "dmDeliveryTime", msg.delivered_at)
    B.sub(el, "dmAcceptanceTime", msg.accepted_at)
    return el


def signed_content(world: World, msg: Message, kind: str, qtimestamp: bytes) -> bytes:
    """The XML a ZFO encapsulates, shaped like real ISDS ZFOs (outer q: namespace)."""
    outer_ns = {"received": "http://isds.czechpoint.cz/v20/message",
                "sent": "http://isds.czechpoint.cz/v20/SentMessage",
                "delivery": "http://isds.czechpoint.cz/v20/delivery"}[kind]
    q = Builder(outer_ns, "q")
    if kind == "delivery":
        root = q.root("GetDeliveryInfoResponse", nsmap={"q": outer_ns, "xsi": XSI})
        delivery(root, "dmDelivery", world, msg, qtimestamp, q)
    else:
        root = q.root("MessageDownloadResponse", nsmap={"q": outer_ns, "xsi": XSI})
        returned_message(root, "dmReturnedMessage", world, msg, qtimestamp, q)
    return splice(etree.tostring(root, encoding="UTF-8", xml_declaration=False))
