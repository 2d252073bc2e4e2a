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
