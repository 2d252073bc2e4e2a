"""UpdateService decisions that need no portal: settings, the daily check's clock, the way
back from a withdrawn version, the admin's lock. Written against survivors of a mutmut run
over ``update/service.py`` (docs/testing.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tuf.api.metadata import TargetFile
from updater.testkit import build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.update.client import Offer
from dso_desktop.update.layout import POLICY_FILE, InstallLayout, InstallState, Trial
from dso_desktop.update.release import Notes, Version
from dso_desktop.update.service import CHECK_INTERVAL, UpdateService, UpdateSettings

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _service(tmp_path: Path, root: Path | None = None) -> UpdateService:
    return UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=root,
                         trusted_root=b"{}", portal_url="https://portal.example/",
                         now=lambda: NOW)


def _offer(version: str, withdrawn: tuple[str, ...] = ()) -> Offer:
    archive = TargetFile(1, {"sha256": "0" * 64}, f"r/dso-desktop-{version}.tar.gz")
    return Offer(Version.parse(version), Notes("", ""), "", archive, {}, None, withdrawn)


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    return install(tmp_path / "install", build_release(tmp_path / "c", "1.0.0"), "1.0.0")


def test_leaving_a_withdrawn_version_marks_it_failed(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    svc._offer = _offer("1.0.0", withdrawn=("1.1.0",))
    state = InstallState(current="1.1.0", previous="1.0.0", failed=("0.9.0",))
    assert svc._withdrawn_as_failed(state) == InstallState(
        current="1.1.0", previous="1.0.0", failed=("0.9.0", "1.1.0"))


def test_the_failed_list_keeps_the_last_twenty(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    svc._offer = _offer("1.0.0", withdrawn=("1.1.0",))
    old = tuple(f"0.{i}.0" for i in range(25))
    got = svc._withdrawn_as_failed(InstallState(current="1.1.0", failed=old))
    assert got.failed == (*old[-19:], "1.1.0")


@pytest.mark.parametrize(("offer", "state"), [
    (None, InstallState(current="1.1.0")),  # nothing offered
    (_offer("1.0.0", withdrawn=("1.2.0",)), InstallState(current="1.1.0")),  # not withdrawn
    (_offer("1.0.0", withdrawn=("1.1.0",)), InstallState(current=None)),  # nothing runs
    (_offer("1.0.0", withdrawn=("1.1.0",)),  # already remembered: not twice
     InstallState(current="1.1.0", failed=("1.1.0",))),
])
def test_the_failed_list_is_left_alone_otherwise(tmp_path: Path, offer: Offer | None,
                                                 state: InstallState) -> None:
    svc = _service(tmp_path)
    svc._offer = offer
    assert svc._withdrawn_as_failed(state) is state


def test_check_due_after_the_interval_or_a_damaged_clock(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    assert svc.check_due()  # never checked
    svc._save(last_check=(NOW - CHECK_INTERVAL + timedelta(seconds=1)).isoformat())
    assert not svc.check_due()
    svc._save(last_check=(NOW - CHECK_INTERVAL).isoformat())
    assert svc.check_due()
    svc._save(last_check="yesterday-ish")  # a damaged value must not stop checks for good
    assert svc.check_due()
    svc.set_enabled(False)
    assert not svc.check_due()


def test_the_admin_lock_is_only_an_explicit_false(tmp_path: Path, installed: Path) -> None:
    svc = _service(tmp_path, installed)
    policy = installed / POLICY_FILE
    assert not svc.admin_locked() and svc.checks_enabled()
    for value, locked in ((False, True), (True, False), (0, False), (None, False)):
        policy.write_text(json.dumps({"enabled": value}), encoding="utf-8")
        assert svc.admin_locked() is locked, value
        assert svc.checks_enabled() is (not locked), value
    policy.write_text(json.dumps({"portal_url": "https://x.example/"}), encoding="utf-8")
    assert not svc.admin_locked()


def test_settings_load_keeps_known_fields_and_a_known_channel(tmp_path: Path) -> None:
    path = tmp_path / "update.json"
    path.write_text(json.dumps({"enabled": False, "channel": "beta", "surprise": 1}),
                    encoding="utf-8")
    assert UpdateSettings.load(path) == UpdateSettings(enabled=False, channel="beta")
    path.write_text(json.dumps({"channel": "nightly", "skipped_version": "1.2.0"}),
                    encoding="utf-8")
    assert UpdateSettings.load(path) == UpdateSettings(channel="stable",
                                                       skipped_version="1.2.0")
    path.write_text("[1, 2]", encoding="utf-8")
    assert UpdateSettings.load(path) == UpdateSettings()
    path.write_text("{broken", encoding="utf-8")
    assert UpdateSettings.load(path) == UpdateSettings()
    assert UpdateSettings.load(tmp_path / "missing.json") == UpdateSettings()


def test_set_channel_refuses_an_unknown_one(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    svc.set_channel("beta")
    assert svc.settings().channel == "beta"
    with pytest.raises(ValueError, match="unknown channel 'nightly'"):
        svc.set_channel("nightly")
    assert svc.settings().channel == "beta"


def test_install_status_of_a_launcher_install(tmp_path: Path, installed: Path) -> None:
    svc = _service(tmp_path, installed)
    layout = InstallLayout(installed)
    # (A previous version is only reported while its folder exists: none here.)
    layout.save_state(InstallState(current="1.0.0", failed=("0.9.5",),
                                   last_rollback={"version": "0.9.5", "to": "0.9.0"}))
    status = svc.install_status()
    assert status == {
        "installed": True, "root": str(installed), "managed": False,
        "log": status["log"], "current": "1.0.0", "previous": None, "pending": None,
        "failed": ["0.9.5"], "trial": None,
        "last_rollback": {"version": "0.9.5", "to": "0.9.0"},
    }
    assert Path(status["log"]).parent.name and str(status["log"]).endswith(".log")
    layout.save_state(InstallState(current="1.0.0", trial=Trial("1.0.0", 2,
                                                                last_end="exit code 3")))
    assert svc.install_status()["trial"] == {"version": "1.0.0", "failures": 2,
                                             "last_end": "exit code 3"}
    loose = _service(tmp_path, None)
    assert loose.install_status()["installed"] is False


def _two_versions(installed: Path) -> InstallLayout:
    """1.0.0 (current, now withdrawn by the operator) and 0.9.0 (previous) installed."""
    import shutil

    layout = InstallLayout(installed)
    old = layout.version_dir("0.9.0")
    shutil.copytree(layout.version_dir("1.0.0"), old, symlinks=True)
    manifest = json.loads((old / "dso-version.json").read_text(encoding="utf-8"))
    (old / "dso-version.json").write_text(json.dumps({**manifest, "version": "0.9.0"}),
                                          encoding="utf-8")
    layout.save_state(InstallState(current="1.0.0", previous="0.9.0"))
    assert layout.load_state().previous == "0.9.0"
    return layout


def test_the_way_back_uses_the_kept_folder_of_the_previous_version_only(
        tmp_path: Path, installed: Path) -> None:
    layout = _two_versions(installed)
    svc = _service(tmp_path, installed)
    back = _offer("0.9.0", withdrawn=("1.0.0",))
    assert svc._kept_rollback_folder(back) == layout.version_dir("0.9.0")
    # Another version offered back (not the previous one), or the current one not withdrawn:
    # no shortcut, the normal download path decides.
    layout.version_dir("0.8.0").mkdir()
    assert svc._kept_rollback_folder(_offer("0.8.0", withdrawn=("1.0.0",))) is None
    assert svc._kept_rollback_folder(_offer("0.9.0", withdrawn=("1.1.0",))) is None
    assert _service(tmp_path, None)._kept_rollback_folder(back) is None


def test_staging_the_way_back_marks_it_pending_and_the_withdrawn_one_failed(
        tmp_path: Path, installed: Path) -> None:
    layout = _two_versions(installed)
    svc = _service(tmp_path, installed)
    svc._offer = _offer("0.9.0", withdrawn=("1.0.0",))
    assert svc.stage() == layout.version_dir("0.9.0")
    state = layout.load_state()
    assert state.pending == "0.9.0" and state.failed == ("1.0.0",)
    assert state.current == "1.0.0"  # the launcher switches at the next start


def test_staging_the_way_back_waits_for_another_update(tmp_path: Path,
                                                      installed: Path) -> None:
    from dso_desktop.update.errors import UpdateError

    layout = _two_versions(installed)
    svc = _service(tmp_path, installed)
    svc._offer = _offer("0.9.0", withdrawn=("1.0.0",))
    with layout.lock() as locked:
        assert locked
        with pytest.raises(UpdateError, match=r"^another update is in progress$"):
            svc.stage()
    assert layout.load_state().pending is None


def test_a_managed_install_says_why_nothing_is_staged(tmp_path: Path, installed: Path) -> None:
    from dso_desktop.update.errors import UpdatesManaged

    (installed / POLICY_FILE).write_text(json.dumps({"managed": True}), encoding="utf-8")
    svc = _service(tmp_path, installed)
    svc._offer = _offer("1.1.0")
    with pytest.raises(UpdatesManaged, match="managed by the IT department: nothing is staged"):
        svc.stage()


def test_a_version_that_failed_here_is_not_even_downloaded(tmp_path: Path,
                                                           installed: Path) -> None:
    from dso_desktop.update.errors import FailedVersionError

    InstallLayout(installed).save_state(InstallState(current="1.0.0", failed=("1.1.0",)))
    svc = _service(tmp_path, installed)
    svc._offer = _offer("1.1.0")
    svc._client = object()  # type: ignore[assignment]  # never reached
    with pytest.raises(FailedVersionError, match=r"^version 1.1.0 failed on this computer"):
        svc.download()
    assert not svc.download_dir.exists() or not any(svc.download_dir.iterdir())


def test_the_shipped_root_is_a_signed_tuf_root() -> None:
    from dso_desktop.update.service import shipped_root

    doc = json.loads(shipped_root())
    assert doc["signed"]["_type"] == "root" and doc["signatures"]
    assert isinstance(doc["signed"]["version"], int)


# Survivors of seed 20261208 (branch ``survrest``).

def test_the_administrators_portal_ca_file_is_taken_from_the_policy(
        tmp_path: Path) -> None:
    root = tmp_path / "install"
    svc = _service(tmp_path, root)
    assert svc.portal_ca_file() is None  # no policy: the system roots
    InstallLayout(root).update_policy({"ca_file": "portal-ca.pem"})
    assert svc.portal_ca_file() == root / "portal-ca.pem"


def test_an_explicit_download_is_not_stopped_by_turned_off_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `dso update download` (like "check now") asks the portal even when the daily check
    # is turned off, and does not postpone that check.
    from dso_desktop.update.errors import UpdateNetworkError

    svc = _service(tmp_path)
    svc.set_enabled(False)
    asked: list[str] = []

    class Offline:
        def refresh(self) -> None:
            asked.append("refresh")
            raise UpdateNetworkError("portal unreachable")

    monkeypatch.setattr(svc, "_new_client", lambda cancel=None: Offline())
    with pytest.raises(UpdateNetworkError):
        svc.download()
    assert asked == ["refresh"]
    assert svc.settings().last_check is None


# Survivors of seed 20261210 (branch ``survrest3``).

def test_the_settings_file_is_written_for_people_to_read(tmp_path: Path) -> None:
    path = tmp_path / "update.json"
    UpdateSettings(channel="beta").save(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "enabled": true,\n  "portal_url": null,\n  "channel": "beta"')
    assert text.endswith("}\n") and UpdateSettings.load(path).channel == "beta"


def test_the_given_http_session_is_the_one_the_portal_is_asked_with(tmp_path: Path) -> None:
    import requests

    session = requests.Session()
    svc = UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=None,
                        trusted_root=b"{}", portal_url="https://portal.example/",
                        session=session)
    assert svc._transport().session is session


def test_without_a_file_list_the_full_archive_is_fetched(
        tmp_path: Path, installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.update import service as service_mod

    def no_small_update(*_a: object, **_kw: object) -> None:
        raise AssertionError("a small update was tried without a file list")

    monkeypatch.setattr(service_mod.smallupdate, "prepare", no_small_update)
    svc = _service(tmp_path, installed)
    assert svc._installed_dirs()  # a version is installed: only the missing list decides
    assert svc._try_small_update(_offer("1.1.0"), object(), None) is None  # type: ignore[arg-type]


def test_apply_hands_its_cancel_to_the_download(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from types import SimpleNamespace

    svc = _service(tmp_path)
    cancel = threading.Event()
    got: list[object] = []
    monkeypatch.setattr(svc, "check", lambda force=False: SimpleNamespace(available="1.1.0"))
    monkeypatch.setattr(svc, "download", lambda progress, c: got.append(c))
    monkeypatch.setattr(svc, "stage", lambda: tmp_path / "staged")
    assert svc.apply(None, cancel) == tmp_path / "staged"
    assert got == [cancel]


def test_a_download_with_nothing_newer_says_so(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from dso_desktop.update.errors import UpdateError

    svc = _service(tmp_path)
    monkeypatch.setattr(svc, "check", lambda force=False: SimpleNamespace(available=None))
    with pytest.raises(UpdateError) as refused:
        svc.download()
    assert str(refused.value) == "no newer version to download"


def test_an_archive_already_downloaded_and_verified_is_the_one_staged(
        tmp_path: Path, installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from dso_desktop.update import service as service_mod

    svc = _service(tmp_path, installed)
    offer = _offer("1.1.0")
    final = svc.download_dir / "dso-desktop-1.1.0.tar.gz"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"verified before")
    checked: list[Path] = []
    monkeypatch.setattr(service_mod, "verify_file", lambda _info, path: checked.append(path))
    svc._offer, svc._client = offer, SimpleNamespace(transport=SimpleNamespace(cancel=None))  # type: ignore[assignment]
    assert svc.download() == final and checked == [final]
    unpacked: list[Path] = []

    def extract(archive: Path, version: Version, versions: Path) -> Path:
        unpacked.append(archive)
        (versions / str(version)).mkdir()
        return versions / str(version)

    monkeypatch.setattr(service_mod, "extract_version", extract)
    assert svc.stage().name == "1.1.0" and unpacked == [final]


# Survivors of seed 20261211 (branch ``survrest4``).

def test_install_status_without_a_launcher_names_the_running_version(tmp_path: Path) -> None:
    from dso_desktop import __version__

    assert _service(tmp_path, None).install_status() == {
        "installed": False, "current": __version__}


def test_a_broken_release_document_keeps_its_reason_as_an_update_error() -> None:
    from dso_desktop.update.errors import UpdateError
    from dso_desktop.update.release import ReleaseFormatError
    from dso_desktop.update.service import _translate_errors

    with pytest.raises(UpdateError) as refused, _translate_errors():
        raise ReleaseFormatError("bad latest.json: unknown latest.json format")
    assert type(refused.value) is UpdateError
    assert str(refused.value) == "bad latest.json: unknown latest.json format"
