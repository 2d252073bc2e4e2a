"""The message-list filters of `dso messages list`, the same ones as the GUI's filter bar."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from typing import Any

from dso_desktop.cli.main import UsageError, localized
from dso_desktop.cli.texts import tr
from dso_desktop.domain import Direction, MessageStatus, VerdictKind
from dso_desktop.store.records import UNVERIFIED, MessageFilter

# Named groups of dmMessageStatus values, as a clerk thinks of them; numbers work too.
STATES: dict[str, tuple[int, ...]] = {
    "delivered": (int(MessageStatus.DELIVERED),),
    "accepted": (int(MessageStatus.ACCEPTED_BY_FICTION), int(MessageStatus.ACCEPTED_BY_LOGIN),
                 int(MessageStatus.READ)),
    "fiction": (int(MessageStatus.ACCEPTED_BY_FICTION),),
    "read": (int(MessageStatus.READ),),
    "undeliverable": (int(MessageStatus.UNDELIVERABLE),),
    "deleted": (int(MessageStatus.CONTENT_DELETED),),
    "vault": (int(MessageStatus.IN_VAULT),),
}
# Verdict groups: "trusted" = the evidence verifies, "problem" = it does not.
VERDICTS: dict[str, tuple[str, ...]] = {
    **{str(k): (str(k),) for k in VerdictKind},
    "trusted": tuple(str(k) for k in VerdictKind if k.trusted),
    "problem": tuple(str(k) for k in VerdictKind if not k.trusted),
    UNVERIFIED: (UNVERIFIED,),
}


def add_filter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="YYYY-MM-DD", help=tr("delivered on or after this day"))
    p.add_argument("--until", metavar="YYYY-MM-DD", help=tr("delivered on or before this day"))
    p.add_argument("--party", metavar="TEXT",
                   help=tr("part of the sender's or recipient's name or data-box ID"))
    p.add_argument("--state", action="append", metavar="STATE",
                   help=tr("message state: {names} or a number 1-10 (repeatable)",
                           names=", ".join(STATES)))
    p.add_argument("--verdict", action="append", metavar="VERDICT",
                   choices=tuple(VERDICTS),
                   help=tr("verification result: {names} (repeatable)",
                           names=", ".join(VERDICTS)))
    g = p.add_mutually_exclusive_group()
    g.add_argument("--with-attachments", action="store_true",
                   help=tr("only messages with attachments"))
    g.add_argument("--without-attachments", action="store_true",
                   help=tr("only messages without attachments"))
    p.add_argument("--tag", metavar="NAME", help=tr("only messages with this tag"))
    p.add_argument("--unread", action="store_true", help=tr("only unread messages"))


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise localized(UsageError, option + " must be a date YYYY-MM-DD") from None


def _local_midnight(d: date) -> datetime:
    """Days are the clerk's local days: 2026-03-01 starts at local midnight."""
    return datetime.combine(d, time()).astimezone()


def _states(values: list[str] | None) -> tuple[int, ...]:
    out: list[int] = []
    for v in values or ():
        if v in STATES:
            out += STATES[v]
            continue
        try:
            n = int(v)
            MessageStatus(n)
        except ValueError:
            raise localized(UsageError, "unknown state {value!r}; use {names} or 1-10",
                            value=v, names=", ".join(STATES)) from None
        out.append(n)
    return tuple(dict.fromkeys(out))


def filter_from_args(args: argparse.Namespace, app: Any) -> MessageFilter:
    """A `MessageFilter` from the options (tag names resolved in ``app``'s archive)."""
    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    if since and until and since > until:
        raise localized(UsageError, "--since is after --until")
    tag_id = None
    if args.tag:
        found = [t.id for t in app.tags.list() if t.name == args.tag]
        if not found:
            raise localized(UsageError, "no tag named {name!r}", name=args.tag)
        tag_id = found[0]
    verdicts: list[str] = []
    for v in args.verdict or ():
        verdicts += VERDICTS[v]
    return MessageFilter(
        account=args.account,
        direction=Direction(args.direction) if args.direction else None,
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None,
        party=(args.party or "").strip() or None,
        statuses=_states(args.state),
        verdicts=tuple(dict.fromkeys(verdicts)),
        has_attachments=True if args.with_attachments else (
            False if args.without_attachments else None),
        tag_id=tag_id,
        unread_only=bool(args.unread),
    )
