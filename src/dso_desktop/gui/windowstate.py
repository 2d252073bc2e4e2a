"""The main window's layout remembered between starts: geometry, splitters, list columns,
sort order and the selected folder (``window.json`` in the config folder)."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from PySide6.QtCore import QByteArray

from dso_desktop.paths import AppPaths, atomic_write

log = logging.getLogger(__name__)
FILE_NAME = "window.json"


def encode(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def decode(text: object) -> QByteArray | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return QByteArray(base64.b64decode(text.encode("ascii"), validate=True))
    except ValueError:
        return None


@dataclass
class WindowState:
    """Plain JSON values; Qt's own blobs (geometry, header) as base64."""

    geometry: str = ""
    maximized: bool = False
    splitters: dict[str, list[int]] = field(default_factory=dict)
    header: str = ""  # QHeaderView.saveState(): column widths and order
    columns: list[int] = field(default_factory=list)  # widths, also checked on restore
    sort_column: int = -1
    sort_descending: bool = True
    folder: list[Any] | None = None  # gui.tree.node_key of the selected folder

    @classmethod
    def load(cls, paths: AppPaths) -> WindowState:
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
        state = cls()
        for name, kind in (("geometry", str), ("maximized", bool), ("header", str),
                           ("sort_column", int), ("sort_descending", bool)):
            value = raw.get(name)
            if isinstance(value, kind):
                setattr(state, name, value)
        splitters = raw.get("splitters")
        if isinstance(splitters, dict):
            state.splitters = {
                str(k): [int(x) for x in v] for k, v in splitters.items()
                if isinstance(v, list) and all(isinstance(x, int) and x >= 0 for x in v)
            }
        columns = raw.get("columns")
        if isinstance(columns, list) and all(isinstance(x, int) and x > 0 for x in columns):
            state.columns = list(columns)
        folder = raw.get("folder")
        if isinstance(folder, list) and len(folder) == 4:
            state.folder = folder
        return state

    def save(self, paths: AppPaths) -> None:
        try:
            atomic_write(paths.config / FILE_NAME,
                         json.dumps(asdict(self), indent=2).encode("utf-8"))
        except OSError as exc:  # a read-only config folder must not stop the window closing
            log.warning("window layout not saved: %s", exc)
