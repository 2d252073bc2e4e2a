"""scripts/mutants_typecheck.py: `make mutants` counts a mutant strict mypy refuses as caught.

The mutated files here are tiny fakes written as mutmut 3.8.1 writes them (a trampoline,
the original as ``..__mutmut_orig``, the mutants as ``..__mutmut_N``, methods as
``xǁClassǁname__mutmut_N`` in their class), so no mutmut run is needed.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "mutants_typecheck.py"


@pytest.fixture(scope="module")
def tc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutants_typecheck_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


# A mutated module as mutmut writes it: ``half`` with two mutants (1: a None passed where an
# int is typed; 2: a constant changed, well typed) and a method with one mutant.
MUTATED = textwrap.dedent('''\
    from __future__ import annotations

    from mutmut.mutation.trampoline import wrap_in_trampoline as _mutmut_mutated, MutantDict

    mutants_x_half__mutmut: MutantDict = {}  # type: ignore


    def _double(n: int) -> int:
        return n * 2


    @_mutmut_mutated(mutants_x_half__mutmut)
    def half(n: int) -> int:
        return _double(n) // 4


    def x_half__mutmut_orig(n: int) -> int:
        return _double(n) // 4


    def x_half__mutmut_1(n: int) -> int:
        return _double(None) // 4


    def x_half__mutmut_2(n: int) -> int:
        return _double(n) // 5

    mutants_xǁBoxǁlabel__mutmut: MutantDict = {}  # type: ignore


    class Box:
        @_mutmut_mutated(mutants_xǁBoxǁlabel__mutmut)
        def label(self) -> str:
            return "box"

        def xǁBoxǁlabel__mutmut_orig(self) -> str:
            return "box"

        def xǁBoxǁlabel__mutmut_1(self) -> str:
            return None

    mutants_x_half__mutmut["_mutmut_orig"] = x_half__mutmut_orig  # type: ignore
    ''')


class _Data:
    """mutmut's SourceFileMutationData as far as the filter uses it."""

    def __init__(self, codes: dict[str, int | None]) -> None:
        self.exit_code_by_key = dict(codes)
        self.type_check_error_by_key: dict[str, str | None] = {}
        self.saved = 0

    def save(self) -> None:
        self.saved += 1


def _errors(tc: ModuleType, *items: tuple[int, str, str]) -> list[Any]:
    return [tc.MypyError("src/pkg/mod.py", line, code, msg) for line, code, msg in items]


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_spans_cover_the_mutmut_functions_only(tc: ModuleType) -> None:
    spans = {s.name: (s.start, s.end) for s in tc.function_spans(MUTATED)}
    assert set(spans) == {"x_half__mutmut_orig", "x_half__mutmut_1", "x_half__mutmut_2",
                          "xǁBoxǁlabel__mutmut_orig", "xǁBoxǁlabel__mutmut_1"}
    one = _line(MUTATED, "def x_half__mutmut_1")
    assert spans["x_half__mutmut_1"] == (one, one + 1)


def test_an_error_in_a_mutant_marks_that_mutant_only(tc: ModuleType) -> None:
    line = _line(MUTATED, "_double(None)")
    method = _line(MUTATED, "return None")
    errors = _errors(tc, (line, "arg-type", 'Argument 1 to "_double" has incompatible type'),
                     (method, "return-value", "Incompatible return value type"))
    verdict = tc.assign(errors, Path("/m"), read=lambda p: MUTATED)
    assert set(verdict.caught) == {"pkg.mod.x_half__mutmut_1", "pkg.mod.xǁBoxǁlabel__mutmut_1"}
    assert f"src/pkg/mod.py:{line}:" in verdict.caught["pkg.mod.x_half__mutmut_1"]
    assert verdict.ignored == []


def test_errors_in_originals_and_trampolines_are_ignored_and_listed(tc: ModuleType) -> None:
    orig = _line(MUTATED, "def x_half__mutmut_orig") + 1
    trampoline = _line(MUTATED, 'mutants_x_half__mutmut["_mutmut_orig"]')
    helper = _line(MUTATED, "return n * 2")
    errors = _errors(tc, (orig, "operator", "Unsupported operand"),
                     (trampoline, "misc", "trampoline typing"),
                     (helper, "operator", "not a mutant"))
    verdict = tc.assign(errors, Path("/m"), read=lambda p: MUTATED)
    assert verdict.caught == {}
    assert len(verdict.ignored) == 3
    assert any("outside any mutant" in i and f":{trampoline}:" in i for i in verdict.ignored)
    assert any("in the original x_half__mutmut_orig" in i for i in verdict.ignored)


def test_an_error_the_original_has_too_does_not_count(tc: ModuleType) -> None:
    """The same code and message at the same offset from the function's start existed
    before the mutation; one at another offset, or another message, is the mutant's own."""
    orig = _line(MUTATED, "def x_half__mutmut_orig") + 1
    m1 = _line(MUTATED, "def x_half__mutmut_1") + 1
    m2 = _line(MUTATED, "def x_half__mutmut_2") + 1
    errors = _errors(tc, (orig, "operator", "Unsupported operand"),
                     (m1, "operator", "Unsupported operand"),
                     (m2, "operator", "Unsupported operand"),
                     (m2, "arg-type", "a new one"))
    verdict = tc.assign(errors, Path("/m"), read=lambda p: MUTATED)
    assert set(verdict.caught) == {"pkg.mod.x_half__mutmut_2"}
    assert "a new one" in verdict.caught["pkg.mod.x_half__mutmut_2"]
    assert verdict.preexisting == 2


def test_a_line_named_inside_the_function_is_compared_by_its_offset(tc: ModuleType) -> None:
    """"already defined on line N" names a line of the function itself: in the mutant's
    copy it is another number for the same line, so the error is still the original's."""
    orig = _line(MUTATED, "def x_half__mutmut_orig")
    m2 = _line(MUTATED, "def x_half__mutmut_2")
    errors = _errors(tc, (orig + 1, "no-redef", f"Name already defined on line {orig}"),
                     (m2 + 1, "no-redef", f"Name already defined on line {m2}"))
    verdict = tc.assign(errors, Path("/m"), read=lambda p: MUTATED)
    assert verdict.caught == {}
    assert verdict.preexisting == 1


def test_module_names_are_mutmuts(tc: ModuleType) -> None:
    assert tc.module_of(Path("src/dso_desktop/zfo/verify.py")) == "dso_desktop.zfo.verify"
    pkg = tc.module_of(Path("src/dso_desktop/zfo/__init__.py"))
    assert tc.mutant_name(pkg, "x_f__mutmut_3") == "dso_desktop.zfo.x_f__mutmut_3"


def test_only_mutants_without_a_test_result_are_marked(tc: ModuleType) -> None:
    verdict = tc.Verdict(caught={"m.x_a__mutmut_1": "e1", "m.x_a__mutmut_2": "e2",
                                 "m.x_a__mutmut_3": "e3", "m.x_b__mutmut_1": "e4"})
    data = _Data({"m.x_a__mutmut_1": None, "m.x_a__mutmut_2": 1, "m.x_a__mutmut_3": 0,
                  "m.x_a__mutmut_4": None, "m.x_a__mutmut_5": 37, "m.x_b__mutmut_1": None})
    mutants = [(data, k, v) for k, v in data.exit_code_by_key.items()]
    rest, marked = tc.mark(mutants, verdict, has_tests=lambda n: "x_b_" not in n)
    assert marked == ["m.x_a__mutmut_1"]
    assert data.exit_code_by_key["m.x_a__mutmut_1"] == 37
    assert data.type_check_error_by_key["m.x_a__mutmut_1"] == "e1"
    # A kill and a survival by the tests stay; so does a mutant no test reaches (mutmut
    # records "no tests" before the type check).
    assert data.exit_code_by_key["m.x_a__mutmut_2"] == 1
    assert data.exit_code_by_key["m.x_a__mutmut_3"] == 0
    assert data.exit_code_by_key["m.x_b__mutmut_1"] is None
    # An earlier type-check catch that mypy no longer reports goes back to be tested.
    assert data.exit_code_by_key["m.x_a__mutmut_5"] is None
    assert [n for _, n, _ in rest] == ["m.x_a__mutmut_2", "m.x_a__mutmut_3",
                                       "m.x_a__mutmut_4", "m.x_a__mutmut_5",
                                       "m.x_b__mutmut_1"]
    assert data.saved == 1


def test_the_exit_code_is_mutmuts_caught_by_type_check(tc: ModuleType) -> None:
    stats = pytest.importorskip("mutmut.stats")
    assert stats.status_by_exit_code[tc.CAUGHT_BY_TYPE_CHECK] == "caught by type check"


@pytest.mark.skipif(shutil.which("mypy") is None and importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (the dev extra)")
def test_real_mypy_over_a_fake_mutants_tree(tc: ModuleType, tmp_path: Path) -> None:
    """mypy with strict settings over a mutated tree: mutant 1 (None for an int) and the
    method's mutant (None for a str) are caught, mutant 2 is not; the report says so."""
    mod = tmp_path / "src" / "pkg" / "mod.py"
    mod.parent.mkdir(parents=True)
    (mod.parent / "__init__.py").write_text("", encoding="utf-8")
    mod.write_text(MUTATED, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.mypy]
        mypy_path = "src"
        packages = ["pkg"]
        warn_unused_ignores = true
        disallow_untyped_defs = true
        ignore_missing_imports = true
        """), encoding="utf-8")
    data = _Data({"pkg.mod.x_half__mutmut_1": None, "pkg.mod.x_half__mutmut_2": None,
                  "pkg.mod.xǁBoxǁlabel__mutmut_1": None})
    mutants = [(data, k, v) for k, v in data.exit_code_by_key.items()]
    report = tmp_path / "out" / "typecheck.json"
    rest = tc.filter_mutants(mutants, tmp_path, lambda n: True, report, say=lambda s: None)
    assert [n for _, n, _ in rest] == ["pkg.mod.x_half__mutmut_2"]
    assert data.exit_code_by_key == {"pkg.mod.x_half__mutmut_1": 37,
                                     "pkg.mod.x_half__mutmut_2": None,
                                     "pkg.mod.xǁBoxǁlabel__mutmut_1": 37}
    log = json.loads(report.read_text(encoding="utf-8"))
    assert log["marked"] == 2 and log["errors"] >= 2
    assert "arg-type" in log["caught"]["pkg.mod.x_half__mutmut_1"]
    assert (tmp_path / ".mypy_cache").is_dir()  # a --keep run rechecks changed files only


def test_a_mypy_that_cannot_check_leaves_every_mutant_to_the_tests(
        tc: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mypy]\npackages = ["no_such_pkg"]\n',
                                             encoding="utf-8")
    data = _Data({"pkg.mod.x_half__mutmut_1": None})
    mutants = [(data, "pkg.mod.x_half__mutmut_1", None)]
    said: list[str] = []
    assert tc.filter_mutants(mutants, tmp_path, lambda n: True, None, said.append) == mutants
    assert data.exit_code_by_key["pkg.mod.x_half__mutmut_1"] is None
    assert said and "type check skipped" in said[0]


def _mutants_script(name: str) -> ModuleType:
    """A fresh copy of scripts/mutants.py (each test patches its own)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "mutants.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_summary_gives_the_tests_own_rate_beside_the_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A type-caught mutant is caught, but the tests were not asked: the summary says both."""
    mod = _mutants_script("mutants_script_summary")
    statuses = {"m.x_a__mutmut_1": "caught by type check", "m.x_a__mutmut_2": "killed",
                "m.x_a__mutmut_3": "survived", "m.x_a__mutmut_4": "not checked"}
    monkeypatch.setattr(mod, "_statuses", lambda: statuses)
    # The survivors' diffs are looked up for docs/mutants/ (the classification): these
    # mutants exist in no mutants/ folder (a KeyError since the classification came in).
    monkeypatch.setattr(mod, "_results",
                        lambda: {k: (v, "src/m.py") for k, v in statuses.items()})
    monkeypatch.setattr(mod, "_show", lambda name, source: "")
    s = mod.summarise(["m.*"], 1.0, (0.0, 0.0, 0.0), 1, {})
    assert (s["total"], s["killed"], s["caught_by_type_check"]) == (3, 2, 1)
    assert s["kill_rate"] == round(2 / 3, 4)
    assert s["kill_rate_by_tests"] == 0.5


def test_a_first_sample_run_prepares_through_the_resident_runner(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On a first `--sample` run the mutants are written and the tests traced by the
    resident runner's own preparation (once, with line coverage, in as many processes as
    a run uses, mypy's filter applied), not by `mutmut run`, whose stats (no line data)
    the runner would then throw away and trace again."""
    mod = _mutants_script("mutants_script_prepare")
    monkeypatch.setattr(mod, "OUT", tmp_path)
    calls: list[list[str]] = []

    class Done:
        returncode = 0

    def run(cmd: list[str], check: bool = False) -> Done:
        calls.append([str(c) for c in cmd])
        return Done()

    monkeypatch.setattr(mod.subprocess, "run", run)
    args = mod.argparse.Namespace(max_children=2, budget=30.0, globs=[], sample=150,
                                  rerun=False, no_order=False, no_typecheck=False,
                                  no_lines=False, one_case=False, stats_processes=None,
                                  rerun_explained=False)
    assert mod._generate({"g": ["dso_desktop.zfo.*"]}, args) == 0
    (cmd,) = calls
    assert cmd[1].endswith("mutants_resident.py")
    assert "--prepare-only" in cmd and "--rerun" not in cmd
    assert cmd[cmd.index("--stats-processes") + 1] == "2"
    assert json.loads((tmp_path / "groups.json").read_text()) == [["g", ["dso_desktop.zfo.*"]]]
