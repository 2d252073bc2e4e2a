"""UpdateService: settings, admin policy, skip / remind later, small updates, staging."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from updater.server import StaticHandler, StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.update.errors import NotInstalledError, UpdateError, UpdatesDisabled
from dso_desktop.update.layout import POLICY_FILE, InstallLayout
from dso_desktop.update.service import UpdateService, UpdateSettings, default_portal_url
from dso_desktop.update.transport import InsecureUrlError, check_url


class _Recorder(StaticHandler):
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        super().do_GET()


@pytest.fixture
def setup(tmp_path: Path):
    portal = Portal(tmp_path / "portal")
    bulk = random.Random(1).randbytes(150_000)
    portal.publish("1.0.0", payload=bulk)
    root = install(tmp_path / "install",
                   build_release(tmp_path / "c", "1.0.0", payload=bulk), "1.0.0")
    _Recorder.paths = []
    server = StaticServer(portal.public, handler_class=_Recorder).start()
    clock = [datetime(2026, 11, 24, 12, tzinfo=UTC)]

    def make(**kw) -> UpdateService:
        return UpdateService(
            AppPaths.default(tmp_path / "user").ensure(), install_root=root,
            trusted_root=(portal.repo.metadata_dir / "1.root.json").read_bytes(),
            portal_url=kw.pop("portal_url", server.url), platform=PLATFORM,
            now=lambda: clock[0], **kw)

    yield portal, root, make, clock, bulk
    server.stop()


def test_urls_must_be_https_off_loopback() -> None:
    assert check_url("https://portal.kraj.cz/dso/") == "https://portal.kraj.cz/dso/"
    assert check_url("http://127.0.0.1:8000/")
    assert check_url("http://[::1]:8000/")
    for bad in ("http://portal.kraj.cz/", "ftp://127.0.0.1/", "file:///etc/", "https:///x"):
        with pytest.raises(InsecureUrlError):
            check_url(bad)
    assert default_portal_url().startswith("https://")


def test_settings_round_trip_and_damage(tmp_path: Path) -> None:
    path = tmp_path / "update.json"
    UpdateSettings(enabled=False, channel="beta", skipped_version="2.0.0").save(path)
    assert UpdateSettings.load(path) == UpdateSettings(False, None, "beta", "2.0.0")
    path.write_text('{"channel": "nightly", "unknown": 1}')
    assert UpdateSettings.load(path).channel == "stable"
    path.write_text("garbage")
    assert UpdateSettings.load(path) == UpdateSettings()


def test_skip_remind_and_due(setup) -> None:
    portal, _root, make, clock, bulk = setup
    svc = make()
    assert svc.check_due()
    assert svc.check().available is None
    assert not svc.check_due()
    clock[0] += timedelta(hours=24)
    assert svc.check_due()
    portal.publish("1.1.0", notes=None, payload=bulk)
    r = svc.check()
    assert (r.available, r.prompt, r.reason) == ("1.1.0", True, "available")
    svc.remind_later()
    assert make().check().reason == "remind-later"
    clock[0] += timedelta(hours=25)
    assert make().check().prompt is True
    svc.skip_version("1.1.0")
    assert make().check().reason == "skipped"
    portal.publish("1.2.0", payload=bulk)
    assert make().check().prompt is True  # skipping one version does not skip the next


def test_disabled_by_user_or_admin(setup) -> None:
    _portal, root, make, _clock, _bulk = setup
    svc = make()
    svc.set_enabled(False)
    assert not svc.checks_enabled() and not svc.check_due()
    with pytest.raises(UpdatesDisabled):
        svc.check()
    svc.set_enabled(True)
    (root / POLICY_FILE).write_text(json.dumps({"enabled": False}))
    assert not svc.checks_enabled() and svc.admin_locked()
    with pytest.raises(UpdatesDisabled):
        svc.check()
    assert svc.check(force=True).available is None  # `dso update check` by an admin


def test_admin_policy_portal_and_bad_urls(setup, tmp_path: Path) -> None:
    _portal, root, make, _clock, _bulk = setup
    svc = make(portal_url=None)
    assert svc.portal_url() == default_portal_url()
    (root / POLICY_FILE).write_text(json.dumps({"portal_url": "https://aktualizace.kraj.cz/"}))
    assert svc.portal_url() == "https://aktualizace.kraj.cz/"
    with pytest.raises(InsecureUrlError):
        svc.set_portal_url("http://aktualizace.kraj.cz/")
    (root / POLICY_FILE).write_text(json.dumps({"portal_url": "http://evil.example/"}))
    with pytest.raises(UpdateError):
        svc.check(force=True)


def test_small_update_fetches_only_the_changed_files(setup) -> None:
    portal, root, make, _clock, bulk = setup
    added = portal.publish("1.1.0", payload=bulk)  # only the app (its code) changes
    assert added.files_path is not None
    assert added.small_update is not None and added.small_update[0] == "1.0.0"
    assert 0 < added.small_update[1] < 10_000 < len(bulk)
    _Recorder.paths = []
    svc = make()
    assert svc.check().available == "1.1.0"
    seen: list[tuple[int, int]] = []
    svc.download(lambda done, total: seen.append((done, total)))
    # Progress is reported for the small update's own download (the changed files, far
    # less than the archive with the bulk), ending at its total.
    assert seen and seen[-1][0] == seen[-1][1] < len(bulk)
    got = [p for p in _Recorder.paths if "/targets/" in p and "latest" not in p]
    # The file list and the changed files only: never the full archive, never the bulk.
    assert not any(".tar." in p for p in got)
    assert any(p.endswith(".files.json") for p in got)
    blobs = [p for p in got if "/targets/files/" in p]
    bulk_id = __import__("hashlib").sha256(bulk).hexdigest()
    assert blobs and not any(bulk_id in p for p in blobs)
    folder = svc.stage()
    assert folder.name == "1.1.0"
    assert (folder / "lib" / "payload.bin").read_bytes() == bulk
    assert "VERSION = '1.1.0'" in (folder / "app").read_text()
    assert (folder / "app").stat().st_mode & 0o777 == 0o755
    assert InstallLayout(root).load_state().pending == "1.1.0"
    assert not svc.files_cache.exists()  # the downloaded files are gone once staged


def test_stage_needs_an_install_and_a_download(setup, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    portal, _root, make, _clock, _bulk = setup
    portal.publish("1.1.0")
    svc = make()
    svc.check()
    with pytest.raises(UpdateError, match="download"):
        svc.stage()
    monkeypatch.delenv("DSO_INSTALL_ROOT", raising=False)
    loose = UpdateService(AppPaths.default(tmp_path / "u2").ensure(), install_root=None,
                          trusted_root=b"{}", portal_url="https://x.example/")
    assert loose.install_root is None  # a checkout, not a bundle under versions/
    with pytest.raises(NotInstalledError):
        loose.stage()


def test_cancel_keeps_the_partial_file_and_resumes(setup) -> None:
    import threading

    from dso_desktop.update.errors import UpdateCancelled

    portal, root, make, _clock, _bulk = setup
    portal.publish("1.1.0", payload=random.Random(9).randbytes(600_000))
    svc = make()
    assert svc.check().available == "1.1.0"
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > 0:
            cancel.set()

    with pytest.raises(UpdateCancelled):
        svc.download(progress, cancel)
    part = next((svc.download_dir).glob("*.part"))
    assert 0 < part.stat().st_size < 600_000
    assert InstallLayout(root).load_state().pending is None
    _Recorder.paths = []
    archive = svc.download()
    assert archive.is_file() and not part.exists()
    assert svc.stage().name == "1.1.0"


def test_signed_but_oversized_release_is_refused(setup,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.update.errors import UpdateVerificationError

    portal, root, make, _clock, _bulk = setup
    portal.publish("1.1.0", payload=random.Random(5).randbytes(50_000))
    monkeypatch.setattr("dso_desktop.update.client.MAX_ARCHIVE_BYTES", 20_000)
    with pytest.raises(UpdateVerificationError, match="exceeds the limit"):
        make().check()
    assert InstallLayout(root).load_state().pending is None
