"""Safe XML parsing and the small encode/decode helpers every ISDS codec uses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import IO, Any, TypeAlias

from lxml import etree

from dso_desktop.isds.errors import ProtocolError

NS = "http://isds.czechpoint.cz/v20"
NS_ASWS = "http://isds.czechpoint.cz/v20/asws"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XOP = "http://www.w3.org/2004/08/xop/include"

# lxml ships no type stubs here; elements are typed loosely on purpose.
Element: TypeAlias = Any


def _parser(huge: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        remove_blank_text=False,
    )


def parse_xml(data: bytes | IO[bytes], *, huge: bool = False) -> Element:
    """Parse untrusted XML: no DTD, no entities, no network; a DOCTYPE is refused outright."""
    try:
        if isinstance(data, bytes | bytearray | memoryview):
            tree = etree.ElementTree(etree.fromstring(bytes(data), _parser(huge)))
        else:
            tree = etree.parse(data, _parser(huge))
    except etree.XMLSyntaxError as exc:
        raise ProtocolError(f"response is not well-formed XML: {exc}") from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ProtocolError("response contains a DOCTYPE; refused")
    return tree.getroot()


def q(name: str, ns: str = NS) -> str:
    return f"{{{ns}}}{name}"


def sub(parent: Element, name: str, value: Any = None, *, ns: str = NS) -> Element:
    """Append <name>value</name>; value None gives an empty element."""
    el = etree.SubElement(parent, q(name, ns))
    if value is not None:
        el.text = encode_value(value)
    return el


def nil(parent: Element, name: str, value: Any, *, ns: str = NS) -> Element:
    """A required-but-nillable element: the value, or xsi:nil="true" when it is None."""
    el = etree.SubElement(parent, q(name, ns))
    if value is None:
        el.set(f"{{{XSI}}}nil", "true")
    else:
        el.text = encode_value(value)
    return el


def opt(parent: Element, name: str, value: Any, *, ns: str = NS) -> Element | None:
    """An optional element (minOccurs=0): omitted when the value is None."""
    if value is None:
        return None
    return sub(parent, name, value, ns=ns)


def encode_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def format_datetime(value: datetime) -> str:
    """UTC with six fraction digits and an explicit Z (PROTOCOL.md §11 lists it as accepted)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- decoding -------------------------------------------------------------------------------


def child(el: Element | None, name: str, ns: str = NS) -> Element | None:
    if el is None:
        return None
    return el.find(q(name, ns))


def children(el: Element | None, name: str, ns: str = NS) -> list[Element]:
    if el is None:
        return []
    return el.findall(q(name, ns))


def is_nil(el: Element) -> bool:
    return el.get(f"{{{XSI}}}nil") in ("true", "1")


def text(el: Element | None, name: str | None = None, ns: str = NS) -> str | None:
    """Text of `el` (or of its child `name`); None when absent, nil or empty."""
    if name is not None:
        el = child(el, name, ns)
    if el is None or is_nil(el):
        return None
    value = el.text
    if value is None or value.strip() == "":
        return None
    return value


def text_int(el: Element | None, name: str | None = None, ns: str = NS) -> int | None:
    value = text(el, name, ns)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise ProtocolError(f"expected an integer in <{name}>, got {value!r}") from None


def parse_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise ProtocolError(f"expected a boolean, got {value!r}")


def text_bool(el: Element | None, name: str | None = None, ns: str = NS) -> bool | None:
    return parse_bool(text(el, name, ns))


def parse_datetime(value: str | None) -> datetime | None:
    """xs:dateTime as ISDS sends it; a value without a zone is taken as UTC."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    if v.endswith("Z"):
        v = v[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(v)
    except ValueError:
        raise ProtocolError(f"bad xs:dateTime {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def text_datetime(el: Element | None, name: str | None = None, ns: str = NS) -> datetime | None:
    return parse_datetime(text(el, name, ns))


def parse_date(value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    v = value.strip()[:10]  # xs:date may carry a zone suffix
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise ProtocolError(f"bad xs:date {value!r}") from None


def text_date(el: Element | None, name: str | None = None, ns: str = NS) -> date | None:
    return parse_date(text(el, name, ns))


def b64_bytes(value: str) -> bytes:
    """The bytes of an xs:base64Binary text: what ``base64.b64decode("".join(value.split()),
    validate=True)`` gives, or its ``ValueError`` (whitespace anywhere, padding only at the
    end). Canonical text (one line, as the simulator and the bench send it) decodes in one
    pass of binascii's strict mode, which accepts only text that expression decodes to the
    same bytes; anything else (line breaks: strict mode stops at the first; text to refuse)
    takes the expression itself."""
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        return base64.b64decode("".join(value.split()), validate=True)


def text_b64(el: Element | None, name: str | None = None, ns: str = NS) -> bytes | None:
    value = text(el, name, ns)
    if value is None:
        return None
    try:
        return b64_bytes(value)
    except ValueError:
        raise ProtocolError(f"bad base64 in <{name}>") from None


def fields(el: Element | None, names: Iterable[str], ns: str = NS) -> dict[str, str | None]:
    return {n: text(el, n, ns) for n in names}
