"""Every test checks a result: a test that only runs code passes whatever the code returns.

A test function counts as checking when it (or a helper defined in the same module that it
calls) contains an ``assert``, expects an exception or a warning (``pytest.raises``,
``pytest.warns``), waits for a condition or signal (pytest-qt), or calls a helper whose
name says it checks (``assert_*``, ``check*``, ``expect*``, with or without a leading
underscore). See docs/testing.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]
_CHECKING_CALLS = {"raises", "warns", "deprecated_call", "fail", "waitUntil", "waitSignal",
                   "waitSignals", "assertRaises"}
_CHECKING_PREFIXES = ("assert", "check", "expect")


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _checks(fn: ast.AST, helpers: dict[str, ast.AST], seen: frozenset[str]) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = _name(node)
            if name in _CHECKING_CALLS or name.lstrip("_").startswith(_CHECKING_PREFIXES):
                return True
            if name in helpers and name not in seen \
                    and _checks(helpers[name], helpers, seen | {name}):
                return True
    return False


def unchecked_tests(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers: dict[str, ast.AST] = {
            n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        tests = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            tests += [n for n in cls.body if isinstance(n, ast.FunctionDef)]
        for fn in tests:
            if fn.name.startswith("test") and not _checks(fn, helpers, frozenset()):
                out.append(f"{path.relative_to(root)}:{fn.lineno} {fn.name}")
    return out


def test_every_test_checks_a_result() -> None:
    assert unchecked_tests(TESTS) == []


def test_the_check_finds_a_test_that_only_runs_code(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "def _helper(x):\n    assert x\n"
        "def _runs(x):\n    return x\n"
        "def test_runs_only():\n    _runs(1)\n"
        "def test_asserts():\n    assert _runs(1) == 1\n"
        "def test_via_helper():\n    _helper(1)\n"
        "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
        "class TestGroup:\n    def test_method_runs_only(self):\n        _runs(2)\n",
        encoding="utf-8")
    assert unchecked_tests(tmp_path) == [
        "test_sample.py:6 test_runs_only", "test_sample.py:16 test_method_runs_only"]
