"""Architecture rules: the floors of docs/INTERFACES.md, Qt only under gui/, and widgets never
reach SQL, XML or HTTP.

Every import of a ``dso_desktop`` module counts, also one inside a function (a lazy import is
still a dependency: it breaks the same way when the imported layer changes).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[3] / "src" / "dso_desktop"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "pytestqt")

# The floors, top first (docs/INTERFACES.md, "Layering"). A unit is a subpackage or a module
# directly under dso_desktop/; "__init__" is the package itself (name and version).
FLOORS: tuple[frozenset[str], ...] = (
    frozenset({"gui", "cli", "launcher", "selfcheck"}),
    frozenset({"app", "services"}),
    frozenset({"sync"}),
    frozenset({"store", "isds", "zfo", "update", "simulator", "records", "reports"}),
    frozenset({"domain", "paths", "secretstore", "memkeyring", "net", "logsetup", "resources",
               "settings", "peakmem"}),
    frozenset({"__init__", "errors"}),  # errors: the one error root, stdlib only
)
# Imports between units on the same floor are forbidden unless listed here (importer, imported):
# each names a deliberate direction, so the two never import each other.
SIDEWAYS: frozenset[tuple[str, str]] = frozenset({
    ("cli", "launcher"),        # `dso update` reports and drives the launcher's install state
    ("cli", "selfcheck"),       # `dso update self-check` runs it
    ("selfcheck", "gui"),       # the bundle's self-check loads Qt the way the GUI does
    ("app", "services"),        # App builds the services; services never see App
    ("simulator", "zfo"),       # the simulator seals its ZFOs with zfo.produce / zfo.testpki
    ("simulator", "records"),   # the loopback records service answers batches (records.nsesss)
    ("logsetup", "paths"),      # the log folder
    ("secretstore", "memkeyring"),  # the in-memory keyring for tests and the demo
})


def _floor(unit: str) -> int:
    for level, units in enumerate(FLOORS):
        if unit in units:
            return level
    raise KeyError(unit)


def allowed(importer: str, imported: str) -> bool:
    """May ``importer`` import ``imported``? Only downwards, or a listed sideways direction."""
    if importer == imported:
        return True
    a, b = _floor(importer), _floor(imported)
    return b > a or (a == b and (importer, imported) in SIDEWAYS)


def _unit_of(path: Path, root: Path = PKG) -> str:
    return path.relative_to(root).parts[0].removesuffix(".py")


def _units_imported(path: Path, root: Path = PKG) -> set[tuple[str, int]]:
    """The dso_desktop units ``path`` imports, with line numbers (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ["dso_desktop", *path.relative_to(root).parts[:-1]]
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # `from dso_desktop import net` imports the unit named after `import`.
            modules = ([f"{module}.{alias.name}" for alias in node.names]
                       if module == "dso_desktop" else [module])
        for name in modules:
            parts = name.split(".")
            if parts[0] != "dso_desktop":
                continue
            unit = parts[1] if len(parts) > 1 else "__init__"
            if len(parts) > 1 and not ((root / unit).is_dir() or (root / f"{unit}.py").is_file()):
                unit = "__init__"  # a name defined in dso_desktop/__init__.py (APP_NAME, ...)
            found.add((unit, node.lineno))
    return found


def upward_imports(root: Path = PKG) -> list[str]:
    bad = []
    for f in sorted(root.rglob("*.py")):
        importer = _unit_of(f, root)
        for imported, line in sorted(_units_imported(f, root)):
            if not allowed(importer, imported):
                bad.append(f"{f.relative_to(root)}:{line}: {importer} imports {imported}")
    return bad


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


def test_every_unit_has_a_floor() -> None:
    units = {_unit_of(p) for p in PKG.iterdir()
             if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").is_file())}
    assert units, "package sources not found"
    placed = set().union(*FLOORS)
    assert units - placed == set(), "place the new unit on a floor in FLOORS"
    assert placed - units == set(), "FLOORS names a unit that no longer exists"
    for importer, imported in SIDEWAYS:
        assert _floor(importer) == _floor(imported), (importer, imported)
        assert (imported, importer) not in SIDEWAYS, "a sideways pair goes one way only"


def test_no_package_imports_upwards() -> None:
    assert upward_imports() == []


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


def test_checker_sees_upward_and_sideways_imports(tmp_path: Path) -> None:
    """A fake package with one import of each kind: only the wrong ones are reported."""
    root = tmp_path / "dso_desktop"
    for unit in ("store", "sync", "zfo", "update"):
        (root / unit).mkdir(parents=True)
        (root / unit / "__init__.py").write_text("", encoding="utf-8")
    (root / "paths.py").write_text("", encoding="utf-8")
    (root / "__init__.py").write_text("APP_NAME = 'x'\n", encoding="utf-8")
    (root / "store" / "db.py").write_text(
        "from dso_desktop.paths import data_dir\n"
        "from dso_desktop import APP_NAME\n"
        "from . import models\n"
        "def late():\n"
        "    from dso_desktop.sync import engine\n", encoding="utf-8")
    (root / "zfo" / "x.py").write_text("from ..update import layout\n", encoding="utf-8")
    (root / "sync" / "s.py").write_text("import dso_desktop.store.db\n", encoding="utf-8")
    assert upward_imports(root) == ["store/db.py:5: store imports sync",
                                    "zfo/x.py:1: zfo imports update"]


def test_floor_table_reads_as_documented() -> None:
    assert allowed("gui", "services") and allowed("services", "sync")
    assert allowed("sync", "store") and allowed("store", "domain")
    assert allowed("app", "services") and not allowed("services", "app")
    assert not allowed("update", "gui") and not allowed("store", "sync")
    assert not allowed("zfo", "simulator") and allowed("simulator", "zfo")


def _documented_layering() -> tuple[list[set[str]], set[tuple[str, str]]]:
    """The floors (top first) and the sideways directions as docs/INTERFACES.md states them
    in its "Layering" paragraph."""
    doc = (PKG.parents[1] / "docs" / "INTERFACES.md").read_text(encoding="utf-8")
    layering = doc[doc.index("Layering: "):doc.index("Only `gui/` imports Qt.")]
    floors = []
    for segment in layering.split("→"):
        units = set()
        for token in re.findall(r"`([^`]+)`", segment):
            name = token.removeprefix("dso_desktop/").removesuffix("/").removesuffix(".py")
            if "/" not in name:  # `store/migrations/` is a part of `store`
                units.add(name)
        floors.append(units)
    listed = doc[doc.index("in the listed direction"):doc.index("The Alembic migrations")]
    sideways = set(re.findall(r"(\w+) → (\w+)", listed.replace("\n", " ")))
    return floors, sideways


def test_the_floors_are_those_of_this_file() -> None:
    """FLOORS and SIDEWAYS are docs/INTERFACES.md's paragraph: neither drifts alone."""
    floors, sideways = _documented_layering()
    assert floors == [set(f) for f in FLOORS]
    assert sideways == set(SIDEWAYS)
