"""`make mutants` runs every module of zfo/, sync/ and update/ in some group.

Before branch ``mutants2`` five modules (zfo/horizon, certcache, archivets, model and
sync/pipeline) were mutated but in no group, so no run ever tested them; a module added
later would be left out the same way.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# The two ZFO makers check nothing (pyproject.toml's do_not_mutate).
NOT_MUTATED = {"dso_desktop.zfo.testpki", "dso_desktop.zfo.produce"}


def _scope() -> list[str]:
    spec = importlib.util.spec_from_file_location("mutants_script", ROOT / "scripts" /
                                                  "mutants.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutants_script", mod)
    spec.loader.exec_module(mod)
    return list(mod.SCOPE)


def _modules() -> list[tuple[str, list[str]]]:
    """(module, names of mutants it can have: of functions, of methods)."""
    out = []
    for pkg in ("zfo", "sync", "update"):
        for p in sorted((ROOT / "src" / "dso_desktop" / pkg).glob("*.py")):
            name = f"dso_desktop.{pkg}" if p.stem == "__init__" else f"dso_desktop.{pkg}.{p.stem}"
            text = "\n" + p.read_text(encoding="utf-8")
            kinds = ([f"{name}.x_func__mutmut_1"] if "\ndef " in text else []) + (
                [f"{name}.xǁClassǁmethod__mutmut_1"] if "\nclass " in text else [])
            if name not in NOT_MUTATED and kinds:
                out.append((name, kinds))
    return out


@pytest.mark.parametrize(("module", "mutants"), _modules(), ids=[m for m, _ in _modules()])
def test_every_function_and_method_of_the_module_is_in_a_group(module: str,
                                                               mutants: list[str]) -> None:
    from fnmatch import fnmatch

    scope = _scope()
    for mutant in mutants:
        assert any(fnmatch(mutant, g) for g in scope), (module, mutant)
