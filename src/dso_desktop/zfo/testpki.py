"""A throw-away PKI (root CA, seal certificate, TSA) for the simulator, training mode and tests."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from dso_desktop.paths import private_dir, private_opener
from dso_desktop.zfo.produce import SealIdentity, TsaIdentity

# File names inside a persisted PKI folder.
CA_CERT = "ca.pem"
CA_KEY = "ca.key.pem"
SEAL_CERT = "seal.pem"
SEAL_KEY = "seal.key.pem"
TSA_CERT = "tsa.pem"
TSA_KEY = "tsa.key.pem"


@dataclass(frozen=True)
class TestPki:
    """Root CA plus a seal identity and a TSA identity, both issued directly by the root."""

    __test__ = False  # not a pytest test class despite the name

    ca_cert: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    seal: SealIdentity
    tsa: TsaIdentity
    directory: Path | None = None

    @property
    def ca_file(self) -> Path:
        """The CA certificate as a PEM file (training mode's trust anchor)."""
        if self.directory is None:
            raise ValueError("this PKI was created in memory; pass a directory to persist it")
        return self.directory / CA_CERT

    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)


def pki_name(cn: str) -> x509.Name:
    """A subject in the simulator PKI's style (country, organisation, common name)."""
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CZ"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DSO Desktop simulátor"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _builder(subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey,
             not_before: datetime, days: int) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )


def leaf_key_usage() -> x509.KeyUsage:
    """A seal's or TSA's key usage: signatures (incl. non-repudiation) only."""
    return x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )


def ca_key_usage() -> x509.KeyUsage:
    """A CA's key usage: certificates and CRLs only."""
    return x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False)


def _generate(not_before: datetime) -> tuple[x509.Certificate, rsa.RSAPrivateKey,
                                             x509.Certificate, rsa.RSAPrivateKey,
                                             x509.Certificate, rsa.RSAPrivateKey]:
    ca_key = rsa_key()
    ca_name = pki_name("DSO Simulator Root CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        _builder(ca_name, ca_name, ca_key, not_before, 365 * 20)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(ca_key_usage(), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)

    seal_key = rsa_key()
    seal_cert = (
        _builder(pki_name("Informační systém datových schránek - simulátor"), ca_name, seal_key,
                 not_before, 365 * 10)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(leaf_key_usage(), critical=True)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = rsa_key()
    tsa_cert = (
        _builder(pki_name("DSO Simulator TSA"), ca_name, tsa_key, not_before, 365 * 10)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(leaf_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                       critical=True)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_cert, ca_key, seal_cert, seal_key, tsa_cert, tsa_key


def write_private(path: Path, data: bytes) -> None:
    """Write a key or certificate 0600 (an existing file is tightened): PKI folders are
    private."""
    fd = private_opener(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def pem_key(key: CertificateIssuerPrivateKeyTypes, password: str | None = None) -> bytes:
    """A private key as PKCS#8 PEM, encrypted with ``password`` if one is given."""
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password
        else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def issue_cert(subject: str | x509.Name,
               key: CertificateIssuerPrivateKeyTypes | x25519.X25519PrivateKey, *,
               issuer: x509.Certificate | x509.Name | str | None = None,
               issuer_key: CertificateIssuerPrivateKeyTypes | None = None,
               ca: bool = False, not_before: datetime | None = None, days: int = 3650,
               aia: str | Sequence[str] | None = None,
               san: Sequence[x509.GeneralName] = (),
               eku: Sequence[x509.ObjectIdentifier] = (),
               key_usage: x509.KeyUsage | None = None,
               serial: int | None = None,
               basic_constraints: bool = True, key_identifier: bool = True,
               extensions: Sequence[x509.ExtensionType] = (),
               rsa_pss: bool = False) -> x509.Certificate:
    """The one certificate builder of the test PKIs (the simulator's TLS certificates, the
    tests' chains): ``subject`` (a str is a bare CN) with ``key``'s public key (an X25519
    key, which signs nothing, only in an issued certificate), signed by ``issuer_key``; no
    ``issuer`` means self-signed. ``aia`` is a caIssuers URL (or several, in order), ``san``
    the subject alternative names, ``eku`` the extended key usages (not critical),
    ``key_usage`` (critical; see `ca_key_usage`, `leaf_key_usage`), ``extensions`` any
    others (not critical). Every certificate has basicConstraints and a subject key
    identifier, an issued one also the authority key identifier, unless
    ``basic_constraints`` or ``key_identifier`` is False (tests of certificates without).
    Validity starts ``not_before`` (default: a day ago) and lasts ``days``. ``rsa_pss``
    signs with RSASSA-PSS (an RSA ``issuer_key``; SHA-256, MGF1, 32-byte salt) instead of
    PKCS#1 v1.5."""
    subject_name = _cn(subject) if isinstance(subject, str) else subject
    self_signed = issuer is None
    if issuer is None:
        if isinstance(key, x25519.X25519PrivateKey):
            raise ValueError("an X25519 key cannot sign its own certificate")
        issuer_name, issuer_key = subject_name, key
    elif isinstance(issuer, x509.Certificate):
        issuer_name = issuer.subject
    else:
        issuer_name = _cn(issuer) if isinstance(issuer, str) else issuer
    if issuer_key is None:
        raise ValueError("a certificate with an issuer needs the issuer's key")
    start = not_before or (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    b = (x509.CertificateBuilder().subject_name(subject_name).issuer_name(issuer_name)
         .public_key(key.public_key())
         .serial_number(serial if serial is not None else x509.random_serial_number())
         .not_valid_before(start).not_valid_after(start + timedelta(days=days)))
    if basic_constraints:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if key_identifier:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                            critical=False)
    if not self_signed and key_identifier:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    if key_usage is not None:
        b = b.add_extension(key_usage, critical=True)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(list(san)), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if aia:
        urls = [aia] if isinstance(aia, str) else list(aia)
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url))
            for url in urls]), critical=False)
    for ext in extensions:
        b = b.add_extension(ext, critical=False)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32) if rsa_pss else None
    return b.sign(issuer_key, hashes.SHA256(), rsa_padding=pss)


def _cn(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path}: not an RSA key")
    return key


def _assemble(ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey,
              seal_cert: x509.Certificate, seal_key: rsa.RSAPrivateKey,
              tsa_cert: x509.Certificate, tsa_key: rsa.RSAPrivateKey,
              directory: Path | None) -> TestPki:
    return TestPki(
        ca_cert=ca_cert, ca_key=ca_key,
        seal=SealIdentity(seal_cert, seal_key, (ca_cert,)),
        tsa=TsaIdentity(tsa_cert, tsa_key, (ca_cert,)),
        directory=directory,
    )


def create_pki(directory: Path | None = None, *, not_before: datetime | None = None) -> TestPki:
    """Create a test PKI, or load the one persisted in ``directory`` (PEM files).

    Certificates start ``not_before`` (default: a year before now, so a simulator clock set
    somewhat into the past still lies inside their validity) and last 10 (leaves) and 20
    (root) years.
    Keys are written unencrypted with mode 0600: this PKI is for tests and training only.
    """
    files = [CA_CERT, CA_KEY, SEAL_CERT, SEAL_KEY, TSA_CERT, TSA_KEY]
    if directory is not None and all((directory / f).is_file() for f in files):
        return _assemble(
            x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes()),
            _load_key(directory / CA_KEY),
            x509.load_pem_x509_certificate((directory / SEAL_CERT).read_bytes()),
            _load_key(directory / SEAL_KEY),
            x509.load_pem_x509_certificate((directory / TSA_CERT).read_bytes()),
            _load_key(directory / TSA_KEY),
            directory,
        )
    start = not_before or (datetime.now(UTC) - timedelta(days=365)).replace(microsecond=0)
    ca_cert, ca_key, seal_cert, seal_key, tsa_cert, tsa_key = _generate(start)
    if directory is not None:
        private_dir(directory, tighten_existing=False)
        pem = serialization.Encoding.PEM
        write_private(directory / CA_KEY, pem_key(ca_key))
        write_private(directory / SEAL_KEY, pem_key(seal_key))
        write_private(directory / TSA_KEY, pem_key(tsa_key))
        write_private(directory / SEAL_CERT, seal_cert.public_bytes(pem))
        write_private(directory / TSA_CERT, tsa_cert.public_bytes(pem))
        # The CA certificate last: its presence marks a complete folder.
        write_private(directory / CA_CERT, ca_cert.public_bytes(pem))
    return _assemble(ca_cert, ca_key, seal_cert, seal_key, tsa_cert, tsa_key, directory)


def issue_leaf(pki: TestPki, *, tsa: bool = False, crl_url: str | None = None,
               common_name: str | None = None) -> SealIdentity | TsaIdentity:
    """Another seal (or TSA) identity from the test CA, optionally naming a CRL
    distribution point (revocation tests serve that CRL from a loopback server)."""
    key = rsa_key()
    start = pki.ca_cert.not_valid_before_utc
    cn = common_name or ("DSO Simulator TSA" if tsa else
                         "Informační systém datových schránek - simulátor")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(pki.ca_key.public_key())
    b = (_builder(pki_name(cn), pki.ca_cert.subject, key, start, 365 * 10)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(leaf_key_usage(), critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                        critical=False))
    if tsa:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                            critical=True)
    if crl_url:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
    cert = b.sign(pki.ca_key, hashes.SHA256())
    if tsa:
        return TsaIdentity(cert, key, (pki.ca_cert,))
    return SealIdentity(cert, key, (pki.ca_cert,))


def issue_crl(pki: TestPki, revoked: list[tuple[int, datetime]], *, this_update: datetime,
              next_update: datetime, key: rsa.RSAPrivateKey | None = None) -> bytes:
    """A DER CRL of the test CA listing ``(serial, revocation time)``; ``key`` signs it
    instead of the CA key (a forged CRL)."""
    b = (x509.CertificateRevocationListBuilder().issuer_name(pki.ca_cert.subject)
         .last_update(this_update).next_update(next_update))
    for serial, when in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
            .build())
    crl = b.sign(key or pki.ca_key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)


def short_lived_tsa(pki: TestPki, not_after: datetime, *,
                    not_before: datetime | None = None) -> TsaIdentity:
    """A TSA identity of the test CA whose certificate ends at ``not_after`` (the
    simulator's ``--evidence-days``: evidence that stops being verifiable soon). It reuses
    the TSA key: only the certificate's validity differs, and no key is generated."""
    start = not_before or pki.tsa.cert.not_valid_before_utc
    days = max(1, (not_after - start).days)
    cert = issue_cert(pki.tsa.cert.subject, pki.tsa.key, issuer=pki.ca_cert,
                      issuer_key=pki.ca_key, not_before=start, days=days,
                      key_usage=leaf_key_usage(), eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    return TsaIdentity(cert, pki.tsa.key, (pki.ca_cert,))
