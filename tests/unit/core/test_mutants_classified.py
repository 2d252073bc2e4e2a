"""scripts/mutants_classified.py: explained survivors match by function and changed lines."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("mutants_classified",
                                                  ROOT / "scripts" / "mutants_classified.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutants_classified", mod)
    spec.loader.exec_module(mod)
    return mod


mc = _module()

DIFF = """--- src/dso_desktop/sync/ingest.py
+++ src/dso_desktop/sync/ingest.py
@@ -1,4 +1,4 @@
 def store_item(key):
-    log.info("stored %s", key)
+    log.info("XXstored %sXX", key)
     return key
"""

ENTRY = """
[[survivor]]
function = "dso_desktop.sync.ingest.x_store_item"
diff = '''
-  log.info("stored %s", key)

+        log.info("XXstored %sXX", key)
'''
kind = "harmless"
why = "log wording only"
"""


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "mutants"
    folder.mkdir(parents=True)
    (folder / "sync-ingest.toml").write_text(text, encoding="utf-8")
    return folder


def test_an_entry_matches_any_mutant_number_of_its_function_and_lines(tmp_path: Path) -> None:
    c = mc.Classifier(mc.load(_write(tmp_path, ENTRY)))
    entry = c.classify("dso_desktop.sync.ingest.x_store_item__mutmut_17", DIFF)
    assert entry is not None and entry.kind == "harmless" and entry.why == "log wording only"
    assert c.unused(["dso_desktop.sync.ingest.x_store_item"]) == []


def test_another_function_or_another_change_is_not_explained(tmp_path: Path) -> None:
    c = mc.Classifier(mc.load(_write(tmp_path, ENTRY)))
    assert c.classify("dso_desktop.sync.ingest.x_store_items__mutmut_1", DIFF) is None
    assert c.classify("dso_desktop.sync.ingest.x_store_item__mutmut_2",
                      DIFF.replace("XXstored", "XXStored")) is None
    # Nothing matched: after a whole run of that function the entry is stale.
    stale = c.unused(["dso_desktop.sync.ingest.x_store_item"])
    assert [e.function for e in stale] == ["dso_desktop.sync.ingest.x_store_item"]
    assert c.unused(["dso_desktop.sync.ingest.x_other"]) == []


@pytest.mark.parametrize(("change", "message"), [
    (('kind = "harmless"', 'kind = "fine"'), "kind must be one of"),
    (('why = "log wording only"', 'why = "ok"'), "why must say why"),
    (("x_store_item\"", "x_store_item__mutmut_3\""), "without __mutmut_N"),
    (("-  log", "   log"), None),  # still has a + line: well-formed
    (('function = "dso', 'colour = "red"\nfunction = "dso'), "unknown keys"),
    (('kind = "h', f'source = "sha256:{"ab" * 32}"\nkind = "h'), None),  # a stamp
    (('kind = "h', f'source = "sha256:{"AB" * 32}"\nkind = "h'), "source must be"),
    (('kind = "h', f'source = "sha256:{"ab" * 31}"\nkind = "h'), "source must be"),
    (('kind = "h', f'source = "md5:{"ab" * 32}"\nkind = "h'), "source must be"),
    (('kind = "h', 'source = 3\nkind = "h'), "source must be"),
])
def test_a_malformed_entry_is_refused(tmp_path: Path, change: tuple[str, str],
                                      message: str | None) -> None:
    text = ENTRY.replace(*change)
    assert text != ENTRY
    if message is None:
        assert len(mc.load(_write(tmp_path, text))) == 1
    else:
        with pytest.raises(ValueError, match=message):
            mc.load(_write(tmp_path, text))


def test_an_entry_without_changed_lines_or_twice_is_refused(tmp_path: Path) -> None:
    no_diff = ENTRY.replace('-  log.info("stored %s", key)', "").replace(
        '+        log.info("XXstored %sXX", key)', "")
    with pytest.raises(ValueError, match="no -/"):
        mc.load(_write(tmp_path, no_diff))
    with pytest.raises(ValueError, match="the same survivor"):
        mc.Classifier(mc.load(_write(tmp_path / "twice", ENTRY + ENTRY)))


def test_the_committed_explanations_are_well_formed() -> None:
    entries = mc.load()
    mc.Classifier(entries)  # no survivor explained twice
    groups = {p.stem for p in (ROOT / "docs" / "mutants").glob("*.toml")}
    spec = importlib.util.spec_from_file_location("mutants_script", ROOT / "scripts" /
                                                  "mutants.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert groups <= set(mod.GROUPS), "one file per group of scripts/mutants.py"
    from fnmatch import fnmatch
    for e in entries:
        assert any(fnmatch(e.function + "__mutmut_1", g) for g in mod.SCOPE), e.source


def _mutants_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("mutants_script", ROOT / "scripts" / "mutants.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_summary_only_run_of_a_sample_summarises_the_same_sample(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ms = _mutants_script()
    names = [f"dso_desktop.sync.ingest.x_f__mutmut_{i}" for i in range(1, 41)]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ms, "ROOT", tmp_path)
    monkeypatch.setattr(ms, "OUT", tmp_path / "build" / "mutants")
    monkeypatch.setattr(ms, "GROUPS", {"sync-ingest": ["dso_desktop.sync.ingest.*"]})
    monkeypatch.setattr(ms, "_statuses", lambda: dict.fromkeys(names, "survived"))
    seen: list[list[str]] = []

    def summarise(globs, *_a):  # type: ignore[no-untyped-def]
        seen.append(globs)
        return {"killed": 0, "total": len(globs), "kill_rate": 0, "modules": {}}

    monkeypatch.setattr(ms, "summarise", summarise)
    monkeypatch.setattr(ms, "write_summary", lambda _s: None)

    def no_run(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("a summary runs no mutant")

    monkeypatch.setattr(ms, "_run_resident", no_run)
    assert ms.main(["--summary-only", "--sample", "5", "--seed", "3"]) == 0
    assert seen == [ms.sample(["dso_desktop.sync.ingest.*"], 5, 3)]
    assert len(seen[0]) == 5 and set(seen[0]) <= set(names)


MODULE = '''\
"""A module."""


class Box:
    size = 3

    @staticmethod
    def label(v):
        return str(v)  # as text


def f(a):
    return a * 2
'''


def test_a_stamp_is_of_the_function_as_written_in_src_and_of_nothing_else(
        tmp_path: Path) -> None:
    src = tmp_path / "src" / "dso_desktop"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("def helper(x):\n    return x + 1\n",
                                             encoding="utf-8")
    mod = src / "mod.py"
    mod.write_text(MODULE, encoding="utf-8")
    label = "dso_desktop.mod.xǁBoxǁlabel"
    assert mc.function_source(label, tmp_path) == (
        "    @staticmethod\n    def label(v):\n        return str(v)  # as text\n")
    assert mc.function_source("dso_desktop.mod.x_f", tmp_path) == (
        "def f(a):\n    return a * 2\n")
    assert mc.function_source("dso_desktop.pkg.x_helper", tmp_path) == (
        "def helper(x):\n    return x + 1\n")
    stamps = {fn: mc.stamp_of(fn, tmp_path) for fn in (label, "dso_desktop.mod.x_f")}
    assert all(s is not None and mc.STAMP.fullmatch(s) for s in stamps.values())
    # A comment, a decorator of the method change its stamp; the class around it, another
    # function's change do not.
    for old, new, changed in (("# as text", "# text", label),
                              ("@staticmethod", "@classmethod", label),
                              ("size = 3", "size = 4", None),
                              ("a * 2", "a * 3", "dso_desktop.mod.x_f")):
        mod.write_text(MODULE.replace(old, new), encoding="utf-8")
        now = {fn: mc.stamp_of(fn, tmp_path) for fn in stamps}
        assert {fn for fn in stamps if now[fn] != stamps[fn]} == ({changed} if changed
                                                                 else set()), old
    mod.write_text(MODULE.replace("def f(", "def f2("), encoding="utf-8")
    assert mc.stamp_of("dso_desktop.mod.x_f", tmp_path) is None
    assert mc.stamp_of("dso_desktop.nothing.x_f", tmp_path) is None


def test_stamp_writes_only_for_a_survivor_seen_in_a_run_of_the_code_as_it_is(
        tmp_path: Path) -> None:
    mod = tmp_path / "src" / "dso_desktop" / "sync" / "ingest.py"
    mod.parent.mkdir(parents=True)
    mod.write_text('def store_item(key):\n    log.info("stored %s", key)\n    return key\n',
                   encoding="utf-8")
    folder = _write(tmp_path / "docs", ENTRY + ENTRY.replace("XXstored", "XXStored"))
    toml = folder / "sync-ingest.toml"
    before = toml.read_text(encoding="utf-8")
    name = "dso_desktop.sync.ingest.x_store_item__mutmut_"
    results = {name + "1": ("survived", "src/dso_desktop/sync/ingest.py"),
               name + "2": ("killed", "src/dso_desktop/sync/ingest.py"),
               name + "3": ("survived", "src/dso_desktop/sync/ingest.py"),
               name + "4": ("not checked", "src/dso_desktop/sync/ingest.py")}
    diffs = {name + "1": DIFF, name + "2": DIFF, name + "3": DIFF.replace("XXstored", "XXstor"),
             name + "4": DIFF}
    ran_on = {name + "1", name + "3"}

    def stamp(*names: str) -> list[str]:
        done = mc.stamp(list(names), results, lambda n, _s: diffs[n], folder, tmp_path,
                        current=lambda _s, n: n in ran_on)
        return [e.source for e in done]

    for bad, why in ((name + "2", "not seen surviving"), (name + "4", "not seen surviving"),
                     (name + "3", "no entry"), (name + "9", "no such mutant")):
        with pytest.raises(SystemExit, match=why):
            stamp(name + "1", bad)
    ran_on.clear()
    with pytest.raises(SystemExit, match="changed since it ran"):
        stamp(name + "1")
    assert toml.read_text(encoding="utf-8") == before  # nothing written by a refusal
    ran_on.add(name + "1")
    assert stamp(name + "1") == ["sync-ingest.toml, survivor 1"]
    first, second = mc.load(folder)
    assert first.stamp == mc.stamp_of("dso_desktop.sync.ingest.x_store_item", tmp_path)
    assert second.stamp is None
    after = toml.read_text(encoding="utf-8")
    assert after.replace(f'source = "{first.stamp}"\n', "", 1) == before
    # Stamped again after the function changed: the stamp is replaced, not added.
    mod.write_text(mod.read_text(encoding="utf-8") + "# end\n", encoding="utf-8")
    mod.write_text(mod.read_text(encoding="utf-8").replace("return key", "return key  # k"),
                   encoding="utf-8")
    stamp(name + "1")
    (first_now, _) = mc.load(folder)
    assert first_now.stamp not in (None, first.stamp)
    assert toml.read_text(encoding="utf-8").count("source = ") == 1
