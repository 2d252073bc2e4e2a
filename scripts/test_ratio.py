"""Test lines against product lines: the figure of issue 20 ("test lines >= 0.8 x code lines").

What is counted, and why: every physical line (blank lines and comments too) of every
``*.py`` file under the product folders (``src/`` and ``updater/``) and under ``tests/``.
That is how the issue's figure was measured (``wc -l`` over the files), it needs no parser,
and it cannot be gamed by formatting one side differently from the other. Folders that hold
generated or third-party code (caches, virtual environments, build output) are skipped.

    python scripts/test_ratio.py              # the table and the ratio
    python scripts/test_ratio.py --json       # the same for scripts
    python scripts/test_ratio.py --min 0.8    # exit 1 below 0.8
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("src", "updater")
TESTS = ("tests",)
SKIP_DIRS = frozenset({"__pycache__", ".venv", "venv", "build", "dist", ".git", "mutants",
                       ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"})


@dataclass(frozen=True)
class Count:
    files: int
    lines: int


def python_files(folder: Path) -> Iterable[Path]:
    """Every ``*.py`` below ``folder``, outside the skipped folders, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.py")
                  if p.is_file() and not SKIP_DIRS.intersection(p.relative_to(folder).parts))


def physical_lines(path: Path) -> int:
    """Lines as ``wc -l`` counts them, plus a last line without a newline."""
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def count(root: Path, folders: Sequence[str]) -> Count:
    files = [f for name in folders for f in python_files(root / name)]
    return Count(len(files), sum(physical_lines(f) for f in files))


@dataclass(frozen=True)
class Ratio:
    product: Count
    tests: Count

    @property
    def ratio(self) -> float:
        return self.tests.lines / self.product.lines if self.product.lines else 0.0

    def to_json(self) -> dict[str, object]:
        return {"product": {"folders": list(PRODUCT), "files": self.product.files,
                            "lines": self.product.lines},
                "tests": {"folders": list(TESTS), "files": self.tests.files,
                          "lines": self.tests.lines},
                "ratio": round(self.ratio, 3)}


def measure(root: Path = ROOT) -> Ratio:
    return Ratio(count(root, PRODUCT), count(root, TESTS))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--min", type=float, default=None, metavar="RATIO",
                        help="exit 1 when test lines / product lines is below RATIO")
    args = parser.parse_args(argv)
    if not (args.root / "src").is_dir():
        parser.error(f"{args.root} has no src/ folder: not the repository root")
    m = measure(args.root)
    if args.json:
        print(json.dumps(m.to_json(), indent=2))
    else:
        print(f"product ({', '.join(PRODUCT)}): {m.product.lines:>7,} lines in "
              f"{m.product.files} files")
        print(f"tests ({', '.join(TESTS)}):            {m.tests.lines:>7,} lines in "
              f"{m.tests.files} files")
        print(f"ratio: {m.ratio:.2f}")
    if args.min is not None and m.ratio < args.min:
        print(f"test lines are {m.ratio:.2f} x product lines, below {args.min}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
