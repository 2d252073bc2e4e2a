"""The simulator's PKI: CA, seal and TSA (from zfo.testpki), TLS server and client certs."""

from __future__ import annotations

import hashlib
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from dso_desktop.paths import private_dir
from dso_desktop.zfo.testpki import (
    CA_CERT,
    CA_KEY,
    SEAL_CERT,
    SEAL_KEY,
    TSA_CERT,
    TSA_KEY,
    TestPki,
    create_pki,
    issue_cert,
    pem_key,
    pki_name,
    write_private,
)

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
        return self.directory / CA_CERT

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
        cert = issue_cert(pki_name(common_name), key, issuer=self.pki.ca_cert,
                          issuer_key=self.pki.ca_key, days=3 * 365,
                          eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
        private_dir(out_dir, tighten_existing=False)
        safe = "".join(ch for ch in common_name if ch.isalnum()) or "client"
        cert_path = out_dir / f"{safe}.pem"
        key_path = out_dir / f"{safe}.key.pem"
        write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        write_private(key_path, pem_key(key))
        der = cert.public_bytes(serialization.Encoding.DER)
        return cert_path, key_path, hashlib.sha256(der).hexdigest()


_CLIENT_KEY: list[rsa.RSAPrivateKey] = []


def _client_key() -> rsa.RSAPrivateKey:
    with _MEMORY_LOCK:
        if not _CLIENT_KEY:
            _CLIENT_KEY.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _CLIENT_KEY[0]


def _server_cert(pki: TestPki) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = issue_cert("localhost", key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                      days=5 * 365, eku=[ExtendedKeyUsageOID.SERVER_AUTH],
                      san=[x509.DNSName("localhost"),
                           x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                           x509.IPAddress(ipaddress.ip_address("::1"))])
    return cert.public_bytes(serialization.Encoding.PEM), pem_key(key)


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
                    CA_CERT: pki.ca_cert.public_bytes(pem), CA_KEY: pem_key(pki.ca_key),
                    SEAL_CERT: pki.seal.cert.public_bytes(pem),
                    SEAL_KEY: pem_key(pki.seal.key),
                    TSA_CERT: pki.tsa.cert.public_bytes(pem),
                    TSA_KEY: pem_key(pki.tsa.key),
                    SERVER_CERT: cert, SERVER_KEY: key,
                })
            for name, data in _MEMORY.items():
                write_private(directory / name, data)
    pki = create_pki(directory)
    if not (directory / SERVER_CERT).is_file():
        cert, key = _server_cert(pki)
        write_private(directory / SERVER_KEY, key)
        write_private(directory / SERVER_CERT, cert)
    return SimPki(pki, directory)
