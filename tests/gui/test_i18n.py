"""The Czech catalogue is complete, matches the sources, and the compiled .qm matches it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "dso_desktop_cs.ts"
QM = TS.with_suffix(".qm")
GUI = ROOT / "src" / "dso_desktop" / "gui"


def _messages(path: Path) -> list[tuple[str, str, Any]]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    root = etree.parse(str(path), parser).getroot()
    out = []
    for ctx in root.iter("context"):
        name = ctx.findtext("name")
        for m in ctx.iter("message"):
            out.append((name, m.findtext("source"), m.find("translation")))
    return out


def test_every_string_has_a_finished_czech_translation() -> None:
    msgs = _messages(TS)
    assert len(msgs) > 300
    bad = [
        (c, s)
        for c, s, t in msgs
        if t is None
        or t.get("type") in ("unfinished", "obsolete", "vanished")
        or not (t.text or "").strip()
    ]
    assert bad == []


def test_placeholders_survive_translation() -> None:
    for context, source, tr in _messages(TS):
        want = sorted(re.findall(r"%\d", source))
        assert sorted(re.findall(r"%\d", tr.text)) == want, (context, source)


def test_catalogue_covers_every_string_in_the_sources(tmp_path: Path) -> None:
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists():
        pytest.skip("pyside6-lupdate is not installed beside this Python")
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in GUI.glob("*.py"))
    subprocess.run(
        [str(lupdate), "-locations", "none", *sources, "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    in_code = {(c, s) for c, s, _t in _messages(fresh)}
    in_catalogue = {(c, s) for c, s, _t in _messages(TS)}
    assert in_code - in_catalogue == set(), "run resources/i18n/update_translations.py"


def test_compiled_qm_matches_the_catalogue(qapp: Any) -> None:
    from PySide6.QtCore import QTranslator

    tr = QTranslator()
    assert tr.load(str(QM))
    for context, source, translation in _messages(TS):
        assert tr.translate(context, source) == translation.text, (context, source)


def test_czech_is_the_default_and_english_switchable(qapp: Any) -> None:
    from PySide6.QtCore import QCoreApplication

    from dso_desktop.gui import i18n

    assert i18n.install("cs") == "cs"
    assert QCoreApplication.translate("AccountTree", "Received") == "Přijaté"
    assert QCoreApplication.translate("Format", "Accepted by fiction") == "Doručena fikcí"
    assert i18n.install("en") == "en"
    assert QCoreApplication.translate("AccountTree", "Received") == "Received"
    assert i18n.install("xx") == "cs"
