"""`dso message pdf|eml` and `dso report correspondence` on a real archive."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import csv
import email
import io
import json
from collections.abc import Callable
from email import policy
from pathlib import Path
from typing import Any

import pytest
from tests.unit.reports.conftest import SUBJECT, assert_pdfa, text_has
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.cli.main import run


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")


@pytest.fixture
def data(tmp_path: Path, pki: Any, make_zfo: Callable[..., bytes]) -> Path:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    d = tmp_path / "data"
    (tmp_path / "m.zfo").write_bytes(make_zfo(dm_id="7001", subject=SUBJECT))
    (tmp_path / "d.zfo").write_bytes(make_zfo(kind="delivery-info", dm_id="7001"))
    with App.open(AppPaths.default(d), offline=True, trust_anchors=[pki.ca_file]) as app:
        assert not app.zfo.import_files([tmp_path / "m.zfo", tmp_path / "d.zfo"]
                                        ).needs_attention
    return d


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_message_pdf_each_part(data: Path, tmp_path: Path) -> None:
    for flag, needles, absent in (([], ["Obálka datové zprávy"], "Doručenka"),
                                  (["--delivery-info"], ["Doručenka", "EV5"], "Obálka"),
                                  (["--both"], ["Obálka datové zprávy", "Doručenka"], None)):
        out = tmp_path / f"m{len(flag)}{flag[:1]}.pdf"
        code, _, err = _run(["message", "pdf", "7001", "--out", str(out), *flag,
                             "--data-dir", str(data)])
        assert code == 0, err
        pdf = out.read_bytes()
        assert_pdfa(pdf)
        text_has(pdf, "7001", SUBJECT, *needles)
        if absent:
            from tests.unit.reports.conftest import pdf_text
            assert absent not in pdf_text(pdf)


def test_message_pdf_of_an_unknown_message_is_exit_1(data: Path, tmp_path: Path) -> None:
    code, out, err = _run(["message", "pdf", "999", "--out", str(tmp_path / "x.pdf"),
                           "--data-dir", str(data), "--json"])
    assert code == 1 and "not in the archive" in err and json.loads(out)["kind"]
    assert not (tmp_path / "x.pdf").exists()
    code, _, err = _run(["message", "pdf", "7001", "--out", str(tmp_path / "x.pdf"),
                         "--both", "--delivery-info", "--data-dir", str(data)])
    assert code == 2


def test_message_eml(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.eml"
    code, stdout, err = _run(["message", "eml", "7001", "--out", str(out), "--attachments",
                              "--pdf", "--data-dir", str(data), "--json"])
    assert code == 0, err
    assert json.loads(stdout)["path"] == str(out)
    msg = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    names = sorted(p.get_filename() or "" for p in msg.iter_attachments())
    assert names == ["DDZ_7001.zfo", "Obalka_a_dorucenka_7001.pdf", "dopis.pdf"]


def test_report_correspondence_every_format(data: Path, tmp_path: Path) -> None:
    for fmt in ("csv", "html", "pdf"):
        out = tmp_path / f"r.{fmt}"
        code, stdout, err = _run(["report", "correspondence", "--from", "2026-03-01",
                                  "--to", "31.3.2026", "--direction", "received",
                                  "--format", fmt, "--out", str(out), "--data-dir",
                                  str(data), "--json"])
        assert code == 0, err
        summary = json.loads(stdout)
        assert summary["messages"] == 1 and summary["received"] == 1
        body = out.read_bytes()
        if fmt == "pdf":
            assert_pdfa(body)
            text_has(body, "7001", SUBJECT)
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
            assert any(r[:1] == ["7001"] and SUBJECT in r for r in rows)
        else:
            assert SUBJECT in body.decode("utf-8")


@pytest.mark.parametrize("argv, code, text", [
    (["--from", "1.13.2026", "--to", "2026-03-01"], 2, "is not a date"),
    (["--from", "2026-03-02", "--to", "2026-03-01"], 2, "before"),
    (["--from", "2026-03-01", "--to", "2026-03-02", "--account", "nikdo"], 1, "nikdo"),
])
def test_report_correspondence_bad_input(data: Path, tmp_path: Path, argv: list[str],
                                         code: int, text: str) -> None:
    out = tmp_path / "r.csv"
    got, _, err = _run(["report", "correspondence", *argv, "--format", "csv", "--out",
                        str(out), "--data-dir", str(data)])
    assert got == code and text in err
    assert not out.exists()


@pytest.mark.parametrize("argv", [
    ["message", "pdf", "7001"], ["message", "eml", "7001"],
    ["report", "correspondence", "--from", "2026-03-01", "--to", "2026-03-31",
     "--format", "csv"]])
def test_out_naming_a_folder_is_a_usage_error(data: Path, tmp_path: Path,
                                              argv: list[str]) -> None:
    """Review: `--out FOLDER` failed with exit 1 and an OS error naming the temporary
    file the write went through."""
    code, _, err = _run([*argv, "--out", str(tmp_path), "--data-dir", str(data)])
    assert code == 2 and "is a folder" in err and ".tmp-" not in err
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
