"""scripts/mutants_lines.py: line coverage chooses each mutant's tests.

A tiny mutants file in mutmut's layout (an orig function and its mutants) and either a
hand-made coverage map or one recorded for real by ``LineRecorder``; mutmut need not have
run. The soundness check at the end runs every mutant on every "test" (an input): a test
the line data leaves out must give the orig's result.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _script() -> ModuleType:
    name = "mutants_lines_script"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "mutants_lines.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


ml = _script()

# Line numbers matter below: the orig's body starts on line 2.
ORIG = '''\
def x_f__mutmut_orig(a, b=1):
    if a > 0:
        total = a + b
    else:
        total = (-a
                 * 2)
    for i in range(3):
        total += i
    if True:
        total += 100
    return total
'''

MUTANTS = {
    # the if's header: seen by every test that evaluates the condition
    "x_f__mutmut_1": ORIG.replace("a > 0", "a >= 0"),
    # the then branch only
    "x_f__mutmut_2": ORIG.replace("a + b", "a - b"),
    # the second line of a two-line statement in the else branch: the whole statement
    "x_f__mutmut_3": ORIG.replace("* 2)", "* 3)"),
    # a default: the def line, so every test reaching the function
    "x_f__mutmut_4": ORIG.replace("b=1", "b=2"),
    # the body of the for loop
    "x_f__mutmut_5": ORIG.replace("total += i", "total -= i"),
    # `if True:` keeps an instruction (a NOP) for its line, so tracing sees it run
    "x_f__mutmut_6": ORIG.replace("if True:", "if False:"),
    # the return
    "x_f__mutmut_7": ORIG.replace("return total", "return None"),
}


def _source() -> str:
    parts = [ORIG]
    for name, text in MUTANTS.items():
        parts.append(text.replace("x_f__mutmut_orig", name))
    return "\n".join(parts)


def test_the_changed_lines_widen_to_their_statement() -> None:
    src = _source()
    assert ml.mutant_lines(src, "x_f__mutmut_1").lines == {2}
    assert ml.mutant_lines(src, "x_f__mutmut_2").lines == {3}
    assert ml.mutant_lines(src, "x_f__mutmut_3").lines == {5, 6}
    assert ml.mutant_lines(src, "x_f__mutmut_5").lines == {8}
    assert ml.mutant_lines(src, "x_f__mutmut_7").lines == {11}


def test_the_function_level_set_is_kept_where_lines_cannot_say() -> None:
    src = _source()
    assert ml.mutant_lines(src, "x_f__mutmut_4").lines is None  # a default
    assert "signature" in ml.mutant_lines(src, "x_f__mutmut_4").why
    assert ml.mutant_lines(src, "x_f__mutmut_9").lines is None  # not in the file
    assert ml.mutant_lines(src, "not_a_mutant").lines is None
    added = ORIG + "\n" + ORIG.replace("x_f__mutmut_orig", "x_f__mutmut_1").replace(
        "    return total", "    total += 0\n    return total")
    assert ml.mutant_lines(added, "x_f__mutmut_1").why == "lines added with none removed"


def test_a_statement_the_compiler_drops_falls_back() -> None:
    # Python compiles no instruction for the body of `if False:`: no tracer could record
    # line 3, so its line set would select no test whatever the tests do.
    orig = "def x_g__mutmut_orig(a):\n    if False:\n        a += 1\n    return a\n"
    src = orig + "\n" + orig.replace("a += 1", "a += 2").replace("orig", "1")
    change = ml.mutant_lines(src, "x_g__mutmut_1")
    assert change.lines is None
    assert change.why == "no instruction on the statement's lines"
    assert ml.mutant_lines(_source(), "x_f__mutmut_6").lines == {9}


ALL = ["t_pos", "t_neg", "t_zero", "t_other"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mutants" / "src" / "pkg" / "mod.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _map(path: Path, lines: dict[int, set[str]], outside: set[int] = frozenset(),  # type: ignore[assignment]
         spawners: set[str] = frozenset(), full: bool = True) -> Any:  # type: ignore[assignment]
    m = ml.LineMap()
    m.merge({"pkg/mod.py": lines}, {"pkg/mod.py": set(outside)},
            {"pkg/mod.py": ml.digest(path.read_bytes())}, set(spawners), full, set(ALL))
    return m


def test_only_the_tests_that_ran_the_statement_are_chosen(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    m = _map(path, {2: {"t_pos", "t_neg"}, 3: {"t_pos"}, 5: {"t_neg"}, 8: {"t_pos", "t_neg"},
                    11: {"t_pos", "t_neg"}})
    assert m.tests_for(path, "x_f__mutmut_2", ALL) == (["t_pos"], "")
    # the second line of the statement was not recorded, its first was
    assert m.tests_for(path, "x_f__mutmut_3", ALL) == (["t_neg"], "")
    assert m.tests_for(path, "x_f__mutmut_1", ALL) == (["t_pos", "t_neg"], "")
    # the order of the function-level list (fastest first) is kept
    assert m.tests_for(path, "x_f__mutmut_1", ["t_neg", "t_pos"]) == (["t_neg", "t_pos"], "")
    # a default: every test reaching the function
    assert m.tests_for(path, "x_f__mutmut_4", ALL)[0] == ALL


def test_process_starters_stay_and_import_time_lines_fall_back(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    m = _map(path, {3: {"t_pos"}}, spawners={"t_other", "t_elsewhere"})
    # a test that started a process keeps its place in every set it was in, and only there
    assert m.tests_for(path, "x_f__mutmut_2", ALL) == (["t_pos", "t_other"], "")
    assert m.tests_for(path, "x_f__mutmut_5", ALL) == (["t_other"], "")
    m = _map(path, {3: {"t_pos"}}, outside={3})
    assert m.tests_for(path, "x_f__mutmut_2", ALL) == (ALL, "executed outside a test")


def test_no_line_data_for_the_file_as_it_is_now_means_the_whole_set(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    m = _map(path, {3: {"t_pos"}})
    other = tmp_path / "mutants" / "src" / "pkg" / "other.py"
    other.write_text(_source(), encoding="utf-8")
    assert m.tests_for(other, "x_f__mutmut_2", ALL) == (ALL, "file not traced")
    # mutmut rewrote the file since the trace: its lines may have moved
    path.write_text("\n" + _source(), encoding="utf-8")
    fresh = ml.LineMap.from_json(m.to_json())  # what a later run loads
    assert fresh.tests_for(path, "x_f__mutmut_2", ALL) == (
        ALL, "file changed since it was traced")


def test_a_run_of_new_tests_only_keeps_earlier_data_of_unchanged_files(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    sha = ml.digest(path.read_bytes())
    m = _map(path, {3: {"t_pos"}})
    m.merge({"pkg/mod.py": {3: {"t_new"}}}, {}, {"pkg/mod.py": sha}, set(), full=False,
            traced={"t_new", "t_new2"})
    assert m.tests_for(path, "x_f__mutmut_2", [*ALL, "t_new", "t_new2"]) == (
        ["t_pos", "t_new"], "")
    # a test traced by mutmut without the recorder (--no-lines): no line data, so kept
    assert m.tests_for(path, "x_f__mutmut_2", [*ALL, "t_unrecorded"]) == (
        ["t_pos", "t_unrecorded"], "")
    # the file changed and only the new tests were traced on it: not enough to choose
    path.write_text("\n" + _source(), encoding="utf-8")
    m.merge({"pkg/mod.py": {4: {"t_new"}}}, {}, {"pkg/mod.py": ml.digest(path.read_bytes())},
            set(), full=False)
    m._parsed.clear()
    assert m.tests_for(path, "x_f__mutmut_2", ALL) == (ALL, "file traced by new tests only")


CASES = ["t.py::p[a]", "t.py::p[b]", "t.py::p[c]", "t.py::q[a]", "t.py::r", "t.py::p[d]",
         "t.py::p[e]", "t.py::p[f]"]


MORE = ["t.py::p[g]", "t.py::p[h]", "t.py::p[i]", "t.py::p[j]"]


def _cases_map(path: Path) -> Any:
    m = ml.LineMap()
    lines = {2: set(CASES + MORE) - {"t.py::p[f]"},
             3: {"t.py::p[a]", "t.py::p[b]", "t.py::q[a]", "t.py::r", "t.py::p[e]", *MORE},
             5: {"t.py::p[c]", "t.py::p[d]"}, 8: {"t.py::p[d]"}}
    # The arguments x_f was called with: every case but p[g] to p[j] the same values
    # ("A"); p[g] other values (as the reserved name AUX among CON, NUL...); p[h] one
    # call more; p[i] an argument that is no value (a lock, an open file); p[j] the same
    # as the others, but a process started during it.
    same = "A" * 32
    calls = {t: {"pkg/mod.py:x_f": same} for t in CASES if t != "t.py::p[f]"}
    calls |= {"t.py::p[g]": {"pkg/mod.py:x_f": "G" * 32},
              "t.py::p[h]": {"pkg/mod.py:x_f": "H" * 32},
              "t.py::p[i]": {"pkg/mod.py:x_f": ml.UNSTABLE},
              "t.py::p[j]": {"pkg/mod.py:x_f": same}}
    # p[f] was traced without the recorder: it has no line data
    m.merge({"pkg/mod.py": lines}, {"pkg/mod.py": set()},
            {"pkg/mod.py": ml.digest(path.read_bytes())}, {"t.py::p[e]"}, True,
            set(CASES + MORE) - {"t.py::p[f]"}, calls, {"t.py::p[e]", "t.py::p[j]"})
    return m


def test_one_case_of_a_parametrised_test_per_lines_and_arguments(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    m = _cases_map(path)
    assert m.one_case_per_lines(path, CASES + MORE, "x_f__mutmut_2") == [
        "t.py::p[a]",  # lines 2 and 3; p[b] ran the same lines with the same calls: left out
        "t.py::p[c]",  # lines 2 and 5
        "t.py::q[a]",  # the same lines as p[a], but another test function
        "t.py::r",  # not parametrised
        "t.py::p[d]",  # lines 2, 5 and 8
        "t.py::p[e]",  # the same lines as p[a], but it started a process
        "t.py::p[f]",  # no line data
        "t.py::p[g]",  # the same lines as p[a], other arguments
        "t.py::p[h]",  # the same lines as p[a], one call more
        "t.py::p[i]",  # an argument not readable as a value
        "t.py::p[j]",  # a process started during it
    ]
    # the first of a class in the given order (fastest first) is the one kept
    assert m.one_case_per_lines(path, ["t.py::p[b]", "t.py::p[a]"], "x_f__mutmut_2") == [
        "t.py::p[b]"]
    # a mutant of a function whose calls were not recorded (only in another process, a
    # classmethod): every case
    assert m.one_case_per_lines(path, CASES, "x_g__mutmut_1") == CASES
    other = tmp_path / "mutants" / "src" / "pkg" / "other.py"
    assert m.one_case_per_lines(other, CASES, "x_f__mutmut_2") == CASES  # a file not traced


def test_the_map_survives_saving_and_loading(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    m = _map(path, {2: {"t_pos", "t_neg"}, 3: {"t_pos"}}, outside={11}, spawners={"t_other"})
    m.save(tmp_path / "lines.json")
    back = ml.LineMap.load(tmp_path / "lines.json")
    assert back.to_json() == m.to_json()
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    assert ml.LineMap.load(tmp_path / "bad.json").files == {}
    cases = _cases_map(path)  # with call digests and the tests that started a process
    back = ml.LineMap.from_json(cases.to_json())
    assert back.to_json() == cases.to_json() and back.calls == cases.calls
    assert back.one_case_per_lines(path, CASES + MORE, "x_f__mutmut_2") == \
        cases.one_case_per_lines(path, CASES + MORE, "x_f__mutmut_2")


# -- recorded for real, and the soundness of the choice ------------------------------------

INPUTS = {"t_pos": (5,), "t_neg": (-4,), "t_zero": (0,), "t_pos_b": (2, 7)}


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutlines_fake_mod", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _record(tmp_path: Path, path: Path, extra: Any = None) -> Any:
    out = tmp_path / "mutants" / ml.LINES_FILE
    rec = ml.LineRecorder(tmp_path / "mutants", out, full=True)
    rec.start()
    try:
        mod = _load(path)
        for test, args in INPUTS.items():
            rec.pytest_runtest_logstart(test, None)
            mod.x_f__mutmut_orig(*args)
        if extra is not None:
            extra(rec)
    finally:
        rec.finish()
    return ml.LineMap.load(out)


def test_recorded_coverage_chooses_tests_that_see_each_mutant(tmp_path: Path) -> None:
    """Every mutant on every input: an input left out of a mutant's set gives the orig's
    result (the promise that makes the choice sound); one chosen may or may not."""
    path = _write(tmp_path, _source())
    m = _record(tmp_path, path)
    assert m.files["pkg/mod.py"].complete
    mod = _load(path)
    tests = list(INPUTS)
    chosen_any = 0
    for name in MUTANTS:
        chosen, why = m.tests_for(path, name, tests)
        fn = getattr(mod, name)
        for test, args in INPUTS.items():
            if test not in chosen:
                assert fn(*args) == mod.x_f__mutmut_orig(*args), (name, test)
        chosen_any += len(chosen) < len(tests)
        if name in ("x_f__mutmut_2",):
            assert chosen == ["t_pos", "t_pos_b"] and why == ""
        if name == "x_f__mutmut_3":
            assert chosen == ["t_neg", "t_zero"]  # 0 > 0 is false: the else branch
    # the then branch, the else branch: fewer tests than the function's for some mutants
    assert chosen_any >= 2


# A mutated module as mutmut writes it: a trampoline in front of the orig, and a cache
# (``lru_cache``) around a function that calls it, as ``parse._cert_info_of`` around
# ``parse._name``.
TRAMPOLINED = textwrap.dedent('''\
    from functools import lru_cache

    from mutmut.mutation.trampoline import wrap_in_trampoline as _mutmut_mutated, MutantDict
    mutants_x_name__mutmut: MutantDict = {}  # type: ignore


    @_mutmut_mutated(mutants_x_name__mutmut)
    def name(value, upper=True):
        return str(value).upper() if upper else str(value)


    def x_name__mutmut_orig(value, upper=True):
        text = str(value)
        return text.upper() if upper else text


    def x_name__mutmut_1(value, upper=True):
        text = str(None)
        return text.upper() if upper else text

    mutants_x_name__mutmut['_mutmut_orig'] = x_name__mutmut_orig # type: ignore # mutmut generated
    mutants_x_name__mutmut['x_name__mutmut_1'] = x_name__mutmut_1 # type: ignore # mutmut generated


    @lru_cache(maxsize=8)
    def described(value):
        return "<" + name(value) + ">"


    class Holder:
        @staticmethod
        @lru_cache(maxsize=8)
        def described(value):
            return name(value, upper=False)
    ''')


def _import_as_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # the probe finds the mutated modules among the imported ones
    spec.loader.exec_module(mod)
    return mod


def test_caches_are_emptied_before_each_test_and_each_call_s_arguments_digested(
        tmp_path: Path) -> None:
    path = _write(tmp_path, TRAMPOLINED)
    out = tmp_path / "mutants" / ml.LINES_FILE
    rec = ml.LineRecorder(tmp_path / "mutants", out, full=True)
    name = "mutlines_trampolined_mod"
    rec.start()
    try:
        mod = _import_as_module(path, name)
        for test, value in (("t.py::p[a1]", "a"), ("t.py::p[a2]", "a"), ("t.py::p[b]", "b"),
                            ("t.py::p[a3]", "a")):
            rec.pytest_runtest_logstart(test, None)
            assert mod.described(value) == f"<{value.upper()}>"
            if test == "t.py::p[a3]":  # one call more, through the other cache
                assert mod.Holder.described(value) == value
    finally:
        rec.finish()
        sys.modules.pop(name, None)
    m = ml.LineMap.load(out)
    body = TRAMPOLINED.splitlines().index("    text = str(value)") + 1
    # Without the caches emptied, p[a2] and p[a3] would have found "a" described by p[a1]
    # and never run the orig's body: its mutants would never choose them.
    assert {m.tests[i] for i in m.files["pkg/mod.py"].lines[body]} == {
        "t.py::p[a1]", "t.py::p[a2]", "t.py::p[b]", "t.py::p[a3]"}
    digests = {m.tests[i]: d for i, d in m.calls["pkg/mod.py"]["x_name"].items()}
    assert digests["t.py::p[a1]"] == digests["t.py::p[a2]"]
    assert len({digests["t.py::p[a1]"], digests["t.py::p[b]"], digests["t.py::p[a3]"]}) == 3
    cases = ["t.py::p[a1]", "t.py::p[a2]", "t.py::p[b]", "t.py::p[a3]"]
    assert m.one_case_per_lines(path, cases, "x_name__mutmut_1") == [
        "t.py::p[a1]", "t.py::p[b]", "t.py::p[a3]"]


class _Opaque:
    __slots__ = ()


def _call_digest(*args: Any, **kwargs: Any) -> bytes:
    feed = ml._Feed({})
    feed.add(args)
    feed.add(kwargs)
    return bytes(feed.h.digest())


def test_a_call_digest_is_of_values_and_refuses_what_is_no_value(tmp_path: Path) -> None:
    import datetime as dt
    import enum
    import threading
    from dataclasses import dataclass as dc

    class Kind(enum.Enum):
        A = "a"
        B = "b"

    @dc
    class Point:
        x: int
        tags: list[str]

    from asn1crypto import x509

    def name(cn: str) -> Any:  # as read from a certificate: parsed from its DER
        return x509.Name.load(x509.Name.build({"common_name": cn}).dump())

    read = name("Seal")
    assert read.human_friendly  # read through: the same value
    changed = name("Seal")
    changed.chosen[0][0]["value"] = x509.DirectoryString(name="utf8_string", value="Other")
    built = x509.Name.build({"common_name": "Seal"})  # not encoded yet
    big = b"x" * 10_000
    same = [
        ((b"AUX",), (b"AUX",)),
        (({"a": 1, "b": [1, 2]},), ({"b": [1, 2], "a": 1},)),  # a dict's order is no value
        (({3, 1, 2},), ({2, 3, 1},)),
        ((Kind.A, dt.datetime(2026, 1, 2, tzinfo=dt.UTC)),
         (Kind.A, dt.datetime(2026, 1, 2, tzinfo=dt.UTC))),
        ((Point(1, ["a"]),), (Point(1, ["a"]),)),
        ((big,), (bytes(bytearray(big)),)),  # another object, the same bytes
        ((name("Seal"),), (read,)),
    ]
    for one, two in same:
        assert _call_digest(*one) == _call_digest(*two), one
    other = [
        ((b"AUX",), (b"CON",)), ((b"1",), ("1",)), ((1,), (True,)), ((1,), (1.0,)),
        (("a\nb",), ("ab",)), ((Kind.A,), (Kind.B,)), ((Point(1, ["a"]),), (Point(1, ["b"]),)),
        (([1, 2],), ((1, 2),)), ((big,), (big[:-1] + b"y",)),
        ((name("Seal"),), (name("Other"),)),
    ]
    for one, two in other:
        assert _call_digest(*one) != _call_digest(*two), (one, two)
    assert _call_digest(x=1) != _call_digest(1)
    cycle: list[Any] = []
    cycle.append(cycle)
    with open(tmp_path / "f", "w", encoding="utf-8") as handle:
        for value in (threading.Lock(), handle, lambda: 1, _Opaque(), cycle, object(), built,
                      changed, bytearray(big), memoryview(big)):
            with pytest.raises(ml.Unstable):
                _call_digest(value)


def test_tests_that_start_a_python_process_are_recorded(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())

    def starts(rec: Any) -> None:
        rec.pytest_runtest_logstart("t_python", None)
        subprocess.run([sys.executable, "-I", "-c", "pass"], check=True)
        rec.pytest_runtest_logstart("t_true", None)
        subprocess.run(["true"], check=True)
        # a Python that ran with coverage and wrote its (empty) data: no starter
        rec.pytest_runtest_logstart("t_seen", None)
        subprocess.run([sys.executable, "-c", "pass"], check=True)

    m = _record(tmp_path, path, starts)
    assert m.spawners == {"t_python"}


def _in_child(args: str) -> list[str]:
    """A Python program that imports the fake module from the mutated tree and calls the
    orig with ``args``."""
    return [sys.executable, "-c", f"import pkg.mod as m; m.x_f__mutmut_orig({args})"]


def test_the_lines_a_started_python_process_ran_are_the_tests_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The processes a test starts record their coverage under that test: a test all of
    whose processes wrote it is chosen by those lines (no process starter any more); one
    with a process that wrote none (killed, ``os._exit``, a grandchild ended so, a Python
    started without its site) stays a starter, chosen for every mutant of its function."""
    path = _write(tmp_path, _source())
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "mutants" / "src"))
    py = sys.executable

    def starts(rec: Any) -> None:
        for test, cmd in (
                ("t_child_pos", _in_child("5")),
                ("t_child_neg", _in_child("-4")),
                ("t_killed", [py, "-c", "import os, pkg.mod as m; m.x_f__mutmut_orig(5); "
                              "os.kill(os.getpid(), 9)"]),
                ("t_exit", [py, "-c", "import os, pkg.mod as m; m.x_f__mutmut_orig(5); "
                            "os._exit(0)"]),
                ("t_grandchild_exit", [py, "-c", "import subprocess, sys; subprocess.run("
                                       "[sys.executable, '-c', 'import os, pkg.mod as m; "
                                       "m.x_f__mutmut_orig(5); os._exit(0)'])"]),
                ("t_isolated", [py, "-I", "-c", "pass"])):
            rec.pytest_runtest_logstart(test, None)
            subprocess.run(cmd, check=False, env=dict(os.environ))
            rec.pytest_runtest_logfinish(test, None)

    m = _record(tmp_path, path, starts)
    assert m.spawners == {"t_killed", "t_exit", "t_grandchild_exit", "t_isolated"}
    tests = ["t_child_pos", "t_child_neg", "t_killed", "t_exit", "t_grandchild_exit",
             "t_isolated"]
    # the then branch: the in-process test and the child that took it, and the starters
    assert m.tests_for(path, "x_f__mutmut_2", [*INPUTS, *tests]) == (
        ["t_pos", "t_pos_b", "t_child_pos", "t_killed", "t_exit", "t_grandchild_exit",
         "t_isolated"], "")
    assert m.tests_for(path, "x_f__mutmut_3", ["t_child_pos", "t_child_neg"]) == (
        ["t_child_neg"], "")
    # nothing of the recording is left for the programs the tests start afterwards
    assert "COVERAGE_PROCESS_CONFIG" not in os.environ
    assert os.environ["PYTHONPATH"] == str(tmp_path / "mutants" / "src")
    assert not (tmp_path / "mutants" / (ml.LINES_FILE + ".sub")).exists()


def test_a_spawned_checking_pool_is_seen_and_a_shared_one_keeps_its_users(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``spawn`` process pool of the test's own (the ZFO checking process) is resolved by
    its lines; a pool a module fixture started records what later tests hand it under the
    first one, so every test using it stays a starter."""
    _write(tmp_path, _source())
    (tmp_path / "mutants" / "src" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    # A spawned process takes the parent's sys.path (as the stats run's has the tree's).
    monkeypatch.syspath_prepend(str(tmp_path / "mutants" / "src"))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "mutants" / "src"))
    (tmp_path / "test_pools.py").write_text(textwrap.dedent('''
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        import pytest

        def _call(a):
            import pkg.mod
            return pkg.mod.x_f__mutmut_orig(a)

        def _pool():
            return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

        @pytest.fixture(scope="module")
        def shared():
            with _pool() as pool:
                pool.submit(_call, 1).result()
                yield pool

        def test_own_pool():
            with _pool() as pool:
                assert pool.submit(_call, -4).result() == 111

        def test_shared_first(shared):
            assert shared.submit(_call, 5).result() == 109

        def test_shared_second(shared):
            assert shared.submit(_call, -4).result() == 111
    '''), encoding="utf-8")
    out = tmp_path / "lines.json"
    rec = ml.LineRecorder(tmp_path / "mutants", out, full=True)
    rec.start()
    code = 1
    try:
        code = pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                            str(tmp_path / "test_pools.py")], plugins=[rec])
    finally:
        rec.finish(save=code == 0)
    assert code == 0
    m = ml.LineMap.load(out)
    assert {t.rsplit("::", 1)[-1] for t in m.spawners} == {"test_shared_first",
                                                           "test_shared_second"}
    # the else branch ran in test_own_pool's process, and in the shared one, where it
    # is recorded under the test that started it (what test_shared_second handed it)
    lines = m.files["pkg/mod.py"].lines
    assert {m.tests[i].rsplit("::", 1)[-1] for i in lines[5]} == {"test_own_pool",
                                                                  "test_shared_first"}
    assert {m.tests[i].rsplit("::", 1)[-1] for i in lines[3]} == {"test_shared_first"}


def test_lines_run_before_any_test_count_as_outside(tmp_path: Path) -> None:
    path = _write(tmp_path, _source() + "\nx_f__mutmut_orig(3)\n")
    m = _record(tmp_path, path)
    entry = m.files["pkg/mod.py"]
    assert 3 in entry.outside and 5 not in entry.outside
    assert m.tests_for(path, "x_f__mutmut_2", list(INPUTS))[1] == "executed outside a test"


@pytest.mark.parametrize(("program", "python"), [
    (sys.executable, True), ("python3", True), ("true", False), ("/nonexistent/x", False)])
def test_is_python(program: str, python: bool) -> None:
    assert ml._is_python(program) is python


def test_a_failed_stats_run_leaves_no_line_data(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    out = tmp_path / "mutants" / ml.LINES_FILE
    _record(tmp_path, path)
    assert out.exists()
    rec = ml.LineRecorder(tmp_path / "mutants", out, full=True)
    rec.start()
    rec.pytest_runtest_logstart("t_pos", None)
    rec.finish(save=False)
    # mutmut keeps its older stats after a failed run; older line data must not stay
    # beside them (they may not match), nor an empty file (every mutant would run nothing)
    assert not out.exists()


def test_the_selection_splits_into_whole_files_of_about_equal_size(tmp_path: Path) -> None:
    (tmp_path / "tests" / "a").mkdir(parents=True)
    sizes = {"tests/a/test_big.py": 900, "tests/a/test_mid.py": 500, "tests/a/test_small.py": 300,
             "tests/a/helper.py": 5000, "tests/one_test.py": 100, "tests/test_alone.py": 200}
    for name, size in sizes.items():
        (tmp_path / name).write_text("#" * size, encoding="utf-8")
    parts = ml.split_selection(["tests/a", "tests/test_alone.py", "tests/one_test.py"],
                               tmp_path, 2)
    assert sorted(f for p in parts for f in p) == sorted(n for n in sizes if "helper" not in n)
    assert [sum(sizes[f] for f in p) for p in parts] == [1000, 1000]
    assert ml.split_selection(["tests/test_alone.py"], tmp_path, 2) == [["tests/test_alone.py"]]


def test_maps_of_two_processes_combine_into_the_map_of_one(tmp_path: Path) -> None:
    path = _write(tmp_path, _source())
    sha = ml.digest(path.read_bytes())
    one = ml.LineMap()
    one.merge({"pkg/mod.py": {3: {"t_pos"}, 2: {"t_pos", "t_neg"}}}, {}, {"pkg/mod.py": sha},
              {"t_neg"}, True, {"t_pos", "t_neg"})
    a, b = ml.LineMap(), ml.LineMap()
    a.merge({"pkg/mod.py": {3: {"t_pos"}, 2: {"t_pos"}}}, {}, {"pkg/mod.py": sha}, set(), True,
            {"t_pos"})
    b.merge({"pkg/mod.py": {2: {"t_neg"}}}, {}, {"pkg/mod.py": sha}, {"t_neg"}, True,
            {"t_neg"})
    a.combine(b)
    for name in MUTANTS:
        assert a.tests_for(path, name, ALL) == one.tests_for(path, name, ALL), name
    assert a.files["pkg/mod.py"].complete
    # a file one process saw at another digest (rewritten in between) is not complete
    c = ml.LineMap()
    c.merge({}, {}, {"pkg/mod.py": "0" * 64}, set(), True, set())
    a.combine(c)
    assert not a.files["pkg/mod.py"].complete


# -- the hook in scripts/mutants_resident.py -----------------------------------------------

def _resident() -> ModuleType:
    name = "mutants_resident_script"
    if name in sys.modules:
        return sys.modules[name]
    pytest.importorskip("mutmut")
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" /
                                                  "mutants_resident.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


class _Data:
    """mutmut's SourceFileMutationData, as far as the runner uses it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.meta_path = "x.meta"
        self.estimated_time_of_tests_by_mutant: dict[str, float] = {}
        self.exit_code_by_key: dict[str, int] = {}
        self.durations_by_key: dict[str, float] = {}

    def save(self) -> None:
        pass


def test_the_runner_runs_only_the_chosen_tests_and_a_mutant_no_test_sees_survives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mr = _resident()
    from mutmut.state import state

    path = _write(tmp_path, _source())
    monkeypatch.chdir(tmp_path)
    m = _map(path, {2: {"t_pos", "t_neg"}, 3: {"t_pos"}, 5: {"t_neg"}})
    monkeypatch.setattr(state(), "tests_by_mangled_function_name",
                        {"pkg.mod.x_f": {"t_pos", "t_neg", "t_zero"}})
    monkeypatch.setattr(state(), "duration_by_test", {"t_pos": 0.2, "t_neg": 0.1, "t_zero": 0.3})
    data = _Data("src/pkg/mod.py")
    mutants = [(data, f"pkg.mod.{n}", None) for n in
               ("x_f__mutmut_2", "x_f__mutmut_4", "x_f__mutmut_7")]
    jobs = {j.name: j for j in mr.jobs_for(mutants, False, m)}
    assert jobs["pkg.mod.x_f__mutmut_2"].tests == ["t_pos"]
    assert jobs["pkg.mod.x_f__mutmut_4"].tests == ["t_neg", "t_pos", "t_zero"]  # a default
    assert jobs["pkg.mod.x_f__mutmut_7"].tests == []  # the return: no test recorded there
    assert jobs["pkg.mod.x_f__mutmut_7"].reach == ["t_neg", "t_pos", "t_zero"]
    assert mr.jobs_for(mutants, False, None)[0].tests == ["t_neg", "t_pos", "t_zero"]
    # `one_case`: of the parametrised cases, one per set of lines run in the file; where
    # the line data cannot decide (a default), every case. Without it every case that ran
    # the statement.
    m = _cases_map(path)
    monkeypatch.setattr(state(), "tests_by_mangled_function_name", {"pkg.mod.x_f": set(CASES)})
    monkeypatch.setattr(state(), "duration_by_test", {t: 0.1 * i for i, t in enumerate(CASES)})
    cases = {j.name: j for j in mr.jobs_for(mutants, False, m, one_case=True)}
    assert cases["pkg.mod.x_f__mutmut_2"].tests == ["t.py::p[a]", "t.py::q[a]", "t.py::r",
                                                    "t.py::p[e]", "t.py::p[f]"]
    assert cases["pkg.mod.x_f__mutmut_4"].tests == CASES
    cases = {j.name: j for j in mr.jobs_for(mutants, False, m)}
    assert cases["pkg.mod.x_f__mutmut_2"].tests == ["t.py::p[a]", "t.py::p[b]", "t.py::q[a]",
                                                    "t.py::r", "t.py::p[e]", "t.py::p[f]"]
    # No test executed the statement but tests reach the function: each would pass, so
    # the mutant survived; it is not "no tests" (no test reaches the function).
    runner = mr.Resident([jobs["pkg.mod.x_f__mutmut_7"]], 1, 60.0, [])
    runner._run_jobs([jobs["pkg.mod.x_f__mutmut_7"]], {"t_pos": object()}, 1.0, 1.0)
    assert data.exit_code_by_key["pkg.mod.x_f__mutmut_7"] == mr.SURVIVED
    runner._run_jobs([jobs["pkg.mod.x_f__mutmut_7"]], {}, 1.0, 1.0)
    assert data.exit_code_by_key["pkg.mod.x_f__mutmut_7"] == mr.NO_TESTS


def test_tests_handing_work_to_a_process_a_fixture_started_are_process_starters(
        tmp_path: Path) -> None:
    """The ZFO checking pool of tests/unit/sync/test_ingest_pipeline.py is a module
    fixture: only the first test's set-up starts it, every test using it runs code there."""
    (tmp_path / "test_pool.py").write_text(textwrap.dedent('''
        import subprocess, sys
        import pytest

        @pytest.fixture(scope="module")
        def worker():
            p = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                                 stdin=subprocess.PIPE)
            yield p
            p.stdin.close()
            p.wait()

        def test_first(worker):
            pass

        def test_second(worker):
            pass

        def test_alone():
            pass
    '''), encoding="utf-8")
    (tmp_path / "mutants" / "src").mkdir(parents=True)
    out = tmp_path / "lines.json"
    rec = ml.LineRecorder(tmp_path / "mutants", out, full=True)
    rec.start()
    code = 1
    try:
        code = pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                            str(tmp_path / "test_pool.py")], plugins=[rec])
    finally:
        rec.finish(save=code == 0)
    assert code == 0
    spawners = {t.rsplit("::", 1)[-1] for t in ml.LineMap.load(out).spawners}
    assert spawners == {"test_first", "test_second"}


def test_a_warm_up_probe_runs_again_with_fresh_fixtures(tmp_path: Path) -> None:
    """The runner sets a probe up and tears it down outside pytest's run protocol, to make
    the session fixtures once. A child that runs the probe later must set its function
    fixtures up afresh: with the warm-up's values left on the item, the monkeypatch of the
    test below was already undone and the test failed with no mutant active."""
    res = _resident()
    (tmp_path / "flag.py").write_text("ON = False\n", encoding="utf-8")
    (tmp_path / "test_probe.py").write_text(textwrap.dedent('''
        import pytest
        import flag

        @pytest.fixture
        def switched(monkeypatch):
            monkeypatch.setattr(flag, "ON", True)
            return []

        def test_probe(switched):
            assert flag.ON and switched == []
    '''), encoding="utf-8")
    outcomes: dict[str, list[bool]] = {}

    class Warm:
        def __init__(self, forget: bool) -> None:
            self.forget = forget

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtestloop(self, session: Any) -> bool:
            from _pytest.runner import runtestprotocol

            (item,) = session.items
            session._setupstate.setup(item)  # the warm-up, as Resident._warm does it
            session._setupstate.teardown_exact(res._SessionOnly(session))
            if self.forget:
                res._forget_fixture_values(item)
            reports = runtestprotocol(item, log=False, nextitem=None)
            outcomes.setdefault(str(self.forget), []).append(all(r.passed for r in reports))
            return True

    sys.path.insert(0, str(tmp_path))
    try:
        for forget in (False, True):
            pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                         str(tmp_path / "test_probe.py")], plugins=[Warm(forget)])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("flag", None)
        sys.modules.pop("test_probe", None)
    # Without forgetting, the stale values make it fail (what the clean checks saw).
    assert outcomes == {"False": [False], "True": [True]}
