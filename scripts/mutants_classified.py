"""Survivors that a person has looked at and explained: `docs/mutants/<group>.toml`.

A mutant that no test kills is either a gap in the tests (write the test) or a change that
cannot matter: *equivalent* (no input can tell the mutant from the original, e.g. the
letter case of an SQL keyword) or *harmless* (only a log's wording, the order of two
independent steps, a bound no input reaches). The second kind is written down once, with
the reason, so that every later run reports only the survivors nobody has explained yet.

An entry names the mutated function and the changed lines, not mutmut's mutant number:
the numbers shift whenever a function gains or loses a mutable token, the changed lines
do not::

    [[survivor]]
    function = "dso_desktop.sync.ingest.x_store_item"   # the mutant's name without __mutmut_N
    diff = '''
    -    log.info("stored %s", key)
    +    log.info("XXstored %sXX", key)
    '''
    kind = "harmless"        # or "equivalent"
    why = "log wording only"

Indentation and blank lines of ``diff`` do not matter; ``-``/``+`` lines are compared in
order. Print a skeleton for survivors of a run with
``python scripts/mutants_classified.py skeleton NAME...`` (needs ``mutants/``).
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "docs" / "mutants"
KINDS = ("equivalent", "harmless")


@dataclass(frozen=True)
class Entry:
    function: str
    changes: tuple[str, ...]
    kind: str
    why: str
    source: str  # file and entry number, for error messages


def function_of(mutant: str) -> str:
    """``dso_desktop.x.x_f__mutmut_12`` -> ``dso_desktop.x.x_f``."""
    return mutant.rsplit("__mutmut_", 1)[0]


def changes_of(diff: str) -> tuple[str, ...]:
    """The removed and added lines of a diff, each stripped of its indentation, in order;
    file headers, hunk headers and context lines left out."""
    out = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++", "@@")):
            continue
        if line[:1] in "-+" and line:
            body = line[1:].strip()
            if body:
                out.append(line[0] + body)
    return tuple(out)


def load(folder: Path = FOLDER) -> list[Entry]:
    """Every entry of every file, checked: an entry without a function, a diff, a known
    kind or a reason is an error (a classification nobody can check is worth nothing)."""
    entries: list[Entry] = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = set(data) - {"survivor"}
        if unknown:
            raise ValueError(f"{path.name}: unknown tables {sorted(unknown)}")
        for i, raw in enumerate(data.get("survivor", []), 1):
            where = f"{path.name}, survivor {i}"
            extra = set(raw) - {"function", "diff", "kind", "why"}
            if extra:
                raise ValueError(f"{where}: unknown keys {sorted(extra)}")
            function = str(raw.get("function", "")).strip()
            changes = changes_of(str(raw.get("diff", "")))
            kind = str(raw.get("kind", ""))
            why = str(raw.get("why", "")).strip()
            if not function.startswith("dso_desktop.") or "__mutmut_" in function:
                raise ValueError(f"{where}: function must be a mutant name without "
                                 f"__mutmut_N, not {function!r}")
            if not changes:
                raise ValueError(f"{where}: diff has no -/+ line")
            if kind not in KINDS:
                raise ValueError(f"{where}: kind must be one of {KINDS}, not {kind!r}")
            if len(why) < 10:
                raise ValueError(f"{where}: why must say why ({why!r})")
            entries.append(Entry(function, changes, kind, why, where))
    return entries


class Classifier:
    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_key: dict[tuple[str, tuple[str, ...]], Entry] = {}
        for e in entries:
            key = (e.function, e.changes)
            if key in self._by_key:
                raise ValueError(f"{e.source}: the same survivor as {self._by_key[key].source}")
            self._by_key[key] = e
        self.used: set[tuple[str, tuple[str, ...]]] = set()

    def __len__(self) -> int:
        return len(self._by_key)

    def classify(self, mutant: str, diff: str) -> Entry | None:
        key = (function_of(mutant), changes_of(diff))
        entry = self._by_key.get(key)
        if entry is not None:
            self.used.add(key)
        return entry

    def unused(self, functions: Iterable[str]) -> list[Entry]:
        """Entries of the given functions that matched no survivor: after a whole run of
        those functions, either a test kills that mutant now or the code changed; either
        way the entry is stale."""
        wanted = set(functions)
        return [e for key, e in self._by_key.items()
                if key not in self.used and e.function in wanted]


def skeleton(names: list[str]) -> str:
    """TOML entries for the named mutants, their diffs filled in, kind and why to write."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import mutants

    results = mutants._results()
    parts = []
    for name in names:
        if name not in results:
            raise SystemExit(f"no mutant {name} in mutants/")
        diff = mutants._show(name, results[name][1])
        body = "\n".join(c[0] + "    " + c[1:] for c in changes_of(diff))
        parts.append(f'[[survivor]]\n# {name}\nfunction = "{function_of(name)}"\n'
                     f"diff = '''\n{body}\n'''\nkind = \"\"\nwhy = \"\"\n")
    return "\n".join(parts)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "skeleton":
        print(skeleton(sys.argv[2:]))
    elif len(sys.argv) == 2 and sys.argv[1] == "check":
        print(f"{len(Classifier(load()))} classified survivors, all well-formed")
    else:
        raise SystemExit("usage: mutants_classified.py skeleton NAME... | check")
