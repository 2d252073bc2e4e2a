"""`dso` commands over the archive: accounts, sync, messages, search, send, import, check."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dso_desktop.cli.main import CliContext, CliError, UsageError

if TYPE_CHECKING:
    from dso_desktop.app import App

LOGIN_METHODS = ("password", "cert", "cert-password", "hosted", "hotp", "totp", "mobile-key")
ENV_OFFLINE = "DSO_OFFLINE"  # set: never fetch trust anchors over the network


def _open(ctx: CliContext) -> App:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    offline = True if os.environ.get(ENV_OFFLINE) else None
    try:
        return App.open(AppPaths.default(ctx.data_dir), offline=offline, store_url=ctx.store)
    except Exception as exc:
        raise CliError(f"cannot open the archive: {exc}") from exc


def _read_password(args: argparse.Namespace, ctx: CliContext) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    line = sys.stdin.readline()
    pw = line.rstrip("\r\n")
    if not pw:
        raise UsageError("--password-stdin: no password on standard input")
    return pw


# -- accounts --------------------------------------------------------------------------------

def account_add(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import LoginMethod
    from dso_desktop.services.types import AccountSpec

    password = _read_password(args, ctx)
    cert_password = None
    if args.cert_password_stdin:
        # After the password line (when there is one): the certificate key's passphrase.
        cert_password = sys.stdin.readline().rstrip("\r\n")
        if not cert_password:
            raise UsageError("--cert-password-stdin: no passphrase on standard input")
        if not args.cert:
            raise UsageError("--cert-password-stdin needs --cert")
    spec = AccountSpec(
        name=args.name, login_method=LoginMethod(args.login), username=args.username,
        environment=args.environment,
        cert_file=Path(args.cert) if args.cert else None,
        key_file=Path(args.key) if args.key else None,
        ca_file=Path(args.ca_file) if args.ca_file else None,
        sync_received=not args.no_received, mark_downloaded=args.mark_downloaded,
    )
    with _open(ctx) as app:
        view = app.accounts.add(spec, password=password, save_password=password is not None)
        if cert_password is not None:
            app.accounts.set_cert_password(view.name, cert_password)
    ctx.emit(view.to_json(), f"account {view.name} added ({view.environment}, "
             f"{view.login_method}{', password saved in the keyring' if password else ''})")
    return 0


def account_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        views = app.accounts.list()
    rows = [v.to_json() for v in views]

    def text(_: Any) -> str:
        if not views:
            return "no accounts"
        return "\n".join(
            f"{v.name}\t{v.username}\t{v.environment}\t{v.login_method}\t"
            f"box={v.box_id or '?'}\tlast sync={v.last_sync_at or 'never'}" for v in views)

    ctx.emit(rows, text)
    return 0


def account_remove(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        kept = app.accounts.remove(args.name)
    ctx.emit({"removed": args.name, "messages_kept": kept},
             f"account {args.name} removed; its {kept} messages stay in the archive")
    return 0


# -- sync ------------------------------------------------------------------------------------

def sync(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import SyncPhase
    from dso_desktop.errors import DsoError
    from dso_desktop.sync.events import DeliveryConfirmationRequired, SyncError, SyncProgress

    if args.accept_delivery and args.sent_only:
        raise UsageError("--accept-delivery and --sent-only exclude each other")
    accept: bool | None = True if args.accept_delivery else (False if args.sent_only else None)
    password = _read_password(args, ctx)

    def progress(p: SyncProgress) -> None:
        if not ctx.json and p.phase in (SyncPhase.DOWNLOAD, SyncPhase.DONE) and (
                p.done == p.total or p.done % 50 == 0):
            ctx.err.write(f"{p.account}: {p.phase} {p.done}/{p.total}\n")

    results: list[dict[str, Any]] = []
    failed = False
    confirm: list[str] = []
    with _open(ctx) as app:
        names = args.names or [a.name for a in app.accounts.list()]
        if not names:
            raise CliError("no accounts; add one with `dso account add`")
        for name in names:
            if not app.accounts.exists(name):
                raise CliError(f"no account named {name!r}")
        # Accounts sync side by side; inside one account requests stay strictly sequential.
        outcome = app.sync.sync_many(names, accept_delivery=accept, progress=progress,
                                     password=password)
        for name in names:
            res = outcome[name]
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
    if confirm and len(confirm) == len(names):
        raise CliError(
            f"{results[0]['error']}. Run again with --accept-delivery to accept the messages, "
            "or --sent-only to sync sent messages and states only.")

    def text(_: Any) -> str:
        lines = []
        for r in results:
            if "error" in r and "new" not in r:
                lines.append(f"{r['account']}: FAILED: {r['error']}")
                continue
            line = (f"{r['account']}: {r['new']} new, {r['updated']} updated, "
                    f"{len(r['failed'])} failed")
            if r.get("error"):
                line += f" — stopped: {r['error']}"
            lines.append(line)
            lines += [f"  {f['dm_id'] or '-'}: {f['reason']}" for f in r["failed"]]
        return "\n".join(lines)

    ctx.emit(results, text)
    return 1 if failed else 0


# -- messages --------------------------------------------------------------------------------

def _row_text(rows: list[Any]) -> str:
    from dso_desktop.domain import Direction

    if not rows:
        return "no messages"
    out = []
    for r in rows:
        party = r.sender if r.direction == Direction.RECEIVED else r.recipient
        when = r.delivered_at.strftime("%Y-%m-%d %H:%M") if r.delivered_at else "-"
        out.append(f"{r.dm_id}\t{when}\t{r.direction}\t{r.verdict or '-'}\t{party or ''}\t"
                   f"{r.subject or ''}")
    return "\n".join(out)


def messages_list(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import Direction
    from dso_desktop.store.records import MessageFilter

    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    f = MessageFilter(account=args.account,
                      direction=Direction(args.direction) if args.direction else None)
    with _open(ctx) as app:
        if args.account and not app.accounts.exists(args.account):
            raise CliError(f"no account named {args.account!r}")
        rows = app.messages.rows(app.messages.ids(f, limit=args.limit))
    ctx.emit([r.to_json() for r in rows], lambda _: _row_text(rows))
    return 0


def _pick(app: App, dm_id: str, account: str | None) -> int:
    ids = app.messages.find(dm_id)
    if account is not None:
        ids = [i for i in ids if app.messages.rows([i])[0].account == account]
    if not ids:
        raise CliError(f"message {dm_id} is not in the archive")
    return ids[0]


def message_show(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        d = app.messages.detail(_pick(app, args.dm_id, args.account))
    data = d.to_json()
    data["verdict_detail"] = d.verdict.to_json() if d.verdict else None

    def text(_: Any) -> str:
        e = d.envelope
        lines = [
            f"Zpráva / message {e.message_id} ({d.row.direction}, account {d.row.account})",
            f"Předmět: {e.subject or ''}",
            f"Odesílatel: {e.sender_name or ''} ({e.sender_box_id or '?'}) "
            f"{e.sender_address or ''}",
            f"Adresát: {e.recipient_name or ''} ({e.recipient_box_id or '?'}) "
            f"{e.recipient_address or ''}",
            f"Dodáno: {e.delivered_at or '-'}   Doručeno: {e.accepted_at or '-'}   "
            f"Stav: {e.status}",
            f"Ověření: {d.verdict_kind or 'neověřeno'}"
            + (f" ({'; '.join(d.verdict.reasons)})" if d.verdict and d.verdict.reasons else ""),
        ]
        for label, v in (("Naše č. j.", e.our_ref), ("Vaše č. j.", e.your_ref),
                         ("Naše sp. zn.", e.our_file_mark), ("Vaše sp. zn.", e.your_file_mark),
                         ("K rukám", e.to_hands)):
            if v:
                lines.append(f"{label}: {v}")
        lines.append("Přílohy:")
        lines += [f"  [{a.index}] {a.name} ({a.size} B, {a.role})" for a in d.attachments]
        if d.events:
            lines.append("Události:")
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
        raise UsageError("--limit must be at least 1")
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
        raise UsageError("--legal-title is LAW/YEAR/SECTION/PARAGRAPH/POINT")
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
            raise CliError(f"no account named {args.account!r}")
        problems = app.send.check_attachments(list(draft.attachments))
        if problems:
            raise CliError("cannot send: " + "; ".join(problems))
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
            f"{o.recipient}: sent as {o.message_id}{' (big message)' if o.big_message else ''}"
            + (f" — {o.note}" if o.note else "")
            if o.ok else f"{o.recipient}: {'OUTCOME UNKNOWN' if o.unknown else 'FAILED'}: "
            f"{o.error}" for o in outcomes)

    ctx.emit(data, text)
    return 0 if all(o.ok for o in outcomes) else 1


def import_(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import ImportStatus

    with _open(ctx) as app:
        if args.account and not app.accounts.exists(args.account):
            raise CliError(f"no account named {args.account!r}")
        summary = app.zfo.import_files([Path(p) for p in args.paths], account=args.account)

    def text(_: Any) -> str:
        lines = []
        for i in summary.items:
            line = f"{i.path}: {i.status}" + (f" ({i.dm_id})" if i.dm_id else "")
            if i.status is ImportStatus.QUARANTINED:
                # An untrusted file is never evidence: say so, with the verdict and why.
                line += (f" — seal {i.verdict}: {i.reason}; kept in quarantine, NOT archived "
                         "as evidence (the message is still downloaded from ISDS)")
            elif i.reason:
                line += f" — {i.reason}"
            lines.append(line)
        tail = (f"{summary.imported} imported, {summary.duplicates} duplicates, "
                f"{summary.failed} failed")
        if summary.quarantined or summary.conflicts:
            tail += (f", {summary.quarantined} quarantined (not trusted), "
                     f"{summary.conflicts} conflicting copies")
        lines.append(tail)
        return "\n".join(lines)

    ctx.emit(summary.to_json(), text)
    return 1 if summary.needs_attention else 0


def check(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        reviewed = app.integrity.mark_copies_reviewed() if args.mark_reviewed else 0
        report = app.integrity.check()

    def text(_: Any) -> str:
        lines = [f"{p.dm_id or '-'}: {p.problem}: {p.detail}" for p in report.problems]
        lines.append(f"checked {report.checked} signed messages: {report.ok} verify; "
                     f"database {'ok' if report.database_ok else 'DAMAGED'}")
        if reviewed:
            lines.append(f"{reviewed} conflicting copies marked as reviewed (kept)")
        if not report.clean:
            lines.append("NOT CLEAN: evidence that is not trusted, invalid or in conflict "
                         "(see above) must be looked at; once you have looked at the "
                         "conflicting copies, `dso check --mark-reviewed` stops them failing "
                         "the check (they are kept)")
        return "\n".join(lines)

    ctx.emit(report.to_json(), text)
    return 0 if report.clean else 1


# -- parser ----------------------------------------------------------------------------------

def add_parser(sub: Any) -> None:
    p = sub.add_parser("account", help="add, list or remove data-box accounts")
    asub = p.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    a = asub.add_parser("add", help="add an account (password via --password-stdin)")
    a.add_argument("name")
    a.add_argument("--login", required=True, choices=LOGIN_METHODS, help="login method")
    a.add_argument("--username", required=True)
    a.add_argument("--environment", default="production",
                   help="production, test or the https:// URL of a test server or simulator")
    a.add_argument("--ca-file", help="extra CA certificate (PEM) for this account's TLS "
                   "and, outside production, its ZFO seals (this account only)")
    a.add_argument("--cert", help="client certificate (PEM) for certificate logins")
    a.add_argument("--key", help="private key of the client certificate (PEM)")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input into the OS keyring")
    a.add_argument("--cert-password-stdin", action="store_true",
                   help="read the certificate key's passphrase from standard input (after "
                   "the password line) into the OS keyring")
    a.add_argument("--no-received", action="store_true",
                   help="never sync received messages (no delivery by login)")
    a.add_argument("--mark-downloaded", action="store_true",
                   help="mark synced received messages as downloaded in ISDS")
    a.set_defaults(handler=account_add)
    a = asub.add_parser("list", help="list accounts")
    a.set_defaults(handler=account_list)
    a = asub.add_parser("remove", help="remove an account (its messages stay archived)")
    a.add_argument("name")
    a.set_defaults(handler=account_remove)

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
    m = msub.add_parser("list", help="list messages, newest first")
    m.add_argument("--account")
    m.add_argument("--direction", choices=("received", "sent"))
    m.add_argument("--limit", type=int, default=None)
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
    p.add_argument("--personal-delivery", action="store_true", help="do vlastních rukou")
    p.add_argument("--no-fiction", action="store_true", help="zakázat doručení fikcí")
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
    p.set_defaults(handler=check)
