"""The signed file list of a small update: its format, its limits, and what is staged from it.

A small update stages files copied from the installed version or downloaded one by one;
each must be exactly the file the signed list names (size, SHA-256, mode), the list obeys
the archive's limits to the byte, and a failure leaves nothing behind. Written against
survivors of a mutmut run over ``update/files.py`` and ``update/smallupdate.py``
(docs/testing.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tarfile
from pathlib import Path
from typing import Any

import pytest
from tuf.api.metadata import TargetFile

from dso_desktop.update import files as files_mod
from dso_desktop.update.archive import Limits, UnsafeArchiveError
from dso_desktop.update.client import Offer
from dso_desktop.update.errors import UpdateVerificationError
from dso_desktop.update.files import (
    DeltaPlan,
    FileEntry,
    FilesManifest,
    assemble,
    check_manifest,
    local_files,
    plan,
    sha256_path,
)
from dso_desktop.update.release import (
    MANIFEST_NAME,
    Manifest,
    Notes,
    ReleaseFormatError,
    Version,
    blob_target,
)
from dso_desktop.update.smallupdate import MAX_SHARE_OF_ARCHIVE, fetch_file_list, prepare

V = Version.parse("2.0.0")
MANIFEST = Manifest(V, ("app",), ("app", "cli"), ("app", "self-check")).to_bytes()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file(path: str, data: bytes, executable: bool = False) -> FileEntry:
    return FileEntry(path, "file", len(data), _sha(data), executable)


def _listing(*extra: FileEntry, version: Version = V) -> FilesManifest:
    return FilesManifest(version, (_file(MANIFEST_NAME, MANIFEST), *extra))


# -- the format --------------------------------------------------------------------------

def test_entries_in_json_per_kind() -> None:
    assert _file("app", b"x", True).to_json() == {
        "path": "app", "kind": "file", "size": 1, "sha256": _sha(b"x"), "exec": True}
    assert FileEntry("lib/l", "symlink", target="../app").to_json() == {
        "path": "lib/l", "kind": "symlink", "target": "../app"}
    assert FileEntry("lib", "dir").to_json() == {"path": "lib", "kind": "dir"}


def test_a_file_list_round_trips() -> None:
    files = _listing(_file("app", b"#!x", True), FileEntry("lib", "dir"),
                     FileEntry("lib/l", "symlink", target="../app"), _file("data", b"abc"))
    data = files.to_bytes()
    assert data.endswith(b"\n") and b" " not in data.strip()  # compact, sorted, one line
    assert json.loads(data)["format"] == 1 and json.loads(data)["version"] == "2.0.0"
    assert FilesManifest.from_bytes(data) == files
    assert files.total_size == len(MANIFEST) + 3 + 3
    assert files.blobs() == {_sha(MANIFEST): len(MANIFEST), _sha(b"#!x"): 3, _sha(b"abc"): 3}


def test_a_file_without_exec_is_not_executable() -> None:
    raw = {"format": 1, "version": "2.0.0", "entries": [
        {"path": "a", "kind": "file", "size": 1, "sha256": _sha(b"a")}]}
    (entry,) = FilesManifest.from_bytes(json.dumps(raw).encode()).entries
    assert entry == FileEntry("a", "file", 1, _sha(b"a"), False)


@pytest.mark.parametrize(("raw", "message"), [
    ({"format": 2, "version": "2.0.0", "entries": []}, "unknown files.json format"),
    ({"version": "2.0.0", "entries": []}, "unknown files.json format"),
    ({"format": 1, "version": "2.0.0", "entries": {}}, "entries must be a list"),
    ({"format": 1, "version": "2.0.0", "entries": [{"path": "a", "kind": "fifo"}]},
     "bad entry"),
    ({"format": 1, "version": "2.0.0", "entries": [{"path": 3, "kind": "dir"}]}, "bad entry"),
    ({"format": 1, "version": "2.0.0",
      "entries": [{"path": "a", "kind": "file", "size": -1, "sha256": "0" * 64}]},
     "bad file entry 'a'"),
    ({"format": 1, "version": "2.0.0",
      "entries": [{"path": "a", "kind": "file", "size": "1", "sha256": "0" * 64}]},
     "bad file entry 'a'"),
    ({"format": 1, "version": "2.0.0",
      "entries": [{"path": "a", "kind": "file", "size": 1, "sha256": 5}]},
     "bad file entry 'a'"),
    ({"format": 1, "version": "2.0.0",
      "entries": [{"path": "a", "kind": "file", "size": 1, "sha256": "AB" * 32}]},
     "bad sha256"),
    ({"format": 1, "version": "2.0.0",
      "entries": [{"path": "a", "kind": "symlink", "target": None}]}, "bad link 'a'"),
    ({"format": 1, "version": "2.0.0", "entries": [{"path": "a", "kind": "file"}]},
     "bad files.json"),
    ({"format": 1, "version": "2.0", "entries": []}, "not a release version"),
])
def test_a_malformed_file_list_is_refused(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ReleaseFormatError, match=message) as info:
        FilesManifest.from_bytes(json.dumps(raw).encode())
    assert str(info.value).startswith(("bad files.json", "unknown", "files.json:"))


def test_a_zero_byte_file_is_a_valid_entry() -> None:
    raw = {"format": 1, "version": "2.0.0", "entries": [
        {"path": "empty", "kind": "file", "size": 0, "sha256": _sha(b"")}]}
    assert FilesManifest.from_bytes(json.dumps(raw).encode()).entries[0].size == 0


# -- the archive's limits, to the byte ---------------------------------------------------

def test_entries_become_archive_entries_with_the_signed_modes() -> None:
    out = check_manifest(_listing(_file("bin/app", b"x", True), FileEntry("bin", "dir"),
                                  FileEntry("bin/l", "symlink", target="app")))
    by_name = {e.member.name: e for e in out}
    app = by_name["dso-desktop/versions/2.0.0/bin/app"]
    assert app.member.mode == 0o755 and app.member.size == 1 and app.member.isfile()
    assert app.parts == ("versions", "2.0.0", "bin", "app")
    assert by_name[f"dso-desktop/versions/2.0.0/{MANIFEST_NAME}"].member.mode == 0o644
    assert by_name["dso-desktop/versions/2.0.0/bin"].member.type == tarfile.DIRTYPE
    link = by_name["dso-desktop/versions/2.0.0/bin/l"].member
    assert link.type == tarfile.SYMTYPE and link.linkname == "app"


def test_the_member_limit_is_exact() -> None:
    files = _listing(_file("a", b"a"))
    assert len(check_manifest(files, Limits(max_members=2))) == 2
    with pytest.raises(UnsafeArchiveError, match=r"^more than 1 entries$"):
        check_manifest(files, Limits(max_members=1))


def test_the_file_size_limit_is_exact() -> None:
    big = _file("big", b"x" * (len(MANIFEST) + 1))  # the largest entry
    size = big.size
    check_manifest(_listing(big), Limits(max_file_bytes=size))
    with pytest.raises(UnsafeArchiveError, match=rf"^'big' is too big \({size} B\)$"):
        check_manifest(_listing(big), Limits(max_file_bytes=size - 1))


def test_the_total_size_limit_is_exact() -> None:
    files = _listing(_file("a", b"x" * 10), _file("b", b"y" * 10))
    exact = len(MANIFEST) + 20
    check_manifest(files, Limits(max_total_bytes=exact))
    with pytest.raises(UnsafeArchiveError, match=f"^unpacked size exceeds {exact - 1} bytes$"):
        check_manifest(files, Limits(max_total_bytes=exact - 1))


def test_duplicates_and_a_missing_version_file_are_refused() -> None:
    with pytest.raises(UnsafeArchiveError, match=r"^duplicate entry './a'$"):
        check_manifest(_listing(_file("a", b"1"), _file("./a", b"2")))
    with pytest.raises(UnsafeArchiveError, match=f"^file list has no {MANIFEST_NAME}$"):
        check_manifest(FilesManifest(V, (_file("app", b"x"),)))
    # The version file must be a file, not a folder of that name.
    with pytest.raises(UnsafeArchiveError, match=f"has no {MANIFEST_NAME}"):
        check_manifest(FilesManifest(V, (FileEntry(MANIFEST_NAME, "dir"),)))


def test_a_link_out_of_the_folder_is_refused() -> None:
    with pytest.raises(UnsafeArchiveError, match=r"points outside"):
        check_manifest(_listing(FileEntry("l", "symlink", target="../../etc")))


# -- what the installed version already has ----------------------------------------------

def test_local_files_finds_wanted_contents_only(tmp_path: Path) -> None:
    root = tmp_path / "1.0.0"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "same").write_bytes(b"keep me")
    (root / "other").write_bytes(b"keep mE")  # same size, other content
    (root / "short").write_bytes(b"keep")
    (root / "link").symlink_to(root / "sub" / "same")  # never followed
    wanted = {_sha(b"keep me"): 7, _sha(b"keep"): 4, _sha(b"absent"): 6}
    assert local_files(root, wanted) == {_sha(b"keep me"): root / "sub" / "same",
                                         _sha(b"keep"): root / "short"}
    # A content of the right hash but listed with another size is not taken.
    assert local_files(root, {_sha(b"keep"): 5}) == {}
    assert local_files(tmp_path / "missing", wanted) == {}
    (tmp_path / "via-link").symlink_to(root)
    assert local_files(tmp_path / "via-link", wanted) == {}


def test_plan_takes_installed_files_then_the_cache_then_downloads(tmp_path: Path) -> None:
    old = tmp_path / "1.0.0"
    old.mkdir()
    (old / "a").write_bytes(b"aaa")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / _sha(b"bbbb")).write_bytes(b"bbbb")  # left by an interrupted update
    (cache / _sha(b"cc")).write_bytes(b"c")  # a partial one: wrong size, not used
    files = _listing(_file("a", b"aaa"), _file("b", b"bbbb"), _file("c", b"cc"))
    p = plan(files, [old], cache)
    assert p.local == {_sha(b"aaa"): old / "a", _sha(b"bbbb"): cache / _sha(b"bbbb")}
    assert p.missing == {_sha(MANIFEST): len(MANIFEST), _sha(b"cc"): 2}
    assert p.download_bytes == len(MANIFEST) + 2
    assert plan(files, [old], None).missing == {_sha(MANIFEST): len(MANIFEST),
                                                _sha(b"bbbb"): 4, _sha(b"cc"): 2}


def test_plan_prefers_the_first_installed_version(tmp_path: Path) -> None:
    first, second = tmp_path / "1.1.0", tmp_path / "1.0.0"
    for d in (first, second):
        d.mkdir()
        (d / "a").write_bytes(b"same")
    assert plan(_listing(_file("a", b"same")), [first, second], None).local == \
        {_sha(b"same"): first / "a"}


# -- assembling the new version folder ---------------------------------------------------

def _sources(tmp_path: Path, *contents: bytes) -> dict[str, Path]:
    out = {}
    for data in (MANIFEST, *contents):
        p = tmp_path / "blobs" / _sha(data)
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        out[_sha(data)] = p
    return out


def test_assemble_builds_the_folder_with_signed_modes_and_links(tmp_path: Path) -> None:
    files = _listing(FileEntry("bin", "dir"), _file("bin/app", b"#!app", True),
                     _file("lib/data", b"data"), FileEntry("lib/app", "symlink",
                                                           target="../bin/app"))
    src = _sources(tmp_path, b"#!app", b"data")
    versions = tmp_path / "versions"
    old = os.umask(0o077)
    try:
        final = assemble(DeltaPlan(files, src, {}), src.__getitem__, versions)
    finally:
        os.umask(old)
    assert final == versions / "2.0.0"
    assert stat.S_IMODE(final.stat().st_mode) == 0o755  # every user of the install enters it
    assert (final / "bin" / "app").read_bytes() == b"#!app"
    assert stat.S_IMODE((final / "bin" / "app").stat().st_mode) == 0o755
    assert stat.S_IMODE((final / "lib" / "data").stat().st_mode) == 0o644
    assert os.readlink(final / "lib" / "app") == "../bin/app"
    assert (final / "lib" / "app").read_bytes() == b"#!app"
    assert [p.name for p in versions.iterdir()] == ["2.0.0"]  # no temporary folder left


@pytest.mark.parametrize("served", [b"dat", b"dataX", b"datA"])
def test_a_source_that_is_not_the_signed_file_stages_nothing(tmp_path: Path,
                                                             served: bytes) -> None:
    files = _listing(_file("data", b"data"))
    src = _sources(tmp_path)
    wrong = tmp_path / "wrong"
    wrong.write_bytes(served)
    src[_sha(b"data")] = wrong
    versions = tmp_path / "versions"
    with pytest.raises(UnsafeArchiveError,
                       match=r"^'data': content does not match the signed file list$"):
        assemble(DeltaPlan(files, src, {}), src.__getitem__, versions)
    assert list(versions.iterdir()) == []


def test_assemble_never_overwrites_and_checks_the_version_file(tmp_path: Path) -> None:
    src = _sources(tmp_path)
    versions = tmp_path / "versions"
    (versions / "2.0.0").mkdir(parents=True)
    with pytest.raises(UnsafeArchiveError, match=r"already exists"):
        assemble(DeltaPlan(_listing(), src, {}), src.__getitem__, versions)
    other = Manifest(Version.parse("2.0.1"), ("app",), ("app",), ("app",)).to_bytes()
    files = FilesManifest(V, (_file(MANIFEST_NAME, other),))
    src = {_sha(other): tmp_path / "other"}
    (tmp_path / "other").write_bytes(other)
    fresh = tmp_path / "fresh"
    with pytest.raises(UnsafeArchiveError,
                       match=f"^{MANIFEST_NAME} says version 2.0.1, expected 2.0.0$"):
        assemble(DeltaPlan(files, src, {}), src.__getitem__, fresh)
    assert list(fresh.iterdir()) == []


def test_sha256_path_reads_large_files_whole(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 5)  # more than one read chunk
    p = tmp_path / "big"
    p.write_bytes(data)
    assert sha256_path(p) == _sha(data)


def test_copy_reads_no_more_than_one_byte_past_the_signed_size(tmp_path: Path) -> None:
    # An endless source (a device, a file still growing) must not be copied whole.
    src = tmp_path / "src"
    src.write_bytes(b"y" * (4 * 1024 * 1024))
    dest = tmp_path / "dest"
    with pytest.raises(UnsafeArchiveError):
        files_mod._copy_verified(src, dest, _file("f", b"y" * 10))
    assert dest.stat().st_size == 11


# -- the download side ---------------------------------------------------------------------

class FakeClient:
    """A TufClient whose targets are local bytes (python-tuf's checks are not under test)."""

    def __init__(self, tmp_path: Path, blobs: dict[str, bytes], listing: bytes) -> None:
        self.blobs = blobs
        self.listing = listing
        self.downloads: list[str] = []
        self.signed: dict[str, TargetFile] = {
            blob_target(d): TargetFile(len(b), {"sha256": d}, blob_target(d))
            for d, b in blobs.items()}

    def targetinfo(self, path: str) -> TargetFile | None:
        return self.signed.get(path)

    def download(self, info: TargetFile, part: Path, progress: Any) -> Path:
        self.downloads.append(info.path)
        data = self.listing if info.path.endswith("files.json") else \
            self.blobs[info.path.rpartition("/")[2]]
        part.write_bytes(data)
        if progress is not None:
            progress(len(data), len(data))
        return part


def _offer(files_info: TargetFile | None, archive_len: int = 10_000,
           version: str = "2.0.0") -> Offer:
    archive = TargetFile(archive_len, {"sha256": "0" * 64}, "r/a.tar.gz")
    return Offer(Version.parse(version), Notes("", ""), "", archive, {}, files_info)


def test_prepare_downloads_only_the_missing_files_with_progress(tmp_path: Path) -> None:
    listing = _listing(_file("a", b"old"), _file("b", b"new!"))
    old = tmp_path / "1.0.0"
    old.mkdir()
    (old / "a").write_bytes(b"old")
    blobs = {_sha(MANIFEST): MANIFEST, _sha(b"new!"): b"new!"}
    client = FakeClient(tmp_path, blobs, listing.to_bytes())
    info = TargetFile(len(listing.to_bytes()), {"sha256": "0" * 64}, "r/x.files.json")
    seen: list[tuple[int, int]] = []
    cache = tmp_path / "cache"
    got = prepare(client, _offer(info), [old], cache,  # type: ignore[arg-type]
                  lambda n, t: seen.append((n, t)))
    assert got is not None and got.missing == {}
    assert got.local == {_sha(b"old"): old / "a", _sha(MANIFEST): cache / _sha(MANIFEST),
                         _sha(b"new!"): cache / _sha(b"new!")}
    assert (cache / _sha(b"new!")).read_bytes() == b"new!"
    assert not list(cache.glob("*.part"))
    total = len(MANIFEST) + 4
    assert seen[-1] == (total, total)
    # Progress counts up over both files: the second starts where the first ended.
    first, _second = sorted([_sha(MANIFEST), _sha(b"new!")])
    first_size = len(blobs[first])
    assert seen[:2] == [(first_size, total), (total, total)]
    assert client.downloads[0] == "r/x.files.json"


def test_prepare_declines_without_a_list_or_when_it_saves_too_little(tmp_path: Path) -> None:
    no_list = prepare(FakeClient(tmp_path, {}, b""), _offer(None), [],  # type: ignore[arg-type]
                      tmp_path / "c0")
    assert no_list is None
    body = b"x" * 50
    listing = _listing(_file("a", body))
    blobs = {_sha(MANIFEST): MANIFEST, _sha(body): body}
    info = TargetFile(10, {"sha256": "0" * 64}, "r/x.files.json")
    need = len(MANIFEST) + len(body)
    at_share = 340  # MAX_SHARE_OF_ARCHIVE * 340 == need exactly
    assert MAX_SHARE_OF_ARCHIVE * at_share == need
    # Exactly at the share a small update is still used; one byte of archive less, not.
    client = FakeClient(tmp_path, blobs, listing.to_bytes())
    assert prepare(client, _offer(info, at_share), [], tmp_path / "c1") is not None  # type: ignore[arg-type]
    client = FakeClient(tmp_path, blobs, listing.to_bytes())
    assert prepare(client, _offer(info, at_share - 1), [], tmp_path / "c2") is None  # type: ignore[arg-type]
    assert client.downloads == ["r/x.files.json"]  # nothing else fetched
    assert MAX_SHARE_OF_ARCHIVE == 0.6


def test_prepare_refuses_a_list_of_another_version(tmp_path: Path) -> None:
    listing = _listing(version=Version.parse("2.0.1"))
    client = FakeClient(tmp_path, {}, listing.to_bytes())
    info = TargetFile(10, {"sha256": "0" * 64}, "r/x.files.json")
    with pytest.raises(UpdateVerificationError, match=r"^the file list is for another version$"):
        prepare(client, _offer(info), [], tmp_path / "c")  # type: ignore[arg-type]


@pytest.mark.parametrize("break_it", ["unsigned", "length", "hash"])
def test_prepare_refuses_a_file_the_metadata_does_not_sign(tmp_path: Path,
                                                           break_it: str) -> None:
    listing = _listing()
    client = FakeClient(tmp_path, {_sha(MANIFEST): MANIFEST}, listing.to_bytes())
    path = blob_target(_sha(MANIFEST))
    if break_it == "unsigned":
        del client.signed[path]
    elif break_it == "length":
        client.signed[path] = TargetFile(len(MANIFEST) + 1, {"sha256": _sha(MANIFEST)}, path)
    else:
        client.signed[path] = TargetFile(len(MANIFEST), {"sha256": "1" * 64}, path)
    info = TargetFile(10, {"sha256": "0" * 64}, "r/x.files.json")
    with pytest.raises(UpdateVerificationError,
                       match=f"^file {_sha(MANIFEST)[:12]}… of the release is not signed$"):
        prepare(client, _offer(info), [], tmp_path / "c")  # type: ignore[arg-type]
    assert client.downloads == ["r/x.files.json"]


def test_fetch_file_list_limits_and_cleans_up(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    listing = _listing().to_bytes()
    client = FakeClient(tmp_path, {}, listing)
    ok = TargetFile(files_mod.MAX_FILES_JSON_BYTES, {"sha256": "0" * 64}, "r/x.files.json")
    assert fetch_file_list(client, ok, tmp_path / "w") == _listing()  # type: ignore[arg-type]
    assert not (tmp_path / "w" / "files.json.part").exists()
    big = TargetFile(files_mod.MAX_FILES_JSON_BYTES + 1, {"sha256": "0" * 64}, "r/x.files.json")
    with pytest.raises(UpdateVerificationError, match=r"unreasonably large"):
        fetch_file_list(client, big, tmp_path / "w")  # type: ignore[arg-type]
    client.listing = b'{"format": 7}'
    with pytest.raises(UpdateVerificationError, match=r"unknown files.json format"):
        fetch_file_list(client, ok, tmp_path / "w")  # type: ignore[arg-type]
    assert not (tmp_path / "w" / "files.json.part").exists()


# Survivors of seed 20261210 (branch ``survrest3``).

def test_progress_counts_up_over_every_missing_file(tmp_path: Path) -> None:
    contents = [b"one", b"two!", b"three"]
    listing = _listing(*(_file(f"f{i}", c) for i, c in enumerate(contents)))
    blobs = {_sha(c): c for c in (MANIFEST, *contents)}
    client = FakeClient(tmp_path, blobs, listing.to_bytes())
    info = TargetFile(len(listing.to_bytes()), {"sha256": "0" * 64}, "r/x.files.json")
    seen: list[int] = []
    prepare(client, _offer(info), [], tmp_path / "cache",  # type: ignore[arg-type]
            lambda n, _t: seen.append(n))
    sizes = [len(blobs[d]) for d in sorted(blobs)]
    assert seen == [sum(sizes[:i + 1]) for i in range(len(sizes))] + [sum(sizes)]


def test_a_source_longer_than_the_signed_file_is_refused(tmp_path: Path) -> None:
    # Its first bytes are the signed file: only the length tells it apart, also where the
    # signed size ends a read chunk (1 MiB) exactly.
    for signed in (b"data", b"m" * (1024 * 1024)):
        src = tmp_path / "src"
        src.write_bytes(signed + b" and more")
        dest = tmp_path / f"dest{len(signed)}"
        with pytest.raises(UnsafeArchiveError, match="does not match the signed file list"):
            files_mod._copy_verified(src, dest, _file("f", signed))


def test_a_small_update_makes_the_versions_folder_with_its_parents(tmp_path: Path) -> None:
    src = _sources(tmp_path)
    versions = tmp_path / "install" / "versions"
    final = assemble(DeltaPlan(_listing(), src, {}), src.__getitem__, versions)
    assert final == versions / "2.0.0" and (final / MANIFEST_NAME).read_bytes() == MANIFEST


def test_files_of_a_small_update_are_opened_binary_exclusive_and_not_through_links(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_binary = 0x10000000  # O_BINARY is Windows' (no newline translation)
    monkeypatch.setattr(os, "O_BINARY", fake_binary, raising=False)
    real_open = os.open
    flags_of: dict[str, int] = {}

    def spy(path: str | os.PathLike[str], flags: int, mode: int = 0o777, **kw: object) -> int:
        flags_of[Path(path).name] = flags
        return real_open(path, flags & ~fake_binary, mode, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy)
    src = tmp_path / "src"
    src.write_bytes(b"data")
    files_mod._copy_verified(src, tmp_path / "dest", _file("f", b"data"))
    assert flags_of["dest"] == (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                | fake_binary)


# Survivors of seed 20261211 (branch ``survrest4``).

def test_assemble_applies_the_limits_it_is_given(tmp_path: Path) -> None:
    files = _listing(_file("a", b"a"), _file("b", b"b"))
    src = _sources(tmp_path, b"a", b"b")
    versions = tmp_path / "versions"
    with pytest.raises(UnsafeArchiveError, match=r"^more than 2 entries$"):
        assemble(DeltaPlan(files, src, {}), src.__getitem__, versions, Limits(max_members=2))
    assert not (versions / "2.0.0").exists()
    final = assemble(DeltaPlan(files, src, {}), src.__getitem__, versions, Limits(max_members=3))
    assert (final / "b").read_bytes() == b"b"


def test_local_files_looks_past_a_file_of_another_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "1.0.0"
    root.mkdir()
    (root / "a-other-size").write_bytes(b"not wanted at all")
    (root / "b-link").symlink_to(root / "c-wanted")
    (root / "c-wanted").write_bytes(b"wanted")
    real_walk = os.walk

    def walk_in_name_order(*args: Any, **kwargs: Any) -> Any:
        for folder, dirs, names in real_walk(*args, **kwargs):
            yield folder, dirs, sorted(names)

    monkeypatch.setattr(files_mod.os, "walk", walk_in_name_order)
    assert local_files(root, {_sha(b"wanted"): 6}) == {_sha(b"wanted"): root / "c-wanted"}
