"""Chain building: AIA downloads accepted only under a known root fingerprint, caching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from dso_desktop.zfo.testpki import issue_cert
from dso_desktop.zfo.trust import TrustStore, fingerprint, load_certificates

START = datetime(2024, 1, 1, tzinfo=UTC)
ROOT_URL = "http://pki.example.invalid/root.crt"
INT_URL = "http://pki.example.invalid/int.crt"


@pytest.fixture(scope="module")
def chain() -> tuple[x509.Certificate, x509.Certificate, x509.Certificate]:
    rk, ik, lk = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = issue_cert("Root", rk, ca=True, not_before=START)
    inter = issue_cert("Intermediate", ik, issuer=root, issuer_key=rk, ca=True, aia=ROOT_URL,
                       not_before=START)
    leaf = issue_cert("Seal", lk, issuer=inter, issuer_key=ik, aia=INT_URL, days=365,
                      not_before=START)
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
