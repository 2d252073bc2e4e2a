"""Produce ZFOs: a DER CMS SignedData seal over message XML, with an RFC 3161 timestamp token."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# A private-arc policy OID for the simulator's TSA; real tokens carry the TSA's own policy.
DEFAULT_TSA_POLICY = "1.3.6.1.4.1.99999.3161.1"


@dataclass(frozen=True)
class SealIdentity:
    """The sealing certificate (ISDS's "electronic seal"), its RSA key and the chain above it."""

    cert: cx509.Certificate
    key: rsa.RSAPrivateKey
    chain: tuple[cx509.Certificate, ...] = ()


@dataclass(frozen=True)
class TsaIdentity:
    """A time-stamping authority: certificate (EKU timeStamping), RSA key and chain above it."""

    cert: cx509.Certificate
    key: rsa.RSAPrivateKey
    chain: tuple[cx509.Certificate, ...] = ()


def _asn1_cert(cert: cx509.Certificate) -> x509.Certificate:
    return x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    return dt.astimezone(UTC)


def _cms_time(dt: datetime) -> cms.Time:
    # RFC 5652: UTCTime for 1950-2049, GeneralizedTime otherwise.
    dt = _utc(dt).replace(microsecond=0)
    if 1950 <= dt.year <= 2049:
        return cms.Time(name="utc_time", value=dt)
    return cms.Time(name="generalized_time", value=dt)


def _signing_certificate_v2(cert: x509.Certificate) -> tsp.SigningCertificateV2:
    """ESS signingCertificateV2 (RFC 5035) with SHA-256 (the default, so the field is omitted)."""
    return tsp.SigningCertificateV2({
        "certs": [
            tsp.ESSCertIDv2({
                "cert_hash": hashlib.sha256(cert.dump()).digest(),
                "issuer_serial": {
                    "issuer": [x509.GeneralName(name="directory_name", value=cert.issuer)],
                    "serial_number": cert.serial_number,
                },
            })
        ]
    })


def _sign_signed_data(
    econtent_type: str,
    econtent: bytes,
    cert: cx509.Certificate,
    key: rsa.RSAPrivateKey,
    signing_time: datetime | None,
    digest: str,
    extra_certs: tuple[cx509.Certificate, ...] = (),
    unsigned: Callable[[bytes], cms.CMSAttributes | None] | None = None,
) -> cms.SignedData:
    """One SignerInfo (issuerAndSerialNumber, RSA PKCS#1 v1.5) over DER signed attributes."""
    if digest not in ("sha256", "sha1"):
        raise ValueError(f"unsupported digest {digest!r}")
    asn_cert = _asn1_cert(cert)
    content_digest = hashlib.new(digest, econtent).digest()
    attrs: list[cms.CMSAttribute] = [
        cms.CMSAttribute({"type": "content_type", "values": [econtent_type]}),
    ]
    if signing_time is not None:
        attrs.append(
            cms.CMSAttribute({"type": "signing_time", "values": [_cms_time(signing_time)]})
        )
    attrs.append(cms.CMSAttribute({"type": "message_digest", "values": [content_digest]}))
    attrs.append(
        cms.CMSAttribute({
            "type": "signing_certificate_v2",
            "values": [_signing_certificate_v2(asn_cert)],
        })
    )
    signed_attrs = cms.CMSAttributes(attrs)
    # The signature covers the DER of the attributes with the universal SET tag (RFC 5652 5.4).
    to_sign = signed_attrs.dump()
    hash_alg: hashes.HashAlgorithm = hashes.SHA256() if digest == "sha256" else hashes.SHA1()  # noqa: S303
    signature = key.sign(to_sign, padding.PKCS1v15(), hash_alg)
    unsigned_attrs = unsigned(signature) if unsigned is not None else None
    signer_fields: dict[str, object] = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value=cms.IssuerAndSerialNumber({
                "issuer": asn_cert.issuer,
                "serial_number": asn_cert.serial_number,
            }),
        ),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm(
            {"algorithm": f"{digest}_rsa"}
        ),
        "signature": signature,
    }
    if unsigned_attrs is not None:
        signer_fields["unsigned_attrs"] = unsigned_attrs
    signer_info = cms.SignerInfo(signer_fields)
    certs = [cms.CertificateChoices(name="certificate", value=asn_cert)]
    certs.extend(
        cms.CertificateChoices(name="certificate", value=_asn1_cert(c)) for c in extra_certs
    )
    return cms.SignedData({
        "version": "v1" if econtent_type == "data" else "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
        "encap_content_info": {
            "content_type": econtent_type,
            "content": econtent
            if econtent_type != "tst_info"
            else core.ParsableOctetString(econtent),
        },
        "certificates": certs,
        "signer_infos": [signer_info],
    })


def make_timestamp_token(
    data: bytes,
    tsa: TsaIdentity,
    gen_time: datetime,
    *,
    serial: int | None = None,
    policy: str = DEFAULT_TSA_POLICY,
    nonce: int | None = None,
) -> cms.ContentInfo:
    """An RFC 3161 TimeStampToken over SHA-256(``data``), signed by ``tsa`` at ``gen_time``.

    For a CAdES signature timestamp ``data`` is the SignerInfo's signature value.
    """
    return _token(hashlib.sha256(data).digest(), "sha256", tsa, gen_time, serial=serial,
                  policy=policy, nonce=nonce)


def _token(imprint: bytes, imprint_alg: str, tsa: TsaIdentity, gen_time: datetime, *,
           serial: int | None = None, policy: str = DEFAULT_TSA_POLICY,
           nonce: int | None = None) -> cms.ContentInfo:
    gen_time = _utc(gen_time)
    tst_fields: dict[str, object] = {
        "version": "v1",
        "policy": policy,
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": imprint_alg}),
            "hashed_message": imprint,
        }),
        "serial_number": serial if serial is not None else secrets.randbits(63),
        "gen_time": gen_time.replace(microsecond=0),
        "accuracy": tsp.Accuracy({"seconds": 1}),
        "ordering": False,
    }
    if nonce is not None:
        tst_fields["nonce"] = nonce
    tst_der = tsp.TSTInfo(tst_fields).dump()
    signed = _sign_signed_data(
        "tst_info", tst_der, tsa.cert, tsa.key, gen_time, "sha256"
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed})


def seal(
    content_xml: bytes,
    seal: SealIdentity,
    tsa: TsaIdentity | None,
    signing_time: datetime,
    *,
    digest: str = "sha256",
    timestamp_time: datetime | None = None,
) -> bytes:
    """Seal ``content_xml`` as ISDS does: DER CMS SignedData, content encapsulated.

    The CMS carries only the seal certificate (as real ZFOs do); with ``tsa`` an RFC 3161
    token over the signature value goes into the unsigned attribute
    id-aa-signatureTimeStampToken. ``timestamp_time`` defaults to ``signing_time``.
    """
    if not isinstance(content_xml, bytes | bytearray):
        raise TypeError("content_xml must be bytes")

    def timestamp(signature: bytes) -> cms.CMSAttributes | None:
        if tsa is None:
            return None
        token = make_timestamp_token(signature, tsa, timestamp_time or signing_time)
        return cms.CMSAttributes([
            cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})
        ])

    signed = _sign_signed_data("data", bytes(content_xml), seal.cert, seal.key,
                               signing_time, digest, unsigned=timestamp)
    # ContentInfo { signedData, [0] EXPLICIT SignedData } wrapped by hand around the
    # SignedData's own DER: asn1crypto's dump of a new ContentInfo around it (the same bytes)
    # took 8-25 s of CPU for some seal certificates (one with a CRL URL
    # http://crl.example.test/ca.crl, a message with its dmQTimestamp and a signature
    # timestamp: millions of nested re-dumps), against a millisecond for the SignedData.
    sd = signed.dump()
    body = _OID_SIGNED_DATA + b"\xa0" + _der_len(len(sd)) + sd
    return b"\x30" + _der_len(len(body)) + body


def dm_hash(dm_dm_xml: bytes, algorithm: str = "SHA-256") -> bytes:
    """dmHash as ISDS computes it: the hash of the dmDm element's exact bytes as they are
    serialised inside the response (checked against all message samples)."""
    name = {"SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}.get(algorithm)
    if name is None:
        raise ValueError(f"unsupported dmHash algorithm {algorithm!r}")
    return hashlib.new(name, dm_dm_xml).digest()


def q_timestamp(dm_hash_value: bytes, tsa: TsaIdentity, gen_time: datetime) -> bytes:
    """dmQTimestamp: an RFC 3161 token (DER) whose messageImprint IS the dmHash value
    (as in the samples, the imprint is not hashed again)."""
    alg = {20: "sha1", 32: "sha256", 64: "sha512"}.get(len(dm_hash_value))
    if alg is None:
        raise ValueError("dmHash value has an unexpected length")
    return _token(dm_hash_value, alg, tsa, gen_time).dump()


def timestamp_response(request_der: bytes, tsa: TsaIdentity, gen_time: datetime) -> bytes:
    """A TSA's answer (RFC 3161 TimeStampResp, DER) to a TimeStampReq: a token over the
    request's SHA-256 imprint with its nonce, or a rejection (badAlg, badRequest). The
    simulator's loopback TSA (`/_tsa`) and the tests answer with this."""
    def rejection(fail: str, text: str) -> bytes:
        return rejection_response(text, fail)

    try:
        req = tsp.TimeStampReq.load(request_der)
        imprint = req["message_imprint"]
        alg = imprint["hash_algorithm"]["algorithm"].native
        value = imprint["hashed_message"].native
        nonce = req["nonce"].native
    except (ValueError, TypeError, KeyError):
        return rejection("bad_data_format", "not a TimeStampReq")
    if alg != "sha256" or len(value) != 32:
        return rejection("bad_alg", "only SHA-256 imprints are accepted")
    token = _token(value, "sha256", tsa, gen_time, nonce=nonce)
    return tsp.TimeStampResp({"status": tsp.PKIStatusInfo({"status": "granted"}),
                              "time_stamp_token": token}).dump()


def rejection_response(text: str, fail: str | None = None) -> bytes:
    """A TimeStampResp refusing the request (asn1crypto's TimeStampResp insists on a
    token, which a refusal has none of: the SEQUENCE is built around the status here)."""
    fields: dict[str, object] = {"status": "rejection", "status_string": [text]}
    if fail is not None:
        fields["fail_info"] = tsp.PKIFailureInfo({fail})
    status = tsp.PKIStatusInfo(fields).dump()
    return core.Sequence.load(b"\x30" + _der_len(len(status)) + status).dump()


_OID_SIGNED_DATA = core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw
