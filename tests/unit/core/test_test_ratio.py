"""scripts/test_ratio.py: the issue's figure (physical lines of *.py, tests vs product)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "test_ratio.py"


@pytest.fixture(scope="module")
def ratio() -> ModuleType:
    spec = importlib.util.spec_from_file_location("test_ratio_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def test_counts_physical_lines_of_python_files_only(ratio: ModuleType, tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "src/pkg/a.py": "x = 1\n\n# a comment\n",  # blank and comment lines count
        "src/pkg/b.py": "y = 2",  # no final newline: still a line
        "src/pkg/__pycache__/a.cpython-311.py": "z\n" * 100,  # skipped folder
        "src/pkg/data.txt": "not python\n" * 50,
        "updater/u.py": "u = 1\nv = 2\n",
        "tests/test_a.py": "def test(): assert True\n" * 6,
        "tests/.hypothesis/x.py": "h\n" * 9,
        "docs/conf.py": "ignored = True\n",  # neither product nor tests
    })
    m = ratio.measure(root)
    assert (m.product.files, m.product.lines) == (3, 6)
    assert (m.tests.files, m.tests.lines) == (1, 6)
    assert m.ratio == 1.0
    assert m.to_json() == {"product": {"folders": ["src", "updater"], "files": 3, "lines": 6},
                           "tests": {"folders": ["tests"], "files": 1, "lines": 6},
                           "ratio": 1.0}


def test_exit_codes_and_output(ratio: ModuleType, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path, {"src/a.py": "1\n2\n3\n4\n", "tests/t.py": "1\n2\n3\n"})
    assert ratio.main(["--root", str(root), "--min", "0.75"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "ratio: 0.75"
    assert ratio.main(["--root", str(root), "--min", "0.8"]) == 1
    assert "below 0.8" in capsys.readouterr().err
    assert ratio.main(["--root", str(root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ratio"] == 0.75
    with pytest.raises(SystemExit) as info:
        ratio.main(["--root", str(tmp_path / "nothing")])
    assert info.value.code == 2


def test_an_empty_product_is_ratio_zero_not_a_crash(ratio: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    assert ratio.measure(tmp_path).ratio == 0.0
