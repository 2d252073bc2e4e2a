"""`dso import-datovka PATH`: accounts and signed messages from Datovka (docs/datovka-import.md)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError

ENV_OFFLINE = "DSO_OFFLINE"


def import_datovka(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.datovka import REFUSED

    offline = True if os.environ.get(ENV_OFFLINE) else None
    try:
        app = App.open(AppPaths.default(ctx.data_dir), offline=offline)
    except Exception as exc:
        raise CliError(f"cannot open the archive: {exc}") from exc
    with app:
        report = app.datovka.run(Path(args.path), create_accounts=not args.no_accounts)

    def text(_: Any) -> str:
        lines = []
        for a in report.accounts:
            lines.append(f"{a.name} ({a.username}) -> {a.account or 'no account'}: "
                         f"{len(a.files)} database files, {a.messages_found} messages, "
                         f"{a.delivery_infos_found} delivery infos"
                         + (f"; {a.note}" if a.note else ""))
            lines += [f"  unreadable database {f}" for f in a.unreadable]
            for item in a.items:
                if item.status in REFUSED:
                    lines.append(f"  refused {item.path} ({item.status}): {item.reason}")
        lines.append(f"found {report.found}: {report.imported} imported, "
                     f"{report.delivery_infos} delivery infos attached, "
                     f"{report.duplicates} duplicates, {report.conflicts} conflicting copies, "
                     f"{report.refused} refused")
        return "\n".join(lines)

    ctx.emit(report.to_json(), text)
    return 1 if (report.refused or report.conflicts or report.unreadable
                 or not report.adds_up) else 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("import-datovka",
                       help="import accounts and signed messages from Datovka's data folder")
    p.add_argument("path", metavar="PATH",
                   help="Datovka's configuration folder (.dsgui) or its dsgui.conf")
    p.add_argument("--no-accounts", action="store_true",
                   help="do not create accounts; file the messages by their data boxes")
    p.set_defaults(handler=import_datovka)
