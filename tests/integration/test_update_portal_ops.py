"""Through the loopback portal: small updates, a withdrawn release, pruning old targets."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from tuf.api.metadata import TargetFile
from updater.pack import pack
from updater.server import StaticHandler, StaticServer
from updater.testkit import (
    PLATFORM,
    Portal,
    add_realistic_tree,
    build_release,
    install,
    make_version_dir,
)

from dso_desktop import launcher
from dso_desktop.paths import AppPaths
from dso_desktop.update.errors import UnsafeReleaseError, UpdateVerificationError
from dso_desktop.update.files import FileEntry, FilesManifest
from dso_desktop.update.layout import InstallLayout
from dso_desktop.update.release import CUSTOM_KEY, Notes, Version, files_target
from dso_desktop.update.service import UpdateService


class _Counting(StaticHandler):
    """Counts the bytes of every target the client fetches."""

    sent: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if "/targets/" in self.path and path.is_file():
            type(self).sent[self.path] = path.stat().st_size
        super().do_GET()


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    p = Portal(tmp_path / "portal")
    yield p
    p.stop()


def _tree_digest(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif p.is_file():
            out[rel] = f"{p.stat().st_mode & 0o777:o}:" + hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def _realistic(portal: Portal, work: Path, version: str, changed: int) -> Path:
    d = make_version_dir(work, version, root_json=portal.root_json)
    add_realistic_tree(d, binary_mb=4, python_files=120, changed=changed)
    (d / "lib" / "current").symlink_to("payload.bin")  # links survive a small update
    return pack(d, Version.parse(version), work / f"dso-desktop-{version}.tar.xz")


def _service(portal: Portal, root: Path, url: str, user: Path) -> UpdateService:
    return UpdateService(AppPaths.default(user).ensure(), install_root=root,
                         trusted_root=portal.root_json, portal_url=url, platform=PLATFORM)


def test_small_update_downloads_only_changed_python_files(portal: Portal,
                                                          tmp_path: Path) -> None:
    work = tmp_path / "build"
    v1 = _realistic(portal, work, "1.0.0", changed=0)
    portal.repo.add_release(v1, Version.parse("1.0.0"), Notes("a", "b"), platform=PLATFORM)
    root = install(tmp_path / "install", v1, "1.0.0")
    v2 = _realistic(portal, work, "1.1.0", changed=5)
    added = portal.repo.add_release(v2, Version.parse("1.1.0"), Notes("a", "b"),
                                    platform=PLATFORM)
    _Counting.sent = {}
    with StaticServer(portal.public, handler_class=_Counting) as server:
        svc = _service(portal, root, server.url, tmp_path / "user")
        assert svc.check().available == "1.1.0"
        svc.download()
        folder = svc.stage()
    fetched = sum(_Counting.sent.values())
    assert not any(".tar." in p for p in _Counting.sent)
    # 5 modules, the app, its manifest and the file list: a few kB of a 4 MB release.
    assert fetched < 100_000 < added.archive_size
    # The assembled folder is exactly what the full archive unpacks to (content, modes, links).
    ref = tmp_path / "ref"
    install(ref, v2, "1.1.0")
    assert _tree_digest(folder) == _tree_digest(ref / "versions" / "1.1.0")
    assert os.readlink(folder / "lib" / "current") == "payload.bin"
    assert InstallLayout(root).load_state().pending == "1.1.0"
    launcher.apply_pending(InstallLayout(root))
    assert InstallLayout(root).load_state().current == "1.1.0"


def _sign_files(portal: Portal, version: str, files: FilesManifest) -> None:
    """Replace a release's file list as a thief with the targets key would."""
    md = portal.repo.targets()
    path = files_target("stable", PLATFORM, Version.parse(version))
    data = files.to_bytes()
    info = TargetFile.from_data(path, data, ["sha256"])
    info.unrecognized_fields["custom"] = {CUSTOM_KEY: {"kind": "files", "version": version}}
    portal.repo._store_target(info, data)
    md.signed.targets[path] = info
    portal.repo._commit(md)


@pytest.mark.parametrize("evil", [
    FileEntry("lib/out", "symlink", target="../../../../etc"),
    FileEntry("lib/abs", "symlink", target="/etc/passwd"),
    FileEntry("../escape.txt", "file", 3, hashlib.sha256(b"own").hexdigest()),
    FileEntry("app/below-a-file", "dir"),
])
def test_signed_hostile_file_list_is_refused_and_nothing_changes(
        portal: Portal, tmp_path: Path, evil: FileEntry) -> None:
    bulk = os.urandom(50_000)
    portal.publish("1.0.0", payload=bulk)
    root = install(tmp_path / "install", portal.base / "build" / "dso-desktop-1.0.0.tar.gz",
                   "1.0.0")
    portal.publish("1.1.0", payload=bulk)
    good = FilesManifest.from_bytes(portal.repo.target_file_path(
        portal.repo.targets().signed.targets[files_target("stable", PLATFORM,
                                                          Version.parse("1.1.0"))]
    ).read_bytes())
    # A "../" file is refused before or while downloading (its content is not signed);
    # links and nesting are refused when the folder is assembled.
    _sign_files(portal, "1.1.0", FilesManifest(good.version, (*good.entries, evil)))
    before = _tree_digest(root)
    with StaticServer(portal.public) as server:
        svc = _service(portal, root, server.url, tmp_path / "user")
        assert svc.check().available == "1.1.0"
        with pytest.raises((UnsafeReleaseError, UpdateVerificationError)):
            svc.download()
            svc.stage()
    assert _tree_digest(root) == before
    assert not (tmp_path / "escape.txt").exists()
    assert [p.name for p in (root / "versions").iterdir()] == ["1.0.0"]


def test_swapped_content_file_on_a_mirror_is_refused(portal: Portal, tmp_path: Path) -> None:
    bulk = os.urandom(50_000)
    portal.publish("1.0.0", payload=bulk)
    root = install(tmp_path / "install", portal.base / "build" / "dso-desktop-1.0.0.tar.gz",
                   "1.0.0")
    portal.publish("1.1.0", payload=bulk)
    mirror = tmp_path / "mirror"
    shutil.copytree(portal.public, mirror)
    app = next(e for e in FilesManifest.from_bytes(portal.repo.target_file_path(
        portal.repo.targets().signed.targets[files_target("stable", PLATFORM,
                                                          Version.parse("1.1.0"))]
    ).read_bytes()).entries if e.path == "app")
    blob = next(mirror.glob(f"targets/files/*/*.{app.sha256}"))
    blob.write_bytes(blob.read_bytes().replace(b"self-check ok", b"self-check OK"))
    with StaticServer(mirror) as server:
        svc = _service(portal, root, server.url, tmp_path / "user")
        assert svc.check().available == "1.1.0"
        with pytest.raises(UpdateVerificationError):
            svc.download()
    assert [p.name for p in (root / "versions").iterdir()] == ["1.0.0"]


# -- withdraw and prune -----------------------------------------------------------------

def _apply(svc: UpdateService) -> None:
    result = svc.check()
    assert result.available is not None
    svc.download()
    svc.stage()
    launcher.apply_pending(svc.layout)  # type: ignore[arg-type]


def test_withdrawn_release_rolls_clients_back_and_prune_keeps_what_they_need(
        portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from updater.cli import main as release_main
    from updater.testkit import PASSPHRASE

    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE", PASSPHRASE)
    bulk = os.urandom(40_000)
    portal.publish("1.0.0", payload=bulk)
    a1 = portal.base / "build" / "dso-desktop-1.0.0.tar.gz"
    stays = install(tmp_path / "stays", a1, "1.0.0")  # never updated
    moves = install(tmp_path / "moves", a1, "1.0.0")  # updates to 1.1.0
    portal.publish("1.1.0", payload=bulk)
    fresh = install(tmp_path / "fresh", portal.base / "build" / "dso-desktop-1.1.0.tar.gz",
                    "1.1.0")  # installed 1.1.0 directly: no older folder on disk
    url = portal.serve()
    _apply(_service(portal, moves, url, tmp_path / "u-moves"))
    assert InstallLayout(moves).load_state().current == "1.1.0"

    repo = str(portal.repo.path)
    assert release_main(["withdraw", repo, "1.1.0", "--platform", PLATFORM,
                         "--reason", "odesílání padá"]) == 0
    assert "offered 1.0.0" in capsys.readouterr().out
    page = (portal.public / "index.html").read_text(encoding="utf-8")
    assert "DSO Desktop 1.0.0" in page and "DSO Desktop 1.1.0" not in page

    # A client on the withdrawn version is offered the previous good one, as a rollback.
    svc = _service(portal, moves, url, tmp_path / "u-moves")
    found = svc.check()
    assert (found.current, found.available, found.reason, found.rollback, found.prompt) == (
        "1.1.0", "1.0.0", "withdrawn", True, True)
    svc.download()
    assert svc.stage().name == "1.0.0"  # the kept previous folder, nothing downloaded
    assert InstallLayout(moves).load_state().failed == ("1.1.0",)  # never back to it here
    launcher.apply_pending(InstallLayout(moves))
    assert InstallLayout(moves).load_state().current == "1.0.0"
    # A client below it is not offered the withdrawn version.
    below = _service(portal, stays, url, tmp_path / "u-stays").check()
    assert (below.available, below.reason) == (None, "up-to-date")
    # A client without the older folder downloads it (from its own files where it can).
    _apply(_service(portal, fresh, url, tmp_path / "u-fresh"))
    assert InstallLayout(fresh).load_state().current == "1.0.0"
    assert _service(portal, moves, url, tmp_path / "u-moves").check().available is None

    # The withdrawn number is used up: the fix gets a higher one, offered to everyone.
    assert release_main(["add", repo, str(build_release(
        tmp_path / "b", "1.1.0", root_json=portal.root_json)), "--platform", PLATFORM]) == 1
    assert "not newer than the published 1.1.0" in capsys.readouterr().err
    portal.publish("1.1.1", payload=bulk)
    assert _service(portal, stays, url, tmp_path / "u-stays").check().available == "1.1.1"
    portal.publish("1.2.0", payload=bulk)

    # Prune: keeps the newest good release and the one before (with their files).
    assert release_main(["prune", repo]) == 0
    kept = {(r["version"], bool(r.get("withdrawn"))) for r in portal.repo.releases()}
    assert kept == {("1.2.0", False), ("1.1.1", False)}
    targets = portal.repo.targets().signed.targets
    for info in targets.values():
        assert portal.repo.target_file_path(info).is_file()
    on_disk = {p for p in portal.public.joinpath("targets").rglob("*") if p.is_file()}
    assert on_disk == {portal.repo.target_file_path(i) for i in targets.values()}
    assert not any("1.0.0" in p.name or "1.1.0-" in p.name for p in on_disk)
    index = json.loads(portal.repo.target_file_path(
        targets[f"releases/stable/{PLATFORM}/latest.json"]).read_bytes())
    assert index["version"] == "1.2.0" and index["withdrawn"] == ["1.1.0"]
    # Every client can still update after the prune.
    for name, root in (("stays", stays), ("moves", moves), ("fresh", fresh)):
        _apply(_service(portal, root, url, tmp_path / f"u-{name}"))
        assert InstallLayout(root).load_state().current == "1.2.0"
    assert release_main(["prune", repo, "--keep", "1"]) == 1
