"""One place that says where the app keeps its data, config, cache and logs."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from dso_desktop import APP_ID

ENV_DATA_DIR = "DSO_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    """Directories of one installation; everything the app writes lives under these."""

    data: Path
    config: Path
    cache: Path
    logs: Path

    @classmethod
    def default(cls, data_dir: Path | str | None = None) -> AppPaths:
        """Platform directories, or all four under one folder when the user chose one.

        A chosen data folder (``--data-dir`` or ``DSO_DATA_DIR``) keeps config, cache and
        logs beside the data, so nothing is written outside the folder the user chose.
        """
        chosen = data_dir or os.environ.get(ENV_DATA_DIR)
        if chosen:
            root = Path(chosen).expanduser().resolve()
            return cls(
                data=root, config=root / "config", cache=root / "cache", logs=root / "logs"
            )
        return cls(
            data=Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)),
            logs=Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
        )

    def ensure(self) -> AppPaths:
        for p in (self.data, self.config, self.cache, self.logs):
            p.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def database(self) -> Path:
        return self.data / "archive.sqlite3"


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
