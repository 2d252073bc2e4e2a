"""Make resources/fonts/: DejaVu Sans (regular, bold) cut down to the scripts the documents
need (Latin with every Czech and Slovak letter, Greek, Cyrillic, punctuation, currency and
common symbols), for the PDF/A envelopes and reports (issue 16).

The cut fonts parse and subset in a fraction of the time of the full ones (the PDF of one
message is timed by `make bench`); a character outside these ranges is printed as "?".
DejaVu's licence (resources/fonts/LICENSE-DejaVu.txt) allows modified copies; the names keep
no "Bitstream" or "Vera". Run from the repository root:

    .venv/bin/python scripts/subset_fonts.py [/usr/share/fonts/truetype/dejavu]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

RANGES = [
    (0x20, 0x7E), (0xA0, 0x24F),  # Basic Latin, Latin-1, Latin Extended-A and -B
    (0x2B0, 0x36F),  # spacing modifiers, combining diacritics
    (0x370, 0x3FF), (0x400, 0x4FF),  # Greek, Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x206F), (0x20A0, 0x20CF),  # punctuation (dashes, quotes, …), currency
    (0x2100, 0x218F), (0x2190, 0x21FF), (0x2200, 0x22FF),  # letterlike, arrows, maths
    (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF),  # box, shapes, symbols
    (0xFB00, 0xFB06), (0xFFFD, 0xFFFD),  # ligatures, replacement character
]
FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


def main(argv: list[str]) -> int:
    src = Path(argv[1] if len(argv) > 1 else "/usr/share/fonts/truetype/dejavu")
    out = Path(__file__).resolve().parents[1] / "resources" / "fonts"
    out.mkdir(parents=True, exist_ok=True)
    unicodes = [c for a, b in RANGES for c in range(a, b + 1)]
    for name in FILES:
        font = TTFont(src / name)
        opts = subset.Options()
        opts.name_IDs = ["*"]  # keep the copyright and licence records
        opts.name_languages = ["*"]
        opts.notdef_outline = True
        opts.hinting = False  # screen hinting is no use in a PDF
        opts.layout_features = []  # fpdf2 lays text out without GSUB/GPOS
        opts.drop_tables += ["FFTM"]
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=unicodes)
        sub.subset(font)
        font.save(out / name)
        print(f"{out / name}: {(out / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
