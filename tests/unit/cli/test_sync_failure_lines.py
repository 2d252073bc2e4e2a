"""`dso sync` lists the messages it could not store: in Czech from the error's kind and
details (the English reason stays in --json and the log), never an English sentence."""

from __future__ import annotations

import pytest
from tests.integration.test_cli_czech_errors import english_words

from dso_desktop.cli.cmd_store import _failure_line
from dso_desktop.isds.errors import TransportError
from dso_desktop.sync.events import SyncFailure
from dso_desktop.zfo.errors import MalformedCmsError


@pytest.fixture(params=["cs", "en"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DSO_LANG", request.param)
    return str(request.param)


def test_a_message_that_is_not_a_readable_zfo(lang: str) -> None:
    exc = MalformedCmsError("not a readable ZFO: truncated DER at offset 12")
    line = _failure_line(SyncFailure("4711", str(exc), "", exc))
    assert line.startswith("  4711: ")
    if lang == "cs":
        assert not english_words(line), line
    else:
        assert "not a readable ZFO" in line


def test_a_delivery_info_that_could_not_be_fetched(lang: str) -> None:
    exc = TransportError("connection reset by peer")
    line = _failure_line(SyncFailure("4712", f"delivery info: {exc}", "delivery info", exc))
    if lang == "cs":
        assert line.startswith("  4712: doručenka: ") and not english_words(line), line
    else:
        assert line.startswith("  4712: delivery info: ") and "connection reset" in line


def test_a_failure_without_its_error_keeps_the_recorded_reason(lang: str) -> None:
    # An older summary (or one read back from --json) has only the reason.
    assert _failure_line(SyncFailure(None, "stored nothing")) == "  -: stored nothing"
