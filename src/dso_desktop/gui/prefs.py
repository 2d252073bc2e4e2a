"""GUI preferences that cannot live in the archive: the data folder and start-up choices."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from dso_desktop.paths import AppPaths, atomic_write

log = logging.getLogger(__name__)
FILE_NAME = "gui.json"


@dataclass(frozen=True)
class GuiPrefs:
    """Kept as JSON in the config folder (beside the data when the user chose a folder)."""

    data_dir: str | None = None  # used on the next start when no --data-dir is given
    trust_anchors: tuple[str, ...] = field(default=())  # extra CA files/folders
    check_updates: bool = True
    language: str | None = None  # the language to start with before the archive is open

    @classmethod
    def load(cls, paths: AppPaths) -> GuiPrefs:
        path = paths.config / FILE_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        clean = {k: v for k, v in raw.items() if k in known}
        if "trust_anchors" in clean:
            clean["trust_anchors"] = tuple(str(p) for p in clean["trust_anchors"] or ())
        try:
            return cls(**clean)
        except TypeError:
            return cls()

    def save(self, paths: AppPaths) -> None:
        data = asdict(self)
        data["trust_anchors"] = list(self.trust_anchors)
        atomic_write(paths.config / FILE_NAME, json.dumps(data, indent=2).encode("utf-8"))


def chosen_data_dir(default_paths: AppPaths) -> Path | None:
    """The data folder chosen in the settings dialog (stored in the default config folder)."""
    prefs = GuiPrefs.load(default_paths)
    return Path(prefs.data_dir) if prefs.data_dir else None
