"""Entry point of `dso-desktop`: options, start-up off the GUI thread, training mode."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from dso_desktop.paths import AppPaths

T0 = time.perf_counter()
log = logging.getLogger("dso_desktop.gui")
WINDOWS = ("main", "compose", "detail", "wizard", "handover", "documents", "overview",
           "filters", "password", "account", "manual")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="dso-desktop",
        description="DSO Desktop: a desktop client for the Czech data-box system (ISDS).",
    )
    p.add_argument("files", nargs="*", type=Path, help="ZFO files to open in the viewer")
    p.add_argument("--data-dir", type=Path, help="keep data, config, cache and logs here")
    p.add_argument(
        "--demo", action="store_true", help="training mode: embedded ISDS simulator with demo data"
    )
    p.add_argument("--demo-messages", type=int, default=60, help=argparse.SUPPRESS)
    p.add_argument("--demo-evidence-days", type=float, default=45.0, help=argparse.SUPPRESS)
    p.add_argument("--lang", choices=("cs", "en"), help="user-interface language")
    p.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="render a window after the data is loaded, write a PNG and exit",
    )
    p.add_argument(
        "--window", choices=WINDOWS, default="main", help="which window --screenshot renders"
    )
    p.add_argument(
        "--measure-startup",
        action="store_true",
        help="print JSON: start to first painted message list, peak RSS; exit",
    )
    p.add_argument(
        "--measure-scroll",
        action="store_true",
        help="with --measure-startup: also scroll the whole list, longest block",
    )
    return p.parse_args(argv)


def resolve_paths(args: argparse.Namespace) -> AppPaths:
    from dso_desktop.gui.prefs import chosen_data_dir
    from dso_desktop.paths import AppPaths

    if args.data_dir is not None:
        base = AppPaths.default(args.data_dir)
    else:
        base = AppPaths.default()
        chosen = chosen_data_dir(base) if not _env_data_dir() else None
        if chosen is not None:
            base = AppPaths.default(chosen)
    if args.demo:
        # A separate folder so that a real archive is never mixed with demo data.
        return AppPaths.default(base.data / "training")
    return base


def _env_data_dir() -> bool:
    import os

    from dso_desktop.paths import ENV_DATA_DIR

    return bool(os.environ.get(ENV_DATA_DIR))


def _quit_on_ctrl_c(qapp: QApplication) -> None:
    """Ctrl+C in the terminal (e.g. after `make demo`) closes the application cleanly."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_a: qapp.closeAllWindows() or qapp.quit())
    # Python handles signals only between bytecodes: wake it up now and then.
    timer = QTimer(qapp)
    timer.timeout.connect(lambda: None)
    timer.start(500)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication

    from dso_desktop import APP_NAME
    from dso_desktop.gui import i18n
    from dso_desktop.gui.prefs import GuiPrefs
    from dso_desktop.gui.startup import Launcher
    from dso_desktop.logsetup import setup_logging

    existing = QApplication.instance()
    qapp = (
        existing
        if isinstance(existing, QApplication)
        else QApplication([sys.argv[0] if sys.argv else "dso-desktop"])
    )
    qapp.setApplicationName(APP_NAME)
    qapp.setApplicationDisplayName(APP_NAME)
    qapp.setOrganizationName("dso-desktop")
    qapp.setStyle("Fusion")

    paths = resolve_paths(args)
    if args.demo:
        from dso_desktop.gui.demo import prepare_training_folder

        prepare_training_folder(paths)
    paths.ensure()
    setup_logging(paths.logs)
    prefs = GuiPrefs.load(paths)
    i18n.install(args.lang or prefs.language or i18n.DEFAULT_LANGUAGE)

    launcher = Launcher(args, paths, started=T0)
    _quit_on_ctrl_c(qapp)
    launcher.start()
    code = qapp.exec()
    launcher.shutdown()
    return int(code or launcher.exit_code)


if __name__ == "__main__":
    sys.exit(main())
