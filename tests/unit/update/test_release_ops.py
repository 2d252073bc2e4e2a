"""dso-release as an operator runs it: rotation and the daily job, status, add's refusals, page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from updater.cli import main as release_main
from updater.repository import ReleaseRepository
from updater.server import StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.resources import resource_path
from dso_desktop.update.service import UpdateService


def _own(stem: str, new: bool) -> str:
    """Every key its own passphrase, as after a real key ceremony."""
    return f"passphrase-of-{stem}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("DSO_RELEASE_PASSPHRASE"):
            monkeypatch.delenv(name)
    # No OS keyring answers in tests: only the variables count.
    monkeypatch.setattr("updater.keys._os_keyring", lambda names: None)
    return monkeypatch


def _fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- 1. rotation never breaks the daily job ---------------------------------------------------

def test_timestamp_rotation_keeps_the_documented_daily_job_working(
        tmp_path: Path, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo_dir = tmp_path / "repo"
    ReleaseRepository.init(repo_dir, _own)
    online = _own("online-1", False)
    # The cron line of docs/updates.md before any rotation: both online roles by role name.
    daily = {"DSO_RELEASE_PASSPHRASE_TIMESTAMP": online,
             "DSO_RELEASE_PASSPHRASE_SNAPSHOT": online}
    for k, v in daily.items():
        clean_env.setenv(k, v)
    assert release_main(["timestamp", str(repo_dir)]) == 0
    assert release_main(["resign", str(repo_dir), "--role", "snapshot"]) == 0

    # Rotation (the operator with the root keys at hand); the new key's passphrase is
    # given in the same role-named variable.
    with clean_env.context() as m:
        m.setenv("DSO_RELEASE_PASSPHRASE_ROOT_1", _own("root-1", False))
        m.setenv("DSO_RELEASE_PASSPHRASE_ROOT_2", _own("root-2", False))
        m.setenv("DSO_RELEASE_PASSPHRASE_TIMESTAMP", "the new timestamp passphrase")
        assert release_main(["rotate", str(repo_dir), "--role", "timestamp"]) == 0
    out = capsys.readouterr().out
    assert "timestamp-1.key" in out
    repo = ReleaseRepository(repo_dir)
    root = repo.root().signed
    assert root.version == 2
    assert root.roles["timestamp"].keyids != root.roles["snapshot"].keyids

    # The old cron line (old passphrase in the TIMESTAMP variable) now fails, clearly...
    capsys.readouterr()
    assert release_main(["timestamp", str(repo_dir)]) == 1
    err = capsys.readouterr().err
    assert "timestamp" in err and "wrong passphrase" in err
    # ...and the documented one (same variable names, the new value) works, also when the
    # snapshot is renewed, which still uses online-1 (its .pub says so: no prompt, no error).
    clean_env.setenv("DSO_RELEASE_PASSPHRASE_TIMESTAMP", "the new timestamp passphrase")
    before = repo.timestamp().signed.version
    assert release_main(["timestamp", str(repo_dir)]) == 0
    assert release_main(["resign", str(repo_dir), "--role", "snapshot"]) == 0
    assert repo.timestamp().signed.version == before + 2
    # A client that knows only root v1 follows the rotation and accepts the new timestamp.
    portal_root = (repo_dir / "public" / "metadata" / "1.root.json").read_bytes()
    installed = install(tmp_path / "install", build_release(tmp_path / "c", "0.9.0"), "0.9.0")
    with StaticServer(repo_dir / "public") as server:
        svc = UpdateService(AppPaths.default(tmp_path / "user").ensure(),
                            install_root=installed, trusted_root=portal_root,
                            portal_url=server.url, platform=PLATFORM)
        assert svc.check().reason == "up-to-date"


def test_status_reports_expiry_keys_and_jobs_and_pages_on_margin(
        tmp_path: Path, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo_dir = tmp_path / "repo"
    ReleaseRepository.init(repo_dir, _own)
    clean_env.setenv("DSO_RELEASE_PASSPHRASE_TIMESTAMP", _own("online-1", False))
    capsys.readouterr()
    assert release_main(["status", str(repo_dir)]) == 0
    text = capsys.readouterr().out
    assert "timestamp" in text and "online-1.key [DSO_RELEASE_PASSPHRASE_TIMESTAMP]" in text
    assert "root-1.key [terminal only]" in text

    # The timestamp lives 2 days: a 49-hour margin must page the operator (exit 1).
    assert release_main(["status", str(repo_dir), "--margin", "49", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["expiring"] == ["timestamp"]
    roles = {r["role"]: r for r in report["roles"]}
    assert 47 < roles["timestamp"]["expires_in_hours"] <= 48
    assert roles["root"]["within_margin"] is False
    keys = {k["role"]: k for k in report["keys"]}
    assert keys["timestamp"]["unattended"] is True and keys["root"]["unattended"] is False
    assert keys["snapshot"]["files"][0]["passphrase"] is None  # SNAPSHOT not set here
    jobs = {j["job"]: j for j in report["jobs"]}
    daily = jobs["timestamp (daily job)"]
    assert daily["available"] is True and daily["unattended"] is False

    # Offline keys moved away: the jobs that need them say so.
    offline = tmp_path / "usb"
    offline.mkdir()
    for p in list((repo_dir / "keys").glob("root-*")) + list((repo_dir / "keys").glob("targets-*")):
        p.rename(offline / p.name)
    assert release_main(["status", str(repo_dir), "--json"]) == 0
    jobs = {j["job"]: j for j in json.loads(capsys.readouterr().out)["jobs"]}
    assert jobs["resign root / rotate"]["available"] is False
    assert jobs["timestamp (daily job)"]["available"] is True
    assert release_main(["status", str(repo_dir), "--keys-dir", str(offline), "--json"]) == 0
    jobs = {j["job"]: j for j in json.loads(capsys.readouterr().out)["jobs"]}
    assert jobs["resign root / rotate"]["available"] is True


# -- 3. add refuses what would fail on the clients --------------------------------------------

@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Portal:
    from updater.testkit import PASSPHRASE

    p = Portal(tmp_path / "portal")
    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE", PASSPHRASE)
    return p


def _add(portal: Portal, archive: Path, *extra: str) -> int:
    return release_main(["add", str(portal.repo.path), str(archive), "--platform", PLATFORM,
                         *extra])


@pytest.mark.parametrize("case", ["placeholder", "other-portal", "missing"])
def test_add_refuses_a_bundle_without_this_portals_root(
        portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    root_json = {
        "placeholder": resource_path("update", "root.json").read_bytes(),
        "other-portal": Portal(tmp_path / "elsewhere").root_json,
        "missing": None,
    }[case]
    archive = build_release(tmp_path / "b", "1.0.0", root_json=root_json)
    before = _fingerprint(portal.repo.path)
    capsys.readouterr()
    assert _add(portal, archive) == 1
    err = capsys.readouterr().err
    want = {"placeholder": "still the placeholder", "other-portal": "not a root of this portal",
            "missing": "has no resources/update/root.json"}[case]
    assert want in err and "Traceback" not in err
    if case != "missing":
        assert "1.root.json to resources/update/root.json" in err  # the fix is named
    assert _fingerprint(portal.repo.path) == before
    # After a root rotation, a bundle with the first root is still fine (clients walk the
    # chain), and one with the current root too.
    good = build_release(tmp_path / "g", "1.0.0", root_json=portal.root_json)
    assert _add(portal, good) == 0


def test_add_refuses_a_wrong_version_and_prints_the_bump_procedure(
        portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    archive = build_release(tmp_path / "b", "1.2.0", root_json=portal.root_json)
    before = _fingerprint(portal.repo.path)
    capsys.readouterr()
    assert _add(portal, archive, "--version", "1.3.0") == 1
    assert "the bundle is version 1.2.0, not 1.3.0" in capsys.readouterr().err
    assert _fingerprint(portal.repo.path) == before
    assert _add(portal, archive) == 0  # --version defaults to the bundle's own
    assert "Published 1.2.0" in capsys.readouterr().out
    again = build_release(tmp_path / "c", "1.1.0", root_json=portal.root_json)
    before = _fingerprint(portal.repo.path)

    def no_self_check(*a: object, **k: object) -> str:
        raise AssertionError("the self-check ran for a version that cannot be published")

    monkeypatch.setattr("updater.preflight.run_self_check", no_self_check)
    assert _add(portal, again) == 1
    err = capsys.readouterr().err
    assert "not newer than the published 1.2.0" in err
    assert "__version__ in src/dso_desktop/__init__.py" in err and "1.2.1" in err
    assert "make bundle" in err
    assert _fingerprint(portal.repo.path) == before


def test_add_runs_the_bundles_self_check(
        portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    broken = build_release(tmp_path / "b", "1.0.0", broken=True, root_json=portal.root_json)
    before = _fingerprint(portal.repo.path)
    capsys.readouterr()
    assert _add(portal, broken) == 1
    err = capsys.readouterr().err
    assert "self-check failed (exit 3)" in err and "database module is missing" in err
    assert _fingerprint(portal.repo.path) == before
    # A bundle for another platform cannot be checked here: refused unless the operator
    # says it was checked elsewhere.
    monkeypatch.setattr("updater.preflight.platform_tag", lambda: "windows-x86_64")
    good = build_release(tmp_path / "g", "1.0.0", root_json=portal.root_json)
    assert _add(portal, good) == 1
    assert "cannot run here" in capsys.readouterr().err
    assert _add(portal, good, "--no-self-check") == 0
    assert "NOT run" in capsys.readouterr().err


def test_self_check_environment_uses_the_real_platform_where_a_display_exists(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from updater.preflight import self_check_env

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE_TIMESTAMP", "secret")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("DISPLAY", ":0")
    env, note = self_check_env()
    assert "QT_QPA_PLATFORM" not in env and "own Qt platform plugin" in note
    assert env["DSO_SELF_CHECK_NATIVE_QT"] == "1"
    assert not any(k.startswith("DSO_RELEASE_PASSPHRASE") for k in env)  # never passed on
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    env, note = self_check_env()
    assert env["QT_QPA_PLATFORM"] == "offscreen" and "offscreen platform plugin only" in note
    assert "DSO_SELF_CHECK_NATIVE_QT" not in env


@pytest.mark.parametrize("native", [False, True])
def test_gui_start_check_uses_the_real_platform_plugin_only_when_asked(
        monkeypatch: pytest.MonkeyPatch, native: bool) -> None:
    import subprocess

    from dso_desktop.update import selfcheck

    seen: dict[str, object] = {}

    def fake_run(cmd: list[str], env: dict[str, str], **kw: object) -> object:
        seen["platform"] = env.get("QT_QPA_PLATFORM")
        Path(cmd[cmd.index("--screenshot") + 1]).write_bytes(b"png")
        return subprocess.CompletedProcess(cmd, 0, b"", b"")

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    if native:
        monkeypatch.setenv("DSO_SELF_CHECK_NATIVE_QT", "1")
    else:
        monkeypatch.delenv("DSO_SELF_CHECK_NATIVE_QT", raising=False)
    item = selfcheck._gui_start()
    assert item.ok
    assert seen["platform"] == ("xcb" if native else "offscreen")
    assert ("desktop's platform plugin" in item.detail) is native


# -- 6. the page carries the region's data ------------------------------------------------

def test_page_shows_region_helpdesk_and_platforms_czech_first(
        portal: Portal, capsys: pytest.CaptureFixture[str]) -> None:
    portal.publish("1.0.0")
    repo = str(portal.repo.path)
    assert release_main(["config", repo, "--region", "Kraj Vysočina <script>",
                         "--helpdesk-name", "Krajský helpdesk IT",
                         "--helpdesk-phone", "+420 564 602 111",
                         "--helpdesk-email", "helpdesk@kr-vysocina.cz",
                         "--helpdesk-hours", "po–pá 7:30–15:30",
                         "--platforms", "windows-x86_64,linux-x86_64"]) == 0
    page = (portal.public / "index.html").read_text(encoding="utf-8")
    assert "<title>DSO Desktop – Kraj Vysočina &lt;script&gt;" in page
    assert "<script>" not in page
    assert 'href="tel:+420564602111"' in page and "mailto:helpdesk@kr-vysocina.cz" in page
    assert "Podpora / Helpdesk" in page and "po–pá 7:30–15:30" in page
    assert page.index("Windows 10 a 11") < page.index("Linux (x86-64)")
    assert "zatím nevydáno / not yet published" in page  # no Windows build yet
    assert "verze 1.0.0" in page
    # Czech before English in every bilingual line of the region's block.
    assert page.index("Klient datových schránek") < page.index("Data-box (ISDS) client")
    # The settings survive the next publish (the page is rewritten each time).
    portal.publish("1.1.0")
    assert "Krajský helpdesk IT" in (portal.public / "index.html").read_text(encoding="utf-8")
    assert release_main(["config", repo, "--platforms", "amiga/../x"]) == 1
    assert "bad platform" in capsys.readouterr().err


def test_daily_job_takes_passphrases_from_the_os_keyring_by_role(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import os

    import keyring

    for name in list(os.environ):
        if name.startswith("DSO_RELEASE_PASSPHRASE"):
            monkeypatch.delenv(name)
    repo_dir = tmp_path / "repo"
    ReleaseRepository.init(repo_dir, _own)
    assert release_main(["timestamp", str(repo_dir)]) == 1  # nothing stored yet
    assert "service dso-release, user timestamp" in capsys.readouterr().err
    keyring.set_password("dso-release", "timestamp", _own("online-1", False))
    keyring.set_password("dso-release", "snapshot", _own("online-1", False))
    assert release_main(["timestamp", str(repo_dir)]) == 0
    assert release_main(["resign", str(repo_dir), "--role", "snapshot"]) == 0
    capsys.readouterr()
    assert release_main(["status", str(repo_dir), "--json"]) == 0
    keys = {k["role"]: k for k in json.loads(capsys.readouterr().out)["keys"]}
    assert keys["timestamp"]["files"][0]["passphrase"] == "OS keyring (dso-release/timestamp)"
    assert keys["timestamp"]["unattended"] is True


def test_large_targets_metadata_is_a_warning_with_the_fix(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    from updater import repository

    from dso_desktop.update.client import CONFIG

    assert CONFIG.targets_max_length == repository.TARGETS_MAX_BYTES  # one limit, two sides
    portal.publish("1.0.0")
    assert portal.repo.warnings() == []
    monkeypatch.setattr(repository, "TARGETS_WARN_BYTES", 100)
    assert any("run dso-release prune" in w for w in portal.repo.warnings())


def test_add_takes_the_platform_from_the_file_name(
        portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("updater.preflight.platform_tag", lambda: PLATFORM)
    built = build_release(tmp_path / "b", "1.0.0", root_json=portal.root_json, suffix=".tar.xz")
    win = built.rename(built.with_name("dso-desktop-1.0.0-windows-x86_64.tar.xz"))
    repo = str(portal.repo.path)
    capsys.readouterr()
    assert release_main(["add", repo, str(win), "--platform", PLATFORM]) == 1
    assert "says platform windows-x86_64" in capsys.readouterr().err
    # Not this machine's platform: the self-check cannot run here, as documented.
    assert release_main(["add", repo, str(win)]) == 1
    assert "cannot run here" in capsys.readouterr().err
    assert release_main(["add", repo, str(win), "--no-self-check"]) == 0
    assert [(r["platform"], r["version"]) for r in portal.repo.releases()] == [
        ("windows-x86_64", "1.0.0")]
