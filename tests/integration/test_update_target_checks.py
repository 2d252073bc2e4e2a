"""The update client checks what it installs against the signed target, every way it gets it.

Written against hand-made one-line mutants the rest of the suite let through: a hash check
reduced to a length check (an archive swapped for another of the same length), a version
comparison that lets an older release through, and a bsdiff-patched archive written without
being checked against the signed target.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tuf.api.metadata import TargetFile
from updater.server import StaticHandler, StaticServer
from updater.testkit import PLATFORM, Portal, build_release, install

from dso_desktop.paths import AppPaths
from dso_desktop.update.client import apply_patch
from dso_desktop.update.errors import UpdateError, UpdateVerificationError
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


def test_a_patched_archive_that_does_not_match_the_signed_target_is_not_used(
        portal: Portal, installed: Path, tmp_path: Path, serve: Callable[[Path], str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    portal.publish("1.1.0", payload=BULK + b"1")
    url = serve(portal.public)
    _service(portal, installed, url, tmp_path).apply()
    layout = InstallLayout(installed)
    layout.save_state(layout.load_state().__class__(current="1.1.0", previous="1.0.0"))
    added = portal.publish("1.2.0", payload=BULK + b"12")
    assert added.patch_path is not None
    import bsdiff4

    real_patch = bsdiff4.patch
    patched: list[int] = []

    def wrong_patch(old: bytes, patch: bytes) -> bytes:
        # A faulty patcher (or a base that changed after its hash was read): same length,
        # one byte off.
        patched.append(1)
        return _flip_one_byte(real_patch(old, patch))

    monkeypatch.setattr(bsdiff4, "patch", wrong_patch)
    _Recorder.paths = []
    svc = _service(portal, installed, url, tmp_path)
    archive = svc.download()
    assert patched == [1]  # the patch path was taken...
    targets = [p for p in _Recorder.paths if "/targets/" in p and "latest" not in p]
    assert targets[0].endswith(".bsdiff") and targets[-1].endswith(".tar.gz")  # ...then left
    assert _sha256(archive) == added.archive_sha256
    assert not list(svc.download_dir.glob("*.tmp"))
    assert svc.stage().name == "1.2.0"


def test_apply_patch_refuses_a_result_that_is_not_the_signed_target(tmp_path: Path) -> None:
    old, patch, out = tmp_path / "old", tmp_path / "patch", tmp_path / "new.tar.gz"
    old.write_bytes(b"old")
    patch.write_bytes(b"patch")
    wanted = b"the signed release archive"
    target = TargetFile.from_data("releases/new.tar.gz", wanted, ["sha256"])
    assert apply_patch(old, patch, target, out, patcher=lambda a, b: wanted) == out
    assert out.read_bytes() == wanted
    out.unlink()
    for wrong in (b"the signed release archivE", b"the signed release archive!"):
        with pytest.raises(UpdateVerificationError, match="patched archive does not match"):
            apply_patch(old, patch, target, out, patcher=lambda a, b, w=wrong: w)
        assert not out.exists() and not out.with_name(out.name + ".tmp").exists()
