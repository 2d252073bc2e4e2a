"""The updater's TLS trust is explicit: the configured portal CA, or the product's roots.

Environment variables that requests or OpenSSL would read (REQUESTS_CA_BUNDLE,
CURL_CA_BUNDLE, SSL_CERT_FILE) never replace it; the user's proxy variables still apply.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from updater.server import make_self_signed
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.update.errors import UpdateError, UpdateNetworkError, UpdateTlsError
from dso_desktop.update.service import UpdateService
from dso_desktop.update.transport import Transport, ca_bundle, system_ca_bundle

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    p = Portal(tmp_path / "portal")
    p.publish("1.0.0")
    p.publish("2.0.0")
    p.serve(tls_dir=tmp_path / "tls")
    yield p
    p.stop()


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    return install(tmp_path / "install", build_release(tmp_path / "clerk", "1.0.0"), "1.0.0")


@pytest.fixture
def bogus_ca(tmp_path: Path) -> Path:
    """A well-formed CA certificate that signed nothing the portal uses."""
    cert, _key = make_self_signed(tmp_path / "bogus")
    return cert


def _service(portal: Portal, installed: Path, tmp_path: Path,
             ca_file: Path | None) -> UpdateService:
    assert portal.server is not None
    return UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=installed,
                         trusted_root=(portal.repo.metadata_dir / "1.root.json").read_bytes(),
                         portal_url=portal.server.url, platform=PLATFORM, ca_file=ca_file)


def _portal_ca(portal: Portal) -> Path:
    assert portal.server is not None and portal.server.ca_file is not None
    return portal.server.ca_file


def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CA or proxy variable of the machine running the tests leaks into a test."""
    for name in (*CA_VARIABLES, "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
                 "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("variable", CA_VARIABLES)
def test_configured_ca_is_used_whatever_the_environment_names(
        portal: Portal, installed: Path, tmp_path: Path, bogus_ca: Path,
        monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    _clean_environment(monkeypatch)
    monkeypatch.setenv(variable, str(bogus_ca))
    # The right CA configured: the check succeeds although the environment names another.
    result = _service(portal, installed, tmp_path, _portal_ca(portal)).check()
    assert result.available == "2.0.0"
    # The wrong CA configured and the portal's own CA in the environment: still refused,
    # with a TLS error (not silently trusted through the variable).
    monkeypatch.setenv(variable, str(_portal_ca(portal)))
    with pytest.raises(UpdateTlsError, match="not trusted") as info:
        _service(portal, installed, tmp_path / "other", bogus_ca).check()
    assert "certifik" in info.value.message_cs.lower()


@pytest.mark.parametrize("variable", CA_VARIABLES)
def test_without_a_configured_ca_the_environment_cannot_add_trust(
        portal: Portal, installed: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    """Before the fix requests took REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE instead of its roots."""
    _clean_environment(monkeypatch)
    monkeypatch.setenv(variable, str(_portal_ca(portal)))
    with pytest.raises(UpdateTlsError):
        _service(portal, installed, tmp_path, None).check()


def test_verify_is_always_an_explicit_file(tmp_path: Path, bogus_ca: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _clean_environment(monkeypatch)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bogus_ca))
    assert Transport().verify == system_ca_bundle()
    assert Path(system_ca_bundle()).is_file()
    assert ca_bundle(None) == system_ca_bundle()
    # The configured CA alone: the public roots are not mixed into it.
    assert ca_bundle(bogus_ca) == str(bogus_ca.resolve())
    with pytest.raises(ValueError, match="cannot be turned off"):
        Transport(False)


def test_unusable_configured_ca_file_is_a_clear_error(
        portal: Portal, installed: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    for ca in (junk, tmp_path / "missing.pem"):
        with pytest.raises(UpdateError, match="CA file"):
            _service(portal, installed, tmp_path, ca).check()


def test_proxy_variables_still_apply(portal: Portal, installed: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The CA fix keeps requests' trust_env: HTTPS_PROXY is still honoured (here a dead one)."""
    _clean_environment(monkeypatch)
    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{dead}")
    with pytest.raises(UpdateNetworkError) as info:
        _service(portal, installed, tmp_path, _portal_ca(portal)).check()
    assert not isinstance(info.value, UpdateTlsError)
    assert "proxy" in str(info.value).lower()
    monkeypatch.delenv("HTTPS_PROXY")
    assert _service(portal, installed, tmp_path, _portal_ca(portal)).check().available == "2.0.0"


def test_policy_ca_file_is_the_portal_anchor_for_the_gui(
        portal: Portal, installed: Path, tmp_path: Path, bogus_ca: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The GUI passes no CA: the administrator's update-policy.json names it."""
    import json
    import shutil

    _clean_environment(monkeypatch)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bogus_ca))
    shutil.copy(_portal_ca(portal), installed / "portal-ca.pem")
    (installed / "update-policy.json").write_text(json.dumps({"ca_file": "portal-ca.pem"}))
    assert _service(portal, installed, tmp_path, None).check().available == "2.0.0"
    shutil.copy(bogus_ca, installed / "portal-ca.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(_portal_ca(portal)))
    with pytest.raises(UpdateTlsError):
        _service(portal, installed, tmp_path / "other", None).check()
