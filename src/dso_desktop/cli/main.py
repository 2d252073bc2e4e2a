"""Entry point of `dso`: global options anywhere, lazy subcommands, exit codes 0/1/2.

Errors are told apart by type, once, here: a `DsoError` (a known failure the user must act
on) or an `OSError` (a missing file, no permission) is one line and exit 1; a `UsageError`
exit 2; anything else is a bug: its traceback goes to the log file, the user gets a short
"internal error" line, exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

from dso_desktop import __version__
from dso_desktop.cli.texts import argparse_texts, help_text, language, tr
from dso_desktop.errors import DsoError, ErrorKind, os_error_text

# Top-level command -> module that defines ``add_parser(subparsers)``. Modules must keep
# their import-time work small (heavy imports inside handlers) so `dso --help` stays fast.
COMMAND_MODULES: dict[str, str] = {
    "account": "dso_desktop.cli.cmd_account",
    "sync": "dso_desktop.cli.cmd_store",
    "messages": "dso_desktop.cli.cmd_store",
    "message": "dso_desktop.cli.cmd_store",
    "search": "dso_desktop.cli.cmd_store",
    "send": "dso_desktop.cli.cmd_store",
    "outbox": "dso_desktop.cli.cmd_outbox",
    "import": "dso_desktop.cli.cmd_store",
    "check": "dso_desktop.cli.cmd_store",
    "zfo": "dso_desktop.cli.cmd_zfo",
    "trust": "dso_desktop.cli.cmd_trust",
    "sim": "dso_desktop.cli.cmd_sim",
    "update": "dso_desktop.cli.cmd_update",
    "records": "dso_desktop.cli.cmd_records",
    "report": "dso_desktop.cli.cmd_paper",
    "backup": "dso_desktop.cli.cmd_backup",
    "import-datovka": "dso_desktop.cli.cmd_datovka",
    "watch": "dso_desktop.cli.cmd_watch", "restamp": "dso_desktop.cli.cmd_watch",
    "notify": "dso_desktop.cli.cmd_notify",
    "store": "dso_desktop.cli.cmd_office",
}


class CliError(DsoError):
    """A failure the user must act on (exit code 1); the message is shown as is."""

    kind = ErrorKind.CLI_FAILURE


class UsageError(DsoError):
    """The command line itself is wrong (exit code 2)."""

    kind = ErrorKind.CLI_USAGE


_E = TypeVar("_E", bound=DsoError)


def localized(cls: type[_E], text: str, /, **values: object) -> _E:
    """``cls`` with the catalogue sentence ``text``: English ``message`` (logs, ``--json``),
    Czech ``message_cs``; the user's line is in the locale's language (`cli.texts`). A value
    that is an exception is put in each language its own way (`error_line`): in Czech by its
    kind and details, never its English text."""
    err = cls(tr(text, "en", **values))
    err.message_cs = tr(text, "cs", **{
        k: error_line(v, "cs") if isinstance(v, BaseException) else v
        for k, v in values.items()})
    return err


def user_line(exc: DsoError, lang: str) -> str:
    """What `dso` prints for a known failure: English ``message``; in Czech the error's own
    Czech sentence, or the kind's Czech sentence with the error's details in Czech
    (`DsoError.user_text`): never an English sentence in a Czech line."""
    return exc.user_text(lang)


def error_line(exc: BaseException, lang: str | None = None) -> str:
    """One failure (of a sync, of one imported file) for a line of output, in the user's
    language: a `DsoError` by its kind and details, an `OSError` by its errno."""
    chosen = lang or language()
    if isinstance(exc, DsoError):
        return exc.user_text(chosen)
    if isinstance(exc, OSError):
        return os_error_text(exc, chosen)
    return str(exc) or type(exc).__name__


@dataclass
class CliContext:
    data_dir: Path | None
    json: bool
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    store: str | None = None  # --store URL: the archive's database (issue 13)

    def emit(self, obj: Any, text: Callable[[Any], str] | str | None = None) -> None:
        """Print ``obj`` as JSON with --json, otherwise as human text."""
        if self.json:
            json.dump(obj, self.out, ensure_ascii=False, indent=2, default=str)
            self.out.write("\n")
        elif callable(text):
            self.out.write(text(obj).rstrip("\n") + "\n")
        elif text is not None:
            self.out.write(text.rstrip("\n") + "\n")
        else:
            self.out.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


Handler = Callable[[argparse.Namespace, CliContext], int]


def extract_global_options(argv: Sequence[str]) -> tuple[list[str], Path | None, bool]:
    """Pull ``--data-dir`` and ``--json`` out of argv wherever they stand (before ``--``)."""
    rest: list[str] = []
    data_dir: Path | None = None
    as_json = False
    args = list(argv)
    i = 0
    passthrough = False
    while i < len(args):
        a = args[i]
        if passthrough:
            rest.append(a)
        elif a == "--":
            passthrough = True
            rest.append(a)
        elif a == "--json":
            as_json = True
        elif a == "--data-dir":
            if i + 1 >= len(args):
                raise localized(UsageError, "--data-dir needs a folder")
            data_dir = Path(args[i + 1])
            i += 1
        elif a.startswith("--data-dir="):
            data_dir = Path(a.split("=", 1)[1])
        else:
            rest.append(a)
        i += 1
    return rest, data_dir, as_json


def extract_store_option(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """Pull ``--store URL`` out of argv wherever it stands (before ``--``), as --data-dir."""
    rest: list[str] = []
    store: str | None = None
    args = list(argv)
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest += args[i:]
            break
        if a == "--store":
            if i + 1 >= len(args):
                raise localized(UsageError,
                                "--store needs a database URL (postgresql://user@host/db)")
            store = args[i + 1]
            i += 1
        elif a.startswith("--store="):
            store = a.split("=", 1)[1]
        else:
            rest.append(a)
        i += 1
    return rest, store


class _Formatter(argparse.HelpFormatter):
    """Help in the user's language from the one catalogue: every description, option help
    and section title is looked up (`texts.help_text`) as it is printed, so a command module
    writes its help in plain English and only its Czech goes into ``texts.CS``."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        return help_text(text) if text else text

    def add_text(self, text: str | None) -> None:
        super().add_text(help_text(text) if text and text is not argparse.SUPPRESS else text)

    def start_section(self, heading: str | None) -> None:
        super().start_section(help_text(heading) if heading else heading)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:  # argparse's own exit is 2 too; keep one path
        # ``message`` is already in the user's language (`texts.argparse_texts`).
        err = UsageError(f"{self.prog}: {message}")
        if language() == "cs":
            err.message_cs = err.message
        raise err


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dso",
        description=tr("DSO Desktop command line: data boxes (ISDS), archive, ZFO, simulator."),
        epilog=tr("Global options --data-dir DIR, --store URL and --json may stand before or "
                  "after the command."),
    )
    parser.add_argument("--version", action="version", version=f"dso {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help=tr("data folder (default: per-user)"))
    parser.add_argument("--json", action="store_true", help=tr("machine-readable output"))
    parser.add_argument("--store", metavar="URL",
                        help=tr("archive database, e.g. postgresql://clerk@server/dso "
                                "(default: $DSO_STORE_URL, the saved setting, else the local "
                                "SQLite file)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    seen: set[str] = set()
    for module_name in dict.fromkeys(COMMAND_MODULES.values()):
        if module_name in seen:
            continue
        seen.add(module_name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # command group not built yet
            raise
        module.add_parser(sub)
    return parser


def run(argv: Sequence[str] | None = None, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Run one `dso` command line; argparse's own texts follow the locale meanwhile."""
    with argparse_texts():
        return _run(argv, out, err)


def _run(argv: Sequence[str] | None, out: TextIO | None, err: TextIO | None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        rest, store = extract_store_option(argv)
        rest, data_dir, as_json = extract_global_options(rest)
        parser = build_parser()
        args = parser.parse_args(rest)
    except UsageError as exc:
        err.write(f"{user_line(exc, language())}\n")
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    with _log_lines_to_file(data_dir):
        return _handle(args, parser, data_dir, as_json, store, out, err)


@contextmanager
def _log_lines_to_file(data_dir: Path | None) -> Iterator[None]:
    """The product's log lines (English, for support) go to the CLI's log file while a
    command runs, never between the user's lines: without a handler Python would print a
    warning bare on standard error ("could not remove a secret ..."), in English under a
    Czech locale. A host that collects logs itself (the GUI, pytest) keeps them."""
    logger = logging.getLogger("dso_desktop")
    if logger.hasHandlers():
        yield
        return
    handler: logging.Handler | None = None
    try:
        from dso_desktop.logsetup import private_file_handler
        from dso_desktop.paths import AppPaths

        handler = private_file_handler(AppPaths.default(data_dir).logs / "dso-cli.log")
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)
    except OSError:  # no log folder: the lines are dropped rather than shown
        handler = logging.NullHandler()
        logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()


def _handle(args: argparse.Namespace, parser: argparse.ArgumentParser,
            data_dir: Path | None, as_json: bool, store: str | None, out: TextIO,
            err: TextIO) -> int:
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(out)
        return 2
    ctx = CliContext(data_dir=data_dir, json=as_json, out=out, err=err, store=store)
    try:
        return handler(args, ctx)
    except UsageError as exc:
        err.write(f"dso: {user_line(exc, language())}\n")
        return 2
    except DsoError as exc:
        if isinstance(exc.__cause__, BrokenPipeError):  # e.g. `dso ... | head`
            raise exc.__cause__ from None
        return _failed(exc.message, str(exc.kind), as_json, out, err,
                       shown=user_line(exc, language()))
    except BrokenPipeError:
        raise  # `main` ends quietly
    except OSError as exc:  # the environment (a missing file, no permission): not a bug
        return _failed(str(exc) or type(exc).__name__, "os", as_json, out, err,
                       shown=os_error_text(exc, language()))
    except KeyboardInterrupt:
        err.write(f"dso: {tr('interrupted')}\n")
        return 1
    except Exception as exc:
        where = _log_bug(exc, data_dir)
        err.write("dso: " + (
            tr("internal error ({type}); details in {path}", type=type(exc).__name__,
               path=str(where)) if where else
            tr("internal error ({type}); no log file could be written",
               type=type(exc).__name__)) + "\n")
        if as_json:
            out.write(json.dumps({"error": "internal error", "kind": "internal"}) + "\n")
        return 1


def _failed(message: str, kind: str, as_json: bool, out: TextIO, err: TextIO,
            shown: str | None = None) -> int:
    """A known failure: one line for the user in the locale's language (and one JSON
    object with --json, always English), exit 1."""
    if as_json:
        out.write(json.dumps({"error": message, "kind": kind}, ensure_ascii=False) + "\n")
    err.write(f"dso: {tr('error')}: {shown if shown is not None else message}\n")
    return 1


def _log_bug(exc: BaseException, data_dir: Path | None) -> Path | None:
    """Append the traceback of an unexpected error to the log file of the data folder (the
    one the GUI writes); returns its path, or None when it cannot be written. The traceback
    holds no message bodies or credentials: only code locations and the exception text."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        from dso_desktop.paths import AppPaths, private_dir, private_opener

        logs = AppPaths.default(data_dir).logs
        private_dir(logs)
        path = logs / "dso-cli.log"
        with open(path, "a", encoding="utf-8", opener=private_opener) as f:
            f.write(f"internal error in dso (version {__version__}):\n{text}\n")
        return path
    except Exception:  # no log folder at all: the short line is all the user gets
        return None


def main() -> None:
    try:
        code = run()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    # Run as `python -m dso_desktop.cli.main`, this file is `__main__`, while the command
    # modules import `dso_desktop.cli.main`: two copies of UsageError, and a usage error
    # raised by a command would miss `except UsageError` here and exit 1 instead of 2.
    # Run the one module everybody imports.
    from dso_desktop.cli import main as _cli

    _cli.main()
