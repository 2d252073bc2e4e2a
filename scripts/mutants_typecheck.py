"""The type-check filter of `make mutants`: a mutant that strict mypy refuses is caught.

``make lint`` (strict mypy over ``src/dso_desktop``) is part of done: a change that breaks
the types does not get in, whatever the tests say. So a mutant whose own function has a
type error the original function does not have is caught by the type checker, with no
test run. mutmut 3.8.1 has this (``type_check_command``, status "caught by type check",
exit code 37), but its mapping of errors to mutants parses every file with an error with
libcst (more than 2 CPU minutes on this project's mutated tree without finishing) and stops
the run on an error outside any mutant (mutmut's trampolines have a few). This module does
the same with ``ast`` line ranges:

1. mypy runs once over the mutated tree (``mutants/``, with the project's strict settings
   from the copied ``pyproject.toml``; its incremental cache in ``mutants/.mypy_cache``
   makes a ``--keep`` run recheck only the files mutmut generated again).
2. Each error is mapped to the innermost mutant function (``x_NAME__mutmut_N``,
   ``xǁClassǁmethod__mutmut_N``) whose lines hold it. Errors in an original
   (``__mutmut_orig``) or outside any mutant are ignored and listed in the log.
3. An error of mutant N that its original also has (the same code and message at the same
   line offset from the function's start) existed before the mutation: it does not count.
4. A mutant with a remaining error gets mutmut's exit code 37 in mutmut's meta file, so
   ``mutmut results``, the summary of ``scripts/mutants.py`` and ``mutmut browse`` read it
   unchanged. Only mutants without a result (or with an earlier 37) are marked: a test
   result is never replaced.

Used by ``scripts/mutants_resident.py`` (``--no-typecheck`` turns it off).
"""

from __future__ import annotations

import ast
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# mutmut's exit code for "caught by type check" (mutmut.stats.status_by_exit_code).
CAUGHT_BY_TYPE_CHECK = 37

# A mutant function (``..__mutmut_3``) or the original kept beside them (``__mutmut_orig``).
_MUTMUT_FUNC = re.compile(r"^(?P<base>.+)__mutmut_(?P<which>\d+|orig)$")
# A function's own name in a message ("x_f__mutmut_3" of ...) is not a difference.
_OWN_NAME = re.compile(r"__mutmut_(\d+|orig)\b")
# "already defined on line 45": a line inside the function is the same line of the copy.
_LINE_IN_MESSAGE = re.compile(r"\bline (\d+)\b")

# The flags added to the project's configuration: JSON lines to read; the project's
# ``type: ignore`` comments are left unused by mutmut's copies (their lines moved into
# trampolines), which strict settings would report on every file.
MYPY_FLAGS = ["--output", "json", "--no-warn-unused-ignores", "--no-error-summary",
              "--show-error-codes"]


@dataclass(frozen=True)
class Span:
    """A mutmut function in a mutated file: its name and first/last line (1-based)."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class MypyError:
    file: str  # as mypy printed it, relative to the folder it ran in
    line: int
    code: str
    message: str


@dataclass
class Verdict:
    """What mypy's errors say about the mutants."""

    caught: dict[str, str] = field(default_factory=dict)  # mutant name -> its first error
    ignored: list[str] = field(default_factory=list)  # errors in originals, outside mutants
    preexisting: int = 0  # errors of mutants that their original has too


def function_spans(source: str) -> list[Span]:
    """Every mutmut function (``__mutmut_N`` or ``__mutmut_orig``) in a mutated file, with
    its lines; the decorators count as its lines."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _MUTMUT_FUNC.match(
                node.name):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append(Span(node.name, start, node.end_lineno or node.lineno))
    return spans


def innermost(spans: Iterable[Span], line: int) -> Span | None:
    """The smallest span holding ``line`` (mutmut's functions do not nest, but a nested
    function named like one must not take its outer function's errors)."""
    holding = [s for s in spans if s.start <= line <= s.end]
    return min(holding, key=lambda s: s.end - s.start) if holding else None


def module_of(relative: Path) -> str:
    """mutmut's module name of a mutated file (``mutmut.utils.format_utils.get_mutant_name``):
    src/dso_desktop/zfo/verify.py -> dso_desktop.zfo.verify."""
    name = str(relative.with_suffix("")).replace(os.sep, ".")
    return name.removeprefix("src.")


def mutant_name(module: str, function: str) -> str:
    """As mutmut names a mutant (a package's ``__init__`` left out of the name)."""
    return f"{module}.{function}".replace(".__init__.", ".")


def parse_mypy_json(stdout: str) -> list[MypyError]:
    """mypy's ``--output json`` lines; notes are not errors."""
    errors = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        if d.get("severity") != "error":
            continue
        errors.append(MypyError(str(d["file"]), int(d["line"]), str(d.get("code") or ""),
                                str(d["message"])))
    return errors


def run_mypy(mutants_dir: Path,
             python: str = sys.executable) -> tuple[list[MypyError], dict[str, float]]:
    """mypy over the mutated tree with the copied project configuration; the errors and
    the wall and CPU seconds it took. Raises RuntimeError when mypy could not check (exit
    code 2: a crash or a configuration error), so that the caller runs without the filter."""
    cmd = [python, "-m", "mypy", *MYPY_FLAGS, "--cache-dir", ".mypy_cache"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run(cmd, cwd=mutants_dir, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cost = {"wall_s": round(time.monotonic() - t0, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime
                           - before.ru_utime - before.ru_stime, 1)}
    if r.returncode not in (0, 1):
        raise RuntimeError(f"mypy exited with {r.returncode}: {(r.stderr or r.stdout)[-2000:]}")
    return parse_mypy_json(r.stdout), cost


def _key(error: MypyError, span: Span) -> tuple[str, str, int]:
    """What makes an error the same in a mutant and its original: the code, the message
    (the function's own name and a line inside the function made relative to its start)
    and the line's offset from the function's start."""

    def relative(m: re.Match[str]) -> str:
        n = int(m[1])
        return f"line +{n - span.start}" if span.start <= n <= span.end else m[0]

    message = _LINE_IN_MESSAGE.sub(relative, _OWN_NAME.sub("__mutmut_", error.message))
    return (error.code, message, error.line - span.start)


def assign(errors: Iterable[MypyError], root: Path,
           read: Callable[[Path], str] | None = None) -> Verdict:
    """Map mypy's errors to mutants. ``root`` is the folder mypy ran in (``mutants/``)."""
    read = read or (lambda p: p.read_text(encoding="utf-8"))
    by_file: dict[str, list[MypyError]] = defaultdict(list)
    for e in errors:
        by_file[e.file].append(e)
    verdict = Verdict()
    for file, errs in sorted(by_file.items()):
        path = root / file
        try:
            spans = function_spans(read(path))
        except (OSError, SyntaxError, ValueError) as exc:
            verdict.ignored += [f"{file}:{e.line}: {e.message} [{e.code}] (file not read: "
                                f"{type(exc).__name__})" for e in errs]
            continue
        module = module_of(Path(file))
        # Per function: its span, and the errors of its original.
        in_span: dict[Span, list[MypyError]] = defaultdict(list)
        for e in sorted(errs, key=lambda e: e.line):
            span = innermost(spans, e.line)
            if span is None:
                verdict.ignored.append(f"{file}:{e.line}: {e.message} [{e.code}] "
                                       "(outside any mutant)")
            else:
                in_span[span].append(e)
        orig_keys: dict[str, set[tuple[str, str, int]]] = defaultdict(set)
        for span, errs_of in in_span.items():
            m = _MUTMUT_FUNC.match(span.name)
            assert m is not None  # function_spans keeps only these
            if m["which"] == "orig":
                orig_keys[m["base"]] |= {_key(e, span) for e in errs_of}
                verdict.ignored += [f"{file}:{e.line}: {e.message} [{e.code}] (in the "
                                    f"original {span.name})" for e in errs_of]
        for span, errs_of in in_span.items():
            m = _MUTMUT_FUNC.match(span.name)
            assert m is not None
            if m["which"] == "orig":
                continue
            new = [e for e in errs_of if _key(e, span) not in orig_keys[m["base"]]]
            verdict.preexisting += len(errs_of) - len(new)
            if new:
                e = new[0]
                verdict.caught[mutant_name(module, span.name)] = (
                    f"{file}:{e.line}: {e.message} [{e.code}]")
    return verdict


def mark(mutants: list[tuple[Any, str, int | None]], verdict: Verdict,
         has_tests: Callable[[str], bool]) -> tuple[list[tuple[Any, str, int | None]], list[str]]:
    """Record the caught mutants in mutmut's meta data (exit code 37 and the error, as
    ``mutmut run`` does with ``type_check_command``) and return the mutants still to test
    and the names marked.

    ``mutants`` are mutmut's (SourceFileMutationData, name, result) triples. A mutant is
    marked only when it has no result yet (or was marked by an earlier run): a test result
    stays. A mutant no test reaches stays for the runner's "no tests", as in mutmut. An
    earlier 37 that mypy no longer reports is reset to "not checked"."""
    rest = []
    marked = []
    changed: dict[int, Any] = {}
    for data, name, result in mutants:
        key = name.replace("__init__.", "")
        current = data.exit_code_by_key.get(key, result)
        if current in (None, CAUGHT_BY_TYPE_CHECK) and key in verdict.caught and has_tests(key):
            data.exit_code_by_key[key] = CAUGHT_BY_TYPE_CHECK
            data.type_check_error_by_key[key] = verdict.caught[key]
            changed[id(data)] = data
            marked.append(key)
            continue
        if current == CAUGHT_BY_TYPE_CHECK:
            data.exit_code_by_key[key] = None
            data.type_check_error_by_key.pop(key, None)
            changed[id(data)] = data
            result = None
        rest.append((data, name, result))
    for data in changed.values():
        data.save()
    return rest, marked


def filter_mutants(mutants: list[tuple[Any, str, int | None]], mutants_dir: Path,
                   has_tests: Callable[[str], bool], report: Path | None = None,
                   say: Callable[[str], None] = print) -> list[tuple[Any, str, int | None]]:
    """The runner's step: mypy over ``mutants_dir``, mark the caught mutants, return the
    rest. Never stops the run: if mypy cannot check, the mutants are returned as they are
    (and every one is tested)."""
    try:
        errors, cost = run_mypy(mutants_dir)
    except (OSError, RuntimeError, ValueError) as exc:
        say(f"type check skipped ({exc}); every mutant is tested")
        return mutants
    verdict = assign(errors, mutants_dir)
    rest, marked = mark(mutants, verdict, has_tests)
    say(f"type check: mypy {cost['wall_s']:.0f} s ({cost['cpu_s']:.0f} CPU s), "
        f"{len(errors)} errors, {len(verdict.caught)} mutants with a type error of their own, "
        f"{len(marked)} of those to run marked caught; {verdict.preexisting} errors their "
        f"original has too; {len(verdict.ignored)} ignored (in originals or outside mutants)")
    for line in verdict.ignored[:20]:
        say(f"  ignored: {line}")
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps({
            **cost, "errors": len(errors), "preexisting": verdict.preexisting,
            "marked": len(marked), "caught": verdict.caught, "ignored": verdict.ignored,
        }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return rest
