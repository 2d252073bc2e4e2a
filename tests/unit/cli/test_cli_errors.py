"""How `dso` maps errors to what the user sees and the exit code: a `DsoError` (and an
`OSError`) is one line and exit 1, a usage error exit 2, anything else a bug: its traceback
goes to the log file, the user gets a short "internal error" line, exit 1."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dso_desktop.cli import main as cli
from dso_desktop.cli.main import CliContext, CliError, UsageError, run
from dso_desktop.errors import DsoError


def _with_handler(monkeypatch: pytest.MonkeyPatch,
                  fn: Callable[[argparse.Namespace, CliContext], int]) -> None:
    """Replace the real commands by one command ``boom`` that runs ``fn``."""
    def parser() -> argparse.ArgumentParser:
        p = cli._Parser(prog="dso")
        sub = p.add_subparsers(dest="command", parser_class=cli._Parser)
        sub.add_parser("boom").set_defaults(handler=fn)
        return p

    monkeypatch.setattr(cli, "build_parser", parser)


def _raise(exc: BaseException) -> Callable[[argparse.Namespace, CliContext], int]:
    def handler(args: argparse.Namespace, ctx: CliContext) -> int:
        raise exc
    return handler


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _known_errors() -> list[DsoError]:
    from dso_desktop.isds.errors import WrongCredentials
    from dso_desktop.net import FetchError
    from dso_desktop.secretstore import SecretStoreError
    from dso_desktop.services.trust import TrustAnchorError
    from dso_desktop.store.errors import DiskFullError, NotFound
    from dso_desktop.sync.events import SyncBusy
    from dso_desktop.update.errors import UpdateTlsError
    from dso_desktop.zfo.errors import NotCmsError

    return [
        NotFound("no account named 'x'"),
        WrongCredentials("login refused", code="401", operation="DummyOperation"),
        NotCmsError("not a CMS structure"),
        DiskFullError(),
        SyncBusy("a sync of 'x' is running"),
        SecretStoreError("no keyring backend"),
        TrustAnchorError("no CA certificate in it", "Soubor neobsahuje certifikát CA."),
        FetchError("download failed: 404"),  # also an OSError: still the known error
        UpdateTlsError("certificate verify failed"),
        CliError("no accounts; add one with `dso account add`"),
    ]


@pytest.mark.parametrize("exc", _known_errors(), ids=lambda e: type(e).__name__)
def test_a_known_error_is_one_english_line_and_exit_1(monkeypatch: pytest.MonkeyPatch,
                                                      exc: DsoError) -> None:
    _with_handler(monkeypatch, _raise(exc))
    code, out, err = _run(["boom"])
    assert code == 1
    assert err == f"dso: error: {exc.message}\n"
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("exc", _known_errors(), ids=lambda e: type(e).__name__)
def test_with_json_a_known_error_says_its_kind(monkeypatch: pytest.MonkeyPatch,
                                               exc: DsoError) -> None:
    _with_handler(monkeypatch, _raise(exc))
    code, out, _ = _run(["boom", "--json"])
    assert code == 1
    assert json.loads(out) == {"error": exc.message, "kind": str(exc.kind)}


def test_a_usage_error_from_a_command_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_handler(monkeypatch, _raise(UsageError("--accept-delivery and --sent-only "
                                                 "exclude each other")))
    code, _, err = _run(["boom"])
    assert code == 2 and err == "dso: --accept-delivery and --sent-only exclude each other\n"


def test_a_file_error_is_the_users_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_handler(monkeypatch, _raise(FileNotFoundError(2, "No such file", "x.zfo")))
    code, out, err = _run(["boom", "--json"])
    assert code == 1 and "x.zfo" in err
    assert json.loads(out)["kind"] == "os"


def test_a_bug_is_logged_with_its_traceback_and_shown_short(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def handler(args: argparse.Namespace, ctx: CliContext) -> int:
        return {}["missing"]  # a programming error: KeyError

    _with_handler(monkeypatch, handler)
    code, out, err = _run(["boom", "--data-dir", str(tmp_path)])
    assert code == 1 and out == ""
    log = tmp_path / "logs" / "dso-cli.log"
    assert err == f"dso: internal error (KeyError); details in {log}\n"
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError: 'missing'" in text and "in handler" in text
    assert (log.stat().st_mode & 0o777) == 0o600
    code, out, _ = _run(["boom", "--json", "--data-dir", str(tmp_path)])
    assert code == 1 and json.loads(out) == {"error": "internal error", "kind": "internal"}
    assert log.read_text(encoding="utf-8").count("Traceback") == 2  # appended, not replaced


def test_a_bug_without_a_writable_log_folder_still_ends_with_exit_1(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    _with_handler(monkeypatch, _raise(RuntimeError("bug")))
    code, _, err = _run(["boom", "--data-dir", str(blocker)])
    assert code == 1
    assert err == "dso: internal error (RuntimeError); no log file could be written\n"


def test_a_closed_pipe_is_not_an_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # `main` ends quietly on BrokenPipeError, also when a command wrapped it.
    _with_handler(monkeypatch, _raise(BrokenPipeError()))
    with pytest.raises(BrokenPipeError):
        _run(["boom"])
    wrapped = CliError("output closed")
    wrapped.__cause__ = BrokenPipeError()
    _with_handler(monkeypatch, _raise(wrapped))
    with pytest.raises(BrokenPipeError):
        _run(["boom"])


def test_an_interrupt_is_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_handler(monkeypatch, _raise(KeyboardInterrupt()))
    assert _run(["boom"]) == (1, "", "dso: interrupted\n")


def test_a_command_returns_its_own_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_handler(monkeypatch, lambda args, ctx: 1)
    assert _run(["boom"])[0] == 1
    _with_handler(monkeypatch, lambda args, ctx: 0)
    assert _run(["boom"])[0] == 0


def test_python_dash_m_keeps_exit_2_for_a_commands_usage_error(tmp_path: Path) -> None:
    """`python -m dso_desktop.cli.main` (the documented way to run the CLI from a source
    tree) once loaded main.py twice: a command's UsageError was another class than the one
    `run` catches, so `dso notify` without an action exited 1 instead of 2."""
    import os
    import subprocess
    import sys

    src = Path(cli.__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, "-m", "dso_desktop.cli.main", "--data-dir",
                           str(tmp_path), "notify"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "notify needs an action" in proc.stderr
