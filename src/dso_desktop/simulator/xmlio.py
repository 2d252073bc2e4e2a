"""SOAP on the wire: safe request parsing (any prefix, SOAP 1.1/1.2, MTOM) and responses."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, TypeAlias

from lxml import etree

NS = "http://isds.czechpoint.cz/v20"
NS_ASWS = "http://isds.czechpoint.cz/v20/asws"
NS_MESSAGE = "http://isds.czechpoint.cz/v20/message"
NS_SENT = "http://isds.czechpoint.cz/v20/SentMessage"
NS_DELIVERY = "http://isds.czechpoint.cz/v20/delivery"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XOP = "http://www.w3.org/2004/08/xop/include"
XSI_NIL = f"{{{XSI}}}nil"

# An lxml element. lxml ships no type stubs here, so this is Any to mypy; the alias says
# what a parameter holds (as ``isds.xmlutil.Element`` does on the client side).
Element: TypeAlias = Any


class SoapFault(Exception):
    """A request ISDS would answer with a SOAP Fault (HTTP 500, or 599 for bad MTOM)."""

    def __init__(self, message: str, *, code: str = "Client", http_status: int = 500) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True)
class Request:
    soap_version: str  # "1.1" or "1.2"
    operation: str  # local name of the first child of Body
    namespace: str
    body: Element  # the operation element


def _parser(huge: bool) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=huge, remove_comments=True)


_PARSER = _parser(False)
_HUGE_PARSER = _parser(True)


def parse_xml(data: bytes, *, huge: bool = False) -> Element:
    """Parse with no DTD, no entities, no network; a DOCTYPE is refused outright."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise SoapFault("DOCTYPE is not allowed")
    try:
        root = etree.fromstring(data, _HUGE_PARSER if huge else _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapFault(f"Malformed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise SoapFault("DOCTYPE is not allowed")
    return root


def _split_multipart(body: bytes, content_type: str) -> tuple[bytes, dict[str, bytes]]:
    """The root part and the attachments (by Content-ID) of a multipart/related body."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise SoapFault("MTOM without boundary", http_status=599)
    boundary = b"--" + m.group(1).encode("latin-1")
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in body.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise SoapFault("Malformed MTOM part", http_status=599)
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, content.removesuffix(b"\r\n")))
    if not parts:
        raise SoapFault("Empty MTOM message", http_status=599)
    attachments = {
        h.get("content-id", "").strip("<>"): c for h, c in parts[1:]
    }
    return parts[0][1], attachments


def parse_request(body: bytes, content_type: str = "text/xml", *, huge: bool = False) -> Request:
    attachments: dict[str, bytes] = {}
    if content_type.lower().startswith("multipart/related"):
        body, attachments = _split_multipart(body, content_type)
    root = parse_xml(body, huge=huge)
    qname = etree.QName(root)
    if qname.localname != "Envelope" or qname.namespace not in (SOAP11, SOAP12):
        raise SoapFault("Not a SOAP envelope")
    version = "1.1" if qname.namespace == SOAP11 else "1.2"
    soap_body = root.find(f"{{{qname.namespace}}}Body")
    if soap_body is None:
        raise SoapFault("SOAP Body missing")
    ops = [c for c in soap_body if isinstance(c.tag, str)]
    if not ops:
        raise SoapFault("SOAP Body is empty")
    op = ops[0]
    if attachments:
        for inc in op.iter(f"{{{XOP}}}Include"):
            cid = inc.get("href", "").removeprefix("cid:")
            from urllib.parse import unquote

            data = attachments.get(cid) or attachments.get(unquote(cid))
            if data is None:
                raise SoapFault(f"MTOM part {cid} missing", http_status=599)
            parent = inc.getparent()
            parent.remove(inc)
            parent.text = base64.b64encode(data).decode("ascii")
    oq = etree.QName(op)
    return Request(version, oq.localname, oq.namespace or "", op)


# -- reading request fields (namespace-agnostic, tolerant of empty and nil) -------------

def child(el: Element, name: str) -> Element | None:
    for c in el:
        if isinstance(c.tag, str) and etree.QName(c).localname == name:
            return c
    return None


def children(el: Element, name: str) -> list[Element]:
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == name]


def text(el: Element, name: str) -> str | None:
    """Text of a child; None when omitted, empty, or xsi:nil."""
    c = child(el, name) if el is not None else None
    if c is None or c.get(XSI_NIL) in ("true", "1"):
        return None
    value = (c.text or "").strip()
    return value or None


def raw_text(el: Element, name: str) -> str | None:
    """Like ``text`` but keeps surrounding whitespace (passwords, annotations)."""
    c = child(el, name) if el is not None else None
    if c is None or c.get(XSI_NIL) in ("true", "1"):
        return None
    return c.text if c.text else None


def integer(el: Element, name: str) -> int | None:
    value = text(el, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise SoapFault(f"{name}: not an integer: {value!r}") from None


def boolean(el: Element, name: str) -> bool | None:
    value = text(el, name)
    if value is None:
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise SoapFault(f"{name}: not a boolean: {value!r}")


def parse_time(value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """Every time form real clients send: naive UTC with 6 digits, Z, offsets, dates."""
    if value is None:
        return None
    v = value.strip()
    if not v:
        return None
    try:
        if len(v) == 10:
            d = date.fromisoformat(v)
            t = datetime(d.year, d.month, d.day, tzinfo=UTC)
            return t.replace(hour=23, minute=59, second=59) if end_of_day else t
        v = v.replace("z", "Z")
        m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$", v)
        if not m:
            raise ValueError(v)
        base, frac, zone = m.groups()
        frac = (frac or "")[:7]
        parsed = datetime.fromisoformat(base + frac + ("+00:00" if zone in (None, "Z")
                                                       else zone))
        return parsed.astimezone(UTC)
    except ValueError:
        raise SoapFault(f"Invalid time value {value!r}") from None


def b64(el: Element, name: str) -> bytes | None:
    value = text(el, name)
    if value is None:
        return None
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except ValueError:
        raise SoapFault(f"{name}: invalid base64") from None


# -- writing responses ----------------------------------------------------------------

def _prague() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Prague")
    except Exception:  # no tz database (bare Windows without tzdata): UTC is still correct
        return UTC


_PRAGUE = _prague()


def fmt_time(t: datetime) -> str:
    """ISDS style, as in real ZFOs: Prague local time, milliseconds, offset."""
    return t.astimezone(_PRAGUE).isoformat(timespec="milliseconds")


def fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return fmt_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


class Builder:
    """Appends schema-ordered children in one namespace; None becomes xsi:nil or nothing."""

    def __init__(self, ns: str = NS, prefix: str = "p") -> None:
        self.ns = ns
        self.nsmap = {prefix: ns, "xsi": XSI}

    def root(self, name: str, ns: str | None = None, nsmap: dict | None = None) -> Element:
        return etree.Element(f"{{{ns or self.ns}}}{name}", nsmap=nsmap or self.nsmap)

    def sub(self, parent: Element, name: str, value: Any = None, *, nil: bool = True,
            attrs: dict[str, str] | None = None, ns: str | None = None) -> Element | None:
        """Child element; value None → ``xsi:nil`` if ``nil`` else omitted (minOccurs=0)."""
        if value is None and not nil:
            return None
        el = etree.SubElement(parent, f"{{{ns or self.ns}}}{name}")
        if attrs:
            for k, v in attrs.items():
                el.set(k, v)
        if value is None:
            el.set(XSI_NIL, "true")
        else:
            el.text = fmt_value(value)
        return el

    def node(self, parent: Element, name: str, ns: str | None = None) -> Element:
        return etree.SubElement(parent, f"{{{ns or self.ns}}}{name}")


B = Builder()


def envelope(payload: Element, soap_version: str) -> bytes:
    soap = SOAP11 if soap_version == "1.1" else SOAP12
    env = etree.Element(f"{{{soap}}}Envelope", nsmap={"SOAP-ENV": soap})
    body = etree.SubElement(env, f"{{{soap}}}Body")
    body.append(payload)
    from dso_desktop.simulator.render import splice

    return splice(etree.tostring(env, xml_declaration=True, encoding="UTF-8"))


def fault(message: str, soap_version: str, code: str = "Client") -> bytes:
    soap = SOAP11 if soap_version == "1.1" else SOAP12
    env = etree.Element(f"{{{soap}}}Envelope", nsmap={"SOAP-ENV": soap})
    body = etree.SubElement(env, f"{{{soap}}}Body")
    f = etree.SubElement(body, f"{{{soap}}}Fault")
    if soap_version == "1.1":
        etree.SubElement(f, "faultcode").text = f"SOAP-ENV:{code}"
        etree.SubElement(f, "faultstring").text = message
    else:
        c = etree.SubElement(f, f"{{{soap}}}Code")
        etree.SubElement(c, f"{{{soap}}}Value").text = (
            "SOAP-ENV:Sender" if code == "Client" else "SOAP-ENV:Receiver")
        r = etree.SubElement(f, f"{{{soap}}}Reason")
        t = etree.SubElement(r, f"{{{soap}}}Text")
        t.set("{http://www.w3.org/XML/1998/namespace}lang", "cs")
        t.text = message
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


MTOM_ELEMENTS = frozenset({"dmEncodedContent", "dmSignature", "dmResultDoc"})


def mtom_envelope(payload: Element, soap_version: str) -> tuple[str, bytes]:
    """The answer as MTOM/XOP (multipart/related): binary elements become xop:Include
    references to raw parts, as dm_VoDZ answers a client that accepts multipart/related."""
    parts: list[tuple[str, bytes]] = []
    for el in list(payload.iter()):
        if not isinstance(el.tag, str) or etree.QName(el).localname not in MTOM_ELEMENTS:
            continue
        if el.get(XSI_NIL) == "true" or not el.text:
            continue
        data = base64.b64decode(el.text)
        cid = f"part{len(parts) + 1}@isds-simulator"
        el.text = None
        inc = etree.SubElement(el, f"{{{XOP}}}Include", nsmap={"xop": XOP})
        inc.set("href", f"cid:{cid}")
        parts.append((cid, data))
    root = envelope(payload, soap_version)
    soap_type = "text/xml" if soap_version == "1.1" else "application/soap+xml"
    boundary = "MIMEBoundary_isds_simulator"
    out = bytearray()
    out += (f"--{boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; "
            f'type="{soap_type}"\r\nContent-Transfer-Encoding: binary\r\n'
            "Content-ID: <root.message@isds-simulator>\r\n\r\n").encode()
    out += root + b"\r\n"
    for cid, data in parts:
        out += (f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Transfer-Encoding: binary\r\nContent-ID: <{cid}>\r\n\r\n"
                ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    # The boundary is a plain token, so it goes unquoted and before the quoted parameters:
    # libdatovka reads a quoted boundary at the end of the header with its closing quote
    # and the line end, and then finds no part at all.
    content_type = (f'multipart/related; boundary={boundary}; type="application/xop+xml"; '
                    f'start="<root.message@isds-simulator>"; start-info="{soap_type}"')
    return content_type, bytes(out)
