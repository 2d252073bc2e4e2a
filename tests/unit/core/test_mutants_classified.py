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
