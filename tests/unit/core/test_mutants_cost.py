"""scripts/mutants_cost.py: a mutation run's CPU summed by test over the survivors (branch
``mutspeed3``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _cost() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutants_cost_script",
                                                  ROOT / "scripts" / "mutants_cost.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_survivors_cost_is_summed_by_test_and_property_tests_are_told_apart(
        tmp_path: Path) -> None:
    mc = _cost()
    tests = tmp_path / "tests" / "unit"
    tests.mkdir(parents=True)
    (tests / "test_a.py").write_text(
        "from hypothesis import given, strategies as st\n"
        "import hypothesis\n\n"
        "@given(st.integers())\ndef test_prop(n):\n    pass\n\n"
        "@hypothesis.given(st.integers())\ndef test_prop2(n):\n    pass\n\n"
        "def test_plain():\n    pass\n", encoding="utf-8")
    given = mc.property_tests(tmp_path / "tests")
    assert given == {"tests/unit/test_a.py::test_prop", "tests/unit/test_a.py::test_prop2"}
    a = "tests/unit/test_a.py::"
    rows = [
        {"mutant": "fail", "failed": ["x"], "cpu": 9.0, "ran": [["x", 9.0, 0.1, 0.1, 0.1]]},
        {"mutant": "m1", "failed": [], "cpu": 1.5,
         "ran": [[a + "test_prop", 1.0, 0.2, 0.7, 0.1], [a + "test_plain[1]", 0.25, 0.1, 0.1, 0.0],
                 [a + "test_plain[2]", 0.25, 0.0, 0.0]]},  # skipped: no call phase
        {"mutant": "m2", "failed": [], "cpu": 0.5,
         "ran": [[a + "test_plain[1]", 0.5, 0.5, 0.5, 0.0]]},
        {"mutant": "m3", "failed": [a + "test_plain[1]"], "cpu": 0.1,
         "ran": [[a + "test_plain[1]", 0.1, 0.0, 0.1, 0.0]]},
    ]
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    parts = mc.read(trace, given)
    surv, killed = parts["survived"], parts["killed"]
    assert (surv.children, surv.cpu, surv.runs) == (2, 2.0, 4)
    assert surv.property_cpu == 1.0 and surv.tests_cpu == 2.0
    assert surv.setup_wall == 0.8 and round(surv.tests_wall, 6) == 2.2
    assert dict(surv.by_test) == {a + "test_prop": [1.0, 1], a + "test_plain": [1.0, 3]}
    assert (killed.children, killed.cpu, killed.runs) == (1, 0.1, 1)
    text = mc.report(parts, given)
    assert "survived: 2 children, 2.0 CPU s" in text
    assert f"P {a}test_prop" in text and f"  {a}test_plain" in text
    assert "the tests' wall 2 s, 0 s more than their CPU" in text


def test_the_runners_account_of_the_machine_is_printed_beside_the_trace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mc = _cost()
    trace = tmp_path / "trace.jsonl"
    trace.write_text(json.dumps({"mutant": "m1", "failed": [], "cpu": 1.0,
                                 "ran": [["t::x", 1.0, 2.0, 3.0, 0.5]]}) + "\n",
                     encoding="utf-8")
    line = ("machine 120 core-s in 60 s: busy 111 (mutant children 40, PostgreSQL 36, "
            "runner 5, other 30), idle 9")
    (tmp_path / "resident.json").write_text(json.dumps({"machine": {"store-evidence": line}}),
                                            encoding="utf-8")
    assert mc.main([str(trace)]) == 0
    out = capsys.readouterr().out
    assert "the tests' wall 6 s, 4 s more than their CPU" in out
    assert f"  store-evidence: {line}" in out
