"""`dso-release add`'s self-check on a headless Linux: a virtual X server when one exists.

Xvfb is not installed on the build machine of this project, so the X server itself is played
by small scripts here; what is tested is the detection, the commands, the environment the
bundle gets, and that the server started for the check is stopped after it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from updater import preflight
from updater.preflight import self_check_display, xvfb_command, xvfb_run_prefix

from dso_desktop.selfcheck import NATIVE_ENV


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE_TARGETS", "secret")


def _which(found: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda name: found.get(name)


def test_headless_without_xvfb_falls_back_to_offscreen_and_says_so(headless: None) -> None:
    with self_check_display(_which({})) as (prefix, env, note):
        assert prefix == []
        assert env["QT_QPA_PLATFORM"] == "offscreen" and NATIVE_ENV not in env
        assert "offscreen platform plugin only" in note and "install xvfb" in note
        assert "DSO_RELEASE_PASSPHRASE_TARGETS" not in env


def test_a_display_is_used_as_it_is_even_with_xvfb_installed(
        headless: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    with self_check_display(_which({"xvfb-run": "/usr/bin/xvfb-run"})) as (prefix, env, note):
        assert prefix == [] and env["DISPLAY"] == ":0" and env[NATIVE_ENV] == "1"
        assert "own Qt platform plugin" in note


def test_xvfb_run_wraps_the_self_check_with_the_x11_plugin(headless: None) -> None:
    with self_check_display(_which({"xvfb-run": "/usr/bin/xvfb-run",
                                    "Xvfb": "/usr/bin/Xvfb"})) as (prefix, env, note):
        assert prefix == ["/usr/bin/xvfb-run", "--auto-servernum",
                          "--server-args=-screen 0 1280x1024x24 -nolisten tcp"]
        assert prefix == xvfb_run_prefix("/usr/bin/xvfb-run")
        assert env["QT_QPA_PLATFORM"] == "xcb" and env[NATIVE_ENV] == "1"
        assert "DSO_RELEASE_PASSPHRASE_TARGETS" not in env
        assert "xvfb-run" in note and "xcb" in note


def _fake_xvfb(folder: Path, display: str | None) -> tuple[Path, Path]:
    """An `Xvfb` that answers on -displayfd like the real one (or dies), and logs its pid."""
    script = folder / "Xvfb"
    record = folder / "xvfb.txt"
    answer = (f"os.write(fd, b'{display}\\n')\ntime.sleep(120)\n" if display is not None
              else "sys.exit(1)\n")
    script.write_text(
        f"#!{sys.executable}\nimport os, sys, time\n"
        f"open({str(record)!r}, 'w').write(str(os.getpid()) + ' ' + ' '.join(sys.argv[1:]))\n"
        "fd = int(sys.argv[sys.argv.index('-displayfd') + 1])\n" + answer, encoding="utf-8")
    script.chmod(0o755)
    return script, record


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_xvfb_is_started_for_the_check_and_stopped_after_it(
        headless: None, tmp_path: Path) -> None:
    script, record = _fake_xvfb(tmp_path, "97")
    with self_check_display(_which({"Xvfb": str(script)})) as (prefix, env, note):
        assert prefix == []
        assert env["DISPLAY"] == ":97" and env["QT_QPA_PLATFORM"] == "xcb"
        assert env[NATIVE_ENV] == "1" and "Xvfb :97" in note
        pid_text, args = record.read_text().split(" ", 1)
        parts = args.split()
        assert parts[0] == "-displayfd"
        assert parts == xvfb_command(str(script), int(parts[1]))[1:]
        assert "-nolisten tcp" in args
        assert not _gone(int(pid_text))
    assert _gone(int(pid_text))  # the server this check started is not left behind


def test_xvfb_that_does_not_start_falls_back_to_offscreen(
        headless: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script, _record = _fake_xvfb(tmp_path, None)
    monkeypatch.setattr(preflight, "XVFB_START_TIMEOUT", 5.0)
    with self_check_display(_which({"Xvfb": str(script)})) as (prefix, env, note):
        assert prefix == [] and env["QT_QPA_PLATFORM"] == "offscreen"
        assert "DISPLAY" not in env and "did not start" in note


def test_add_runs_the_bundle_under_xvfb_run_when_installed(
        headless: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole path of `add`'s self-check with an `xvfb-run` on PATH (a stand-in here)."""
    from updater.preflight import inspect, run_self_check
    from updater.testkit import build_release

    from dso_desktop.update.release import Version

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen.txt"
    fake = bin_dir / "xvfb-run"
    # Like xvfb-run: take its options, give the command a DISPLAY, run it, pass its status.
    fake.write_text(
        "#!/bin/sh\n"
        f"echo \"$* QT=$QT_QPA_PLATFORM NATIVE=${NATIVE_ENV}\" > {seen}\n"
        "while [ \"${1#-}\" != \"$1\" ]; do shift; done\n"
        "DISPLAY=:99 exec \"$@\"\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    archive = build_release(tmp_path / "build", "1.0.0")
    info = inspect(archive)
    note = run_self_check(archive, Version.parse("1.0.0"), info.manifest)
    assert "xvfb-run" in note
    line = seen.read_text()
    assert "--auto-servernum" in line and "/app self-check" in line
    assert "QT=xcb NATIVE=1" in line

    broken = build_release(tmp_path / "build", "1.0.1", broken=True)
    with pytest.raises(preflight.BundleRefused, match="self-check failed"):
        run_self_check(broken, Version.parse("1.0.1"), inspect(broken).manifest)


def test_a_failed_self_check_shows_the_bundles_own_log(
        headless: None, tmp_path: Path) -> None:
    """The bundle says "details in <data>/logs/dso-cli.log", a folder `add` removes: the
    refusal carries the end of that log so the operator sees the real cause."""
    from updater.pack import pack
    from updater.preflight import inspect, run_self_check
    from updater.testkit import make_version_dir

    from dso_desktop.update.release import Version

    folder = make_version_dir(tmp_path / "build", "1.0.0")
    (folder / "app").write_text(
        f"#!{sys.executable}\nimport os, pathlib, sys\n"
        "logs = pathlib.Path(os.environ['DSO_DATA_DIR']) / 'logs'\n"
        "logs.mkdir(parents=True, exist_ok=True)\n"
        "(logs / 'dso-cli.log').write_text('Traceback ...\\nImportError: ingest is broken\\n')\n"
        "print('dso: internal error (ImportError); details in', logs / 'dso-cli.log',\n"
        "      file=sys.stderr)\n"
        "sys.exit(1)\n", encoding="utf-8")
    archive = pack(folder, Version.parse("1.0.0"), tmp_path / "dso-desktop-1.0.0.tar.gz")
    with pytest.raises(preflight.BundleRefused) as refused:
        run_self_check(archive, Version.parse("1.0.0"), inspect(archive).manifest)
    text = str(refused.value)
    assert "self-check failed (exit 1)" in text and "internal error (ImportError)" in text
    assert "--- dso-cli.log (end) ---" in text and "ImportError: ingest is broken" in text
