"""`dso outbox`: messages on their way out (exactly-once sending) — list, reconcile, decide."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dso_desktop.cli.main import CliContext, CliError, localized
from dso_desktop.cli.texts import tr

if TYPE_CHECKING:
    from dso_desktop.app import App
    from dso_desktop.store.outbox import OutboxRecord


def describe(rec: OutboxRecord) -> str:
    files = ", ".join(f"{a.name} ({a.size} B)" for a in rec.attachments)
    when = rec.submitted_at or rec.created_at
    line = (f"#{rec.id}\t{rec.state}\t{rec.account} -> {rec.recipient}\t{rec.subject!r}\t"
            f"{when:%Y-%m-%d %H:%M:%S} UTC")
    if rec.dm_id:
        line += f"\tdmID {rec.dm_id}"
    line += "\n\t" + tr("attachments: {files}", files=files)
    if rec.error:
        line += f"\n\t{rec.error}"
    return line


def blocked_error(records: Sequence[OutboxRecord]) -> CliError:
    """`dso send` refuses a message whose earlier send has an unknown outcome (exit 1)."""
    head = ("refusing to send: an earlier send of the same message may have reached ISDS "
            "and could not be confirmed either way:")
    tail = ("Check the account's sent messages: `dso outbox reconcile ACCOUNT`; if it was not "
            "sent, `dso outbox retry ID --force` sends it again (it may then arrive twice), "
            "`dso outbox discard ID` closes the record.")
    body = [describe(r) for r in records]
    err = CliError("\n".join([tr(head, "en"), *body, tr(tail, "en")]))
    err.message_cs = "\n".join([tr(head, "cs"), *body, tr(tail, "cs")])
    return err


def warn_open(app: App, account: str, ctx: CliContext) -> None:
    """Other unsettled sends of the account go to stderr (they never stop a different one)."""
    left = app.outbox.records(account, open_only=True)
    for rec in left:
        ctx.err.write(tr("warning: outcome of an earlier send unknown:") + f"\n{describe(rec)}\n")


ENV_PHASES = "DSO_SEND_PHASE_DIR"


def install_phase_markers(app: App) -> None:
    """Crash tests of `dso send`: with DSO_SEND_PHASE_DIR set, every send phase touches
    ``<dir>/<phase>`` and, while ``<dir>/<phase>.hold`` exists, waits there — so a test can
    kill the process at exactly that moment. Off (nothing happens) without the variable."""
    import os
    import time
    from pathlib import Path

    folder = os.environ.get(ENV_PHASES)
    if not folder:
        return
    base = Path(folder)

    def hook(phase: str) -> None:
        (base / phase).touch()
        while (base / f"{phase}.hold").exists():
            time.sleep(0.02)

    app.send.phase_hook = hook


def _open(ctx: CliContext) -> App:
    from dso_desktop.cli.cmd_store import _open as open_app

    return open_app(ctx)


def outbox_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        records = app.outbox.records(args.account, open_only=not args.all, limit=args.limit)

    def text(_: Any) -> str:
        if not records:
            return tr("no unsettled sends") if not args.all else tr("the outbox is empty")
        return "\n".join(describe(r) for r in records)

    ctx.emit([r.to_json() for r in records], text)
    return 1 if any(r.is_open for r in records) else 0


def outbox_reconcile(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _read_password
    from dso_desktop.services.outbox import OutboxBusy

    password = _read_password(args, ctx)
    with _open(ctx) as app:
        names = args.accounts or app.outbox.open_accounts()
        results = []
        for name in names:
            if not app.accounts.exists(name) and not app.outbox.records(name, open_only=True):
                raise localized(CliError, "no account named {name!r}", name=name)
            try:
                results += app.outbox.reconcile_account(name, password=password)
            except OutboxBusy as exc:
                raise localized(CliError, "{error}; try again when that send has finished",
                                error=exc) from exc
            # What reconciliation found sent is reported now: a later `dso send` of the
            # same draft is then a deliberate new message.
            for r in results:
                if r.record.unreported:
                    app.outbox.acknowledge(r.record.id)
        left = [r for r in results if r.record.is_open]

    def text(_: Any) -> str:
        if not results:
            return tr("nothing to reconcile")
        return "\n".join(describe(r.record) + "\n\t" + tr("was {state}: {note}", state=r.before,
                                                          note=r.note) for r in results)

    ctx.emit([r.to_json() for r in results], text)
    return 1 if left else 0


def outbox_discard(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:  # OutboxError, NotFound: `dso` reports them (exit 1)
        rec = app.outbox.discard(args.id)
    ctx.emit(rec.to_json(), tr("discarded:") + f"\n{describe(rec)}")
    return 0


def outbox_retry(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _read_password
    from dso_desktop.services.send import SendBlocked

    password = _read_password(args, ctx)
    with _open(ctx) as app:
        try:
            outcomes = app.send.retry(args.id, force=args.force, password=password)
        except SendBlocked as exc:
            raise blocked_error(exc.records) from exc

    def text(_: Any) -> str:
        return "\n".join(
            tr("{recipient}: sent as {dm_id}", recipient=o.recipient, dm_id=o.message_id)
            + (f" — {o.note}" if o.note else "")
            if o.ok else (
                tr("{recipient}: OUTCOME UNKNOWN: {error}", recipient=o.recipient,
                   error=o.error) if o.unknown else
                tr("{recipient}: FAILED: {error}", recipient=o.recipient, error=o.error))
            for o in outcomes)

    ctx.emit([o.__dict__ for o in outcomes], text)
    return 0 if all(o.ok for o in outcomes) else 1


def add_parser(sub: Any) -> None:
    p = sub.add_parser("outbox", help="sends whose outcome is not settled (exactly-once)")
    osub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    a = osub.add_parser("list", help="unsettled sends (exit 1 while there are any)")
    a.add_argument("--account")
    a.add_argument("--all", action="store_true", help="every record, settled ones too")
    a.add_argument("--limit", type=int, default=None)
    a.set_defaults(handler=outbox_list)
    a = osub.add_parser("reconcile",
                        help="look for unsettled sends in the accounts' sent lists")
    a.add_argument("accounts", nargs="*", metavar="ACCOUNT",
                   help="accounts (default: every one with unsettled sends)")
    a.add_argument("--password-stdin", action="store_true")
    a.set_defaults(handler=outbox_reconcile)
    a = osub.add_parser("discard", help="close a record without sending it")
    a.add_argument("id", type=int, metavar="ID")
    a.set_defaults(handler=outbox_discard)
    a = osub.add_parser("retry", help="send a record's message again (explicit decision)")
    a.add_argument("id", type=int, metavar="ID")
    a.add_argument("--force", action="store_true",
                   help="also when its outcome is unknown: it may then arrive twice")
    a.add_argument("--password-stdin", action="store_true")
    a.set_defaults(handler=outbox_retry)
