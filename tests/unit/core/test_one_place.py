"""One place for each rule: atomic writes, the loopback check, the test PKI's certificate
builder and a box owner's display name. Each rule is tested where it lives, and a source scan
fails when a second copy appears."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from dso_desktop import net
from dso_desktop.domain import owner_name
from dso_desktop.isds.models import OwnerInfo
from dso_desktop.paths import atomic_write, atomic_writer
from dso_desktop.update.transport import InsecureUrlError, check_url
from dso_desktop.zfo.testpki import issue_cert

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [*(ROOT / "src" / "dso_desktop").rglob("*.py"), *(ROOT / "updater").rglob("*.py")]
POSIX = sys.platform != "win32"


def _files_matching(pattern: str, roots: list[Path]) -> set[str]:
    rx = re.compile(pattern)
    return {str(p.relative_to(ROOT)) for p in roots
            if rx.search(p.read_text(encoding="utf-8"))}


# -- atomic writes ------------------------------------------------------------------------
def test_atomic_writer_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write(target, b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write(b"half of the new")
        raise RuntimeError("crash while writing")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left
    with atomic_writer(target) as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"


@pytest.mark.skipif(not POSIX, reason="file modes are POSIX")
def test_atomic_write_is_private_unless_told(tmp_path: Path) -> None:
    atomic_write(tmp_path / "private" / "a", b"x")
    assert stat.S_IMODE((tmp_path / "private" / "a").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o700
    atomic_write(tmp_path / "public.json", b"x", mode=0o644)
    assert stat.S_IMODE((tmp_path / "public.json").stat().st_mode) == 0o644


def test_simulator_world_and_launcher_state_use_the_one_writer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing write leaves the previous simulator world and launcher state intact."""
    from dso_desktop.simulator import persist
    from dso_desktop.simulator.generator import build_world
    from dso_desktop.update import layout as layout_mod

    world, _ = build_world(seed=7)
    path = persist.save(world, tmp_path, {"n": 1})
    before = path.read_bytes()
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        persist.save(world, tmp_path, {"n": 2})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    lay = layout_mod.InstallLayout(tmp_path / "install")
    (tmp_path / "install").mkdir()
    with pytest.raises(OSError, match="disk full"):
        lay.save_state(layout_mod.InstallState(current="1.0.0"))
    assert list((tmp_path / "install").iterdir()) == []
    monkeypatch.setattr(os, "replace", real_replace)
    lay.save_state(layout_mod.InstallState(current="1.0.0"))
    saved = json.loads((tmp_path / "install" / layout_mod.STATE_FILE).read_bytes())
    assert saved["current"] == "1.0.0"


def test_no_second_atomic_write() -> None:
    """Writing a temporary file and renaming it over the target happens in paths.py only;
    the two other renames are no file writes (a staged version folder, a rotated log)."""
    assert _files_matching(r"os\.replace\(|\.replace\(out\)|mkstemp\(", SOURCES) == {
        "src/dso_desktop/paths.py",
        "src/dso_desktop/update/archive.py",  # moves a finished version folder into place
        "src/dso_desktop/update/files.py",  # the same for a version built from a file list
        "src/dso_desktop/update/layout.py",  # rotates launcher.log; probes a folder
        "src/dso_desktop/services/backup.py",  # moves an archive aside / a checked one in
        "src/dso_desktop/isds/transport.py",  # a PKCS#12 key as a temporary PEM for requests
    }


# -- loopback -----------------------------------------------------------------------------
@settings(deadline=None)  # a pure function: a slow example under load is no failure
@given(st.ip_addresses())
def test_is_loopback_agrees_with_the_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address
                                              ) -> None:
    assert net.is_loopback(str(ip)) is ip.is_loopback


@pytest.mark.parametrize(("host", "expected"), [
    ("localhost", True), ("LOCALHOST", True), ("127.0.0.1", True), ("127.8.9.10", True),
    ("::1", True), ("0.0.0.0", False), ("::", False), ("", False),  # noqa: S104
    ("10.0.0.1", False),
    ("localhost.example.org", False), ("ws1.mojedatovaschranka.cz", False),
    ("fe80::1%eth0", False),
])
def test_is_loopback_names(host: str, expected: bool) -> None:
    assert net.is_loopback(host) is expected


@pytest.mark.parametrize(("url", "allowed"), [
    ("http://127.0.0.1:8443/dso/", True), ("http://[::1]/dso/", True),
    ("http://localhost/", True), ("http://10.1.2.3/dso/", False),
    ("http://aktualizace.kraj.cz/", False), ("https://aktualizace.kraj.cz/", True),
])
def test_update_portal_plain_http_only_on_loopback(url: str, allowed: bool) -> None:
    if allowed:
        assert check_url(url) == url
    else:
        with pytest.raises(InsecureUrlError):
            check_url(url)


def test_simulator_refuses_a_non_loopback_address() -> None:
    from typing import Any, cast

    from dso_desktop.simulator.server import HttpFront

    for host in ("0.0.0.0", "192.168.1.10", "::"):  # noqa: S104 - refused, never bound
        with pytest.raises(ValueError, match="loopback"):
            HttpFront(cast(Any, None), host, 0, None)


def test_no_second_loopback_rule() -> None:
    tests = [*(ROOT / "tests").rglob("conftest.py")]
    # An address's own is_loopback, or a comparison with "localhost": the rule itself.
    rule = r"\)\.is_loopback\b|[=!]= *[\"']localhost[\"']|in \([\"']localhost"
    assert _files_matching(rule, SOURCES + tests) == {"src/dso_desktop/net.py"}


def test_no_second_client_tls_context() -> None:
    """An HTTPS client's TLS context (system roots plus an extra CA) is built in net.py;
    the mail client's differs on purpose: a configured CA is its only anchor."""
    assert _files_matching(r"create_default_context\(ssl\.Purpose\.SERVER_AUTH", SOURCES) == {
        "src/dso_desktop/net.py",
        "src/dso_desktop/services/notify.py",
    }


# -- the test PKI's certificate builder ----------------------------------------------------
def test_issue_cert_builds_a_chain_with_key_identifiers() -> None:
    ck, lk = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = issue_cert("Kořenová CA", ck, ca=True)
    leaf = issue_cert("Pečeť", lk, issuer=ca, issuer_key=ck, aia="http://ca.example/ca.crt",
                      san=[x509.DNSName("localhost")])
    assert ca.issuer == ca.subject and leaf.issuer == ca.subject
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    leaf.verify_directly_issued_by(ca)
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    with pytest.raises(ValueError, match="issuer's key"):
        issue_cert("x", lk, issuer=ca)


def test_no_second_certificate_builder() -> None:
    tests = [*(ROOT / "tests").rglob("*.py")]
    # Certificates only: a CRL's entries (`RevokedCertificateBuilder`) are not certificates.
    assert _files_matching(r"\bCertificateBuilder\(", SOURCES + tests) == {
        "src/dso_desktop/zfo/testpki.py"}


# -- a box owner's display name ------------------------------------------------------------
@pytest.mark.parametrize(("firm", "given_names", "last", "expected"), [
    ("Město Horní Dolní", "Jan", "Novák", "Město Horní Dolní"),
    (None, "Jan Pavel", "Novák", "Jan Pavel Novák"),
    (None, None, "Nováková", "Nováková"),
    ("", "Eva", None, "Eva"),
    (None, None, None, None),
])
def test_owner_name(firm: str | None, given_names: str | None, last: str | None,
                    expected: str | None) -> None:
    assert owner_name(firm, given_names, last) == expected


def test_owner_info_prefers_given_names_over_first_name() -> None:
    assert OwnerInfo(given_names="Jan Pavel", first_name="Jan",
                     last_name="Novák").display_name == "Jan Pavel Novák"
    assert OwnerInfo(first_name="Jan", last_name="Novák").display_name == "Jan Novák"
    assert OwnerInfo(firm_name="ACME s.r.o.", last_name="Novák").display_name == "ACME s.r.o."


def test_simulator_names_a_citizen_box_by_the_same_formula() -> None:
    from dso_desktop.simulator.generator import build_world

    world, _ = build_world(seed=3)
    citizens = [b for b in world.boxes.values() if b.box_type == "FO"]
    assert citizens
    for box in citizens:
        assert box.name == owner_name(None, box.first_name, box.last_name)


def test_no_second_owner_name_formula() -> None:
    assert _files_matching(r"firm_name or ", SOURCES) == {"src/dso_desktop/domain.py"}
