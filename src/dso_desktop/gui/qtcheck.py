"""Check that Qt can start here, and name the Debian packages to install when it cannot.

Importing QtGui proves little: the window system plugin (``libqxcb.so`` under X11) is loaded
only when the first window opens, and it needs a dozen xcb libraries of its own. So the check
looks at the platform plugin the user will actually get and asks the dynamic linker (``ldd``)
which of its libraries are missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

# Everything the Qt runtime and its X11 (xcb) platform plugin need on a minimal Debian 12.
DEBIAN_PACKAGES = (
    "libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 "
    "libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 "
    "libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 "
    "libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1"
)

# Shared object name -> the Debian package that ships it.
SONAME_PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.M)


def platform_name(environ: dict[str, str] | None = None) -> str:
    """The platform plugin Qt will pick: QT_QPA_PLATFORM's first choice, else X11 (xcb)."""
    env = os.environ if environ is None else environ
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        return "wayland"
    return "xcb"


def plugin_files(qt_plugins: Path, platform: str) -> list[Path]:
    """The plugin of ``platform`` and, for xcb, the Qt library and GL integrations it loads."""
    files = [qt_plugins / "platforms" / f"libq{platform}.so"]
    if platform == "xcb":
        files += sorted((qt_plugins.parent / "lib").glob("libQt6XcbQpa.so*"))[:1]
        files += sorted((qt_plugins / "xcbglintegrations").glob("*.so"))
    return [f for f in files if f.is_file()]


def missing_libraries(files: Iterable[Path], ldd: str | None = None) -> list[str]:
    """Shared objects that ``ldd`` cannot find for any of ``files`` (sorted, unique)."""
    ldd = ldd or shutil.which("ldd")
    if ldd is None:
        return []  # not a glibc system we can ask; the import check still runs
    missing: set[str] = set()
    for f in files:
        out = subprocess.run([ldd, str(f)], capture_output=True, text=True, check=False)
        missing.update(_NOT_FOUND.findall(out.stdout))
    return sorted(missing)


def packages_for(sonames: Iterable[str]) -> tuple[list[str], list[str]]:
    """(Debian packages to install, libraries with no known package)."""
    packages, unknown = [], []
    for so in sonames:
        pkg = SONAME_PACKAGES.get(so)
        if pkg is None:
            unknown.append(so)
        elif pkg not in packages:
            packages.append(pkg)
    return packages, unknown


def _advice(packages: Iterable[str], unknown: Iterable[str] = ()) -> str:
    text = f"On Debian/Ubuntu install: sudo apt-get install {' '.join(packages)}\n"
    unknown = list(unknown)
    if unknown:
        text += f"Also missing (find their package with apt-file search): {' '.join(unknown)}\n"
    return text


def main() -> int:
    try:
        from PySide6 import QtCore, QtGui  # noqa: F401
    except ImportError as exc:
        sys.stderr.write(f"Qt cannot be loaded ({exc}).\n" + _advice(DEBIAN_PACKAGES.split()))
        return 1
    if not sys.platform.startswith("linux"):
        return 0
    platform = platform_name()
    plugins = Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath))
    missing = missing_libraries(plugin_files(plugins, platform))
    if missing:
        packages, unknown = packages_for(missing)
        sys.stderr.write(
            f"Qt's '{platform}' window-system plugin cannot load: missing {', '.join(missing)}.\n"
            + _advice(packages, unknown)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
