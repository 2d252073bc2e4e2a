"""Hostile release archives signed by a stolen targets key, served by the loopback portal.

The signature is valid, so only the client's own checks while staging stand between the
archive and the disk. Every case must end with a clear `UnsafeReleaseError` (English for
logs, Czech for the GUI), the installed version intact, and not one byte written outside the
temporary staging folder (which is removed again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from updater.testkit import PLATFORM, Entry, Portal, build_release, install, write_archive

from dso_desktop.cli.main import run
from dso_desktop.paths import AppPaths
from dso_desktop.update.archive import UnsafeArchiveError
from dso_desktop.update.errors import UnsafeReleaseError, UpdateVerificationError
from dso_desktop.update.layout import InstallLayout
from dso_desktop.update.release import Notes, Version
from dso_desktop.update.service import UpdateService

FORMATS = (".tar.gz", ".tar.xz")

CASES: dict[str, tuple[list[Entry], str]] = {
    "link-chain-intermediate-hop": ([("dir", "lib/sub", ""), ("symlink", "lib/sub/d", ".."),
                                     ("symlink", "x", "lib/sub/d/../../..")],
                                    "outside its folder"),
    "link-chain-final-hop": ([("dir", "lib/sub", ""), ("symlink", "lib/sub/d", ".."),
                              ("symlink", "y", "lib/sub/d/../../../escape"),
                              ("symlink", "a", "y")], "outside its folder"),
    "link-loop": ([("symlink", "a", "b"), ("symlink", "b", "a")], "loop"),
    "write-through-link": ([("symlink", "lib/out", "../.."),
                            ("file", "lib/out/pwned.txt", b"owned")], "outside its folder"),
    "file-below-link": ([("dir", "lib/real", ""), ("symlink", "lib/d", "real"),
                         ("file", "lib/d/pwned.txt", b"owned")], "below a link"),
    "absolute-link": ([("symlink", "lib/home", "/home")], "absolute"),
    "hardlink": ([("hardlink", "lib/shadow", "/etc/shadow")], "hard link"),
    "device": ([("chardev", "lib/mem", "")], "device"),
    "fifo": ([("fifo", "lib/pipe", "")], "device"),
    "absolute-member": ([("file", "/tmp/pwned.txt", b"owned")], "absolute"),
    "dotdot-member": ([("file", "dso-desktop/versions/2.0.0/../../../pwned.txt", b"owned")],
                      "escapes"),
}


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    p = Portal(tmp_path / "portal")
    p.publish("1.0.0")
    yield p
    p.stop()


def _publish_as_stolen_key(portal: Portal, archive: Path, monkeypatch: pytest.MonkeyPatch
                           ) -> None:
    """`dso-release add` refuses the archive, so sign it the way a thief would."""
    with pytest.raises(UnsafeArchiveError):
        portal.repo.add_release(archive, Version.parse("2.0.0"), Notes("x", "y"),
                                platform=PLATFORM)
    with monkeypatch.context() as m:
        m.setattr("updater.repository.read_manifest", lambda *a, **k: None)
        portal.repo.add_release(archive, Version.parse("2.0.0"), Notes("x", "y"),
                                platform=PLATFORM, file_list=False)


def _snapshot(root: Path, skip: tuple[Path, ...]) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if any(p == s or s in p.parents for s in skip):
            continue
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link:" + str(p.readlink())
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_signed_archive_is_refused_while_staging(
        portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        case: str, fmt: str) -> None:
    entries, why = CASES[case]
    archive = write_archive(tmp_path / "evil" / f"dso-desktop-2.0.0{fmt}", "2.0.0", entries)
    _publish_as_stolen_key(portal, archive, monkeypatch)
    installed = install(tmp_path / "install", build_release(tmp_path / "clerk", "1.0.0"),
                        "1.0.0")
    user = AppPaths.default(tmp_path / "user").ensure()
    url = portal.serve()
    svc = UpdateService(user, install_root=installed, portal_url=url, platform=PLATFORM,
                        trusted_root=(portal.repo.metadata_dir / "1.root.json").read_bytes())
    assert svc.check().available == "2.0.0"
    svc.download()  # correctly signed: TUF cannot help here
    # Everything but the portal and the download cache must stay exactly as it is.
    skip = (tmp_path / "portal", tmp_path / "user" / "cache")
    before = _snapshot(tmp_path, skip)
    with pytest.raises(UnsafeReleaseError, match=why) as info:
        svc.stage()
    assert isinstance(info.value, UpdateVerificationError)
    assert str(info.value).startswith("release archive refused")
    assert "nebezpečné" in info.value.message_cs
    assert _snapshot(tmp_path, skip) == before
    assert not list(Path("/tmp").glob("pwned.txt"))
    layout = InstallLayout(installed)
    state = layout.load_state()
    assert (state.current, state.pending) == ("1.0.0", None)
    assert sorted(p.name for p in layout.versions_dir.iterdir()) == ["1.0.0"]


def test_cli_apply_reports_a_hostile_archive_without_a_traceback(
        portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    entries, _why = CASES["link-chain-intermediate-hop"]
    archive = write_archive(tmp_path / "evil" / "dso-desktop-2.0.0.tar.xz", "2.0.0", entries)
    _publish_as_stolen_key(portal, archive, monkeypatch)
    installed = install(tmp_path / "install", build_release(tmp_path / "clerk", "1.0.0"),
                        "1.0.0")
    monkeypatch.setattr("dso_desktop.update.service.shipped_root",
                        (portal.repo.metadata_dir / "1.root.json").read_bytes)
    monkeypatch.setattr("dso_desktop.update.service.platform_tag", lambda: PLATFORM)
    url = portal.serve()
    capsys.readouterr()
    code = run(["--data-dir", str(tmp_path / "user"), "update", "apply", "--portal", url,
                "--install-root", str(installed)])
    out = capsys.readouterr()
    assert code == 1, out
    assert "release archive refused" in out.err and "outside its folder" in out.err
    assert "Traceback" not in out.err + out.out
    monkeypatch.setenv("DSO_LANG", "cs")  # a Czech locale: the Czech sentence (issue 14)
    code = run(["--data-dir", str(tmp_path / "user"), "update", "apply", "--portal", url,
                "--install-root", str(installed)])
    out = capsys.readouterr()
    assert code == 1 and "nebezpečné" in out.err and "Traceback" not in out.err
    assert InstallLayout(installed).load_state().pending is None
    assert sorted(p.name for p in (installed / "versions").iterdir()) == ["1.0.0"]
