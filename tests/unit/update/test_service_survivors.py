"""Survivors of seed 20261212 (branch ``survupd5``) in `update.service`: the clock of a
service made without one, when a failed check happened, a small update started again over
its own cache, why a version is not staged twice, and which downloads go once a release is
staged (docs/testing.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from tuf.api.metadata import TargetFile
from updater.testkit import build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.update import service as service_mod
from dso_desktop.update.client import Offer
from dso_desktop.update.errors import UpdateError, UpdateNetworkError
from dso_desktop.update.release import Notes, Version
from dso_desktop.update.service import UpdateService

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _service(tmp_path: Path, root: Path | None = None) -> UpdateService:
    return UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=root,
                         trusted_root=b"{}", portal_url="https://portal.example/",
                         now=lambda: NOW)


def _offer(version: str, files: TargetFile | None = None) -> Offer:
    archive = TargetFile(1, {"sha256": "0" * 64}, f"r/dso-desktop-{version}.tar.gz")
    return Offer(Version.parse(version), Notes("", ""), "", archive, {}, files)


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    return install(tmp_path / "install", build_release(tmp_path / "c", "1.0.0"), "1.0.0")


def test_a_service_without_a_given_clock_keeps_utc_times(tmp_path: Path) -> None:
    # "Remind me later" is compared with the (UTC) clock of later checks, also after the
    # time zone or the daylight saving time changed: it is written in UTC.
    svc = UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=None,
                        trusted_root=b"{}", portal_url="https://portal.example/")
    before = time.time()
    svc.remind_later(timedelta(hours=1))
    remind_after = svc.settings().remind_after
    assert remind_after is not None and remind_after.endswith("+00:00")
    at = datetime.fromisoformat(remind_after).timestamp()
    assert before + 3600 - 1 <= at <= time.time() + 3600 + 1


def test_a_failed_check_records_when_it_failed(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    svc = _service(tmp_path)

    class Offline:
        def refresh(self) -> None:
            raise UpdateNetworkError("portal unreachable")

    monkeypatch.setattr(svc, "_new_client", lambda cancel=None: Offline())
    with pytest.raises(UpdateNetworkError):
        svc.check(force=True)
    problem = svc.last_problem()
    assert problem is not None
    assert problem["at"] == NOW.isoformat() and problem["message_en"] == "portal unreachable"


def test_a_small_update_started_again_reuses_the_files_it_fetched(
        tmp_path: Path, installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small update downloaded but not staged (the app closed in between) left its files
    # in the cache: the next download goes on with them, it does not fail on the folder.
    svc = _service(tmp_path, installed)
    svc.files_cache.mkdir(parents=True)
    (svc.files_cache / ("a" * 64)).write_bytes(b"fetched before")
    plan = object()
    seen: list[list[str]] = []

    def prepare(client: object, offer: Offer, installed_dirs: list[Path], cache: Path,
                progress: object) -> object:
        seen.append(sorted(p.name for p in cache.iterdir()))
        return plan

    monkeypatch.setattr(service_mod.smallupdate, "prepare", prepare)
    files = TargetFile(10, {"sha256": "1" * 64}, "r/dso-desktop-1.1.0.files.json")
    assert svc._try_small_update(_offer("1.1.0", files), object(), None) is plan  # type: ignore[arg-type]
    assert seen == [["a" * 64]]


def test_staging_a_version_already_installed_says_which(tmp_path: Path,
                                                        installed: Path) -> None:
    svc = _service(tmp_path, installed)
    svc._offer, svc._archive = _offer("1.0.0"), tmp_path / "dso-desktop-1.0.0.tar.gz"
    with pytest.raises(UpdateError) as refused:
        svc.stage()
    assert str(refused.value) == "version 1.0.0 is already installed"


def test_staging_removes_the_downloaded_archives_and_nothing_else(
        tmp_path: Path, installed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The staged version is unpacked: its archive and older ones go; a partial download
    # (another version being fetched) and files that are no release archives stay.
    svc = _service(tmp_path, installed)
    downloads = svc.download_dir
    downloads.mkdir(parents=True)
    for name in ("dso-desktop-1.1.0.tar.gz", "dso-desktop-0.9.0-linux-x86_64.tar.xz",
                 "dso-desktop-1.2.0.tar.gz.part", "dso-desktop-notes.txt", "other.tar.gz"):
        (downloads / name).write_bytes(b"x")

    def extract(archive: Path, version: Version, versions: Path) -> Path:
        (versions / str(version)).mkdir()
        return versions / str(version)

    monkeypatch.setattr(service_mod, "extract_version", extract)
    svc._offer = _offer("1.1.0")
    svc._client = SimpleNamespace(transport=SimpleNamespace(cancel=None))  # type: ignore[assignment]
    svc._archive = downloads / "dso-desktop-1.1.0.tar.gz"
    assert svc.stage().name == "1.1.0"
    assert sorted(p.name for p in downloads.iterdir()) == [
        "dso-desktop-1.2.0.tar.gz.part", "dso-desktop-notes.txt", "other.tar.gz"]


# Survivors of seed 20261213 (branch ``survrest6``).

def test_staging_without_the_launcher_says_there_is_nowhere_to_stage(tmp_path: Path) -> None:
    from dso_desktop.update.errors import NotInstalledError

    svc = _service(tmp_path)  # no install root: not started through the launcher
    with pytest.raises(NotInstalledError) as refused:
        svc.stage()
    assert str(refused.value) == "not started through the launcher: nowhere to stage"


def test_staging_while_another_update_holds_the_lock_says_so(tmp_path: Path,
                                                             installed: Path) -> None:
    svc = _service(tmp_path, installed)
    svc._offer, svc._archive = _offer("1.1.0"), tmp_path / "dso-desktop-1.1.0.tar.gz"
    assert svc.layout is not None
    with svc.layout.lock() as locked:  # another update (this process: not a stale lock)
        assert locked
        with pytest.raises(UpdateError) as refused:
            svc.stage()
    assert str(refused.value) == "another update is in progress"
    assert not svc.layout.version_dir("1.1.0").exists()


# Survivors of session 14's whole run (branch ``survupd15``).

def test_the_shipped_portal_url_is_read_as_utf_8_whatever_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The operator sets the regional portal in resources/update/portal.json before building
    # (docs/updates.md), possibly an internationalised name; a Windows PC reads text files
    # in its ANSI code page (cp1250 in Czech) unless told otherwise.
    import io

    portal = tmp_path / "portal.json"
    portal.write_bytes('{"url": "https://aktualizace.kraj-vysočina.cz/"}'.encode())
    monkeypatch.setattr(service_mod, "resource_path", lambda *_parts: portal)
    real = io.text_encoding
    monkeypatch.setattr(io, "text_encoding",
                        lambda encoding, stacklevel=2: real(encoding or "cp1250", stacklevel))
    assert service_mod.default_portal_url() == "https://aktualizace.kraj-vysočina.cz/"


def test_a_portal_url_in_the_policy_that_is_not_text_is_ignored(tmp_path: Path,
                                                                  installed: Path) -> None:
    from dso_desktop.update.layout import InstallLayout

    svc = UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=installed,
                        trusted_root=b"{}", now=lambda: NOW)
    svc.set_portal_url("https://mine.example/")
    for value in (1, ["https://policy.example/"], {"url": "https://policy.example/"}):
        InstallLayout(installed).update_policy({"portal_url": value})
        assert svc.portal_url() == "https://mine.example/"
    InstallLayout(installed).update_policy({"portal_url": "https://policy.example/"})
    assert svc.portal_url() == "https://policy.example/"


def test_checks_turned_off_can_be_turned_on_again(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    svc.set_enabled(False)
    assert not svc.checks_enabled()
    svc.set_enabled(True)
    assert svc.checks_enabled() and svc.settings().enabled is True


def test_apply_checks_as_asked_by_the_user_and_reports_the_download(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # apply is an explicit request (as `dso update apply`): its check is forced (it runs
    # with checks turned off and does not move the daily check's clock), and the caller's
    # progress sees the download.
    svc = _service(tmp_path)
    forced: list[bool] = []
    reported: list[object] = []

    def check(force: bool = False) -> SimpleNamespace:
        forced.append(force)
        return SimpleNamespace(available="1.1.0")

    def progress(done: int, total: int) -> None:
        pass

    monkeypatch.setattr(svc, "check", check)
    monkeypatch.setattr(svc, "download", lambda p, c: reported.append(p))
    monkeypatch.setattr(svc, "stage", lambda: tmp_path / "staged")
    assert svc.apply(progress) == tmp_path / "staged"
    assert forced == [True] and reported == [progress]


def test_downloading_the_way_back_fetches_nothing_when_the_previous_version_is_kept(
        tmp_path: Path, installed: Path) -> None:
    from tests.unit.update.test_service_rules import _offer as withdrawn_offer
    from tests.unit.update.test_service_rules import _two_versions

    layout = _two_versions(installed)
    svc = _service(tmp_path, installed)
    svc._offer = withdrawn_offer("0.9.0", withdrawn=("1.0.0",))
    svc._client = SimpleNamespace(transport=SimpleNamespace(cancel=None))  # type: ignore[assignment]  # no download: no portal
    assert svc.download() == layout.version_dir("0.9.0")
    assert svc._archive is None and svc._delta is None
    assert not svc.download_dir.exists() or not any(svc.download_dir.iterdir())


def test_staging_before_a_download_says_to_download_first(tmp_path: Path,
                                                          installed: Path) -> None:
    svc = _service(tmp_path, installed)
    with pytest.raises(UpdateError) as nothing_offered:
        svc.stage()
    assert str(nothing_offered.value) == "download the update first"
    svc._offer = _offer("1.1.0")  # checked, not downloaded
    with pytest.raises(UpdateError) as nothing_downloaded:
        svc.stage()
    assert str(nothing_downloaded.value) == "download the update first"
    assert not svc.layout.version_dir("1.1.0").exists()  # type: ignore[union-attr]


def test_a_release_that_cannot_be_unpacked_says_why(tmp_path: Path, installed: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.update.errors import UpdateStagingError

    def disk_full(archive: Path, version: Version, versions: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service_mod, "extract_version", disk_full)
    svc = _service(tmp_path, installed)
    svc._offer, svc._archive = _offer("1.1.0"), tmp_path / "dso-desktop-1.1.0.tar.gz"
    with pytest.raises(UpdateStagingError) as refused:
        svc.stage()
    assert str(refused.value) == "cannot unpack the release: [Errno 28] No space left on device"
    assert svc.layout is not None and svc.layout.load_state().pending is None


def test_a_version_that_failed_here_says_to_wait_for_a_newer_one(tmp_path: Path,
                                                                 installed: Path) -> None:
    from dso_desktop.update.errors import FailedVersionError
    from dso_desktop.update.layout import InstallLayout, InstallState

    InstallLayout(installed).save_state(InstallState(current="1.0.0", failed=("1.1.0",)))
    svc = _service(tmp_path, installed)
    with pytest.raises(FailedVersionError) as refused:
        svc._refuse_failed("1.1.0")
    assert str(refused.value) == ("version 1.1.0 failed on this computer before; it is not "
                                  "installed again (wait for a newer version)")
    svc._refuse_failed("1.2.0")  # another version: no objection


def test_the_launchers_notice_is_taken_once(tmp_path: Path, installed: Path) -> None:
    from dso_desktop.update.layout import InstallLayout

    notice = {"kind": "updated", "version": "1.1.0"}
    InstallLayout(installed).write_notice(notice)
    svc = _service(tmp_path, installed)
    assert svc.take_notice() == notice
    assert svc.take_notice() is None
    assert _service(tmp_path, None).take_notice() is None  # not started by the launcher


def test_expired_metadata_met_at_the_boundary_names_the_portals_operator() -> None:
    from tuf.api import exceptions as tuf_exc

    from dso_desktop.update.errors import UpdatePortalOutdated
    from dso_desktop.update.service import _translate_errors

    with pytest.raises(UpdatePortalOutdated) as refused, _translate_errors():
        raise tuf_exc.ExpiredMetadataError("timestamp.json is expired")
    assert str(refused.value) == ("the portal's signed metadata has expired (its operator "
                                  "must renew it): timestamp.json is expired")
