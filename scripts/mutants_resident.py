"""A resident mutant runner for mutmut 3: the test session is collected once, each mutant
runs in a fork of it.

Why: ``mutmut run`` forks a child per mutant that calls ``pytest.main`` with the ids of the
tests covering the mutated function. Every such call starts pytest again: plugins, conftest
files, collecting the whole of each named test file (and building all its parametrised
items) before it selects the few it was asked for. On this project that start-up, not the
tests, was most of the ~1 second a mutant took, so the whole scope (~13,000 mutants) took
hours. mutmut's trampolines choose the mutant at call time (``MUTANT_UNDER_TEST``, read by
``mutmut.mutation.trampoline.get_mutant_under_test``), so a session that was collected
with no mutant active can run any mutant: this runner collects the test files once in
``pytest_runtestloop`` and, per mutant, forks a child that activates the mutant and runs
only the covering test items (from mutmut's own stats, fastest first, stopping at the first
failure) under a CPU and a wall-clock limit.

Everything else stays mutmut's: it generates the mutants and collects (or reuses) the
stats with its own functions, and the results go into its meta files
(``mutants/**/*.py.meta``, the same exit codes), so ``mutmut results``, ``mutmut show``,
``mutmut browse`` and ``scripts/mutants.py``'s summary read them as if ``mutmut run``
had written them.

Two checks mutmut makes with two extra runs of the whole selection are made cheaper here:
- mutmut runs every covering test once without a mutant before it starts ("clean run").
  Here the child records which test killed a mutant, and at the end every distinct killing
  test is run once without a mutant: a kill by a test that also fails on the real code is
  withdrawn (the mutant goes back to "not checked") and reported.
- mutmut's forced-fail run (``MUTANT_UNDER_TEST=fail`` must make a test fail, so that the
  trampolines are known to be active) is made with one covering test before the mutants.

Run by ``scripts/mutants.py`` (which sets the environment); not meant to be run alone.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import shutil
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Progress goes to the terminal the runner was started from: during the test loop pytest
# captures file descriptors 1 and 2 (as it does for mutmut's runs).
_OUT = os.dup(1)


def say(text: str) -> None:
    os.write(_OUT, (text + "\n").encode())


# Exit codes as mutmut records them (mutmut.stats.status_by_exit_code).
SURVIVED, KILLED, NO_TESTS, TIMEOUT = 0, 1, 33, 36


@dataclass
class Job:
    name: str  # mutmut's mutant name, e.g. dso_desktop.zfo.verify.x__verify__mutmut_62
    tests: list[str]  # covering test node ids, fastest first
    estimate: float  # seconds the covering tests took in the stats run
    data: Any  # mutmut's SourceFileMutationData of its file
    func: str = ""  # the mutated function as mutmut's stats name it (mangled)
    reach: list[str] = field(default_factory=list)  # the tests reaching the function


@dataclass
class Running:
    job: Job
    pid: int
    read_fd: int
    started: float
    deadline: float


@dataclass
class Outcome:
    results: dict[str, int] = field(default_factory=dict)
    killer: dict[str, str] = field(default_factory=dict)  # mutant -> the test that failed
    seconds: dict[str, float] = field(default_factory=dict)
    detail: dict[str, dict[str, Any]] = field(default_factory=dict)  # per mutant, the report


def refresh_copied_files(src: Path, copy: Path) -> list[Path]:
    """Copy again every file of ``src`` that is not Python source and differs from its copy
    in ``copy`` (size or modification time), e.g. the built C extension: mutmut copies a
    file only once and re-copies only the Python it mutates, so a kept tree would go on
    importing an extension built before the sources changed (one of an older API, which the
    tests then treat as "not built here"). Returns the files copied."""
    copied: list[Path] = []
    for path in sorted(src.rglob("*")):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        target = copy / path.relative_to(src)
        if target.exists():
            theirs, ours = target.stat(), path.stat()
            if theirs.st_size == ours.st_size and theirs.st_mtime_ns == ours.st_mtime_ns:
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied.append(target)
    return copied


def prepare(globs: list[str], max_children: int, lines: bool = False,
            stats_processes: int = 1) -> tuple[list[Any], dict[str, Any]]:
    """mutmut's own preparation (what ``mutmut run`` does before its clean run): copy and
    mutate the sources (only files changed since, results of unchanged functions kept),
    collect or load the test stats, then list the mutants matching ``globs``. ``lines``:
    the stats run records per-test line coverage too (scripts/mutants_lines.py)."""
    from mutmut import __main__ as mm
    from mutmut.mutation.trampoline import set_mutant_under_test

    set_mutant_under_test("mutant_generation")
    os.makedirs("mutants", exist_ok=True)
    t0 = time.monotonic()
    mm.copy_src_dir()
    refresh_copied_files(Path("src"), Path("mutants", "src"))
    mm.copy_also_copy_files()
    mm.setup_source_paths()
    mm.store_lines_covered_by_tests()
    stats = mm.create_mutants(max_children)
    print(f"mutants generated in {time.monotonic() - t0:.0f} s ({stats.mutated} files mutated)",
          flush=True)
    precompile(Path("mutants"), max_children)
    t0 = time.monotonic()
    runner = mm.get_mutant_runner(1)
    if lines:
        import mutants_lines

        lines_file = Path("mutants", mutants_lines.LINES_FILE)
        stats_file = Path("mutants", "mutmut-stats.json")
        if stats_file.exists() and not mutants_lines.LineMap.load(lines_file).files:
            # Stats traced without line coverage: trace again (else every mutant would
            # fall back to the tests reaching its function).
            stats_file.unlink()
        mutants_lines.hook_stats_run(lines_file, stats_processes)
    mm.collect_or_load_stats(runner, apply_config_invalidation=True)
    mapped = map_child_process_functions()
    print(f"stats ready in {time.monotonic() - t0:.0f} s"
          + (f"; {mapped} functions run only in a checking process mapped to the tests "
             "that start it" if mapped else ""), flush=True)
    mutants, by_path = mm.collect_source_file_mutation_data(mutant_names=globs)
    mm._check_test_to_mutant_associations(by_path)
    set_mutant_under_test("")
    return mutants, by_path


# Functions that run only inside a process a test starts: the ZFO checking process
# (`sync.pipeline.CheckingProcess`: a `spawn` ProcessPoolExecutor whose initializer is
# `init_worker` and whose work is `check_in_worker`). mutmut's stats are recorded in the
# test's own process, so no test "reaches" them and their mutants would be "no tests". A
# mutant's name reaches that process through the environment (MUTANT_UNDER_TEST is
# inherited), so the tests that start it and hand it work do test them. Mangled function
# name -> those tests (node ids of the test selection). `init_worker` starts the
# parent-watch thread (`_exit_with`) and lowers the priority (`_lower_priority`) in every
# checking process, so those three share the tests that start one; `check_in_worker` runs
# in the ones that are given ZFOs to check.
_STARTS_A_CHECKER = (
    "tests/unit/sync/test_ingest_pipeline.py::test_checking_process_agrees_with_checking_here",
    "tests/unit/sync/test_ingest_pipeline.py::test_a_zfo_whose_check_never_ends_costs_only_itself",
    "tests/unit/sync/test_ingest_pipeline.py::"
    "test_sync_through_the_checking_process_stores_what_checking_here_stores",
    "tests/unit/sync/test_ingest_pipeline.py::test_the_checking_process_ends_with_a_killed_program",
    "tests/unit/sync/test_checking_process.py::"
    "test_the_checking_process_checks_with_the_apps_trust_store",
)
_CHECKS_IN_A_CHECKER = (_STARTS_A_CHECKER[0], _STARTS_A_CHECKER[2], _STARTS_A_CHECKER[4])
IN_CHILD_PROCESS: dict[str, tuple[str, ...]] = {
    "dso_desktop.sync.ingest.x_init_worker": _STARTS_A_CHECKER,
    "dso_desktop.sync.ingest.x__lower_priority": _STARTS_A_CHECKER,
    "dso_desktop.sync.ingest.x__exit_with": _STARTS_A_CHECKER,
    "dso_desktop.sync.ingest.x_check_in_worker": _CHECKS_IN_A_CHECKER,
}


def map_child_process_functions(table: dict[str, tuple[str, ...]] | None = None) -> int:
    """Add the tests of ``IN_CHILD_PROCESS`` to mutmut's stats (in memory) for the
    functions no test reaches in-process; only tests the stats run traced (so a renamed
    or removed test is never asked for). Returns how many functions got tests."""
    from mutmut.state import state

    table = IN_CHILD_PROCESS if table is None else table
    known = state().duration_by_test
    by_func = state().tests_by_mangled_function_name
    mapped = 0
    for func, tests in table.items():
        present = {t for t in tests if t in known}
        if present and not by_func.get(func):
            by_func[func] = set(by_func.get(func, set())) | present
            mapped += 1
    return mapped


def precompile(root: Path, workers: int = 1) -> None:
    """Write the bytecode of the mutated tree once (``compileall``; only files whose source
    changed since are compiled again, the cache is checked against the source as usual).

    Why: the children fork from a session that has imported the mutated copy, but a test
    that starts a Python program (the ZFO checking process, ``dso`` in a subprocess) makes
    that program import it again, and the mutated files are big (``store/messages.py``
    4.6 MB: every mutant is a function of its own). Without a bytecode cache each such
    start compiles them from source: importing ``sync.ingest`` took 1.9 CPU s instead of
    0.55. Where ``PYTHONDONTWRITEBYTECODE`` is set (or the tree is fresh), every start paid
    that. ``py_compile`` writes the cache regardless of that setting; reading it is never
    turned off."""
    import compileall

    t0 = time.process_time()
    for sub in ("src", "tests"):
        if (root / sub).is_dir():
            compileall.compile_dir(str(root / sub), quiet=1, workers=max(1, workers))
    print(f"bytecode of the mutated tree written ({time.process_time() - t0:.1f} CPU s)",
          flush=True)


def jobs_for(mutants: list[Any], rerun: bool, line_map: Any = None,
             one_case: bool = False) -> list[Job]:
    """The mutants still to run (all of them with ``rerun``), as mutmut orders them: the
    ones whose covering tests are fastest first. ``line_map`` (scripts/mutants_lines.py):
    of the tests that reach the function, only those that executed the mutated statement;
    ``one_case``: of a parametrised test's cases, only one of those that ran the same
    lines of the mutated file and handed the mutated function the same arguments
    (``LineMap.one_case_per_lines``)."""
    from mutmut.state import state
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    durations = state().duration_by_test
    jobs = []
    for data, name, result in mutants:
        # The runner works inside mutants/ (as mutmut's pytest runs do): the meta files'
        # paths are made absolute while the working folder is still the repository.
        data.meta_path = Path(data.meta_path).resolve()
        if result is not None and not rerun:
            continue
        name = name.replace("__init__.", "")
        tests = sorted(state().tests_by_mangled_function_name.get(
            mangled_name_from_mutant_name(name), set()), key=lambda t: durations[t])
        # The line data holds what the Python processes a test started ran too (a
        # function of IN_CHILD_PROCESS is chosen by its checking processes' lines); a
        # test whose processes could not be told apart stays wherever mutmut put it.
        if line_map is not None and tests:
            reach = tests
            tests, why = line_map.tests_for(Path("mutants", data.path),
                                            name.rsplit(".", 1)[-1], tests)
            # Where the line data could not decide (a default, a decorator, a line run
            # at import...), the function's whole set, every case included.
            if not why and one_case:
                tests = line_map.one_case_per_lines(Path("mutants", data.path), tests,
                                                    name.rsplit(".", 1)[-1])
        else:
            reach = tests
        estimate = sum(durations[t] for t in tests)
        data.estimated_time_of_tests_by_mutant[name] = estimate
        jobs.append(Job(name, tests, estimate, data, mangled_name_from_mutant_name(name),
                        reach))
    # Mutants of one function next to each other (their tests are the same): what killed
    # the first ones is tried first on the rest (`Resident._order`).
    jobs.sort(key=lambda j: (j.estimate, j.func, j.name))
    return jobs


# mutmut's exit code for "skipped" (mutmut.stats.status_by_exit_code; mutmut itself never
# writes it). Here: a survivor explained in docs/mutants/ whose function is byte for byte
# what the explanation was stamped for, so it is not run again (`skip_explained`). A
# survivor in every rate, as before.
EXPLAINED_NOT_RUN = 34

Mutants = list[tuple[Any, str, "int | None"]]  # mutmut's (SourceFileMutationData, name, result)


def forget_explained(mutants: Mutants) -> Mutants:
    """An earlier run's "explained, not run" goes back to "not checked": whether the
    mutant is skipped is decided again on every run, from the explanations and the code as
    they are now (an entry removed or unstamped since, a function changed since)."""
    out: Mutants = []
    changed: dict[int, Any] = {}
    for data, name, result in mutants:
        key = name.replace("__init__.", "")
        if data.exit_code_by_key.get(key, result) == EXPLAINED_NOT_RUN:
            data.exit_code_by_key[key] = None
            changed[id(data)] = data
            result = None
        out.append((data, name, result))
    for data in changed.values():
        data.save()
    return out


class MutantDiffs:
    """Mutants' diffs with the -/+ lines of ``mutmut show``, without parsing (working
    folder: the repository). mutmut's own (``get_diff_for_mutant``) parses the original and
    the mutant function with libcst for every mutant: 98 CPU s for the 3,575 mutants of the
    functions with a stamped entry, as much as the skip saves. The changed lines are the same
    without it: the generated original and mutant are cut out of the mutated file by
    mutmut's line-span index (``<file>.spans``, read with the file once per file), renamed
    to the function's own name as mutmut does, dedented, and compared with ``difflib``, as
    mutmut compares libcst's rendering of the same text (a round trip; only a method's
    continuation lines keep another indentation, which ``changes_of`` strips). Checked on
    5,075 mutants of this project: the same changes for every one, 0.5 CPU s in all. Where
    the index cannot say, mutmut's own diff."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[list[str], dict[str, tuple[int, int]]] | None] = {}

    def _file(self, path: str) -> tuple[list[str], dict[str, tuple[int, int]]] | None:
        if path not in self._files:
            try:
                spans = json.loads(Path("mutants", path + ".spans").read_text(
                    encoding="utf-8"))
                lines = Path("mutants", path).read_text(encoding="utf-8").splitlines()
                self._files[path] = (lines, {k: (int(a), int(b))
                                             for k, (a, b) in spans["spans"].items()})
            except (OSError, ValueError, KeyError, TypeError):
                self._files[path] = None
        return self._files[path]

    def __call__(self, name: str, path: Any) -> str:
        import textwrap
        from difflib import unified_diff

        from mutmut.utils.format_utils import orig_function_and_class_names_from_key

        known = self._file(str(path))
        generated = name.rpartition(".")[2]
        orig = generated.partition("__mutmut_")[0] + "__mutmut_orig"
        if known is None or generated not in known[1] or orig not in known[1]:
            return _mutmut_diff(name, path)
        lines, spans = known
        own = orig_function_and_class_names_from_key(name)[0]

        def text(key: str) -> list[str]:
            start, end = spans[key]
            body = "\n".join(lines[start - 1:end]).replace(f"def {key}(", f"def {own}(", 1)
            return textwrap.dedent(body).strip().split("\n")  # a method as mutmut shows it

        return "\n".join(unified_diff(text(orig), text(generated), str(path), str(path),
                                      lineterm=""))


def _mutmut_diff(name: str, path: Any) -> str:
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        return str(get_diff_for_mutant(name, path=str(path)))
    except Exception:  # a mutmut internal: no diff, no match, the mutant runs
        return ""


def mutant_diff(name: str, path: Any) -> str:
    """The mutant's diff, its -/+ lines as ``mutmut show``'s (``MutantDiffs``, one a run)."""
    return _DIFFS(name, path)


_DIFFS = MutantDiffs()


def skip_explained(mutants: Mutants, rerun: bool, diff_of: Any = mutant_diff,
                   classifier: Any = None, stamp_of: Any = None) -> tuple[Mutants, list[str]]:
    """Survivors a person explained need not run while their function is what was
    explained: each mutant that would run (no result yet, or ``rerun``) and that an entry
    of docs/mutants/ matches (its function and diff) whose stamp is its function's stamp
    now (scripts/mutants_classified.py) gets "explained, not run" (``EXPLAINED_NOT_RUN``)
    in mutmut's meta file and is left out. Returns the mutants still to run and the names
    skipped. Only functions with a stamped entry have their mutants' diffs read.

    An entry names its mutant by the lines it changes, so where the same change can be
    made in two places of a function (``root_end = pos`` -> ``None`` at each of the four
    ends of ``der.scan``) it matches each of those mutants, and its reason may hold for
    one of them only (the other three are killed). Such a mutant is never skipped: only
    an entry that matches exactly one mutant of its function as generated now does."""
    import mutants_classified as mc

    classifier = classifier if classifier is not None else mc.Classifier(mc.load())
    stamp_of = stamp_of or mc.stamp_of
    stamped = classifier.stamped_functions()
    stamps: dict[str, str | None] = {}
    # Per stamped function: each of its mutants' changed lines, and how many share them.
    changes: dict[str, dict[str, tuple[str, ...]]] = {}
    shared: dict[str, Counter[tuple[str, ...]]] = {}
    rest: Mutants = []
    skipped: list[str] = []
    changed: dict[int, Any] = {}
    for data, name, result in mutants:
        key = name.replace("__init__.", "")
        current = data.exit_code_by_key.get(key, result)
        fn = mc.function_of(key)
        if (current is None or rerun) and fn in stamped:
            if fn not in stamps:
                stamps[fn] = stamp_of(fn)
                changes[fn] = {k: mc.changes_of(diff_of(k, data.path))
                               for k in data.exit_code_by_key if mc.function_of(k) == fn}
                shared[fn] = Counter(changes[fn].values())
            mine = changes[fn].get(key) or mc.changes_of(diff_of(key, data.path))
            entry = classifier.classify(key, "\n".join(mine))
            if (entry is not None and shared[fn][mine] <= 1
                    and mc.verdict(entry, stamps[fn]) == "explained"):
                data.exit_code_by_key[key] = EXPLAINED_NOT_RUN
                changed[id(data)] = data
                skipped.append(key)
                continue
        rest.append((data, name, result))
    for data in changed.values():
        data.save()
    return rest, skipped


# Session fixtures made once in the parent (`Resident._warm`): they run no mutated code.
# (With pytest's own session fixtures, which hold no product state.)
WARM = {"pg_server", "sqlite_template", "pki", "pki_dir", "tmp_path_factory",
        "pytestconfig", "doctest_namespace", "record_testsuite_property", "worker_id"}

_WHY: str | None = None  # set in the clean check's child: where failures are explained
# In a child: (node id, CPU seconds of this process, wall seconds of set-up, call and
# tear-down) of each test it ran; written to $DSO_MUTANTS_TRACE (one JSON line a mutant).
_RAN: list[tuple[Any, ...]] = []


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_sample() -> dict[str, float]:
    """Where the machine's time goes, read from ``/proc`` (Linux): this process's CPU, the
    PostgreSQL servers' (each postmaster's own and its reaped backends', plus the live
    backends'), and the whole machine's busy and total core-seconds. Session 14's projection
    counted only the mutant children's CPU, which was a third of the machine's time in the
    store's group (docs/testing.md); a group's line now says where the rest went."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    sample = {"wall": time.monotonic(), "runner": me.ru_utime + me.ru_stime,
              "server": 0.0, "busy": 0.0, "total": 0.0}
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ticks = [int(f) for f in fields]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        sample["total"] = sum(ticks[:8]) / _TICK
        sample["busy"] = (sum(ticks[:8]) - idle) / _TICK
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            if "(postgres)" not in text:
                continue
            rest = text.rsplit(")", 1)[1].split()  # fields from the state on
            ut, st, cut, cst = (int(x) for x in rest[11:15])
            sample["server"] += (ut + st + cut + cst) / _TICK
    return sample


def machine_delta(before: dict[str, float], after: dict[str, float], children_cpu: float
                  ) -> str:
    """One line: the wall, the core-seconds it offered, and who used them."""
    wall = after["wall"] - before["wall"]
    total = after["total"] - before["total"]
    busy = after["busy"] - before["busy"]
    server = after["server"] - before["server"]
    runner = after["runner"] - before["runner"]
    other = busy - children_cpu - server - runner
    return (f"machine {total:.0f} core-s in {wall:.0f} s: busy {busy:.0f} (mutant children "
            f"{children_cpu:.0f}, PostgreSQL {server:.0f}, runner {runner:.0f}, other "
            f"{other:.0f}), idle {total - busy:.0f}")


def _module_of(mutant: str) -> str:
    """dso_desktop.zfo.verify for dso_desktop.zfo.verify.x__verify__mutmut_3 (and for a
    method's mutant, dso_desktop.store.messages.xǁMessageRepoǁset_status__mutmut_7)."""
    return mutant.split(".x_")[0].split(".xǁ")[0]


def _forget_fixture_values(item: Any) -> None:
    """What pytest's ``runtestprotocol`` does after a test: the item's fixture values and
    request go, so that running it again sets its fixtures up afresh. A warm-up probe is
    set up and torn down outside that protocol; without this, a child that later ran the
    probe got the warm-up's values (``funcargs`` filled, so pytest set nothing up): a
    database torn down and a monkeypatch undone, and the test failed with no mutant active
    (the kills withdrawn by the clean checks of branches mutants2, mutants3 and mutsurv:
    ``test_a_big_zfo_round_trips_through_the_orm_path``, ``test_group_writes`` were the
    probes then)."""
    if hasattr(item, "_request"):
        item._request = False
        item.funcargs = None


def _warm_simulator_pki() -> None:
    """The in-memory simulator's PKI (``simulator.pki.load_or_create``: RSA keys and
    certificates, ~0.3 CPU s) is made once per process and shared by every in-memory
    simulator after it. Made here, before the forks, every child inherits it instead of
    making it again in each child whose tests build a simulator (the ZFO tests that seal
    what the simulator renders, the checking-process sync). The simulator is not mutated
    (``only_mutate``) and the PKI is what the first such test would have made, so no
    result changes."""
    import contextlib
    import tempfile

    with contextlib.suppress(Exception), tempfile.TemporaryDirectory() as tmp:
        from dso_desktop.simulator.pki import load_or_create

        load_or_create(Path(tmp) / "pki", persistent=False)


# RSA keys made before the forks for the tests' PKIs (``zfo/testpki.py``'s ``rsa_key``,
# tests' own CAs): 2048-bit key generation was a third of a zfo survivor's CPU (43 keys,
# 3.3 of 9.2 CPU s in a child of ``verify._d`` 14, cProfile).
RSA_POOL = 96


def pool_rsa_keys(count: int = RSA_POOL) -> int:
    """Make ``count`` RSA keys (2048 bits, exponent 65537) now and let
    ``rsa.generate_private_key`` hand them out for those parameters, each once per process,
    then make keys again. Every child forked later inherits the pool whole, so the keys a
    child gets are distinct, random keys, as before, only made once. Nothing mutated makes
    keys (the test PKI builders and the simulator are outside the mutated scope), and which
    random key a test gets decides nothing. Returns the keys made."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    original = getattr(rsa.generate_private_key, "_mutants_original", rsa.generate_private_key)
    pool = [original(public_exponent=65537, key_size=2048) for _ in range(count)]

    def generate_private_key(public_exponent: int, key_size: int,
                             backend: Any = None) -> Any:
        if public_exponent == 65537 and key_size == 2048 and pool:
            return pool.pop()
        return original(public_exponent=public_exponent, key_size=key_size)

    generate_private_key._mutants_original = original  # type: ignore[attr-defined]
    rsa.generate_private_key = generate_private_key
    return len(pool)


class _SessionOnly:
    """A stand-in for "the next item" whose chain is the session alone: tearing down up to
    it ends every module, class and function fixture but keeps the session-scoped ones
    (the PostgreSQL server the parent set up once for all children)."""

    def __init__(self, session: Any) -> None:
        self._chain = [session]

    def listchain(self) -> list[Any]:
        return self._chain


# A test's wall-clock limit in a mutant's child: this many seconds plus this many times
# what the test took in the stats run (traced, so slower than here). mutmut's limit is
# for the whole mutant, (all its tests' time + 1 s) x 15: a mutant that makes one test hang
# (a checking process that never ends, so the pool's shutdown waits for ever) held its
# worker for minutes. Running out counts as a timeout (a kill), as mutmut's limit does;
# mutmut's limit stays, for what this one cannot stop.
TEST_LIMIT_CONSTANT = 30.0
TEST_LIMIT_FACTOR = 10.0
# And a limit on the CPU the child itself uses during a test (every thread of it; not the
# processes it started, which the wall-clock limit covers): a mutant that makes a loop spin
# used all of the wall-clock limit in CPU (30-45 CPU s each on a quiet machine, a quarter
# of a sample's CPU for one timeout). The stats run's time is traced (coverage), so slower
# than the test's CPU here: this allows 10 times the test's CPU and more. CPU time does not
# grow with the machine's load as wall time does, so it can be this much tighter.
TEST_CPU_CONSTANT = 5.0
TEST_CPU_FACTOR = 5.0


# And the memory a child may allocate beyond what it inherited from the resident parent
# (RLIMIT_DATA, which its processes inherit too): a mutant that makes a download read an
# endless body (`update.transport.Transport._get` without `stream=True`) grew one child to
# 14 GB until the kernel's out-of-memory killer ended it, which mutmut reports as a
# "segfault" and counts as not killed, and which takes the machine's memory from every
# other process meanwhile. With the limit the allocation fails (MemoryError), the test
# fails and the mutant is killed. The suite's largest test data is a 64 MB ZFO.
CHILD_MEMORY_HEADROOM = 4 << 30


def limit_child_memory(headroom: int) -> int | None:
    """Cap this process's data size at what it uses now plus ``headroom`` (Linux's
    ``VmData``); returns the cap, or None where it cannot be read."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    used = next((int(line.split()[1]) * 1024 for line in status.splitlines()
                 if line.startswith("VmData:")), None)
    if used is None:
        return None
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = used + headroom
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    return cap


def test_limit(traced_s: float) -> float:
    return TEST_LIMIT_CONSTANT + TEST_LIMIT_FACTOR * traced_s


def test_cpu_limit(traced_s: float) -> float:
    return TEST_CPU_CONSTANT + TEST_CPU_FACTOR * traced_s


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` and by those, at any depth (Linux's /proc)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as f:
                    kids = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


class _Watchdog:
    """In a mutant's child: ends the child as a timeout when the running test passes its
    wall-clock limit (``test_limit``) or its CPU limit (``test_cpu_limit``: this process's
    CPU, looked at every ``CPU_POLL_S``). A thread, not SIGALRM: the code under test uses
    SIGALRM itself (``sync.ingest.time_limit``). On expiry it reports the test to the
    parent as the killer, kills the processes the child started (a hung checking process
    would outlive it) and exits with mutmut's timeout code."""

    CPU_POLL_S = 0.2

    def __init__(self, write_fd: int, cleanup: Any) -> None:
        import threading

        self.write_fd = write_fd
        self.cleanup = cleanup
        self.test = ""
        self.deadline: float | None = None
        self.cpu_deadline: float | None = None
        self.fired = False
        self.cond = threading.Condition()
        self.clock = time.monotonic  # bound now: a test may patch time.monotonic
        self.cpu_clock = time.process_time  # the whole process's CPU, every thread's
        threading.Thread(target=self._run, name="mutants-watchdog", daemon=True).start()

    def arm(self, test: str, seconds: float, cpu_seconds: float | None = None) -> None:
        with self.cond:
            self.test, self.deadline = test, self.clock() + seconds
            self.cpu_deadline = (None if cpu_seconds is None
                                 else self.cpu_clock() + cpu_seconds)
            self.cond.notify()

    def disarm(self) -> None:
        with self.cond:
            fired = self.fired
            self.deadline = self.cpu_deadline = None
            self.cond.notify()
        if fired:  # the watchdog reports and ends this process; nothing more from here
            while True:
                time.sleep(3600)

    def _expired(self) -> bool:
        if self.deadline is None:
            return False
        return self.clock() >= self.deadline or (
            self.cpu_deadline is not None and self.cpu_clock() >= self.cpu_deadline)

    def _run(self) -> None:
        with self.cond:
            while not self._expired():
                wait = None if self.deadline is None else self.deadline - self.clock()
                if self.cpu_deadline is not None and wait is not None:
                    wait = min(wait, self.CPU_POLL_S)
                self.cond.wait(wait)
            self.fired = True
            test = self.test
        self._expire(test)

    def _expire(self, test: str) -> None:
        try:
            os.write(self.write_fd, json.dumps({
                "failed": [test], "n": len(_RAN) + 1, "cpu": round(time.process_time(), 4),
                "imported": [], "timeout": test}).encode())
            for pid in _descendants(os.getpid()):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            self.cleanup()
        finally:
            os._exit(TIMEOUT)


_DOG: _Watchdog | None = None  # in a mutant's child with per-test limits


def _run_items(items: list[Any], stop_at_first: bool,
               limits: list[float] | None = None,
               cpu_limits: list[float] | None = None) -> list[str]:
    """Run pytest items in this process as pytest's own loop would; the node ids that
    failed (setup, call or teardown). ``limits``: each item's wall-clock limit (with
    ``_DOG`` set); ``cpu_limits``: its CPU limit."""
    from _pytest.runner import runtestprotocol

    failed = []
    _RAN.clear()
    session_only = _SessionOnly(items[0].session) if items else None
    dog = _DOG if limits is not None else None
    for i, item in enumerate(items):
        nextitem = items[i + 1] if i + 1 < len(items) else session_only
        cpu0 = time.process_time()
        if dog is not None and limits is not None:
            dog.arm(item.nodeid, limits[i], cpu_limits[i] if cpu_limits else None)
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        if dog is not None:
            dog.disarm()
        _RAN.append((item.nodeid, round(time.process_time() - cpu0, 4),
                     *(round(r.duration, 4) for r in reports)))
        if any(r.failed for r in reports):
            failed.append(item.nodeid)
            if _WHY is not None:  # the clean check says why a killing test failed
                with open(_WHY, "a", encoding="utf-8") as out:
                    for r in reports:
                        if r.failed:
                            out.write(f"== {item.nodeid} ({r.when})\n{r.longreprtext}\n")
            if stop_at_first:
                break
    if items:
        # The fixtures left after a stop (a module's pool) end here: the last test's.
        if dog is not None and limits is not None and _RAN:
            last = len(_RAN) - 1
            dog.arm(_RAN[-1][0], limits[last], cpu_limits[last] if cpu_limits else None)
        items[0].session._setupstate.teardown_exact(session_only)
        if dog is not None:
            dog.disarm()
    return failed


def _remove_basetemp(items: list[Any]) -> None:
    factory = getattr(items[0].config, "_tmp_path_factory", None) if items else None
    base = getattr(factory, "_basetemp", None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)


def _child(mutant: str, items: list[Any], write_fd: int, cpu_limit: int,
           stop_at_first: bool = True, limits: list[float] | None = None,
           cpu_limits: list[float] | None = None) -> None:
    """In the forked child: activate the mutant, run the items, report, exit. ``limits``:
    each item's wall-clock limit (``test_limit``); ``cpu_limits``: its CPU limit
    (``test_cpu_limit``)."""
    from mutmut.mutation.trampoline import set_mutant_under_test

    global _DOG
    code = 3
    try:
        if limits is not None:
            _DOG = _Watchdog(write_fd, lambda: _remove_basetemp(items))
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        set_mutant_under_test(mutant)
        from mutmut.utils.safe_setproctitle import safe_setproctitle

        safe_setproctitle(f"mutmut: {mutant}")  # `ps` shows which mutant a child runs
        limit = cpu_limit + math.ceil(time.process_time())
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
        limit_child_memory(CHILD_MEMORY_HEADROOM)
        factory = getattr(items[0].config, "_tmp_path_factory", None) if items else None
        if factory is not None:
            # A base folder of this child's own (the parent's, if the warm-up made one, is
            # shared with every other child): removed when the child ends.
            factory._basetemp = None
        if items:
            # Capture into files of this child's own, not the parent's (shared with the
            # other children).
            capman = items[0].config.pluginmanager.getplugin("capturemanager")
            if capman is not None:
                capman.stop_global_capturing()
                capman.start_global_capturing()
        cpu0 = time.process_time()
        modules0 = set(sys.modules)
        profile_dir = os.environ.get("DSO_MUTANTS_PROFILE")
        if profile_dir:  # where a child's CPU goes: one cProfile file per mutant
            import cProfile

            with cProfile.Profile() as prof:
                failed = _run_items(items, stop_at_first, limits, cpu_limits)
            prof.dump_stats(os.path.join(profile_dir, f"{mutant}.prof"))
        else:
            failed = _run_items(items, stop_at_first, limits, cpu_limits)
        cpu = round(time.process_time() - cpu0, 4)
        # The pipe gets a few bytes (the parent reads it after the child ended: more than a
        # pipe's buffer would block the child); the per-test detail goes to the trace file.
        imported = sorted(set(sys.modules) - modules0)
        os.write(write_fd, json.dumps({"failed": failed[:20], "n": len(_RAN), "cpu": cpu,
                                       "imported": imported[:300]}).encode())
        trace = os.environ.get("DSO_MUTANTS_TRACE")
        if trace:
            line = json.dumps({"mutant": mutant, "failed": failed[:1], "cpu": cpu,
                               "imported": imported,
                               "ran": _RAN}) + "\n"
            fd = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        code = KILLED if failed else SURVIVED
    except BaseException:  # any crash of the child counts as a kill, as in mutmut (exit 3)
        code = 3
    finally:
        # os._exit skips pytest's clean-up: this child's tmp_path folders would pile up.
        if _DOG is not None:
            _DOG.disarm()
        _remove_basetemp(items)
        os._exit(code)


class Resident:
    """The pytest plugin that takes over the test loop after collection."""

    def __init__(self, jobs: list[Job], max_children: int, budget_s: float,
                 groups: list[tuple[str, set[str]]], ordered: bool = True,
                 durations: dict[str, float] | None = None) -> None:
        self.jobs = jobs
        self.max_children = max_children
        self.budget_s = budget_s
        self.groups = groups
        self.outcome = Outcome()
        self.withdrawn: dict[str, str] = {}
        self.group_times: dict[str, str] = {}
        self.group_machine: dict[str, str] = {}  # machine_delta of each group run
        self.why_path = str(Path("..", "build", "mutants", "clean-failures.txt"))
        self.cpu_s = 0.0  # CPU seconds of the mutant children (user + system)
        self.ran = 0
        # Learned during the run: which tests killed mutants of a function, of a module.
        self.kills_by_func: dict[str, Counter[str]] = defaultdict(Counter)
        self.kills_by_module: dict[str, Counter[str]] = defaultdict(Counter)
        self.ordered = ordered
        self.rsa_pool = 0  # RSA keys made before the forks (``pool_rsa_keys``)
        # What each test took in the stats run: its wall-clock limit in a child.
        self.durations: dict[str, float] = dict(durations or {})
        self.to_import: set[str] = set()

    def _import_learned(self) -> None:
        import contextlib
        import importlib

        while self.to_import:
            name = self.to_import.pop()
            # A module that fails here is imported by the children, as before.
            with contextlib.suppress(BaseException):
                importlib.import_module(name)

    def _order(self, job: Job) -> list[str]:
        """The covering tests in the order most likely to kill soonest: a killed mutant
        stops at its first failing test, so that test's place in the list is what the
        mutant costs (a survivor runs them all in any order). First the tests that killed
        other mutants of the same function, then those that killed mutants of the same
        module, each class by its cost for a kill (the test's time in the stats run over
        its kills: a test of 0.05 s that killed 3 before one of 1 s that killed 5), then the
        tests of the test modules named after the mutated module (tests/**/test_verify*.py
        for zfo/verify.py), then the rest; in each class the SQLite variant before the
        PostgreSQL one (a test's PostgreSQL variant fails for the same mutants as its
        SQLite one but costs more), then fastest first (``job.tests`` comes sorted by the
        stats run's durations)."""
        if not self.ordered:
            return job.tests
        by_func = self.kills_by_func.get(job.func, Counter())
        module = _module_of(job.name)
        by_module = self.kills_by_module.get(module, Counter())
        stem = "test_" + module.rsplit(".", 1)[-1]

        def per_kill(test: str, kills: int) -> float:
            # 10 ms for every test: where no time is known, the most kills first
            return (self.durations.get(test, 0.0) + 0.01) / kills

        def key(pair: tuple[int, str]) -> tuple[int, float, int, int]:
            index, test = pair
            pg = int("[postgresql" in test)
            if test in by_func:
                return (0, per_kill(test, by_func[test]), pg, index)
            if test in by_module:
                return (1, per_kill(test, by_module[test]), pg, index)
            named = test.split("::", 1)[0].rsplit("/", 1)[-1].startswith(stem)
            return (2 if named else 3, 0.0, pg, index)

        return [t for _, t in sorted(enumerate(job.tests), key=key)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: Any) -> bool:
        items = {item.nodeid: item for item in session.items}
        self._warm(session, items)
        if self.rsa_pool:
            t0 = time.process_time()
            made = pool_rsa_keys(self.rsa_pool)
            say(f"{made} RSA keys made for the children ({time.process_time() - t0:.1f} CPU s)")
        try:
            self._loop(items)
        finally:
            session._setupstate.teardown_exact(None)
        return True

    def _warm(self, session: Any, items: dict[str, Any]) -> None:
        """Set up the session-scoped fixtures of ``WARM`` once, here, so that the children
        inherit them instead of each making them again: the PostgreSQL server
        (``tests/pgserver.py``: initdb and a start, seconds), the migrated SQLite template
        and the test PKI (RSA keys, ``tests/unit/zfo/zfo_factory.py``). They run no mutated
        code (the server and the template: Alembic and the schema; the PKI:
        ``zfo/testpki.py`` and ``zfo/produce.py``, both excluded from mutation), so making
        them with no mutant active changes no result. Other session fixtures are still
        made in each child, under its mutant, as mutmut does. A probe is a test that uses
        the fixture and no other session fixture; it is set up and torn down to the
        session (its function and module fixtures go, the session ones stay)."""
        used = [it for nid, it in items.items() if nid in {t for j in self.jobs for t in j.tests}]
        _warm_simulator_pki()

        def session_fixtures(it: Any) -> set[str]:
            info = getattr(it, "_fixtureinfo", None)
            defs = info.name2fixturedefs if info is not None else {}
            return {n for n, fds in defs.items()
                    if fds and str(getattr(fds[-1], "scope", "")).endswith("session")}

        probes = []
        for want, mark in (("pg_server", "[postgresql"), ("sqlite_template", "[sqlite"),
                           ("pki", "")):
            for it in used:
                names = session_fixtures(it)
                # store_url asks for the server or the template by getfixturevalue.
                dynamic = (want in ("sqlite_template", "pg_server")
                           and "store_url" in it.fixturenames)
                if mark in it.nodeid and (want in names or dynamic) and names <= WARM:
                    probes.append(it)
                    break
        t0 = time.monotonic()
        for probe in probes:
            try:
                session._setupstate.setup(probe)
            except Exception as exc:  # the children will meet (and report) the same failure
                say(f"warm-up of {probe.nodeid} failed: {exc!r}")
            try:
                session._setupstate.teardown_exact(_SessionOnly(session))
            except Exception as exc:  # e.g. tmp_path wants the report of a run
                say(f"(warm-up teardown: {type(exc).__name__}, the session fixtures stay)")
            finally:
                _forget_fixture_values(probe)
        if probes:
            say(f"session fixtures set up once ({time.monotonic() - t0:.1f} s): "
                + ", ".join(p.nodeid for p in probes))

    def _loop(self, items: dict[str, Any]) -> None:
        from mutmut.configuration import config

        self._forced_fail(items)
        cfg = config()
        start = time.monotonic()
        try:
            self._groups(items, start, cfg.timeout_multiplier, cfg.timeout_constant)
        except KeyboardInterrupt:  # stopped (SIGTERM): the kills so far are still checked
            say("stopped: no further mutants; checking the kills so far")
        self._check_killers(items)

    def _groups(self, items: dict[str, Any], start: float, multiplier: float,
                constant: float) -> None:
        for group, names in self.groups:
            elapsed = time.monotonic() - start
            if elapsed >= self.budget_s:
                self.group_times[group] = f"not run: budget of {self.budget_s / 60:g} min used"
                continue
            say(f"== {group} (after {elapsed / 60:.1f} min)")
            t0, cpu0, before = time.monotonic(), self.cpu_s, machine_sample()
            todo = [j for j in self.jobs if j.name in names]
            self._run_jobs(todo, items, multiplier, constant)
            cpu = self.cpu_s - cpu0
            self.group_machine[group] = machine_delta(before, machine_sample(), cpu)
            say(f"  {self.group_machine[group]}")
            self.group_times[group] = (
                f"{(time.monotonic() - t0) / 60:.1f} min, {len(todo)} run, "
                f"{cpu:.0f} CPU s ({cpu / max(1, len(todo)):.2f} a mutant)")

    def _forced_fail(self, items: dict[str, Any]) -> None:
        """mutmut's sanity check: with MUTANT_UNDER_TEST=fail every trampoline raises, so a
        covering test must fail; if none does, the tests do not run the mutated copy."""
        probe = next((j for j in self.jobs if any(t in items for t in j.tests)), None)
        if probe is None:
            return
        test = [items[t] for t in probe.tests if t in items][:1]
        _pid, code, _ = self._fork_and_wait("fail", test, 600, 600)
        if code == SURVIVED:
            raise SystemExit(f"forced-fail check: {test[0].nodeid} passed with every "
                             "trampoline failing; the tests do not run the mutated copy")

    def _fork_and_wait(self, mutant: str, items: list[Any], cpu: int,
                       wall: float) -> tuple[int, int, list[str]]:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(mutant, items, w, cpu, stop_at_first=False)
        os.close(w)
        deadline = time.monotonic() + wall
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                status = None
                break
            time.sleep(0.02)
        data = os.read(r, 1 << 20)
        os.close(r)
        failed = json.loads(data)["failed"] if data else []
        code = os.waitstatus_to_exitcode(status) if status is not None else TIMEOUT
        return pid, code, failed

    def _run_jobs(self, jobs: list[Job], items: dict[str, Any], multiplier: float,
                  constant: float) -> None:
        import gc

        running: dict[int, Running] = {}
        queue = list(jobs)
        last_save = time.monotonic()
        done_count = 0
        t0 = time.monotonic()
        gc.collect()
        gc.freeze()  # the children share the parent's heap instead of copying it on GC
        try:
            while queue or running:
                while queue and len(running) < self.max_children:
                    self._import_learned()
                    job = queue.pop(0)
                    order = [t for t in self._order(job) if t in items]
                    sel = [items[t] for t in order]
                    if not sel:
                        # Tests reach the function but none executes the mutated statement:
                        # each would pass, so the mutant survives (scripts/mutants_lines.py).
                        reached = any(t in items for t in job.reach)
                        self._record(job, SURVIVED if reached else NO_TESTS, None, 0.0)
                        self.outcome.detail[job.name] = {
                            "code": SURVIVED if reached else NO_TESTS, "cpu": 0.0,
                            "tests_run": 0, "tests_covering": 0,
                            "tests_reaching": len(job.reach), "test_cpu": 0.0}
                        continue
                    # mutmut's limits: CPU seconds (SIGXCPU, counted as a timeout) and wall
                    # time; both scale with what the covering tests took in the stats run.
                    limit = (job.estimate + constant) * multiplier
                    limits = [test_limit(self.durations.get(t, limit)) for t in order]
                    cpu_limits = [test_cpu_limit(self.durations.get(t, limit))
                                  for t in order]
                    r, w = os.pipe()
                    pid = os.fork()
                    if pid == 0:
                        os.close(r)
                        _child(job.name, sel, w, math.ceil(limit * 2), limits=limits,
                               cpu_limits=cpu_limits)
                    os.close(w)
                    now = time.monotonic()
                    running[pid] = Running(job, pid, r, now, now + limit)
                if not running:
                    continue  # the rest had no test to run (wait4 with no child raises)
                pid, status, usage = os.wait4(-1, os.WNOHANG)
                if pid == 0:
                    now = time.monotonic()
                    for run in list(running.values()):
                        if now > run.deadline:
                            os.kill(run.pid, signal.SIGKILL)
                            _, _, usage = os.wait4(run.pid, 0)
                            cpu = usage.ru_utime + usage.ru_stime
                            self.cpu_s += cpu
                            self._finish(running.pop(run.pid), TIMEOUT, cpu)
                            done_count += 1
                    time.sleep(0.005)
                    continue
                run = running.pop(pid, None)
                if run is None:
                    continue  # a grandchild a test started and left; not ours to report
                # CPU time, not wall time, says what a mutant costs on a shared machine.
                cpu = usage.ru_utime + usage.ru_stime
                self.cpu_s += cpu
                self._finish(run, os.waitstatus_to_exitcode(status), cpu)
                done_count += 1
                if time.monotonic() - last_save > 10:
                    self._save(jobs)
                    last_save = time.monotonic()
                    rate = done_count / (time.monotonic() - t0)
                    say(f"  {done_count}/{len(jobs)} mutants, {rate:.1f}/s, "
                        f"{self.cpu_s / max(1, self.ran + done_count):.2f} CPU s each")
        finally:
            for run in running.values():
                os.kill(run.pid, signal.SIGKILL)
            gc.unfreeze()
            self._save(jobs)
        self.ran += done_count
        if jobs:
            say(f"  {done_count}/{len(jobs)} mutants in {time.monotonic() - t0:.0f} s; "
                f"CPU of all mutants so far {self.cpu_s:.0f} s")

    def _finish(self, run: Running, code: int, cpu: float) -> None:
        data = b""
        try:
            while chunk := os.read(run.read_fd, 1 << 16):
                data += chunk
        finally:
            os.close(run.read_fd)
        report = json.loads(data) if data else {}
        failed = report.get("failed", [])
        # What the child imported (the tests' and the product's lazy imports: pypdfium2,
        # the services a test reaches) is imported here once, so later children inherit it
        # instead of importing it again each.
        self.to_import.update(m for m in report.get("imported", ())
                              if m not in sys.modules and not m.startswith(("tests", "test_")))
        self._record(run.job, code, failed[0] if failed else None,
                     time.monotonic() - run.started)
        self.outcome.detail[run.job.name] = {
            "code": code, "cpu": round(cpu, 3), "tests_run": report.get("n"),
            "tests_covering": len(run.job.tests), "tests_reaching": len(run.job.reach),
            "test_cpu": report.get("cpu")}

    def _record(self, job: Job, code: int, killer: str | None, seconds: float) -> None:
        if code in (-signal.SIGXCPU, signal.SIGXCPU, 128 + signal.SIGXCPU):
            code = TIMEOUT
        self.outcome.results[job.name] = code
        self.outcome.seconds[job.name] = seconds
        if killer:
            self.outcome.killer[job.name] = killer
            self.kills_by_func[job.func][killer] += 1
            self.kills_by_module[_module_of(job.name)][killer] += 1
        job.data.exit_code_by_key[job.name] = code
        job.data.durations_by_key[job.name] = seconds

    def _save(self, jobs: Iterable[Job]) -> None:
        for data in {id(j.data): j.data for j in jobs}.values():
            data.save()

    def _check_killers(self, items: dict[str, Any]) -> None:
        """Every test that killed a mutant, run once with no mutant: a test that fails on
        the real code killed nothing (mutmut's clean run, for the tests that matter)."""
        killers = sorted(set(self.outcome.killer.values()), key=lambda t: t)
        if not killers:
            return
        sel = [items[t] for t in killers if t in items]
        t0 = time.monotonic()
        global _WHY
        _WHY = str(Path(self.why_path).resolve()) if self.why_path else None
        _, code, failed = self._fork_and_wait("", sel, 3600, 3600)
        _WHY = None
        say(f"clean check of the {len(sel)} killing tests: {len(failed)} failed "
            f"({time.monotonic() - t0:.0f} s)")
        if code not in (SURVIVED, KILLED):
            raise SystemExit(f"the clean check of the killing tests crashed ({code})")
        bad = set(failed)
        for job in self.jobs:
            if self.outcome.killer.get(job.name) in bad:
                self.withdrawn[job.name] = self.outcome.killer[job.name]
                job.data.exit_code_by_key[job.name] = None
        self._save(self.jobs)
        for name, test in sorted(self.withdrawn.items()):
            say(f"  kill withdrawn (the test fails without a mutant): {name} by {test}")


def _typecheck(mutants: list[Any], out: Path | None) -> list[Any]:
    """The mutants left to test after the type-check filter (scripts/mutants_typecheck.py)
    marked the ones mypy refuses as "caught by type check"; its log in ``typecheck.json``."""
    from mutants_typecheck import filter_mutants
    from mutmut.state import state
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    tests = state().tests_by_mangled_function_name

    def has_tests(name: str) -> bool:
        return bool(tests.get(mangled_name_from_mutant_name(name)))

    return filter_mutants(mutants, Path("mutants"), has_tests,
                          out / "typecheck.json" if out else None, say)


def main(argv: list[str]) -> int:
    """argv: a JSON file naming [[group, [glob, ...]], ...], --max-children N,
    --budget MINUTES, --rerun (run mutants that have a result too)."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("groups_json")
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--budget", type=float, default=30.0)
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--no-order", action="store_true",
                    help="run each mutant's tests fastest first only (no learned order)")
    ap.add_argument("--no-lines", action="store_true",
                    help="run every test that reaches the mutated function (no line coverage)")
    ap.add_argument("--one-case", action="store_true",
                    help="of a parametrised test's cases, run one of those that ran the same "
                    "lines of the mutated file and called the mutated function with the same "
                    "arguments (docs/testing.md)")
    ap.add_argument("--stats-processes", type=int, default=1,
                    help="with line coverage: a whole stats run in N processes at once")
    ap.add_argument("--report", help="write the run's timings and withdrawn kills here")
    ap.add_argument("--prepare-only", action="store_true",
                    help="generate the mutants, trace the tests, type-check; run no mutant")
    ap.add_argument("--no-typecheck", action="store_true",
                    help="test every mutant (no mypy filter, scripts/mutants_typecheck.py)")
    ap.add_argument("--rerun-explained", action="store_true",
                    help="run the survivors explained in docs/mutants/ too (`skip_explained`)")
    args = ap.parse_args(argv)
    from fnmatch import fnmatch

    groups_spec: list[tuple[str, list[str]]] = json.loads(Path(args.groups_json).read_text())
    all_globs = [g for _, gl in groups_spec for g in gl]
    t_start = time.monotonic()
    mutants, _ = prepare(all_globs, args.max_children, lines=not args.no_lines,
                         stats_processes=args.stats_processes)
    mutants = forget_explained(mutants)  # decided again below, as the code is now
    if not args.no_typecheck:  # mutants strict mypy refuses are caught without a test run
        mutants = _typecheck(mutants, Path(args.report).parent if args.report else None)
    skipped: list[str] = []
    if not args.rerun_explained and not args.prepare_only:
        t0 = time.monotonic()
        mutants, skipped = skip_explained(mutants, args.rerun)
        say(f"{len(skipped)} explained survivors not run: their function is as stamped "
            f"in docs/mutants/ ({time.monotonic() - t0:.1f} s)")
    prep_s = time.monotonic() - t_start
    if args.prepare_only:  # a sample is drawn from the names next (scripts/mutants.py)
        say(f"prepared in {prep_s:.0f} s; no mutant run")
        return 0
    line_map = None
    if not args.no_lines:
        import mutants_lines

        line_map = mutants_lines.LineMap.load(Path("mutants", mutants_lines.LINES_FILE))
    jobs = jobs_for(mutants, args.rerun, line_map, one_case=args.one_case)
    # A mutant belongs to the first group whose globs match it.
    groups: list[tuple[str, set[str]]] = []
    taken: set[str] = set()
    for gname, gl in groups_spec:
        names = {j.name for j in jobs
                 if j.name not in taken and any(fnmatch(j.name, g) for g in gl)}
        taken |= names
        groups.append((gname, names))
    test_files = sorted({t.split("::")[0] for j in jobs for t in j.tests})
    print(f"{len(jobs)} mutants to run, covered by tests in {len(test_files)} files", flush=True)
    if not jobs:
        if args.report:  # what was skipped is still worth saying
            Path(args.report).write_text(json.dumps({
                "prepare_s": round(prep_s), "groups": {}, "mutants_run": 0,
                "mutant_cpu_s": 0.0, "explained_not_run": skipped,
            }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return 0
    from mutmut.configuration import config

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # results so far are saved, running children killed

    signal.signal(signal.SIGTERM, stop)
    from mutmut.state import state

    plugin = Resident(jobs, args.max_children, args.budget * 60 - prep_s, groups,
                      ordered=not args.no_order, durations=state().duration_by_test)
    plugin.rsa_pool = RSA_POOL
    os.chdir("mutants")
    t0 = time.monotonic()
    code = pytest.main(["--rootdir=.", "--tb=native", "-q", "-p", "no:randomly",
                        *test_files, *config().pytest_add_cli_args], plugins=[plugin])
    os.chdir("..")
    print(f"resident session: {time.monotonic() - t0:.0f} s, pytest exit code {int(code)}",
          flush=True)
    if args.report:
        Path(args.report).write_text(json.dumps({
            "prepare_s": round(prep_s), "groups": plugin.group_times,
            "machine": plugin.group_machine,
            "mutants_run": plugin.ran, "mutant_cpu_s": round(plugin.cpu_s, 1),
            "explained_not_run": skipped,
            "withdrawn": plugin.withdrawn,
            "killer": plugin.outcome.killer,
            "mutants": plugin.outcome.detail,
        }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if int(code) in (0, 5) else int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
