"""`dso update self-check` and `dso update config`: the commands administrators run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dso_desktop import selfcheck
from dso_desktop.cli.main import run


def test_self_check_passes_in_a_checkout(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["update", "self-check", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True
    assert {c["name"] for c in result["checks"]} >= {"modules", "trusted-root", "sqlite-fts5"}


def test_self_check_fails_on_a_damaged_trusted_root(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "root.json"
    bad.write_text('{"signed": {"_type": "root"}, "signatures": []}')
    monkeypatch.setattr(selfcheck, "resource_path", lambda *parts: bad)
    assert run(["update", "self-check"]) == 1
    captured = capsys.readouterr()
    assert "FAIL trusted-root" in captured.out and "self-check failed" in captured.err


def test_config_disable_and_portal(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--json", "update", "config", "--disable", "--portal",
                "https://aktualizace.kraj.cz/dso/"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["enabled"] is False and shown["portal_url"] == "https://aktualizace.kraj.cz/dso/"
    assert json.loads((data_dir / "config" / "update.json").read_text())["enabled"] is False
    assert run(["update", "config", "--portal", "http://aktualizace.kraj.cz/"]) == 1
    assert "HTTPS" in capsys.readouterr().err
    assert run(["update"]) == 2
