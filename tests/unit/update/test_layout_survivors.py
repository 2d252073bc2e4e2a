"""Survivors of the mutation run of branch ``mutsurv`` in `update.layout`,
`update.errors` and `update.transport`: an attempt that survives a round trip through the
state file, how an attempt ended as the launcher recorded it, the install folder of a
bundle, the healthy mark of a version on trial, a problem without a message, and the TLS
anchors of the update transport."""

from __future__ import annotations

import sys
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
