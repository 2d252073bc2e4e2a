"""`CliContext.emit`: JSON with --json (dates and enums as their strings), otherwise the
command's own text, and the usage errors of the global options."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dso_desktop.cli.main import CliContext, UsageError, extract_global_options
from dso_desktop.domain import ImportStatus, VerdictKind


def _ctx(as_json: bool) -> tuple[CliContext, io.StringIO]:
    out = io.StringIO()
    return CliContext(data_dir=None, json=as_json, out=out, err=io.StringIO()), out


def test_json_output_keeps_the_vocabulary_strings() -> None:
    ctx, out = _ctx(True)
    when = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
    ctx.emit({"verdict": VerdictKind.VALID_AT_SIGNING, "status": ImportStatus.QUARANTINED,
              "at": when, "name": "Žluťoučký kůň"}, "ignored with --json")
    assert json.loads(out.getvalue()) == {
        "verdict": "valid-at-signing", "status": "quarantined", "at": str(when),
        "name": "Žluťoučký kůň"}
    assert "Žluťoučký" in out.getvalue()  # not \\u-escaped: readable in a terminal


def test_text_output_is_the_commands_own_one_newline() -> None:
    ctx, out = _ctx(False)
    ctx.emit({"n": 2}, lambda o: f"{o['n']} new\n\n")
    ctx.emit({"n": 3}, "fixed text")
    assert out.getvalue() == "2 new\nfixed text\n"


def test_without_a_text_the_object_is_printed_as_json() -> None:
    ctx, out = _ctx(False)
    ctx.emit([1, 2])
    assert json.loads(out.getvalue()) == [1, 2]


@pytest.mark.parametrize("argv", [["--data-dir"], ["account", "list", "--data-dir"]])
def test_a_data_dir_without_a_folder_is_a_usage_error(argv: list[str]) -> None:
    with pytest.raises(UsageError) as info:
        extract_global_options(argv)
    assert info.value.kind == "cli.usage"


def test_the_last_data_dir_wins_and_the_equals_form_works() -> None:
    rest, data_dir, _ = extract_global_options(["--data-dir", "/a", "sync", "--data-dir=/b"])
    assert rest == ["sync"] and data_dir == Path("/b")
