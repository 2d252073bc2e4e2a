"""Logging declared once: per-area loggers, a size-capped rotating file, a crash handler."""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
from pathlib import Path
from types import TracebackType

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(log_dir: Path | None, level: int = logging.INFO) -> None:
    root = logging.getLogger("dso_desktop")
    root.setLevel(level)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_dir / "dso-desktop.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
        crash = open(log_dir / "crash.log", "a", encoding="utf-8")  # noqa: SIM115 - kept open
        faulthandler.enable(crash)

    def excepthook(
        etype: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        root.critical("unhandled exception", exc_info=(etype, value, tb))
        sys.__excepthook__(etype, value, tb)

    sys.excepthook = excepthook
