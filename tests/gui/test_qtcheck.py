"""The start-up check names the Debian packages the window-system plugin still needs."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from dso_desktop.gui import qtcheck


def _fake_ldd(tmp_path: Path, missing: list[str]) -> str:
    script = tmp_path / "ldd"
    lines = "".join(f'echo "\t{so} => not found"\n' for so in missing)
    script.write_text(f"#!/bin/sh\necho \"\tlibc.so.6 => /lib/libc.so.6 (0x1)\"\n{lines}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_missing_xcb_libraries_become_debian_packages(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    ldd = _fake_ldd(tmp_path, ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libweird.so.9"])
    missing = qtcheck.missing_libraries([plugin], ldd=ldd)
    assert missing == ["libweird.so.9", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    packages, unknown = qtcheck.packages_for(missing)
    assert packages == ["libxcb-icccm4", "libxcb-keysyms1"]
    assert unknown == ["libweird.so.9"]


def test_every_mapped_package_is_in_the_readme_line() -> None:
    # The README and CI install DEBIAN_PACKAGES; the xcb family must all be there.
    listed = set(qtcheck.DEBIAN_PACKAGES.split())
    xcb = {p for p in qtcheck.SONAME_PACKAGES.values()
           if p.startswith("libxcb-") and p not in ("libxcb-xinerama0", "libxcb-xinput0")}
    assert xcb <= listed
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    ci = (Path(__file__).parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    readme_words = set(re.findall(r"[\w.+-]+", readme))
    ci_words = set(re.findall(r"[\w.+-]+", ci))
    assert listed <= readme_words, listed - readme_words
    assert listed <= ci_words, listed - ci_words


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "xcb"),
    ({"QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "wayland"),
    ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "vnc"),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
    ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "xcb"),
])
def test_platform_is_the_one_qt_will_load(env: dict[str, str], expected: str) -> None:
    assert qtcheck.platform_name(env) == expected


def test_the_plugin_the_tests_use_loads_here() -> None:
    from PySide6 import QtCore

    plugins = Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath))
    files = qtcheck.plugin_files(plugins, "offscreen")
    assert files and files[0].name == "libqoffscreen.so"
    assert qtcheck.missing_libraries(files) == []
    xcb = qtcheck.plugin_files(plugins, "xcb")
    assert any(f.name == "libqxcb.so" for f in xcb)
    assert any("XcbQpa" in f.name for f in xcb)
