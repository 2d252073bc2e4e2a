"""`dso trust list|add|remove`: CA certificates trusted for every account's ZFOs.

These are the anchors the user adds (the settings dialog edits the same list). A CA given for
one account (`dso account add --ca-file` in a test environment) is not added here: it is an
anchor for that account's messages only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import tr


def add_parser(sub: Any) -> None:
    p = sub.add_parser("trust", help="CA certificates trusted for every account's ZFOs",
                       description="Trust anchors added by the user (besides the PostSignum "
                                   "roots); verdicts that rely on one name it.")
    tsub = p.add_subparsers(dest="trust_command", metavar="ACTION")
    sp = tsub.add_parser("list", help="the added anchors")
    sp.set_defaults(handler=trust_list)
    sp = tsub.add_parser("add", help="trust the CA certificates of FILE for every account")
    sp.add_argument("files", type=Path, nargs="+", metavar="FILE_OR_DIR")
    sp.set_defaults(handler=trust_add)
    sp = tsub.add_parser("remove", help="stop trusting an added anchor")
    sp.add_argument("files", nargs="+", metavar="FILE_OR_DIR")
    sp.set_defaults(handler=trust_remove)

    def usage(args: argparse.Namespace, ctx: CliContext) -> int:
        text = "trust needs an action: list, add or remove"
        err = UsageError(tr(text, "en") + "\n" + p.format_usage())
        err.message_cs = tr(text, "cs") + "\n" + p.format_usage()
        raise err

    p.set_defaults(handler=usage)


def _text(files: list[dict[str, Any]]) -> str:
    if not files:
        return tr("no added trust anchors (only the shipped PostSignum CAs)")
    lines = []
    for f in files:
        lines.append(f["path"] + (f"  ({f['problem']})" if f["problem"] else ""))
        lines += [f"  {tr('anchor') if c['self_signed'] else tr('intermediate')}: "
                  f"{c['name']}  SHA-256 {c['sha256']}" for c in f["certificates"]]
    return "\n".join(lines)


def trust_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open

    with _open(ctx) as app:
        files = [f.to_json() for f in app.trust_anchors.list()]
    ctx.emit(files, _text)
    return 0


def trust_add(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open

    with _open(ctx) as app:  # TrustAnchorError (a DsoError, with Czech): `dso` reports it
        added = [app.trust_anchors.add(f).to_json() for f in args.files]
    ctx.emit(added, _text)
    return 0


def trust_remove(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open

    with _open(ctx) as app:
        missing = [f for f in args.files if not app.trust_anchors.remove(f)]
    if missing:
        raise localized(CliError, "not among the added anchors: {files}",
                        files=", ".join(missing))
    ctx.emit({"removed": list(args.files)}, tr("removed"))
    return 0
