"""Explained survivors are not run again while their function is what was explained
(branch ``mutskip``): the stamp of scripts/mutants_classified.py, the runner's skip
(scripts/mutants_resident.py), ``--rerun-explained`` and the summary (scripts/mutants.py).

A tiny ``src/dso_desktop/mod.py`` in a folder of its own stands for the product; entries of
a ``docs/mutants`` folder beside it explain its mutants; mutmut need not have run.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.unit.core.test_mutants_lines import _Data, _resident
from tests.unit.core.test_mutants_typecheck import _mutants_script

ROOT = Path(__file__).resolve().parents[3]


def _classified() -> ModuleType:
    """scripts/mutants_classified.py under the name the runner and the summary import."""
    if "mutants_classified" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "mutants_classified", ROOT / "scripts" / "mutants_classified.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules["mutants_classified"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["mutants_classified"]


mc = _classified()

MOD = '''\
"""A module of the product."""


class Box:
    @staticmethod
    def label(v):
        return str(v)


def f(a):
    # doubled
    return a * 2


def g(a):
    return a - 1
'''

PATH = "src/dso_desktop/mod.py"
F, G, LABEL = ("dso_desktop.mod.x_f", "dso_desktop.mod.x_g",
               "dso_desktop.mod.xǁBoxǁlabel")
DIFFS = {
    f"{F}__mutmut_3": "-    return a * 2\n+    return a * 3\n",  # explained, stamped
    f"{F}__mutmut_4": "-    return a * 2\n+    return a / 2\n",  # nobody explained it
    f"{F}__mutmut_7": "-    return a * 2\n+    return None\n",  # explained, stamped
    f"{G}__mutmut_1": "-    return a - 1\n+    return a + 1\n",  # stamped, g changed since
    f"{LABEL}__mutmut_1": "-        return str(v)\n+        return None\n",  # no stamp
}


def _entry(function: str, diff: str, kind: str, stamp: str | None) -> str:
    return (f'[[survivor]]\nfunction = "{function}"\ndiff = """\n{diff}"""\n'
            f'kind = "{kind}"\nwhy = "the reason a person wrote for it"\n'
            + (f'source = "{stamp}"\n' if stamp else "") + "\n")


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    """The product folder (``g`` changed after its entry was stamped) and the entries."""
    mod = tmp_path / PATH
    mod.parent.mkdir(parents=True)
    mod.write_text(MOD.replace("a - 1", "a - 2"), encoding="utf-8")
    old_g = mc.stamp_of(G, tmp_path)
    mod.write_text(MOD, encoding="utf-8")
    assert old_g is not None and old_g != mc.stamp_of(G, tmp_path)
    f_now = mc.stamp_of(F, tmp_path)
    docs = tmp_path / "docs" / "mutants"
    docs.mkdir(parents=True)
    (docs / "g.toml").write_text(
        _entry(F, DIFFS[f"{F}__mutmut_3"], "equivalent", f_now)
        + _entry(F, DIFFS[f"{F}__mutmut_7"], "harmless", f_now)
        + _entry(G, DIFFS[f"{G}__mutmut_1"], "equivalent", old_g)
        + _entry(LABEL, DIFFS[f"{LABEL}__mutmut_1"], "equivalent", None), encoding="utf-8")
    return tmp_path, docs


def _data() -> Any:
    """mutmut's data of the file: every mutant of it, none with a result yet."""
    data = _Data(PATH)
    data.exit_code_by_key = dict.fromkeys(DIFFS)
    return data


def _skip(mr: Any, root: Path, docs: Path) -> Any:
    """The runner's skip against the tiny tree instead of the repository's."""
    real = mr.skip_explained

    def skip(mutants: Any, rerun: bool) -> Any:
        return real(mutants, rerun, diff_of=lambda name, _p: DIFFS.get(name, ""),
                                 classifier=mc.Classifier(mc.load(docs)),
                                 stamp_of=lambda fn: mc.stamp_of(fn, root))
    return skip


def test_a_matching_stamp_skips_and_a_changed_or_unstamped_function_runs(
        tmp_path: Path) -> None:
    mr = _resident()
    root, docs = _tree(tmp_path)
    data = _data()
    names = [*DIFFS]
    mutants = [(data, n, None) for n in names]
    rest, skipped = _skip(mr, root, docs)(mutants, False)
    assert skipped == [f"{F}__mutmut_3", f"{F}__mutmut_7"]
    assert {k: v for k, v in data.exit_code_by_key.items() if v is not None} == dict.fromkeys(
        skipped, mr.EXPLAINED_NOT_RUN)
    # Not explained, explained for another g, explained without a stamp: they run.
    assert [n for _, n, _ in rest] == [f"{F}__mutmut_4", f"{G}__mutmut_1",
                                       f"{LABEL}__mutmut_1"]
    # A result kept from an earlier run stays unless the mutants run again (--rerun).
    data = _data()
    data.exit_code_by_key[f"{F}__mutmut_3"] = 0
    rest, skipped = _skip(mr, root, docs)([(data, f"{F}__mutmut_3", 0)], False)
    assert (skipped, [n for _, n, _ in rest]) == ([], [f"{F}__mutmut_3"])
    rest, skipped = _skip(mr, root, docs)([(data, f"{F}__mutmut_3", 0)], True)
    assert (skipped, rest) == ([f"{F}__mutmut_3"], [])
    # Once f changes, its explanations are no longer the code's: both run.
    (root / PATH).write_text(MOD.replace("# doubled", "# twice"), encoding="utf-8")
    rest, skipped = _skip(mr, root, docs)([(_data(), n, None) for n in names], False)
    assert skipped == [] and len(rest) == len(names)


def test_an_entry_matching_two_mutants_of_its_function_skips_neither(tmp_path: Path) -> None:
    """The same change in two places of a function: the entry's reason may hold for one of
    them only, and which one it was written for the lines cannot say."""
    mr = _resident()
    root, docs = _tree(tmp_path)
    twin = f"{F}__mutmut_8"
    DIFFS[twin] = DIFFS[f"{F}__mutmut_3"]
    try:
        data = _data()
        rest, skipped = _skip(mr, root, docs)([(data, f"{F}__mutmut_3", None)], False)
    finally:
        del DIFFS[twin]
    assert skipped == []
    assert [n for _, n, _ in rest] == [f"{F}__mutmut_3"]
    assert data.exit_code_by_key[f"{F}__mutmut_3"] is None
    # Without the twin the same entry skips it.
    rest, skipped = _skip(mr, root, docs)([(_data(), f"{F}__mutmut_3", None)], False)
    assert (skipped, rest) == ([f"{F}__mutmut_3"], [])


def _main(mr: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Any,
          *flags: str) -> tuple[list[str], dict[str, Any]]:
    """The runner's main up to the jobs, on the tiny tree's mutants: the names it would
    run and its report."""
    root, docs = tmp_path / "tree", tmp_path / "tree" / "docs" / "mutants"
    mutants = [(data, n, data.exit_code_by_key.get(n)) for n in DIFFS]
    monkeypatch.setattr(mr, "prepare", lambda *a, **k: (mutants, {}))
    monkeypatch.setattr(mr, "skip_explained", _skip(mr, root, docs))
    seen: list[str] = []

    def jobs_for(todo: Any, rerun: bool, *a: Any, **k: Any) -> list[Any]:
        seen.extend(n for _, n, r in todo if r is None or rerun)
        return []

    monkeypatch.setattr(mr, "jobs_for", jobs_for)
    spec = tmp_path / "groups.json"
    spec.write_text(json.dumps([["g", ["dso_desktop.mod.*"]]]), encoding="utf-8")
    report = tmp_path / "resident.json"
    assert mr.main([str(spec), "--no-lines", "--no-typecheck", "--report", str(report),
                    *flags]) == 0
    return seen, json.loads(report.read_text(encoding="utf-8"))


def test_the_flag_runs_every_mutant_even_after_a_run_that_skipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mr = _resident()
    _tree(tmp_path / "tree")
    data = _data()
    seen, report = _main(mr, tmp_path, monkeypatch, data)
    skipped = [f"{F}__mutmut_3", f"{F}__mutmut_7"]
    assert report["explained_not_run"] == skipped
    assert seen == [n for n in DIFFS if n not in skipped]
    assert all(data.exit_code_by_key[n] == mr.EXPLAINED_NOT_RUN for n in skipped)
    # The same kept tree with --rerun-explained: the earlier skips are not results.
    seen, report = _main(mr, tmp_path, monkeypatch, data, "--rerun-explained")
    assert report["explained_not_run"] == []
    assert seen == list(DIFFS)
    assert all(data.exit_code_by_key[n] is None for n in skipped)


def test_the_rates_count_a_skipped_survivor_as_a_survivor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, docs = _tree(tmp_path)
    ms = _mutants_script("mutants_script_skip")
    statuses = {f"{F}__mutmut_3": "skipped", f"{F}__mutmut_4": "survived",
                f"{F}__mutmut_7": "survived", f"{G}__mutmut_1": "survived",
                f"{LABEL}__mutmut_1": "survived", f"{F}__mutmut_5": "killed",
                f"{F}__mutmut_6": "caught by type check"}
    monkeypatch.setattr(ms, "ROOT", root)
    monkeypatch.setattr(ms, "OUT", root / "build" / "mutants")
    monkeypatch.setattr(ms, "_statuses", lambda: statuses)
    monkeypatch.setattr(ms, "_results", lambda: {k: (v, PATH) for k, v in statuses.items()})
    monkeypatch.setattr(ms, "_show", lambda name, _source: DIFFS.get(name, ""))
    real_load = mc.load
    monkeypatch.setattr(mc, "load", lambda folder=docs: real_load(folder))
    s = ms.summarise(["dso_desktop.mod.*"], 1.0, (0.0, 0.0, 0.0), 1, {})
    # Killed: the kill and the type check's catch; the skipped survivor is one of the five.
    assert (s["total"], s["killed"]) == (7, 2)
    assert s["kill_rate"] == round(2 / 7, 4)
    assert f"{F}__mutmut_3" in s["survivors"] and len(s["survivors"]) == 5
    # An explanation counts while its stamp holds, or while it has none (it runs every
    # time then): f's two and label's, two of them equivalent. g's equivalent entry is to
    # be re-read (g changed since it was stamped), so the rate without equivalents leaves
    # out two, not three.
    assert set(s["classified"]) == {f"{F}__mutmut_3", f"{F}__mutmut_7", f"{LABEL}__mutmut_1"}
    assert s["not_run"] == [f"{F}__mutmut_3"]
    assert s["unstamped"] == [f"{LABEL}__mutmut_1"]
    assert s["equivalent"] == 2
    assert s["kill_rate_without_equivalent"] == round(2 / 5, 4)
    assert {k: v["because"] for k, v in s["to_reread"].items()} == {
        f"{G}__mutmut_1": "the function changed since the explanation was stamped"}
    assert s["unclassified"] == [f"{F}__mutmut_4"]
    ms.write_summary(s)
    md = (root / "build" / "mutants" / "summary.md").read_text(encoding="utf-8")
    assert "3 explained in docs/mutants/ (1 of them not run" in md
    assert "1 not stamped yet, run every time" in md
    assert "1 explanations to re-read" in md
    not_run = md.split("not run (the function is as stamped")[1]
    assert f"- {F}__mutmut_3: equivalent" in not_run
    assert f"{F}__mutmut_7" not in not_run
    assert f"### {G}__mutmut_1 (survived): the function changed" in md
    assert "| dso_desktop.mod | 7 | 2 | 28.6 % | explained, not run: 1, survived: 4 |" in md


MUTATED = '''\
def x_f__mutmut_orig(a, b=1):
    total = (a
             + b)
    return total * 2


def x_f__mutmut_1(a, b=2):
    total = (a
             + b)
    return total * 2


def x_f__mutmut_2(a, b=1):
    total = (a
             - b)
    return total * 2


class Box:
    def xǁBoxǁsize__mutmut_orig(self, v):
        n = len(v
                or "")
        return n + 1

    def xǁBoxǁsize__mutmut_1(self, v):
        n = len(v
                or "XXXX")
        return n + 1
'''


def test_the_quick_diffs_change_the_lines_mutmut_s_own_diffs_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The skip reads every mutant of a function with a stamped entry: the changed lines
    come from the line-span index and difflib, not from libcst, and must be mutmut's."""
    diff_apply = pytest.importorskip("mutmut.mutation.diff_apply")
    mr = _resident()
    mutated = tmp_path / "mutants" / "src" / "pkg" / "mod.py"
    mutated.parent.mkdir(parents=True)
    mutated.write_text(MUTATED, encoding="utf-8")
    # mutmut's index: 1-based, inclusive, the blank lines before a function with it
    spans = {"x_f__mutmut_orig": [1, 4], "x_f__mutmut_1": [5, 10], "x_f__mutmut_2": [11, 16],
             "xǁBoxǁsize__mutmut_orig": [20, 23], "xǁBoxǁsize__mutmut_1": [24, 28]}
    (tmp_path / "mutants" / "src" / "pkg" / "mod.py.spans").write_text(
        json.dumps({"version": 1, "spans": spans}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    quick = mr.MutantDiffs()
    for name in ("pkg.mod.x_f__mutmut_1", "pkg.mod.x_f__mutmut_2",
                 "pkg.mod.xǁBoxǁsize__mutmut_1"):
        theirs = diff_apply.get_diff_for_mutant(name, path="src/pkg/mod.py")
        ours = quick(name, "src/pkg/mod.py")
        assert mc.changes_of(ours) == mc.changes_of(theirs) != (), name
    assert mc.changes_of(quick("pkg.mod.x_f__mutmut_1", "src/pkg/mod.py")) == (
        "-def f(a, b=1):", "+def f(a, b=2):")
    # No index for a file: mutmut's own diff (none here: no such file either).
    assert quick("pkg.other.x_g__mutmut_1", "src/pkg/other.py") == ""
