"""Check that Qt can start here, and name the Debian packages to install when it cannot."""

from __future__ import annotations

import sys

DEBIAN_PACKAGES = (
    "libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 "
    "libxcb-cursor0"
)


def main() -> int:
    try:
        from PySide6 import QtGui  # noqa: F401
    except ImportError as exc:
        sys.stderr.write(
            f"Qt cannot be loaded ({exc}).\n"
            f"On Debian/Ubuntu install: sudo apt-get install {DEBIAN_PACKAGES}\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
