"""Parse ZFO bytes (DER CMS SignedData around ISDS XML) without trusting them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from asn1crypto import cms, tsp, x509

from dso_desktop.zfo import der, fastcms
from dso_desktop.zfo.errors import (
    DetachedContentError,
    MalformedCmsError,
    NotCmsError,
    TooLargeError,
    ZfoError,
)
from dso_desktop.zfo.model import CertInfo, TimestampInfo, Zfo
from dso_desktop.zfo.xmlcontent import read_content

# A VoDZ may carry 100 MB of attachments, i.e. ~134 MB of base64 plus the envelope; the 2022
# design allowed more, so leave generous room while still refusing absurd files early.
MAX_ZFO_SIZE = 512 * 1024 * 1024
# Above this size parse_zfo reads the eContent with the lean DER reader (see _skeleton).
_LEAN_MIN = 1024 * 1024
OID_TST_TOKEN = "1.2.840.113549.1.9.16.2.14"  # noqa: S105 - an OID, not a secret

# Exceptions asn1crypto (and our own use of its values) raise on broken input.
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError,
                UnicodeError, RecursionError, NotImplementedError)


def _name(name: x509.Name) -> str:
    try:
        return str(name.human_friendly)
    except _ASN1_ERRORS:
        return "(unreadable name)"


def cert_info(cert: x509.Certificate) -> CertInfo:
    """A CertInfo from an asn1crypto certificate (fields read defensively).

    The same few certificates (the ISDS seal, its TSA) sign every ZFO, so the result is
    remembered by the certificate's exact bytes.
    """
    return _cert_info_of(cert.dump())


@lru_cache(maxsize=256)
def _cert_info_of(der_bytes: bytes) -> CertInfo:
    return _cert_info(x509.Certificate.load(der_bytes))


@lru_cache(maxsize=256)
def _cert_id(der_bytes: bytes) -> tuple[int, bytes, bytes | None]:
    """(serial, issuer DER, subject key identifier) of a certificate, by its bytes."""
    c = x509.Certificate.load(der_bytes)
    return c.serial_number, c.issuer.dump(), c.key_identifier


def _cert_info(cert: x509.Certificate) -> CertInfo:
    subject = cert.subject
    native = subject.native if isinstance(subject.native, dict) else {}
    cn = native.get("common_name")
    org = native.get("organization_name")
    validity = cert["tbs_certificate"]["validity"]
    return CertInfo(
        subject=_name(subject),
        common_name=cn if isinstance(cn, str) else None,
        organization=org if isinstance(org, str) else None,
        issuer=_name(cert.issuer),
        serial=int(cert.serial_number),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        sha256=hashlib.sha256(cert.dump()).hexdigest(),
        der=cert.dump(),
    )


def signed_attr(signer_info: cms.SignerInfo, name: str) -> Any:
    attrs = signer_info["signed_attrs"]
    if not attrs:
        return None
    for a in attrs:
        if a["type"].native == name:
            values = a["values"]
            if len(values) != 1:
                raise MalformedCmsError(f"signed attribute {name} must have one value")
            return values[0]
    return None


def find_signer_cert(signed: cms.SignedData, signer_info: cms.SignerInfo
                     ) -> x509.Certificate | None:
    sid = signer_info["sid"]
    certs = [c.chosen for c in signed["certificates"] or ()
             if c.name == "certificate"]
    if sid.name == "issuer_and_serial_number":
        want_issuer = sid.chosen["issuer"].dump()
        want_serial = sid.chosen["serial_number"].native
        for c in certs:
            serial, issuer, _ = _cert_id(c.dump())
            if serial == want_serial and issuer == want_issuer:
                return c
    elif sid.name == "subject_key_identifier":
        for c in certs:
            if _cert_id(c.dump())[2] == sid.chosen.native:
                return c
    return None


def parse_timestamp_token(token: cms.ContentInfo) -> TimestampInfo:
    """Read an RFC 3161 token (a CMS SignedData over TSTInfo) without verifying it."""
    if token["content_type"].native != "signed_data":
        raise MalformedCmsError("timestamp token is not a SignedData")
    sd = token["content"]
    eci = sd["encap_content_info"]
    if eci["content_type"].native != "tst_info" or eci["content"].native is None:
        raise MalformedCmsError("timestamp token does not carry a TSTInfo")
    raw_tst = eci["content"].contents
    der.scan(raw_tst, allow_trailing_zeros=False)
    tst = tsp.TSTInfo.load(raw_tst)
    imprint = tst["message_imprint"]
    sis = sd["signer_infos"]
    if len(sis) != 1:
        raise MalformedCmsError("timestamp token must have exactly one signer")
    tsa_cert = find_signer_cert(sd, sis[0])
    return TimestampInfo(
        gen_time=tst["gen_time"].native,
        hash_algorithm=imprint["hash_algorithm"]["algorithm"].native,
        imprint=imprint["hashed_message"].native,
        serial=int(tst["serial_number"].native),
        policy=tst["policy"].dotted,
        tsa=cert_info(tsa_cert) if tsa_cert is not None else None,
        der=token.dump(),
    )


def load_signed_data(data: bytes) -> cms.SignedData:
    """Pre-scan and load the outer CMS; raise NotCms/MalformedCms/DetachedContent."""
    der.scan(data)
    info = cms.ContentInfo.load(data, strict=False)
    if info["content_type"].native != "signed_data":
        raise NotCmsError(f"CMS content type is {info['content_type'].native}, not SignedData")
    signed = info["content"]
    eci = signed["encap_content_info"]
    if eci["content_type"].native != "data":
        raise MalformedCmsError("encapsulated content is not pkcs7-data")
    if eci["content"].native is None:
        raise DetachedContentError("the CMS has no encapsulated content (detached signature)")
    if len(signed["signer_infos"]) != 1:
        raise MalformedCmsError("a ZFO has exactly one signer")
    return signed


def parse_zfo(data: bytes, *, max_size: int = MAX_ZFO_SIZE) -> Zfo:
    """Parse a ZFO. Raises only ``ZfoError`` subclasses; verifies nothing."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_zfo takes bytes")
    data = bytes(data)
    if len(data) > max_size:
        raise TooLargeError(f"file has {len(data)} bytes, more than the {max_size} allowed")
    try:
        return _parse(data)
    except ZfoError:
        raise
    except _ASN1_ERRORS as exc:
        raise MalformedCmsError(f"broken CMS structure: {type(exc).__name__}: {exc}") from None


def _encode_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _skeleton(data: bytes) -> tuple[bytes, memoryview | fastcms.Pieces] | None:
    """Split a big ZFO into (CMS with an empty eContent, the eContent bytes).

    asn1crypto slices (copies) the contents at every nesting level it parses, so the message
    would be held about five times over; and it joins a chunked (BER) OCTET STRING by adding
    each chunk to what it has so far, which takes time quadratic in the number of chunks
    (ISDS writes 1000-byte chunks: minutes for a 60 MB message). The lean reader finds the
    eContent without copying (a DER OCTET STRING: a view of ``data``; BER, as ISDS seals, an
    indefinite OCTET STRING of primitive chunks: `fastcms.Pieces` of ``data``, never joined;
    nested chunks, which asn1crypto reads only to a depth of its own, are left to it), and
    asn1crypto then parses only the small rest around an empty eContent. Returns None for
    any shape this does not cover (a damaged or unexpected layout): the caller then takes
    the full asn1crypto path, so errors stay exactly as they were.
    """
    try:
        ci = fastcms.read(data, 0, len(data))
        if ci.tag != 0x30 or len(data) - ci.next > 65536:
            return None
        ci_kids = fastcms.children(data, ci)
        if len(ci_kids) != 2 or ci_kids[1].tag != 0xA0:
            return None
        a0 = ci_kids[1]
        sd_kids = fastcms.children(data, a0)
        if len(sd_kids) != 1 or sd_kids[0].tag != 0x30:
            return None
        sd = sd_kids[0]
        eci = next((t for t in fastcms.children(data, sd) if t.tag == 0x30), None)
        if eci is None:
            return None
        eci_kids = fastcms.children(data, eci)
        if len(eci_kids) != 2 or eci_kids[1].tag != 0xA0:
            return None
        e0 = eci_kids[1]
        os_kids = fastcms.children(data, e0)
        if len(os_kids) != 1:
            return None
        octets = os_kids[0]
        content: memoryview | fastcms.Pieces
        if octets.tag == fastcms.OCTET_STRING:
            # The content as a view of ``data``: the XML reader copies only what is small.
            content = memoryview(data)[octets.body:octets.end]
        else:
            # BER: the chunks where they lie in ``data``, never joined (the XML reader and
            # the digests read them piece by piece).
            if octets.tag != fastcms.OCTET_STRING | 0x20 or not octets.indefinite:
                return None
            pieces = fastcms.octet_pieces(data, octets, max_depth=1)
            if pieces is None:
                return None
            content = pieces
    except ZfoError:
        return None
    # The containers around the content re-encoded around an empty eContent, each in the
    # form it has in the file: asn1crypto counts the nesting of indefinite lengths from the
    # outermost one (it refuses more than ten), so a value nested beside the content is seen
    # as deep as in the file.
    inner = b"\x04\x00"
    child_start, child_end = octets.start, octets.next
    for t in (e0, eci, sd, a0, ci):
        body = data[t.body:child_start] + inner + data[child_end:t.end]
        tag = data[t.start:t.start + 1]
        inner = (tag + b"\x80" + body + b"\x00\x00" if t.indefinite
                 else tag + _encode_len(len(body)) + body)
        child_start, child_end = t.start, t.next
    return inner + data[ci.next:], content


def _parse(data: bytes) -> Zfo:
    cms_facts = _cms_fast(data) if len(data) <= _LEAN_MIN else None
    if cms_facts is None:
        cms_facts = _cms_reference(data)
    content, signer, signing_time, timestamp, digest_algorithm = cms_facts
    fields = read_content(content)
    return Zfo(
        raw=data,
        content_xml=content,
        signer=signer,
        signing_time=signing_time,
        timestamp=timestamp,
        digest_algorithm=digest_algorithm,
        **fields,
    )


# What parse_zfo reads from the CMS: (eContent, signer, signing time, CAdES timestamp,
# digest algorithm name).
_CmsFacts = tuple[bytes | memoryview | fastcms.Pieces, CertInfo | None, datetime | None,
                  TimestampInfo | None, str]


def _cms_reference(data: bytes) -> _CmsFacts:
    """The CMS read through ``der.scan`` and asn1crypto: the reference of `_cms_fast`."""
    content: Any = None
    split = _skeleton(data) if len(data) > _LEAN_MIN else None
    if split is not None:
        try:
            der.scan(data)  # the full pre-scan, exactly as the asn1crypto path runs it
            signed = load_signed_data(split[0])
            content = split[1]
        except (ZfoError, *_ASN1_ERRORS):
            split = None
    if split is None:
        signed = load_signed_data(data)
        content = signed["encap_content_info"]["content"].native
    if not isinstance(content, bytes | memoryview | fastcms.Pieces):
        raise MalformedCmsError("encapsulated content is not an OCTET STRING")
    si = signed["signer_infos"][0]
    cert = find_signer_cert(signed, si)
    signing_time: datetime | None = None
    st = signed_attr(si, "signing_time")
    if st is not None:
        signing_time = st.native
    timestamp: TimestampInfo | None = None
    for attr in si["unsigned_attrs"] or ():
        if attr["type"].dotted == OID_TST_TOKEN:
            values = attr["values"]
            if len(values) != 1:
                raise MalformedCmsError("timestamp attribute must have one value")
            timestamp = parse_timestamp_token(values[0])
    return (content, cert_info(cert) if cert is not None else None, signing_time, timestamp,
            si["digest_algorithm"]["algorithm"].native)


# -- the fast path: the same facts through the C reader (_cder) -----------------------------
# `_cms_fast` returns exactly what `_cms_reference` returns, or None whenever it is not sure
# of that (any shape, encoding or value the reference might read differently or refuse);
# the caller then runs the reference, which gives the result or the error. So the fast path
# never produces an error of its own, and every check of the reference still decides.


def _cms_fast(data: bytes) -> _CmsFacts | None:
    cder = fastcms.fast_module()
    if cder is None:
        return None
    try:
        return _cms_fast_read(cder, data)
    except Exception:  # anything unexpected (a certificate asn1crypto refuses): the reference
        return None


def _cms_fast_read(cder: Any, data: bytes) -> _CmsFacts | None:
    # der.scan(data), then asn1crypto's reading of the outer SignedData (load_signed_data)
    if cder.scan(data, True, der.MAX_DEPTH, der.MAX_NODES) is None:
        return None
    # asn1crypto reads a v1 SignedData's eContent through PKCS#7's ContentInfo: for pkcs7-data
    # that gives the same bytes, so every version reads alike here.
    parts = _signed_parts(cder, data, True)
    if parts is None or parts[0] != fastcms.OID_DATA or parts[1] is None:
        return None
    (_, content, certs, issuer, serial, ski, digest, _, attrs, _, _, _, unsigned) = parts
    digest_name = fastcms.HASH_OIDS.get(digest)
    if digest_name is None:
        return None
    cert = _find_cert(certs, issuer, serial, ski)
    signing_time: datetime | None = None
    values = attrs.get(fastcms.OID_SIGNING_TIME)
    if values is not None:
        if len(values) != 1:
            return None
        signing_time = _time(data, values[0])
        if signing_time is None:
            return None
    timestamp: TimestampInfo | None = None
    values = unsigned.get(fastcms.OID_TIMESTAMP_TOKEN)
    if values is not None:
        if len(values) != 1 or values[0].tag != fastcms.SEQUENCE:
            return None
        timestamp = _timestamp_fast(cder, data[values[0].start:values[0].end])
        if timestamp is None:
            return None
    return (content, _cert_info_of(cert) if cert is not None else None, signing_time,
            timestamp, digest_name)


def _signed_parts(cder: Any, buf: bytes, allow_trailing_zeros: bool, *,
                  v1: bool = True) -> tuple[Any, ...] | None:
    """`_cder.signed_data`'s fields when asn1crypto reads the same SignedData: its layout
    (`_cder.cms_layout`; ``v1``: whether a version 1 is read the same) and every attribute
    type in canonical DER (asn1crypto compares attribute types as dotted strings, the C
    reader as bytes)."""
    fields = cder.signed_data(buf, allow_trailing_zeros)
    if fields is None:
        return None
    layout = cder.cms_layout(buf)
    if layout is None:
        return None
    version, attribute_certs = layout
    if version == 1 and not v1:
        return None
    # find_signer_cert iterates over every certificate choice, and asn1crypto checks a [1]
    # (an attribute certificate: v1, or v2 by its version) as it builds it; the same check
    # here. What it refuses raises, and the caller falls back to the reference, which
    # raises the error. Its contents are not read further (find_signer_cert skips it).
    for start, end in attribute_certs:
        cms.CertificateChoices.load(buf[start:end])
    if not all(map(_canonical_oid, fields[8])) or not all(map(_canonical_oid, fields[12])):
        return None
    return tuple(fields)


@lru_cache(maxsize=256)
def _canonical_oid(raw: bytes) -> bool:
    """Whether OID contents are minimal DER (no 0x80 opening a subidentifier, the last
    byte closing one): then equal bytes are equal dotted strings and the other way round."""
    if not raw or raw[-1] & 0x80:
        return False
    return all(b != 0x80 or (i and raw[i - 1] & 0x80) for i, b in enumerate(raw))


@lru_cache(maxsize=256)
def _dotted(raw: bytes) -> str | None:
    """asn1crypto's dotted form of canonical OID contents (None: not canonical)."""
    if not _canonical_oid(raw):
        return None
    out: list[int] = []
    part = 0
    for b in raw:
        part = part * 128 + (b & 0x7F)
        if not b & 0x80:
            if not out:
                out.extend((2, part - 80) if part >= 80 else divmod(part, 40))
            else:
                out.append(part)
            part = 0
    return ".".join(map(str, out))


def _find_cert(certs: list[bytes], issuer: bytes | None, serial: bytes | None,
               ski: bytes | None) -> bytes | None:
    """`find_signer_cert` on the certificates' bytes (the same `_cert_id`, the same order)."""
    if issuer is not None and serial is not None:
        want_serial = int.from_bytes(serial, "big", signed=True)
        for c in certs:
            cert_serial, cert_issuer, _ = _cert_id(c)
            if cert_serial == want_serial and cert_issuer == issuer:
                return c
    elif ski is not None:
        for c in certs:
            if _cert_id(c)[2] == ski:
                return c
    return None


def _time(buf: bytes, t: fastcms.Tlv) -> datetime | None:
    """asn1crypto's native value of a UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime
    (YYYYMMDDHHMMSS[.f{1,6}]Z); None for any other form (the reference reads those)."""
    raw = buf[t.body:t.end]
    try:
        if t.tag == fastcms.UTC_TIME and len(raw) == 13 and raw[12] == 0x5A and \
                raw[:12].isdigit():
            year = int(raw[:2])
            year += 2000 if year < 50 else 1900
            return datetime(year, int(raw[2:4]), int(raw[4:6]), int(raw[6:8]),
                            int(raw[8:10]), int(raw[10:12]), tzinfo=UTC)
        if t.tag == fastcms.GENERALIZED_TIME and raw[-1:] == b"Z" and raw[:14].isdigit():
            frac = raw[15:-1]
            if len(raw) == 15:
                micro = 0
            elif raw[14] == 0x2E and frac.isdigit() and len(frac) <= 6:  # more: rounded
                micro = int(frac.ljust(6, b"0"))
            else:
                return None
            return datetime(int(raw[:4]), int(raw[4:6]), int(raw[6:8]), int(raw[8:10]),
                            int(raw[10:12]), int(raw[12:14]), micro, tzinfo=UTC)
    except ValueError:  # year 0, month 13, ...: the reference decides
        return None
    return None


def _timestamp_fast(cder: Any, token: bytes) -> TimestampInfo | None:
    """`parse_timestamp_token` of the token's DER (an attribute value), or None."""
    # A v1 token's eContent is read as PKCS#7's ContentInfo (an Any, not the TSTInfo): the
    # reference refuses what it then scans; leave it to the reference.
    parts = _signed_parts(cder, token, False, v1=False)
    if parts is None or parts[0] != fastcms.OID_TST_INFO or parts[1] is None:
        return None
    raw_tst = parts[1]
    if cder.scan(raw_tst, False, der.MAX_DEPTH, der.MAX_NODES) is None:
        return None
    tst = _tst_fields(raw_tst)
    if tst is None:
        return None
    tsa_cert = _find_cert(parts[2], parts[3], parts[4], parts[5])
    return TimestampInfo(
        gen_time=tst[0], hash_algorithm=tst[1], imprint=tst[2], serial=tst[3],
        policy=tst[4], tsa=_cert_info_of(tsa_cert) if tsa_cert is not None else None,
        der=token)


# TSTInfo's optional fields after genTime, in order: accuracy, ordering, nonce, [0] tsa,
# [1] extensions (each at most once; asn1crypto matches them by tag). The reference computes
# the TSTInfo's whole native value (the eContent's nested spec): a tsa name or extensions
# (whose contents that reading may refuse; real ISDS tokens name their tsa) are checked by
# that same reading here.
_TST_TAIL = (fastcms.SEQUENCE, 0x01, fastcms.INTEGER, 0xA0, 0xA1)
_TST_NATIVE = (0xA0, 0xA1)
_ACCURACY = (fastcms.INTEGER, 0x80, 0x81)  # seconds, [0] millis, [1] micros


def _subsequence(tags: list[int], of: tuple[int, ...]) -> bool:
    rest = iter(of)
    return all(t in rest for t in tags)


def _tst_fields(raw: bytes) -> tuple[datetime, str, bytes, int, str] | None:
    """(genTime, imprint algorithm, imprint, serial, policy) of a DER TSTInfo as asn1crypto
    reads them, or None."""
    top = fastcms.read(raw, 0, len(raw))
    if top.tag != fastcms.SEQUENCE or top.indefinite:
        return None
    f = fastcms.children(raw, top, 10)
    if len(f) < 5 or [t.tag for t in f[:5]] != [
            fastcms.INTEGER, fastcms.OID, fastcms.SEQUENCE, fastcms.INTEGER,
            fastcms.GENERALIZED_TIME]:
        return None
    if not _subsequence([t.tag for t in f[5:]], _TST_TAIL):
        return None
    for t in f[5:]:
        if t.indefinite:
            return None
        # Every part of the accuracy counts: a constructed one (of any length) is none of
        # its three and asn1crypto refuses it.
        if t.tag == fastcms.SEQUENCE and not _subsequence(
                [c.tag for c in fastcms.children(raw, t, 3)], _ACCURACY):
            return None
    if f[2].indefinite:
        return None
    mi = fastcms.children(raw, f[2], 2)
    if len(mi) != 2 or mi[0].tag != fastcms.SEQUENCE or mi[1].tag != fastcms.OCTET_STRING or \
            mi[0].indefinite:
        return None
    alg = fastcms.children(raw, mi[0], 2)
    if not alg or alg[0].tag != fastcms.OID or (
            len(alg) == 2 and (alg[1].tag != fastcms.NULL or alg[1].end != alg[1].body)):
        return None
    alg_name = fastcms.HASH_OIDS.get(raw[alg[0].body:alg[0].end])
    policy = _dotted(raw[f[1].body:f[1].end])
    gen_time = _time(raw, f[4])
    if alg_name is None or policy is None or gen_time is None:
        return None
    if any(t.tag in _TST_NATIVE for t in f[5:]):
        tsp.TSTInfo.load(raw).native  # noqa: B018 - raises what the reference raises
    serial = int.from_bytes(raw[f[3].body:f[3].end], "big", signed=True)
    return gen_time, alg_name, raw[mi[1].body:mi[1].end], serial, policy
