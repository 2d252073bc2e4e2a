"""The update client checks what it installs against the signed target, every way it gets it.

Written against hand-made one-line mutants the rest of the suite let through: a hash check
reduced to a length check (an archive swapped for another of the same length), a version
comparison that lets an older release through, and a small update (files copied from the
installed version) staged without checking each file against the signed file list.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from updater.server import StaticHandler, StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.update.errors import UnsafeReleaseError, UpdateError, UpdateVerificationError
from dso_desktop.update.layout import InstallLayout
from dso_desktop.update.service import UpdateService

BULK = random.Random(20).randbytes(120_000)


class _Recorder(StaticHandler):
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        super().do_GET()


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    p = Portal(tmp_path / "portal")
    p.publish("1.0.0", payload=BULK)
    yield p
    p.stop()


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    return install(tmp_path / "install",
                   build_release(tmp_path / "clerk", "1.0.0", payload=BULK), "1.0.0")


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    servers: list[StaticServer] = []

    def start(root: Path) -> str:
        _Recorder.paths = []
        servers.append(StaticServer(root, handler_class=_Recorder).start())
        return servers[-1].url

    yield start
    for s in servers:
        s.stop()


def _service(portal: Portal, installed: Path, url: str, tmp_path: Path,
             **kw: Any) -> UpdateService:
    return UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=installed,
                         trusted_root=(portal.repo.metadata_dir / "1.root.json").read_bytes(),
                         portal_url=url, platform=PLATFORM, **kw)


def _archive_in(public: Path, version: str) -> Path:
    return next((public / "targets" / "releases" / "stable" / PLATFORM).glob(
        f"*.dso-desktop-{version}-{PLATFORM}.tar.gz"))


def _flip_one_byte(data: bytes) -> bytes:
    i = len(data) // 2
    return data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _intact(installed: Path) -> None:
    state = InstallLayout(installed).load_state()
    assert (state.current, state.pending) == ("1.0.0", None)
    assert InstallLayout(installed).installed_versions() == ["1.0.0"]


def test_an_archive_swapped_for_one_of_the_same_length_is_refused(
        portal: Portal, installed: Path, tmp_path: Path, serve: Callable[[Path], str]) -> None:
    portal.publish("2.0.0", payload=BULK + b"2")
    served = _archive_in(portal.public, "2.0.0")
    genuine = served.read_bytes()
    served.write_bytes(_flip_one_byte(genuine))
    assert served.stat().st_size == len(genuine)  # only the signed hash can tell
    svc = _service(portal, installed, serve(portal.public), tmp_path)
    assert svc.check().available == "2.0.0"
    with pytest.raises(UpdateVerificationError, match="does not match its signature"):
        svc.download()
    with pytest.raises(UpdateError, match="download the update first"):
        svc.stage()
    assert list(svc.download_dir.glob("*2.0.0*")) == []  # nothing unverified is kept
    _intact(installed)


def test_a_kept_download_changed_on_disk_is_fetched_again(
        portal: Portal, installed: Path, tmp_path: Path, serve: Callable[[Path], str]) -> None:
    added = portal.publish("2.0.0", payload=BULK + b"2")
    url = serve(portal.public)
    first = _service(portal, installed, url, tmp_path).download()
    assert _sha256(first) == added.archive_sha256
    first.write_bytes(_flip_one_byte(first.read_bytes()))  # same name, same length
    _Recorder.paths = []
    svc = _service(portal, installed, url, tmp_path)
    again = svc.download()
    assert again == first and _sha256(again) == added.archive_sha256
    assert any(p.endswith(".tar.gz") for p in _Recorder.paths)  # fetched, not trusted
    assert svc.stage().name == "2.0.0"


@pytest.mark.parametrize("current", ["1.10.0", "1.9.1"])
def test_an_older_version_is_never_offered(
        portal: Portal, installed: Path, tmp_path: Path, serve: Callable[[Path], str],
        current: str) -> None:
    # The newest signed release is 1.9.0 (as after a withdrawn 1.10.0); 1.10 > 1.9 as
    # numbers, not as text.
    portal.publish("1.9.0", payload=BULK + b"9")
    svc = _service(portal, installed, serve(portal.public), tmp_path, current_version=current)
    result = svc.check()
    assert (result.current, result.available, result.prompt, result.reason) == (
        current, None, False, "up-to-date")
    with pytest.raises(UpdateError, match="no newer version"):
        svc.download()
    assert svc.apply() is None
    assert list(svc.download_dir.glob("*")) == []
    _intact(installed)


def test_a_small_update_never_stages_a_file_that_is_not_the_signed_one(
        portal: Portal, installed: Path, tmp_path: Path, serve: Callable[[Path], str]) -> None:
    # A small update copies unchanged files from the installed version: one that changes
    # on disk after the download (a virus scanner, a disk error) must not go into the
    # new version, even with the same length.
    added = portal.publish("1.1.0", payload=BULK)
    assert added.small_update is not None
    svc = _service(portal, installed, serve(portal.public), tmp_path)
    assert svc.check().available == "1.1.0"
    svc.download()
    assert not any(".tar." in p for p in _Recorder.paths)  # the small update path
    payload = installed / "versions" / "1.0.0" / "lib" / "payload.bin"
    payload.write_bytes(_flip_one_byte(payload.read_bytes()))
    with pytest.raises(UnsafeReleaseError, match="does not match the signed file list"):
        svc.stage()
    _intact(installed)
    assert not (installed / "versions" / "1.1.0").exists()
    assert not [p for p in (installed / "versions").iterdir() if p.name.startswith(".")]


def test_assemble_checks_every_file_against_the_signed_list(portal: Portal, installed: Path,
                                                            tmp_path: Path) -> None:
    from dso_desktop.update.archive import UnsafeArchiveError
    from dso_desktop.update.files import FilesManifest, assemble, plan

    portal.publish("1.1.0", payload=BULK)
    listed = next(portal.public.rglob("*1.1.0*.files.json"))
    files = FilesManifest.from_bytes(listed.read_bytes())
    have = [installed / "versions" / "1.0.0"]
    good = plan(files, have, None)
    bulk_id = hashlib.sha256(BULK).hexdigest()
    assert bulk_id in good.local  # taken from the installed version
    assert good.missing and bulk_id not in good.missing

    def source(digest: str) -> Path:  # installed, or as the verified download stores it
        return good.local.get(digest) or next(portal.public.rglob(f"*{digest}"))

    assert assemble(good, source, tmp_path / "ok").name == "1.1.0"
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(_flip_one_byte(BULK))
    with pytest.raises(UnsafeArchiveError, match="does not match the signed file list"):
        assemble(good, lambda d: wrong if d == bulk_id else source(d), tmp_path / "no")
    assert list((tmp_path / "no").iterdir()) == []  # the half-built folder is gone
