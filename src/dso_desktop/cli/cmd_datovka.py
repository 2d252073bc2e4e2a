"""`dso import-datovka PATH`: accounts and signed messages from Datovka (docs/datovka-import.md)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, localized
from dso_desktop.cli.texts import tr

ENV_OFFLINE = "DSO_OFFLINE"


def import_datovka(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.datovka import REFUSED

    offline = True if os.environ.get(ENV_OFFLINE) else None
    try:
        app = App.open(AppPaths.default(ctx.data_dir), offline=offline)
    except Exception as exc:
        raise localized(CliError, "cannot open the archive: {error}", error=exc) from exc
    with app:
        report = app.datovka.run(Path(args.path), create_accounts=not args.no_accounts)

    def text(_: Any) -> str:
        lines = []
        for a in report.accounts:
            # The service's note and refusal reasons are its own (English) details.
            lines.append(tr("{name} ({username}) -> {account}: {files} database files, "
                            "{messages} messages, {infos} delivery infos",
                            name=a.name, username=a.username,
                            account=a.account or tr("no account"), files=len(a.files),
                            messages=a.messages_found, infos=a.delivery_infos_found)
                         + (f"; {a.note}" if a.note else ""))
            lines += ["  " + tr("unreadable database {file}", file=f) for f in a.unreadable]
            for item in a.items:
                if item.status in REFUSED:
                    lines.append("  " + tr("refused {path} ({status}): {reason}",
                                           path=item.path, status=item.status,
                                           reason=item.reason))
        lines.append(tr("found {found}: {imported} imported, {infos} delivery infos attached, "
                        "{duplicates} duplicates, {conflicts} conflicting copies, "
                        "{refused} refused", found=report.found, imported=report.imported,
                        infos=report.delivery_infos, duplicates=report.duplicates,
                        conflicts=report.conflicts, refused=report.refused))
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
