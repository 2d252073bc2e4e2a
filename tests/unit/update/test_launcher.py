"""The launcher: atomic switch to a staged version, self-check, rollback, notices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from updater.testkit import make_version_dir

from dso_desktop import launcher
from dso_desktop.update.layout import STATE_FILE, InstallLayout, InstallState


def _install(root: Path, version: str, *, broken: bool = False) -> None:
    built = make_version_dir(root / "build", version, broken=broken)
    (root / "versions").mkdir(parents=True, exist_ok=True)
    built.rename(root / "versions" / version)


def test_fresh_install_runs_its_newest_version(tmp_path: Path) -> None:
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "1.2.0")
    (tmp_path / "versions" / "junk").mkdir()  # no manifest: ignored
    state = InstallLayout(tmp_path).load_state()
    assert state.current == "1.2.0" and state.pending is None


def test_staged_version_that_passes_is_switched_to(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "0.9.0")  # an old leftover, cleaned up after the switch
    layout.save_state(InstallState(current="1.0.0", previous="0.9.0"))
    _install(tmp_path, "2.0.0")
    layout.save_state(InstallState(current="1.0.0", previous="0.9.0", pending="2.0.0"))
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("DSO_TEST_TRACE", str(trace))
    assert launcher.main(["--root", str(tmp_path), "--", "--demo"]) == 0
    state = layout.load_state()
    assert (state.current, state.previous, state.pending) == ("2.0.0", "1.0.0", None)
    assert trace.read_text().split() == ["2.0.0", "--demo"]
    assert not (tmp_path / "versions" / "0.9.0").exists()
    notice = layout.take_notice()
    assert notice is not None and notice["kind"] == "updated"
    assert layout.take_notice() is None  # shown once


def test_failed_self_check_rolls_back_and_says_so(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0", broken=True)
    layout.save_state(InstallState(current="1.0.0", pending="2.0.0"))
    state = launcher.apply_pending(layout)
    # Why the install is intact: the switch happens only after the new version's own
    # self-check passed; this one exits non-zero, so state.json keeps 1.0.0.
    assert state.current == "1.0.0" and state.pending is None and "2.0.0" in state.failed
    assert not (tmp_path / "versions" / "2.0.0").exists()
    assert (tmp_path / "versions" / "1.0.0" / "app").exists()
    notice = layout.take_notice()
    assert notice is not None and notice["kind"] == "rolled-back"
    assert "database module is missing" in notice["detail"]
    assert "2.0.0" in notice["message_cs"] and "1.0.0" in notice["message_cs"]
    assert "neprošla kontrolou" in capsys.readouterr().err


def test_missing_version_folder_or_held_lock_changes_nothing(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    layout.save_state(InstallState(current="1.0.0", pending="3.0.0"))
    state = launcher.apply_pending(layout)  # staged folder vanished: self-check cannot run
    assert state.current == "1.0.0" and state.failed == ("3.0.0",)
    _install(tmp_path, "4.0.0")
    layout.save_state(InstallState(current="1.0.0", pending="4.0.0"))
    with layout.lock() as taken:
        assert taken
        assert launcher.apply_pending(layout).pending == "4.0.0"  # another launcher busy
    assert launcher.apply_pending(layout).current == "4.0.0"


def test_manual_rollback_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0")
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0"))
    assert launcher.main(["--root", str(tmp_path), "--rollback"]) == 0
    assert layout.load_state().current == "1.0.0"
    assert launcher.main(["--root", str(tmp_path), "--status"]) == 0
    assert json.loads(capsys.readouterr().out)["current"] == "1.0.0"


def test_damaged_state_file_falls_back_to_disk(tmp_path: Path) -> None:
    _install(tmp_path, "1.0.0")
    (tmp_path / STATE_FILE).write_text("{not json")
    assert InstallLayout(tmp_path).load_state().current == "1.0.0"
    (tmp_path / STATE_FILE).write_text(json.dumps({"current": "../../etc"}))
    assert InstallLayout(tmp_path).load_state().current == "1.0.0"


def test_no_version_installed(tmp_path: Path) -> None:
    assert launcher.main(["--root", str(tmp_path)]) == 1


def test_a_trial_of_a_version_no_longer_current_is_dropped_on_load(tmp_path: Path) -> None:
    """A stored trial whose version is not the current one (its folder removed, or another
    version switched to) ends when the state is read; the rest of the state stays (branch
    ``mutants3``: a mutant that returned no state at all there survived)."""
    from dso_desktop.update.layout import Trial

    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    layout.save_state(InstallState(current="1.0.0", trial=Trial("2.0.0", failures=1)))
    state = layout.load_state()
    assert (state.current, state.trial) == ("1.0.0", None)
    layout.save_state(InstallState(current="1.0.0", trial=Trial("1.0.0", failures=1)))
    kept = layout.load_state().trial
    assert kept is not None and (kept.version, kept.failures) == ("1.0.0", 1)


def test_pid_alive_never_takes_zero_or_a_negative_id_for_a_process() -> None:
    """`os.kill(0, 0)` and `os.kill(-1, 0)` address a whole process group (and succeed):
    0 and negative ids are no process (branch ``mutants3``: ``pid <= 0`` -> ``pid < 0``
    reached no test)."""
    import os

    from dso_desktop.update.layout import pid_alive

    assert pid_alive(os.getpid())
    assert not pid_alive(0)
    assert not pid_alive(-1)
