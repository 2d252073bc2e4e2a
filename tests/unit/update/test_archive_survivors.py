"""Survivors of the mutation run of branch ``mutsurv`` in `update.archive`: the refusal
names the entry, a NUL in a path is refused, and unpacked programs are not writable by
others."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest
from tests.unit.update.test_archive import MANIFEST, PREFIX, V, _file, _good, _special, _tar

from dso_desktop.update.archive import (
    MAX_LINK_HOPS,
    Limits,
    UnsafeArchiveError,
    _Entry,
    _split,
    _write_tree,
    extract_version,
    read_manifest,
    scan,
    version_entries,
)
from dso_desktop.update.release import MANIFEST_NAME, Manifest, ReleaseFormatError


def test_a_path_with_a_nul_or_a_backslash_is_refused() -> None:
    for name in ("dso-desktop/versions/2.0.0/a\x00b", "dso-desktop\\versions"):
        with pytest.raises(UnsafeArchiveError, match="forbidden character"):
            _split(name)
    assert _split("dso-desktop/./versions//2.0.0/app") == (
        "dso-desktop", "versions", "2.0.0", "app")


def test_a_refused_link_is_named_by_its_path(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good([
        _special(f"{PREFIX}/lib/out", tarfile.SYMTYPE, "../../../../etc")]))
    with pytest.raises(UnsafeArchiveError) as refused:
        extract_version(archive, V, tmp_path / "versions")
    assert f"'{PREFIX}/lib/out'" in str(refused.value)
    entry_below_a_file = _tar(tmp_path / "b.tar.gz", _good([_file(f"{PREFIX}/app/inner")]))
    with pytest.raises(UnsafeArchiveError) as below:
        extract_version(entry_below_a_file, V, tmp_path / "versions")
    assert str(below.value) == f"'{PREFIX}/app/inner' lies below a file ({PREFIX}/app)"


def test_unpacked_programs_and_files_are_not_writable_by_others(tmp_path: Path) -> None:
    program = tarfile.TarInfo(f"{PREFIX}/bin/tool")
    program.mode = 0o777  # whatever the archive says
    archive = _tar(tmp_path / "a.tar.gz", _good([(program, b"#!/bin/sh\n")]))
    folder = extract_version(archive, V, tmp_path / "versions")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((folder / "bin" / "tool").stat().st_mode) == 0o755 & ~umask
    assert stat.S_IMODE((folder / "lib" / "data.bin").stat().st_mode) == 0o644 & ~umask


# Survivors of seed 20261208 (branch ``survrest``).

def test_a_link_outside_a_version_folder_is_refused(tmp_path: Path) -> None:
    # The version folder itself as a link, and a link below the top folder but outside
    # versions/: neither may be unpacked, whatever it points to.
    for i, name in enumerate(("dso-desktop/versions/2.0.0", "dso-desktop/lib/x/link")):
        archive = _tar(tmp_path / f"{i}.tar.gz",
                       [_special(name, tarfile.SYMTYPE, "elsewhere"), *_good()])
        with pytest.raises(UnsafeArchiveError) as refused:
            scan(archive)
        assert str(refused.value) == f"link outside a version folder: {name!r}"


def test_a_link_to_a_windows_drive_is_refused_as_absolute(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good([
        _special(f"{PREFIX}/lib/win", tarfile.SYMTYPE, "C:Windows")]))
    with pytest.raises(UnsafeArchiveError) as refused:
        scan(archive)
    assert str(refused.value) == (
        f"link '{PREFIX}/lib/win' points to an absolute path ('C:Windows')")


def test_a_chain_of_forty_links_resolves_and_forty_one_do_not(tmp_path: Path) -> None:
    def chain(n: int) -> list[tuple[tarfile.TarInfo, bytes | None]]:
        # l0 -> l1 -> ... -> l{n-1} -> data.bin: resolving l0 follows n links
        return [_special(f"{PREFIX}/lib/l{i}", tarfile.SYMTYPE,
                         f"l{i + 1}" if i + 1 < n else "data.bin") for i in range(n)]

    assert MAX_LINK_HOPS == 40  # Linux's own limit
    ok = _tar(tmp_path / "ok.tar.gz", _good(chain(MAX_LINK_HOPS)))
    assert len(scan(ok)) == 3 + MAX_LINK_HOPS
    long = _tar(tmp_path / "long.tar.gz", _good(chain(MAX_LINK_HOPS + 1)))
    with pytest.raises(UnsafeArchiveError) as refused:
        scan(long)
    assert str(refused.value) == (
        f"link '{PREFIX}/lib/l0' never resolves (a loop of links or a chain of more than "
        f"{MAX_LINK_HOPS})")


def test_refusals_of_what_is_no_release_archive_say_what_is_wrong(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(UnsafeArchiveError) as not_tar:
        scan(junk)
    assert str(not_tar.value) == "not a .tar.gz or .tar.xz archive"
    fifo = _tar(tmp_path / "f.tar.gz", _good([_special(f"{PREFIX}/pipe", tarfile.FIFOTYPE)]))
    with pytest.raises(UnsafeArchiveError) as special:
        scan(fifo)
    assert str(special.value) == f"device or special file not allowed: '{PREFIX}/pipe'"
    hard = _tar(tmp_path / "h.tar.gz", _good([
        _special(f"{PREFIX}/hard", tarfile.LNKTYPE, f"{PREFIX}/app")]))
    with pytest.raises(UnsafeArchiveError) as hard_link:
        scan(hard)
    assert str(hard_link.value) == f"hard link not allowed: '{PREFIX}/hard'"


def test_a_damaged_manifest_is_refused_with_its_reason(tmp_path: Path) -> None:
    bad = b'{"format": 1, "version": "2.0.0"}'  # no commands
    with pytest.raises(ReleaseFormatError) as direct:
        Manifest.from_bytes(bad)
    archive = _tar(tmp_path / "a.tar.gz", [_file(f"{PREFIX}/{MANIFEST_NAME}", bad)])
    with pytest.raises(UnsafeArchiveError) as refused:
        read_manifest(archive, V)
    assert str(refused.value) == str(direct.value) and str(direct.value)


def test_the_check_after_unpacking_refuses_a_link_the_scan_let_through(
        tmp_path: Path) -> None:
    # The last line of defence: whatever the scan missed, a link that resolves outside the
    # unpacked folder on disk is refused, by its name.
    archive = _tar(tmp_path / "a.tar.gz", _good())
    entries = version_entries(scan(archive), V)
    out = tarfile.TarInfo(f"{PREFIX}/lib/out")
    out.type, out.linkname = tarfile.SYMTYPE, "../../outside"
    root = tmp_path / "work"
    root.mkdir()
    with pytest.raises(UnsafeArchiveError) as refused:
        _write_tree(archive, [*entries, _Entry(out, ("lib", "out"))], root)
    assert str(refused.value) == f"link '{PREFIX}/lib/out' resolves outside its folder"


def test_a_file_is_never_written_through_a_path_that_exists(tmp_path: Path) -> None:
    # O_EXCL | O_NOFOLLOW: a link (or file) already at a file's place is never written
    # through or over; the scan makes that impossible, this is the line behind it.
    archive = _tar(tmp_path / "a.tar.gz", _good())
    entries = version_entries(scan(archive), V)
    root = tmp_path / "work"
    root.mkdir()
    outside = tmp_path / "outside"
    (root / "app").symlink_to(outside)
    with pytest.raises(FileExistsError):
        _write_tree(archive, entries, root)
    assert not outside.exists()


def test_a_release_unpacks_where_the_os_has_no_o_nofollow(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "O_NOFOLLOW", raising=False)  # as on Windows
    archive = _tar(tmp_path / "a.tar.gz", _good())
    folder = extract_version(archive, V, tmp_path / "versions")
    assert (folder / "lib" / "data.bin").read_bytes() == b"data"


def test_files_are_opened_binary_exclusive_and_not_through_links(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # O_BINARY is Windows' (no newline translation in a program file); stand in for it
    # with a bit Linux does not use, and take it off again before the real open.
    fake_binary = 0x10000000
    monkeypatch.setattr(os, "O_BINARY", fake_binary, raising=False)
    real_open = os.open
    flags_of: dict[str, int] = {}

    def spy(path: str | os.PathLike[str], flags: int, mode: int = 0o777, **kw: object) -> int:
        flags_of[Path(path).name] = flags
        return real_open(path, flags & ~fake_binary, mode, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy)
    archive = _tar(tmp_path / "a.tar.gz", _good())
    extract_version(archive, V, tmp_path / "versions")
    wanted = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | fake_binary
    assert flags_of["data.bin"] == wanted and flags_of["app"] == wanted


def test_a_release_is_staged_beside_its_final_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Beside it, so the last step is a rename on the same file system (atomic), never a
    # copy from a temporary folder elsewhere.
    from dso_desktop.update import archive as arch

    staged: list[Path] = []
    real = arch._write_tree

    def spy(archive: Path, entries: list[_Entry], root: Path) -> None:
        staged.append(root)
        real(archive, entries, root)

    monkeypatch.setattr(arch, "_write_tree", spy)
    versions = tmp_path / "versions"
    folder = extract_version(_tar(tmp_path / "a.tar.gz", _good()), V, versions)
    assert [p.parent for p in staged] == [versions]
    assert staged[0].name.startswith(".incoming-2.0.0-")
    assert not staged[0].exists() and folder.is_dir()
    assert sorted(p.name for p in versions.iterdir()) == ["2.0.0"]


def test_a_manifest_is_read_up_to_64_kib(tmp_path: Path) -> None:
    def padded(size: int) -> bytes:
        # Spaces after the opening brace: the JSON ends only with the manifest's last byte.
        return b"{" + b" " * (size - len(MANIFEST)) + MANIFEST[1:]

    fits = _tar(tmp_path / "a.tar.gz", [_file(f"{PREFIX}/{MANIFEST_NAME}", padded(64 * 1024))])
    assert read_manifest(fits, V).version == V
    too_big = _tar(tmp_path / "b.tar.gz",
                   [_file(f"{PREFIX}/{MANIFEST_NAME}", padded(64 * 1024 + 1))])
    with pytest.raises(UnsafeArchiveError, match=f"bad {MANIFEST_NAME}: "):
        read_manifest(too_big, V)  # cut at 64 KiB: no longer JSON


# Survivors of seed 20261210 (branch ``survrest3``).

def test_a_bare_drive_letter_is_an_absolute_path() -> None:
    with pytest.raises(UnsafeArchiveError, match="absolute path in archive: 'C:'"):
        _split("C:")
    assert _split("C") == ("C",)


def test_only_an_execute_bit_makes_an_unpacked_file_a_program(tmp_path: Path) -> None:
    # Execute for others alone is a program; write for others alone is not.
    members = []
    for name, mode in (("others-x", 0o601), ("others-w", 0o602), ("group-r", 0o640)):
        info = tarfile.TarInfo(f"{PREFIX}/bin/{name}")
        info.mode = mode
        members.append((info, b"#!/bin/sh\n"))
    folder = extract_version(_tar(tmp_path / "a.tar.gz", _good(members)), V,
                             tmp_path / "versions")
    umask = os.umask(0)
    os.umask(umask)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (folder / "bin").iterdir()}
    assert modes == {"others-x": 0o755 & ~umask, "others-w": 0o644 & ~umask,
                     "group-r": 0o644 & ~umask}


def test_the_unpacked_size_limit_counts_every_file_and_is_inclusive(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good())
    total = len(MANIFEST) + len(b"#!/bin/sh\n") + len(b"data")
    assert len(scan(archive, Limits(max_total_bytes=total))) == 3
    with pytest.raises(UnsafeArchiveError, match=f"unpacked size exceeds {total - 1} bytes"):
        scan(archive, Limits(max_total_bytes=total - 1))
    # No single file is near the limit: only their sum is over it.
    with pytest.raises(UnsafeArchiveError, match="unpacked size exceeds"):
        scan(archive, Limits(max_total_bytes=len(MANIFEST) + 5, max_file_bytes=len(MANIFEST)))


# Survivors of seed 20261211 (branch ``survrest4``).

@pytest.mark.parametrize("target", ["..\\..\\..\\Windows", "\\\\server\\share", "lib\\x"])
def test_a_link_with_a_backslash_is_refused(tmp_path: Path, target: str) -> None:
    # A Windows path separator: `..\..` leaves the folder there, `\\server` is absolute.
    archive = _tar(tmp_path / "a.tar.gz", _good([
        _special(f"{PREFIX}/lib/win", tarfile.SYMTYPE, target)]))
    with pytest.raises(UnsafeArchiveError) as refused:
        scan(archive)
    assert str(refused.value) == (
        f"link '{PREFIX}/lib/win' points to an absolute path ({target!r})")


# Survivors of seed 20261212 (branch ``survupd5``).

def test_unpacked_folders_can_be_entered_like_programs_run(tmp_path: Path) -> None:
    # Folders inside a release are made rwxr-xr-x (before the umask), like its programs:
    # under the common umask 022 the owner alone writes them, and the unpacked tree has the
    # modes a release unpacked by hand (`tar -x`, docs/updates.md) has; so has the version
    # folder itself (the staging folder renamed: not mkdtemp's 0o700, which would lock the
    # other users of a machine-wide install out of the new version).
    archive = _tar(tmp_path / "a.tar.gz", _good([_file(f"{PREFIX}/share/doc/readme")]))
    umask = os.umask(0o022)
    try:
        folder = extract_version(archive, V, tmp_path / "versions")
    finally:
        os.umask(umask)
    modes = {name: stat.S_IMODE((folder / name).stat().st_mode)
             for name in (".", "lib", "share", "share/doc")}
    assert modes == {".": 0o755, "lib": 0o755, "share": 0o755, "share/doc": 0o755}


# Survivors of seed 20261213 (branch ``survrest6``).

def test_a_gzip_file_that_holds_no_tar_is_refused_with_its_one_cause(tmp_path: Path) -> None:
    # Read as what its first bytes say (gzip), the cause is the one that counts, not a
    # list of every compression tarfile could have tried.
    import gzip

    archive = tmp_path / "dso-desktop-2.0.0.tar.gz"
    archive.write_bytes(gzip.compress(b"not a tar archive " * 100))
    with pytest.raises(UnsafeArchiveError) as refused:
        scan(archive)
    assert str(refused.value) == "damaged archive: invalid header"
