"""The `dso` dispatcher: global options anywhere, exit codes, a closed pipe."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from dso_desktop.cli.main import UsageError, extract_global_options, run


@pytest.mark.parametrize("argv", [
    ["--data-dir", "/x", "--json", "account", "list"],
    ["account", "list", "--data-dir", "/x", "--json"],
    ["account", "--json", "list", "--data-dir=/x"],
])
def test_global_options_before_or_after_the_command(argv: list[str]) -> None:
    rest, data_dir, as_json = extract_global_options(argv)
    assert rest == ["account", "list"]
    assert data_dir == Path("/x") and as_json


def test_options_after_double_dash_are_left_alone() -> None:
    rest, data_dir, as_json = extract_global_options(["zfo", "show", "--", "--json"])
    assert rest == ["zfo", "show", "--", "--json"] and data_dir is None and not as_json


def test_data_dir_without_a_value_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        extract_global_options(["account", "list", "--data-dir"])


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["--help"], out=out, err=err) == 0
    assert "--data-dir" in capsys.readouterr().out  # argparse prints help itself
    assert run(["no-such-command"], out=out, err=err) == 2
    assert run(["account", "list", "--data-dir"], out=out, err=err) == 2
    out = io.StringIO()
    assert run(["account", "list", "--json", "--data-dir", str(tmp_path)], out=out, err=err) == 0
    assert out.getvalue().strip() == "[]"


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "r, w = os.pipe(); os.close(r); os.dup2(w, 1)\n"
        f"sys.argv = ['dso', 'account', 'list', '--json', '--data-dir', {str(tmp_path)!r}]\n"
        "from dso_desktop.cli.main import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
