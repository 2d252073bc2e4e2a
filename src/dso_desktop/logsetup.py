"""Logging declared once: per-area loggers, a size-capped rotating file, a crash handler."""

from __future__ import annotations

import faulthandler
import io
import logging
import logging.handlers
import sys
from pathlib import Path
from types import TracebackType
from typing import cast

from dso_desktop.paths import private_dir, private_opener

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files 0600 whatever the umask, also the fresh one after each rotation."""

    def _open(self) -> io.TextIOWrapper:
        stream = open(self.baseFilename, self.mode, encoding=self.encoding,  # noqa: SIM115
                      errors=self.errors, opener=private_opener)
        return cast(io.TextIOWrapper, stream)  # text mode ("a"): a TextIOWrapper


def private_file_handler(path: Path) -> logging.Handler:
    """A size-capped log file readable by its owner only, in the usual format (the CLI's
    ``dso-cli.log``); its folder is made private first."""
    private_dir(path.parent)
    handler = _PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                          encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(_FORMAT))
    return handler


def setup_logging(log_dir: Path | None, level: int = logging.INFO) -> None:
    root = logging.getLogger("dso_desktop")
    root.setLevel(level)
    if log_dir is not None:
        private_dir(log_dir)
        handler = _PrivateRotatingFileHandler(
            log_dir / "dso-desktop.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
        crash = open(log_dir / "crash.log", "a", encoding="utf-8",  # noqa: SIM115 - kept open
                     opener=private_opener)
        faulthandler.enable(crash)

    def excepthook(
        etype: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        root.critical("unhandled exception", exc_info=(etype, value, tb))
        sys.__excepthook__(etype, value, tb)

    sys.excepthook = excepthook
