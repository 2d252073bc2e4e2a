"""Where a mutation run's CPU went, by test: `python scripts/mutants_cost.py [TRACE]`.

Reads the trace of the resident runner (`build/mutants/trace.jsonl`: per mutant's child, the
tests it ran with their CPU and set-up/call/tear-down wall times) and prints, for the
survivors and for the killed mutants apart, the children's CPU, the share of it in property
tests (hypothesis's ``@given``, found in the test files) and in set-up, and the tests that
cost the survivors most, summed over every survivor that ran them. A survivor runs every
test that executed its statement, so these sums say which tests a cheaper version of would
shorten the run most (docs/testing.md, branch `mutspeed3`). The children's CPU is not the
run's cost (session 14: a third of the machine's time in the store's group): the tests' wall
beside their CPU, and the runner's per-group account of the machine (`resident.json`'s
"machine") when it lies beside the trace, say where the rest went.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def property_tests(tests_dir: Path) -> set[str]:
    """Node ids (without parameters) of the test functions decorated with ``@given``."""
    found: set[str] = set()
    for path in sorted(tests_dir.rglob("test_*.py")):
        rel = path.relative_to(tests_dir.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                call = deco.func if isinstance(deco, ast.Call) else deco
                name = call.attr if isinstance(call, ast.Attribute) else getattr(call, "id", "")
                if name == "given":
                    found.add(f"{rel}::{node.name}")
    return found


def test_of(node_id: str) -> str:
    """The test function a node id runs (its parameters dropped)."""
    return node_id.split("[", 1)[0]


@dataclass
class Part:
    """The children of one outcome (survived or killed)."""

    children: int = 0
    cpu: float = 0.0  # the children's own CPU (their processes' not counted)
    tests_cpu: float = 0.0
    property_cpu: float = 0.0
    runs: int = 0
    setup_wall: float = 0.0
    tests_wall: float = 0.0
    by_test: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0]))


def read(trace: Path, given: set[str]) -> dict[str, Part]:
    """The trace summed by outcome ("survived", "killed") and, within it, by test."""
    parts = {"survived": Part(), "killed": Part()}
    for line in trace.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["mutant"] == "fail":  # mutmut's forced-fail check, no mutant
            continue
        part = parts["killed" if row["failed"] else "survived"]
        part.children += 1
        part.cpu += row["cpu"]
        # (node id, CPU, then the wall time of each phase run: set-up, call, tear-down; a
        # test skipped in its set-up has no call)
        for node_id, cpu, *phases in row["ran"]:
            name = test_of(node_id)
            part.runs += 1
            part.tests_cpu += cpu
            part.setup_wall += phases[0] if phases else 0.0
            part.tests_wall += sum(phases)
            if name in given:
                part.property_cpu += cpu
            entry = part.by_test[name]
            entry[0] += cpu
            entry[1] += 1
    return parts


def report(parts: dict[str, Part], given: set[str], top: int = 25) -> str:
    def pct(a: float, b: float) -> str:
        return f"{100 * a / b:.0f} %" if b else "-"

    out = []
    for label, p in parts.items():
        out.append(f"{label}: {p.children} children, {p.cpu:.1f} CPU s in the children, "
                   f"{p.runs} test runs; property tests {p.property_cpu:.1f} CPU s "
                   f"({pct(p.property_cpu, p.tests_cpu)} of the tests'); set-up "
                   f"{pct(p.setup_wall, p.tests_wall)} of the tests' wall time; the tests' "
                   f"wall {p.tests_wall:.0f} s, {p.tests_wall - p.tests_cpu:.0f} s more than "
                   "their CPU (waiting: on the PostgreSQL server, a program they started, a "
                   "sleep)")
    surv = parts["survived"]
    out.append(f"\nthe tests that cost the survivors most (of {surv.tests_cpu:.1f} CPU s; "
               "P: a property test):")
    total = 0.0
    for name, (cpu, runs) in sorted(surv.by_test.items(), key=lambda kv: -kv[1][0])[:top]:
        total += cpu
        out.append(f"{cpu:7.1f} s {pct(cpu, surv.tests_cpu):>5} (with those above "
                   f"{pct(total, surv.tests_cpu):>5})  {int(runs):4d} runs, "
                   f"{cpu / runs:.3f} s a run  {'P' if name in given else ' '} {name}")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    trace = Path(argv[0]) if argv else ROOT / "build" / "mutants" / "trace.jsonl"
    given = property_tests(ROOT / "tests")
    print(report(read(trace, given), given))
    # The children's CPU is not the run's cost: the runner's report says, per group, where
    # the machine's core-seconds went (the server, the runner, idle; `machine_sample`).
    resident = trace.with_name("resident.json")
    if resident.exists():
        machine = json.loads(resident.read_text(encoding="utf-8")).get("machine", {})
        if machine:
            print("\nwhere the machine's time went, by group:")
            for group, line in machine.items():
                print(f"  {group}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
