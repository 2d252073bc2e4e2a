"""Fast sealing for the simulator: the CMS shape of zfo.produce, with per-identity caches.

``zfo.produce.seal`` rebuilds the certificate structures for every signature, which costs
tens of milliseconds; a 10,000-message sync signs 20,000 times. This signer keeps the parsed
certificate, signer identifier and signingCertificateV2 attribute of each identity and
builds only what changes (time, digest, signature, timestamp token). The output has the same
structure: SignedData v1 (v3 for tokens), SHA-256, signed attributes content-type,
signing-time, message-digest, signingCertificateV2, RSA PKCS#1 v1.5, and an RFC 3161 token
over the signature value in id-aa-signatureTimeStampToken.

Sealed messages and delivery infos come out as ISDS writes them (`isds_layout`): BER with
indefinite lengths around the content and the eContent in 1000-byte chunks, so every client
of the simulator reads the encoding real downloads have; timestamp tokens stay DER, as in
real ZFOs.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import Certificate

TSA_POLICY = "1.3.6.1.4.1.99999.3161.1"  # the private-arc policy zfo.produce uses too


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


def _set_of(items: list[bytes], tag: int = 0x31) -> bytes:
    return _tlv(tag, b"".join(sorted(items)))  # DER: SET OF sorted by encoding


ISDS_CHUNK = 1000  # the eContent chunk size of real ISDS ZFOs
_EOC = b"\x00\x00"


def isds_layout(der: bytes, chunk: int = ISDS_CHUNK) -> bytes:
    """A DER ContentInfo(SignedData) re-encoded as ISDS encodes its ZFOs (the real samples
    in ``isds-spec/zfo-samples`` show it): ContentInfo, its [0], SignedData,
    encapContentInfo, the eContent's [0] and the certificates' [0] with indefinite lengths,
    the eContent as a constructed OCTET STRING of ``chunk``-byte pieces; the certificates,
    digest algorithms and signer infos unchanged. The signature covers the signed
    attributes and the content's digest, neither of which changes, so it still holds."""
    from dso_desktop.zfo import fastcms

    ci = fastcms.read(der, 0, len(der))
    ci_oid, a0 = fastcms.children(der, ci, 2)
    (sd,) = fastcms.children(der, a0, 1)
    sd_kids = fastcms.children(der, sd, 8)
    out: list[bytes | memoryview] = [b"\x30\x80", der[ci_oid.start:ci_oid.next],
                                     b"\xa0\x80\x30\x80"]
    for kid in sd_kids:
        if kid.tag == 0x30:  # encapContentInfo
            etype, e0 = fastcms.children(der, kid, 2)
            (octets,) = fastcms.children(der, e0, 1)
            view = memoryview(der)
            out += [b"\x30\x80", der[etype.start:etype.next], b"\xa0\x80\x24\x80"]
            for i in range(octets.body, octets.end, chunk):
                piece = view[i:min(i + chunk, octets.end)]
                out += [b"\x04" + _len(len(piece)), piece]
            out += [_EOC, _EOC, _EOC]
        elif kid.tag == 0xA0:  # certificates
            out += [b"\xa0\x80", der[kid.body:kid.end], _EOC]
        else:
            out.append(der[kid.start:kid.next])
    out += [_EOC, _EOC, _EOC]
    return b"".join(out)


_OID_DATA = core.ObjectIdentifier("1.2.840.113549.1.7.1").dump()
_OID_SIGNED_DATA = core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()
_OID_TST_INFO = core.ObjectIdentifier("1.2.840.113549.1.9.16.1.4").dump()
_SHA256_ALG = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
_SHA256_RSA = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}).dump()
_INT_1 = core.Integer(1).dump()
_INT_3 = core.Integer(3).dump()


class _Identity:
    """Pre-encoded DER of everything about a signer that does not change."""

    def __init__(self, cert: Certificate, key: rsa.RSAPrivateKey) -> None:
        der = cert.public_bytes(serialization.Encoding.DER)
        self.key = key
        self.cert_der = der
        asn_cert = x509.Certificate.load(der)
        self.sid_der = cms.IssuerAndSerialNumber({
            "issuer": asn_cert.issuer, "serial_number": asn_cert.serial_number}).dump()
        self.signing_cert_attr = cms.CMSAttribute({
            "type": "signing_certificate_v2",
            "values": [tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({
                "cert_hash": hashlib.sha256(der).digest(),
                "issuer_serial": {
                    "issuer": [x509.GeneralName(name="directory_name",
                                                value=asn_cert.issuer)],
                    "serial_number": asn_cert.serial_number,
                },
            })]})],
        }).dump()


def _time(dt: datetime) -> cms.Time:
    dt = dt.astimezone(UTC).replace(microsecond=0)
    if 1950 <= dt.year <= 2049:
        return cms.Time(name="utc_time", value=dt)
    return cms.Time(name="generalized_time", value=dt)


class FastSigner:
    """Seals content and issues timestamp tokens for one seal and one TSA identity."""

    def __init__(self, seal_cert: Certificate, seal_key: rsa.RSAPrivateKey,
                 tsa_cert: Certificate, tsa_key: rsa.RSAPrivateKey) -> None:
        self.seal = _Identity(seal_cert, seal_key)
        self.tsa = _Identity(tsa_cert, tsa_key)

    def _content_info(self, ident: _Identity, econtent_type: bytes, econtent: bytes,
                      at: datetime, with_token: bool) -> bytes:
        attrs = [
            cms.CMSAttribute({"type": "content_type",
                              "values": [core.ObjectIdentifier.load(econtent_type).native]}
                             ).dump(),
            cms.CMSAttribute({"type": "signing_time", "values": [_time(at)]}).dump(),
            cms.CMSAttribute({"type": "message_digest",
                              "values": [hashlib.sha256(econtent).digest()]}).dump(),
            ident.signing_cert_attr,
        ]
        signed_attrs = _set_of(attrs)  # signed as a universal SET (RFC 5652 5.4)
        signature = ident.key.sign(signed_attrs, padding.PKCS1v15(), hashes.SHA256())
        signer = [_INT_1, ident.sid_der, _SHA256_ALG, b"\xa0" + signed_attrs[1:],
                  _SHA256_RSA, _tlv(0x04, signature)]
        if with_token:
            token = self.token(hashlib.sha256(signature).digest(), at)
            attr = _tlv(0x30, core.ObjectIdentifier("1.2.840.113549.1.9.16.2.14").dump()
                        + _tlv(0x31, token))
            signer.append(_tlv(0xA1, attr))
        econtent_der = _tlv(0x30, econtent_type + _tlv(0xA0, _tlv(0x04, econtent)))
        signed_data = _tlv(0x30, b"".join([
            _INT_1 if econtent_type == _OID_DATA else _INT_3,
            _tlv(0x31, _SHA256_ALG),
            econtent_der,
            _tlv(0xA0, ident.cert_der),
            _tlv(0x31, _tlv(0x30, b"".join(signer))),
        ]))
        return _tlv(0x30, _OID_SIGNED_DATA + _tlv(0xA0, signed_data))

    def token(self, imprint: bytes, at: datetime, imprint_alg: str = "sha256") -> bytes:
        """An RFC 3161 TimeStampToken whose messageImprint is ``imprint`` (a hash value)."""
        tst = tsp.TSTInfo({
            "version": "v1", "policy": TSA_POLICY,
            "message_imprint": tsp.MessageImprint({
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": imprint_alg}),
                "hashed_message": imprint,
            }),
            "serial_number": secrets.randbits(63),
            "gen_time": at.astimezone(UTC).replace(microsecond=0),
            "accuracy": tsp.Accuracy({"seconds": 1}),
            "ordering": False,
        }).dump()
        return self._content_info(self.tsa, _OID_TST_INFO, tst, at, with_token=False)

    def seal_content(self, content: bytes, at: datetime, *, timestamp: bool = True) -> bytes:
        """A message or delivery info sealed as ISDS seals it (BER, see `isds_layout`)."""
        return isds_layout(
            self._content_info(self.seal, _OID_DATA, content, at, with_token=timestamp))
