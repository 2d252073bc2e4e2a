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
    source = "sha256:9f2c..."  # the function the explanation was written for (below)

Indentation and blank lines of ``diff`` do not matter; ``-``/``+`` lines are compared in
order. Print a skeleton for survivors of a run with
``python scripts/mutants_classified.py skeleton NAME...`` (needs ``mutants/``).

**The stamp** (``source``) ties an explanation to the code it was written for: the SHA-256
of the mutated function's definition as it is in ``src/`` (``function_source``: its lines
whole, from its first decorator to its last line; mutmut's ``x_f`` is the module-level
``def f``, ``xǁCǁm`` the method ``m`` of the module-level class ``C``). While the function
is byte for byte what was stamped, nothing a run could show about that mutant has changed,
so the runner does not run it ("explained, not run", counted as the survivor it is); once
the function changes, the mutant runs again and, if it still survives, the summary lists
the entry to re-read (and counts it as explained no longer). An entry without a stamp is
never skipped (it runs every time, and counts as explained as before).
``python scripts/mutants_classified.py stamp NAME...`` stamps the entries of mutants seen
surviving in ``mutants/`` after a person has re-read them. The stamp covers the function
only: an explanation that rests on code outside it (a module constant, a caller's check)
is not re-checked by it; ``scripts/mutants.py --rerun-explained`` runs every mutant as a
cold run does.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "docs" / "mutants"
KINDS = ("equivalent", "harmless")
STAMP = re.compile(r"sha256:[0-9a-f]{64}")
_KEYS = {"function", "diff", "kind", "why", "source"}


@dataclass(frozen=True)
class Entry:
    function: str
    changes: tuple[str, ...]
    kind: str
    why: str
    source: str  # file and entry number, for error messages
    stamp: str | None = None  # `source = "sha256:..."`: the function it was written for
    path: Path | None = None  # the file it is in
    index: int = 0  # its place there (1 for the first [[survivor]])


def split_function(function: str) -> tuple[str, str | None, str]:
    """mutmut's name of a mutated function -> (module, class or None, function):
    ``dso_desktop.zfo.parse.x__name`` -> ``("dso_desktop.zfo.parse", None, "_name")``,
    ``dso_desktop.store.messages.xǁMessageRepoǁset_status`` ->
    ``("dso_desktop.store.messages", "MessageRepo", "set_status")``. A package's own
    functions are named without ``__init__`` (``dso_desktop.zfo.x_f``)."""
    module, _, last = function.rpartition(".")
    if last.startswith("xǁ") and last.count("ǁ") == 2:
        _, cls, name = last.split("ǁ")
        return module, cls, name
    if last.startswith("x_") and len(last) > 2:
        return module, None, last[2:]
    raise ValueError(f"not a mutated function's name: {function!r}")


def module_file(module: str, root: Path = ROOT) -> Path | None:
    base = root / "src" / Path(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


_PARSED: dict[tuple[Path, int, int], tuple[list[str], ast.Module]] = {}


def _parsed(path: Path) -> tuple[list[str], ast.Module]:
    st = path.stat()
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _PARSED:
        text = path.read_text(encoding="utf-8")
        _PARSED[key] = (text.splitlines(), ast.parse(text))
    return _PARSED[key]


def function_source(function: str, root: Path = ROOT) -> str | None:
    """What a stamp is the hash of: the definition of the function mutmut mutated, as it
    is in ``root/src`` now: every line of it whole (a method's with its indentation,
    comments and blank lines inside included), from its first decorator (mutmut mutates
    undecorated functions and those under a lone ``@staticmethod`` or ``@classmethod``)
    to its last line. mutmut mutates module-level functions and the methods written
    directly in a module-level class, nothing nested, so ``x_f`` is the module's ``def f``
    and ``xǁCǁm`` the ``def m`` in the body of its ``class C``; where a name is defined
    twice, every definition (in order). None where the function is not there (any more)."""
    module, cls, name = split_function(function)
    path = module_file(module, root)
    if path is None:
        return None
    try:
        lines, tree = _parsed(path)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    body: list[ast.stmt] = tree.body
    if cls is not None:
        classes = [n for n in body if isinstance(n, ast.ClassDef) and n.name == cls]
        if not classes:
            return None
        body = classes[-1].body
    defs = [n for n in body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not defs:
        return None
    parts = []
    for node in defs:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        parts.append("\n".join(lines[first - 1:node.end_lineno]) + "\n")
    return "\n".join(parts)


def stamp_of(function: str, root: Path = ROOT) -> str | None:
    """The stamp of the function as it is now (``function_source``), None if it is gone."""
    text = function_source(function, root)
    if text is None:
        return None
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        entries += load_file(path)
    return entries


def load_file(path: Path) -> list[Entry]:
    """The entries of one file, checked as ``load`` checks them."""
    entries: list[Entry] = []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - {"survivor"}
    if unknown:
        raise ValueError(f"{path.name}: unknown tables {sorted(unknown)}")
    for i, raw in enumerate(data.get("survivor", []), 1):
        where = f"{path.name}, survivor {i}"
        extra = set(raw) - _KEYS
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
        stamp = raw.get("source")
        if stamp is not None and not (isinstance(stamp, str) and STAMP.fullmatch(stamp)):
            raise ValueError(f"{where}: source must be \"sha256:\" and 64 lower-case hex "
                             f"digits (mutants_classified.py stamp NAME), not {stamp!r}")
        entries.append(Entry(function, changes, kind, why, where, stamp, path, i))
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

    def stamped_functions(self) -> set[str]:
        """The functions with a stamped entry: the only ones whose mutants may be skipped."""
        return {e.function for e in self._by_key.values() if e.stamp is not None}

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


def verdict(entry: Entry, stamp: str | None) -> str:
    """What a survivor that ``entry`` matches is, given its function's stamp now:
    "explained" (the stamp holds), "changed" (the function is no longer what was stamped)
    or "not stamped"."""
    if entry.stamp is None:
        return "not stamped"
    return "explained" if entry.stamp == stamp else "changed"


_HEADER = re.compile(r"\s*\[\[survivor\]\]\s*(#.*)?")
_STAMP_LINE = re.compile(r"source\s*=")


def write_stamp(entry: Entry, stamp: str) -> None:
    """Write ``source = "<stamp>"`` into the entry's block of its file (replacing the old
    one, or after the block's last line), the rest of the file byte for byte as it was;
    checked by loading the file again: the same entries, only this one's stamp new."""
    if entry.path is None or not STAMP.fullmatch(stamp):
        raise ValueError(f"{entry.source}: cannot stamp with {stamp!r}")
    before = load_file(entry.path)
    old = entry.path.read_text(encoding="utf-8")
    lines = old.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _HEADER.fullmatch(line.rstrip("\n"))]
    if len(starts) != len(before):
        raise ValueError(f"{entry.path.name}: {len(starts)} [[survivor]] lines for "
                         f"{len(before)} entries; stamp it by hand")
    begin = starts[entry.index - 1]
    end = starts[entry.index] if entry.index < len(starts) else len(lines)
    new_line = f'source = "{stamp}"\n'
    at = next((i for i in range(begin + 1, end) if _STAMP_LINE.match(lines[i])), None)
    if at is not None:
        lines[at] = new_line
    else:
        last = max(i for i in range(begin, end)
                   if lines[i].strip() and not lines[i].lstrip().startswith("#"))
        if not lines[last].endswith("\n"):
            lines[last] += "\n"
        lines.insert(last + 1, new_line)
    entry.path.write_text("".join(lines), encoding="utf-8")
    after = load_file(entry.path)
    expected = [e if e.index != entry.index else
                Entry(e.function, e.changes, e.kind, e.why, e.source, stamp, e.path, e.index)
                for e in before]
    if after != expected:
        entry.path.write_text(old, encoding="utf-8")
        raise ValueError(f"{entry.source}: stamping changed more than the stamp; "
                         "the file is left as it was")


def run_is_current(source: str, name: str, root: Path = ROOT) -> bool:
    """mutmut's result for mutant ``name`` (of the mutated file ``source``, e.g.
    ``src/dso_desktop/zfo/parse.py``) is one for the function as it is in ``src/`` now:
    the hash mutmut kept in the meta file when it generated the mutants is the function's
    hash now (mutmut's own, ``compute_function_hashes``)."""
    import json

    from mutmut.mutation.file_mutation import compute_function_hashes

    key = function_of(name).rpartition(".")[2]
    meta = root / "mutants" / (source + ".meta")
    try:
        kept = json.loads(meta.read_text(encoding="utf-8")).get("hash_by_function_name", {})
        now = compute_function_hashes((root / source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return key in now and kept.get(key) == now[key]


def stamp(names: list[str], results: dict[str, tuple[str, str]],
          diff_of: Callable[[str, str], str], folder: Path = FOLDER, root: Path = ROOT,
          current: Callable[[str, str], bool] | None = None) -> list[Entry]:
    """Stamp the entries that explain the named mutants with their function as it is now,
    after a person has re-read each explanation against it. ``results``: mutant name ->
    (mutmut's status, its source path), as ``scripts/mutants.py`` reads them from
    ``mutants/``. Refused, with nothing written, for a mutant that was not run and seen
    surviving, whose result is older than its function (``run_is_current``), or that no
    entry explains. Returns the entries stamped."""
    is_current = current or (lambda source, name: run_is_current(source, name, root))
    classifier = Classifier(load(folder))
    todo: list[tuple[Entry, str]] = []
    for name in names:
        if name not in results:
            raise SystemExit(f"{name}: no such mutant in mutants/")
        status, source = results[name]
        if status != "survived":
            raise SystemExit(f"{name}: {status}, not seen surviving; run it first "
                             "(scripts/mutants.py --keep NAME)")
        if not is_current(source, name):
            raise SystemExit(f"{name}: its function changed since it ran; run it again "
                             "(scripts/mutants.py --keep NAME)")
        entry = classifier.classify(name, diff_of(name, source))
        if entry is None:
            raise SystemExit(f"{name}: no entry in docs/mutants/ explains it "
                             "(mutants_classified.py skeleton NAME)")
        now = stamp_of(function_of(name), root)
        if now is None:
            raise SystemExit(f"{name}: {function_of(name)} not found in src/")
        todo.append((entry, now))
    for entry, now in todo:
        # An entry is found by its place in its file, which a stamp does not move.
        write_stamp(entry, now)
    return [entry for entry, _ in todo]


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
                     f"diff = '''\n{body}\n'''\nkind = \"\"\nwhy = \"\"\n"
                     f"# then: python scripts/mutants_classified.py stamp {name}\n")
    return "\n".join(parts)


def _stamp_command(names: list[str]) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import mutants

    for entry in stamp(names, mutants._results(), mutants._show):
        print(f"stamped {entry.source}: {entry.function}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "skeleton":
        print(skeleton(sys.argv[2:]))
    elif len(sys.argv) > 2 and sys.argv[1] == "stamp":
        _stamp_command(sys.argv[2:])
    elif len(sys.argv) == 2 and sys.argv[1] == "check":
        print(f"{len(Classifier(load()))} classified survivors, all well-formed")
    else:
        raise SystemExit("usage: mutants_classified.py skeleton NAME... | stamp NAME... | check")
