"""What every window of the GUI is given: the services, the task manager, the paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dso_desktop.gui.taskman import TaskManager
from dso_desktop.paths import AppPaths, private_dir

if TYPE_CHECKING:
    # Only for the type: importing the app pulls in the store and every service, which
    # the start-up defers until the first window is shown (gui/startup.py).
    from dso_desktop.app import App
    from dso_desktop.gui.updates import UpdateController
    from dso_desktop.simulator.control import SimulatorInfo


@dataclass
class GuiContext:
    """Collaborators passed to windows explicitly (no global registry)."""

    app: App  # the services
    tasks: TaskManager
    paths: AppPaths
    demo: bool = False
    sim_info: SimulatorInfo | None = None  # the embedded simulator in training mode
    updates: UpdateController | None = None  # of an installed copy, else None
    # The loopback records service in training mode (simulator.records.RecordsServiceInfo).
    records_info: Any = None

    def scratch_dir(self, purpose: str) -> Path:
        """A folder under the app's cache for files handed to other programs (open, drag)."""
        d = private_dir(self.paths.cache)
        for part in Path(purpose).parts:  # every level private: these are message contents
            d = private_dir(d / part)
        return d


def safe_file_name(name: str, taken: set[str] | None = None) -> str:
    """A file name with no path parts, control or reserved names, unique within ``taken``.

    The one implementation is ``zfo.extract.safe_filename`` (Windows and POSIX rules).
    """
    from dso_desktop.zfo.extract import safe_filename

    return safe_filename(name, set() if taken is None else taken)


def save_attachment_files(out_dir: Path, items: list[tuple[str, Any]]) -> list[Path]:
    """Write ``(name, bytes or callable)`` pairs into ``out_dir`` under safe, unique names
    that fit its file system (``zfo.extract.save_files``: one odd name never stops the rest)."""
    from dso_desktop.zfo.extract import save_files

    return save_files(out_dir, items)
