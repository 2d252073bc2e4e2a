"""Chain building: AIA downloads accepted only under a known root fingerprint, caching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from dso_desktop.zfo.trust import TrustStore, fingerprint, load_certificates

START = datetime(2024, 1, 1, tzinfo=UTC)
ROOT_URL = "http://pki.example.invalid/root.crt"
INT_URL = "http://pki.example.invalid/int.crt"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str,
          issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool, aia: str | None,
          days: int = 3650) -> x509.Certificate:
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(START).not_valid_after(START + timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if aia:
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia))]),
            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def chain() -> tuple[x509.Certificate, x509.Certificate, x509.Certificate]:
    rk, ik, lk = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _cert("Root", rk, "Root", rk, ca=True, aia=None)
    inter = _cert("Intermediate", ik, "Root", rk, ca=True, aia=ROOT_URL)
    leaf = _cert("Seal", lk, "Intermediate", ik, ca=False, aia=INT_URL, days=365)
    return root, inter, leaf


def _der(c: x509.Certificate) -> bytes:
    return c.public_bytes(serialization.Encoding.DER)


def test_download_with_matching_root_fingerprint(tmp_path: Path, chain: tuple) -> None:
    root, inter, leaf = chain
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return {ROOT_URL: _der(root), INT_URL: _der(inter)}[url]

    store = TrustStore(anchor_fingerprints=[fingerprint(root)], fetcher=fetch,
                       cache_dir=tmp_path)
    c = store.chain_for(leaf)
    assert c.anchored and [x.subject for x in c.certs] == [leaf.subject, inter.subject,
                                                           root.subject]
    assert fetched == [INT_URL, ROOT_URL]
    assert {p.name for p in tmp_path.iterdir()} == {f"{fingerprint(inter)}.der",
                                                    f"{fingerprint(root)}.der"}
    assert store.chain_for(leaf) is c  # cached: no second download
    assert fetched == [INT_URL, ROOT_URL]
    assert c.invalid_at(START + timedelta(days=10)) is None
    assert "expired" in (c.invalid_at(START + timedelta(days=400)) or "")
    assert c.expires == leaf.not_valid_after_utc


def test_download_of_unknown_root_is_not_trusted(chain: tuple) -> None:
    root, inter, leaf = chain
    store = TrustStore(anchor_fingerprints=["00" * 32],
                       fetcher=lambda url: {ROOT_URL: _der(root), INT_URL: _der(inter)}[url])
    c = store.chain_for(leaf)
    assert not c.anchored and c.problem


def test_failing_fetcher_means_untrusted_not_crash(chain: tuple) -> None:
    root, _inter, leaf = chain

    def fetch(url: str) -> bytes:
        raise OSError("network down")

    store = TrustStore(anchor_fingerprints=[fingerprint(root)], fetcher=fetch)
    assert not store.chain_for(leaf).anchored


def test_from_paths_and_formats(tmp_path: Path, chain: tuple) -> None:
    root, inter, leaf = chain
    (tmp_path / "root.der").write_bytes(_der(root))
    (tmp_path / "int.pem").write_bytes(inter.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "notes.txt").write_text("ignored")
    store = TrustStore.from_paths([tmp_path])
    assert store.chain_for(leaf).anchored
    assert load_certificates(b"garbage") == []
    with pytest.raises(FileNotFoundError):
        TrustStore.from_paths([tmp_path / "missing.pem"])


def test_leaf_is_not_accepted_as_issuer(chain: tuple) -> None:
    root, _inter, leaf = chain
    store = TrustStore.from_paths([])
    store.add(root, explicit_anchor=True)
    assert not store.add(leaf)  # neither a CA nor an anchor: useless as an intermediate
