"""What every window of the GUI is given: the services, the task manager, the paths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dso_desktop.gui.taskman import TaskManager
from dso_desktop.paths import AppPaths


@dataclass
class GuiContext:
    """Collaborators passed to windows explicitly (no global registry)."""

    app: Any  # dso_desktop.app.App: the services
    tasks: TaskManager
    paths: AppPaths
    demo: bool = False
    sim_info: Any = None  # SimulatorInfo of the embedded simulator in training mode

    def scratch_dir(self, purpose: str) -> Path:
        """A folder under the app's cache for files handed to other programs (open, drag)."""
        d = self.paths.cache / purpose
        d.mkdir(parents=True, exist_ok=True)
        return d


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_file_name(name: str, taken: set[str] | None = None) -> str:
    """A file name with no path parts, control characters or reserved names."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if not base or base.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}:
        base = f"file_{base}" if base else "file"
    base = base[:200]
    if taken is None:
        return base
    candidate, n = base, 1
    stem, dot, ext = base.rpartition(".")
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if dot and stem else f"{base} ({n})"
    taken.add(candidate.lower())
    return candidate
