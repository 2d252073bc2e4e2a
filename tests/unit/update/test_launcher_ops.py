"""The launcher for the helpdesk and IT: `--status` only prints, `--rollback` only goes back,
why a version failed is kept in launcher.log, and a managed install starts as it is."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from updater.testkit import make_version_dir

from dso_desktop import launcher
from dso_desktop.update.layout import (
    LOG_FILE,
    NOTICE_FILE,
    POLICY_FILE,
    STATE_FILE,
    InstallLayout,
    InstallState,
    Trial,
)


def _install(root: Path, version: str, *, broken: bool = False) -> None:
    built = make_version_dir(root / "build", version, broken=broken)
    (root / "versions").mkdir(parents=True, exist_ok=True)
    built.rename(root / "versions" / version)


@pytest.fixture(autouse=True)
def _user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's folders (for the log of a read-only install) inside the test."""
    monkeypatch.setenv("DSO_DATA_DIR", str(tmp_path / "user"))
    return tmp_path / "user"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_status_only_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "install"
    layout = InstallLayout(root)
    _install(root, "1.0.0")
    _install(root, "2.0.0")  # staged, would pass its self-check
    layout.save_state(InstallState(current="1.0.0", pending="2.0.0"))
    layout.write_notice({"kind": "updated", "message_cs": "x", "message_en": "x"})
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("DSO_TEST_TRACE", str(trace))
    before = _snapshot(root)
    assert launcher.main(["--root", str(root), "--status"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["current"], info["pending"]) == ("1.0.0", "2.0.0")
    assert info["managed"] is False and info["log"] == str(root / "launcher.log")
    # Why: --status used to apply the staged update first; now nothing on disk changes,
    # not even the notice the GUI has yet to show, and nothing is started.
    assert _snapshot(root) == before
    assert not trace.exists()
    with pytest.raises(SystemExit) as exc:
        launcher.main(["--root", str(root), "--status", "--rollback"])
    assert exc.value.code == 2


def test_rollback_goes_back_and_never_forward(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0")
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0"))
    assert launcher.main(["--root", str(tmp_path), "--rollback"]) == 0
    state = layout.load_state()
    assert (state.current, state.previous) == ("1.0.0", None)
    assert state.failed == ("2.0.0",)  # never offered or installed again
    assert not layout.version_dir("2.0.0").exists()
    assert state.last_rollback is not None and state.last_rollback["version"] == "2.0.0"
    # A second rollback has nowhere older to go: it used to bounce forward to 2.0.0.
    assert launcher.main(["--root", str(tmp_path), "--rollback"]) == 1
    assert "rollback refused" in capsys.readouterr().err
    assert layout.load_state().current == "1.0.0"


def test_rollback_refuses_a_previous_version_that_is_newer(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0")
    layout.save_state(InstallState(current="1.0.0", previous="2.0.0"))
    with pytest.raises(launcher.RollbackRefused, match="never goes forward"):
        launcher.rollback(layout)
    assert layout.load_state().current == "1.0.0"
    assert layout.version_dir("2.0.0").is_dir()


def test_failed_self_check_is_in_the_log_after_the_notice_was_shown(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0", broken=True)
    layout.save_state(InstallState(current="1.0.0", pending="2.0.0"))
    launcher.apply_pending(layout)
    assert layout.take_notice() is not None  # the GUI shows it once ...
    log = (tmp_path / LOG_FILE).read_text(encoding="utf-8")
    # ... the helpdesk still reads why, with the self-check's own words.
    assert "self-check-failed: version 2.0.0 failed its start-up self-check" in log
    assert "database module is missing" in log


def test_trial_rollback_and_a_manual_one_are_logged(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0")
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0",
                                   trial=Trial("2.0.0", failures=2, last_end="exited with "
                                               "code 3", last_end_cs="skončila s kódem 3")))
    state, attempt = launcher.begin_attempt(layout)
    assert state.current == "1.0.0" and attempt is None
    log = (tmp_path / LOG_FILE).read_text(encoding="utf-8")
    assert "rolled-back: version 2.0.0 ended abnormally 2 times" in log
    assert "exited with code 3" in log


def test_log_is_size_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.update import layout as layout_mod

    monkeypatch.setattr(layout_mod, "LOG_MAX_BYTES", 2000)
    layout = InstallLayout(tmp_path)
    for i in range(100):
        launcher.write_log(layout, "test", f"entry {i} " + "x" * 50)
    log = tmp_path / LOG_FILE
    assert log.stat().st_size <= 2000
    older = tmp_path / (LOG_FILE + ".1")
    assert older.stat().st_size <= 2000
    assert "entry 99 " in log.read_text() and "entry 0 " not in log.read_text() + \
        older.read_text()


def test_managed_install_starts_as_it_is(tmp_path: Path, _user_dirs: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """IT's policy marks the install managed (works for an administrator or root too)."""
    root = tmp_path / "install"
    layout = InstallLayout(root)
    _install(root, "1.0.0")
    _install(root, "2.0.0")
    layout.save_state(InstallState(current="1.0.0", pending="2.0.0"))
    (root / POLICY_FILE).write_text(json.dumps({"managed": True}), encoding="utf-8")
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("DSO_TEST_TRACE", str(trace))
    before = _snapshot(root)
    assert launcher.main(["--root", str(root)]) == 0
    assert trace.read_text().split() == ["1.0.0"]  # started; nothing switched
    assert _snapshot(root) == before  # no lock, no state written in IT's folder
    assert "Traceback" not in capsys.readouterr().err
    log = (_user_dirs / "logs" / LOG_FILE).read_text(encoding="utf-8")
    assert "managed" in log and "2.0.0" in log


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders; the policy test covers it")
def test_read_only_install_starts_without_a_traceback(tmp_path: Path, _user_dirs: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    root = tmp_path / "install"
    layout = InstallLayout(root)
    _install(root, "1.0.0")
    _install(root, "2.0.0")
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0", trial=Trial("2.0.0")))
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("DSO_TEST_TRACE", str(trace))
    root.chmod(0o555)
    try:
        assert layout.managed() and not layout.writable()
        assert launcher.main(["--root", str(root)]) == 0
    finally:
        root.chmod(0o755)
    assert trace.read_text().split() == ["2.0.0"]
    assert "Traceback" not in capsys.readouterr().err
    assert not (root / NOTICE_FILE).exists()
    assert json.loads((root / STATE_FILE).read_text())["current"] == "2.0.0"


def test_writable_probe_sees_a_read_only_folder(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe creates a file for real; here its failure is simulated (root in CI)."""
    import tempfile

    layout = InstallLayout(tmp_path)
    assert layout.writable() and not layout.managed()

    def refuse(*a: object, **kw: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert not layout.writable() and layout.managed()
    assert launcher.log_path(layout) == Path(os.environ["DSO_DATA_DIR"]) / "logs" / \
        LOG_FILE


def test_unwritable_install_with_a_trial_still_starts(tmp_path: Path, _user_dirs: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """What a read-only folder does to the launcher, simulated so that it runs as root too:
    the probe fails and every write into the folder is refused."""
    import contextlib

    root = tmp_path / "install"
    layout = InstallLayout(root)
    _install(root, "1.0.0")
    _install(root, "2.0.0")
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0", trial=Trial("2.0.0")))
    before = _snapshot(root)

    @contextlib.contextmanager
    def refused(self: InstallLayout, wait: float = 0.0) -> Any:
        raise PermissionError(13, "Permission denied", str(self.root / ".update.lock"))
        yield  # pragma: no cover

    monkeypatch.setattr(InstallLayout, "writable", lambda self: False)
    monkeypatch.setattr(InstallLayout, "lock", refused)
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("DSO_TEST_TRACE", str(trace))
    assert launcher.main(["--root", str(root)]) == 0
    assert trace.read_text().split() == ["2.0.0"]
    assert "Traceback" not in capsys.readouterr().err
    assert _snapshot(root) == before
    log = (_user_dirs / "logs" / LOG_FILE).read_text(encoding="utf-8")
    assert "state-error: cannot record the start on trial" in log


def test_leaving_a_withdrawn_version_keeps_no_way_back_into_it(tmp_path: Path) -> None:
    """The portal withdrew 2.0.0; the client staged 1.0.0 and marked 2.0.0 failed. After the
    switch 2.0.0 must not be the "previous" version: two bad starts of 1.0.0 on trial would
    otherwise roll "back" into the withdrawn release."""
    layout = InstallLayout(tmp_path)
    _install(tmp_path, "1.0.0")
    _install(tmp_path, "2.0.0")
    layout.save_state(InstallState(current="2.0.0", previous="1.0.0", pending="1.0.0",
                                   failed=("2.0.0",)))
    state = launcher.apply_pending(layout)
    assert (state.current, state.previous, state.trial) == ("1.0.0", None, None)
    assert state.failed == ("2.0.0",)
    assert layout.installed_versions() == ["1.0.0"]  # the withdrawn folder is gone
    # Nothing to bounce into: a hand rollback is refused, not a switch to 2.0.0.
    with pytest.raises(launcher.RollbackRefused):
        launcher.rollback(layout)
    assert layout.load_state().current == "1.0.0"
