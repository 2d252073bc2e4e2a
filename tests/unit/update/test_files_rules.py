"""The file list of a small update is judged by exactly the rules of a release archive."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from updater.testkit import write_archive

from dso_desktop.update.archive import UnsafeArchiveError, scan, version_entries
from dso_desktop.update.files import FileEntry, FilesManifest, check_manifest
from dso_desktop.update.release import MANIFEST_NAME, ReleaseFormatError, Version

_COMPONENTS = st.sampled_from(["a", "b", "..", "."])
# A path naming the version folder itself ("." or "./.") is left out: an archive entry there
# is ignored when unpacking, while a file list with an empty path is refused outright
# (test_empty_path_is_refused).
_PATHS = st.lists(_COMPONENTS, min_size=1, max_size=3).map("/".join).filter(
    lambda p: any(c not in (".", "") for c in p.split("/")))
_TARGETS = st.lists(st.sampled_from(["a", "b", "..", ".", ""]), min_size=1,
                    max_size=4).map("/".join) | st.sampled_from(["/etc", "a/../..", "../x"])
_ENTRY = st.one_of(
    st.tuples(st.just("file"), _PATHS, st.binary(max_size=8)),
    st.tuples(st.just("dir"), _PATHS, st.just(b"")),
    st.tuples(st.just("symlink"), _PATHS, _TARGETS),
)


def _verdict(fn: object) -> bool:
    try:
        fn()  # type: ignore[operator]
    except (UnsafeArchiveError, ReleaseFormatError):
        return False
    return True


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(_ENTRY, max_size=5))
def test_file_list_and_archive_get_the_same_verdict(tmp_path: Path, entries: list) -> None:
    version = "2.0.0"
    archive = write_archive(tmp_path / "r.tar.gz", version, list(entries), with_app=False)
    manifest = b'{"format": 1, "version": "2.0.0", "gui": ["app"], "cli": ["app"], ' \
               b'"self_check": ["app"]}'
    listed = [FileEntry(MANIFEST_NAME, "file", len(manifest),
                        hashlib.sha256(manifest).hexdigest())]
    for kind, path, data in entries:
        if kind == "file":
            listed.append(FileEntry(path, "file", len(data), hashlib.sha256(data).hexdigest()))
        elif kind == "symlink":
            listed.append(FileEntry(path, "symlink", target=data))
        else:
            listed.append(FileEntry(path, "dir"))
    files = FilesManifest(Version.parse(version), tuple(listed))
    by_archive = _verdict(lambda: version_entries(scan(archive), Version.parse(version)))
    by_list = _verdict(lambda: check_manifest(files))
    assert by_list == by_archive, (entries, by_archive)


def test_empty_path_is_refused() -> None:
    import pytest

    files = FilesManifest(Version.parse("2.0.0"), (
        FileEntry(MANIFEST_NAME, "file", 1, "0" * 64), FileEntry(".", "file", 1, "0" * 64)))
    with pytest.raises(UnsafeArchiveError, match="empty path"):
        check_manifest(files)


def test_a_files_list_of_another_format_is_refused_as_such() -> None:
    # Survivor of seed 20261208: the reason a newer portal's list is not read.
    with pytest.raises(ReleaseFormatError) as refused:
        FilesManifest.from_bytes(b'{"format": 2, "entries": []}')
    assert str(refused.value) == "bad files.json: unknown files.json format"
