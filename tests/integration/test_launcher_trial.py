"""A new version on trial: two abnormal first starts send it back, one does not.

The launcher runs as a real subprocess over fake version folders whose GUI entry point
crashes, exits 3 or is killed by SIGKILL on chosen starts (``updater.testkit``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest
from updater.testkit import make_version_dir

import dso_desktop
from dso_desktop import launcher
from dso_desktop.update.layout import (
    ENV_INSTALL_ROOT,
    ENV_TRIAL_VERSION,
    Attempt,
    InstallLayout,
    InstallState,
    Trial,
    report_healthy_start,
)
from dso_desktop.update.release import Version

SRC = Path(dso_desktop.__file__).resolve().parent.parent


def _install(root: Path, version: str, starts: Sequence[str] = ("ok",)) -> None:
    built = make_version_dir(root / "build", version, starts=starts)
    (root / "versions").mkdir(parents=True, exist_ok=True)
    built.rename(root / "versions" / version)


def _setup(tmp_path: Path, new_starts: Sequence[str]) -> tuple[Path, Path]:
    """1.0.0 installed and working; 2.0.0 staged, passing its self-check."""
    root = tmp_path / "DSO Desktop"
    _install(root, "1.0.0")
    _install(root, "2.0.0", new_starts)
    InstallLayout(root).save_state(InstallState(current="1.0.0", pending="2.0.0"))
    return root, tmp_path / "trace.txt"


def _launch(root: Path, trace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DSO_TEST_TRACE=str(trace),
               PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    env.pop(ENV_INSTALL_ROOT, None)
    env.pop(ENV_TRIAL_VERSION, None)
    return subprocess.run([sys.executable, "-m", "dso_desktop.launcher", "--root", str(root),
                           *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def _runs(trace: Path) -> list[str]:
    return [line.split()[0] for line in trace.read_text().splitlines()]


@pytest.mark.parametrize(("how", "code", "said"), [
    ("crash", 1, "exited with code 1"),
    ("exit3", 3, "exited with code 3"),
    ("signal", 128 + 9, "SIGKILL"),
])
def test_two_abnormal_first_starts_roll_back(tmp_path: Path, how: str, code: int,
                                             said: str) -> None:
    root, trace = _setup(tmp_path, [how])
    layout = InstallLayout(root)
    first = _launch(root, trace)
    assert first.returncode == code
    state = layout.load_state()
    # One failure: still on the new version (a single bad start can be bad luck).
    assert (state.current, state.previous) == ("2.0.0", "1.0.0")
    assert state.trial is not None and state.trial.failures == 1
    assert layout.take_notice() is not None  # the "updated to 2.0.0" notice of the switch

    second = _launch(root, trace)
    # The second failure sends it back, and the working version is started at once.
    assert second.returncode == 0, second.stderr
    assert _runs(trace) == ["2.0.0", "2.0.0", "1.0.0"]
    assert "2.0.0" in second.stderr and "1.0.0" in second.stderr
    state = layout.load_state()
    assert (state.current, state.pending, state.trial) == ("1.0.0", None, None)
    assert "2.0.0" in state.failed
    assert not (root / "versions" / "2.0.0").exists()
    assert state.last_rollback is not None and said in state.last_rollback["reason"]
    notice = layout.take_notice()
    assert notice is not None and notice["kind"] == "rolled-back"
    assert "2.0.0" in notice["message_cs"] and "1.0.0" in notice["message_cs"]
    assert "nespustila správně" in notice["message_cs"]
    assert said in notice["message_en"]
    # Later starts run 1.0.0 normally.
    assert _launch(root, trace).returncode == 0
    assert _runs(trace)[-1] == "1.0.0"


def test_one_crash_then_a_good_start_keeps_the_new_version(tmp_path: Path) -> None:
    root, trace = _setup(tmp_path, ["crash", "ok", "crash"])
    layout = InstallLayout(root)
    assert _launch(root, trace).returncode == 1
    assert _launch(root, trace).returncode == 0  # a good start ends the trial
    assert layout.load_state().trial is None
    # A later single crash of a version that passed its trial is not a reason to go back.
    assert _launch(root, trace).returncode == 1
    state = layout.load_state()
    assert (state.current, state.failed, state.last_rollback) == ("2.0.0", (), None)
    assert _runs(trace) == ["2.0.0", "2.0.0", "2.0.0"]


def test_a_version_past_its_trial_is_not_rolled_back_by_later_crashes(tmp_path: Path) -> None:
    root, trace = _setup(tmp_path, ["ok", "crash", "signal", "exit3"])
    for expected in (0, 1, 128 + 9, 3):
        assert _launch(root, trace).returncode == expected
    state = InstallLayout(root).load_state()
    assert (state.current, state.trial, state.failed) == ("2.0.0", None, ())


def test_healthy_mark_from_the_running_version_ends_the_trial(tmp_path: Path) -> None:
    """The GUI marks a healthy start after its window has been up; a crash later (after
    hours of work, a shutdown) does not count against the new version."""
    root, trace = _setup(tmp_path, ["healthy-then-crash", "crash"])
    assert _launch(root, trace).returncode == 1
    assert _launch(root, trace).returncode == 1
    state = InstallLayout(root).load_state()
    assert (state.current, state.trial, state.failed) == ("2.0.0", None, ())
    assert not list(root.glob(".healthy-*")) and not list(root.glob(".attempt-*"))


def test_command_line_exit_codes_do_not_count(tmp_path: Path) -> None:
    root, trace = _setup(tmp_path, ["crash"])
    for _ in range(3):
        _launch(root, trace, "--cli")  # `dso` answers 1 or 2 as a matter of course
    state = InstallLayout(root).load_state()
    assert state.current == "2.0.0"
    assert state.trial is not None and state.trial.failures == 0


def test_launcher_that_vanished_counts_as_an_abnormal_end(tmp_path: Path) -> None:
    """An attempt recorded before the run, whose launcher died without recording the end."""
    root, trace = _setup(tmp_path, ["crash"])
    layout = InstallLayout(root)
    launcher.apply_pending(layout)
    dead_pid = _dead_pid()
    state = layout.load_state()
    assert state.trial is not None
    layout.save_state(InstallState(current=state.current, previous=state.previous,
                                   trial=Trial("2.0.0", 0, (Attempt("x", dead_pid, ""),))))
    result = _launch(root, trace)  # counts the vanished one, then crashes: rolled back
    assert result.returncode == 0
    assert layout.load_state().current == "1.0.0"
    assert _runs(trace) == ["2.0.0", "1.0.0"]


def test_a_second_window_still_running_is_not_counted(tmp_path: Path) -> None:
    root, _trace = _setup(tmp_path, ["crash"])
    layout = InstallLayout(root)
    launcher.apply_pending(layout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        layout.save_state(InstallState(current="2.0.0", previous="1.0.0",
                                       trial=Trial("2.0.0", 1, (Attempt("y", alive.pid, ""),))))
        state, attempt = launcher.begin_attempt(layout)
        assert attempt is not None and state.current == "2.0.0"
        assert state.trial is not None and state.trial.failures == 1
        assert {a.id for a in state.trial.running} == {"y", attempt}
    finally:
        alive.kill()
        alive.wait()


def test_report_healthy_start_only_under_a_trial_start(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TRIAL_VERSION, raising=False)
    monkeypatch.setenv(ENV_INSTALL_ROOT, str(tmp_path))
    assert report_healthy_start() is False
    monkeypatch.setenv(ENV_TRIAL_VERSION, "2.0.0")
    assert report_healthy_start() is True
    assert InstallLayout(tmp_path).healthy_marker("2.0.0").exists()


def test_state_file_round_trip_keeps_the_trial(tmp_path: Path) -> None:
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0")
    layout = InstallLayout(tmp_path)
    state = InstallState("2.0.0", "1.0.0", None, ("0.9.0",),
                         Trial("2.0.0", 1, (Attempt("a", 42, "t"),), "exited with code 3",
                               "skončila s kódem 3"),
                         {"version": "0.9.0", "to": "0.8.0", "reason": "r", "at": "t"})
    layout.save_state(state)
    assert layout.load_state() == state
    raw = json.loads((tmp_path / "state.json").read_text())
    assert raw["trial"]["failures"] == 1 and raw["format"] == 1


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_dso_update_status_tells_why_after_the_gui_has_shown_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.cli.main import run

    root, trace = _setup(tmp_path, ["exit3"])
    _launch(root, trace)
    _launch(root, trace)
    InstallLayout(root).take_notice()  # the GUI showed it once; status still knows
    capsys.readouterr()
    argv = ["--data-dir", str(tmp_path / "user"), "update", "status", "--install-root", str(root)]
    assert run(argv) == 0
    out = capsys.readouterr().out
    # One language per run (issue 14): English outside a Czech locale, Czech in one.
    assert "2.0.0 -> 1.0.0" in out and "exited with code 3" in out
    assert "not installed again" in out
    monkeypatch.setenv("DSO_LANG", "cs")
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "2.0.0 -> 1.0.0" in out and "skončila s kódem 3" in out and "neinstaluje" in out
    monkeypatch.delenv("DSO_LANG")
    assert run(["--json", *argv]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["current"], info["failed"], info["trial"]) == ("1.0.0", ["2.0.0"], None)
    assert info["last_rollback"]["version"] == "2.0.0"


def test_a_rolled_back_version_is_not_staged_again(tmp_path: Path) -> None:
    from updater.testkit import build_release

    from dso_desktop.paths import AppPaths
    from dso_desktop.update.errors import FailedVersionError
    from dso_desktop.update.service import UpdateService

    root, trace = _setup(tmp_path, ["crash"])
    _launch(root, trace)
    _launch(root, trace)
    svc = UpdateService(AppPaths.default(tmp_path / "user").ensure(), install_root=root)
    # As if check() and download() had found the same 2.0.0 on the portal again.
    svc._offer = SimpleNamespace(version=Version.parse("2.0.0"))  # type: ignore[assignment]
    svc._archive = build_release(tmp_path / "again", "2.0.0")
    with pytest.raises(FailedVersionError, match="failed on this computer"):
        svc.stage()
    assert sorted(p.name for p in (root / "versions").iterdir()) == ["1.0.0"]


def test_exit_descriptions() -> None:
    assert launcher.describe_exit(3) == ("exited with code 3", "skončila s kódem 3")
    assert launcher.describe_exit(-11)[0] == "was ended by SIGSEGV"
    assert "0xc0000005" in launcher.describe_exit(0xC0000005)[0]  # a Windows access violation


def test_lock_of_a_dead_process_is_broken_but_a_live_one_is_respected(tmp_path: Path) -> None:
    """A version that crashed while staging an update must not block its own rollback."""
    layout = InstallLayout(tmp_path)
    (tmp_path / ".update.lock").write_text(str(_dead_pid()))
    with layout.lock() as taken:
        assert taken
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".update.lock").write_text(str(alive.pid))
        with layout.lock(wait=0.5) as taken:
            assert not taken
    finally:
        alive.kill()
        alive.wait()
    with layout.lock(wait=0.5) as taken:  # its process is gone now
        assert taken
