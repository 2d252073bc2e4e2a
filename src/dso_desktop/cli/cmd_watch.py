"""`dso watch`, `dso restamp` and `dso message verify-online`: the watch and its remedies.

`dso watch` exits 1 when anything is due within the window, so schedulers and scripts can
act on it; `dso restamp` exits 1 when any message could not be renewed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import language, tr
from dso_desktop.domain import EvidenceVersionKind


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "watch", help="what is due: expiring evidence, deadlines, passwords",
        description="One list of what is due, sorted by due date: evidence that stops being "
                    "verifiable, acceptance by fiction, deletion by ISDS, sent messages not "
                    "delivered, expiring passwords. Exit 1 when anything is due within the "
                    "window.")
    p.add_argument("--within", type=int, default=None, metavar="DAYS",
                   help="everything due within DAYS (overdue included); default: each kind "
                        "with its own lead time from the settings")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="only the N nearest items, and how many there are in all (a big "
                        "archive has hundreds of thousands)")
    p.set_defaults(handler=watch)

    p = subparsers.add_parser(
        "restamp", help="renew the evidence of messages (ISDS re-seal, else a TSA)",
        description="Re-signISDSDocument for each message; where ISDS cannot re-seal, an "
                    "RFC 3161 archive timestamp from the configured TSA. The result is kept "
                    "as a new version beside the original. Exit 1 when any failed.")
    p.add_argument("dm_ids", nargs="*", metavar="DMID")
    p.add_argument("--expiring-within", type=int, default=None, metavar="DAYS",
                   help="every message whose evidence stops being verifiable within DAYS "
                        "(default without DMIDs: the setting restamp_within_days, 90)")
    p.add_argument("--account", help="only messages of this account")
    p.add_argument("--password-stdin", action="store_true",
                   help="the account's password for this run (not saved)")
    p.set_defaults(handler=restamp)


def add_message_actions(msub: Any) -> None:
    """`dso message verify-online` (hooked into `dso message` by cmd_store)."""
    m = msub.add_parser("verify-online",
                        help="ask ISDS whether the stored ZFO is authentic (recorded)")
    m.add_argument("dm_id", metavar="DMID")
    m.add_argument("--account")
    m.add_argument("--password-stdin", action="store_true")
    m.set_defaults(handler=verify_online)


def _open(ctx: CliContext) -> Any:
    from dso_desktop.cli.cmd_store import _open as open_app

    return open_app(ctx)


def _password(args: argparse.Namespace) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    pw = sys.stdin.readline().rstrip("\r\n")
    if not pw:
        raise localized(UsageError, "--password-stdin: no password on standard input")
    return pw


def watch(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.within is not None and args.within < 0:
        raise localized(UsageError, "--within must not be negative")
    if args.limit is not None and args.limit < 1:
        raise localized(UsageError, "--limit must be at least 1")
    with _open(ctx) as app:
        items = app.watch.items(within_days=args.within, limit=args.limit)
        # With --limit the list is the nearest items only (read from the indexes, so the
        # cost follows N, not the archive); the total comes from the database's counts.
        total = (sum(app.watch.counts(within_days=args.within).values())
                 if args.limit is not None and len(items) == args.limit else len(items))
    data = [i.to_json() for i in items]

    def text(_: Any) -> str:
        if not items:
            return tr("Nothing is due.")
        lang = language()
        # The kind and remedy columns are identifiers (the same in --json and in scripts);
        # the sentence is the item's own, in the user's language.
        rows = [f"{i.due:%Y-%m-%d}  {i.kind.value:<17} {i.account or '-':<12} "
                f"{i.dm_id or '-':<10} {i.remedy.value:<16} {i.text(lang)}" for i in items]
        lines = [tr("due         kind              account      dm_id      remedy"
                    "           what"), *rows]
        if total > len(items):
            lines.append(tr("({shown} of {total} items due; without --limit: all of them)",
                            shown=len(items), total=total))
        return "\n".join(lines)

    ctx.emit(data, text)
    return 1 if items else 0


def _targets(app: Any, args: argparse.Namespace) -> list[int]:
    ids: list[int] = []
    for dm_id in args.dm_ids:
        found = app.remedies.find(dm_id)
        if args.account is not None:
            found = [i for i in found if app.messages.rows([i])[0].account == args.account]
        if not found:
            raise localized(CliError, "message {dm_id} is not in the archive", dm_id=dm_id)
        ids += found
    if args.expiring_within is not None or not args.dm_ids:
        expiring = app.remedies.candidates(args.expiring_within)
        if args.account is not None:
            rows = {r.id: r.account for r in app.messages.rows(expiring)}
            expiring = [i for i in expiring if rows.get(i) == args.account]
        ids += [i for i in expiring if i not in ids]
    return ids


def restamp(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.expiring_within is not None and args.expiring_within < 0:
        raise localized(UsageError, "--expiring-within must not be negative")
    password = _password(args)
    with _open(ctx) as app:
        ids = _targets(app, args)

        def progress(done: int, total: int, dm_id: str) -> None:
            if not ctx.json:
                ctx.err.write(f"[{done}/{total}] {dm_id}\n")
                ctx.err.flush()

        outcomes = app.remedies.restamp(ids, progress=progress, password=password)
    data = [o.to_json() for o in outcomes]

    def text(_: Any) -> str:
        if not outcomes:
            return tr("Nothing to restamp.")
        lines = []
        for o in outcomes:
            if o.ok:
                until = f"{o.evidence_expires:%Y-%m-%d}" if o.evidence_expires else "?"
                if o.kind == EvidenceVersionKind.RESIGNED:
                    lines.append(tr("{dm_id}: re-sealed by ISDS, version {version}, "
                                    "verifiable until {until}",
                                    dm_id=o.dm_id, version=o.version, until=until))
                else:
                    lines.append(tr("{dm_id}: archive timestamp, version {version}, "
                                    "verifiable until {until}",
                                    dm_id=o.dm_id, version=o.version, until=until))
            else:
                lines.append(tr("{dm_id}: FAILED: {error}", dm_id=o.dm_id, error=o.error))
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0 if all(o.ok for o in outcomes) else 1


def verify_online(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _pick

    password = _password(args)
    with _open(ctx) as app:
        mid = _pick(app, args.dm_id, args.account)
        rec = app.remedies.verify_online(mid, password=password)
    data = {"dm_id": args.dm_id, **rec.to_json()}
    checked = f"{rec.checked_at:%Y-%m-%d %H:%M}"
    if rec.authentic:
        line = tr("{dm_id}: authentic (ISDS issued exactly this file); checked {at} UTC",
                  dm_id=args.dm_id, at=checked)
    else:
        line = tr("{dm_id}: NOT authentic: ISDS did not issue this file; checked {at} UTC",
                  dm_id=args.dm_id, at=checked)
    ctx.emit(data, line)
    return 0 if rec.authentic else 1
