"""End to end: publish v1, v2 with dso-release, update a v1 install to v2, roll back a broken v3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from updater.cli import main as release_main
from updater.testkit import PASSPHRASE, PLATFORM, build_release, install

from dso_desktop import launcher
from dso_desktop.cli.main import run
from dso_desktop.update.layout import InstallLayout


def _release(*argv: str) -> None:
    assert release_main(list(argv)) == 0


def _dso(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    capsys.readouterr()
    code = run(["--json", *argv])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_update_v1_to_v2_then_broken_v3_rolls_back(
        tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from updater.server import StaticServer

    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE", PASSPHRASE)
    repo = tmp_path / "portal"
    _release("init", str(repo))
    build = tmp_path / "build"
    shared = bytes(range(256)) * 800  # the bulk of the app, unchanged between releases
    own_root = (repo / "public" / "metadata" / "1.root.json").read_bytes()
    v1 = build_release(build, "1.0.0", payload=shared, root_json=own_root)
    v2 = build_release(build, "2.0.0", payload=shared + b"new feature", root_json=own_root)
    v3 = build_release(build, "3.0.0", broken=True, payload=shared + b"regression",
                       root_json=own_root)
    notes = tmp_path / "notes-2.txt"
    notes.write_text("[cs]\nNové rozhraní ISDS 2027.\n[en]\nISDS 2027 interface.\n",
                     encoding="utf-8")
    _release("add", str(repo), str(v1), "--version", "1.0.0", "--platform", PLATFORM)

    # A clerk installs v1 from the portal's page and runs it through the launcher.
    page = (repo / "public" / "index.html").read_text(encoding="utf-8")
    assert "DSO Desktop 1.0.0" in page and "Jak nainstalovat" in page
    root = install(tmp_path / "DSO Desktop", v1, "1.0.0")
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("DSO_TEST_TRACE", str(trace))
    assert launcher.main(["--root", str(root)]) == 0
    assert trace.read_text().split() == ["1.0.0"]

    trusted = repo / "public" / "metadata" / "1.root.json"
    monkeypatch.setattr("dso_desktop.update.service.shipped_root", trusted.read_bytes)
    with StaticServer(repo / "public") as server:
        opts = ["--portal", server.url, "--install-root", str(root)]
        assert _dso(capsys, "update", "check", *opts)["available"] is None

        _release("add", str(repo), str(v2), "--version", "2.0.0", "--platform", PLATFORM,
                 "--notes", str(notes))
        found = _dso(capsys, "update", "check", *opts)
        assert (found["current"], found["available"]) == ("1.0.0", "2.0.0")
        assert found["notes_cs"] == "Nové rozhraní ISDS 2027." and found["prompt"] is True
        staged = _dso(capsys, "update", "apply", *opts)
        assert staged["staged"] == "2.0.0"
        # Staged, not yet switched: the running version is untouched until the next start.
        assert InstallLayout(root).load_state().current == "1.0.0"

        assert launcher.main(["--root", str(root)]) == 0
        assert trace.read_text().split()[-1] == "2.0.0"
        assert InstallLayout(root).load_state().previous == "1.0.0"
        # No archive is kept once staged: the next update copies unchanged files from the
        # installed folder (small updates), so 50 MB of cache would buy nothing.
        downloads = data_dir / "cache" / "update" / "downloads"
        assert list(downloads.glob("*.tar.*")) == []

        # dso-release refuses a bundle whose self-check fails...
        assert release_main(["add", str(repo), str(v3), "--platform", PLATFORM]) == 1
        assert "self-check failed" in capsys.readouterr().err
        # ...so a broken release reaches clients only when the check is skipped (a bundle for
        # another platform, checked elsewhere): the launcher is the last line of defence.
        _release("add", str(repo), str(v3), "--version", "3.0.0", "--platform", PLATFORM,
                 "--no-self-check")
        assert _dso(capsys, "update", "apply", *opts)["staged"] == "3.0.0"
        capsys.readouterr()
        assert launcher.main(["--root", str(root)]) == 0
        err = capsys.readouterr().err
        assert "3.0.0" in err and "2.0.0" in err
        state = InstallLayout(root).load_state()
        assert (state.current, state.failed) == ("2.0.0", ("3.0.0",))
        assert trace.read_text().split()[-1] == "2.0.0"
        notice = InstallLayout(root).take_notice()
        assert notice is not None and notice["kind"] == "rolled-back"
        # A version that failed its self-check is not offered again on its own.
        again = _dso(capsys, "update", "check", *opts)
        assert (again["available"], again["reason"], again["prompt"]) == (
            "3.0.0", "failed-before", False)
        # Nor installed when asked for explicitly: refused before it is downloaded or staged.
        capsys.readouterr()
        assert run(["update", "apply", *opts]) == 1
        assert "failed on this computer" in capsys.readouterr().err
        assert not InstallLayout(root).version_dir("3.0.0").exists()
    # User data was never touched: the data folder holds only update cache and settings.
    assert sorted(p.name for p in data_dir.iterdir()) == ["cache", "config", "logs", "update"]
