"""Read the ISDS XML inside a ZFO (safely) into an Envelope, attachments and events."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from lxml import etree

from dso_desktop.domain import AttachmentRole, DeliveryEvent, Envelope, LegalTitle
from dso_desktop.zfo.errors import HostileXmlError, MalformedXmlError, UnsupportedZfoError
from dso_desktop.zfo.model import ZfoAttachment, ZfoKind

NS_DM = "http://isds.czechpoint.cz/v20"
KIND_BY_NS = {
    "http://isds.czechpoint.cz/v20/message": ZfoKind.RECEIVED,
    "http://isds.czechpoint.cz/v20/SentMessage": ZfoKind.SENT,
    "http://isds.czechpoint.cz/v20/delivery": ZfoKind.DELIVERY_INFO,
}
MESSAGE_ROOTS = ("MessageDownloadResponse", "BigMessageDownloadResponse")
DELIVERY_ROOTS = ("GetDeliveryInfoResponse",)
MAX_XML_DEPTH = 200  # ISDS XML nests < 10 levels; dmXMLContent documents get some room
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _parser(huge: bool) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=huge, remove_comments=False)


def parse_xml(content: bytes) -> Any:
    """Parse untrusted XML: no DTD, no entities, no network; any DOCTYPE is refused.

    ``huge_tree`` stays off; only when libxml2 refuses a text node as too big (base64 of a
    big-message attachment, > 10 MB) is the document parsed again with it on. That is safe
    because a document with a DOCTYPE never reaches the parser (so no entity can expand)
    and the input size was capped before.
    """
    if b"<!" in content and _DOCTYPE.search(content):
        raise HostileXmlError("XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        root = etree.fromstring(content, parser=_parser(False))
    except etree.XMLSyntaxError as exc:
        if "huge" not in str(exc).lower():
            raise MalformedXmlError(f"content is not well-formed XML: {exc}") from None
        try:
            root = etree.fromstring(content, parser=_parser(True))
        except etree.XMLSyntaxError as exc2:
            raise MalformedXmlError(f"content is not well-formed XML: {exc2}") from None
    except ValueError as exc:  # e.g. "Unicode strings with encoding declaration"
        raise MalformedXmlError(f"content is not XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise HostileXmlError("XML with a DOCTYPE is refused")
    for node in root.iter(etree.Entity):
        raise HostileXmlError(f"XML entity reference {node!r} is refused")
    depth_limit_check(root)
    return root


def depth_limit_check(root: Any) -> None:
    stack = [(root, 1)]
    while stack:
        el, d = stack.pop()
        if d > MAX_XML_DEPTH:
            raise HostileXmlError("XML nesting too deep")
        stack.extend((c, d + 1) for c in el)


def _local(tag: Any) -> str:
    """The local name of an element tag ("{namespace}name" or "name")."""
    if not isinstance(tag, str):
        return ""  # a comment or processing instruction
    return tag[tag.rfind("}") + 1:]


def _child(el: Any, name: str) -> Any:
    """The first child element called ``name`` in any namespace (or none)."""
    suffix = "}" + name
    for c in el:
        tag = c.tag
        if isinstance(tag, str) and (tag == name or tag.endswith(suffix)):
            return c
    return None


def _text(el: Any, name: str) -> str | None:
    c = _child(el, name) if el is not None else None
    if c is None or c.get(_XSI_NIL) == "true":
        return None
    return c.text if c.text is not None else ""


def _int(el: Any, name: str) -> int | None:
    t = _text(el, name)
    if t is None or not t.strip():
        return None
    try:
        return int(t.strip())
    except ValueError:
        raise MalformedXmlError(f"{name} is not an integer: {t[:40]!r}") from None


def _bool(el: Any, name: str) -> bool | None:
    t = _text(el, name)
    if t is None or not t.strip():
        return None
    v = t.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise MalformedXmlError(f"{name} is not a boolean: {t[:40]!r}")


def parse_datetime(text: str | None) -> datetime | None:
    """xs:dateTime as ISDS writes it (ms, offset); naive values are taken as given."""
    if text is None or not text.strip():
        return None
    t = text.strip().replace("Z", "+00:00")
    # Python < 3.11 could not take arbitrary fraction digits; normalise to 6.
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d:\d\d)?", t)
    if not m:
        raise MalformedXmlError(f"bad date-time {text[:40]!r}")
    frac = (m.group(2) or "")[:6].ljust(6, "0")
    try:
        return datetime.fromisoformat(f"{m.group(1)}.{frac}{m.group(3) or ''}")
    except ValueError:
        raise MalformedXmlError(f"bad date-time {text[:40]!r}") from None


def _role(value: str | None) -> AttachmentRole | None:
    try:
        return AttachmentRole(value or "")
    except ValueError:
        return None


def _b64_len(text: str) -> int:
    """Decoded size of base64 text without decoding it (whitespace ignored)."""
    n = len(text) - sum(text.count(ch) for ch in " \t\r\n")
    stripped = text.rstrip(" \t\r\n")
    pad = len(stripped) - len(stripped.rstrip("="))
    return max(0, n // 4 * 3 - pad)


def _attachments(dm_dm: Any) -> tuple[ZfoAttachment, ...]:
    files = _child(dm_dm, "dmFiles")
    if files is None:
        return ()
    out: list[ZfoAttachment] = []
    for f in files:
        local = _local(f.tag)
        if local == "dmExtFile":
            out.append(ZfoAttachment(
                name=f.get("dmFileDescr") or f.get("dmAttID") or "",
                mime_type=f.get("dmMimeType") or "",
                role=_role(f.get("dmFileMetaType")), size=0,
                external_id=f.get("dmAttID"), file_guid=f.get("dmFileGuid"),
                up_file_guid=f.get("dmUpFileGuid"),
                _content=_no_content,
            ))
            continue
        if local != "dmFile":
            continue
        enc = _child(f, "dmEncodedContent")
        xml = _child(f, "dmXMLContent")
        if enc is not None:
            text = enc.text or ""
            getter = _b64_getter(text)
            size = _b64_len(text)
            is_xml = False
        elif xml is not None:
            data = b"".join(
                etree.tostring(c, encoding="utf-8") for c in xml if isinstance(c.tag, str)
            )
            getter = _const(data)
            size = len(data)
            is_xml = True
        else:
            raise MalformedXmlError("dmFile without dmEncodedContent or dmXMLContent")
        out.append(ZfoAttachment(
            name=f.get("dmFileDescr") or "",
            mime_type=f.get("dmMimeType") or "",
            role=_role(f.get("dmFileMetaType")),
            size=size, is_xml=is_xml,
            file_guid=f.get("dmFileGuid"), up_file_guid=f.get("dmUpFileGuid"),
            _content=getter,
        ))
    return tuple(out)


def _no_content() -> bytes:
    raise UnsupportedZfoError("this big-message attachment is stored outside the ZFO")


def _const(data: bytes) -> Any:
    return lambda: data


def _b64_getter(text: str) -> Any:
    def get() -> bytes:
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("attachment content is not valid base64") from None
    return get


def _envelope(dm_dm: Any, outer: Any) -> Envelope:
    dm_id = _text(dm_dm, "dmID")
    if not dm_id or not dm_id.strip():
        raise MalformedXmlError("dmDm has no dmID")
    return Envelope(
        message_id=dm_id.strip(),
        sender_box_id=_text(dm_dm, "dbIDSender"),
        sender_name=_text(dm_dm, "dmSender"),
        sender_address=_text(dm_dm, "dmSenderAddress"),
        sender_type=_int(dm_dm, "dmSenderType"),
        recipient_box_id=_text(dm_dm, "dbIDRecipient"),
        recipient_name=_text(dm_dm, "dmRecipient"),
        recipient_address=_text(dm_dm, "dmRecipientAddress"),
        subject=_text(dm_dm, "dmAnnotation"),
        sender_org_unit=_text(dm_dm, "dmSenderOrgUnit"),
        sender_org_unit_num=_int(dm_dm, "dmSenderOrgUnitNum"),
        recipient_org_unit=_text(dm_dm, "dmRecipientOrgUnit"),
        recipient_org_unit_num=_int(dm_dm, "dmRecipientOrgUnitNum"),
        to_hands=_text(dm_dm, "dmToHands"),
        our_ref=_text(dm_dm, "dmSenderRefNumber"),
        your_ref=_text(dm_dm, "dmRecipientRefNumber"),
        our_file_mark=_text(dm_dm, "dmSenderIdent"),
        your_file_mark=_text(dm_dm, "dmRecipientIdent"),
        legal_title=LegalTitle(
            law=_text(dm_dm, "dmLegalTitleLaw"), year=_text(dm_dm, "dmLegalTitleYear"),
            section=_text(dm_dm, "dmLegalTitleSect"), paragraph=_text(dm_dm, "dmLegalTitlePar"),
            point=_text(dm_dm, "dmLegalTitlePoint"),
        ),
        personal_delivery=_bool(dm_dm, "dmPersonalDelivery"),
        allow_fiction=_bool(dm_dm, "dmAllowSubstDelivery"),
        ambiguous_recipient=_bool(dm_dm, "dmAmbiguousRecipient"),
        message_type=outer.get("dmType") or dm_dm.get("dmType"),
        status=_int(outer, "dmMessageStatus"),
        delivered_at=parse_datetime(_text(outer, "dmDeliveryTime")),
        accepted_at=parse_datetime(_text(outer, "dmAcceptanceTime")),
        attachment_size_kb=_int(outer, "dmAttachmentSize"),
        big_message=(outer.get("dmVODZ") or "").strip().lower() in ("true", "1"),
    )


def _dm_dm_bytes(content: bytes, dm_dm: Any) -> bytes | None:
    """The exact bytes of the dmDm element as the ZFO serialises it (input of dmHash).

    Checked on the samples: dmHash is the hash of these raw bytes, not of a canonical form.
    The real dmDm starts at the first ``<prefix:dmDm`` and closes right before dmHash, so
    the closing tag is searched backwards from the last dmHash start tag; an attachment's
    XML cannot fake that position.
    """
    prefix = dm_dm.prefix
    qn = f"{prefix}:dmDm" if prefix else "dmDm"
    start_tag = f"<{qn}".encode()
    close_tag = f"</{qn}>".encode()
    start = content.find(start_tag)
    hash_pos = max(content.rfind(b":dmHash"), content.rfind(b"<dmHash"))
    if start < 0 or hash_pos < 0:
        return None
    end = content.rfind(close_tag, start, hash_pos)
    if end < 0:
        return None
    return content[start:end + len(close_tag)]


def read_content(content: bytes) -> dict[str, Any]:
    """Everything parse_zfo needs from the XML, as plain values."""
    root = parse_xml(content)
    qname = etree.QName(root.tag)
    kind = KIND_BY_NS.get(qname.namespace or "")
    if kind is None:
        raise UnsupportedZfoError(f"unknown ISDS document namespace {qname.namespace!r}")
    if kind is ZfoKind.DELIVERY_INFO:
        if qname.localname not in DELIVERY_ROOTS:
            raise UnsupportedZfoError(f"unexpected root element {qname.localname!r}")
        outer = _child(root, "dmDelivery")
    else:
        if qname.localname not in MESSAGE_ROOTS:
            raise UnsupportedZfoError(f"unexpected root element {qname.localname!r}")
        outer = _child(root, "dmReturnedMessage")
    if outer is None or outer.get(_XSI_NIL) == "true":
        raise MalformedXmlError("the response holds no message (dmReturnedMessage/dmDelivery)")
    dm_dm = _child(outer, "dmDm")
    if dm_dm is None or etree.QName(dm_dm.tag).namespace != NS_DM:
        raise MalformedXmlError("no dmDm element in the ISDS namespace")
    hash_el = _child(outer, "dmHash")
    dm_hash: bytes | None = None
    hash_alg: str | None = None
    if hash_el is not None and hash_el.text and hash_el.text.strip():
        try:
            dm_hash = base64.b64decode("".join(hash_el.text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("dmHash is not valid base64") from None
        hash_alg = hash_el.get("algorithm")
    qts = _text(outer, "dmQTimestamp")
    q_timestamp: bytes | None = None
    if qts and qts.strip():
        try:
            q_timestamp = base64.b64decode("".join(qts.split()), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("dmQTimestamp is not valid base64") from None
    events: list[DeliveryEvent] = []
    ev_root = _child(outer, "dmEvents")
    if ev_root is not None:
        for ev in ev_root:
            if _local(ev.tag) != "dmEvent":
                continue
            at = parse_datetime(_text(ev, "dmEventTime"))
            if at is None:
                raise MalformedXmlError("dmEvent without dmEventTime")
            events.append(DeliveryEvent(at=at, description=_text(ev, "dmEventDescr") or ""))
    return {
        "kind": kind,
        "envelope": _envelope(dm_dm, outer),
        "attachments": _attachments(dm_dm),
        "events": tuple(events),
        "dm_hash": dm_hash,
        "dm_hash_algorithm": hash_alg,
        "dm_dm_bytes": _dm_dm_bytes(content, dm_dm) if kind is not ZfoKind.DELIVERY_INFO
        else None,
        "q_timestamp": q_timestamp,
    }


_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?"
    rb"<(?:([A-Za-z_][\w.-]{0,30}):)?([A-Za-z_][\w.-]{0,60})([^>]{0,4000})>"
)
_DM_ID = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?dmID>\s*([^<\s]{1,40})\s*</")
_DM_DM = re.compile(rb"<(?:([A-Za-z_][\w.-]{0,30}):)?dmDm[\s>]")


_HASH_EL = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?dmHash\b([^>]{0,200})>([^<]{0,200})</")


def _last_start_tag(content: bytes, name: bytes) -> int:
    """Offset of the ``<`` of the last start tag ``<name`` or ``<prefix:name``, or -1."""
    end = len(content)
    for _ in range(8):
        p = content.rfind(name, 0, end)
        if p <= 0:
            return -1
        q = p - 1
        if content[q] == 0x3A:  # ':' -> skip the prefix
            q -= 1
            while q >= 0 and (chr(content[q]).isalnum() or content[q] in b"_.-"):
                q -= 1
        if q >= 0 and content[q] == 0x3C and content[p + len(name):p + len(name) + 1] in \
                (b">", b" ", b"\t", b"\r", b"\n", b"/"):
            return q
        end = p
    return -1


def light_read(content: bytes) -> dict[str, Any] | None:
    """What verification needs from the XML, by byte search instead of a full parse.

    Verification checks the seal over the bytes and dmHash over the raw dmDm bytes, so it
    does not need a tree; a full, safe parse (``read_content``) happens when a ZFO is
    opened or imported. Returns None when the shape is unusual (then the caller parses
    fully); a DOCTYPE is refused here as well.
    """
    if b"<!" in content and _DOCTYPE.search(content):
        raise HostileXmlError("XML with a DOCTYPE or ENTITY declaration is refused")
    m = _ROOT.match(content)
    if m is None:
        return None
    prefix, local, attrs = m.group(1), m.group(2).decode(), m.group(3)
    ns_attr = b"xmlns:" + prefix if prefix else b"xmlns"
    ns = re.search(re.escape(ns_attr) + rb'\s*=\s*"([^"]{1,200})"', attrs)
    kind = KIND_BY_NS.get(ns.group(1).decode("utf-8", "replace")) if ns else None
    if kind is None:
        return None
    roots = DELIVERY_ROOTS if kind is ZfoKind.DELIVERY_INFO else MESSAGE_ROOTS
    if local not in roots:
        return None
    dm_id = _DM_ID.search(content)
    dm = _DM_DM.search(content)
    if dm_id is None or dm is None:
        return None
    hash_pos = _last_start_tag(content, b"dmHash")
    dm_hash = alg = None
    if hash_pos >= 0:
        hm = _HASH_EL.match(content, hash_pos)
        if hm is None:
            return None
        am = re.search(rb'algorithm\s*=\s*"([^"]{1,20})"', hm.group(1))
        alg = am.group(1).decode("ascii", "replace") if am else None
        try:
            dm_hash = base64.b64decode(b"".join(hm.group(2).split()), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("dmHash is not valid base64") from None
    q_timestamp = None
    q_pos = _last_start_tag(content, b"dmQTimestamp")
    if q_pos >= 0:
        end = content.find(b"<", q_pos + 1)
        raw = content[content.index(b">", q_pos) + 1:end if end >= 0 else len(content)]
        if raw.strip():
            try:
                q_timestamp = base64.b64decode(b"".join(raw.split()), validate=True)
            except (binascii.Error, ValueError):
                raise MalformedXmlError("dmQTimestamp is not valid base64") from None
    dm_dm_bytes = None
    if kind is not ZfoKind.DELIVERY_INFO and hash_pos >= 0:
        qn = (dm.group(1) + b":dmDm") if dm.group(1) else b"dmDm"
        close = content.rfind(b"</" + qn + b">", dm.start(), hash_pos)
        if close >= 0:
            dm_dm_bytes = content[dm.start():close + len(qn) + 3]
    return {"kind": kind, "message_id": dm_id.group(1).decode("utf-8", "replace"),
            "dm_hash": dm_hash, "dm_hash_algorithm": alg, "dm_dm_bytes": dm_dm_bytes,
            "q_timestamp": q_timestamp}
