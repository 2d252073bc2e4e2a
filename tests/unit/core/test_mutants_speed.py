"""scripts/mutants_resident.py: the mutated tree's bytecode written once, and the functions
that run only in the ZFO checking process tested by the tests that start it (branch
``mutspeed``)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from tests.unit.core.test_mutants_lines import _Data, _map, _resident, _source, _write

ROOT = Path(__file__).resolve().parents[3]


def _run_two_mutants(mr: Any, path: Path, first: str, second: str
                     ) -> dict[str, tuple[int, str | None, float]]:
    """Run the tests of ``path`` through the resident runner as two mutants of one function:
    mutant 1 runs ``first``, mutant 2 ``first`` then ``second``; each mutant's (exit code,
    killing test, wall seconds). The limits are the runner's own (monkeypatch them)."""
    results: dict[str, tuple[int, str | None, float]] = {}

    class Run:
        @pytest.hookimpl(tryfirst=True)
        def pytest_runtestloop(self, session: Any) -> bool:
            items = {it.nodeid.rsplit("::", 1)[-1]: it for it in session.items}
            jobs = [mr.Job(f"pkg.mod.x_f__mutmut_{n}", tests, 0.01, _Data("src/pkg/mod.py"),
                           "pkg.mod.x_f") for n, tests in ((1, [first]),
                                                          (2, [first, second]))]
            # mutmut's own limit for these: (0.01 + 30) x 15 s, far beyond these tests
            runner = mr.Resident(jobs, 1, 600.0, [("g", {j.name for j in jobs})],
                                 durations={first: 0.01, second: 0.01})
            for job in jobs:
                t0 = time.monotonic()
                runner._run_jobs([job], items, 15.0, 30.0)
                results[job.name] = (job.data.exit_code_by_key[job.name],
                                     runner.outcome.killer.get(job.name),
                                     time.monotonic() - t0)
            return True

    code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir",
                        str(path.parent), str(path)], plugins=[Run()])
    assert code == 0
    return results


def test_the_mutated_tree_is_compiled_once_even_where_bytecode_is_not_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program a test starts imports the mutated copy again: with the cache written by
    the runner it does not compile the (big) mutated files, also under
    PYTHONDONTWRITEBYTECODE, which only stops writing a cache, never reading one."""
    mr = _resident()
    mod = tmp_path / "src" / "pkg" / "mod.py"
    mod.parent.mkdir(parents=True)
    (mod.parent / "__init__.py").write_text("", encoding="utf-8")
    mod.write_text("VALUE = 41 + 1\n", encoding="utf-8")
    test = tmp_path / "tests" / "test_x.py"
    test.parent.mkdir()
    test.write_text("def test_x():\n    pass\n", encoding="utf-8")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    mr.precompile(tmp_path)
    cached = Path(importlib.util.cache_from_source(str(mod)))
    assert cached.exists()
    assert Path(importlib.util.cache_from_source(str(test))).exists()
    # A fresh interpreter that may not write bytecode loads the module from that cache.
    probe = ("import sys, pkg.mod; "
             "print(pkg.mod.VALUE, pkg.mod.__spec__.cached, sys.dont_write_bytecode)")

    def run() -> list[str]:
        return subprocess.run([sys.executable, "-B", "-c", probe], cwd=tmp_path / "src",
                              capture_output=True, text=True, check=True,
                              env={"PYTHONPATH": str(tmp_path / "src"),
                                   "PYTHONDONTWRITEBYTECODE": "1"}).stdout.split()

    assert run() == ["42", str(cached), "True"]
    # A cache is never used for another source (Python checks its time and size)...
    stamp = cached.read_bytes()
    mod.write_text("VALUE = 7\n", encoding="utf-8")
    assert run()[0] == "7"
    # ... and a source mutmut rewrote later is compiled again by the next run.
    later = mod.stat().st_mtime + 5
    os.utime(mod, (later, later))
    mr.precompile(tmp_path)
    assert cached.read_bytes() != stamp
    assert run() == ["7", str(cached), "True"]


def test_functions_run_only_in_a_checking_process_get_the_tests_that_start_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    mr = _resident()
    from mutmut.state import state

    table = {"pkg.ingest.x_init_worker": ("t_start", "t_gone"),
             "pkg.ingest.x_check": ("t_start",)}
    reached: defaultdict[str, set[str]] = defaultdict(set)
    reached["pkg.ingest.x_check"] = {"t_here"}  # reached in-process: left as it is
    monkeypatch.setattr(state(), "tests_by_mangled_function_name", reached)
    monkeypatch.setattr(state(), "duration_by_test", {"t_start": 1.0, "t_here": 0.1})
    assert mr.map_child_process_functions(table) == 1
    # Only a test the stats run traced: a renamed one is never asked for.
    assert reached["pkg.ingest.x_init_worker"] == {"t_start"}
    assert reached["pkg.ingest.x_check"] == {"t_here"}


def test_a_child_process_function_is_chosen_by_the_lines_its_processes_ran(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The line data holds the lines the processes a test started ran (format 3,
    ``SubprocessLines``), so a function of the table is chosen by it as any other; a test
    whose processes wrote no data is a process starter and stays."""
    mr = _resident()
    from mutmut.state import state

    path = _write(tmp_path, _source())
    monkeypatch.chdir(tmp_path)
    line_map = _map(path, {2: {"t_pos", "t_neg"}, 3: {"t_pos"}, 5: {"t_neg"}})
    monkeypatch.setattr(state(), "tests_by_mangled_function_name",
                        {"pkg.mod.x_f": {"t_pos", "t_neg", "t_zero"}})
    monkeypatch.setattr(state(), "duration_by_test", {"t_pos": 0.2, "t_neg": 0.1, "t_zero": 0.3})
    mutants = [(_Data("src/pkg/mod.py"), "pkg.mod.x_f__mutmut_2", None)]
    assert mr.jobs_for(mutants, False, line_map)[0].tests == ["t_pos"]
    monkeypatch.setattr(mr, "IN_CHILD_PROCESS", {"pkg.mod.x_f": ("t_pos", "t_neg", "t_zero")})
    assert mr.jobs_for(mutants, False, line_map)[0].tests == ["t_pos"]
    line_map = _map(path, {2: {"t_pos", "t_neg"}, 3: {"t_pos"}, 5: {"t_neg"}},
                    spawners={"t_zero"})
    assert mr.jobs_for(mutants, False, line_map)[0].tests == ["t_pos", "t_zero"]


def test_the_table_names_tests_that_exist_and_start_a_checking_process() -> None:
    """A renamed test would silently leave these functions untested again ("no tests")."""
    mr = _resident()
    assert set(mr.IN_CHILD_PROCESS) == {
        f"dso_desktop.sync.ingest.x_{n}"
        for n in ("init_worker", "_lower_priority", "_exit_with", "check_in_worker")}
    for tests in mr.IN_CHILD_PROCESS.values():
        for node in tests:
            file, name = node.split("::")
            source = (ROOT / file).read_text(encoding="utf-8")
            body = re.search(rf"^def {name}\(.*?(?=^\S|\Z)", source, re.S | re.M)
            assert body is not None, node
            # Each starts a checking process: init_worker as a pool's initializer, or the
            # product's CheckingProcess (the sync, for_items).
            assert re.search(r"init_worker|for_items|sync_account|_ORPHAN_DRIVER|checker",
                             body.group(0)), node
    # The initializer's own functions run wherever a checking process starts.
    src = (ROOT / "src" / "dso_desktop" / "sync" / "ingest.py").read_text(encoding="utf-8")
    init = re.search(r"^def init_worker\(.*?(?=^\S|\Z)", src, re.S | re.M)
    assert init is not None
    assert "_lower_priority()" in init.group(0) and "_exit_with" in init.group(0)


def test_a_test_that_hangs_is_a_timeout_at_its_own_limit_and_its_processes_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mutant that makes one test hang (a checking process that never ends, so the
    pool's shutdown waits for ever) ends at that test's limit (``test_limit`` of what it
    took in the stats run), not at mutmut's limit for the whole mutant; it counts as a
    timeout with that test as the killer, and the process the test started is killed too.
    A test within its limit runs as before."""
    mr = _resident()
    pidfile = tmp_path / "grandchild.pid"
    (tmp_path / "test_hang.py").write_text(
        "import subprocess, sys\n"
        "def test_quick():\n"
        "    pass\n"
        "def test_hangs():\n"
        "    p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"    open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "    p.wait()\n", encoding="utf-8")
    monkeypatch.setattr(mr, "TEST_LIMIT_CONSTANT", 1.0)
    results = _run_two_mutants(mr, tmp_path / "test_hang.py", "test_quick", "test_hangs")
    assert results["pkg.mod.x_f__mutmut_1"][:2] == (mr.SURVIVED, None)
    code2, killer, seconds = results["pkg.mod.x_f__mutmut_2"]
    assert code2 == mr.TIMEOUT and killer == "test_hang.py::test_hangs"
    assert seconds < 10
    grandchild = int(pidfile.read_text())
    for _ in range(100):  # killed, then reaped by init
        if not Path(f"/proc/{grandchild}").exists() or \
                Path(f"/proc/{grandchild}/stat").read_text().split()[2] == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the process the hung test started still runs")


def test_the_tests_that_killed_before_come_first_by_their_cost_for_a_kill() -> None:
    """A killed mutant costs the tests run before its killer: what killed mutants of the
    same function comes first, then what killed mutants of the same module, each by its
    time over its kills; then the tests named after the module, then the rest (in the
    stats run's order, fastest first)."""
    mr = _resident()
    tests = ["tests/a/test_other.py::t_cheap", "tests/a/test_mod.py::t_named",
             "tests/a/test_other.py::t_mod_killer", "tests/a/test_other.py::t_slow_many",
             "tests/a/test_other.py::t_fast_few"]
    job = mr.Job("pkg.mod.x_f__mutmut_9", tests, 1.0, _Data("src/pkg/mod.py"), "pkg.mod.x_f")
    durations = {"tests/a/test_other.py::t_slow_many": 1.0,
                 "tests/a/test_other.py::t_fast_few": 0.05}
    runner = mr.Resident([job], 1, 60.0, [], durations=durations)
    runner.kills_by_func["pkg.mod.x_f"].update({"tests/a/test_other.py::t_slow_many": 5,
                                                "tests/a/test_other.py::t_fast_few": 3})
    runner.kills_by_module["pkg.mod"].update({"tests/a/test_other.py::t_mod_killer": 1,
                                              "tests/a/test_other.py::t_slow_many": 5})
    assert runner._order(job) == [
        "tests/a/test_other.py::t_fast_few",  # 0.06 s / 3 kills
        "tests/a/test_other.py::t_slow_many",  # 1.01 s / 5 kills
        "tests/a/test_other.py::t_mod_killer",
        "tests/a/test_mod.py::t_named",
        "tests/a/test_other.py::t_cheap"]
    runner.ordered = False
    assert runner._order(job) == tests


def test_rsa_keys_made_before_the_forks_are_handed_out_once_each(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' PKIs get distinct 2048-bit keys from the pool, then freshly made ones;
    other parameters are made as asked."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    mr = _resident()
    monkeypatch.setattr(rsa, "generate_private_key", rsa.generate_private_key)
    assert mr.pool_rsa_keys(3) == 3
    from dso_desktop.zfo.testpki import rsa_key

    def numbers(key: Any) -> int:
        return int(key.private_numbers().p)

    keys = [rsa_key() for _ in range(5)]
    assert len({numbers(k) for k in keys}) == 5
    assert all(k.key_size == 2048 for k in keys)
    assert rsa.generate_private_key(public_exponent=65537, key_size=3072).key_size == 3072
    # a second pool wraps the library's function, not the first pool
    assert mr.pool_rsa_keys(1) == 1
    assert getattr(rsa.generate_private_key, "_mutants_original", None) is not None


def test_a_property_test_runs_few_and_the_same_examples_in_a_mutation_run() -> None:
    """In a mutation run (``tests/conftest.py``'s ``_cap_examples``) a property test runs at
    most ``MUTANT_EXAMPLES`` examples, derived from the test itself: two runs (two mutants'
    children, or the stats run and a child) draw the same ones, and no example database
    carries a failure from one mutant to the next."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from tests import conftest

    seen: list[int] = []

    @settings(max_examples=300, deadline=None)
    @given(st.integers())
    def prop(n: int) -> None:
        seen.append(n)

    class Item:
        obj = prop

    conftest._cap_examples([Item()])  # type: ignore[list-item]
    capped = prop._hypothesis_internal_use_settings  # type: ignore[attr-defined]
    assert capped.max_examples == conftest.MUTANT_EXAMPLES < 300
    assert capped.derandomize and capped.database is None
    prop()
    first = list(seen)
    seen.clear()
    prop()
    assert 0 < len(first) <= conftest.MUTANT_EXAMPLES
    assert seen == first


def test_a_test_that_spins_is_a_timeout_at_its_cpu_limit_and_a_slow_one_that_waits_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mutant that makes a loop spin ends when the test has used its CPU limit
    (``test_cpu_limit``), long before the wall-clock limit; a test that waits longer than
    that CPU limit without using CPU passes as before."""
    mr = _resident()
    (tmp_path / "test_spin.py").write_text(
        "import time\n"
        "def test_waits():\n"
        "    time.sleep(1.5)\n"
        "def test_spins():\n"
        "    while True:\n"
        "        pass\n", encoding="utf-8")
    monkeypatch.setattr(mr, "TEST_CPU_CONSTANT", 1.0)  # the wall-clock limit stays 30 s
    results = _run_two_mutants(mr, tmp_path / "test_spin.py", "test_waits", "test_spins")
    assert results["pkg.mod.x_f__mutmut_1"][:2] == (mr.SURVIVED, None)
    code2, killer, seconds = results["pkg.mod.x_f__mutmut_2"]
    assert code2 == mr.TIMEOUT and killer == "test_spin.py::test_spins"
    assert seconds < 25  # with the wall-clock limit alone: 1.5 s of waiting + 30 s


def test_a_test_that_eats_memory_is_killed_at_the_childs_memory_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mutant that makes a test allocate without end (a download that reads an endless
    body) fails that test at the child's memory limit, a kill with that test as the killer,
    instead of growing until the kernel ends the child (which mutmut reports as a
    "segfault", not killed); a test that allocates a little passes as before."""
    mr = _resident()
    (tmp_path / "test_eat.py").write_text(
        "def test_small():\n"
        "    assert len(bytearray(50 << 20)) == 50 << 20\n"
        "def test_eats():\n"
        "    chunks = []\n"
        "    for _ in range(64):\n"
        "        chunks.append(bytearray(64 << 20))\n", encoding="utf-8")
    monkeypatch.setattr(mr, "CHILD_MEMORY_HEADROOM", 1 << 30)  # 4 GiB would not fit: 1 GiB
    results = _run_two_mutants(mr, tmp_path / "test_eat.py", "test_small", "test_eats")
    assert results["pkg.mod.x_f__mutmut_1"][:2] == (mr.SURVIVED, None)
    assert results["pkg.mod.x_f__mutmut_2"][:2] == (mr.KILLED, "test_eat.py::test_eats")


def test_a_kept_tree_gets_the_extension_built_since(tmp_path: Path) -> None:
    # mutmut copies a file once and re-copies only the Python it mutates: the built C
    # extension (and its source) must be copied again when they changed, or a kept tree
    # imports an extension of an older API (the tests then skip its fast path).
    mr = _resident()
    src, copy = tmp_path / "src", tmp_path / "mutants" / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "pkg" / "_ext.so").write_bytes(b"new build")
    (src / "pkg" / "_ext.c").write_bytes(b"int x;")
    (src / "pkg" / "mod.py").write_text("x = 1\n")
    (src / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"pyc")
    (copy / "pkg").mkdir(parents=True)
    (copy / "pkg" / "_ext.so").write_bytes(b"old build")
    (copy / "pkg" / "mod.py").write_text("x = 2  # mutated\n")
    copied = mr.refresh_copied_files(src, copy)
    assert sorted(p.relative_to(copy).as_posix() for p in copied) == ["pkg/_ext.c", "pkg/_ext.so"]
    assert (copy / "pkg" / "_ext.so").read_bytes() == b"new build"
    assert (copy / "pkg" / "mod.py").read_text() == "x = 2  # mutated\n"  # mutmut's to write
    assert not (copy / "pkg" / "__pycache__").exists()
    assert mr.refresh_copied_files(src, copy) == []  # the same size and time: left alone
