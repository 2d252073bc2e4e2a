"""The nine real ISDS samples verify on a PC with no internet: shipped PostSignum CAs only."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from tests.conftest import REPO_ROOT, TRUST_DIR, ZFO_SAMPLES, require_shared

from dso_desktop.cli.main import run
from dso_desktop.zfo.testpki import create_pki
from dso_desktop.zfo.trust import (
    POSTSIGNUM_INTERMEDIATES,
    POSTSIGNUM_ROOTS,
    TrustStore,
    fingerprint,
    load_certificates,
    shipped_certificates,
)
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

pytestmark = pytest.mark.conformance

SHIPPED = REPO_ROOT / "resources" / "trust" / "postsignum.pem"


def _samples() -> list[Path]:
    require_shared(ZFO_SAMPLES)
    files = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert len(files) == 9
    return files


def _no_network(url: str) -> bytes:
    raise AssertionError(f"offline verification tried to download {url}")


def test_shipped_certificates_are_exactly_the_pinned_ones() -> None:
    certs = shipped_certificates()
    fps = {fingerprint(c) for c in certs}
    assert fps == POSTSIGNUM_ROOTS.keys() | POSTSIGNUM_INTERMEDIATES.keys()


def test_shipped_certificates_are_the_official_ones_re_encoded() -> None:
    """Same certificates as ../shared/isds-spec/trust, but no file is a byte-for-byte copy."""
    require_shared(TRUST_DIR)
    official = {f.name: f.read_bytes() for f in TRUST_DIR.glob("*.pem")}
    assert {fingerprint(load_certificates(b)[0]) for b in official.values()} == \
        {fingerprint(c) for c in shipped_certificates()}
    for f in (REPO_ROOT / "resources").rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert all(data != b for b in official.values()), f


def test_a_certificate_that_is_not_pinned_is_refused(tmp_path: Path) -> None:
    """An edited resource file cannot add an anchor: each block must match its pin."""
    fake = create_pki(None).ca_cert.public_bytes(serialization.Encoding.PEM)
    bundle = tmp_path / "postsignum.pem"
    bundle.write_bytes(SHIPPED.read_bytes() + b"\n" + fake)
    certs = shipped_certificates(bundle)
    assert len(certs) == len(POSTSIGNUM_ROOTS) + len(POSTSIGNUM_INTERMEDIATES)
    store = TrustStore.default(None, allow_download=False, os_bundles=(), shipped=bundle)
    fake_cert = x509.load_pem_x509_certificate(fake)
    assert fingerprint(fake_cert) not in {fingerprint(a) for a in store.anchors}
    # A block whose bytes were altered no longer matches its pin either.
    broken = tmp_path / "broken.pem"
    text = SHIPPED.read_text()
    i = text.index("-----BEGIN CERTIFICATE-----") + 200
    broken.write_text(text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1:])
    assert len(shipped_certificates(broken)) == len(certs) - 1


@pytest.mark.parametrize("shipped", [None, False])
def test_all_samples_offline_in_the_library(shipped: bool | None) -> None:
    """With the shipped CAs every sample is valid-at-signing; without them (as before this
    change) none of them is trusted offline."""
    store = TrustStore.default(None, allow_download=False, os_bundles=(), shipped=shipped,
                               fetcher=_no_network)
    for f in _samples():
        v = verify_zfo(f.read_bytes(), store)
        if shipped is None:
            assert v.kind is VerdictKind.VALID_AT_SIGNING, (f.name, v.reasons)
            assert v.anchor is not None and v.anchor.source == "postsignum"
            assert v.added_anchor is None
            assert v.revocation == "not-checked"
            assert any("revocation" in r and "not checked" in r for r in v.reasons)
            assert any("nebylo ověřeno" in r for r in v.reasons_cs)
        else:
            assert v.kind is VerdictKind.UNTRUSTED, f.name


def test_cli_verify_offline_without_trust(tmp_path: Path) -> None:
    files = [str(f) for f in _samples()]
    out, err = io.StringIO(), io.StringIO()
    rc = run(["--data-dir", str(tmp_path / "data"), "--json", "zfo", "verify", "--offline",
              *files], out=out, err=err)
    items = json.loads(out.getvalue())
    assert [i["verdict"] for i in items] == ["valid-at-signing"] * 9, items
    assert rc == 0
    for it in items:
        assert it["revocation"] == "not-checked" and it["revocation_checked"] is False
        assert it["anchor"]["source"] == "postsignum" and it["added_anchor"] is None
