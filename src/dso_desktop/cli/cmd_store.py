"""`dso` commands over the archive: sync, messages, search, send, import, check
(`dso account` lives in `cli.cmd_account`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dso_desktop.cli.main import (
    CliContext,
    CliError,
    UsageError,
    error_line,
    language,
    localized,
)
from dso_desktop.cli.texts import tr

if TYPE_CHECKING:
    from dso_desktop.app import App
    from dso_desktop.services.types import VerdictRefresh

ENV_OFFLINE = "DSO_OFFLINE"  # set: never fetch trust anchors over the network


def _open(ctx: CliContext) -> App:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    offline = True if os.environ.get(ENV_OFFLINE) else None
    try:
        return App.open(AppPaths.default(ctx.data_dir), offline=offline, store_url=ctx.store)
    except Exception as exc:
        raise localized(CliError, "cannot open the archive: {error}", error=exc) from exc


def _read_password(args: argparse.Namespace, ctx: CliContext) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    line = sys.stdin.readline()
    pw = line.rstrip("\r\n")
    if not pw:
        raise localized(UsageError, "--password-stdin: no password on standard input")
    return pw


# -- sync ------------------------------------------------------------------------------------

def sync(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import SyncPhase
    from dso_desktop.errors import DsoError
    from dso_desktop.sync.events import DeliveryConfirmationRequired, SyncError, SyncProgress

    if args.accept_delivery and args.sent_only:
        raise localized(UsageError, "--accept-delivery and --sent-only exclude each other")
    accept: bool | None = True if args.accept_delivery else (False if args.sent_only else None)
    password = _read_password(args, ctx)

    def progress(p: SyncProgress) -> None:
        if not ctx.json and p.phase in (SyncPhase.DOWNLOAD, SyncPhase.DONE) and (
                p.done == p.total or p.done % 50 == 0):
            ctx.err.write(f"{p.account}: {p.phase} {p.done}/{p.total}\n")

    results: list[dict[str, Any]] = []
    failures: dict[str, BaseException] = {}  # account -> its failure, for the user's line
    per_message: dict[str, list[Any]] = {}  # account -> its SyncFailures (messages not stored)
    failed = False
    confirm: list[str] = []
    with _open(ctx) as app:
        names = args.names or [a.name for a in app.accounts.list()]
        if not names:
            raise localized(CliError, "no accounts; add one with `dso account add`")
        for name in names:
            if not app.accounts.exists(name):
                raise localized(CliError, "no account named {name!r}", name=name)
        # Accounts sync side by side; inside one account requests stay strictly sequential.
        outcome = app.sync.sync_many(names, accept_delivery=accept, progress=progress,
                                     password=password)
        for name in names:
            res = outcome[name]
            if isinstance(res, BaseException):
                failures[name] = res
            summary = getattr(res, "summary", None) if isinstance(res, BaseException) else res
            if summary is not None:
                per_message[name] = list(summary.failed)
            if isinstance(res, DeliveryConfirmationRequired):
                confirm.append(name)
                failed = True
                results.append({"account": name, "error": str(res)})
            elif isinstance(res, SyncError):
                failed = True
                entry = res.summary.to_json() if res.summary else {"account": name}
                entry["error"] = str(res)
                retry_at = getattr(res, "retry_at", None)  # SyncRetryLater: when to try again
                if retry_at is not None:
                    entry["retry_at"] = retry_at.isoformat()
                results.append(entry)
            elif isinstance(res, BaseException):
                if not isinstance(res, DsoError | OSError):
                    raise res  # a bug: `dso` logs it
                failed = True
                results.append({"account": name, "error": str(res)})
            else:
                results.append(res.to_json())
                failed = failed or bool(res.failed)
        # The e-mail digest (when set up): its failure is reported, never the sync's.
        mail = app.notify.after_sync(outcome)
        if mail.error is not None:
            ctx.err.write("dso: " + tr("warning: notification e-mail not sent: {error}",
                                       error=error_line(mail.error)) + "\n")
    if confirm and len(confirm) == len(names):
        err = localized(
            CliError, "{error}. Run again with --accept-delivery to accept the messages, or "
            "--sent-only to sync sent messages and states only.", error=results[0]["error"])
        err.message_cs = tr("{error}. Run again with --accept-delivery to accept the "
                            "messages, or --sent-only to sync sent messages and states only.",
                            "cs", error=error_line(failures[confirm[0]], "cs").rstrip("."))
        raise err

    def text(_: Any) -> str:
        lines = []
        for r in results:
            failure = failures.get(r["account"])
            error = error_line(failure) if failure is not None else r.get("error")
            if "error" in r and "new" not in r:
                lines.append(tr("{account}: FAILED: {error}", account=r["account"],
                                error=error))
                continue
            line = tr("{account}: {new} new, {updated} updated, {failed} failed",
                      account=r["account"], new=r["new"], updated=r["updated"],
                      failed=len(r["failed"]))
            if r.get("error"):
                line += tr(" — stopped: {error}", error=error)
            lines.append(line)
            lines += [_failure_line(f) for f in per_message.get(r["account"], [])]
        return "\n".join(lines)

    ctx.emit(results, text)
    return 1 if failed else 0


def _verdict_text(verdict: str | None) -> str:
    """A verdict kind for the user: in Czech its Czech label; in English its value as
    before (``untrusted``), which scripts and the English docs use."""
    from dso_desktop.domain import VerdictKind, text

    if language() != "cs":
        return str(verdict)
    try:
        return text(VerdictKind(verdict or ""), "cs")
    except ValueError:
        return str(verdict)


def _failure_line(f: Any) -> str:
    """One message a sync could not store, in the user's language (from the error's kind;
    its English reason stays in --json and the log)."""
    part = {"owner info": tr("owner info: "), "delivery info": tr("delivery info: ")}.get(
        f.part, "")
    why = error_line(f.error) if f.error is not None else f.reason
    return f"  {f.dm_id or '-'}: {part}{why}"


# -- messages --------------------------------------------------------------------------------

def _row_text(rows: list[Any]) -> str:
    from dso_desktop.domain import Direction

    if not rows:
        return tr("no messages")
    out = []
    for r in rows:
        party = r.sender if r.direction == Direction.RECEIVED else r.recipient
        when = r.delivered_at.strftime("%Y-%m-%d %H:%M") if r.delivered_at else "-"
        direction = tr("received") if r.direction == Direction.RECEIVED else tr("sent")
        out.append(f"{r.dm_id}\t{when}\t{direction}\t{r.verdict or '-'}\t{party or ''}\t"
                   f"{r.subject or ''}")
    return "\n".join(out)


def messages_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.filters import filter_from_args

    if args.limit is not None and args.limit < 1:
        raise localized(UsageError, "--limit must be at least 1")
    with _open(ctx) as app:
        if args.account and not app.accounts.exists(args.account):
            raise localized(CliError, "no account named {name!r}", name=args.account)
        f = filter_from_args(args, app)
        rows = app.messages.rows(app.messages.ids(f, limit=args.limit))
    ctx.emit([r.to_json() for r in rows], lambda _: _row_text(rows))
    return 0


def _pick(app: App, dm_id: str, account: str | None) -> int:
    ids = app.messages.find(dm_id)
    if account is not None:
        ids = [i for i in ids if app.messages.rows([i])[0].account == account]
    if not ids:
        raise localized(CliError, "message {dm_id} is not in the archive", dm_id=dm_id)
    return ids[0]


def reference_lines(e: Any, received: bool) -> list[tuple[str, str | None]]:
    """Reference numbers and file marks from the clerk's point of view: ``our_ref`` /
    ``our_file_mark`` are the sender's (dmSenderRefNumber/Ident), so on a received message
    they are the sender's and ``your_*`` are ours; on a sent message the reverse."""
    if received:
        return [(tr("Our reference number"), e.your_ref),
                (tr("Our file mark"), e.your_file_mark),
                (tr("Sender's reference number"), e.our_ref),
                (tr("Sender's file mark"), e.our_file_mark)]
    return [(tr("Our reference number"), e.our_ref),
            (tr("Our file mark"), e.our_file_mark),
            (tr("Recipient's reference number"), e.your_ref),
            (tr("Recipient's file mark"), e.your_file_mark)]


def message_show(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        d = app.messages.detail(_pick(app, args.dm_id, args.account))
    data = d.to_json()
    data["verdict_detail"] = d.verdict.to_json() if d.verdict else None

    def text(_: Any) -> str:
        from dso_desktop.domain import Direction

        e = d.envelope
        received = d.row.direction == Direction.RECEIVED
        lines = [
            tr("Message {dm_id} ({direction}, account {account})", dm_id=e.message_id,
               direction=tr("received") if received else tr("sent"), account=d.row.account),
            f"{tr('Subject')}: {e.subject or ''}",
            f"{tr('Sender')}: {e.sender_name or ''} ({e.sender_box_id or '?'}) "
            f"{e.sender_address or ''}",
            f"{tr('Recipient')}: {e.recipient_name or ''} ({e.recipient_box_id or '?'}) "
            f"{e.recipient_address or ''}",
            f"{tr('Delivered')}: {e.delivered_at or '-'}   {tr('Accepted')}: "
            f"{e.accepted_at or '-'}   {tr('State')}: {e.status}",
            f"{tr('Verification')}: {d.verdict_kind or tr('not verified')}"
            + (f" ({'; '.join(d.verdict.reasons)})" if d.verdict and d.verdict.reasons else ""),
        ]
        for label, v in (*reference_lines(e, received), (tr("To hands"), e.to_hands)):
            if v:
                lines.append(f"{label}: {v}")
        lines.append(tr("Attachments") + ":")
        lines += [f"  [{a.index}] {a.name} ({a.size} B, {a.role})" for a in d.attachments]
        if d.events:
            lines.append(tr("Events") + ":")
            lines += [f"  {ev.at:%Y-%m-%d %H:%M:%S} {ev.description}" for ev in d.events]
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def message_export(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        paths = app.messages.export(_pick(app, args.dm_id, args.account), Path(args.out))
    ctx.emit({"files": [str(p) for p in paths]}, "\n".join(str(p) for p in paths))
    return 0


def search(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.limit < 1:
        raise localized(UsageError, "--limit must be at least 1")
    with _open(ctx) as app:
        rows = app.search.search(args.query, account=args.account, limit=args.limit)
    ctx.emit([r.to_json() for r in rows], lambda _: _row_text(rows))
    return 0


# -- send, import, check -------------------------------------------------------------------

def _legal_title(value: str | None) -> Any:
    from dso_desktop.domain import LegalTitle

    if not value:
        return LegalTitle()
    parts = value.split("/")
    if len(parts) > 5:
        raise localized(UsageError, "--legal-title is LAW/YEAR/SECTION/PARAGRAPH/POINT")
    parts += [""] * (5 - len(parts))
    return LegalTitle(*(p.strip() or None for p in parts))


def send(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.services.types import Draft

    draft = Draft(
        recipients=tuple(args.to), subject=args.subject,
        attachments=tuple(Path(a) for a in args.attach),
        to_hands=args.to_hands, personal_delivery=True if args.personal_delivery else None,
        allow_fiction=False if args.no_fiction else None,
        our_ref=args.our_ref, your_ref=args.your_ref, our_file_mark=args.our_file_mark,
        your_file_mark=args.your_file_mark, legal_title=_legal_title(args.legal_title),
        publish_own_id=True if args.sender_identification else None,
        message_type=args.pdz_type, ovm=True if args.ovm else (False if args.no_ovm else None),
    )
    password = _read_password(args, ctx)
    with _open(ctx) as app:
        if not app.accounts.exists(args.account):
            raise localized(CliError, "no account named {name!r}", name=args.account)
        problems = app.send.check_attachments(list(draft.attachments))
        if problems:
            raise localized(CliError, "cannot send: {problems}", problems="; ".join(problems))
        from dso_desktop.cli.cmd_outbox import blocked_error, install_phase_markers, warn_open
        from dso_desktop.services.send import SendBlocked

        install_phase_markers(app)

        try:
            outcomes = app.send.send(args.account, draft, password=password)
        except SendBlocked as exc:
            raise blocked_error(exc.records) from exc
        warn_open(app, args.account, ctx)
    data = [o.__dict__ for o in outcomes]

    def text(_: Any) -> str:
        return "\n".join(
            tr("{recipient}: sent as {dm_id}", recipient=o.recipient, dm_id=o.message_id)
            + (tr(" (big message)") if o.big_message else "")
            + (f" — {o.note}" if o.note else "")
            if o.ok else (
                tr("{recipient}: OUTCOME UNKNOWN: {error}", recipient=o.recipient,
                   error=o.error) if o.unknown else
                tr("{recipient}: FAILED: {error}", recipient=o.recipient, error=o.error))
            for o in outcomes)

    ctx.emit(data, text)
    return 0 if all(o.ok for o in outcomes) else 1


def _import_status(status: Any) -> str:
    from dso_desktop.domain import ImportStatus

    return {
        ImportStatus.IMPORTED: tr("imported"), ImportStatus.REPLACED: tr("replaced"),
        ImportStatus.DUPLICATE: tr("duplicate"), ImportStatus.CONFLICT: tr("conflict"),
        ImportStatus.DELIVERY_INFO: tr("delivery info"),
        ImportStatus.QUARANTINED: tr("quarantined"), ImportStatus.INVALID: tr("invalid"),
        ImportStatus.ERROR: tr("error"),
    }.get(status, str(status))


def import_(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import ImportStatus

    with _open(ctx) as app:
        if args.account and not app.accounts.exists(args.account):
            raise localized(CliError, "no account named {name!r}", name=args.account)
        summary = app.zfo.import_files([Path(p) for p in args.paths], account=args.account)

    def text(_: Any) -> str:
        lines = []
        for i in summary.items:
            line = f"{i.path}: {_import_status(i.status)}" + (
                f" ({i.dm_id})" if i.dm_id else "")
            if i.status is ImportStatus.QUARANTINED:
                # An untrusted file is never evidence: say so, with the verdict and why.
                line += tr(" — seal {verdict}: {reason}; kept in quarantine, NOT archived as "
                           "evidence (the message is still downloaded from ISDS)",
                           verdict=_verdict_text(i.verdict),
                           reason=(i.reason_cs or i.reason) if language() == "cs"
                           else i.reason)
            elif i.failure is not None:  # in the user's language, not the English reason
                line += f" — {error_line(i.failure)}"
            elif i.status is ImportStatus.CONFLICT:
                line += " — " + tr("a different copy of this message is already the "
                                   "evidence; kept beside it")
            elif i.reason:
                line += f" — {i.reason}"
            lines.append(line)
        tail = tr("{imported} imported, {duplicates} duplicates, {failed} failed",
                  imported=summary.imported, duplicates=summary.duplicates,
                  failed=summary.failed)
        if summary.quarantined or summary.conflicts:
            tail += tr(", {quarantined} quarantined (not trusted), {conflicts} conflicting "
                       "copies", quarantined=summary.quarantined, conflicts=summary.conflicts)
        lines.append(tail)
        return "\n".join(lines)

    ctx.emit(summary.to_json(), text)
    return 1 if summary.needs_attention else 0


def check(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        reviewed = app.integrity.mark_copies_reviewed() if args.mark_reviewed else 0
        report = app.integrity.check(refresh_verdicts=args.refresh_verdicts)

    def text(_: Any) -> str:
        lines = [f"{p.dm_id or '-'}: {p.problem}: {p.detail}" for p in report.problems]
        lines.append(tr("checked {checked} signed messages: {ok} verify; database {state}",
                        checked=report.checked, ok=report.ok,
                        state=tr("ok") if report.database_ok else tr("DAMAGED")))
        lines += _verdict_lines(report.verdicts)
        if reviewed:
            lines.append(tr("{n} conflicting copies marked as reviewed (kept)", n=reviewed))
        if not report.clean:
            lines.append(tr("NOT CLEAN: evidence that is not trusted, invalid or in conflict "
                            "(see above) must be looked at; once you have looked at the "
                            "conflicting copies, `dso check --mark-reviewed` stops them "
                            "failing the check (they are kept)"))
        return "\n".join(lines)

    ctx.emit(report.to_json(), text)
    return 0 if report.clean else 1


def _verdict_lines(verdicts: VerdictRefresh | None) -> list[str]:
    """The stored verdicts today's verification changes: found, or stored."""
    if verdicts is None or not (verdicts.differing or verdicts.skipped):
        return []
    evidence = {"message": tr("signed message"), "delivery-info": tr("delivery info")}
    lines = [f"  {evidence.get(c.evidence, c.evidence)}: {c.old or tr('unverified')} -> "
             f"{c.new}: {c.count}" for c in verdicts.changes]
    if verdicts.stored:
        lines.insert(0, tr("{n} stored verdicts changed by verifying again, stored (each "
                           "in its message's history):", n=verdicts.differing))
    elif verdicts.differing:
        lines.insert(0, tr("{n} stored verdicts differ from today's verification; "
                           "`dso check --refresh-verdicts` stores them:", n=verdicts.differing))
    if verdicts.skipped:
        lines.append(tr("{n} verdicts changed by someone else meanwhile, left as they are",
                        n=verdicts.skipped))
    return lines


# -- parser ----------------------------------------------------------------------------------

def add_parser(sub: Any) -> None:
    p = sub.add_parser("sync", help="download new messages, states and delivery infos")
    p.add_argument("names", nargs="*", metavar="NAME", help="accounts (default: all)")
    p.add_argument("--accept-delivery", action="store_true",
                   help="confirm that listing received messages delivers them (§ 17(3))")
    p.add_argument("--sent-only", action="store_true",
                   help="do not accept: sync sent messages and states only")
    p.add_argument("--password-stdin", action="store_true",
                   help="password for this run only (not saved)")
    p.set_defaults(handler=sync)

    p = sub.add_parser("messages", help="list archived messages")
    msub = p.add_subparsers(dest="messages_command", metavar="ACTION", required=True)
    m = msub.add_parser("list", help=tr("list messages, newest first"))
    m.add_argument("--account")
    m.add_argument("--direction", choices=("received", "sent"))
    m.add_argument("--limit", type=int, default=None)
    from dso_desktop.cli.filters import add_filter_arguments

    add_filter_arguments(m)  # the GUI filter bar's filters
    m.set_defaults(handler=messages_list)

    p = sub.add_parser("message", help="show or export one archived message")
    msub = p.add_subparsers(dest="message_command", metavar="ACTION", required=True)
    m = msub.add_parser("show", help="envelope, verdict, attachments and events")
    m.add_argument("dm_id", metavar="DMID")
    m.add_argument("--account")
    m.set_defaults(handler=message_show)
    m = msub.add_parser("export", help="write the ZFO, delivery info and attachments")
    m.add_argument("dm_id", metavar="DMID")
    m.add_argument("--out", required=True, metavar="DIR")
    m.add_argument("--account")
    m.set_defaults(handler=message_export)
    from dso_desktop.cli.cmd_paper import add_message_actions  # pdf, eml (issue 16)
    from dso_desktop.cli.cmd_watch import add_message_actions as add_watch_actions

    add_watch_actions(msub)  # verify-online (issue 15)
    add_message_actions(msub)

    p = sub.add_parser("search", help="full-text search (diacritics ignored)")
    p.add_argument("query")
    p.add_argument("--account")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=search)

    p = sub.add_parser("send", help="send a data message (big message above 20 MB)")
    p.add_argument("--account", required=True)
    p.add_argument("--to", required=True, action="append", metavar="DBID")
    p.add_argument("--subject", required=True)
    p.add_argument("--attach", required=True, nargs="+", action="extend", metavar="FILE")
    p.add_argument("--to-hands")
    p.add_argument("--personal-delivery", action="store_true", help="personal delivery")
    p.add_argument("--no-fiction", action="store_true", help="no acceptance by fiction")
    p.add_argument("--sender-identification", action="store_true",
                   help="add the sender's identification (dmPublishOwnID)")
    p.add_argument("--legal-title", metavar="LAW/YEAR/SECT/PAR/POINT")
    p.add_argument("--our-ref")
    p.add_argument("--your-ref")
    p.add_argument("--our-file-mark")
    p.add_argument("--your-file-mark")
    p.add_argument("--pdz-type", choices=("K", "O", "I"), help="commercial message type")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--ovm", action="store_true", help="send as a public authority")
    g.add_argument("--no-ovm", action="store_true", help="send as a private sender")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(handler=send)

    p = sub.add_parser("import", help="import ZFO files or folders (verified first)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--account", help="file the messages under this account")
    p.set_defaults(handler=import_)

    p = sub.add_parser("check", help="re-verify every stored ZFO and the database")
    p.add_argument("--mark-reviewed", action="store_true",
                   help="mark the conflicting copies listed now as reviewed: they stay in "
                   "the archive but no longer make the check fail")
    p.add_argument("--refresh-verdicts", action="store_true",
                   help="store the verdicts of today's verification where they differ from "
                   "the stored ones (each change in the message's history; the evidence "
                   "is not changed)")
    p.set_defaults(handler=check)
