"""A lean, bounds-checked DER/BER reader for the CMS fields verification needs (hot path).

asn1crypto builds a Python object per value and re-serialises on access, which costs ~50x
the cryptography itself; verification only needs a dozen fields at fixed places. Every
read here is checked against its parent's bounds, nesting follows the fixed CMS path only
(certificates are handed to `cryptography` as opaque DER), and anything unexpected raises
`MalformedCmsError`.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from operator import le, sub
from typing import Any, NamedTuple

from dso_desktop.zfo.errors import DetachedContentError, MalformedCmsError, NotCmsError

# The _cder.c contract this module (and xmlcontent, parse) calls (der_time, set_tlv_type, dict
# attributes, xml_facts, scan, cms_layout, octet_spans and signed_data's spans).
CDER_API = 6

try:  # the optional C fast path (setup.py builds it; absent: the reference alone is used)
    from dso_desktop.zfo import _cder
except ImportError:  # pragma: no cover - depends on the install
    _cder = None


def usable_extension(module: object) -> bool:
    """Whether a compiled _cder implements the contract this module calls. A build of
    another _cder.c (an editable install not rebuilt since) is not used: the reference
    gives the same results. `make` / `pip install -e .` rebuilds it."""
    return getattr(module, "API", 0) == CDER_API


if _cder is not None and not usable_extension(_cder):  # pragma: no cover - stale install
    _cder = None

MAX_INDEFINITE_DEPTH = 32
# False: every read goes through the pure-Python reference (for the differential tests).
_fast = True


@contextmanager
def reference_only() -> Iterator[None]:
    """Within the block, bypass the C fast path (tests compare both paths)."""
    global _fast
    old, _fast = _fast, False
    try:
        yield
    finally:
        _fast = old


def fast_path_available() -> bool:
    return _cder is not None


def fast_enabled() -> bool:
    """The C fast path is built and not bypassed (`reference_only`)."""
    return _cder is not None and _fast


def fast_module() -> Any:
    """The compiled ``_cder`` when the fast path is enabled, else None."""
    return _cder if _fast else None

# DER content bytes of the OIDs we act on.
OID_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")
OID_DATA = bytes.fromhex("2a864886f70d010701")
OID_TST_INFO = bytes.fromhex("2a864886f70d0109100104")
OID_CONTENT_TYPE = bytes.fromhex("2a864886f70d010903")
OID_MESSAGE_DIGEST = bytes.fromhex("2a864886f70d010904")
OID_SIGNING_TIME = bytes.fromhex("2a864886f70d010905")
OID_SIGNING_CERT = bytes.fromhex("2a864886f70d010910020c")
OID_SIGNING_CERT_V2 = bytes.fromhex("2a864886f70d010910022f")
OID_TIMESTAMP_TOKEN = bytes.fromhex("2a864886f70d010910020e")
OID_RSASSA_PSS = bytes.fromhex("2a864886f70d01010a")
HASH_OIDS = {
    bytes.fromhex("2b0e03021a"): "sha1",
    bytes.fromhex("608648016503040201"): "sha256",
    bytes.fromhex("608648016503040202"): "sha384",
    bytes.fromhex("608648016503040203"): "sha512",
    bytes.fromhex("608648016503040204"): "sha224",
}

SEQUENCE, SET, INTEGER, OCTET_STRING, OID, NULL = 0x30, 0x31, 0x02, 0x04, 0x06, 0x05
UTC_TIME, GENERALIZED_TIME = 0x17, 0x18


class Tlv(NamedTuple):
    tag: int  # the first identifier byte (low tag numbers only)
    start: int  # offset of the identifier
    body: int  # offset of the contents
    end: int  # offset after the contents (before end-of-contents of indefinite values)
    next: int  # offset of the following sibling
    indefinite: bool = False


if _cder is not None:  # the C walk builds attribute values as Tlv itself
    _cder.set_tlv_type(Tlv)


def read(buf: bytes, pos: int, limit: int, depth: int = 0) -> Tlv:
    """One TLV at ``pos`` that must end by ``limit``."""
    if pos + 2 > limit:
        raise MalformedCmsError("truncated ASN.1 value")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise MalformedCmsError("unexpected high-number ASN.1 tag")
    lb = buf[pos + 1]
    i = pos + 2
    if lb < 0x80:
        length = lb
    elif lb == 0x80:
        if not tag & 0x20:
            raise MalformedCmsError("indefinite length on a primitive value")
        if depth >= MAX_INDEFINITE_DEPTH:
            raise MalformedCmsError("ASN.1 nesting too deep")
        p = i
        while True:
            if p + 2 > limit:
                raise MalformedCmsError("unterminated indefinite-length value")
            if buf[p] == 0 and buf[p + 1] == 0:
                return Tlv(tag, pos, i, p, p + 2, True)
            p = read(buf, p, limit, depth + 1).next
    else:
        n = lb & 0x7F
        if n > 8 or i + n > limit:
            raise MalformedCmsError("absurd or truncated ASN.1 length")
        length = int.from_bytes(buf[i:i + n], "big")
        i += n
    end = i + length
    if end > limit:
        raise MalformedCmsError("ASN.1 length beyond the end of its container")
    return Tlv(tag, pos, i, end, end)


def children(buf: bytes, tlv: Tlv, max_count: int = 10_000) -> list[Tlv]:
    out = []
    p = tlv.body
    while p < tlv.end:
        child = read(buf, p, tlv.end)
        out.append(child)
        if len(out) > max_count:
            raise MalformedCmsError("too many ASN.1 values")
        p = child.next
    return out


def expect(t: Tlv, tag: int, what: str) -> Tlv:
    if t.tag != tag:
        raise MalformedCmsError(f"{what}: unexpected ASN.1 tag 0x{t.tag:02x}")
    return t


def octets(buf: bytes, t: Tlv) -> bytes:
    """Contents of an OCTET STRING, primitive or constructed (BER chunks: ISDS writes 1000
    bytes a chunk, so any number of them; each takes at least two bytes of ``buf``)."""
    if t.tag == OCTET_STRING:
        return buf[t.body:t.end]
    view = memoryview(buf)
    # Views of the chunks, joined once: the result is the only copy (a message of hundreds
    # of MB would otherwise be held twice while its chunks are joined).
    return b"".join([view[c.body:c.end] for c in _chunks(buf, t)])


def _chunks(buf: bytes, t: Tlv) -> list[Tlv]:
    """The primitive chunks of an OCTET STRING, in order (constructed ones opened)."""
    if t.tag == OCTET_STRING:
        return [t]
    if t.tag != OCTET_STRING | 0x20:
        raise MalformedCmsError(f"expected an OCTET STRING, found tag 0x{t.tag:02x}")
    out: list[Tlv] = []
    for c in children(buf, t, len(buf)):
        out += _chunks(buf, c)
    return out


class Pieces:
    """Bytes made of ranges of one buffer, in order: the contents of a BER OCTET STRING
    (ISDS seals a message's content in 1000-byte chunks), read where they lie in the file.

    Read like a memoryview: ``len``, slices that share the buffer (no copy), ``bytes()``
    (the join: the only copy, made only when asked). `views` gives the ranges for hashing
    or decoding piece by piece; a 300 MB content is then never held a second time.
    """

    __slots__ = ("_buf", "_cum", "_hi", "_lo", "_spans")

    def __init__(self, buf: bytes, spans: array[int], cum: array[int], lo: int, hi: int
                 ) -> None:
        self._buf = buf
        self._spans = spans  # flat (start, end) offsets of each piece in buf
        self._cum = cum  # cum[i]: offset of piece i in the joined bytes; cum[-1]: the length
        self._lo = lo
        self._hi = hi

    @classmethod
    def from_spans(cls, buf: bytes, spans: bytes | list[int]) -> Pieces:
        """The pieces buf[s0:e0], buf[s1:e1], ... of flat (start, end) offsets (native
        int64 bytes, as `_cder.octet_spans` returns them, or a list)."""
        flat = array("q")
        if isinstance(spans, bytes):
            flat.frombytes(spans)
        else:
            flat.extend(spans)
        starts, ends = flat[0::2], flat[1::2]
        if len(starts) != len(ends) or not all(map(le, starts, ends)) or (
                flat and (min(starts) < 0 or max(ends) > len(buf))):
            raise ValueError("pieces outside the buffer")
        cum = array("q", accumulate(map(sub, ends, starts), initial=0))
        return cls(buf, flat, cum, 0, cum[-1])

    @classmethod
    def whole(cls, buf: bytes) -> Pieces:
        """All of ``buf`` as one piece."""
        return cls.from_spans(buf, [0, len(buf)])

    def __len__(self) -> int:
        return self._hi - self._lo

    def __getitem__(self, key: slice) -> Pieces:
        start, stop, step = key.indices(self._hi - self._lo)
        if step != 1:
            raise ValueError("Pieces slices have no step")
        return Pieces(self._buf, self._spans, self._cum, self._lo + start,
                      self._lo + max(start, stop))

    def views(self) -> Iterator[memoryview]:
        """The bytes in order, as views of the buffer (empty pieces skipped)."""
        pos, hi, cum, spans = self._lo, self._hi, self._cum, self._spans
        if pos >= hi:
            return
        view = memoryview(self._buf)
        i = bisect_right(cum, pos) - 1  # the piece holding pos: cum[i] <= pos < cum[i + 1]
        while pos < hi:
            first, upto = cum[i], min(hi, cum[i + 1])
            if upto > pos:
                yield view[spans[2 * i] + pos - first:spans[2 * i] + upto - first]
                pos = upto
            i += 1

    def tobytes(self) -> bytes:
        """The bytes joined (a copy of them all)."""
        cder = fast_module()
        if cder is not None:  # one C pass (a 4 MiB window is ~4,000 pieces)
            return bytes(cder.gather(self._buf, self._spans, self._cum, self._lo, self._hi))
        return b"".join(self.views())

    def windows(self, size: int = 4 << 20) -> Iterator[bytes]:
        """The bytes in order, ``size`` bytes joined at a time (for hashing, decoding)."""
        for start in range(0, len(self), size):
            yield self[start:start + size].tobytes()

    __bytes__ = tobytes

    def __eq__(self, other: object) -> bool:
        """Equal to bytes, a memoryview or Pieces of the same bytes (as a memoryview is);
        compared a window at a time, never joined whole."""
        if not isinstance(other, Pieces | bytes | bytearray | memoryview):
            return NotImplemented
        if len(self) != len(other):
            return False
        theirs = other if isinstance(other, Pieces) else memoryview(other)
        size = 4 << 20
        for start in range(0, len(self), size):
            window = theirs[start:start + size]
            if self[start:start + size].tobytes() != (
                    window.tobytes() if isinstance(window, Pieces) else window):
                return False
        return True

    def __hash__(self) -> int:  # as a read-only memoryview's: the hash of the bytes
        return hash(self.tobytes())

    def same_place(self, other: Pieces) -> bool:
        """Whether ``other`` is the same ranges of the same buffer object (so the same
        bytes, read from the same places of the same file)."""
        return (self._buf is other._buf and self._lo == other._lo and self._hi == other._hi
                and self._spans == other._spans)


def octet_pieces(buf: bytes, t: Tlv, max_depth: int = MAX_INDEFINITE_DEPTH) -> Pieces | None:
    """The contents of the OCTET STRING ``t`` as `Pieces` of ``buf``: the bytes `octets`
    joins, none copied. None when a piece is neither a primitive nor a constructed OCTET
    STRING or constructed ones nest ``max_depth`` deep (`octets` raises or reads them)."""
    if _cder is not None and _fast:
        spans = _cder.octet_spans(buf, t.start, t.next, max_depth)
        if spans is not None:
            return Pieces.from_spans(buf, spans)
    return octet_pieces_reference(buf, t, max_depth)


def octet_pieces_reference(buf: bytes, t: Tlv, max_depth: int = MAX_INDEFINITE_DEPTH
                           ) -> Pieces | None:
    """The pure-Python reading of `octet_pieces` (its reference), over `_chunks`' walk."""
    flat: list[int] = []

    def walk(v: Tlv, depth: int) -> bool:
        if v.tag == OCTET_STRING:
            flat.extend((v.body, v.end))
            return True
        if v.tag != OCTET_STRING | 0x20 or depth >= max_depth:
            return False
        # a loop, not all(<generator>): one frame a level, as `_chunks`, so as deep
        for c in children(buf, v, len(buf)):  # noqa: SIM110
            if not walk(c, depth + 1):
                return False
        return True

    try:
        return Pieces.from_spans(buf, flat) if walk(t, 0) else None
    except MalformedCmsError:
        return None


def oid(buf: bytes, t: Tlv) -> bytes:
    return buf[expect(t, OID, "object identifier").body:t.end]


def der(buf: bytes, t: Tlv) -> bytes:
    """The value's own encoding (for definite-length values: exact DER)."""
    if t.indefinite:
        raise MalformedCmsError("indefinite length where DER is required")
    return buf[t.start:t.end]


def parse_time(buf: bytes, t: Tlv) -> datetime:
    """An aware UTC datetime from a UTCTime or GeneralizedTime value."""
    if _cder is not None and _fast:
        when = _cder.der_time(buf, t.tag, t.body, t.end)
        if when is not None:
            return when
    return parse_time_reference(buf, t)


def parse_time_reference(buf: bytes, t: Tlv) -> datetime:
    """The pure-Python reading (the reference of the C fast path)."""
    text = buf[t.body:t.end].decode("ascii", errors="replace")
    try:
        if t.tag == UTC_TIME and len(text) == 13 and text[-1] == "Z" and text[:12].isdigit():
            year = int(text[:2])
            year += 1900 if year >= 50 else 2000
            return datetime(year, int(text[2:4]), int(text[4:6]), int(text[6:8]),
                            int(text[8:10]), int(text[10:12]), tzinfo=UTC)
        if t.tag == GENERALIZED_TIME and text[-1:] == "Z" and len(text) >= 15:
            main, _, frac = text[:-1].partition(".")
            if len(main) != 14 or not main.isdigit() or (frac and not frac.isdigit()):
                raise ValueError(text)
            return datetime(int(main[:4]), int(main[4:6]), int(main[6:8]), int(main[8:10]),
                            int(main[10:12]), int(main[12:14]),
                            int(frac[:6].ljust(6, "0")) if frac else 0, tzinfo=UTC)
    except ValueError:
        pass
    raise MalformedCmsError(f"bad ASN.1 time {text[:30]!r}")


@dataclass(slots=True)  # three per verdict (the seal, its timestamp, dmQTimestamp)
class SignerParts:
    """One SignedData with a single SignerInfo, reduced to what verification uses."""

    econtent_type: bytes  # OID contents
    content: bytes | Pieces | None  # Pieces: read with lean=True (where it lies in buf)
    certs: list[bytes]
    sid_issuer: bytes | None  # DER of the issuer Name (issuerAndSerialNumber)
    sid_serial: int | None
    sid_ski: bytes | None
    digest: str
    signed_attrs_set: bytes | None  # DER of the attributes with the SET tag (signed bytes)
    attrs: dict[bytes, list[Tlv]] = field(default_factory=dict)
    sig_alg: bytes = b""
    sig_alg_params: bytes | None = None  # DER of the parameters (RSASSA-PSS only)
    signature: bytes = b""
    unsigned: dict[bytes, list[Tlv]] = field(default_factory=dict)
    buf: bytes = b""


def _attributes(buf: bytes, t: Tlv) -> dict[bytes, list[Tlv]]:
    out: dict[bytes, list[Tlv]] = {}
    for a in children(buf, t, 100):
        parts = children(buf, expect(a, SEQUENCE, "attribute"), 2)
        if len(parts) != 2:
            raise MalformedCmsError("attribute must have a type and values")
        key = oid(buf, parts[0])
        if key in out:
            raise MalformedCmsError("duplicate CMS attribute")
        out[key] = children(buf, expect(parts[1], SET, "attribute values"), 10)
    return out


def signed_data(buf: bytes, *, allow_trailing_zeros: bool = True, lean: bool = False
                ) -> SignerParts:
    """Read ContentInfo(SignedData) with exactly one signer from ``buf``.

    The C walk (``_cder``) reads plain DER; anything else (BER, errors) goes to the
    reference below, so results and error messages are the reference's. ``lean``: the
    eContent as `Pieces` of ``buf`` (the same bytes, where they lie) instead of a copy.
    """
    if _cder is not None and _fast:
        fields = _cder.signed_data(buf, allow_trailing_zeros, lean)
        if fields is not None and fields[6] in HASH_OIDS:
            (etype, content, certs, issuer, serial, ski, dig, sattrs, attrs, sig_alg, params,
             signature, unsigned) = fields
            if lean and content is not None:
                content = Pieces.from_spans(buf, content)
            return SignerParts(
                etype, content, certs, issuer,
                None if serial is None else int.from_bytes(serial, "big", signed=True), ski,
                HASH_OIDS[dig], sattrs, attrs, sig_alg, params, signature, unsigned, buf)
    return signed_data_reference(buf, allow_trailing_zeros=allow_trailing_zeros, lean=lean)


def signed_data_reference(buf: bytes, *, allow_trailing_zeros: bool = True,
                          lean: bool = False) -> SignerParts:
    """The pure-Python reader: the reference the C fast path is tested against."""
    if len(buf) < 2 or buf[0] != SEQUENCE:
        raise NotCmsError("not a DER SEQUENCE (not a CMS file)")
    top = read(buf, 0, len(buf))
    rest = buf[top.next:]
    if rest and (not allow_trailing_zeros or rest.strip(b"\x00")):
        raise MalformedCmsError("trailing data after the CMS structure")
    ci = children(buf, top, 4)
    if len(ci) != 2 or oid(buf, ci[0]) != OID_SIGNED_DATA:
        raise NotCmsError("not a CMS SignedData")
    explicit = expect(ci[1], 0xA0, "content")
    (sd_tlv,) = children(buf, explicit, 1) or [None]  # type: ignore[list-item]
    if sd_tlv is None:
        raise MalformedCmsError("empty SignedData")
    sd = children(buf, expect(sd_tlv, SEQUENCE, "SignedData"), 8)
    if len(sd) < 4:
        raise MalformedCmsError("SignedData too short")
    # version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
    expect(sd[0], INTEGER, "version")
    expect(sd[1], SET, "digestAlgorithms")
    eci = children(buf, expect(sd[2], SEQUENCE, "encapContentInfo"), 2)
    econtent_type = oid(buf, eci[0])
    content: bytes | Pieces | None = None
    if len(eci) == 2:
        wrapped = children(buf, expect(eci[1], 0xA0, "eContent"), 1)
        if len(wrapped) != 1:
            raise MalformedCmsError("eContent must hold one OCTET STRING")
        # lean: the same walk as `octets` (any depth); where it refuses, `octets` raises
        content = octet_pieces_reference(buf, wrapped[0], len(buf)) if lean else None
        if content is None:
            content = octets(buf, wrapped[0])
    certs: list[bytes] = []
    signer_infos: Tlv | None = None
    for t in sd[3:]:
        if t.tag == 0xA0:
            certs = [der(buf, c) for c in children(buf, t, 50) if c.tag == SEQUENCE]
        elif t.tag == 0xA1:
            continue  # CRLs: not used (no revocation checking)
        elif t.tag == SET:
            signer_infos = t
    if signer_infos is None:
        raise MalformedCmsError("SignedData has no signerInfos")
    sis = children(buf, signer_infos, 2)
    if len(sis) != 1:
        raise MalformedCmsError("exactly one signer expected")
    return _signer_info(buf, sis[0], econtent_type, content, certs)


def encapsulated(buf: bytes, content_type: bytes) -> bytes:
    """Only the encapsulated content of a SignedData (no signer parsing): for reading
    a token whose signature is not checked here."""
    if _cder is not None and _fast:
        content = _cder.encapsulated(buf, content_type)
        if content is not None:
            return content
    return encapsulated_reference(buf, content_type)


def encapsulated_reference(buf: bytes, content_type: bytes) -> bytes:
    """The pure-Python reader (the reference of the C fast path)."""
    top = read(buf, 0, len(buf))
    if buf[top.next:].strip(b"\x00"):
        raise MalformedCmsError("trailing data after the CMS structure")
    ci = children(buf, expect(top, SEQUENCE, "ContentInfo"), 4)
    if len(ci) != 2 or oid(buf, ci[0]) != OID_SIGNED_DATA:
        raise MalformedCmsError("not a CMS SignedData")
    inner = children(buf, expect(ci[1], 0xA0, "content"), 1)
    if len(inner) != 1:
        raise MalformedCmsError("empty SignedData")
    sd_tlv = expect(inner[0], SEQUENCE, "SignedData")
    p = sd_tlv.body
    fields = []
    for _ in range(3):  # version, digestAlgorithms, encapContentInfo
        t = read(buf, p, sd_tlv.end)
        fields.append(t)
        p = t.next
    eci = children(buf, expect(fields[2], SEQUENCE, "encapContentInfo"), 2)
    if len(eci) != 2 or oid(buf, eci[0]) != content_type:
        raise MalformedCmsError("unexpected encapsulated content")
    wrapped = children(buf, expect(eci[1], 0xA0, "eContent"), 1)
    if len(wrapped) != 1:
        raise MalformedCmsError("eContent must hold one OCTET STRING")
    return octets(buf, wrapped[0])


def _signer_info(buf: bytes, si_tlv: Tlv, econtent_type: bytes,
                 content: bytes | Pieces | None,
                 certs: list[bytes]) -> SignerParts:
    si = children(buf, expect(si_tlv, SEQUENCE, "SignerInfo"), 8)
    if len(si) < 5:
        raise MalformedCmsError("SignerInfo too short")
    sid_issuer = sid_ski = None
    sid_serial = None
    sid = si[1]
    if sid.tag == SEQUENCE:
        ias = children(buf, sid, 2)
        if len(ias) != 2:
            raise MalformedCmsError("bad issuerAndSerialNumber")
        sid_issuer = der(buf, expect(ias[0], SEQUENCE, "issuer"))
        sid_serial = int.from_bytes(buf[expect(ias[1], INTEGER, "serial").body:ias[1].end],
                                    "big", signed=True)
    elif sid.tag == 0x80:
        sid_ski = buf[sid.body:sid.end]
    else:
        raise MalformedCmsError("unknown signer identifier")
    digest_alg = children(buf, expect(si[2], SEQUENCE, "digestAlgorithm"), 2)
    digest = HASH_OIDS.get(oid(buf, digest_alg[0]))
    if digest is None:
        raise MalformedCmsError("unsupported digest algorithm")
    idx = 3
    signed_attrs_set = None
    attrs: dict[bytes, list[Tlv]] = {}
    if si[idx].tag == 0xA0:
        a = si[idx]
        if a.indefinite:
            raise MalformedCmsError("signed attributes must be DER")
        signed_attrs_set = b"\x31" + buf[a.start + 1:a.end]
        attrs = _attributes(buf, a)
        idx += 1
    if idx + 1 >= len(si):
        raise MalformedCmsError("SignerInfo lacks signature")
    sig_alg_parts = children(buf, expect(si[idx], SEQUENCE, "signatureAlgorithm"), 2)
    sig_alg = oid(buf, sig_alg_parts[0])
    params = der(buf, sig_alg_parts[1]) if len(sig_alg_parts) > 1 and \
        sig_alg_parts[1].tag != NULL else None
    signature = buf[expect(si[idx + 1], OCTET_STRING, "signature").body:si[idx + 1].end]
    unsigned: dict[bytes, list[Tlv]] = {}
    if idx + 2 < len(si) and si[idx + 2].tag == 0xA1:
        unsigned = _attributes(buf, si[idx + 2])
    if content is None and econtent_type == OID_DATA:
        raise DetachedContentError("the CMS has no encapsulated content (detached signature)")
    return SignerParts(econtent_type, content, certs, sid_issuer, sid_serial, sid_ski, digest,
                       signed_attrs_set, attrs, sig_alg, params, signature, unsigned, buf)


def token_parts(buf: bytes, t: Tlv) -> SignerParts:
    """The SignedData of an RFC 3161 token stored as an attribute value."""
    return signed_data(der(buf, t), allow_trailing_zeros=False)


class TstInfo(NamedTuple):
    # A NamedTuple (immutable as the frozen dataclass it was): read twice per verdict, and
    # a frozen dataclass's __init__ cost more than the C walk that fills it.
    hash_algorithm: str
    imprint: bytes
    gen_time: datetime
    serial: int


def tst_info(data: bytes | Pieces) -> TstInfo:
    if isinstance(data, Pieces):  # a token's TSTInfo is small; never read lean in practice
        data = data.tobytes()
    if _cder is not None and _fast:
        fields = _cder.tst_info(data)
        if fields is not None and fields[0] in HASH_OIDS:
            alg, imprint, serial, gen_time = fields
            # parse_time's C reading, without building a Tlv (twice per verdict)
            when = _cder.der_time(gen_time, GENERALIZED_TIME, 0, len(gen_time))
            if when is None:
                when = parse_time_reference(
                    gen_time, Tlv(GENERALIZED_TIME, 0, 0, len(gen_time), len(gen_time)))
            return TstInfo(HASH_OIDS[alg], imprint, when,
                           int.from_bytes(serial, "big", signed=True))
    return tst_info_reference(data)


def tst_info_reference(data: bytes) -> TstInfo:
    """The pure-Python reader of a TSTInfo (the reference of the C fast path)."""
    top = read(data, 0, len(data))
    if top.next != len(data):
        raise MalformedCmsError("trailing data after TSTInfo")
    f = children(data, expect(top, SEQUENCE, "TSTInfo"), 12)
    if len(f) < 5:
        raise MalformedCmsError("TSTInfo too short")
    mi = children(data, expect(f[2], SEQUENCE, "messageImprint"), 2)
    alg = children(data, expect(mi[0], SEQUENCE, "hashAlgorithm"), 2)
    name = HASH_OIDS.get(oid(data, alg[0]))
    if name is None or len(mi) != 2:
        raise MalformedCmsError("unsupported messageImprint")
    serial = int.from_bytes(data[expect(f[3], INTEGER, "serial").body:f[3].end], "big",
                            signed=True)
    return TstInfo(name, data[expect(mi[1], OCTET_STRING, "imprint").body:mi[1].end],
                   parse_time(data, expect(f[4], GENERALIZED_TIME, "genTime")), serial)
