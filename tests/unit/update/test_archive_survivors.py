"""Survivors of the mutation run of branch ``mutsurv`` in `update.archive`: the refusal
names the entry, a NUL in a path is refused, and unpacked programs are not writable by
others."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest
from tests.unit.update.test_archive import PREFIX, V, _file, _good, _special, _tar

from dso_desktop.update.archive import UnsafeArchiveError, _split, extract_version


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
