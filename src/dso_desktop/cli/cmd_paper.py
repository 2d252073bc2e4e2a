"""`dso message pdf|eml` and `dso report correspondence` (issue 16): documents on paper and
in reports, made in the core (`services.paper`, `reports`)."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, UsageError, localized
from dso_desktop.cli.texts import tr


def parse_day(text: str) -> date:
    """A day as ``YYYY-MM-DD`` or the Czech ``D.M.YYYY``; UsageError otherwise."""
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise localized(UsageError, "{value!r} is not a date (YYYY-MM-DD or D.M.YYYY)",
                    value=text)


def out_file(value: str) -> Path:
    """``--out`` names a file: a folder there is a usage error (not an OS error naming the
    temporary file the write went through)."""
    out = Path(value)
    if out.is_dir():
        raise localized(UsageError, "--out {value} is a folder; give the name of the file to "
                        "write", value=value)
    return out


def message_pdf(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open, _pick
    from dso_desktop.reports.model import Part

    part = Part.BOTH if args.both else (Part.DELIVERY_INFO if args.delivery_info
                                        else Part.ENVELOPE)
    out = out_file(args.out)
    with _open(ctx) as app:
        mid = _pick(app, args.dm_id, args.account)
        app.paper.save_message_pdf(mid, out, part)
    ctx.emit({"dm_id": args.dm_id, "part": str(part), "path": str(out)},
             f"{out} ({part})")
    return 0


def message_eml(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open, _pick

    out = out_file(args.out)
    with _open(ctx) as app:
        mid = _pick(app, args.dm_id, args.account)
        app.paper.save_message_eml(mid, out, attachments=args.attachments, pdf=args.pdf)
    ctx.emit({"dm_id": args.dm_id, "path": str(out), "attachments": args.attachments,
              "pdf": args.pdf}, str(out))
    return 0


def report_correspondence(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open
    from dso_desktop.cli.main import CliError
    from dso_desktop.domain import Direction
    from dso_desktop.reports.overview import Format

    start, end = parse_day(args.date_from), parse_day(args.date_to)
    if end < start:
        raise localized(UsageError, "--to {end} is before --from {start}", end=end, start=start)
    out = out_file(args.out)
    with _open(ctx) as app:
        if args.account and not app.accounts.exists(args.account):
            raise localized(CliError, "no account named {name!r}", name=args.account)
        ov = app.paper.overview(start, end, account=args.account,
                                direction=Direction(args.direction) if args.direction
                                else None)
        app.paper.save_overview(ov, Format(args.format), out)
    totals = ov.totals()
    summary: dict[str, Any] = {
        "path": str(out), "format": args.format, "from": str(start), "to": str(end),
        "account": args.account, "direction": args.direction, "messages": len(ov.rows),
        "received": totals[Direction.RECEIVED], "sent": totals[Direction.SENT],
        "counts": [{"direction": str(d), "state": s, "count": n} for d, s, n in ov.counts()],
    }
    ctx.emit(summary, tr("{file}: {n} messages ({received} received, {sent} sent)",
                         file=out, n=len(ov.rows), received=totals[Direction.RECEIVED],
                         sent=totals[Direction.SENT]))
    return 0


def add_message_actions(msub: Any) -> None:
    """`dso message pdf` and `dso message eml` (called by cmd_store's `message` group)."""
    m = msub.add_parser("pdf", help="PDF/A envelope and/or delivery info of a message")
    m.add_argument("dm_id", metavar="DMID")
    m.add_argument("--out", required=True, metavar="FILE")
    m.add_argument("--account")
    which = m.add_mutually_exclusive_group()
    which.add_argument("--delivery-info", action="store_true",
                       help="the delivery info (doručenka) instead of the envelope")
    which.add_argument("--both", action="store_true", help="envelope and delivery info")
    m.set_defaults(handler=message_pdf)
    m = msub.add_parser("eml", help="an e-mail (.eml) with the message's ZFO")
    m.add_argument("dm_id", metavar="DMID")
    m.add_argument("--out", required=True, metavar="FILE")
    m.add_argument("--account")
    m.add_argument("--attachments", action="store_true", help="also the attachments")
    m.add_argument("--pdf", action="store_true", help="also the PDF envelope")
    m.set_defaults(handler=message_eml)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("report", help="reports over the archive (correspondence overview)")
    rsub = p.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    r = rsub.add_parser("correspondence", help="messages of a period: CSV, HTML or PDF")
    r.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    r.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    r.add_argument("--account")
    r.add_argument("--direction", choices=("received", "sent"))
    r.add_argument("--format", required=True, choices=("csv", "html", "pdf"))
    r.add_argument("--out", required=True, metavar="FILE")
    r.set_defaults(handler=report_correspondence)
