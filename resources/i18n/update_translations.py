"""Refresh the Czech catalogue from the sources (pyside6-lupdate) and compile it (lrelease).

Run from the repository root: ``.venv/bin/python resources/i18n/update_translations.py``.
New strings appear as unfinished in ``dso_desktop_cs.ts``; translate them (Qt Linguist or an
editor) and run this again. ``tests/gui/test_i18n.py`` fails while any is left unfinished.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "src" / "dso_desktop" / "gui"
TS = ROOT / "resources" / "i18n" / "dso_desktop_cs.ts"
BIN = Path(sys.executable).parent


def main() -> int:
    sources = sorted(str(p.relative_to(ROOT)) for p in GUI.glob("*.py"))
    subprocess.run(
        [str(BIN / "pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources,
         "-ts", str(TS.relative_to(ROOT))],
        cwd=ROOT, check=True,
    )
    subprocess.run(
        [str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(TS.with_suffix(".qm"))],
        cwd=ROOT, check=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
