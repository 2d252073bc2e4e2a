"""Architecture rules: Qt only under gui/, and widgets never reach SQL, XML or HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[3] / "src" / "dso_desktop"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "pytestqt")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(files: list[Path], banned: tuple[str, ...]) -> list[str]:
    bad = []
    for f in files:
        for name in _imports(f):
            if name.split(".")[0] in banned:
                bad.append(f"{f.relative_to(PKG)} imports {name}")
    return bad


def test_no_qt_outside_gui() -> None:
    files = [p for p in PKG.rglob("*.py") if "gui" not in p.relative_to(PKG).parts]
    assert files, "package sources not found"
    assert _offenders(files, QT_MODULES) == []


def test_gui_widgets_do_not_touch_sql_xml_or_http() -> None:
    files = list((PKG / "gui").rglob("*.py"))
    assert _offenders(files, ("sqlalchemy", "sqlite3", "lxml", "requests", "urllib3")) == []


def test_checker_sees_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport os\n", encoding="utf-8")
    assert _imports(sample) == {"PySide6.QtCore", "os"}
