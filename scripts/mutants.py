"""`make mutants`: mutation testing of the evidence-critical code with mutmut 3.

Which files are copied and which tests run is configured in ``[tool.mutmut]`` of
pyproject.toml; this script chooses which functions are mutated (``SCOPE``), runs mutmut
and writes a summary per module (kill rate, survivors) to ``build/mutants/``.

mutmut runs the whole test selection once with tracing, then for each mutant only the tests
that reached the mutated function, in forked workers (``--max-children``); of those, only
the tests that executed the mutated statement (per-test line coverage recorded in the same
run, ``scripts/mutants_lines.py``; ``--no-lines``: all of them).

Usage: python scripts/mutants.py [--max-children N] [--keep] [--sample N] [GLOB ...]
  GLOB: mutant names to run instead of SCOPE (e.g. 'dso_desktop.update.client.*').
  --keep: reuse the results in mutants/ (by default the run starts from scratch, so that a
  result is never an old one for code that has changed).
  --sample N: run N mutants of each group, drawn at random (``--seed``), instead of all:
  the whole scope takes hours on a shared 2-CPU machine, a sample gives a kill rate with a
  known margin in minutes (the summary states the 95 % interval).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "mutants"

# What is mutated, in groups run one after another in this order (most evidence-critical
# first): zfo/, sync/, update/ whole (but the test PKI builders and the simulator's ZFO
# producer, excluded in pyproject.toml), the evidence rule and the fast write path whole,
# and of `MessageRepo` the methods that write evidence and state. The rest of
# store/messages.py (search, lists, filters, the detail view) is not evidence-critical.
_REPO = "dso_desktop.store.messages.xǁMessageRepoǁ"
GROUPS: dict[str, list[str]] = {
    "store-evidence": [
        "dso_desktop.store.evidence.*",
        "dso_desktop.store.writer.*",
        "dso_desktop.store.fastwrite.*",
        "dso_desktop.store.messages.x__envelope_columns__mutmut_*",
        *(f"{_REPO}{name}__mutmut_*" for name in (
            "upsert_envelope", "update_state", "set_status", "attach_zfo", "current_evidence",
            "place_zfo", "keep_copy", "quarantine", "_apply_verdict", "set_verdict",
            "add_events", "current_delivery_info", "store_delivery_info",
            "place_delivery_info", "pending", "pending_ids", "missing_delivery_infos")),
    ],
    "update-verification": ["dso_desktop.update.client.*", "dso_desktop.update.service.*",
                            "dso_desktop.update.release.*", "dso_desktop.update.files.*",
                            "dso_desktop.update.smallupdate.*"],
    "zfo-verify": ["dso_desktop.zfo.verify.*", "dso_desktop.zfo.cmscheck.*",
                   "dso_desktop.zfo.horizon.*"],
    "sync-ingest": ["dso_desktop.sync.ingest.*"],
    "zfo-trust": ["dso_desktop.zfo.trust.*", "dso_desktop.zfo.revocation.*",
                  "dso_desktop.zfo.certcache.*", "dso_desktop.zfo.archivets.*"],
    "zfo-parse": ["dso_desktop.zfo.parse.*", "dso_desktop.zfo.der.*",
                  "dso_desktop.zfo.fastcms.*"],
    "sync-engine": ["dso_desktop.sync.engine.*", "dso_desktop.sync.pipeline.*",
                    "dso_desktop.sync.lock.*",
                    "dso_desktop.sync.events.*"],
    "update-install": ["dso_desktop.update.archive.*", "dso_desktop.update.layout.*",
                       "dso_desktop.update.selfcheck.*", "dso_desktop.update.transport.*",
                       "dso_desktop.update.errors.*"],
    "zfo-content": ["dso_desktop.zfo.xmlcontent.*", "dso_desktop.zfo.extract.*",
                    "dso_desktop.zfo.errors.*", "dso_desktop.zfo.model.*",
                    "dso_desktop.zfo.x_*"],
}
SCOPE = [g for globs in GROUPS.values() for g in globs]

# How a module is reported: store/messages.py's functions, the rest by file.
# A timeout is a mutant that made the tests hang (an endless loop): the tests noticed it.
KILLED = {"killed", "caught by type check", "timeout"}
NOT_RUN = "not checked"
TYPE_CAUGHT = "caught by type check"
# mutmut's status of exit code 34: a survivor explained in docs/mutants/ whose function is
# as the explanation was stamped for, not run (scripts/mutants_resident.py,
# `skip_explained`); a survivor in every rate.
EXPLAINED_NOT_RUN = "skipped"


def _module(mutant: str) -> str:
    return mutant.split(".x_")[0].split(".xǁ")[0]


def _statuses() -> dict[str, str]:
    """Mutant name -> mutmut's status, read from mutmut's own result files."""
    return {name: status for name, (status, _path) in _results().items()}


def _results() -> dict[str, tuple[str, str]]:
    """Mutant name -> (status, source path as mutmut names it)."""
    from mutmut.stats import status_by_exit_code

    out: dict[str, tuple[str, str]] = {}
    base = ROOT / "mutants"
    for meta in base.rglob("*.py.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        source = str(meta.relative_to(base))[: -len(".meta")]
        for name, code in data.get("exit_code_by_key", {}).items():
            out[name] = (status_by_exit_code[code], source)
    return out


def _in_scope(name: str, globs: list[str]) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(name, g) for g in globs)


@functools.cache
def _show(name: str, source: str) -> str:
    """The mutant's diff (as `mutmut show` prints it, without a process per mutant).
    Cached: the summary matches each survivor's diff against docs/mutants/ and then prints
    the unexplained ones, and the mutated files do not change while it is written."""
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        return get_diff_for_mutant(name, path=source)
    except Exception as exc:  # a mutmut internal: the summary must not fail for it
        return f"(no diff: {type(exc).__name__}: {exc})"


def wilson(killed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95 % (Wilson) interval of a kill rate measured on a random sample."""
    if total == 0:
        return (0.0, 1.0)
    p = killed / total
    den = 1 + z * z / total
    mid = p + z * z / (2 * total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (round((mid - half) / den, 4), round((mid + half) / den, 4))


def sample(globs: list[str], n: int, seed: int) -> list[str]:
    """``n`` mutant names of the group, drawn at random (reproducibly: sorted, then seeded)."""
    names = sorted(k for k in _statuses() if _in_scope(k, globs))
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    return sorted(rng.sample(names, min(n, len(names))))


def _generate(runs: dict[str, list[str]], args: argparse.Namespace) -> int:
    """Write the mutants and trace the tests without running any mutant, so that a sample
    can be drawn from their names on the first run: the resident runner's own preparation
    (`--prepare-only`), so the stats are traced once, with line coverage and in as many
    processes as a whole run uses (`mutmut run` traced them again without either)."""
    return _run_resident(runs, args, {}, prepare_only=True)


def summarise(globs: list[str], seconds: float, load: tuple[float, ...], children: int,
              groups: dict[str, str]) -> dict[str, object]:
    statuses = {k: v for k, v in _statuses().items() if _in_scope(k, globs)}
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in statuses.items():
        per[_module(name)][status] += 1
    modules = {}
    for module, counts in sorted(per.items()):
        total = sum(n for s, n in counts.items() if s != NOT_RUN)
        killed = sum(n for s, n in counts.items() if s in KILLED)
        modules[module] = {"total": total, "killed": killed, "not_run": counts[NOT_RUN],
                           "kill_rate": round(killed / total, 4) if total else None,
                           "by_status": dict(sorted(counts.items()))}
    total = sum(m["total"] for m in modules.values())  # type: ignore[misc]
    killed = sum(m["killed"] for m in modules.values())  # type: ignore[misc]
    survivors = sorted(k for k, v in statuses.items() if v not in KILLED and v != NOT_RUN)
    # The tests' own rate beside the whole one: mutants strict mypy refuses (make lint)
    # count as caught, but no test was asked about them (scripts/mutants_typecheck.py).
    typed = sum(1 for v in statuses.values() if v == TYPE_CAUGHT)
    # Survivors somebody has explained (docs/mutants/*.toml) apart from the new ones; an
    # equivalent mutant is no test's failure, so the rate over the rest is given too. Only
    # an explanation whose stamp holds counts (those to re-read do not).
    explained = _classify(survivors)
    equivalent = sum(1 for e in explained["classified"].values() if e["kind"] == "equivalent")
    return {
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds), "max_children": children, "cpus": os.cpu_count(),
        "load_before": load, "load_after": os.getloadavg(),
        "total": total, "killed": killed,
        "kill_rate": round(killed / total, 4) if total else None,
        "kill_rate_95": wilson(killed, total),
        "caught_by_type_check": typed,
        "kill_rate_by_tests": round((killed - typed) / (total - typed), 4)
        if total > typed else None,
        "groups": groups, "modules": modules, "survivors": survivors,
        "equivalent": equivalent,
        "kill_rate_without_equivalent": round(killed / (total - equivalent), 4)
        if total > equivalent else None,
        **explained,
    }


def _classify(survivors: list[str]) -> dict[str, Any]:
    """Survivors matched against docs/mutants/*.toml (scripts/mutants_classified.py):
    explained ones with their kind and reason (``not_run``: those of them the runner
    skipped, their function being as stamped; ``unstamped``: those whose entry has no
    stamp yet, which run every time), the ones whose entry is to be re-read (its function
    changed since it was stamped), the rest, and the entries that are stale (their
    function's mutants all have a result now, but none matched the entry)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from mutants_classified import Classifier, function_of, load, stamp_of, verdict

    classifier = Classifier(load())
    results = _results()
    classified: dict[str, dict[str, str]] = {}
    to_reread: dict[str, dict[str, str]] = {}
    not_run: list[str] = []
    unstamped: list[str] = []
    unclassified: list[str] = []
    stamps: dict[str, str | None] = {}
    for name in survivors:
        # A survivor mutmut has no result file for (a summary of given statuses) has no
        # diff to match: it stays unexplained.
        entry = (classifier.classify(name, _show(name, results[name][1]))
                 if name in results else None)
        if entry is None:
            unclassified.append(name)
            continue
        fn = function_of(name)
        if fn not in stamps:
            stamps[fn] = stamp_of(fn, ROOT)
        state = verdict(entry, stamps[fn])
        if state == "changed":
            to_reread[name] = {
                "kind": entry.kind, "why": entry.why, "entry": entry.source,
                "because": "the function changed since the explanation was stamped"}
            continue
        classified[name] = {"kind": entry.kind, "why": entry.why}
        if state == "not stamped":
            unstamped.append(name)
        elif results[name][0] == EXPLAINED_NOT_RUN:
            not_run.append(name)
    complete: dict[str, bool] = defaultdict(lambda: True)
    for name, (status, _source) in results.items():
        fn = function_of(name)
        complete[fn] = complete[fn] and status != NOT_RUN
    stale = [f"{e.source}: {e.function}" for e in classifier.unused(
        fn for fn, done in complete.items() if done)]
    return {"classified": classified, "not_run": not_run, "unstamped": unstamped,
            "to_reread": to_reread, "unclassified": unclassified, "stale": stale}


def write_summary(summary: dict[str, object]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    low, high = summary["kill_rate_95"]  # type: ignore[misc]
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    lines = [
        f"# Mutation run {summary['finished']}",
        "",
        f"{summary['killed']} of {summary['total']} mutants killed "
        f"({100 * float(summary['kill_rate'] or 0):.1f} %) in {summary['seconds']} s "
        f"with {summary['max_children']} workers on {summary['cpus']} CPUs; load average "
        f"before {summary['load_before']}, after {summary['load_after']}. If these mutants "
        f"are a random sample (--sample), the kill rate of the whole lies in "
        f"{100 * low:.0f}-{100 * high:.0f} % (95 %).",
        "",
        f"Of the killed, {summary['caught_by_type_check']} were caught by strict mypy with no "
        f"test run; the tests killed "
        f"{100 * float(summary['kill_rate_by_tests'] or 0):.1f} % of the rest.",
        "",
        "Groups: " + ", ".join(f"{g} ({s})" for g, s in summary["groups"].items()),  # type: ignore[attr-defined]
        "",
        "| module | mutants | killed | kill rate | not killed |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for module, m in summary["modules"].items():  # type: ignore[attr-defined]
        rest = ", ".join(f"{_said(s)}: {n}" for s, n in m["by_status"].items()
                         if s not in KILLED and n)
        rate = f"{100 * m['kill_rate']:.1f} %" if m["kill_rate"] is not None else "-"
        lines.append(f"| {module} | {m['total']} | {m['killed']} | {rate} | {rest} |")
    classified: dict[str, dict[str, str]] = summary["classified"]  # type: ignore[assignment]
    not_run = set(summary.get("not_run", ()))  # type: ignore[call-overload]
    unstamped = set(summary.get("unstamped", ()))  # type: ignore[call-overload]
    to_reread: dict[str, dict[str, str]] = summary.get("to_reread", {})  # type: ignore[assignment]
    unclassified: list[str] = summary["unclassified"]  # type: ignore[assignment]
    stale: list[str] = summary["stale"]  # type: ignore[assignment]
    lines += [
        "",
        f"Survivors: {len(unclassified)} not explained yet, {len(classified)} explained in "
        f"docs/mutants/ ({len(not_run)} of them not run: their function is as the "
        f"explanation was stamped for; {len(unstamped)} not stamped yet, run every time; "
        f"{summary['equivalent']} equivalent; without those the "
        f"kill rate is {100 * float(summary['kill_rate_without_equivalent'] or 0):.1f} %), "
        f"{len(to_reread)} explanations to re-read.",
        "", "## Survivors not explained yet", "",
    ]
    results = _results()
    for name in unclassified:
        status, source = results[name]
        lines += [f"### {name} ({_said(status)})", "", "```diff", _show(name, source), "```",
                  ""]
    if to_reread:
        lines += ["## Explanations to re-read (then `python scripts/mutants_classified.py "
                  "stamp NAME`, or a test, or the entry removed)", ""]
        for name, e in to_reread.items():
            status, source = results[name]
            lines += [f"### {name} ({_said(status)}): {e['because']}", "",
                      f"{e['entry']}: {e['kind']}, {e['why']}", "",
                      "```diff", _show(name, source), "```", ""]
    lines += ["## Survivors explained in docs/mutants/ (run)", ""]
    lines += [f"- {name}: {e['kind']}"
              + (" (not stamped: `mutants_classified.py stamp NAME` after re-reading it)"
                 if name in unstamped else "") + f", {e['why']}"
              for name, e in classified.items() if name not in not_run]
    lines += ["", "## Survivors explained in docs/mutants/, not run (the function is as "
              "stamped; `--rerun-explained` runs them)", ""]
    lines += [f"- {name}: {e['kind']}, {e['why']}" for name, e in classified.items()
              if name in not_run]
    if stale:
        lines += ["", "## Stale entries in docs/mutants/ (no survivor matched them)", ""]
        lines += [f"- {s}" for s in stale]
    (OUT / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _said(status: str) -> str:
    return "explained, not run" if status == EXPLAINED_NOT_RUN else status


def _group_done(globs: list[str]) -> bool:
    """Every mutant of the group has a result (for ``--keep``: mutmut resets the results
    of functions that changed since, so those groups run again)."""
    statuses = [v for k, v in _statuses().items() if _in_scope(k, globs)]
    return bool(statuses) and NOT_RUN not in statuses


def _run_classic(runs: dict[str, list[str]], args: argparse.Namespace, start: float,
                 done: dict[str, str]) -> int:
    """``mutmut run`` per group: a ``pytest.main`` per mutant (about 1 mutant a second)."""
    for name, group in runs.items():
        elapsed = (time.monotonic() - start) / 60
        if args.keep and _group_done(group):
            done[name] = "results kept"
            continue
        if elapsed >= args.budget:
            done[name] = f"not run: budget of {args.budget:g} min used"
            continue
        print(f"== {name} (after {elapsed:.1f} min)", flush=True)
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "mutmut", "run",
                            "--max-children", str(args.max_children), *group], check=False)
        if r.returncode != 0:
            print(f"mutmut run failed with exit code {r.returncode}", file=sys.stderr)
            return 1
        done[name] = f"{(time.monotonic() - t0) / 60:.1f} min"
    return 0


def _run_resident(runs: dict[str, list[str]], args: argparse.Namespace,
                  done: dict[str, str], prepare_only: bool = False) -> int:
    """All groups in one resident test session (scripts/mutants_resident.py): the tests are
    collected once and each mutant runs in a fork of that session. ``prepare_only``: only
    generate the mutants, trace the tests and run the type check."""
    OUT.mkdir(parents=True, exist_ok=True)
    spec = OUT / "groups.json"
    spec.write_text(json.dumps(list(runs.items()), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    report = OUT / "resident.json"
    report.unlink(missing_ok=True)
    cmd = [sys.executable, str(ROOT / "scripts" / "mutants_resident.py"), str(spec),
           "--max-children", str(args.max_children), "--budget", str(args.budget),
           "--report", str(report)]
    if prepare_only:
        cmd.append("--prepare-only")
    elif args.globs or args.sample or args.rerun:
        cmd.append("--rerun")  # named mutants run again, as `mutmut run NAME` does
    if args.no_order:
        cmd.append("--no-order")
    if args.no_typecheck:
        cmd.append("--no-typecheck")
    if args.one_case:
        cmd.append("--one-case")
    if args.no_lines:
        cmd.append("--no-lines")
    if args.rerun_explained:
        cmd.append("--rerun-explained")
    else:
        # A whole stats run (a fresh clone) in as many processes as mutant workers.
        cmd += ["--stats-processes", str(args.stats_processes or args.max_children)]
    # Per mutant, the tests its child ran with their CPU and set-up/call/tear-down times.
    trace = OUT / "trace.jsonl"
    trace.unlink(missing_ok=True)
    os.environ["DSO_MUTANTS_TRACE"] = str(trace)
    r = subprocess.run(cmd, check=False)
    if r.returncode != 0:
        print(f"the resident runner failed with exit code {r.returncode}", file=sys.stderr)
        return 1
    if report.exists():
        got = json.loads(report.read_text(encoding="utf-8"))
        machine = got.get("machine", {})
        # Each group's time, and where the machine's core-seconds went meanwhile.
        done.update({g: f"{t}; {machine[g]}" if g in machine else t
                     for g, t in got["groups"].items()})
    for name in runs:
        done.setdefault(name, "results kept")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", action="store_true",
                    help="reuse earlier results in mutants/ (groups already done are skipped)")
    ap.add_argument("--budget", type=float, default=30.0,
                    help="minutes after which no further group is started (default 30)")
    ap.add_argument("--group", action="append", choices=sorted(GROUPS),
                    help="run only these groups (repeatable)")
    ap.add_argument("--sample", type=int, metavar="N",
                    help="run N randomly drawn mutants of each group instead of all")
    ap.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    ap.add_argument("--summary-only", action="store_true",
                    help="only write the summary of the results in mutants/")
    ap.add_argument("--classic", action="store_true",
                    help="run each group with `mutmut run` (a pytest start per mutant) "
                    "instead of the resident runner")
    ap.add_argument("--rerun", action="store_true",
                    help="with --keep: run every mutant of the groups again (the generated "
                    "mutants and the test stats are reused)")
    ap.add_argument("--no-order", action="store_true",
                    help="run each mutant's tests fastest first (no learned kill order)")
    ap.add_argument("--no-typecheck", action="store_true",
                    help="test every mutant: no mutant is counted as caught by strict mypy")
    ap.add_argument("--no-lines", action="store_true",
                    help="run every test that reaches the mutated function, not only those "
                    "that executed the mutated statement (scripts/mutants_lines.py)")
    ap.add_argument("--one-case", action="store_true",
                    help="of a parametrised test's cases, run one of those that ran the same "
                    "lines of the mutated file and called the mutated function with the same "
                    "arguments (~10 %% cheaper; what each case checks afterwards is not "
                    "compared, see docs/testing.md)")
    ap.add_argument("--rerun-explained", action="store_true",
                    help="run the survivors explained in docs/mutants/ too (by default a "
                    "survivor whose explanation's stamp matches its function as it is now is "
                    "not run and counts as the survivor it is); --classic runs them anyway")
    ap.add_argument("--stats-processes", type=int, metavar="N",
                    help="a whole traced stats run in N processes (default: --max-children)")
    ap.add_argument("globs", nargs="*", help="mutant names to run instead of the groups")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["DSO_MUTANTS"] = "1"  # tests/conftest.py: property tests do not shrink
    # mutmut runs the tests inside mutants/: the conformance tests find ../shared by name.
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        os.environ.setdefault("DSO_SHARED_DIR", str(shared))
    # Programs the tests start (the checking process, `dso` in a subprocess) import the
    # mutated copy too, never an installed one.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "mutants" / "src")]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    if args.globs:
        runs = {"command line": list(args.globs)}
    else:
        runs = {g: GROUPS[g] for g in GROUPS if not args.group or g in args.group}
    globs = [g for gl in runs.values() for g in gl]
    load = os.getloadavg()
    start = time.monotonic()
    done: dict[str, str] = {}
    if not args.summary_only and not args.keep:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    # It must exist when mutmut starts: Python skips (and remembers skipping) a PYTHONPATH
    # folder that is missing then, and would import the installed, unmutated package.
    (ROOT / "mutants" / "src").mkdir(parents=True, exist_ok=True)
    if args.sample and not args.globs and not args.summary_only:
        if not _statuses() and _generate(runs, args) != 0:
            return 1
        runs = {name: sample(group, args.sample, args.seed) for name, group in runs.items()}
        globs = [g for gl in runs.values() for g in gl]
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "sample.json").write_text(json.dumps(runs, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    elif args.sample and args.summary_only and not args.globs:
        # The same sample again (the draw is reproducible), so the summary of a sampled run
        # can be rewritten after docs/mutants/ changed without running a mutant.
        runs = {name: sample(group, args.sample, args.seed) for name, group in runs.items()}
        globs = [g for gl in runs.values() for g in gl]
    if args.classic:
        rc = _run_classic(runs, args, start, done)
    elif not args.summary_only:
        rc = _run_resident(runs, args, done)
    else:
        rc = 0
        done.update({name: "results kept" for name in runs})
    if rc:
        return rc
    summary = summarise(globs, time.monotonic() - start, load, args.max_children, done)
    write_summary(summary)
    print(f"\n{summary['killed']}/{summary['total']} killed "
          f"({100 * float(summary['kill_rate'] or 0):.1f} %); summary in "
          f"{(OUT / 'summary.md').relative_to(ROOT)}")
    for module, m in summary["modules"].items():  # type: ignore[attr-defined]
        print(f"  {module}: {m['killed']}/{m['total']}"
              + (f" ({m['not_run']} not run)" if m["not_run"] else ""))
    for name, state in done.items():
        print(f"  group {name}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
