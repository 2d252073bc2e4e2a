"""Line coverage chooses each mutant's tests (what PIT and Stryker do), for
``scripts/mutants_resident.py``.

mutmut's stats say which tests *reach a function*; a surviving mutant then runs all of them,
although most never execute the mutated line and so cannot behave differently. Here:

1. **Recording** (``LineRecorder``): mutmut's own stats run (one pytest session over the
   whole test selection, no mutant active) also runs under ``coverage`` (CTracer) with a
   context per test node id, switched when pytest starts each test (its set-up included).
   Traced are the mutated copies ``mutants/src/dso_desktop/**``, where with no mutant
   active each trampoline calls ``..__mutmut_orig``: the lines recorded are the orig
   functions' lines. Also recorded: the lines executed outside any test (imports and
   collection, before the first test) and the tests that start a process (a ``fork``, a
   ``multiprocessing`` process, a Python program): their child may run mutated code that
   the parent's tracer never sees. The result goes to ``mutants/mutmut-lines.json`` with a
   digest of each traced file, so that data for a file mutmut has since rewritten is never
   used.
2. **Selection** (``LineMap.tests_for``): for a mutant ``F__mutmut_N``, the lines of its
   file that differ from ``F__mutmut_orig`` (``ast`` for both functions' spans, ``difflib``
   on their body lines, mapped to the orig's line numbers), widened to the smallest ``ast``
   statement of the orig holding them all (for a compound statement whose header alone
   changed, the header's lines). The tests to run are those of mutmut's function-level set
   that executed one of those lines, plus the function-level set's process starters.

Why the result of a mutant cannot change (deterministic tests): the mutant and the orig are
the same code but inside that statement. A test that executed none of the statement's
lines in the stats run never reached it, so with the mutant it runs the very same
instructions: it passes again. Where that argument needs more than the line data shows,
the function-level set is used unchanged (``FALLBACK``): the change touches the ``def``
line, the signature, defaults or decorators; lines were added with none removed (no
orig line to map them to); the statement holding the change is the function itself; no
instruction of the statement's lines exists in the compiled orig (e.g. code the compiler
folded away, which no tracer can see); the file was not traced completely, or has
changed since; or a line of the statement was executed outside any test (at import).

A mutant whose statement no test of its function's set executed (and no process starter is
in that set) is a survivor with no test run: every test that reaches the function would
pass on it. It is *not* "no tests" (mutmut's status for a function that no test reaches):
recording it so would change its result.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import enum
import functools
import hashlib
import inspect
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

import pytest

LINES_FILE = "mutmut-lines.json"  # in mutants/, beside mutmut's mutmut-stats.json
FORMAT = 4  # 3: the lines of the Python processes a test starts are its own; 4: call digests


def file_key(path: str | os.PathLike[str]) -> str | None:
    """The key of a traced file: its path from the package on (``dso_desktop/zfo/der.py``),
    whatever folder the stats run imported it from; None for a file outside ``src``."""
    parts = Path(os.path.abspath(path)).parts
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == "src" and i + 1 < len(parts):
            return "/".join(parts[i + 1:])
    return None


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- which lines a mutant changes --------------------------------------------------------

_FuncDef = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(tree: ast.AST, wanted: set[str]) -> dict[str, _FuncDef]:
    found: dict[str, _FuncDef] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in wanted:
            if node.name in found:  # the same name twice: which one runs is unclear
                found[node.name] = None  # type: ignore[assignment]
            else:
                found[node.name] = node
    return {k: v for k, v in found.items() if v is not None}


def _signature(fn: _FuncDef) -> str:
    """Everything of a ``def`` but its name and body."""
    return "|".join(ast.dump(x) for x in (fn.args, fn.returns, *fn.decorator_list)
                    if x is not None) + f"|{type(fn).__name__}"


def _start(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decorators)])


def _header_end(node: ast.stmt) -> int | None:
    """The last line of a compound statement's header (``if x:``, ``with a as b:``, a
    nested ``def`` with its decorators), None for a simple statement."""
    body = getattr(node, "body", None)
    if not isinstance(body, list) or not body or not isinstance(body[0], ast.AST):
        return None
    first = body[0]
    if isinstance(node, ast.Try | ast.TryStar):
        return node.lineno  # ``try:`` has no code of its own
    return max(_start(node), getattr(first, "lineno", node.lineno) - 1)


Span = tuple[int, int, int | None]  # first line, last line, last line of the header


def statement_spans(orig: _FuncDef) -> list[Span]:
    """Every statement below the function, as (first line, last line, header's last line
    or None), smallest first."""
    spans = [(_start(n), n.end_lineno or n.lineno, _header_end(n)) for n in ast.walk(orig)
             if n is not orig and isinstance(n, ast.stmt)]
    return sorted(spans, key=lambda s: s[1] - s[0])


def _statement_lines(spans: list[Span], changed: set[int]) -> set[int] | None:
    """The orig lines whose execution decides whether a test can see the change: those of
    the smallest statement holding every changed line (of a compound statement only its
    header when the change lies there). None: no statement below the function holds them."""
    lo, hi = min(changed), max(changed)
    for start, end, header in spans:
        if start <= lo and hi <= end:
            if header is not None and hi <= header:
                return set(range(start, header + 1))
            return set(range(start, end + 1))
    return None


def _code_lines(filename: str, orig: _FuncDef) -> set[int]:
    """Line numbers that instructions of the compiled orig (and its nested code) carry."""
    module = ast.Module(body=[orig], type_ignores=[])
    code = compile(module, filename, "exec", dont_inherit=True)
    lines: set[int] = set()
    todo = [code]
    while todo:
        c = todo.pop()
        lines.update(line for _, _, line in c.co_lines() if line is not None)
        todo.extend(k for k in c.co_consts if hasattr(k, "co_lines"))
    return lines


@dataclass
class Change:
    """What a mutant changes, in the orig's line numbers: ``lines`` is None when the
    function-level set must be used (``why`` says why)."""

    lines: set[int] | None
    why: str = ""


class Parsed:
    """A mutants file parsed once: its lines and functions by name (a file holds the orig
    and every mutant of each function, thousands for the biggest)."""

    def __init__(self, source: str, filename: str = "<mutants>") -> None:
        self.source = source
        self.filename = filename
        self.text = source.splitlines()
        self.funcs: dict[str, _FuncDef | None] = {}
        self._code: dict[str, set[int]] = {}
        self._spans: dict[str, list[Span]] = {}
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return
        # mutmut writes the functions at module level and the methods in their class.
        todo: list[ast.stmt] = list(tree.body)
        while todo:
            node = todo.pop()
            if isinstance(node, ast.ClassDef):
                todo.extend(node.body)
            elif (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    and "__mutmut_" in node.name):
                # The same name twice: which one runs is unclear (None: fall back).
                self.funcs[node.name] = None if node.name in self.funcs else node

    def spans(self, orig: _FuncDef) -> list[Span]:
        if orig.name not in self._spans:
            self._spans[orig.name] = statement_spans(orig)
        return self._spans[orig.name]

    def code_lines(self, orig: _FuncDef) -> set[int]:
        if orig.name not in self._code:
            self._code[orig.name] = _code_lines(self.filename, orig)
        return self._code[orig.name]


def mutant_lines(parsed: Parsed | str, mutant: str) -> Change:
    """The orig lines a test must execute to see mutant ``mutant`` (the local name of the
    mutant function in the mutants file, e.g. ``x_decide__mutmut_3``)."""
    if isinstance(parsed, str):
        parsed = Parsed(parsed)
    stem, sep, _ = mutant.rpartition("__mutmut_")
    if not sep:
        return Change(None, "not a mutant name")
    orig, mut = parsed.funcs.get(f"{stem}__mutmut_orig"), parsed.funcs.get(mutant)
    if orig is None or mut is None:
        return Change(None, "orig or mutant not found once")
    if _signature(orig) != _signature(mut):
        return Change(None, "signature, defaults or decorators changed")
    if not orig.body or not mut.body:
        return Change(None, "empty body")
    o0, m0 = orig.body[0].lineno, mut.body[0].lineno
    if o0 == orig.lineno or m0 == mut.lineno:
        return Change(None, "body on the def line")
    o_lines = parsed.text[o0 - 1:orig.end_lineno]
    m_lines = parsed.text[m0 - 1:mut.end_lineno]
    changed: set[int] = set()
    if len(o_lines) == len(m_lines):
        # The usual case (one expression changed in place): line i is line i. Faster than
        # difflib on the biggest functions, and never narrower.
        changed = {o0 + i for i, (a, b) in enumerate(zip(o_lines, m_lines, strict=True))
                   if a != b}
    else:
        matcher = difflib.SequenceMatcher(None, o_lines, m_lines, autojunk=False)
        for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if i1 == i2:
                return Change(None, "lines added with none removed")
            changed.update(range(o0 + i1, o0 + i2))
    if not changed:
        return Change(None, "no line differs")
    lines = _statement_lines(parsed.spans(orig), changed)
    if lines is None:
        return Change(None, "no statement below the function holds the change")
    if not lines & parsed.code_lines(orig):
        return Change(None, "no instruction on the statement's lines")
    return Change(lines)


# -- the recorded coverage and the selection ----------------------------------------------

@dataclass
class FileLines:
    sha256: str
    complete: bool  # traced in a run of the whole selection
    lines: dict[int, set[int]] = field(default_factory=dict)  # line -> test indices
    outside: set[int] = field(default_factory=set)  # lines executed outside any test


@dataclass
class LineMap:
    tests: list[str] = field(default_factory=list)
    files: dict[str, FileLines] = field(default_factory=dict)
    spawners: set[str] = field(default_factory=set)
    traced: set[str] = field(default_factory=set)  # every test run under the recorder
    # file key -> function (``x_f``, ``xǁCǁm``) -> test index -> digest of its calls'
    # arguments in that test (``CallProbe``; UNSTABLE where one could not be read)
    calls: dict[str, dict[str, dict[int, str]]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)  # tests during which a process started
    _parsed: dict[str, Parsed] = field(default_factory=dict, repr=False, compare=False)
    # per file: each test's lines in it (``one_case_per_lines``)
    _signatures: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict, repr=False,
                                                   compare=False)
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    # -- storage
    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "tests": self.tests, "spawners": sorted(self.spawners),
                "traced": sorted(self.traced), "started": sorted(self.started),
                "calls": {k: {f: {str(i): d for i, d in sorted(per.items())}
                              for f, per in sorted(fs.items())}
                          for k, fs in sorted(self.calls.items())},
                "files": {k: {"sha256": f.sha256, "complete": f.complete,
                              "outside": sorted(f.outside),
                              "lines": {str(n): sorted(t) for n, t in sorted(f.lines.items())}}
                          for k, f in sorted(self.files.items())}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineMap:
        if data.get("format") != FORMAT:
            return cls()
        return cls(list(data["tests"]),
                   {k: FileLines(f["sha256"], bool(f["complete"]),
                                 {int(n): set(t) for n, t in f["lines"].items()},
                                 set(f["outside"]))
                    for k, f in data["files"].items()},
                   set(data["spawners"]), set(data["traced"]),
                   {k: {f: {int(i): d for i, d in per.items()} for f, per in fs.items()}
                    for k, fs in data["calls"].items()},
                   set(data["started"]))

    @classmethod
    def load(cls, path: Path) -> LineMap:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)

    # -- merging a run
    def merge(self, measured: dict[str, dict[int, set[str]]], outside: dict[str, set[int]],
              shas: dict[str, str], spawners: set[str], full: bool,
              traced: set[str] | None = None,
              calls: dict[str, dict[str, str]] | None = None,
              started: set[str] | None = None) -> None:
        """Add what a stats run measured. ``full``: the run covered the whole selection (a
        file it did not trace is then known to be reached by no test). A partial run (only
        new tests) keeps the earlier data of a file only if the file is unchanged.
        ``calls``: test -> ``file key:function`` -> digest of its calls (``CallProbe``);
        ``started``: the tests during which a process started."""
        index = {t: i for i, t in enumerate(self.tests)}

        def idx(test: str) -> int:
            if test not in index:
                index[test] = len(self.tests)
                self.tests.append(test)
            return index[test]

        if full:
            self.files = {}
            self.spawners = set()
            self.traced = set()
            self.calls = {}
            self.started = set()
        for key, sha in shas.items():
            old = self.files.get(key)
            if old is None or old.sha256 != sha:
                # New or rewritten since: only a full run gives the whole picture.
                old = self.files[key] = FileLines(sha, full)
                self.calls.pop(key, None)
            for line, tests in measured.get(key, {}).items():
                old.lines.setdefault(line, set()).update(idx(t) for t in tests)
            old.outside |= outside.get(key, set())
        for test, per_func in (calls or {}).items():
            for fkey, d in per_func.items():
                key, _, func = fkey.rpartition(":")
                self.calls.setdefault(key, {}).setdefault(func, {})[idx(test)] = d
        self.started |= started or set()
        self.spawners |= spawners
        self.traced |= set(traced or ()) | {t for f in measured.values()
                                            for ts in f.values() for t in ts}

    def combine(self, other: LineMap) -> None:
        """Add a map recorded by another process over other tests of the same selection
        (both whole for their part): a file counts as complete if both traced it complete
        at the same digest."""
        index = {t: i for i, t in enumerate(self.tests)}
        remap = {}
        for i, t in enumerate(other.tests):
            if t not in index:
                index[t] = len(self.tests)
                self.tests.append(t)
            remap[i] = index[t]
        for key, theirs in other.files.items():
            mine = self.files.get(key)
            if mine is None or mine.sha256 != theirs.sha256:
                self.files[key] = mine = FileLines(theirs.sha256, False)
            else:
                mine.complete = mine.complete and theirs.complete
            for line, tests in theirs.lines.items():
                mine.lines.setdefault(line, set()).update(remap[i] for i in tests)
            mine.outside |= theirs.outside
        for key in set(self.files) - set(other.files):
            self.files[key].complete = False  # the other process did not see this file
        for key, funcs in other.calls.items():
            for func, per in funcs.items():
                self.calls.setdefault(key, {}).setdefault(func, {}).update(
                    (remap[i], d) for i, d in per.items())
        self.spawners |= other.spawners
        self.traced |= other.traced
        self.started |= other.started

    # -- selection
    def tests_for(self, source_path: Path, mutant_local: str,
                  function_tests: list[str]) -> tuple[list[str], str]:
        """The tests of ``function_tests`` (order kept) that can see the mutant, and why the
        whole set was kept when it was ("" when the line data decided)."""
        key = file_key(source_path)
        entry = self.files.get(key) if key else None
        if entry is None:
            return function_tests, "file not traced"
        parsed = self._parsed.get(key)  # type: ignore[arg-type]
        if parsed is None:
            raw = Path(source_path).read_bytes()
            if digest(raw) != entry.sha256:
                return function_tests, "file changed since it was traced"
            parsed = self._parsed[key] = Parsed(raw.decode("utf-8"), str(source_path))  # type: ignore[index]
        if not entry.complete:
            return function_tests, "file traced by new tests only"
        change = mutant_lines(parsed, mutant_local)
        if change.lines is None:
            return function_tests, change.why
        if change.lines & entry.outside:
            return function_tests, "executed outside a test"
        hit: set[str] = set()
        for line in change.lines:
            hit.update(self.tests[i] for i in entry.lines.get(line, ()))
        # A test traced without the recorder (stats of new tests with --no-lines) has no
        # line data: it stays wherever mutmut put it.
        keep = hit | self.spawners | (set(function_tests) - self.traced)
        return [t for t in function_tests if t in keep], ""

    def one_case_per_lines(self, source_path: Path, tests: list[str],
                           mutant_local: str) -> list[str]:
        """Of the parametrised cases of one test function in ``tests`` (order kept), only
        the first of those that executed the very same lines of the mutated file
        (``source_path``) in the stats run **and** handed the mutated function the same
        arguments in the same order (``CallProbe``'s digests of its calls): the mutant
        computes the same in each of them. A case whose calls could not be digested (an
        argument not readable as a value, calls made only in another process or never
        seen), a case during which a process started, a process starter, a test without
        line data, a test that is not parametrised: each is a class of its own.

        Branch ``mutspeed4``'s rule (lines alone) lost kills where cases ran the same lines
        with other data (the reserved name ``AUX`` among ``CON``, ``NUL``...; a sample
        with multi-line base64): those cases hand ``sanitize`` and ``_b64_getter`` other
        arguments, so they stay apart here (docs/testing.md, branch ``mutspeed5``). Not
        compared: what a case does with the function's results afterwards (cases that
        pass the same input and check different fields of the result would be merged), and
        state a function reads besides its arguments (a file by a fixed name): so the rule
        stays opt-in (``--one-case``)."""
        key = file_key(source_path)
        entry = self.files.get(key) if key else None
        if entry is None or key is None:
            return tests
        func = mutant_local.rpartition("__mutmut_")[0]
        digests = self.calls.get(key, {}).get(func, {})
        sigs = self._signatures.get(key)
        if sigs is None:
            per_test: dict[int, list[int]] = {}
            for line, idxs in sorted(entry.lines.items()):
                for i in idxs:
                    per_test.setdefault(i, []).append(line)
            sigs = self._signatures[key] = {
                self.tests[i]: tuple(ls) for i, ls in per_test.items()}
        if digests and len(self._index) != len(self.tests):
            self._index = {t: i for i, t in enumerate(self.tests)}
        index = self._index
        seen: set[tuple[str, tuple[int, ...], str]] = set()
        out = []
        for t in tests:
            base, bracket, _ = t.partition("[")
            called = digests.get(index.get(t, -1), UNSTABLE)
            if (bracket and t in sigs and t not in self.spawners and t not in self.started
                    and called != UNSTABLE):
                cls = (base, sigs[t], called)
                if cls in seen:
                    continue
                seen.add(cls)
            out.append(t)
        return out


# -- caches and call digests in the stats run ----------------------------------------------

class Unstable(Exception):
    """An argument whose value cannot be told from a digest (a file, a lock, a cycle...)."""


_PLAIN = (bool, int, float, complex)
_BY_REPR = ("datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta",
            "datetime.timezone", "decimal.Decimal", "uuid.UUID", "fractions.Fraction",
            "zoneinfo.ZoneInfo", "pathlib.PosixPath", "pathlib.PurePosixPath")
_BIG = 4096  # bytes and str at least this long are hashed once per object (immutable)
_NODES = 2_000  # values in one call's arguments: more, and the call is not digested
_CALLS = 2_000  # calls of one function in one test: more, and its calls are not compared
_DEPTH = 24


class _Feed:
    """One call's arguments as a digest: values only (never an address), containers in a
    canonical order. What it cannot read as a value raises ``Unstable``."""

    def __init__(self, memo: dict[int, tuple[object, bytes]]) -> None:
        self.h = hashlib.sha256()
        self.memo = memo  # id -> (the object, its digest): big immutable values
        self.nodes = 0
        self.open: set[int] = set()

    def digest_of(self, obj: object, depth: int) -> bytes:
        sub = _Feed(self.memo)
        sub.nodes, sub.open = self.nodes, self.open
        sub.add(obj, depth)
        self.nodes = sub.nodes
        return sub.h.digest()

    def add(self, obj: object, depth: int = 0) -> None:
        self.nodes += 1
        if self.nodes > _NODES or depth > _DEPTH:
            raise Unstable("too big or too deep")
        h, t = self.h, type(obj)
        if obj is None or t in _PLAIN:
            h.update(f"{t.__name__}:{obj!r};".encode())
        elif t is str or t is bytes:
            assert isinstance(obj, str | bytes)
            if len(obj) >= _BIG:  # immutable: hashed once per object in a test
                hit = self.memo.get(id(obj))
                if hit is None or hit[0] is not obj:
                    hit = self.memo[id(obj)] = (obj, hashlib.sha256(
                        obj.encode("utf-8", "surrogatepass") if isinstance(obj, str)
                        else obj).digest())
                h.update(b"%s#%d:%s;" % (t.__name__.encode(), len(obj), hit[1]))
            else:
                data = obj.encode("utf-8", "surrogatepass") if isinstance(obj, str) else obj
                h.update(b"%s:%d:%s;" % (t.__name__.encode(), len(data), data))
        elif t is bytearray or t is memoryview:
            # Mutable or a window of something else: read again at every call, so only
            # small ones (a big message's windows would be copied at every call).
            size = obj.nbytes if isinstance(obj, memoryview) else len(obj)  # type: ignore[arg-type]
            if size >= _BIG:
                raise Unstable("a big mutable buffer")
            data = bytes(obj)  # type: ignore[call-overload]
            h.update(b"%s:%d:%s;" % (t.__name__.encode(), len(data), data))
        elif isinstance(obj, enum.Enum):
            h.update(f"enum:{t.__module__}.{t.__qualname__}.{obj.name};".encode())
        elif f"{t.__module__}.{t.__qualname__}" in _BY_REPR:
            h.update(f"{t.__module__}.{t.__qualname__}:{obj!r};".encode())
        elif isinstance(obj, type):
            h.update(f"type:{obj.__module__}.{obj.__qualname__};".encode())
        elif t in (tuple, list, set, frozenset, dict) or (
                isinstance(obj, tuple) and not hasattr(obj, "__dict__")):
            self._container(obj, depth)
        elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
            # A function of a module, not a closure or a bound method: its code is the same
            # in every test (a lambda or a closure may hold anything).
            if getattr(obj, "__closure__", None) or "<" in obj.__qualname__ \
                    or getattr(obj, "__self__", None) not in (None, sys.modules.get(
                        getattr(obj, "__module__", "") or "")):
                raise Unstable("closure or bound")
            h.update(f"func:{obj.__module__}.{obj.__qualname__};".encode())
        elif t.__module__.startswith("asn1crypto.") and hasattr(obj, "dump"):
            # The encoded contents it was read from (a certificate, a name). Not ``dump``
            # nor ``contents``: on a value built or changed in memory they encode it anew,
            # children and all (seconds for a whole message); such a value, or a big one,
            # is not compared.
            contents = getattr(obj, "_contents", None)
            chosen = getattr(obj, "_parsed", None)  # a Choice's value: changed since read?
            if not isinstance(contents, bytes) or len(contents) >= _BIG \
                    or getattr(obj, "children", None) is not None \
                    or (callable(getattr(chosen, "_is_mutated", None))
                        and chosen._is_mutated()):
                raise Unstable("a big, built or changed ASN.1 value")
            h.update(f"asn1:{t.__qualname__}:{getattr(obj, 'tag', '')}:".encode())
            h.update(contents)
            h.update(b";")
        elif t.__module__.startswith(("dso_desktop.", "cryptography.")) or is_dataclass(obj):
            self._object(obj, depth)
        else:
            raise Unstable(f"{t.__module__}.{t.__qualname__}")

    def _container(self, obj: Any, depth: int) -> None:
        t = type(obj)
        key = id(obj)
        if key in self.open:
            raise Unstable("cycle")
        self.open.add(key)
        try:
            self.h.update(f"{t.__module__}.{t.__qualname__}({len(obj)}:".encode())
            if isinstance(obj, dict):
                items = sorted((self.digest_of(k, depth + 1), self.digest_of(v, depth + 1))
                               for k, v in obj.items())
                for k, v in items:
                    self.h.update(k + v)
            elif isinstance(obj, set | frozenset):
                for d in sorted(self.digest_of(x, depth + 1) for x in obj):
                    self.h.update(d)
            else:
                for x in obj:
                    self.add(x, depth + 1)
            self.h.update(b");")
        finally:
            self.open.discard(key)

    def _object(self, obj: Any, depth: int) -> None:
        """An object of the product (or a dataclass): its type and every attribute it holds
        (``__dict__`` and slots); a certificate of ``cryptography``: its DER."""
        t = type(obj)
        if t.__module__.startswith("cryptography."):
            der = getattr(obj, "public_bytes", None)
            if der is None:
                raise Unstable("a cryptography object without DER")
            from cryptography.hazmat.primitives.serialization import Encoding

            self.h.update(f"crypto:{t.__qualname__}:".encode() + der(Encoding.DER) + b";")
            return
        state: dict[str, Any] = {}
        for klass in t.__mro__:
            for name in getattr(klass, "__slots__", ()) or ():
                if isinstance(name, str) and name not in ("__dict__", "__weakref__") \
                        and hasattr(obj, name):
                    state[name] = getattr(obj, name)
        state.update(getattr(obj, "__dict__", {}))
        if not state and not is_dataclass(obj):
            raise Unstable(f"{t.__qualname__} holds nothing readable")
        key = id(obj)
        if key in self.open:
            raise Unstable("cycle")
        self.open.add(key)
        try:
            self.h.update(f"obj:{t.__module__}.{t.__qualname__}(".encode())
            for name in sorted(state):
                self.h.update(name.encode() + b"=")
                self.add(state[name], depth + 1)
            self.h.update(b");")
        finally:
            self.open.discard(key)


UNSTABLE = "?"  # a call digest that cannot be compared (an argument not readable as a value)


class CallProbe:
    """For mutmut's stats run, before each test: clears every cache of the mutated modules
    (``functools.lru_cache``/``cache`` and anything else with a ``cache_clear``, at module
    level or on a class), so a test's lines are those it runs itself and not fewer because
    an earlier test filled a cache (``parse._cert_info_of`` hid ``_name`` from the test
    that kills ``_name`` 1); and records, per test, a digest of the arguments of every call
    of each mutated function (the orig behind each trampoline), in call order.

    Two cases of a parametrised test whose calls of a function F had equal digests handed F
    the same values in the same order; a mutant of F then computes the same in both (for
    deterministic code that reads nothing but its arguments and the modules' constants):
    ``LineMap.one_case_per_lines`` merges cases only so."""

    def __init__(self, src: Path) -> None:
        self.src = str(src.resolve()) + os.sep
        self.seen: set[str] = set()  # modules scanned
        self.caches: list[Any] = []  # objects with cache_clear
        self.current: dict[str, Any] | None = None  # function key -> running hash
        self.calls: dict[str, dict[str, str]] = {}  # test -> function key -> digest
        self.memo: dict[int, tuple[object, bytes]] = {}

    def _scan(self) -> None:
        for name, mod in list(sys.modules.items()):
            if name in self.seen:
                continue
            path = getattr(mod, "__file__", None) or ""
            if not os.path.abspath(path).startswith(self.src):
                continue
            self.seen.add(name)
            key = file_key(path)
            if key is None:
                continue
            for attr, value in list(vars(mod).items()):
                if isinstance(value, type) and value.__module__ == name:
                    for member in vars(value).values():
                        member = getattr(member, "__func__", member)  # static/classmethod
                        if callable(getattr(member, "cache_clear", None)):
                            self.caches.append(member)
                elif callable(getattr(value, "cache_clear", None)) and not isinstance(value, type):
                    self.caches.append(value)
                elif (attr.startswith("mutants_") and isinstance(value, dict)
                        and "_mutmut_orig" in value):
                    self._wrap(value, key)

    def _wrap(self, table: dict[str, Any], key: str) -> None:
        orig = table["_mutmut_orig"]
        if getattr(orig, "_mutcalls", False):
            return
        stem = orig.__name__.removesuffix("__mutmut_orig")
        fkey = f"{key}:{stem}"
        probe = self

        @functools.wraps(orig)
        def traced(*args: Any, **kwargs: Any) -> Any:
            probe._record(fkey, args, kwargs)
            return orig(*args, **kwargs)

        traced._mutcalls = True  # type: ignore[attr-defined]
        table["_mutmut_orig"] = traced

    def _record(self, fkey: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        calls = self.current
        if calls is None:
            return
        running = calls.get(fkey)
        if running is UNSTABLE:
            return
        try:
            feed = _Feed(self.memo)
            feed.add(args)
            feed.add(kwargs)
            one = feed.h.digest()
        except Exception:  # any failure to read an argument: not comparable
            calls[fkey] = UNSTABLE
            return
        if running is None:
            running = calls[fkey] = [hashlib.sha256(), 0]
        running[0].update(one)
        running[1] += 1
        if running[1] > _CALLS:  # digesting them all would cost more than it saves
            calls[fkey] = UNSTABLE

    def enter(self, test: str) -> None:
        """A test starts: its own calls from here, and every cache empty."""
        self.leave()
        self._scan()
        for cached in self.caches:
            with contextlib.suppress(Exception):  # a cache that cannot clear: as before
                cached.cache_clear()
        self.memo.clear()
        self.current = {}
        self.calls[test] = {}
        self._test = test

    def leave(self) -> None:
        if self.current is not None:
            # A thread the test left running may still call (a copy is taken at once).
            self.calls[self._test] = {
                k: v if isinstance(v, str) else v[0].hexdigest()[:32]
                for k, v in dict(self.current).items()}
        self.current = None


# -- recording in mutmut's stats run -------------------------------------------------------

def _is_python(program: Any) -> bool:
    """Whether a program a test starts is Python (this interpreter, another, or a script
    run by one): only a Python child can import the mutated copy."""
    try:
        name = os.fspath(program)
    except TypeError:
        return True  # unknown: assume it may be
    if isinstance(name, bytes):
        name = name.decode(errors="replace")
    base = os.path.basename(name)
    if base.startswith("python") or os.path.realpath(name) == os.path.realpath(sys.executable):
        return True
    import shutil

    found = shutil.which(name) if os.sep not in name else name
    if not found:
        return False
    try:
        with open(found, "rb") as f:
            first = f.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


_RECORDER: LineRecorder | None = None  # the recorder the process-start wrappers report to


class SubprocessLines:
    """The line coverage of the Python processes a test starts (the ZFO checking process,
    ``dso`` run as a program), recorded as that test's lines.

    While a test runs, ``COVERAGE_PROCESS_CONFIG`` makes every Python process started
    (coverage's ``.pth`` file starts coverage in it: coverage's own subprocess support)
    record the mutated copies into a data file of that test's own
    (``t<index>.<host>.pid<pid>.X<random>x``), written when the process ends; a
    ``sitecustomize`` put first on ``PYTHONPATH`` writes a start mark (``s<index>.pid<pid>``)
    in each, and marks the test blind (``b<index>``) if such a process forks or execs
    (the fork's or the new program's lines would be lost). A test is *resolved*, no longer
    a process starter, only if every Python process started under it (at any depth) wrote
    its data and every process it started itself is one of them: a process killed (on
    purpose or by a timeout) or ended by ``os._exit`` writes none, a fork or
    ``os.system`` in the test has no mark, a process started by an earlier test or a shared
    fixture records what it runs under that test; each of these keeps the test a starter,
    chosen for every mutant its function-level stats name, as before."""

    SITE = textwrap.dedent('''\
        # Written by scripts/mutants_lines.py for mutmut's stats run: marks this process
        # started under a test, and the test blind if this process forks or execs.
        import os
        import sys


        def _mark(kind):
            try:
                folder, index = os.environ["DSO_MUTLINES_DIR"], os.environ["DSO_MUTLINES_TEST"]
                open(os.path.join(folder, f"{kind}{index}.pid{os.getpid()}"), "x").close()
            except Exception:
                pass


        def _audit(event, args):
            if event in ("os.fork", "os.forkpty", "os.exec", "os.system"):
                _mark("b")


        # multiprocessing's resource tracker (started with the first ``spawn`` process, it
        # lives as long as the test session) runs only multiprocessing's own code.
        _helper = any("multiprocessing.resource_tracker" in a
                      for a in getattr(sys, "orig_argv", ()))
        if os.environ.get("DSO_MUTLINES_DIR") and not _helper:
            _mark("s")
            sys.addaudithook(_audit)
        # A sitecustomize of the interpreter's own, found after this folder, still runs.
        _here = os.path.dirname(os.path.abspath(__file__))
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
        try:
            import importlib.machinery
            import importlib.util

            _spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
            if _spec is not None and _spec.loader is not None:
                _spec.loader.exec_module(importlib.util.module_from_spec(_spec))
        except Exception:
            pass
        ''')

    def __init__(self, src: Path, folder: Path) -> None:
        self.src = src
        self.folder = folder
        self.index: dict[str, int] = {}
        self.pids: dict[str, set[int]] = {}  # test -> Python processes it started itself
        self.blind: set[str] = set()  # tests that started (or used) a process not told apart
        self.popen_python = False  # set by the audit hook inside ``subprocess.Popen``
        self._pythonpath: str | None = None
        shutil.rmtree(folder, ignore_errors=True)

    def _config(self, test_index: int) -> str:
        from coverage.config import CoverageConfig

        config = CoverageConfig()
        config.data_file = str(self.folder / f"t{test_index}")
        config.parallel = True
        config.run_include = [os.path.join(str(self.src), "*")]
        config.branch = False
        config.disable_warnings = ["no-data-collected", "module-not-measured",
                                   "couldnt-parse"]
        return config.serialize()

    def enter(self, test: str) -> None:
        site = self.folder / "site"
        if not site.is_dir():
            site.mkdir(parents=True)
            (site / "sitecustomize.py").write_text(self.SITE, encoding="utf-8")
        index = self.index.setdefault(test, len(self.index))
        if self._pythonpath is None:
            self._pythonpath = os.environ.get("PYTHONPATH", "")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [str(site), *([self._pythonpath] if self._pythonpath else [])])
        os.environ["COVERAGE_PROCESS_CONFIG"] = self._config(index)
        os.environ["DSO_MUTLINES_DIR"] = str(self.folder)
        os.environ["DSO_MUTLINES_TEST"] = str(index)

    def leave(self) -> None:
        for name in ("COVERAGE_PROCESS_CONFIG", "DSO_MUTLINES_DIR", "DSO_MUTLINES_TEST"):
            os.environ.pop(name, None)
        if self._pythonpath is not None:
            if self._pythonpath:
                os.environ["PYTHONPATH"] = self._pythonpath
            else:
                os.environ.pop("PYTHONPATH", None)
            self._pythonpath = None

    def collect(self, measured: dict[str, dict[int, set[str]]]) -> set[str]:
        """Add the processes' lines to ``measured`` (file key -> line -> tests); the tests
        that are resolved. Call when the processes have ended."""
        from coverage import CoverageData

        self.leave()
        tests = {i: t for t, i in self.index.items()}
        wrote: dict[str, set[int]] = {}
        started: dict[str, set[int]] = {}
        blind = set(self.blind)
        for path in sorted(self.folder.iterdir()) if self.folder.is_dir() else ():
            head, _, rest = path.name.partition(".")
            pid = rest.removeprefix("pid").split(".", 1)[0] if rest.startswith("pid") \
                else rest.rsplit(".pid", 1)[-1].split(".", 1)[0]
            test = tests.get(int(head[1:])) if head[1:].isdigit() else None
            if test is None or not pid.isdigit():
                continue
            if head[0] == "s":
                started.setdefault(test, set()).add(int(pid))
            elif head[0] == "b":
                blind.add(test)
            elif head[0] == "t":
                data = CoverageData(basename=str(path))
                try:
                    data.read()
                    files = {name: data.lines(name) or [] for name in data.measured_files()}
                except Exception:  # noqa: S112 - unreadable: as if the process wrote none
                    continue
                wrote.setdefault(test, set()).add(int(pid))
                for name, lines in files.items():
                    key = file_key(name)
                    if key is None:
                        continue
                    per_line = measured.setdefault(key, {})
                    for line in lines:
                        per_line.setdefault(line, set()).add(test)
        shutil.rmtree(self.folder, ignore_errors=True)
        return {t for t, pids in self.pids.items()
                if pids and t not in blind
                and pids <= started.get(t, set()) <= wrote.get(t, set())}


class LineRecorder:
    """A pytest plugin, for mutmut's stats run, that records per-test line coverage of the
    mutated copies. ``start`` before pytest collects (lines run at import are recorded as
    outside any test), ``finish`` after it ended."""

    def __init__(self, mutants_root: Path, out: Path, full: bool) -> None:
        import coverage

        self.root = mutants_root.resolve()
        self.out = out
        self.full = full
        src = str(self.root / "src")
        self.cov = coverage.Coverage(data_file=None, include=[os.path.join(src, "*")],
                                     timid=False, branch=False, config_file=False)
        # A part of the selection may reach no mutated file; that is no error.
        self.cov.set_option("run:disable_warnings", ["no-data-collected"])
        self.current = ""
        self.spawners: set[str] = set()
        self.traced: set[str] = set()
        self.starts = 0  # processes started so far
        self.starting_fixtures: set[str] = set()  # fixtures whose set-up started one
        self.shared_fixtures: set[str] = set()  # of those, the ones not of one test alone
        self.fixtures: dict[str, set[str]] = {}  # test -> the fixtures it uses
        self._active = False
        # The coverage of the Python processes a test starts (``SubprocessLines``).
        self.sub = SubprocessLines(self.root / "src", out.with_name(out.name + ".sub"))
        # Caches emptied before each test, and the arguments of each mutated function's calls.
        self.probe = CallProbe(self.root / "src")

    # Process starts: an audit hook (fork, exec, posix_spawn, subprocess) and the
    # multiprocessing start (its "spawn" start calls _posixsubprocess without an event).
    def _started(self, blind: bool = True) -> None:
        """A process started; ``blind``: one whose coverage data cannot be told apart
        (a fork, ``os.system``, an exec: no process id, or no data written)."""
        self.starts += 1
        if self.current:
            self.spawners.add(self.current)
            if blind:
                self.sub.blind.add(self.current)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self._active:
            return
        if event in ("os.fork", "os.forkpty", "os.system", "os.exec", "os.spawn",
                     "os.posix_spawn"):
            self._started()
        elif event == "subprocess.Popen":
            executable, argv = args[0], args[1]
            program = executable if executable is not None else (
                argv if isinstance(argv, str | bytes | os.PathLike) else
                (list(argv)[:1] or [""])[0])
            if isinstance(program, str) and isinstance(argv, str) and executable is None:
                program = program.split()[0] if program.split() else program
            if _is_python(program):
                # Its process id is known once Popen returns (``start``'s wrapper).
                self.sub.popen_python = True
                self._started(blind=False)

    def start(self) -> None:
        import multiprocessing.process
        import subprocess

        global _RECORDER
        _RECORDER = self
        base = multiprocessing.process.BaseProcess
        if not getattr(base.start, "_mutlines", False):
            original = base.start

            def start(proc: Any) -> None:
                rec = _RECORDER
                if rec is None or not rec._active:
                    original(proc)
                    return
                # Only the spawn start method starts a Python of its own (fork and the
                # fork server's children are forks, which write no data here).
                rec._started(blind=getattr(proc, "_start_method", None) != "spawn")
                original(proc)
                if rec.current and proc.pid is not None:
                    rec.sub.pids.setdefault(rec.current, set()).add(proc.pid)
            start._mutlines = True  # type: ignore[attr-defined]
            base.start = start  # type: ignore[method-assign]
        popen = subprocess.Popen
        if not getattr(popen.__init__, "_mutlines", False):
            original_init = popen.__init__

            def init(proc: Any, *args: Any, **kwargs: Any) -> None:
                rec = _RECORDER
                if rec is None or not rec._active:
                    original_init(proc, *args, **kwargs)
                    return
                rec.sub.popen_python = False
                original_init(proc, *args, **kwargs)
                if rec.sub.popen_python and rec.current:
                    rec.sub.pids.setdefault(rec.current, set()).add(proc.pid)
                rec.sub.popen_python = False
            init._mutlines = True  # type: ignore[attr-defined]
            popen.__init__ = init  # type: ignore[method-assign]
        sys.addaudithook(self._audit)
        # The probe's wrapper is one more frame on each call of a mutated function (the
        # trampoline's two are why tests/conftest.py raises the limit for the mutation run).
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4_000))
        self._active = True
        self.cov.start()

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        # From here to the next test's start, set-up and tear-down included: this test's.
        self.current = nodeid
        self.traced.add(nodeid)
        self.cov.switch_context(nodeid)
        self._alive(nodeid)
        self.sub.enter(nodeid)
        self.probe.enter(nodeid)

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self._alive(nodeid)
        self.sub.leave()

    def _alive(self, nodeid: str) -> None:
        """A test during which a process started earlier lives may hand it work (a pool of
        a module fixture, a pool the product keeps): it may run mutated code there, and
        what it runs there is recorded under the test that started it."""
        import multiprocessing

        alive = multiprocessing.active_children()
        if alive:
            self.spawners.add(nodeid)
            own = self.sub.pids.get(nodeid, set())
            if any(p.pid not in own for p in alive):
                self.sub.blind.add(nodeid)

    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> None:
        self.fixtures[item.nodeid] = set(getattr(item, "fixturenames", ()))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Any:
        """A fixture whose set-up started a process: every test using it may hand that
        process work without starting one itself (the module's ZFO checking pool)."""
        before = self.starts
        yield
        if self.starts > before:
            self.starting_fixtures.add(fixturedef.argname)
            if str(getattr(fixturedef, "scope", "function")) != "function":
                # Its process outlives this test: what later tests hand it is recorded
                # under this one.
                self.shared_fixtures.add(fixturedef.argname)

    def finish(self, save: bool = True) -> None:
        self.cov.stop()
        self._active = False
        self.probe.leave()
        if not save:
            self.sub.leave()
            shutil.rmtree(self.sub.folder, ignore_errors=True)
            self.out.unlink(missing_ok=True)
            return
        data = self.cov.get_data()
        measured: dict[str, dict[int, set[str]]] = {}
        outside: dict[str, set[int]] = {}
        for path in data.measured_files():
            key = file_key(path)
            if key is None:
                continue
            per_line = measured.setdefault(key, {})
            for line, contexts in data.contexts_by_lineno(path).items():
                tests = {c for c in contexts if c}
                if len(tests) < len(contexts):
                    outside.setdefault(key, set()).add(line)
                if tests:
                    per_line[line] = tests
        # Every mutated file, traced or not: a file no test reached is known empty.
        shas = {}
        for path in (self.root / "src").rglob("*.py"):
            key = file_key(path)
            if key is not None:
                shas[key] = digest(path.read_bytes())
        line_map = LineMap.load(self.out) if not self.full else LineMap()
        self.spawners |= {t for t, names in self.fixtures.items()
                          if names & self.starting_fixtures}
        self.sub.blind |= {t for t, names in self.fixtures.items()
                           if names & self.shared_fixtures}
        # The lines the processes a test started executed are that test's too; a test all
        # of whose started processes wrote their coverage is no process starter any more
        # (it is chosen by the lines it and its processes ran).
        started = {s.removeprefix("mutants/") for s in self.spawners}
        self.spawners -= self.sub.collect(measured)
        line_map.merge(measured, outside, shas,
                       {s.removeprefix("mutants/") for s in self.spawners}, self.full,
                       {s.removeprefix("mutants/") for s in self.traced},
                       {t.removeprefix("mutants/"): c for t, c in self.probe.calls.items()},
                       started)
        line_map.save(self.out)


def split_selection(selection: list[str], root: Path, parts: int) -> list[list[str]]:
    """The test files of mutmut's test selection (folders and files, relative to
    ``root``) dealt into ``parts`` lists of about the same total size (bytes of test code,
    a rough measure of their time): whole files, so that module fixtures stay together."""
    files: list[Path] = []
    for entry in selection:
        path = root / entry
        if path.is_dir():
            files.extend(sorted({*path.rglob("test_*.py"), *path.rglob("*_test.py")}))
        elif path.is_file():
            files.append(path)
    sizes = sorted(((f.stat().st_size, f.relative_to(root).as_posix()) for f in files),
                   reverse=True)
    out: list[list[str]] = [[] for _ in range(parts)]
    load = [0] * parts
    for size, name in sizes:  # biggest first into the emptiest part
        i = load.index(min(load))
        out[i].append(name)
        load[i] += size
    return [sorted(p) for p in out if p]


def _split_run(runner: Any, original: Any, out: Path, parts: list[list[str]]) -> int:
    """mutmut's whole stats run as ``len(parts)`` forked processes, each over its own test
    files with its own recorder; their stats and line maps are merged here as if one
    process had run them all."""
    from mutmut.state import state

    children = []
    for i, files in enumerate(parts):
        part_out = out.with_name(f"{out.name}.part{i}")
        stats_out = out.with_name(f"{out.name}.stats{i}")
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                recorder = LineRecorder(Path("mutants"), part_out, full=True)
                code = _with_recorder(runner, original, files, recorder)
                stats_out.write_text(json.dumps({
                    "tests": {k: sorted(v) for k, v in
                              state().tests_by_mangled_function_name.items()},
                    "durations": dict(state().duration_by_test)}), encoding="utf-8")
            finally:
                os._exit(code)
        children.append((pid, part_out, stats_out))
    code = 0
    merged = LineMap()
    for n, (pid, part_out, stats_out) in enumerate(children):
        _, status = os.waitpid(pid, 0)
        code = code or os.waitstatus_to_exitcode(status)
        if code == 0:
            data = json.loads(stats_out.read_text(encoding="utf-8"))
            for k, v in data["tests"].items():
                state().tests_by_mangled_function_name[k] |= set(v)
            state().duration_by_test.update(data["durations"])
            part = LineMap.load(part_out)
            if n == 0:
                merged = part
            else:
                merged.combine(part)
        part_out.unlink(missing_ok=True)
        stats_out.unlink(missing_ok=True)
    if code == 0:
        merged.save(out)
    else:
        out.unlink(missing_ok=True)
    return code


def _with_recorder(runner: Any, original: Any, tests: list[str], recorder: LineRecorder) -> int:
    execute = runner.execute_pytest

    def with_recorder(params: list[str], **kwargs: Any) -> int:
        kwargs["plugins"] = [*kwargs.get("plugins", []), recorder]
        return int(execute(params, **kwargs))

    runner.execute_pytest = with_recorder
    recorder.start()
    code = 1
    try:
        code = int(original(runner, tests=tests))
        return code
    finally:
        del runner.execute_pytest
        # mutmut keeps no stats of a failed run (it stops): no line data either, and
        # none older, which would not match the stats it has.
        recorder.finish(save=code == 0)


def hook_stats_run(out: Path, processes: int = 1) -> None:
    """Make mutmut's stats run (``PytestRunner.run_stats``, the whole selection or only
    the new tests) record line coverage too, into ``out``; the whole selection in
    ``processes`` processes at once."""
    from mutmut.runners.harness import PytestRunner

    original = PytestRunner.run_stats
    if getattr(original, "_mutlines", False):
        return

    def run_stats(self: Any, *, tests: Iterable[str]) -> int:
        tests = list(tests)
        if not tests and processes > 1:
            parts = split_selection(list(self._pytest_add_cli_args_test_selection),
                                    Path("mutants"), processes)
            if len(parts) > 1:
                return _split_run(self, original, out.resolve(), parts)
        recorder = LineRecorder(Path("mutants"), out.resolve(), full=not tests)
        return _with_recorder(self, original, tests, recorder)

    run_stats._mutlines = True  # type: ignore[attr-defined]
    PytestRunner.run_stats = run_stats  # type: ignore[method-assign]
