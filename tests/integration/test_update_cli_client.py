"""`dso update` for clerks and IT: check (managed installs, causes, no postponing of the
GUI's check), rollback with a direction, the policy (proxy, CA, managed) via config, and
the app's own proxy setting reaching the portal."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from updater.server import StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install, make_version_dir

from dso_desktop.cli.main import run
from dso_desktop.paths import AppPaths
from dso_desktop.update.layout import POLICY_FILE, InstallLayout, InstallState
from dso_desktop.update.service import UpdateService


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Portal, Path, str]]:
    portal = Portal(tmp_path / "portal")
    portal.publish("1.0.0")
    portal.publish("1.1.0")
    root = install(tmp_path / "install", build_release(tmp_path / "c", "1.0.0"), "1.0.0")
    # The client trusts this test portal's root (a real build ships it as root.json).
    server = StaticServer(portal.public).start()
    yield portal, root, server.url
    server.stop()


def _dso(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _trust(monkeypatch: pytest.MonkeyPatch, portal: Portal) -> None:
    root_json = (portal.repo.metadata_dir / "1.root.json").read_bytes()
    monkeypatch.setattr("dso_desktop.update.service.shipped_root", lambda: root_json)
    monkeypatch.setattr("dso_desktop.update.service.platform_tag", lambda: PLATFORM)


def test_cli_check_does_not_postpone_the_guis_check(
        served: tuple[Portal, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    portal, root, url = served
    _trust(monkeypatch, portal)
    user = str(tmp_path / "user")
    code, out, _err = _dso(capsys, "--data-dir", user, "--json", "update", "check",
                           "--portal", url, "--install-root", str(root))
    assert code == 0 and json.loads(out)["available"] == "1.1.0"
    svc = UpdateService(AppPaths.default(user), install_root=root, portal_url=url)
    assert svc.settings().last_check is None and svc.check_due()
    assert svc.settings().last_result["available"] == "1.1.0"  # type: ignore[index]


def test_cli_check_of_a_managed_install_says_updates_come_from_it(
        served: tuple[Portal, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    portal, root, url = served
    _trust(monkeypatch, portal)
    (root / POLICY_FILE).write_text(json.dumps({"managed": True}), encoding="utf-8")
    user = str(tmp_path / "user")
    code, out, err = _dso(capsys, "--data-dir", user, "update", "check", "--portal", url,
                          "--install-root", str(root))
    assert code == 0 and "IT" in out and "Traceback" not in err
    code, out, err = _dso(capsys, "--data-dir", user, "update", "apply", "--portal", url,
                          "--install-root", str(root))
    assert code == 1 and "managed by the IT department" in err
    assert InstallLayout(root).load_state().pending is None
    assert sorted(p.name for p in (root / "versions").iterdir()) == ["1.0.0"]


def test_cli_check_failure_names_its_cause(served: tuple[Portal, Path, str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _portal, root, _url = served
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    code, _out, err = _dso(capsys, "--data-dir", str(tmp_path / "user"), "update", "check",
                           "--portal", dead, "--install-root", str(root))
    assert code == 1
    assert "update unreachable:" in err  # English outside a Czech locale (issue 14)
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _out, err = _dso(capsys, "--data-dir", str(tmp_path / "user"), "update", "check",
                           "--portal", dead, "--install-root", str(root))
    assert code == 1 and "není dostupný" in err and "aktualizace unreachable" in err
    assert "refused" not in err and "Errno" not in err  # no English detail (issue 14)


def test_apps_proxy_setting_reaches_the_cli_check(
        served: tuple[Portal, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.app import App

    portal, root, _url = served
    _trust(monkeypatch, portal)
    user = tmp_path / "user"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{s.getsockname()[1]}"
    with App.open(AppPaths.default(user).ensure()) as app:
        app.settings.update(proxy=dead_proxy)
    argv = ["--data-dir", str(user), "update", "check", "--portal",
            "https://portal.invalid/", "--install-root", str(root)]
    code, _out, err = _dso(capsys, *argv)
    # Why: the request went to the app's proxy (a dead one), not out directly.
    assert code == 1 and "proxy" in err.lower()
    code, out, _err = _dso(capsys, "--data-dir", str(user), "--json", "update", "config",
                           "--install-root", str(root))
    assert json.loads(out)["proxy"] == dead_proxy


def test_policy_via_config_sets_proxy_ca_and_managed(
        served: tuple[Portal, Path, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _portal, root, _url = served
    user = str(tmp_path / "user")
    base = ["--data-dir", user, "--json", "update", "config", "--install-root", str(root)]
    code, _o, err = _dso(capsys, *base, "--proxy", "http://proxy.kraj.cz:3128")
    assert code == 2 and "--policy" in err  # the user cannot set the admin's policy
    from dso_desktop.zfo.testpki import create_pki

    pki = create_pki(tmp_path / "pki")
    (root / "portal-ca.pem").write_bytes(pki.ca_file.read_bytes())
    code, out, err = _dso(capsys, *base, "--policy", "--proxy", "http://proxy.kraj.cz:3128",
                          "--ca-file", "portal-ca.pem", "--managed", "yes")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["proxy"] == "http://proxy.kraj.cz:3128" and shown["managed"] is True
    assert shown["ca_file"] == str(root / "portal-ca.pem")
    assert json.loads((root / POLICY_FILE).read_text()) == {
        "proxy": "http://proxy.kraj.cz:3128", "ca_file": "portal-ca.pem", "managed": True}
    code, _o, err = _dso(capsys, *base, "--policy", "--proxy", "nonsense")
    assert code == 1 and "proxy" in err
    (root / "bad.pem").write_text("not a certificate")
    code, _o, err = _dso(capsys, *base, "--policy", "--ca-file", "bad.pem")
    assert code == 1 and "cannot be used" in err
    code, out, _e = _dso(capsys, *base, "--policy", "--proxy", "system", "--managed", "no")
    assert code == 0 and json.loads(out)["managed"] is False
    assert json.loads((root / POLICY_FILE).read_text()) == {"ca_file": "portal-ca.pem"}


def test_dso_update_rollback_goes_back_only(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "install"
    (root / "versions").mkdir(parents=True)
    for v in ("1.0.0", "2.0.0"):
        make_version_dir(root / "build", v).rename(root / "versions" / v)
    layout = InstallLayout(root)
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0"))
    argv = ["--data-dir", str(tmp_path / "user"), "update", "rollback",
            "--install-root", str(root)]
    code, out, _err = _dso(capsys, *argv)
    assert code == 0 and "1.0.0" in out
    state = layout.load_state()
    assert (state.current, state.previous, state.failed) == ("1.0.0", None, ("2.0.0",))
    code, _out, err = _dso(capsys, *argv)
    assert code == 1 and "rollback refused" in err
    assert layout.load_state().current == "1.0.0"


def test_dso_update_status_changes_nothing(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "install"
    (root / "versions").mkdir(parents=True)
    for v in ("1.0.0", "2.0.0"):
        make_version_dir(root / "build", v).rename(root / "versions" / v)
    layout = InstallLayout(root)
    layout.save_state(InstallState(current="1.0.0", pending="2.0.0"))
    layout.write_notice({"kind": "updated", "message_cs": "x", "message_en": "x"})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    code, out, _err = _dso(capsys, "--data-dir", str(tmp_path / "user"), "--json", "update",
                           "status", "--install-root", str(root))
    info: dict[str, Any] = json.loads(out)
    assert code == 0 and info["pending"] == "2.0.0" and info["managed"] is False
    assert info["log"] == str(root / "launcher.log")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_version_rolled_back_by_hand_is_not_offered_again(
        served: tuple[Portal, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    portal, root, url = served
    _trust(monkeypatch, portal)
    make_version_dir(root / "build", "1.1.0").rename(root / "versions" / "1.1.0")
    InstallLayout(root).save_state(InstallState(current="1.1.0", previous="1.0.0"))
    user = str(tmp_path / "user")
    code, _out, err = _dso(capsys, "--data-dir", user, "update", "rollback",
                           "--install-root", str(root))
    assert code == 0, err
    svc = UpdateService(AppPaths.default(user), install_root=root, portal_url=url)
    result = svc.check(force=True)
    # The portal still offers 1.1.0: it is seen, but never prompted or installed again.
    assert (result.available, result.reason, result.prompt) == ("1.1.0", "failed-before",
                                                                False)
    code, _out, err = _dso(capsys, "--data-dir", user, "update", "apply", "--portal", url,
                           "--install-root", str(root))
    assert code == 1 and "failed on this computer before" in err
    assert InstallLayout(root).load_state().current == "1.0.0"
    assert not (root / "versions" / "1.1.0").exists()


def test_unreadable_archive_falls_back_to_the_system_proxy(
        served: tuple[Portal, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    portal, root, url = served
    _trust(monkeypatch, portal)
    user = tmp_path / "user"
    paths = AppPaths.default(user).ensure()
    paths.database.write_bytes(b"not a database at all")
    code, out, err = _dso(capsys, "--data-dir", str(user), "--json", "update", "check",
                          "--portal", url, "--install-root", str(root))
    assert code == 0 and json.loads(out)["available"] == "1.1.0"
    assert "proxy setting is unreadable" in err and "Traceback" not in err
