"""Real `dso` commands on an empty archive: the errors of the layers below reach the user as
one line with exit 1 (and their kind with --json), never as a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dso_desktop.cli.main import run


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_removing_an_unknown_account_is_not_found(tmp_path: Path) -> None:
    code, out, err = _run(["account", "remove", "nobody", "--data-dir", str(tmp_path),
                           "--json"])
    assert code == 1
    assert json.loads(out)["kind"] == "store.not-found"
    assert err.startswith("dso: error: ") and "nobody" in err


def test_discarding_an_unknown_outbox_record_is_not_found(tmp_path: Path) -> None:
    code, out, err = _run(["outbox", "discard", "4711", "--data-dir", str(tmp_path),
                           "--json"])
    assert code == 1
    assert json.loads(out)["kind"] == "store.not-found"
    assert "Traceback" not in err


def test_syncing_without_accounts_tells_what_to_do(tmp_path: Path) -> None:
    code, _, err = _run(["sync", "--data-dir", str(tmp_path)])
    assert code == 1 and err == "dso: error: no accounts; add one with `dso account add`\n"


def test_an_account_with_a_bad_environment_is_refused(tmp_path: Path) -> None:
    code, out, err = _run(["account", "add", "urad", "--login", "password", "--username",
                           "user1", "--environment", "http://plain.example", "--data-dir",
                           str(tmp_path), "--json"])
    assert code == 1
    assert json.loads(out)["kind"] == "account.error"
    assert "environment must be" in err


def test_a_usage_error_is_exit_2(tmp_path: Path) -> None:
    code, _, err = _run(["sync", "--accept-delivery", "--sent-only", "--data-dir",
                         str(tmp_path)])
    assert code == 2 and "exclude each other" in err
