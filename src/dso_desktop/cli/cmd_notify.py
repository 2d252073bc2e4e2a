"""`dso notify config|test`: the e-mail digest after each sync (SMTP with TLS).

The settings are the archive's (the GUI's settings dialog edits the same ones); the SMTP
password goes to the OS keyring only (`--password-stdin`), never to the archive or a log.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import tr


def add_parser(sub: Any) -> None:
    p = sub.add_parser("notify", help="e-mail digest of new messages and due items",
                       description="After each sync a digest of new messages and due items "
                                   "goes to the configured address over SMTP (STARTTLS or "
                                   "SMTPS, the server's certificate verified).")
    nsub = p.add_subparsers(dest="notify_command", metavar="ACTION")
    sp = nsub.add_parser("config", help="show or change the e-mail notification settings")
    on = sp.add_mutually_exclusive_group()
    on.add_argument("--enable", action="store_true", help="send the digest after each sync")
    on.add_argument("--disable", action="store_true", help="stop sending the digest")
    sp.add_argument("--to", metavar="ADDRESS", help="recipient of the digest")
    sp.add_argument("--from", dest="sender", metavar="ADDRESS", help="sender address")
    sp.add_argument("--host", metavar="HOST", help="SMTP server")
    sp.add_argument("--port", type=int, metavar="PORT", help="SMTP port (587, 465 for tls)")
    sp.add_argument("--security", choices=("starttls", "tls"),
                    help="STARTTLS (port 587) or implicit TLS (SMTPS, port 465)")
    sp.add_argument("--username", metavar="USER", help="SMTP login ('' for none)")
    sp.add_argument("--ca-file", metavar="PEM",
                    help="CA to verify the server with ('' for the system's roots)")
    sp.add_argument("--password-stdin", action="store_true",
                    help="read the SMTP password from standard input into the OS keyring")
    sp.add_argument("--forget-password", action="store_true",
                    help="remove the SMTP password from the OS keyring")
    sp.add_argument("--content", metavar="ACCOUNT", action="append", default=[],
                    help="include the content (and ZFO) of this account's new messages")
    sp.add_argument("--no-content", metavar="ACCOUNT", action="append", default=[],
                    help="send only dmIDs for this account's new messages (the default)")
    sp.set_defaults(handler=notify_config)
    sp = nsub.add_parser("test", help="send a test mail with the current settings")
    sp.set_defaults(handler=notify_test)

    def usage(args: argparse.Namespace, ctx: CliContext) -> int:
        raise localized(UsageError, "notify needs an action: config or test\n{usage}",
                        usage=p.format_usage())

    p.set_defaults(handler=usage)


def _password_saved(app: Any, settings: Any) -> bool | None:
    """Whether the keyring holds the SMTP password (None: no login set, or no keyring)."""
    from dso_desktop.secretstore import SecretStoreError

    if not settings.notify_smtp_username:
        return None
    try:
        return bool(app.notify.has_password())
    except SecretStoreError:
        return None


def _view(settings: Any, password_saved: bool | None) -> dict[str, Any]:
    return {
        "enabled": settings.notify_email, "to": settings.notify_email_to,
        "from": settings.notify_email_from, "host": settings.notify_smtp_host,
        "port": settings.notify_smtp_port, "security": settings.notify_smtp_security,
        "username": settings.notify_smtp_username, "ca_file": settings.notify_smtp_ca_file,
        "password_saved": password_saved,
        "content_accounts": list(settings.notify_content_accounts),
    }


def _text(v: dict[str, Any]) -> str:
    return "\n".join([
        tr("e-mail digest: {state}", state=tr("on") if v["enabled"] else tr("off")),
        tr("to: {to}  from: {sender}", to=v["to"] or "-",
           sender=v["from"] or tr("(same as login/recipient)")),
        tr("server: {host}:{port} ({security})", host=v["host"] or "-", port=v["port"],
           security=v["security"])
        + (tr(", CA {file}", file=v["ca_file"]) if v["ca_file"] else ""),
        tr("login: {user}", user=v["username"] or tr("(none)"))
        + ({True: tr(", password saved in the keyring"), False: tr(", password NOT saved"),
            None: tr(", the OS keyring cannot be read")}[v["password_saved"]]
           if v["username"] else ""),
        tr("content of new messages for: {accounts}",
           accounts=", ".join(v["content_accounts"]) or tr("(no account)")),
    ])


def notify_config(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open

    if args.password_stdin and args.forget_password:
        raise localized(UsageError,
                        "--password-stdin and --forget-password exclude each other")
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise localized(UsageError, "--password-stdin: no password on standard input")
    from dso_desktop.services.notify import check_address

    for value, what in ((args.to, "recipient"), (args.sender, "sender")):
        if value:  # refused before anything is saved
            check_address(value, what)
    with _open(ctx) as app:
        current = app.settings.get()
        changes: dict[str, Any] = {}
        if args.enable or args.disable:
            changes["notify_email"] = bool(args.enable)
        for attr, key in (("to", "notify_email_to"), ("sender", "notify_email_from"),
                          ("host", "notify_smtp_host"), ("security", "notify_smtp_security"),
                          ("username", "notify_smtp_username")):
            value = getattr(args, attr)
            if value is not None:
                changes[key] = value.strip()
        if args.port is not None:
            if not 0 < args.port < 65536:
                raise localized(UsageError, "--port must be 1-65535")
            changes["notify_smtp_port"] = args.port
        if args.ca_file is not None:
            changes["notify_smtp_ca_file"] = args.ca_file.strip() or None
        if args.content or args.no_content:
            for name in args.content:
                if not app.accounts.exists(name):
                    raise localized(CliError, "no account named {name!r}", name=name)
            accounts = [a for a in current.notify_content_accounts if a not in args.no_content]
            accounts += [a for a in args.content if a not in accounts]
            changes["notify_content_accounts"] = tuple(accounts)
        settings = app.settings.update(**changes) if changes else current
        if password is not None:
            app.notify.set_password(password)
        elif args.forget_password:
            app.notify.set_password(None)
        view = _view(settings, _password_saved(app, settings))
    ctx.emit(view, _text)
    return 0


def notify_test(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.cli.cmd_store import _open

    with _open(ctx) as app:
        recipient = app.notify.send_test()  # a NotifyError is one line, exit 1
    ctx.emit({"sent": True, "to": recipient}, tr("test mail sent to {to}", to=recipient))
    return 0
