"""Read the ISDS XML inside a ZFO (safely) into an Envelope, attachments and events."""

from __future__ import annotations

import base64
import binascii
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, AnyStr

from lxml import etree

from dso_desktop.domain import AttachmentRole, DeliveryEvent, Envelope, LegalTitle
from dso_desktop.zfo import fastcms
from dso_desktop.zfo.errors import (
    HostileXmlError,
    MalformedXmlError,
    UnsupportedZfoError,
    ZfoError,
)
from dso_desktop.zfo.model import ZfoAttachment, ZfoKind

# The content as parse_zfo reads it: bytes, a view of a DER file, or the chunks of a BER
# one where they lie in the file (fastcms.Pieces: sliced and read like a memoryview).
Content = bytes | memoryview | fastcms.Pieces
# A run of base64 text cut out of a big content (see _Lean), in either form.
Run = memoryview | fastcms.Pieces

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
_DOCTYPE_TEXT = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# UTF-7 writes "<" as "+ADw-": markup (a DOCTYPE, a second dmDm) could hide from every byte
# search, so a document declared in it is refused outright.
_UTF7_DECLARATION = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']"
    rb"(?:UTF-?7|UNICODE-1-1-UTF-7|CSUNICODE11UTF7)[\"']", re.IGNORECASE)


# How an XML document announces its encoding before any declaration can be read (XML 1.0
# appendix F), in the order libxml2 checks it: a byte order mark, else the first characters
# "<?" in a UTF-16/UTF-32 byte pattern. UTF-32 goes first because FF FE 00 00 also starts
# with the UTF-16LE mark. Without either, the document is ASCII-compatible (UTF-8, or the
# single-byte encoding its declaration names). Checked against libxml2: a declaration that
# names another encoding than the mark or the pattern does not change what it reads.
_SIGNATURES: tuple[tuple[bytes, str, int], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be", 4),
    (b"\xff\xfe\x00\x00", "utf-32-le", 4),
    (b"\xef\xbb\xbf", "utf-8", 3),
    (b"\xfe\xff", "utf-16-be", 2),
    (b"\xff\xfe", "utf-16-le", 2),
    (b"\x00\x00\x00<", "utf-32-be", 0),
    (b"<\x00\x00\x00", "utf-32-le", 0),
    (b"\x00<\x00?", "utf-16-be", 0),
    (b"<\x00?\x00", "utf-16-le", 0),
)


@dataclass(frozen=True)
class XmlEncoding:
    """The byte encoding of an XML document: a Python codec and the length of its BOM."""

    codec: str
    bom: int

    @property
    def ascii_compatible(self) -> bool:
        """True when ASCII markup ("<p:dmDm", "</", ...) is the same bytes in the document.

        Then markup can be found by a byte search (UTF-8 and the single-byte encodings a
        declaration may name: "<" is never part of a multi-byte character there).
        """
        return not self.codec.startswith(("utf-16", "utf-32"))


def sniff_encoding(content: Content) -> XmlEncoding:
    """The encoding a conforming parser (libxml2) reads ``content`` in, as far as it
    matters for finding markup: UTF-16/UTF-32 (by BOM or pattern) or ASCII-compatible."""
    head = bytes(content[:4])
    for sig, codec, bom in _SIGNATURES:
        if head.startswith(sig):
            return XmlEncoding(codec, bom)
    return XmlEncoding("utf-8", 0)


def decoded(content: bytes, enc: XmlEncoding) -> str:
    """The text of a UTF-16/UTF-32 document (strict: a broken code unit is malformed)."""
    try:
        return content[enc.bom:].decode(enc.codec)
    except UnicodeDecodeError as exc:
        raise MalformedXmlError(f"content is not valid {enc.codec.upper()}: {exc.reason} "
                                f"at byte {exc.start + enc.bom}") from None


def _has_bang_markup(content: bytes) -> bool:
    """``b"<!" in content``, but ~200x faster on ISDS content: CPython's two-byte search
    is slow on long base64 text, while "!" (absent from base64) is found by memchr."""
    i = content.find(b"!")
    while i >= 0:
        if i > 0 and content[i - 1] == 0x3C:  # "<"
            return True
        i = content.find(b"!", i + 1)
    return False


def _refuse_doctype(content: bytes) -> None:
    """Refuse a DOCTYPE/ENTITY before parsing, in whatever encoding the document is.

    A byte search for "<!DOCTYPE" would miss it in UTF-16, so such documents are searched
    in their decoded text (the parsed tree is checked once more afterwards).
    """
    enc = sniff_encoding(content)
    if enc.ascii_compatible:
        if _has_bang_markup(content) and _DOCTYPE.search(content):
            raise HostileXmlError("XML with a DOCTYPE or ENTITY declaration is refused")
        if _UTF7_DECLARATION.match(content):
            raise HostileXmlError("XML in UTF-7 is refused (markup can hide in it)")
        return
    if _DOCTYPE_TEXT.search(content[enc.bom:].decode(enc.codec, errors="replace")):
        raise HostileXmlError("XML with a DOCTYPE or ENTITY declaration is refused")


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
    _refuse_doctype(content)
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
    # A node at depth d needs d nodes above and in it: a tree of at most MAX_XML_DEPTH
    # nodes (every ISDS envelope) cannot be too deep, and counting them runs in lxml's C
    # iterator instead of a Python walk (a third of the XML time of a verification).
    for count, _ in enumerate(root.iter(), 1):
        if count > MAX_XML_DEPTH:
            break
    else:
        return
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


def _children(el: Any) -> dict[str, Any]:
    """The first child element of each local name, in one pass: what `_child` finds for
    every name (the envelope reads ~30 fields of dmDm: one pass instead of one a field)."""
    first: dict[str, Any] = {}
    for c in el:
        tag = c.tag
        if isinstance(tag, str):
            first.setdefault(tag[tag.rfind("}") + 1:], c)
    return first


def _text(el: Any, name: str) -> str | None:
    return _text_of(_child(el, name) if el is not None else None)


def _text_of(c: Any) -> str | None:
    if c is None or c.get(_XSI_NIL) == "true":
        return None
    return c.text if c.text is not None else ""


def _int_of(c: Any, name: str) -> int | None:
    t = _text_of(c)
    if t is None or not t.strip():
        return None
    try:
        return int(t.strip())
    except ValueError:
        raise MalformedXmlError(f"{name} is not an integer: {t[:40]!r}") from None


def _bool_of(c: Any, name: str) -> bool | None:
    t = _text_of(c)
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
    # Python < 3.11 could not take arbitrary fraction digits; normalise to 6. xs:dateTime's
    # digits are ASCII ones (re.ASCII: `\d` would also take other scripts' digits).
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d:\d\d)?", t,
                     re.ASCII)
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
    if not text.isascii():  # whitespace beyond ASCII's, which `_b64_getter` drops too
        text = "".join(text.split())
    n = len(text) - sum(text.count(ch) for ch in " \t\r\n")
    stripped = text.rstrip(" \t\r\n")
    pad = len(stripped) - len(stripped.rstrip("="))
    return max(0, n // 4 * 3 - pad)


def _encoded_contents(dm_dm: Any) -> list[Any]:
    """The dmEncodedContent elements `_attachments` reads (one per dmFile at most)."""
    files = _child(dm_dm, "dmFiles")
    if files is None:
        return []
    return [enc for f in files if _local(f.tag) == "dmFile"
            and (enc := _child(f, "dmEncodedContent")) is not None]


def _attachments(dm_dm: Any, big: dict[Any, tuple[Run, int]] | None = None
                 ) -> tuple[ZfoAttachment, ...]:
    """The dmFiles of ``dm_dm``; ``big``: dmEncodedContent elements whose base64 text was
    cut out before parsing (see `_Lean`), with that text as a view of the content."""
    files = _child(dm_dm, "dmFiles")
    if files is None:
        return ()
    out: list[ZfoAttachment] = []
    for f in files:
        chunks = None
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
        if enc is not None and big and enc in big:
            run, size = big[enc]
            getter = _b64_view_getter(run)
            chunks = _b64_view_chunks(run)
            is_xml = False
        elif enc is not None:
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
            _content=getter, _chunks=chunks,
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


_B64_WS = b" \t\r\n"
_B64_CHUNK = 4 << 20  # base64 characters decoded per step (a multiple of 4)


def _b64_view_len(run: Run) -> int:
    """`_b64_len` of base64 bytes (the text of the same characters), without copying them."""
    n = len(run) - _count_ws(run)
    size = 64
    while True:  # the "=" right before the trailing whitespace; normally in the last bytes
        stripped = bytes(run[-size:]).rstrip(_B64_WS)
        if stripped.rstrip(b"=") or size >= len(run):
            break
        size *= 4
    pad = len(stripped) - len(stripped.rstrip(b"="))
    return max(0, n // 4 * 3 - pad)


def _count_ws(run: Run) -> int:
    """How many of ``run``'s bytes are base64's whitespace (one pass, a chunk at a time)."""
    total = 0
    for start in range(0, len(run), _B64_CHUNK):
        piece = bytes(run[start:start + _B64_CHUNK])
        total += len(piece) - len(piece.translate(None, _B64_WS))
    return total


def b64_chunks(run: Run, *, chunk: int = _B64_CHUNK) -> Iterator[bytes]:
    """The bytes of ``base64.b64decode("".join(text.split()), validate=True)`` of the
    base64 bytes ``run`` (ASCII whitespace between them), decoded a chunk at a time (the
    text is never copied whole; `Pieces` are decoded across their boundaries). Raises
    binascii.Error, at the latest after the last chunk, exactly when the one-piece decode
    does (tested against it).

    Strict decoding of whole 4-character groups without "=" gives the same bytes in pieces
    as at once; the first "=" starts the last piece (padding ends the data in strict mode),
    which keeps the group before it.
    """
    chunk = max(4, chunk // 4 * 4)
    pending = b""
    pos, end = 0, len(run)
    while pos < end:
        clean = pending + bytes(run[pos:pos + chunk]).translate(None, _B64_WS)
        pos += chunk
        if b"=" in clean:
            # Valid base64 has "=" only in its last piece, so the rest is short; what strict
            # decoding makes of odd padding is left to it (it allows "AAAA===", say).
            pending = clean + (bytes(run[pos:]).translate(None, _B64_WS) if pos < end else b"")
            break
        # The last whole group waits for the next piece: strict decoding looks back one
        # group when "=" follows it ("AAAA=" is accepted, a lone "=" is not).
        whole = max(0, len(clean) // 4 * 4 - 4)
        if whole:
            yield binascii.a2b_base64(clean[:whole], strict_mode=True)
        pending = clean[whole:]
    yield binascii.a2b_base64(pending, strict_mode=True)


def b64decode_view(run: Run, *, chunk: int = _B64_CHUNK) -> bytes:
    """`b64_chunks` in one ``bytes`` (the only big allocation)."""
    out = io.BytesIO()
    for part in b64_chunks(run, chunk=chunk):
        out.write(part)
    return out.getvalue()


def _b64_view_chunks(run: Run) -> Any:
    def chunks() -> Iterator[bytes]:
        try:
            yield from b64_chunks(run)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("attachment content is not valid base64") from None
    return chunks


def _b64_view_getter(run: Run) -> Any:
    def get() -> bytes:
        try:
            return b64decode_view(run)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("attachment content is not valid base64") from None
    return get


def _envelope(dm_dm: Any, outer: Any) -> Envelope:
    kids, outer_kids = _children(dm_dm), _children(outer)

    def text(name: str) -> str | None:
        return _text_of(kids.get(name))

    def number(name: str) -> int | None:
        return _int_of(kids.get(name), name)

    def flag(name: str) -> bool | None:
        return _bool_of(kids.get(name), name)

    def outer_text(name: str) -> str | None:
        return _text_of(outer_kids.get(name))

    def outer_number(name: str) -> int | None:
        return _int_of(outer_kids.get(name), name)

    dm_id = text("dmID")
    if not dm_id or not dm_id.strip():
        raise MalformedXmlError("dmDm has no dmID")
    return Envelope(
        message_id=dm_id.strip(),
        sender_box_id=text("dbIDSender"),
        sender_name=text("dmSender"),
        sender_address=text("dmSenderAddress"),
        sender_type=number("dmSenderType"),
        recipient_box_id=text("dbIDRecipient"),
        recipient_name=text("dmRecipient"),
        recipient_address=text("dmRecipientAddress"),
        subject=text("dmAnnotation"),
        sender_org_unit=text("dmSenderOrgUnit"),
        sender_org_unit_num=number("dmSenderOrgUnitNum"),
        recipient_org_unit=text("dmRecipientOrgUnit"),
        recipient_org_unit_num=number("dmRecipientOrgUnitNum"),
        to_hands=text("dmToHands"),
        our_ref=text("dmSenderRefNumber"),
        your_ref=text("dmRecipientRefNumber"),
        our_file_mark=text("dmSenderIdent"),
        your_file_mark=text("dmRecipientIdent"),
        legal_title=LegalTitle(
            law=text("dmLegalTitleLaw"), year=text("dmLegalTitleYear"),
            section=text("dmLegalTitleSect"), paragraph=text("dmLegalTitlePar"),
            point=text("dmLegalTitlePoint"),
        ),
        personal_delivery=flag("dmPersonalDelivery"),
        allow_fiction=flag("dmAllowSubstDelivery"),
        ambiguous_recipient=flag("dmAmbiguousRecipient"),
        message_type=outer.get("dmType") or dm_dm.get("dmType"),
        status=outer_number("dmMessageStatus"),
        delivered_at=parse_datetime(outer_text("dmDeliveryTime")),
        accepted_at=parse_datetime(outer_text("dmAcceptanceTime")),
        attachment_size_kb=outer_number("dmAttachmentSize"),
        big_message=(outer.get("dmVODZ") or "").strip().lower() in ("true", "1"),
    )


def _last_hash_tag(doc: AnyStr, name: AnyStr, before: AnyStr) -> int:
    """``max(doc.rfind(":dmHash"), doc.rfind("<dmHash"))`` in one backward search (the
    search for the form a document does not use would scan all of it)."""
    pos = doc.rfind(name)
    while pos > 0:
        if doc[pos - 1:pos] in (before[0:1], before[1:2]):
            return pos - 1
        pos = doc.rfind(name, 0, pos)
    return -1


def _dm_dm_span(doc: AnyStr, qn: str) -> tuple[int, int] | None:
    """Where the dmDm element ``qn`` lies in ``doc`` (bytes or decoded text): [start, end).

    The real dmDm starts at the first ``<prefix:dmDm`` and closes right before dmHash, so
    the closing tag is searched backwards from the last dmHash start tag; an attachment's
    XML cannot fake that position.
    """
    def lit(text: str) -> AnyStr:
        return text.encode("ascii") if isinstance(doc, bytes) else text

    close_tag = lit(f"</{qn}>")
    start = doc.find(lit(f"<{qn}"))
    hash_pos = _last_hash_tag(doc, lit("dmHash"), lit(":<"))
    if start < 0 or hash_pos < 0:
        return None
    end = doc.rfind(close_tag, start, hash_pos)
    if end < 0:
        return None
    return start, end + len(close_tag)


# ASCII-compatible encodings in which "<", "/", ":" and letters are always single bytes of
# their own, so a byte search finds exactly the markup the parser read. A declaration naming
# any other encoding (UTF-7, Shift_JIS, ...) leaves dmHash unrecomputable.
_BYTE_SEARCHABLE = re.compile(
    r"(UTF-?8|US-ASCII|ASCII|ISO-8859-([1-9]|1[0-6])|(WINDOWS|CP)-?125[0-8]|LATIN-?[1-9])",
    re.IGNORECASE)


def dm_dm_bytes(content: bytes, qn: str, declared: str | None = None, *,
                view: bool = False) -> bytes | memoryview | None:
    """The exact bytes of the dmDm element (qualified name ``qn``) as the ZFO holds them:
    the input of dmHash, a slice of ``content`` and never a re-serialised or transcoded copy.

    Checked on the samples: dmHash is the hash of these raw bytes, not of a canonical form.
    In UTF-16 (or UTF-32) content the element is found in the decoded text and its range is
    mapped back to the byte range it occupies in the original encoding; those bytes are
    hashed, exactly as ISDS hashes the bytes it serialises (see docs/zfo.md). ``declared`` is
    the encoding the XML declaration names (the parser reads ASCII-compatible content in it).
    ``view=True``: a memoryview of ``content`` instead of a copy (verification only hashes
    it; on a 300 MB message the copy is 300 MB more at the peak).
    """
    enc = sniff_encoding(content)
    if enc.ascii_compatible:
        if declared and not _BYTE_SEARCHABLE.fullmatch(declared.strip()):
            return None
        span = _dm_dm_span(content, qn)
        if span is None:
            return None
        return memoryview(content)[span[0]:span[1]] if view else content[span[0]:span[1]]
    text = decoded(content, enc)
    tspan = _dm_dm_span(text, qn)
    if tspan is None:
        return None
    t0, t1 = tspan
    # Fixed-width code units: the prefix's encoded length is the element's byte offset.
    b0 = enc.bom + len(text[:t0].encode(enc.codec))
    b1 = b0 + len(text[t0:t1].encode(enc.codec))
    raw = content[b0:b1]
    if raw.decode(enc.codec, errors="replace") != text[t0:t1]:  # pragma: no cover - guard
        return None
    return raw


def _qualified(el: Any) -> str:
    return f"{el.prefix}:{etree.QName(el.tag).localname}" if el.prefix else \
        etree.QName(el.tag).localname


def _locate(root: Any) -> tuple[ZfoKind, Any, Any]:
    """(kind, dmReturnedMessage/dmDelivery, dmDm) of a parsed ISDS document.

    The kind comes from the root element's namespace in the parsed tree, so it is the same
    whatever the byte encoding of the document.
    """
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
    return kind, outer, dm_dm



# -- big messages: the base64 text of attachments kept out of the XML tree -----------------
# lxml would hold a 300 MB attachment's base64 text in the tree and again as a Python str;
# runs of base64 at least this long are cut out before parsing and read from the content.
_LEAN_CONTENT_MIN = 1 << 20  # content at least this big is looked at
_EXCISE_MIN = 64 << 10  # base64 runs at least this long are cut out
_DECLARED = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']"
                       rb"([^\"'>]{0,64})[\"']")


@lru_cache(maxsize=4)
def _run_pattern(minimum: int) -> re.Pattern[bytes]:
    # Possessive: a long run that does not end in "<" fails without backtracking.
    return re.compile(rb">([A-Za-z0-9+/=\t\r\n ]{%d,}+)<" % max(1, minimum))


@dataclass(frozen=True)
class _Lean:
    """The content with each long base64 run between ">" and "<" replaced by a marker.

    A marker is letters and digits only, so the lean document tokenises exactly as the
    content does (the runs contain no "<", "&" or "]"): the same elements, attributes,
    comments, with a marker where a run was. `_big_texts` then accepts the lean tree only
    if every marker is the whole text of a dmEncodedContent `_attachments` reads and occurs
    nowhere else; then that text is exactly the run. Otherwise the content is parsed whole.
    """

    doc: bytes
    content: Run
    nonce: str
    runs: tuple[tuple[int, int, int, int], ...]  # (lean start, lean end, start, end)

    def marker(self, i: int) -> str:
        return f"{self.nonce}N{i}"

    def original(self, pos: int) -> int:
        """The content offset of lean offset ``pos`` (outside any marker)."""
        shift = 0
        for ls, le, cs, ce in self.runs:
            if pos <= ls:
                break
            shift += (ce - cs) - (le - ls)
        return pos + shift


def _excise(content: Content, minimum: int) -> _Lean | None:
    view = content if isinstance(content, fastcms.Pieces) else memoryview(content)
    if len(view) < _LEAN_CONTENT_MIN or not sniff_encoding(content).ascii_compatible:
        return None
    declared = _DECLARED.match(bytes(view[:512]))
    if declared and not _BYTE_SEARCHABLE.fullmatch(declared.group(1).decode("latin-1").strip()):
        return None  # base64 letters are other bytes (or markup hides) in that encoding
    if isinstance(view, fastcms.Pieces):
        found = _long_runs(view, minimum, window=_RUN_WINDOW)
    else:
        found = [(m.start(1), m.end(1)) for m in _run_pattern(minimum).finditer(view)]
    if not found:
        return None
    nonce = "DSO" + secrets.token_hex(12).upper()
    pieces: list[bytes] = []
    runs: list[tuple[int, int, int, int]] = []
    prev = length = 0
    for i, (start, end) in enumerate(found):
        mark = f"{nonce}N{i}".encode("ascii")
        pieces += (bytes(view[prev:start]), mark)  # markup between runs: small
        length += start - prev
        runs.append((length, length + len(mark), start, end))
        length += len(mark)
        prev = end
    pieces.append(bytes(view[prev:]))
    return _Lean(b"".join(pieces), view, nonce, tuple(runs))


_B64_TEXT = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\t\r\n "
_RUN_WINDOW = 4 << 20  # bytes of a Pieces content searched at a time
_OTHER = bytes(0 if b in _B64_TEXT else 1 for b in range(256))


def _long_runs(content: fastcms.Pieces, minimum: int, *, window: int
               ) -> list[tuple[int, int]]:
    """The (start, end) of every match of `_run_pattern` (group 1) in ``content``, found
    ``window`` bytes at a time (a run may cross windows and pieces): the text between a
    ">" and a "<" made of base64 characters only (``_B64_TEXT``, the pattern's class) and
    at least ``minimum`` long. Such a run is a whole stretch of those characters (">" and
    "<" are not among them), so each stretch is judged by the bytes around it: a stretch
    within a window by the pattern itself, one that reaches the window's end when the next
    other byte is found (tested against the pattern over random texts and windows)."""
    pattern = _run_pattern(minimum)
    found: list[tuple[int, int]] = []
    stretch, before = 0, -1  # where the open stretch began; the byte before it (-1: none)
    pos, end = 0, len(content)
    while pos < end:
        w = bytes(content[pos:pos + window])
        other = w.translate(_OTHER)  # 1 for every byte outside the class (memchr-fast)
        first = other.find(1)  # the first other byte
        if first < 0:
            pos += len(w)
            continue
        if before == 0x3E and w[first] == 0x3C and pos + first - stretch >= max(1, minimum):
            found.append((stretch, pos + first))
        last = other.rfind(1)  # the last other byte
        found += [(pos + m.start(1), pos + m.end(1))
                  for m in pattern.finditer(w, first, last + 1)]
        stretch, before = pos + last + 1, w[last]
        pos += len(w)
    return found


def _big_texts(root: Any, dm_dm: Any, lean: _Lean) -> dict[Any, tuple[Run, int]] | None:
    """{dmEncodedContent element: (its base64 text as a view of the content, decoded
    size)} when every marker is exactly the text of one such element and nowhere else."""
    allowed = _encoded_contents(dm_dm)
    index = {lean.marker(i): i for i in range(len(lean.runs))}
    seen: dict[int, Any] = {}
    nodes = [*root.itersiblings(preceding=True), *root.iter(), *root.itersiblings()]
    for node in nodes:
        values = [node.text, node.tail]
        if isinstance(node.tag, str):
            values += node.attrib.values()
        elif not isinstance(node, etree._Comment):  # a processing instruction
            values.append(node.target)
        for pos, value in enumerate(values):
            if not value or lean.nonce not in value:
                continue
            i = index.get(value)
            if pos != 0 or i is None or i in seen or not any(node is a for a in allowed):
                return None
            seen[i] = node
    if len(seen) != len(lean.runs):
        return None
    out = {}
    for i, node in seen.items():
        cs, ce = lean.runs[i][2:]
        run = lean.content[cs:ce]
        out[node] = (run, _b64_view_len(run))
    return out


@dataclass
class _Doc:
    """A parsed ISDS document: its tree and, for a big one, what was cut out of it."""

    content: Content
    root: Any
    kind: ZfoKind
    outer: Any
    dm_dm: Any
    lean: _Lean | None = None
    big: dict[Any, tuple[Run, int]] | None = None


def _parse_document(content: Content) -> _Doc:
    """`parse_xml` and `_locate`; long base64 runs stay out of the tree when that provably
    changes nothing else (see `_Lean`), else the whole content is parsed."""
    lean = _excise(content, _EXCISE_MIN)
    if lean is not None:
        try:
            root = parse_xml(lean.doc)
            kind, outer, dm_dm = _locate(root)
            big = _big_texts(root, dm_dm, lean)
        except ZfoError:
            big = None  # errors (and their messages) are the whole content's, below
        if big is not None:
            return _Doc(content, root, kind, outer, dm_dm, lean, big)
    if not isinstance(content, bytes):
        content = bytes(content)  # the byte searches below need bytes (Pieces: joined)
    root = parse_xml(content)
    kind, outer, dm_dm = _locate(root)
    return _Doc(content, root, kind, outer, dm_dm)


def _hash_fields(doc: _Doc, *, view: bool = False) -> dict[str, Any]:
    """dmHash, its algorithm, dmQTimestamp and the dmDm bytes dmHash covers."""
    kind, outer, dm_dm = doc.kind, doc.outer, doc.dm_dm
    hash_el = _child(outer, "dmHash")
    dm_hash, hash_alg, q_timestamp = _hash_values(
        hash_el.text if hash_el is not None else None,
        hash_el.get("algorithm") if hash_el is not None else None,
        _text(outer, "dmQTimestamp"))
    core: Content | None = None
    if kind is not ZfoKind.DELIVERY_INFO:
        declared = dm_dm.getroottree().docinfo.encoding
        if doc.lean is None:
            core = dm_dm_bytes(bytes(doc.content), _qualified(dm_dm), declared, view=view)
        elif not declared or _BYTE_SEARCHABLE.fullmatch(declared.strip()):
            # Markup lies outside the runs: found in the lean document, mapped back.
            lean = doc.lean
            span = _dm_dm_span(lean.doc, _qualified(dm_dm))
            core = None if span is None else \
                lean.content[lean.original(span[0]):lean.original(span[1])]
    return {
        "dm_hash": dm_hash,
        "dm_hash_algorithm": hash_alg,
        "dm_dm_bytes": core,
        "q_timestamp": q_timestamp,
    }


def _hash_values(hash_text: str | None, hash_alg: str | None, qts: str | None
                 ) -> tuple[bytes | None, str | None, bytes | None]:
    """(dmHash, its algorithm, dmQTimestamp) from the texts of dmHash and dmQTimestamp and
    dmHash's algorithm attribute (shared by the lxml reference and the C fast path)."""
    dm_hash: bytes | None = None
    alg: str | None = None
    if hash_text and hash_text.strip():
        try:
            dm_hash = base64.b64decode("".join(hash_text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("dmHash is not valid base64") from None
        alg = hash_alg
    q_timestamp: bytes | None = None
    if qts and qts.strip():
        try:
            q_timestamp = base64.b64decode("".join(qts.split()), validate=True)
        except (binascii.Error, ValueError):
            raise MalformedXmlError("dmQTimestamp is not valid base64") from None
    return dm_hash, alg, q_timestamp


_KINDS = (ZfoKind.RECEIVED, ZfoKind.SENT, ZfoKind.DELIVERY_INFO)  # _cder.xml_facts's order


def verify_facts_fast(content: Content) -> dict[str, Any] | None:
    """`verify_facts` without a tree, or None: then the reference must decide.

    ``_cder.xml_facts`` checks well-formedness in one pass for a strict subset of XML
    (UTF-8, no DOCTYPE/comment/PI/CDATA, declared prefixes, ...) and returns what a verdict
    reads: the dmID text, dmHash and dmQTimestamp decoded (only plain ASCII base64; other
    text is left to the reference), the dmDm span. It returns None for anything else and
    for every error, so errors and their messages are always the reference's.
    """
    cder = fastcms.fast_module()
    if cder is None or not isinstance(content, bytes):
        return None
    got = cder.xml_facts(content)
    if got is None:
        return None
    kind_i, dm_id_raw, dm_hash, alg, q_timestamp, start, end = got
    dm_id = dm_id_raw.decode("utf-8").strip()  # valid UTF-8: the C walk checked it
    if not dm_id:
        return None
    # dmDm: `dm_dm_bytes` of content the C walk accepted (UTF-8 without a byte order mark,
    # declared or by default as lxml's docinfo says, so ASCII-compatible): the span
    # `_dm_dm_span` finds, found in C the same way (-1: none, or a delivery info).
    return {"kind": _KINDS[kind_i], "message_id": dm_id, "dm_hash": dm_hash,
            "dm_hash_algorithm": None if alg is None else alg.decode("utf-8"),
            "dm_dm_bytes": memoryview(content)[start:end] if start >= 0 else None,
            "q_timestamp": q_timestamp}


def verify_facts(content: Content) -> dict[str, Any]:
    """What verification needs, from the same safe parse ``dso import`` uses.

    So content that is not well-formed XML (or is hostile, or not an ISDS document) fails
    verification exactly as it fails an import; only the envelope, attachments and events
    are not built. The C fast path (`verify_facts_fast`) gives the same result without
    building a tree, where it can.
    """
    fast = verify_facts_fast(content)
    if fast is not None:
        return fast
    return verify_facts_reference(content)


def verify_facts_reference(content: Content) -> dict[str, Any]:
    """`verify_facts` from the lxml tree: the reference of the C fast path."""
    doc = _parse_document(content)
    dm_id = _text(doc.dm_dm, "dmID")
    if not dm_id or not dm_id.strip():
        raise MalformedXmlError("dmDm has no dmID")
    return {"kind": doc.kind, "message_id": dm_id.strip(), **_hash_fields(doc, view=True)}


def read_content(content: Content) -> dict[str, Any]:
    """Everything parse_zfo needs from the XML, as plain values.

    Content of a big message comes as a memoryview or as `fastcms.Pieces` (see
    `parse._skeleton`); its attachments and dmDm bytes are then views of it, never copies.
    """
    doc = _parse_document(content)
    outer, dm_dm = doc.outer, doc.dm_dm
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
        "kind": doc.kind,
        "envelope": _envelope(dm_dm, outer),
        "attachments": _attachments(dm_dm, doc.big),
        "events": tuple(events),
        **_hash_fields(doc),
    }
