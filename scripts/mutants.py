"""`make mutants`: mutation testing of the evidence-critical code with mutmut 3.

Which files are copied and which tests run is configured in ``[tool.mutmut]`` of
pyproject.toml; this script chooses which functions are mutated (``SCOPE``), runs mutmut
and writes a summary per module (kill rate, survivors) to ``build/mutants/``.

mutmut runs the whole test selection once with tracing, then for each mutant only the tests
that reached the mutated function, in forked workers (``--max-children``).

Usage: python scripts/mutants.py [--max-children N] [--keep] [GLOB ...]
  GLOB: mutant names to run instead of SCOPE (e.g. 'dso_desktop.update.client.*').
  --keep: reuse the results in mutants/ (by default the run starts from scratch, so that a
  result is never an old one for code that has changed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "mutants"

# What is mutated: zfo/, sync/, update/ whole (but the test PKI builders and the ZFO producer
# of the simulator, excluded in pyproject.toml), the evidence rule and the fast write path
# whole, and of `MessageRepo` the methods that write evidence and state. The rest of
# store/messages.py (search, lists, filters, the detail view) is not evidence-critical.
_REPO = "dso_desktop.store.messages.xǁMessageRepoǁ"
SCOPE = [
    "dso_desktop.zfo.*",
    "dso_desktop.sync.*",
    "dso_desktop.update.*",
    "dso_desktop.store.evidence.*",
    "dso_desktop.store.fastwrite.*",
    "dso_desktop.store.messages.x__envelope_columns__mutmut_*",
    *(f"{_REPO}{name}__mutmut_*" for name in (
        "upsert_envelope", "update_state", "set_status", "attach_zfo", "current_evidence",
        "place_zfo", "keep_copy", "quarantine", "_apply_verdict", "set_verdict",
        "add_events", "current_delivery_info", "store_delivery_info",
        "place_delivery_info", "pending", "pending_ids", "missing_delivery_infos")),
]

# How a module is reported: store/messages.py's functions, the rest by file.
KILLED = {"killed", "caught by type check"}


def _module(mutant: str) -> str:
    return mutant.split(".x_")[0].split(".xǁ")[0]


def _statuses() -> dict[str, str]:
    """Mutant name -> mutmut's status, read from mutmut's own result files."""
    from mutmut.stats import status_by_exit_code

    out: dict[str, str] = {}
    for meta in (ROOT / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            out[name] = status_by_exit_code[code]
    return out


def _in_scope(name: str, globs: list[str]) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(name, g) for g in globs)


def _show(name: str) -> str:
    r = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT,
                       capture_output=True, text=True, check=False)
    return r.stdout.strip()


def summarise(globs: list[str], seconds: float, load: tuple[float, ...], children: int
              ) -> dict[str, object]:
    statuses = {k: v for k, v in _statuses().items() if _in_scope(k, globs)}
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in statuses.items():
        per[_module(name)][status] += 1
    modules = {}
    for module, counts in sorted(per.items()):
        total = sum(counts.values())
        killed = sum(n for s, n in counts.items() if s in KILLED)
        modules[module] = {"total": total, "killed": killed,
                           "kill_rate": round(killed / total, 4) if total else None,
                           "by_status": dict(sorted(counts.items()))}
    total = sum(m["total"] for m in modules.values())  # type: ignore[misc]
    killed = sum(m["killed"] for m in modules.values())  # type: ignore[misc]
    survivors = sorted(k for k, v in statuses.items() if v not in KILLED)
    return {
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds), "max_children": children, "cpus": os.cpu_count(),
        "load_before": load, "load_after": os.getloadavg(),
        "total": total, "killed": killed,
        "kill_rate": round(killed / total, 4) if total else None,
        "modules": modules, "survivors": survivors,
    }


def write_summary(summary: dict[str, object]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    lines = [
        f"# Mutation run {summary['finished']}",
        "",
        f"{summary['killed']} of {summary['total']} mutants killed "
        f"({100 * float(summary['kill_rate'] or 0):.1f} %) in {summary['seconds']} s "
        f"with {summary['max_children']} workers on {summary['cpus']} CPUs; load average "
        f"before {summary['load_before']}, after {summary['load_after']}.",
        "",
        "| module | mutants | killed | kill rate | not killed |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for module, m in summary["modules"].items():  # type: ignore[attr-defined]
        rest = ", ".join(f"{s}: {n}" for s, n in m["by_status"].items() if s not in KILLED)
        rate = f"{100 * m['kill_rate']:.1f} %" if m["kill_rate"] is not None else "-"
        lines.append(f"| {module} | {m['total']} | {m['killed']} | {rate} | {rest} |")
    lines += ["", "## Survivors", ""]
    for name in summary["survivors"]:  # type: ignore[attr-defined]
        lines += [f"### {name}", "", "```diff", _show(name), "```", ""]
    (OUT / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", action="store_true", help="reuse earlier results in mutants/")
    ap.add_argument("--summary-only", action="store_true",
                    help="only write the summary of the results in mutants/")
    ap.add_argument("globs", nargs="*", help="mutant names to run instead of the scope")
    args = ap.parse_args(argv)
    globs = args.globs or SCOPE
    os.chdir(ROOT)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # mutmut runs the tests inside mutants/: the conformance tests find ../shared by name.
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        os.environ.setdefault("DSO_SHARED_DIR", str(shared))
    # Programs the tests start (the checking process, `dso` in a subprocess) import the
    # mutated copy too, never an installed one.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "mutants" / "src")]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    load = os.getloadavg()
    start = time.monotonic()
    if not args.summary_only:
        if not args.keep:
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        r = subprocess.run([sys.executable, "-m", "mutmut", "run",
                            "--max-children", str(args.max_children), *globs], check=False)
        if r.returncode != 0:
            print(f"mutmut run failed with exit code {r.returncode}", file=sys.stderr)
            return 1
    summary = summarise(globs, time.monotonic() - start, load, args.max_children)
    write_summary(summary)
    print(f"\n{summary['killed']}/{summary['total']} killed "
          f"({100 * float(summary['kill_rate'] or 0):.1f} %); summary in "
          f"{(OUT / 'summary.md').relative_to(ROOT)}")
    for module, m in summary["modules"].items():  # type: ignore[attr-defined]
        print(f"  {module}: {m['killed']}/{m['total']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
