"""Parse ZFO bytes (DER CMS SignedData around ISDS XML) without trusting them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from typing import Any

from asn1crypto import cms, tsp, x509

from dso_desktop.zfo import der
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


def _skeleton(data: bytes) -> tuple[bytes, memoryview] | None:
    """Split a definite-length ZFO into (CMS with an empty eContent, the eContent bytes).

    asn1crypto slices (copies) the contents at every nesting level it parses, so the message
    would be held about five times over; the lean reader finds the eContent OCTET STRING
    without copying and asn1crypto then parses only the small rest. Returns None for any
    shape this does not cover (BER indefinite lengths, chunked OCTET STRINGs, damage): the
    caller then takes the full asn1crypto path, so errors stay exactly as they were.
    """
    from dso_desktop.zfo import fastcms

    try:
        ci = fastcms.read(data, 0, len(data))
        if ci.tag != 0x30 or ci.indefinite or len(data) - ci.next > 65536:
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
        if len(os_kids) != 1 or os_kids[0].tag != fastcms.OCTET_STRING:
            return None
        octets = os_kids[0]
    except ZfoError:
        return None
    chain = (ci, a0, sd, eci, e0)
    if any(t.indefinite for t in chain):
        return None
    inner = b"\x04\x00"
    child_start, child_end = octets.start, octets.end
    for t in reversed(chain):
        body = data[t.body:child_start] + inner + data[child_end:t.end]
        inner = data[t.start:t.start + 1] + _encode_len(len(body)) + body
        child_start, child_end = t.start, t.end
    # The content as a view of ``data``: the XML reader copies only what is small.
    return inner + data[ci.end:], memoryview(data)[octets.body:octets.end]


def _parse(data: bytes) -> Zfo:
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
    if not isinstance(content, bytes | memoryview):
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
    fields = read_content(content)
    return Zfo(
        raw=data,
        content_xml=content,
        signer=cert_info(cert) if cert is not None else None,
        signing_time=signing_time,
        timestamp=timestamp,
        digest_algorithm=si["digest_algorithm"]["algorithm"].native,
        **fields,
    )
