"""The simulator's PKI: CA, seal and TSA (from zfo.testpki), TLS server and client certs."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dso_desktop.paths import private_dir, private_opener
from dso_desktop.zfo.testpki import TestPki, create_pki

SERVER_CERT = "server.pem"
SERVER_KEY = "server.key.pem"
_MEMORY_LOCK = threading.Lock()
_MEMORY: dict[str, bytes] = {}  # one in-memory PKI per process (tests start many simulators)


@dataclass(frozen=True)
class SimPki:
    pki: TestPki
    directory: Path

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def server_cert_file(self) -> Path:
        return self.directory / SERVER_CERT

    @property
    def server_key_file(self) -> Path:
        return self.directory / SERVER_KEY

    def issue_client_cert(self, common_name: str, out_dir: Path) -> tuple[Path, Path, str]:
        """A client certificate from the simulator CA: (cert.pem, key.pem, sha256 of DER).

        Certificates differ (serial, name); the RSA key is shared within a process, since
        key generation dominates a test's start-up and these are training credentials.
        """
        key = _client_key()
        now = datetime.now(UTC) - timedelta(days=1)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CZ"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DSO Desktop simulátor"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]))
            .issuer_name(self.pki.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=3 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(self.pki.ca_key, hashes.SHA256())
        )
        private_dir(out_dir, tighten_existing=False)
        safe = "".join(ch for ch in common_name if ch.isalnum()) or "client"
        cert_path = out_dir / f"{safe}.pem"
        key_path = out_dir / f"{safe}.key.pem"
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        _write(key_path, _pem_key(key))
        der = cert.public_bytes(serialization.Encoding.DER)
        return cert_path, key_path, hashlib.sha256(der).hexdigest()


_CLIENT_KEY: list[rsa.RSAPrivateKey] = []


def _client_key() -> rsa.RSAPrivateKey:
    with _MEMORY_LOCK:
        if not _CLIENT_KEY:
            _CLIENT_KEY.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _CLIENT_KEY[0]


def _write(path: Path, data: bytes) -> None:
    # Keys and certificates alike 0600 (an existing file is tightened): the folder is private.
    fd = private_opener(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _server_cert(pki: TestPki) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(pki.ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=5 * 365))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .sign(pki.ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)


def load_or_create(directory: Path, *, persistent: bool) -> SimPki:
    """The PKI kept in ``directory`` (created once); in-memory sims share one per process."""
    private_dir(directory, tighten_existing=False)
    if not persistent:
        with _MEMORY_LOCK:
            if not _MEMORY:
                pki = create_pki(None)
                cert, key = _server_cert(pki)
                pem = serialization.Encoding.PEM
                _MEMORY.update({
                    "ca.pem": pki.ca_cert.public_bytes(pem), "ca.key.pem": _pem_key(pki.ca_key),
                    "seal.pem": pki.seal.cert.public_bytes(pem),
                    "seal.key.pem": _pem_key(pki.seal.key),
                    "tsa.pem": pki.tsa.cert.public_bytes(pem),
                    "tsa.key.pem": _pem_key(pki.tsa.key),
                    SERVER_CERT: cert, SERVER_KEY: key,
                })
            for name, data in _MEMORY.items():
                _write(directory / name, data)
    pki = create_pki(directory)
    if not (directory / SERVER_CERT).is_file():
        cert, key = _server_cert(pki)
        _write(directory / SERVER_KEY, key)
        _write(directory / SERVER_CERT, cert)
    return SimPki(pki, directory)
