"""Survivors of session 15's whole run (branch ``survinst15``) in `update.archive`,
`update.layout` and `update.transport`: the archive limits a caller passes, files of more
than one read, links with empty components, what the launcher reads back from its files,
and what a download asks of the session and says when it ends short."""

from __future__ import annotations

import io
import os
import sys
import tarfile
from pathlib import Path

import pytest
from tests.unit.update.test_archive import PREFIX, V, _file, _good, _special, _tar
from tests.unit.update.test_layout_survivors import _install
from tests.unit.update.test_transport_survivors import URL, _Response, _Session
from tuf.api import exceptions as tuf_exc

from dso_desktop.update import layout as lay
from dso_desktop.update.archive import (
    Limits,
    UnsafeArchiveError,
    _copy_limited,
    _link_target,
    _safe_mkdir,
    extract_version,
    read_manifest,
    scan,
)
from dso_desktop.update.layout import InstallLayout, InstallState, Trial
from dso_desktop.update.release import ReleaseFormatError
from dso_desktop.update.transport import TlsConfigError, Transport, ca_bundle

# --- update.archive -------------------------------------------------------------------


def test_the_member_limit_a_caller_sets_is_the_most_entries_allowed(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", _good())  # three members
    assert len(scan(archive, Limits(max_members=3))) == 3
    with pytest.raises(UnsafeArchiveError, match="more than 2 entries"):
        read_manifest(archive, V, Limits(max_members=2))


def test_a_file_of_several_reads_is_unpacked_whole(tmp_path: Path) -> None:
    big = bytes(range(256)) * (6 * 1024)  # 1.5 MiB: more than one read of 1 MiB
    archive = _tar(tmp_path / "a.tar.gz", _good([_file(f"{PREFIX}/lib/big.bin", big)]))
    folder = extract_version(archive, V, tmp_path / "versions")
    assert (folder / "lib" / "big.bin").read_bytes() == big


def test_a_limited_copy_takes_no_more_than_its_size_from_a_longer_source() -> None:
    data = bytes(range(256)) * (8 * 1024)  # 2 MiB
    size = 1024 * 1024 + 1000
    out = io.BytesIO()
    assert _copy_limited(io.BytesIO(data), out, size) == size
    assert out.getvalue() == data[:size]


def test_a_link_target_with_a_nul_or_a_drive_is_refused() -> None:
    for target in ("lib\x00x", "c:", "c:x"):
        with pytest.raises(UnsafeArchiveError, match="points to an absolute path"):
            _link_target(target, "lab")
    assert _link_target("x/y", "lab") == ["x", "y"]


def test_an_empty_link_component_does_not_count_as_a_folder(tmp_path: Path) -> None:
    # lib/x -> "..//..": the first ".." reaches the version folder, the second leaves it.
    archive = _tar(tmp_path / "a.tar.gz", _good([
        _special(f"{PREFIX}/lib/x", tarfile.SYMTYPE, "..//..")]))
    with pytest.raises(UnsafeArchiveError, match="points outside its folder"):
        scan(archive)


def test_a_file_where_a_folder_is_needed_is_named(tmp_path: Path) -> None:
    (tmp_path / "lib").write_bytes(b"")
    with pytest.raises(UnsafeArchiveError) as refused:
        _safe_mkdir(tmp_path, tmp_path / "lib" / "sub")
    assert str(refused.value) == f"{tmp_path / 'lib'} is not a plain folder"


def test_a_version_without_its_manifest_is_refused_though_it_has_files(
        tmp_path: Path) -> None:
    archive = _tar(tmp_path / "a.tar.gz", [_file(f"{PREFIX}/app", b"#!/bin/sh\n")])
    with pytest.raises(UnsafeArchiveError, match="archive has no"):
        read_manifest(archive, V)


# --- update.layout ----------------------------------------------------------------------


def test_a_trial_without_failures_or_with_odd_end_fields_reads_as_clean() -> None:
    trial = Trial.from_json({"version": "2.0.0", "last_end": 5, "last_end_cs": ["x"]})
    assert trial is not None
    assert (trial.failures, trial.last_end, trial.last_end_cs) == (0, None, None)


def test_a_previous_version_no_longer_installed_is_forgotten(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    _install(layout, "2.0.0")
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0"))
    state = layout.load_state()
    assert (state.current, state.previous) == ("2.0.0", None)


def test_a_version_folder_holding_another_version_is_named(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    _install(layout, "1.0.0")
    (layout.versions_dir / "1.0.0").rename(layout.versions_dir / "2.0.0")
    with pytest.raises(ReleaseFormatError) as wrong:
        layout.manifest("2.0.0")
    assert str(wrong.value) == "versions/2.0.0 holds version 1.0.0"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process ids")
def test_the_first_process_counts_as_alive() -> None:
    assert lay.pid_alive(1)  # init (or a container's first process) always exists


def test_a_process_check_sends_no_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(lay.sys, "platform", "linux")
    monkeypatch.setattr(lay.os, "kill", lambda pid, sig: sent.append((pid, sig)))
    assert lay.pid_alive(4242)
    assert sent == [(4242, 0)]


def test_an_empty_log_entry_is_a_dash(tmp_path: Path) -> None:
    path = lay.write_log(InstallLayout(tmp_path), "started", "  \n ")
    assert path is not None
    assert path.read_text(encoding="utf-8").endswith(" started: -\n")


# --- update.transport -------------------------------------------------------------------


def test_a_portal_ca_file_without_certificates_is_refused_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "portal-ca.pem"
    bad.write_text("no certificate here\n", encoding="ascii")
    with pytest.raises(TlsConfigError) as refused:
        ca_bundle(bad)
    assert str(refused.value).startswith(f"the update portal CA file {bad} cannot be used: ")


class _RecordingSession(_Session):
    def __init__(self, response: _Response) -> None:
        super().__init__(response)
        self.kwargs: list[dict[str, object]] = []

    def get(self, url: str, *, headers: dict[str, str], **kw: object) -> _Response:
        self.kwargs.append(kw)
        return super().get(url, headers=headers)


def test_every_request_has_the_configured_timeouts(tmp_path: Path) -> None:
    session = _RecordingSession(_Response(200, [b"abc"]))
    t = Transport(session=session)  # type: ignore[arg-type]
    t.download_resumable(URL, tmp_path / "dso.part", 3)
    assert t.timeouts is not None
    assert [kw["timeout"] for kw in session.kwargs] == [t.timeouts]


def test_a_download_that_ends_short_says_where(tmp_path: Path) -> None:
    t = Transport(session=_Session(_Response(200, [b"abc"])))  # type: ignore[arg-type]
    with pytest.raises(tuf_exc.DownloadError) as short:
        t.download_resumable(URL, tmp_path / "dso.part", 10)
    assert str(short.value) == f"download of {URL} ended at 3 of 10 bytes"
    assert os.path.getsize(tmp_path / "dso.part") == 3
