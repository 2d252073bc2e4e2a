"""Safe extraction: path escapes, links, special files and size limits are refused."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from dso_desktop.update.archive import Limits, UnsafeArchiveError, extract_version, scan
from dso_desktop.update.release import MANIFEST_NAME, Version

V = Version.parse("2.0.0")
PREFIX = "dso-desktop/versions/2.0.0"
MANIFEST = json.dumps({"format": 1, "version": "2.0.0", "gui": ["app"], "cli": ["app"],
                       "self_check": ["app", "self-check"]}).encode()


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.mode = 0o644
    return info, data


def _special(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info, None


def _good(extra: list[tuple[tarfile.TarInfo, bytes | None]] | None = None
          ) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    return [_file(f"{PREFIX}/{MANIFEST_NAME}", MANIFEST), _file(f"{PREFIX}/app", b"#!/bin/sh\n"),
            _file(f"{PREFIX}/lib/data.bin", b"data"), *(extra or [])]


def test_good_archive_is_extracted_with_relative_inner_link(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good([
        _special(f"{PREFIX}/lib/alias.bin", tarfile.SYMTYPE, "data.bin"),
        _file("dso-desktop/dso-launcher", b"launcher"),
    ]))
    folder = extract_version(archive, V, tmp_path / "versions")
    assert folder == tmp_path / "versions" / "2.0.0"
    assert (folder / "lib" / "alias.bin").read_bytes() == b"data"
    assert (folder / MANIFEST_NAME).read_bytes() == MANIFEST
    # Only the version folder is taken: the launcher beside versions/ is not touched.
    assert sorted(p.name for p in (tmp_path / "versions").iterdir()) == ["2.0.0"]


@pytest.mark.parametrize(("member", "why"), [
    (_file(f"{PREFIX}/../../../evil.sh"), "escapes"),
    (_file("/etc/evil"), "absolute"),
    (_file("C:/Windows/evil.dll"), "absolute"),
    (_file(f"{PREFIX}\\..\\evil"), "forbidden character"),
    (_file("elsewhere/file"), "outside"),
    (_special(f"{PREFIX}/lib/passwd", tarfile.SYMTYPE, "/etc/passwd"), "absolute"),
    (_special(f"{PREFIX}/lib/up", tarfile.SYMTYPE, "../../../../outside"), "outside"),
    (_special(f"{PREFIX}/lib/hard", tarfile.LNKTYPE, f"{PREFIX}/app"), "hard link"),
    (_special(f"{PREFIX}/lib/dev", tarfile.CHRTYPE), "device"),
    (_special(f"{PREFIX}/lib/fifo", tarfile.FIFOTYPE), "device"),
    (_special("dso-desktop/outer-link", tarfile.SYMTYPE, "versions"), "outside a version"),
])
def test_hostile_entries_are_refused_and_nothing_is_left(
        tmp_path: Path, member: tuple[tarfile.TarInfo, bytes | None], why: str) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good([member]))
    versions = tmp_path / "versions"
    with pytest.raises(UnsafeArchiveError, match=why):
        extract_version(archive, V, versions)
    assert not (tmp_path / "evil.sh").exists()
    assert not versions.exists() or list(versions.iterdir()) == []


def test_size_and_count_limits(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good([_file(f"{PREFIX}/big", b"0" * 5000)]))
    with pytest.raises(UnsafeArchiveError, match="too big"):
        scan(archive, Limits(max_file_bytes=4000))
    with pytest.raises(UnsafeArchiveError, match="unpacked size"):
        scan(archive, Limits(max_total_bytes=4000))
    with pytest.raises(UnsafeArchiveError, match="entries"):
        scan(archive, Limits(max_members=2))
    assert len(scan(archive)) == 4


def test_duplicate_entry_and_wrong_manifest_version(tmp_path: Path) -> None:
    dup = _tar(tmp_path / "d.tar.gz", _good([_file(f"{PREFIX}/app", b"again")]))
    with pytest.raises(UnsafeArchiveError, match="duplicate"):
        scan(dup)
    archive = _tar(tmp_path / "a.tar.gz", _good())
    with pytest.raises(UnsafeArchiveError, match=r"no dso-desktop/versions/3\.0\.0"):
        extract_version(archive, Version.parse("3.0.0"), tmp_path / "v")
    wrong = MANIFEST.replace(b'"2.0.0"', b'"9.9.9"')
    bad = _tar(tmp_path / "b.tar.gz", [_file(f"{PREFIX}/{MANIFEST_NAME}", wrong)])
    with pytest.raises(UnsafeArchiveError, match=r"says version 9\.9\.9"):
        extract_version(bad, V, tmp_path / "v")


def test_truncated_and_non_archive_files_are_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good([_file(f"{PREFIX}/pad", b"p" * 200_000)]))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:300])
    with pytest.raises(UnsafeArchiveError, match="damaged"):
        extract_version(cut, V, tmp_path / "v")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(UnsafeArchiveError, match="not a"):
        scan(junk)
    assert not (tmp_path / "v" / "2.0.0").exists()


def test_existing_version_folder_is_not_overwritten(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good())
    (tmp_path / "versions" / "2.0.0").mkdir(parents=True)
    (tmp_path / "versions" / "2.0.0" / "keep").write_text("mine")
    with pytest.raises(UnsafeArchiveError, match="already exists"):
        extract_version(archive, V, tmp_path / "versions")
    assert (tmp_path / "versions" / "2.0.0" / "keep").read_text() == "mine"


def test_xz_release_archives_from_pack(tmp_path: Path) -> None:
    from updater.pack import pack
    from updater.testkit import make_version_dir

    built = make_version_dir(tmp_path, "2.0.0", payload=b"z" * 10_000)
    (built / "lib" / "alias").symlink_to("payload.bin")
    xz = pack(built, V, tmp_path / "r.tar.xz")
    assert xz.read_bytes()[:6] == b"\xfd7zXZ\x00"
    folder = extract_version(xz, V, tmp_path / "versions")
    assert (folder / "lib" / "alias").read_bytes() == b"z" * 10_000
    assert (folder / "app").stat().st_mode & 0o111
    bz2 = tmp_path / "r.tar.bz2"
    with tarfile.open(bz2, "w:bz2") as tar:
        tar.add(built, arcname=PREFIX)
    with pytest.raises(UnsafeArchiveError, match=r"not a \.tar\.gz"):
        scan(bz2)
