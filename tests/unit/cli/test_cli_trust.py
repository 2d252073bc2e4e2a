"""`dso trust list|add|remove` end to end on an empty data folder, with a test-PKI CA."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import pki  # noqa: F401 - fixture

from dso_desktop.cli.main import run
from dso_desktop.zfo.testpki import TestPki


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    monkeypatch.setenv("DSO_LANG", "en")  # one language per line, chosen by the locale


def _run(argv: list[str], data: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run([*argv, "--data-dir", str(data)], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_add_list_and_remove_an_anchor(tmp_path: Path, pki: TestPki,  # noqa: F811
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    code, out, _ = _run(["trust", "list"], data)
    assert (code, out.strip()) == (0, "no added trust anchors (only the shipped PostSignum CAs)")
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _ = _run(["trust", "list"], data)
    assert (code, out.strip()) == (0, "žádné přidané kotvy důvěry (jen dodané CA PostSignum)")
    monkeypatch.setenv("DSO_LANG", "en")

    code, out, err = _run(["trust", "add", str(pki.ca_file), "--json"], data)
    assert code == 0, err
    [added] = json.loads(out)
    assert [c["self_signed"] for c in added["certificates"]] == [True]
    sha = added["certificates"][0]["sha256"]
    assert len(sha) == 64 and added["problem"] in (None, "")

    code, out, _ = _run(["trust", "list"], data)
    assert code == 0
    assert "anchor: " in out and f"SHA-256 {sha}" in out

    code, out, err = _run(["trust", "remove", "/nowhere/ca.pem"], data)
    assert code == 1 and "not among the added anchors: /nowhere/ca.pem" in err
    code, out, _ = _run(["trust", "remove", added["path"], "--json"], data)
    assert code == 0 and json.loads(out) == {"removed": [added["path"]]}
    code, out, _ = _run(["trust", "list", "--json"], data)
    assert (code, json.loads(out)) == (0, [])


def test_a_file_without_certificates_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("hello\n")
    code, out, err = _run(["trust", "add", str(bogus)], tmp_path / "data")
    assert code == 1
    assert err.startswith("dso: error: ") and "Traceback" not in err
    code, out, _ = _run(["trust", "list", "--json"], tmp_path / "data")
    assert json.loads(out) == []


def test_trust_without_an_action_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _run(["trust"], tmp_path / "data")
    assert code == 2 and "list, add or remove" in err
