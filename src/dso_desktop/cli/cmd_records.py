"""`dso records ...`: hand-over to records management (spisová služba).

- ``export``: an NSESSS Annex 7 transfer batch (ZIP) of the chosen messages;
- ``confirm``: read the receiving system's confirmation (`PrenosPotvrzeni`);
- ``purge``: remove from the archive what a confirmation covered (explicit, logged);
- ``rest``: the records-management REST service Datovka speaks (info, hierarchy, upload,
  stored files). The token is never taken on the command line (it would show in the process
  list): ``--token-file FILE`` or the environment variable ``DSO_RECORDS_TOKEN``.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import tr

TOKEN_ENV = "DSO_RECORDS_TOKEN"  # noqa: S105 - the variable's name, not a token


def add_parser(sub: Any) -> None:
    p = sub.add_parser("records", help="hand-over to records management (spisová služba)",
                       description="Transfer batches (NSESSS Annex 7), their confirmation, "
                                   "purge of handed-over messages, and the REST service.")
    rsub = p.add_subparsers(dest="records_command", metavar="ACTION")

    a = rsub.add_parser("export", help="write a transfer batch (ZIP) of stored messages")
    a.add_argument("--out", type=Path, required=True, metavar="FILE.zip")
    a.add_argument("--account")
    a.add_argument("--from", dest="date_from", metavar="DATE", help="YYYY-MM-DD (local day)")
    a.add_argument("--to", dest="date_to", metavar="DATE", help="YYYY-MM-DD, inclusive")
    a.add_argument("--not-handed-over", action="store_true",
                   help="only messages no records service has confirmed yet")
    a.add_argument("--target", default="ESSL",
                   help="identifier of the receiving system (Cil, 1-10 characters)")
    a.add_argument("--source", default="DSO",
                   help="identifier of this system (Zdroj, 1-10 characters)")
    a.add_argument("--operator", help="who hands over (default: the system user name)")
    a.set_defaults(handler=records_export)

    a = rsub.add_parser("confirm", help="apply a transfer confirmation (PrenosPotvrzeni)")
    a.add_argument("file", type=Path, metavar="FILE.xml")
    a.set_defaults(handler=records_confirm)

    a = rsub.add_parser("purge", help="remove messages whose hand-over was confirmed "
                                      "before DATE (logged; see 'records log')")
    a.add_argument("--confirmed-before", required=True, metavar="DATE",
                   help="YYYY-MM-DD (local day): hand-overs confirmed before its start")
    a.add_argument("--dry-run", action="store_true", help="only list what would go")
    a.set_defaults(handler=records_purge)

    a = rsub.add_parser("log", help="what purges removed")
    a.set_defaults(handler=records_log)
    a = rsub.add_parser("batches", help="transfer batches written and their confirmation")
    a.set_defaults(handler=records_batches)
    a = rsub.add_parser("state", help="where a message was handed over")
    a.add_argument("dm_id", metavar="DMID")
    a.set_defaults(handler=records_state)

    r = rsub.add_parser("rest", help="the records-management REST service")
    r.add_argument("--url", required=True, help="the service's base URL (https://...)")
    r.add_argument("--token-file", type=Path,
                   help=f"file with the token (default: environment {TOKEN_ENV})")
    r.add_argument("--ca-file", type=Path, help="extra CA certificate (PEM or DER)")
    rr = r.add_subparsers(dest="rest_command", metavar="SERVICE", required=True)
    b = rr.add_parser("info", help="service_info")
    b.set_defaults(handler=rest_info)
    b = rr.add_parser("hierarchy", help="upload_hierarchy: the nodes files can go to")
    b.set_defaults(handler=rest_hierarchy)
    b = rr.add_parser("upload", help="upload the signed ZFOs of the chosen messages")
    b.add_argument("--node", action="append", required=True, dest="nodes",
                   help="target node id (repeatable)")
    b.add_argument("--account")
    b.add_argument("--from", dest="date_from", metavar="DATE")
    b.add_argument("--to", dest="date_to", metavar="DATE")
    b.add_argument("--not-handed-over", action="store_true")
    b.add_argument("--dm-id", action="append", dest="dm_ids", help="only this message")
    b.set_defaults(handler=rest_upload)
    b = rr.add_parser("stored", help="stored_files: mark what the service already holds")
    b.add_argument("--account")
    b.set_defaults(handler=rest_stored)

    def usage(args: argparse.Namespace, ctx: CliContext) -> int:
        raise localized(UsageError, "records needs an action: export, confirm, purge, log, "
                        "batches, state or rest\n{usage}", usage=p.format_usage())

    p.set_defaults(handler=usage)


def parse_day(value: str, option: str) -> datetime:
    """The start of a local calendar day, as an aware time."""
    try:
        d = date.fromisoformat(value)
    except ValueError:
        raise localized(UsageError, "{option}: not a date YYYY-MM-DD: {value!r}",
                        option=option, value=value) from None
    return datetime(d.year, d.month, d.day).astimezone()


def _selection(args: argparse.Namespace) -> Any:
    from dso_desktop.services.records import Selection

    since = parse_day(args.date_from, "--from") if args.date_from else None
    until = parse_day(args.date_to, "--to") + timedelta(days=1) if args.date_to else None
    if since and until and until <= since:
        raise localized(UsageError, "--to must not be before --from")
    return Selection(account=args.account, since=since, until=until,
                     not_handed_over=args.not_handed_over)


def _open(ctx: CliContext) -> Any:
    from dso_desktop.cli.cmd_store import _open as open_app

    return open_app(ctx)


def records_export(args: argparse.Namespace, ctx: CliContext) -> int:
    sel = _selection(args)
    if args.out.exists():
        raise localized(CliError, "{file} exists; choose a new file for the batch",
                        file=args.out)
    with _open(ctx) as app:
        if args.account is not None and not app.accounts.exists(args.account):
            raise localized(CliError, "no account named {name!r}", name=args.account)
        summary = app.records.export(args.out, sel, target=args.target, source=args.source,
                                     operator=args.operator)
    ctx.emit(summary.to_json(), lambda s: tr(
        "batch {batch}: {messages} messages, {entities} entities -> {file}\nNothing is "
        "handed over until the receiving system confirms it ('dso records confirm "
        "FILE.xml').", batch=s["batch_id"], messages=s["messages"], entities=s["entities"],
        file=s["file"]))
    return 0


def records_confirm(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.records.nsesss import MAX_CONFIRMATION_BYTES

    if args.file.stat().st_size > MAX_CONFIRMATION_BYTES:
        raise localized(CliError, "{file} is too large for a transfer confirmation",
                        file=args.file)
    data = args.file.read_bytes()
    with _open(ctx) as app:
        result = app.records.confirm(data)

    def text(r: dict[str, Any]) -> str:
        ok = [m for m in r["messages"] if m["handed_over"]]
        bad = [m for m in r["messages"] if not m["handed_over"]]
        lines = [tr("batch {batch}: {status}; {ok} handed over, {bad} not",
                    batch=r["batch_id"], status=r["status"], ok=len(ok), bad=len(bad))]
        for m in bad:  # the reasons are the confirmation's own words
            lines.append("  " + tr("not handed over: {dm_id}: {reasons}", dm_id=m["dm_id"],
                                   reasons="; ".join(m["reasons"])))
        return "\n".join(lines)

    ctx.emit(result.to_json(), text)
    return 0 if not result.not_handed_over else 1


def records_purge(args: argparse.Namespace, ctx: CliContext) -> int:
    before = parse_day(args.confirmed_before, "--confirmed-before")
    with _open(ctx) as app:
        result = app.records.purge(before, dry_run=args.dry_run)

    def text(r: dict[str, Any]) -> str:
        dry = r["dry_run"]
        n, kept = len(r["removed"]), len(r["kept"])
        lines = [tr("would remove {n} messages; kept {kept}", n=n, kept=kept) if dry
                 else tr("removed {n} messages; kept {kept}", n=n, kept=kept)]
        for x in r["removed"]:
            values = {"dm_id": x["dm_id"], "method": x["method"], "target": x["target"],
                      "at": x["confirmed_at"]}
            lines.append("  " + (
                tr("would remove: {dm_id} ({method} {target}, confirmed {at})", **values)
                if dry else tr("removed: {dm_id} ({method} {target}, confirmed {at})",
                               **values)))
        lines += ["  " + tr("kept: {dm_id}: {reason}", dm_id=x["dm_id"], reason=x["reason"])
                  for x in r["kept"]]
        return "\n".join(lines)

    ctx.emit(result.to_json(), text)
    return 0


def records_log(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        log = [r.to_json() for r in app.records.purge_log()]
    ctx.emit(log, lambda rows: "\n".join(
        f"{r['purged_at']}  {r['dm_id']}  {r['account'] or '-'}  {r['direction']}  "
        f"{r['method']} {r['target']} {r['batch_id'] or ''}  sha256 {r['zfo_sha256']}"
        for r in rows) or tr("(nothing removed)"))
    return 0


def records_batches(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        rows = [b.to_json() for b in app.records.batches()]
    ctx.emit(rows, lambda bs: "\n".join(
        f"{b['batch_id']}  {b['created_at']}  {b['source']}->{b['target']}  "
        + tr("{n} messages", n=b["messages"]) + f"  {b['state']}" for b in bs)
        or tr("(no batches)"))
    return 0


def records_state(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        ids = app.messages.find(args.dm_id)
        if not ids:
            raise localized(CliError, "message {dm_id} is not in the archive", dm_id=args.dm_id)
        states = [app.records.state(i).to_json() for i in ids]

    def text(ss: list[dict[str, Any]]) -> str:
        lines = []
        for s in ss:
            if not s["handed_over"]:
                lines.append(tr("message {id}: not handed over", id=s["message_id"]))
            for h in s["handovers"]:
                where = h["batch_id"] or ", ".join(h["locations"])
                lines.append(tr("message {id}: handed over to {target} ({method} {where}) "
                                "confirmed {at}", id=s["message_id"], target=h["target"],
                                method=h["method"], where=where, at=h["confirmed_at"]))
            lines += ["  " + tr("refused in {batch}: {reason}", batch=r["batch_id"],
                                reason=r["reason"]) for r in s["refusals"]]
        return "\n".join(lines)

    ctx.emit(states, text)
    return 0


# -- REST ------------------------------------------------------------------------------------

def _client(args: argparse.Namespace) -> Any:
    from dso_desktop.records.rest import RecordsRestClient

    if args.token_file is not None:
        token = args.token_file.read_text(encoding="utf-8").strip()
    else:
        token = os.environ.get(TOKEN_ENV, "")
    if not token:
        raise localized(UsageError, "no token: give --token-file FILE or set {env}",
                        env=TOKEN_ENV)
    return RecordsRestClient(args.url, token, ca_file=args.ca_file)


def rest_info(args: argparse.Namespace, ctx: CliContext) -> int:
    with _client(args) as client:
        info = client.service_info()
    ctx.emit(info.to_json(), lambda i: tr("{name} (token: {token})", name=i["name"],
                                          token=i["token_name"]))
    return 0


def rest_hierarchy(args: argparse.Namespace, ctx: CliContext) -> int:
    with _client(args) as client:
        tree = client.upload_hierarchy()
    ctx.emit(tree.to_json(), lambda _: "\n".join(
        f"{'  ' * (len(path) - 1)}{node.name}" + (f"  [{node.id}]" if node.id else "")
        for path, node in tree.walk()))
    return 0


def rest_upload(args: argparse.Namespace, ctx: CliContext) -> int:
    sel = _selection(args)
    with _open(ctx) as app, _client(args) as client:
        ids = app.records.select_ids(sel)
        if args.dm_ids:
            wanted = {i for d in args.dm_ids for i in app.messages.find(d)}
            ids = [i for i in ids if i in wanted]
        if not ids:
            raise localized(CliError, "no stored messages match; nothing to upload")
        result = app.records.upload(client, ids, args.nodes)

    def text(r: dict[str, Any]) -> str:
        lines = [f"{i['file']}: " + (", ".join(i["locations"]) or i["error"] or tr("ok"))
                 if i["ok"] else tr("{file}: FAILED {error}", file=i["file"] or i["dm_id"],
                                    error=i["error"])
                 for i in r["items"]]
        lines.append(tr("{n} messages confirmed by 'stored files'", n=len(r["confirmed"])))
        return "\n".join(lines)

    ctx.emit(result.to_json(), text)
    return 0 if all(i.ok for i in result.items) else 1


def rest_stored(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.services.records import Selection

    with _open(ctx) as app, _client(args) as client:
        ids = app.records.select_ids(Selection(account=args.account))
        confirmed = app.records.refresh_stored(client, ids)
    ctx.emit({"checked": len(ids), "held": len(confirmed)},
             lambda r: tr("{held} of {checked} messages are held by the service",
                          held=r["held"], checked=r["checked"]))
    return 0
