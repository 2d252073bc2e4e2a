"""Survivors of seed 20261212 (branch ``survupd5``) in `update.files`: a file is hashed a
chunk at a time (an installed version's large files are not read whole into memory), and a
small update is assembled where the system has no ``O_NOFOLLOW`` (Windows)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from tests.unit.update.test_files_list import MANIFEST, _file, _listing, _sources

from dso_desktop.update.files import DeltaPlan, assemble, sha256_path


def test_a_large_file_is_hashed_a_chunk_at_a_time(tmp_path: Path) -> None:
    # local_files hashes every installed file of a wanted size (libraries of tens of MB):
    # memory holds a read chunk (1 MiB), not the file.
    size = 16 * 1024 * 1024
    big = tmp_path / "libbig.so"
    with big.open("wb") as fh:
        fh.truncate(size)  # sparse: zeros, cheap to write and to read
    tracing = tracemalloc.is_tracing()  # e.g. pytest run with -X tracemalloc
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        before, _ = tracemalloc.get_traced_memory()
        digest = sha256_path(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not tracing:
            tracemalloc.stop()
    assert digest == hashlib.sha256(bytes(size)).hexdigest()
    assert peak - before < 4 * 1024 * 1024, peak - before


def test_a_small_update_is_assembled_where_the_os_has_no_o_nofollow(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "O_NOFOLLOW", raising=False)  # as on Windows
    files = _listing(_file("lib/data", b"data"))
    src = _sources(tmp_path, b"data")
    final = assemble(DeltaPlan(files, src, {}), src.__getitem__, tmp_path / "versions")
    assert (final / "lib" / "data").read_bytes() == b"data"
    assert (final / "dso-version.json").read_bytes() == MANIFEST


# Survivors of seed 20261213 (branch ``survrest6``).

def test_assembling_refuses_a_link_the_file_list_check_let_through(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last line of defence, as for an archive: whatever the check of the file list
    missed (here it is switched off), a link that resolves outside the assembled folder on
    disk is refused by its name, and nothing is left in place."""
    from dso_desktop.update import files as files_mod
    from dso_desktop.update.archive import UnsafeArchiveError
    from dso_desktop.update.files import FileEntry

    monkeypatch.setattr(files_mod, "_check_trees", lambda entries: None)
    files = _listing(FileEntry("lib/up", "symlink", target=".."),
                     FileEntry("lib/out", "symlink", target="up/../.."))
    src = _sources(tmp_path)
    versions = tmp_path / "versions"
    with pytest.raises(UnsafeArchiveError) as refused:
        assemble(DeltaPlan(files, src, {}), src.__getitem__, versions)
    assert str(refused.value) == "link 'lib/out' resolves outside its folder"
    assert list(versions.iterdir()) == []


# Survivors of session 14's whole run (branch ``survupd15``).

CHUNK = 1024 * 1024  # _copy_verified's and sha256_path's read size


def test_a_file_of_several_read_chunks_is_assembled(tmp_path: Path) -> None:
    # Libraries of a release are megabytes: the count of bytes copied adds up every chunk.
    body = os.urandom(CHUNK + CHUNK // 2 + 3)
    files = _listing(_file("lib/libbig.so", body))
    src = _sources(tmp_path, body)
    final = assemble(DeltaPlan(files, src, {}), src.__getitem__, tmp_path / "versions")
    assert (final / "lib" / "libbig.so").read_bytes() == body


def test_a_source_longer_than_a_large_signed_file_is_copied_one_byte_past_its_size(
        tmp_path: Path) -> None:
    # As test_copy_reads_no_more_than_one_byte_past_the_signed_size, past the first chunk:
    # the last read asks only for what is left of the signed size and one byte more.
    from dso_desktop.update import files as files_mod
    from dso_desktop.update.archive import UnsafeArchiveError

    signed = b"y" * (CHUNK + 10)
    src = tmp_path / "src"
    src.write_bytes(b"y" * (4 * CHUNK))
    dest = tmp_path / "dest"
    with pytest.raises(UnsafeArchiveError):
        files_mod._copy_verified(src, dest, _file("f", signed))
    assert dest.stat().st_size == CHUNK + 11


def test_the_new_version_folder_is_made_in_the_versions_folder_and_renamed_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The staging folder lies beside its final name, on the same file system, so the last
    # step is one atomic rename (the system's temporary folder is often another one).
    import tempfile

    elsewhere = tmp_path / "system-temp"
    elsewhere.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(elsewhere))
    renamed: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        renamed.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    files = _listing(_file("lib/data", b"data"))
    src = _sources(tmp_path, b"data")
    versions = tmp_path / "versions"
    final = assemble(DeltaPlan(files, src, {}), src.__getitem__, versions)
    assert [(s.parent, d) for s, d in renamed] == [(versions, final)]


def test_links_in_an_installed_version_are_not_followed(tmp_path: Path) -> None:
    # Neither a linked folder nor a linked file of the installed version is a source, even
    # where the content behind it is wanted (only regular files of the folder are used).
    from dso_desktop.update.files import local_files

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "lib.so").write_bytes(b"library content")
    (tmp_path / "ab").write_bytes(b"hello")  # 5 bytes, as long as the link's target "../ab"
    root = tmp_path / "1.0.0"
    root.mkdir()
    (root / "lib").symlink_to(outside)
    (root / "l").symlink_to("../ab")
    assert os.lstat(root / "l").st_size == 5
    wanted = {hashlib.sha256(b"library content").hexdigest(): 15,
              hashlib.sha256(b"hello").hexdigest(): 5}
    assert local_files(root, wanted) == {}


@pytest.mark.parametrize("failing", ["lstat", "hash"])
def test_a_file_of_the_installed_version_that_cannot_be_read_is_passed_over(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    # A file removed (lstat fails) or unreadable (hashing fails) while the installed version
    # is indexed is left out; the other files of its folder are still looked at.
    from dso_desktop.update import files as files_mod
    from dso_desktop.update.files import local_files

    root = tmp_path / "1.0.0"
    root.mkdir()
    (root / "a").write_bytes(b"first")
    (root / "b").write_bytes(b"other")  # same size
    failed: list[Path] = []
    real_lstat, real_hash = os.lstat, files_mod.sha256_path

    def lstat(path: str | os.PathLike[str], *a: Any, **kw: Any) -> os.stat_result:
        if failing == "lstat" and not failed and Path(path).parent == root:
            failed.append(Path(path))
            raise FileNotFoundError(path)
        return real_lstat(path, *a, **kw)

    def sha256_path(path: Path) -> str:
        if failing == "hash" and not failed:
            failed.append(path)
            raise PermissionError(path)
        return real_hash(path)

    monkeypatch.setattr(files_mod.os, "lstat", lstat)
    monkeypatch.setattr(files_mod, "sha256_path", sha256_path)
    wanted = {hashlib.sha256(b"first").hexdigest(): 5,
              hashlib.sha256(b"other").hexdigest(): 5}
    found = local_files(root, wanted)
    assert len(failed) == 1
    (left,) = {root / "a", root / "b"} - set(failed)
    assert found == {hashlib.sha256(left.read_bytes()).hexdigest(): left}


def test_a_file_list_whose_entries_are_not_a_list_says_so() -> None:
    import json

    from dso_desktop.update.files import FilesManifest
    from dso_desktop.update.release import ReleaseFormatError

    raw = {"format": 1, "version": "2.0.0", "entries": {"path": "a", "kind": "dir"}}
    with pytest.raises(ReleaseFormatError) as refused:
        FilesManifest.from_bytes(json.dumps(raw).encode())
    assert str(refused.value) == "bad files.json: files.json: entries must be a list"


def test_a_file_list_too_large_to_fetch_says_so(tmp_path: Path) -> None:
    from tuf.api.metadata import TargetFile

    from dso_desktop.update.errors import UpdateVerificationError
    from dso_desktop.update.files import MAX_FILES_JSON_BYTES
    from dso_desktop.update.smallupdate import fetch_file_list

    big = TargetFile(MAX_FILES_JSON_BYTES + 1, {"sha256": "0" * 64}, "r/x.files.json")
    with pytest.raises(UpdateVerificationError) as refused:
        fetch_file_list(object(), big, tmp_path / "w")  # type: ignore[arg-type]  # not asked
    assert str(refused.value) == "the release's file list is unreasonably large"
    assert not (tmp_path / "w").exists()


def test_a_small_update_started_again_downloads_only_what_its_cache_lacks(
        tmp_path: Path) -> None:
    # An interrupted small update left one complete file in its cache: prepare takes it
    # from there and downloads the rest only.
    from tests.unit.update.test_files_list import FakeClient, _offer, _sha
    from tuf.api.metadata import TargetFile

    from dso_desktop.update.release import blob_target
    from dso_desktop.update.smallupdate import prepare

    listing = _listing(_file("b", b"new!"))
    client = FakeClient(tmp_path, {_sha(MANIFEST): MANIFEST, _sha(b"new!"): b"new!"},
                        listing.to_bytes())
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / _sha(b"new!")).write_bytes(b"new!")
    info = TargetFile(len(listing.to_bytes()), {"sha256": "0" * 64}, "r/x.files.json")
    got = prepare(client, _offer(info), [], cache)  # type: ignore[arg-type]
    assert client.downloads == ["r/x.files.json", blob_target(_sha(MANIFEST))]
    assert got is not None and got.local == {_sha(MANIFEST): cache / _sha(MANIFEST),
                                             _sha(b"new!"): cache / _sha(b"new!")}
