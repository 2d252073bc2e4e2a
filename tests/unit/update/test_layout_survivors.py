"""Survivors of the mutation run of branch ``mutsurv`` in `update.layout`,
`update.errors` and `update.transport`: an attempt that survives a round trip through the
state file, how an attempt ended as the launcher recorded it, the install folder of a
bundle, the healthy mark of a version on trial, a problem without a message, and the TLS
anchors of the update transport."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dso_desktop.update import layout as lay
from dso_desktop.update.errors import describe_problem
from dso_desktop.update.layout import Attempt, InstallLayout, Trial
from dso_desktop.update.transport import Transport


def test_a_running_attempt_survives_the_state_file() -> None:
    trial = Trial("2.0.0", 1, (Attempt("a1", 4242, "2026-06-01T10:00:00+00:00"),), "exit 3")
    assert Trial.from_json(trial.to_json()) == trial
    assert trial.to_json()["running"] == [
        {"id": "a1", "pid": 4242, "at": "2026-06-01T10:00:00+00:00"}]


def test_the_outcome_of_an_attempt_is_read_back(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    layout.write_outcome("a1", "2.0.0", 3)
    assert layout.read_outcome("a1") == 3
    assert layout.read_outcome("a2") is None  # never written
    layout.outcome_file("a3").write_text('{"returncode": "3"}', encoding="utf-8")
    assert layout.read_outcome("a3") is None  # not a number


def test_a_bundle_finds_its_install_folder_from_its_own_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lay.ENV_INSTALL_ROOT, raising=False)
    exe = tmp_path / "versions" / "2.0.0" / "dso-desktop"
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert lay.find_install_root() == tmp_path.resolve()
    loose = tmp_path / "elsewhere" / "dso-desktop"
    loose.parent.mkdir()
    loose.write_bytes(b"")
    monkeypatch.setattr(sys, "executable", str(loose))
    assert lay.find_install_root() is None
    monkeypatch.setenv(lay.ENV_INSTALL_ROOT, str(tmp_path / "given"))
    assert lay.find_install_root() == tmp_path / "given"


def test_a_healthy_start_is_reported_only_when_its_mark_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lay.ENV_INSTALL_ROOT, raising=False)
    monkeypatch.delenv(lay.ENV_TRIAL_VERSION, raising=False)
    assert lay.report_healthy_start() is False  # not started by the launcher
    not_a_folder = tmp_path / "root"
    not_a_folder.write_bytes(b"")
    monkeypatch.setenv(lay.ENV_INSTALL_ROOT, str(not_a_folder))
    monkeypatch.setenv(lay.ENV_TRIAL_VERSION, "2.0.0")
    assert lay.report_healthy_start() is False  # the mark cannot be written there
    monkeypatch.setenv(lay.ENV_INSTALL_ROOT, str(tmp_path))
    assert lay.report_healthy_start() is True
    assert InstallLayout(tmp_path).healthy_marker("2.0.0").exists()


def test_a_problem_without_a_message_is_named_by_its_type() -> None:
    assert describe_problem(OSError())["message_en"] == "OSError"
    assert describe_problem(OSError("disk gone"))["message_en"] == "disk gone"


def test_the_transport_verifies_against_the_system_anchors_or_the_given_file() -> None:
    from dso_desktop.update.transport import system_ca_bundle

    assert Transport().verify == system_ca_bundle()
    assert Path(Transport().verify).is_file()
    assert Transport(verify="/etc/dso/ca.pem").verify == "/etc/dso/ca.pem"
    with pytest.raises(ValueError, match="cannot be turned off"):
        Transport(verify=False)


# Survivors of seed 20261208 (branch ``survrest``).

def test_a_failed_trial_keeps_its_czech_reason_through_the_state_file(tmp_path: Path) -> None:
    trial = Trial("2.0.0", 2, (Attempt("a1", 4242, "2026-06-01T10:00:00+00:00"),),
                  "exit code 3", "skončila s kódem 3")
    layout = InstallLayout(tmp_path)
    state = lay.InstallState(current="2.0.0", trial=trial)
    layout.save_state(state)
    saved = json.loads((tmp_path / lay.STATE_FILE).read_bytes())
    assert saved["format"] == 1  # the file says which format it is in
    assert saved["trial"]["last_end_cs"] == "skončila s kódem 3"
    assert lay.InstallState.from_json(saved).trial == trial
    # An attempt written without its start time reads back with none (not a made-up one).
    bare = Trial.from_json({"version": "2.0.0", "running": [{"id": "a2", "pid": 7}]})
    assert bare is not None and bare.running == (Attempt("a2", 7, ""),)
    assert bare.last_end is None and bare.last_end_cs is None


def test_launcher_times_are_utc_to_the_second(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    before = datetime.now(UTC).replace(microsecond=0)
    layout.write_outcome("a1", "2.0.0", 0)
    layout.mark_healthy("2.0.0")
    after = datetime.now(UTC)
    outcome = json.loads(layout.outcome_file("a1").read_bytes())
    healthy = layout.healthy_marker("2.0.0").read_text(encoding="ascii")
    for text in (outcome["at"], healthy):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", text), text
        assert before <= datetime.fromisoformat(text) <= after


def test_a_policy_file_that_is_no_object_counts_as_none(tmp_path: Path) -> None:
    (tmp_path / lay.POLICY_FILE).write_text('["managed"]', encoding="utf-8")
    layout = InstallLayout(tmp_path)
    assert layout.policy() == {}
    assert layout.managed() is False  # a writable folder, no policy


def test_the_policy_is_merged_and_written_for_people_to_read(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path / "install")
    assert layout.update_policy({"portal": "https://updates.example/", "channel": "stable"}) \
        == {"portal": "https://updates.example/", "channel": "stable"}
    proxy = "http://proxy.úřad.example:3128"
    merged = layout.update_policy({"channel": None, "never-set": None, "proxy": proxy,
                                   "managed": True})
    expected = {"portal": "https://updates.example/", "proxy": proxy, "managed": True}
    assert merged == expected and layout.policy() == expected
    assert layout.managed() is True
    assert (layout.root / lay.POLICY_FILE).read_bytes() == (
        json.dumps(expected, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")


class _Kernel32:
    """What `pid_alive` asks of Windows: open the process, read its exit code, close."""

    def __init__(self, handle: int, exit_code: int) -> None:
        self.handle, self.exit_code = handle, exit_code
        self.calls: list[tuple[object, ...]] = []

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:
        self.calls.append(("open", access, inherit, pid))
        return self.handle

    def GetExitCodeProcess(self, handle: int, code: object) -> int:
        self.calls.append(("code", handle))
        code._obj.value = self.exit_code  # type: ignore[attr-defined]  # ctypes.byref
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.calls.append(("close", handle))
        return 1


@pytest.mark.parametrize(("handle", "exit_code", "alive"), [
    (77, 259, True),   # STILL_ACTIVE
    (77, 0, False),    # ended with exit code 0
    (77, 260, False),
    (0, 259, False),   # no such process: no handle
])
def test_a_process_on_windows_is_alive_only_while_still_active(
        monkeypatch: pytest.MonkeyPatch, handle: int, exit_code: int, alive: bool) -> None:
    import ctypes
    import types

    kernel32 = _Kernel32(handle, exit_code)
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=kernel32),
                        raising=False)
    monkeypatch.setattr(sys, "platform", "win32")
    assert lay.pid_alive(4321) is alive
    assert kernel32.calls[0] == ("open", 0x1000, False, 4321)
    if handle:
        assert kernel32.calls[1:] == [("code", handle), ("close", handle)]


def test_a_long_problem_is_cut_to_500_characters() -> None:
    assert describe_problem(OSError("x" * 600))["message_en"] == "x" * 500
    assert describe_problem(OSError("y" * 500))["message_en"] == "y" * 500


# Survivors of seed 20261210 (branch ``survrest3``).

def test_the_state_file_is_written_where_no_folder_exists_yet(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path / "not" / "made" / "yet")
    layout.save_state(lay.InstallState(failed=("1.0.0",)))
    assert layout.load_state().failed == ("1.0.0",)


def test_a_notice_is_readable_utf8_and_only_an_object_counts(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    layout.write_notice({"text_cs": "Vrácena předchozí verze"})
    assert "Vrácena předchozí verze" in (tmp_path / lay.NOTICE_FILE).read_text(encoding="utf-8")
    assert layout.take_notice() == {"text_cs": "Vrácena předchozí verze"}
    assert layout.take_notice() is None  # taken once
    (tmp_path / lay.NOTICE_FILE).write_text('["rollback"]', encoding="utf-8")
    assert layout.take_notice() is None
    assert not (tmp_path / lay.NOTICE_FILE).exists()


def test_a_running_attempt_needs_a_text_id_and_a_number_pid() -> None:
    trial = Trial.from_json({"version": "2.0.0", "running": [
        {"id": 7, "pid": 4242}, {"pid": 4243}, {"id": "a1", "pid": "4244"},
        {"id": "a2", "pid": 4245, "at": "t"}]})
    assert trial is not None and trial.running == (Attempt("a2", 4245, "t"),)


def test_the_write_probe_is_made_in_the_nearest_existing_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    probed: list[tuple[str | None, str | None]] = []
    real = lay.tempfile.mkstemp

    def spy(*, prefix: str | None = None, dir: str | None = None) -> tuple[int, str]:
        probed.append((prefix, str(dir)))
        return real(prefix=prefix, dir=dir)

    monkeypatch.setattr(lay.tempfile, "mkstemp", spy)
    assert InstallLayout(tmp_path / "a" / "b").writable()
    assert probed == [(".write-probe-", str(tmp_path))]
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_that_is_not_ascii_is_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Full-width digits are digits to str.isdigit() and int(): read as anything but ASCII
    # they would name a dead process and the lock would be broken.
    monkeypatch.setattr(lay, "pid_alive", lambda pid: False)
    lock = tmp_path / lay.LOCK_FILE
    lock.write_text("１２３４５", encoding="utf-8")
    lay._break_stale_lock(lock)
    assert lock.exists()
    lock.write_text("12345", encoding="ascii")
    lay._break_stale_lock(lock)
    assert not lock.exists()


def test_a_problem_has_its_english_text_for_the_window() -> None:
    from dso_desktop.update.errors import PROBLEM_TEXT_EN, UpdateNetworkError

    problem = describe_problem(UpdateNetworkError("cannot reach the portal"))
    assert problem["text_en"] == PROBLEM_TEXT_EN[problem["kind"]]
    assert sorted(problem) == ["kind", "message_cs", "message_en", "text_en"]


# Survivors of seed 20261211 (branch ``survrest4``).

def test_a_process_of_another_user_counts_as_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    # Signal 0 to a process this user may not signal: it exists (a lock held by an
    # administrator's launcher must not be broken as stale).
    def refused(pid: int, sig: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(lay.os, "kill", refused)
    assert lay.pid_alive(4242)

    def gone(pid: int, sig: int) -> None:
        raise ProcessLookupError(3, "No such process")

    monkeypatch.setattr(lay.os, "kill", gone)
    assert not lay.pid_alive(4242)


def test_log_continuation_lines_keep_their_indentation(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    path = lay.write_log(layout, "self-check-failed",
                         "  Traceback:\n    File \"x.py\"   \nValueError: bad  \n")
    assert path is not None
    entry = path.read_text(encoding="utf-8")
    assert entry.endswith(" self-check-failed: Traceback:\n        File \"x.py\"\n"
                          "    ValueError: bad\n")


def _install(layout: InstallLayout, version: str) -> None:
    from dso_desktop.update.release import MANIFEST_NAME, Manifest, Version

    folder = layout.versions_dir / version
    folder.mkdir(parents=True)
    (folder / MANIFEST_NAME).write_bytes(
        Manifest(Version.parse(version), ("app",), ("app", "cli"), ("app", "check")).to_bytes())


def test_installed_versions_are_in_version_order_not_text_order(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    for version in ("1.10.0", "1.9.0", "1.9.0rc1", "1.2.0"):
        _install(layout, version)
    assert layout.installed_versions() == ["1.2.0", "1.9.0rc1", "1.9.0", "1.10.0"]
    assert layout.load_state().current == "1.10.0"  # a fresh install runs the newest


def test_an_outcome_file_that_is_no_object_reads_as_none(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path)
    layout.outcome_file("a1").write_text("[3]", encoding="utf-8")
    assert layout.read_outcome("a1") is None
    layout.outcome_file("a2").write_text("3", encoding="utf-8")
    assert layout.read_outcome("a2") is None


def test_a_version_folder_that_cannot_be_removed_whole_is_left_quietly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On Windows a program file in use cannot be deleted: a rollback from the running
    # version must still finish (the rest of the folder goes, the state is already saved).
    layout = InstallLayout(tmp_path)
    _install(layout, "2.0.0")
    (layout.version_dir("2.0.0") / "in-use.exe").write_bytes(b"MZ")
    real_unlink = lay.os.unlink

    def unlink(path: str, *args: object, **kwargs: object) -> None:
        if str(path).endswith("in-use.exe"):
            raise PermissionError(13, "The process cannot access the file", str(path))
        real_unlink(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lay.os, "unlink", unlink)
    layout.remove_version("2.0.0")
    assert [p.name for p in layout.version_dir("2.0.0").iterdir()] == ["in-use.exe"]
    monkeypatch.undo()
    layout.remove_version("2.0.0")
    assert not layout.version_dir("2.0.0").exists()


def test_the_policy_is_written_where_no_folder_exists_yet(tmp_path: Path) -> None:
    layout = InstallLayout(tmp_path / "not" / "made")
    assert layout.update_policy({"managed": True}) == {"managed": True}
    assert layout.policy() == {"managed": True}


@pytest.mark.parametrize("failures", [-1, "2", 1.5, None])
def test_a_trial_counts_only_a_whole_number_of_failures(failures: object) -> None:
    trial = Trial.from_json({"version": "2.0.0", "failures": failures})
    assert trial is not None and trial.failures == 0
    kept = Trial.from_json({"version": "2.0.0", "failures": 2})
    assert kept is not None and kept.failures == 2


def test_a_problem_without_its_own_czech_text_gets_the_czech_update_sentence() -> None:
    from dso_desktop.errors import ErrorKind, error_text

    problem = describe_problem(OSError("disk gone"))
    assert problem["message_cs"] == error_text(ErrorKind.UPDATE, "cs")
    assert problem["message_cs"] != error_text(ErrorKind.UPDATE, "en")


# Survivors of seed 20261212 (branch ``survupd5``).

def test_a_plain_python_under_a_versions_folder_is_no_bundle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a frozen bundle takes its install folder from its own path: a developer's venv
    # that happens to lie in versions/<x>/ is not an install to update.
    monkeypatch.delenv(lay.ENV_INSTALL_ROOT, raising=False)
    exe = tmp_path / "versions" / "venv" / "python"
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"")
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert lay.find_install_root() is None


def test_a_process_check_that_fails_otherwise_counts_as_gone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Signal 0 refused for another reason than "no such process" or "not permitted" (EINVAL
    # on some systems): nothing says the process runs, so its lock may be broken.
    import errno

    def odd(pid: int, sig: int) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(lay.os, "kill", odd)
    assert lay.pid_alive(4242) is False


def test_without_the_apps_folders_the_log_goes_to_the_temporary_folder(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from dso_desktop.paths import AppPaths

    def broken() -> AppPaths:
        raise RuntimeError("no home folder")

    monkeypatch.setattr(AppPaths, "default", staticmethod(broken))
    assert lay.user_log_dir() == Path(tempfile.gettempdir()) / "dso-desktop"


def test_a_log_that_reaches_its_cap_exactly_is_kept_whole(tmp_path: Path) -> None:
    # The cap is inclusive: the file moves to launcher.log.1 only when an entry would take
    # it past LOG_MAX_BYTES, not when it fills it to the byte.
    layout = InstallLayout(tmp_path)
    log = tmp_path / lay.LOG_FILE
    entry_size = len("2026-01-01T00:00:00+00:00 started: 2.0.0\n")  # UTC to the second
    log.write_bytes(b"x" * (lay.LOG_MAX_BYTES - entry_size))
    assert lay.write_log(layout, "started", "2.0.0") == log
    assert log.stat().st_size == lay.LOG_MAX_BYTES
    assert not log.with_name(lay.LOG_FILE + ".1").exists()
    assert lay.write_log(layout, "started", "2.0.0") == log  # one byte more: moved
    assert log.with_name(lay.LOG_FILE + ".1").stat().st_size == lay.LOG_MAX_BYTES
    assert log.stat().st_size == entry_size


def test_the_state_file_is_written_for_people_to_read(tmp_path: Path) -> None:
    # state.json is what support reads after a rollback (docs/updates.md): two-space
    # indentation, the trial as the launcher writes it, and only the format-1 keys.
    layout = InstallLayout(tmp_path)
    trial = Trial("2.0.0", 1, (Attempt("a1", 4242, "2026-06-01T10:00:00+00:00"),))
    layout.save_state(lay.InstallState(current="2.0.0", previous="1.9.0", trial=trial))
    assert (tmp_path / lay.STATE_FILE).read_text(encoding="utf-8") == """\
{
  "current": "2.0.0",
  "previous": "1.9.0",
  "pending": null,
  "failed": [],
  "trial": {
    "version": "2.0.0",
    "failures": 1,
    "running": [
      {
        "id": "a1",
        "pid": 4242,
        "at": "2026-06-01T10:00:00+00:00"
      }
    ],
    "last_end": null,
    "last_end_cs": null
  },
  "last_rollback": null,
  "format": 1
}
"""


# Survivors of seed 20261213 (branch ``survrest6``).

def test_a_first_entry_longer_than_the_cap_starts_the_log_with_its_end(tmp_path: Path) -> None:
    # No log yet and one entry longer than the cap (a self-check's endless output): the
    # log is started with the entry's last LOG_MAX_BYTES bytes, nothing is moved aside.
    layout = InstallLayout(tmp_path)
    log = tmp_path / lay.LOG_FILE
    text = "".join(f"line {i:07d}\n" for i in range(lay.LOG_MAX_BYTES // 12))
    assert lay.write_log(layout, "self-check-failed", text) == log
    written = log.read_bytes()
    assert len(written) == lay.LOG_MAX_BYTES
    assert written.endswith(f"    line {lay.LOG_MAX_BYTES // 12 - 1:07d}\n".encode())
    assert not log.with_name(lay.LOG_FILE + ".1").exists()
