"""SOAP 1.1/1.2 envelopes, MTOM/XOP multipart (both ways), faults and dmStatus/dbStatus."""

from __future__ import annotations

import io
import itertools
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import unquote

from lxml import etree

from dso_desktop.isds import xmlutil as X
from dso_desktop.isds.errors import ProtocolError, SoapFault, StatusError

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CHUNK = 1 << 20
PARSE_FROM_BYTES = 1 << 20  # a plain SOAP answer up to this size is parsed from memory


def envelope(body_element: X.Element, *, soap12: bool) -> bytes:
    """Serialise one operation element into a SOAP envelope (no Header, as ISDS expects)."""
    ns = SOAP12 if soap12 else SOAP11
    env = etree.Element(f"{{{ns}}}Envelope", nsmap={"soap": ns})
    body = etree.SubElement(env, f"{{{ns}}}Body")
    body.append(body_element)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def content_type(*, soap12: bool) -> str:
    return "application/soap+xml; charset=utf-8" if soap12 else "text/xml; charset=utf-8"


def operation_element(name: str, ns: str = X.NS) -> X.Element:
    return etree.Element(X.q(name, ns), nsmap={"isds": ns, "xsi": X.XSI})


# --- MTOM/XOP request body ---------------------------------------------------------------


@dataclass
class BinaryPart:
    """A binary MIME part streamed from a seekable file (offset/length) or held as bytes."""

    content_id: str
    source: IO[bytes] | bytes
    offset: int = 0
    length: int | None = None
    content_type: str = "application/octet-stream"

    def size(self) -> int:
        if isinstance(self.source, bytes):
            return len(self.source)
        if self.length is not None:
            return self.length
        self.source.seek(0, os.SEEK_END)
        return self.source.tell() - self.offset

    def iter_chunks(self) -> Iterator[bytes]:
        if isinstance(self.source, bytes):
            yield self.source
            return
        remaining = self.size()
        self.source.seek(self.offset)
        while remaining > 0:
            chunk = self.source.read(min(CHUNK, remaining))
            if not chunk:
                raise ProtocolError("attachment file ended early")
            remaining -= len(chunk)
            yield chunk

    def read(self) -> bytes:
        """The whole part as one bytes object (one read, so one copy in memory)."""
        if isinstance(self.source, bytes):
            return self.source
        size = self.size()
        self.source.seek(self.offset)
        data = self.source.read(size)
        if len(data) != size:
            raise ProtocolError("attachment file ended early")
        return data

    def copy_to(self, dst: IO[bytes]) -> int:
        n = 0
        for chunk in self.iter_chunks():
            dst.write(chunk)
            n += len(chunk)
        return n


class MultipartBody(io.RawIOBase):
    """A file-like multipart/related body with a known length, read in pieces by requests.

    The length lets requests send Content-Length instead of chunked encoding, and the file
    parts are read straight from disk, so a 100 MB upload never sits in memory.
    """

    def __init__(self, pieces: list[bytes | BinaryPart]) -> None:
        super().__init__()
        self._pieces = pieces
        self._len = sum(len(p) if isinstance(p, bytes) else p.size() for p in pieces)
        self._iter: Iterator[bytes] = self._chunks()
        self._buf = b""
        self._pos = 0
        self._consumed = 0

    def __len__(self) -> int:
        return self._len

    def _chunks(self) -> Iterator[bytes]:
        for p in self._pieces:
            if isinstance(p, bytes):
                yield p
            else:
                yield from p.iter_chunks()

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        # requests sizes the body as len() - tell(); io.RawIOBase.tell() would raise.
        return self._consumed

    def read(self, size: int | None = -1) -> bytes:
        data = self._read(size)
        self._consumed += len(data)
        return data

    def _read(self, size: int | None) -> bytes:
        view = memoryview(self._buf)[self._pos:]  # no copy of the unread rest
        if size is None or size < 0:
            self._buf, self._pos = b"", 0
            return bytes(view) + b"".join(self._iter)
        if len(view) >= size:
            self._pos += size
            return bytes(view[:size])
        pieces = [bytes(view)]
        have = len(view)
        self._buf, self._pos = b"", 0
        while have < size:
            nxt = next(self._iter, None)
            if nxt is None:
                break
            need = size - have
            if len(nxt) > need:
                pieces.append(nxt[:need])
                self._buf, self._pos = nxt, need
                break
            pieces.append(nxt)
            have += len(nxt)
        return b"".join(pieces)


def mtom_request(
    body_element: X.Element, parts: list[BinaryPart], *, soap12: bool = True
) -> tuple[MultipartBody, str]:
    """Wrap an envelope whose binary elements hold <xop:Include href="cid:..."/>."""
    boundary = f"MIMEBoundary_{uuid.uuid4().hex}"
    soap_type = "application/soap+xml" if soap12 else "text/xml"
    root_cid = f"root.{uuid.uuid4().hex}@dso-desktop"
    xml = envelope(body_element, soap12=soap12)
    head = (
        f"--{boundary}\r\n"
        f'Content-Type: application/xop+xml; charset=UTF-8; type="{soap_type}"\r\n'
        "Content-Transfer-Encoding: binary\r\n"
        f"Content-ID: <{root_cid}>\r\n\r\n"
    ).encode("ascii")
    pieces: list[bytes | BinaryPart] = [head, xml]
    for part in parts:
        pieces.append(
            (
                f"\r\n--{boundary}\r\n"
                f"Content-Type: {part.content_type}\r\n"
                "Content-Transfer-Encoding: binary\r\n"
                f"Content-ID: <{part.content_id}>\r\n\r\n"
            ).encode("ascii")
        )
        pieces.append(part)
    pieces.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
    ctype = (
        f'multipart/related; type="application/xop+xml"; boundary="{boundary}"; '
        f'start="<{root_cid}>"; start-info="{soap_type}"'
    )
    return MultipartBody(pieces), ctype


def xop_include(parent: X.Element, name: str, content_id: str) -> X.Element:
    el = X.sub(parent, name)
    inc = etree.SubElement(el, f"{{{X.XOP}}}Include", nsmap={"xop": X.XOP})
    inc.set("href", f"cid:{content_id}")
    return el


# --- responses ----------------------------------------------------------------------------


@dataclass
class SoapResponse:
    """The operation element of a response plus any MTOM parts it refers to."""

    element: X.Element
    parts: dict[str, BinaryPart] = field(default_factory=dict)
    source: IO[bytes] | None = None  # the spooled body the parts live in

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None

    def binary(self, parent: X.Element | None, name: str) -> BinaryPart | None:
        """A base64Binary child as a part: inline base64 is decoded, xop:Include resolved."""
        el = X.child(parent, name)
        if el is None or X.is_nil(el):
            return None
        inc = el.find(f"{{{X.XOP}}}Include")
        if inc is not None:
            href = inc.get("href", "")
            cid = href[4:] if href.startswith("cid:") else href
            cid = unquote(cid)
            part = self.parts.get(cid)
            if part is None:
                raise ProtocolError(f"MTOM part {cid!r} referenced by <{name}> is missing")
            return part
        try:
            data = X.b64_bytes(el.text or "")
        except ValueError:
            raise ProtocolError(f"bad base64 in <{name}>") from None
        return BinaryPart(content_id="", source=data)

    def binary_bytes(self, parent: X.Element | None, name: str) -> bytes | None:
        part = self.binary(parent, name)
        return None if part is None else part.read()


_PARAM = re.compile(r';\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"([^"]*)"|([^;\s]*))')


def _ctype_params(ctype: str) -> tuple[str, dict[str, str]]:
    main = ctype.split(";", 1)[0].strip().lower()
    params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
              for m in _PARAM.finditer(ctype)}
    return main, params


def _find_all(fh: IO[bytes], needle: bytes) -> list[int]:
    """Offsets of every occurrence of `needle` in a seekable file, read in 1 MB chunks."""
    hits: list[int] = []
    fh.seek(0)
    pos = 0
    tail = b""
    while True:
        chunk = fh.read(CHUNK)
        if not chunk:
            break
        data = tail + chunk
        start = 0
        while True:
            i = data.find(needle, start)
            if i < 0:
                break
            hits.append(pos - len(tail) + i)
            start = i + 1
        keep = len(needle) - 1
        tail = data[-keep:] if keep else b""
        pos += len(chunk)
    return sorted(set(hits))


def split_multipart(fh: IO[bytes], boundary: str) -> list[tuple[dict[str, str], BinaryPart]]:
    """Split a multipart body held in a seekable file without loading the parts."""
    delim = b"--" + boundary.encode("ascii")
    hits = _find_all(fh, delim)
    if len(hits) < 2:
        raise ProtocolError("multipart response without parts")
    parts: list[tuple[dict[str, str], BinaryPart]] = []
    for start, end in itertools.pairwise(hits):
        fh.seek(start + len(delim))
        peek = fh.read(2)
        if peek == b"--":
            break
        header_start = start + len(delim)
        fh.seek(header_start)
        head = fh.read(min(8192, end - header_start))
        sep = head.find(b"\r\n\r\n")
        if sep < 0:
            raise ProtocolError("multipart part without a header terminator")
        headers: dict[str, str] = {}
        for line in head[:sep].decode("latin-1").split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        body_start = header_start + sep + 4
        body_end = end - 2  # the CRLF before the next delimiter belongs to it
        if body_end < body_start:
            body_end = body_start
        cid = headers.get("content-id", "").strip().strip("<>")
        parts.append(
            (headers, BinaryPart(cid, fh, offset=body_start, length=body_end - body_start,
                                 content_type=headers.get("content-type", "")))
        )
    return parts


def read_response(ctype: str, fh: IO[bytes], *, operation: str, huge: bool = False) -> SoapResponse:
    """Parse a SOAP (or MTOM) response held in a seekable file; return the operation element.

    A SOAP Fault raises `SoapFault` carrying faultcode and faultstring.
    """
    main, params = _ctype_params(ctype or "")
    parts: dict[str, BinaryPart] = {}
    if main == "multipart/related":
        boundary = params.get("boundary")
        if not boundary:
            raise ProtocolError("multipart response without a boundary", operation=operation)
        split = split_multipart(fh, boundary)
        start = (params.get("start") or "").strip("<>")
        root_idx = 0
        if start:
            for i, (_h, p) in enumerate(split):
                if p.content_id == start:
                    root_idx = i
        root_part = split[root_idx][1]
        for i, (_h, p) in enumerate(split):
            if i != root_idx:
                parts[p.content_id] = p
        root = X.parse_xml(root_part.read(), huge=huge)
    else:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(0)
        # Any answer but a big download's is parsed from one read of its bytes (lxml reads
        # a file object through Python calls, a piece at a time); a big one from the file.
        root = X.parse_xml(fh.read() if size <= PARSE_FROM_BYTES else fh, huge=huge)
    return SoapResponse(_operation_element(root, operation), parts)


def _operation_element(root: X.Element, operation: str) -> X.Element:
    qn = etree.QName(root)
    if qn.localname != "Envelope" or qn.namespace not in (SOAP11, SOAP12):
        raise ProtocolError(f"not a SOAP envelope: <{qn.localname}>", operation=operation)
    body = root.find(f"{{{qn.namespace}}}Body")
    if body is None:
        raise ProtocolError("SOAP envelope without a Body", operation=operation)
    elements = [c for c in body if isinstance(c.tag, str)]
    if not elements:
        raise ProtocolError("empty SOAP Body", operation=operation)
    first = elements[0]
    if etree.QName(first).localname == "Fault":
        raise fault_error(first, operation)
    name = etree.QName(first).localname
    if name != f"{operation}Response":
        # ISDS answers an operation it does not know (2006) in a body of its own choosing;
        # its status code says more than the element name, so keep it.
        status = status_of(first, operation, required=False)
        if status.code != "0000":
            raise StatusError(f"ISDS refused {operation}", code=status.code,
                              server_message=status.message, operation=operation)
        raise ProtocolError(
            f"expected <{operation}Response>, got <{name}>", operation=operation
        )
    return first


def fault_error(fault: X.Element, operation: str) -> SoapFault:
    def find_text(path: str) -> str | None:
        found = str(fault.xpath(path)).strip()
        return found or None

    code = find_text("string(./*[local-name()='faultcode'])") or find_text(
        "string(./*[local-name()='Code']/*[local-name()='Value'])"
    )
    reason = find_text("string(./*[local-name()='faultstring'])") or find_text(
        "string(./*[local-name()='Reason']/*[local-name()='Text'])"
    )
    return SoapFault(
        "ISDS answered with a SOAP Fault",
        code=code or None,
        server_message=reason or None,
        operation=operation,
    )


@dataclass(frozen=True)
class Status:
    """dmStatus or dbStatus of a response."""

    code: str
    message: str
    ref_number: str | None = None


def status_of(element: X.Element, operation: str, *, required: bool = True) -> Status:
    """The dmStatus/dbStatus of an operation element; a missing one is a ProtocolError
    unless the schema has none for this response (GetDataBoxAddress)."""
    for prefix, ns in (("dm", X.NS), ("db", X.NS), ("db", X.NS_ASWS)):
        st = X.child(element, f"{prefix}Status", ns)
        if st is not None:
            code = X.text(st, f"{prefix}StatusCode", ns)
            if code is None:
                raise ProtocolError(f"{prefix}Status without a code", operation=operation)
            return Status(
                code.strip(),
                (X.text(st, f"{prefix}StatusMessage", ns) or "").strip(),
                X.text(st, f"{prefix}StatusRefNumber", ns),
            )
    if not required:
        return Status("0000", "")
    raise ProtocolError("response carries no dmStatus/dbStatus", operation=operation)
