"""Bounded DER/BER pre-scan: refuse absurd lengths and deep nesting before asn1crypto parses."""

from __future__ import annotations

from dso_desktop.zfo.errors import MalformedCmsError, NotCmsError

MAX_DEPTH = 48  # real ZFOs nest about 20 levels deep (certificate extensions inside CMS)
# A ZFO has a few thousand TLVs besides its content, which ISDS writes in 1000-byte chunks,
# each a TLV of its own: a file of parse.MAX_ZFO_SIZE (512 MiB) has ~537,000 of them.
MAX_NODES = 600_000


def _header(data: bytes | memoryview, pos: int, end: int) -> tuple[int, bool, int, int | None]:
    """Parse one tag+length at ``pos``; return (header_len, constructed, tag_byte, length|None)."""
    if pos + 2 > end:
        raise MalformedCmsError("truncated ASN.1 header")
    first = data[pos]
    i = pos + 1
    if first & 0x1F == 0x1F:  # high tag number form
        for _ in range(5):
            if i >= end:
                raise MalformedCmsError("truncated ASN.1 tag")
            b = data[i]
            i += 1
            if not b & 0x80:
                break
        else:
            raise MalformedCmsError("absurd ASN.1 tag number")
    if i >= end:
        raise MalformedCmsError("truncated ASN.1 length")
    lb = data[i]
    i += 1
    length: int | None
    if lb < 0x80:
        length = lb
    elif lb == 0x80:
        length = None  # BER indefinite length
        if not first & 0x20:
            raise MalformedCmsError("indefinite length on a primitive ASN.1 value")
    else:
        n = lb & 0x7F
        if n > 8:
            raise MalformedCmsError("absurd ASN.1 length")
        if i + n > end:
            raise MalformedCmsError("truncated ASN.1 length")
        length = int.from_bytes(bytes(data[i:i + n]), "big")
        i += n
    return i - pos, bool(first & 0x20), first, length


def scan(data: bytes, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES,
         allow_trailing_zeros: bool = True) -> int:
    """Walk the whole TLV tree without recursion; return the encoded length of the root.

    Raises ``NotCmsError`` when the first byte is not a SEQUENCE and ``MalformedCmsError``
    for lengths that overrun their parent, nesting deeper than ``max_depth`` or more than
    ``max_nodes`` values. Trailing zero padding (seen in real dmQTimestamp tokens) is allowed.
    """
    view = memoryview(data)
    total = len(view)
    if total < 2 or view[0] != 0x30:
        raise NotCmsError("not a DER SEQUENCE (not a CMS file)")
    # Stack of (end offset or None for indefinite) of open constructed values.
    stack: list[int | None] = []
    pos = 0
    nodes = 0
    limit = total
    root_end: int | None = None
    while True:
        parent_end = stack[-1] if stack else None
        bound = parent_end if parent_end is not None else limit
        if stack and parent_end is not None and pos == parent_end:
            stack.pop()
            if not stack:
                root_end = pos
                break
            continue
        if pos >= bound:
            if stack and parent_end is None:
                raise MalformedCmsError("unterminated indefinite-length value")
            raise MalformedCmsError("ASN.1 value overruns its parent")
        if stack and parent_end is None and view[pos] == 0 and pos + 1 < bound and \
                view[pos + 1] == 0:
            pos += 2  # end-of-contents of an indefinite value
            stack.pop()
            if not stack:
                root_end = pos
                break
            continue
        hlen, constructed, _tag, length = _header(view, pos, bound)
        nodes += 1
        if nodes > max_nodes:
            raise MalformedCmsError("too many ASN.1 values")
        body = pos + hlen
        if length is not None and body + length > bound:
            raise MalformedCmsError("ASN.1 length beyond the end of its container")
        if constructed:
            if len(stack) >= max_depth:
                raise MalformedCmsError("ASN.1 nesting too deep")
            stack.append(None if length is None else body + length)
            pos = body
            if length == 0:
                stack.pop()
                if not stack:
                    root_end = pos
                    break
        else:
            assert length is not None
            pos = body + length
            if not stack:
                root_end = pos
                break
    if root_end is None:  # pragma: no cover - the loop only exits with root_end set
        raise MalformedCmsError("ASN.1 root not closed")
    rest = view[root_end:]
    if rest.nbytes and (not allow_trailing_zeros or any(rest.tobytes().strip(b"\x00"))):
        raise MalformedCmsError("trailing data after the CMS structure")
    return root_end
