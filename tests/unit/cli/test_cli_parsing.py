"""Every `dso` command group parses, helps and refuses the same way: a group without its
action is a usage error (exit 2) that says what to type, in English or Czech; --help and
--version exit 0; the global options work before and after the command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tests.unit.cli.cli_helpers import dso

from dso_desktop import __version__
from dso_desktop.cli.main import COMMAND_MODULES, extract_store_option, run
from dso_desktop.cli.main import UsageError as CliUsageError


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    # Never the user's own archive, even for a command that forgot --data-dir.
    monkeypatch.setenv("DSO_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.delenv("DSO_STORE_URL", raising=False)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DSO_LANG", "en")


# A group without its action: the line the user reads.
NEEDS_ACTION = {
    "account": "the following arguments are required: ACTION",
    "messages": "the following arguments are required: ACTION",
    "message": "the following arguments are required: ACTION",
    "outbox": "the following arguments are required: ACTION",
    "zfo": "zfo needs an action: show, verify or extract",
    "trust": "trust needs an action: list, add or remove",
    "sim": "choose a subcommand (serve, records-serve, records-confirm)",
    "update": "update needs an action: check, apply, status, config or self-check",
    "records": "records needs an action: export, confirm, purge, log, batches, state or rest",
    "report": "the following arguments are required: REPORT",
    "backup": "the following arguments are required: ACTION",
    "notify": "notify needs an action: config or test",
    "store": "store needs an action: show, use, test, init-roles or migrate",
    "import-datovka": "the following arguments are required: PATH",
    "search": "the following arguments are required: query",
    "send": "the following arguments are required: --account, --to, --subject, --attach",
    "import": "the following arguments are required: PATH",
}


def test_the_commands_listed_here_are_registered() -> None:
    # (A command added later is still checked by the --help test below.)
    without_action = {"sync", "check", "watch", "restamp"}  # they run as they are
    assert set(NEEDS_ACTION) | without_action <= set(COMMAND_MODULES)


@pytest.mark.parametrize("group", sorted(NEEDS_ACTION))
def test_a_group_without_its_action_is_a_usage_error(group: str, tmp_path: Path) -> None:
    code, out, err = dso(group, "--data-dir", str(tmp_path))
    assert code == 2 and out == ""
    assert NEEDS_ACTION[group] in err
    assert "Traceback" not in err
    # Nothing was created for a command that never ran.
    assert not (tmp_path / "archive.sqlite3").exists()


@pytest.mark.parametrize("group", sorted(COMMAND_MODULES))
def test_every_group_has_help(group: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([group, "--help"], out=io.StringIO(), err=io.StringIO()) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"usage: dso {group}")


def test_version_and_the_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"dso {__version__}"
    out = io.StringIO()
    assert run([], out=out, err=io.StringIO()) == 2  # no command: help, usage exit code
    text = out.getvalue()
    assert text.startswith("usage: dso") and "--data-dir" in text
    assert "may stand before or after the command" in " ".join(text.split())


def test_an_unknown_command_in_czech(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = dso("odeslat")
    assert code == 2 and "invalid choice: 'odeslat'" in err
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _, err = dso("zfo")
    assert code == 2
    assert err.startswith("dso: ") and "zfo needs an action" not in err


@pytest.mark.parametrize("argv", [
    ["--json", "--data-dir", "{d}", "outbox", "list"],
    ["outbox", "--json", "list", "--data-dir={d}"],
    ["outbox", "list", "--data-dir", "{d}", "--json"],
])
def test_global_options_anywhere_give_the_same_answer(argv: list[str], tmp_path: Path) -> None:
    args = [a.replace("{d}", str(tmp_path / "d")) for a in argv]
    code, out, err = dso(*args)
    assert (code, json.loads(out), err) == (0, [], "")


def test_the_store_option_anywhere_and_its_usage_error() -> None:
    assert extract_store_option(["--store", "sqlite:///x", "messages", "list"]) == (
        ["messages", "list"], "sqlite:///x")
    assert extract_store_option(["messages", "list", "--store=sqlite:///y"]) == (
        ["messages", "list"], "sqlite:///y")
    # After "--" it belongs to the command, not to dso.
    assert extract_store_option(["zfo", "show", "--", "--store", "x"]) == (
        ["zfo", "show", "--", "--store", "x"], None)
    with pytest.raises(CliUsageError, match="--store needs a database URL"):
        extract_store_option(["messages", "list", "--store"])
    code, _, err = dso("messages", "list", "--store")
    assert code == 2 and "--store needs a database URL" in err


def test_the_store_option_opens_that_archive(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    code, out, _ = dso("messages", "list", "--json", "--store", url,
                       "--data-dir", str(tmp_path / "d"))
    assert (code, json.loads(out)) == (0, [])
    assert (tmp_path / "elsewhere.sqlite3").exists()
    assert not (tmp_path / "d" / "archive.sqlite3").exists()


def test_a_store_url_that_is_no_database_is_exit_1(tmp_path: Path) -> None:
    code, out, err = dso("messages", "list", "--json", "--store", "mysql://u:Tajne@h/db",
                         "--data-dir", str(tmp_path / "d"))
    assert code == 1
    assert "Tajne" not in out + err
    assert json.loads(out)["kind"] == "cli.failure"
    assert "cannot open the archive" in err
