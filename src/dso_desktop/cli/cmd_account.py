"""`dso account`: add (login tested first), list, edit, password change, remove.

Secrets only ever come from standard input, one per line, in the order the options name
them; a one-time code (SMS, authenticator) is read as the next line when ISDS wants it,
after a prompt on standard error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import tr

if TYPE_CHECKING:
    from dso_desktop.app import App

LOGIN_METHODS = ("password", "cert", "cert-password", "hosted", "hotp", "totp", "mobile-key")
RECEIVE_MODES = ("accept", "do-not-accept")


def _open(ctx: CliContext) -> App:
    from dso_desktop.cli.cmd_store import _open as open_app

    return open_app(ctx)


def _line(what: str) -> str:
    """One secret from standard input (never echoed, never logged)."""
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise localized(UsageError, "{option}: nothing on standard input", option=what)
    return value


def _code_prompt(ctx: CliContext) -> Any:
    """An OTP provider reading the code as the next line of standard input."""

    def ask(challenge: Any) -> str | None:
        if challenge.message:
            ctx.err.write(f"{challenge.message}\n")
        ctx.err.write(tr("one-time code (SMS or authenticator): "))
        ctx.err.flush()
        return sys.stdin.readline().strip() or None

    return ask


def _mobile_key_note(ctx: CliContext) -> Any:
    shown: list[int] = []

    def observe(state: Any) -> None:
        if not shown:
            ctx.err.write(tr("approve the login in the Mobile key app on your phone") + "\n")
        shown.append(state.status)

    return observe


def account_add(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.domain import LoginMethod
    from dso_desktop.services.types import AccountSpec

    password = _line("--password-stdin") if args.password_stdin else None
    cert_password = None
    if args.cert_password_stdin:
        if not args.cert:
            raise localized(UsageError, "--cert-password-stdin needs --cert")
        cert_password = _line("--cert-password-stdin")
    spec = AccountSpec(
        name=args.name, login_method=LoginMethod(args.login), username=args.username,
        environment=args.environment,
        cert_file=Path(args.cert) if args.cert else None,
        key_file=Path(args.key) if args.key else None,
        ca_file=Path(args.ca_file) if args.ca_file else None,
        sync_received=not args.no_received, mark_downloaded=args.mark_downloaded,
        delivery_confirmed=args.accept_delivery and not args.no_received,
    )
    save = password is not None and not args.no_save_password
    with _open(ctx) as app:
        if args.no_verify:
            view = app.accounts.add(spec, password=password, save_password=save)
            if cert_password is not None:
                try:
                    app.accounts.set_cert_password(view.name, cert_password)
                except BaseException:
                    app.accounts.remove(view.name)
                    raise
        else:
            from dso_desktop.isds.errors import PasswordExpired

            try:
                view = app.accounts.add_verified(
                    spec, password, save_password=save, cert_password=cert_password,
                    otp_provider=_code_prompt(ctx), mobile_key_observer=_mobile_key_note(ctx),
                    keep_if_expired=True)
            except PasswordExpired as exc:
                raise localized(
                    CliError,
                    "account {name} added, but ISDS says its password has expired; "
                    "change it: dso account password {name} --new-password-stdin",
                    name=spec.name) from exc
    checked = tr("login not tested") if args.no_verify else tr(
        "logged in: {owner} ({box})", owner=view.owner_name or "?", box=view.box_id or "?")
    saved = tr("; password saved in the keyring") if view.password_saved else ""
    ctx.emit(view.to_json(), tr("account {name} added ({environment}, {login}; {checked}"
                                "{saved})", name=view.name, environment=view.environment,
                                login=view.login_method, checked=checked, saved=saved))
    return 0


def account_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        views = app.accounts.list()
    rows = [v.to_json() for v in views]

    def text(_: Any) -> str:
        if not views:
            return tr("no accounts")
        return "\n".join(
            f"{v.name}\t{v.username}\t{v.environment}\t{v.login_method}\t"
            + tr("box={box}\tlast sync={at}", box=v.box_id or "?",
                 at=v.last_sync_at or tr("never")) for v in views)

    ctx.emit(rows, text)
    return 0


def account_remove(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open(ctx) as app:
        kept = app.accounts.remove(args.name)
    ctx.emit({"removed": args.name, "messages_kept": kept},
             tr("account {name} removed; its {kept} messages stay in the archive",
                name=args.name, kept=kept))
    return 0


def account_edit(args: argparse.Namespace, ctx: CliContext) -> int:
    fields: dict[str, Any] = {}
    if args.login:
        fields["login_method"] = args.login
    if args.username:
        fields["username"] = args.username
    if args.environment:
        fields["environment"] = args.environment
    for key, value in (("cert_file", args.cert), ("key_file", args.key),
                       ("ca_file", args.ca_file)):
        if value:
            fields[key] = Path(value)
    if args.receive:
        fields["sync_received"] = args.receive == "accept"
    if args.mark_downloaded:
        fields["mark_downloaded"] = args.mark_downloaded == "yes"
    if args.forget_password and args.password_stdin:
        raise localized(UsageError,
                        "--forget-password and --password-stdin exclude each other")
    password = _line("--password-stdin") if args.password_stdin else None
    cert_password = _line("--cert-password-stdin") if args.cert_password_stdin else None
    if not fields and password is None and cert_password is None and \
            not args.forget_password:
        raise localized(UsageError, "nothing to change; see `dso account edit --help`")
    with _open(ctx) as app:
        view = app.accounts.edit(
            args.name, password=password, cert_password=cert_password,
            save_password=False if args.forget_password else None, **fields)
    ctx.emit(view.to_json(), tr("account {name} changed", name=view.name)
             + (tr("; received messages will be confirmed again at the next sync")
                if view.sync_received and not view.delivery_confirmed else ""))
    return 0


def account_password(args: argparse.Namespace, ctx: CliContext) -> int:
    old = _line("--old-password-stdin") if args.old_password_stdin else None
    new = _line("--new-password-stdin")
    with _open(ctx) as app:
        view = app.accounts.change_password(args.name, new, old_password=old,
                                            otp_provider=_code_prompt(ctx))
    ctx.emit(view.to_json(), tr("password of account {name} changed in ISDS", name=view.name)
             + (tr("; the keyring holds the new one") if view.password_saved else ""))
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("account", help="add, list, edit or remove data-box accounts; "
                       "change a password")
    asub = p.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    a = asub.add_parser("add", help="add an account; the login is tested first (nothing is "
                        "kept when it fails)")
    a.add_argument("name")
    a.add_argument("--login", required=True, choices=LOGIN_METHODS, help="login method")
    a.add_argument("--username", required=True)
    a.add_argument("--environment", default="production",
                   help="production, test or the https:// URL of a test server or simulator")
    a.add_argument("--ca-file", help="extra CA certificate (PEM) for this account's TLS "
                   "and, outside production, its ZFO seals (this account only)")
    a.add_argument("--cert", help="client certificate: PEM, or PKCS#12 (.p12/.pfx)")
    a.add_argument("--key", help="private key of a PEM client certificate")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (saved in the OS keyring; "
                   "for SMS/authenticator logins only the code is asked at each login)")
    a.add_argument("--cert-password-stdin", action="store_true",
                   help="read the certificate key's passphrase from standard input (after "
                   "the password line) into the OS keyring")
    a.add_argument("--no-save-password", action="store_true",
                   help="do not save the password (it is then given at every run)")
    a.add_argument("--no-verify", action="store_true",
                   help="do not test the login now (setting up offline)")
    a.add_argument("--no-received", action="store_true",
                   help="never sync received messages (no delivery by login)")
    a.add_argument("--accept-delivery", action="store_true",
                   help="confirm now that syncing received messages accepts them (§ 17(3)); "
                   "without it the first sync asks")
    a.add_argument("--mark-downloaded", action="store_true",
                   help="mark synced received messages as downloaded in ISDS")
    a.set_defaults(handler=account_add)

    a = asub.add_parser("list", help="list accounts")
    a.set_defaults(handler=account_list)

    a = asub.add_parser("edit", help="change an account's login, certificate, environment, "
                        "receive mode or saved password")
    a.add_argument("name")
    a.add_argument("--login", choices=LOGIN_METHODS, help="new login method")
    a.add_argument("--username")
    a.add_argument("--environment", help="production, test or an https:// URL")
    a.add_argument("--cert", help="client certificate: PEM, or PKCS#12 (.p12/.pfx)")
    a.add_argument("--key", help="private key of a PEM client certificate")
    a.add_argument("--ca-file")
    a.add_argument("--receive", choices=RECEIVE_MODES,
                   help="accept delivery (sync received messages) or not; a change makes "
                   "the next sync ask for the § 17(3) confirmation again")
    a.add_argument("--mark-downloaded", choices=("yes", "no"))
    a.add_argument("--password-stdin", action="store_true",
                   help="replace the saved password (read from standard input; this does "
                   "not change it in ISDS: see `dso account password`)")
    a.add_argument("--cert-password-stdin", action="store_true",
                   help="replace the certificate passphrase (next line of standard input)")
    a.add_argument("--forget-password", action="store_true",
                   help="remove the saved password from the OS keyring")
    a.set_defaults(handler=account_edit)

    a = asub.add_parser("password", help="change the account's password in ISDS (also an "
                        "expired one); the keyring is updated after ISDS accepts it")
    a.add_argument("name")
    a.add_argument("--new-password-stdin", action="store_true", required=True,
                   help="read the new password from standard input")
    a.add_argument("--old-password-stdin", action="store_true",
                   help="read the old password first (when none is saved)")
    a.set_defaults(handler=account_password)

    a = asub.add_parser("remove", help="remove an account (its messages stay archived)")
    a.add_argument("name")
    a.set_defaults(handler=account_remove)
