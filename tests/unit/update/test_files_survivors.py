"""Survivors of seed 20261212 (branch ``survupd5``) in `update.files`: a file is hashed a
chunk at a time (an installed version's large files are not read whole into memory), and a
small update is assembled where the system has no ``O_NOFOLLOW`` (Windows)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

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
