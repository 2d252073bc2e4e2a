"""`dso backup create|verify|list|restore`: backups of the running archive (docs/backup.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import tr

ENV_OFFLINE = "DSO_OFFLINE"


def _passphrase(args: argparse.Namespace) -> str | None:
    if not getattr(args, "passphrase_stdin", False):
        return None
    pw = sys.stdin.readline().rstrip("\r\n")
    if not pw:
        raise localized(UsageError, "--passphrase-stdin: no passphrase on standard input")
    return pw


def _open_app(ctx: CliContext) -> Any:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    offline = True if os.environ.get(ENV_OFFLINE) else None
    try:
        return App.open(AppPaths.default(ctx.data_dir), offline=offline, store_url=ctx.store)
    except Exception as exc:
        raise localized(CliError, "cannot open the archive: {error}", error=exc) from exc


def _info_text(info: Any) -> str:
    j = info.to_json()
    counts = j["counts"]
    lines = [
        tr("{path}: OK ({size} bytes, made {at} by DSO Desktop {version})", path=j["path"],
           size=j["size"], at=j["created_at"], version=j["app_version"]),
        "  " + (tr("encrypted (AES-256-GCM, scrypt)") if j["encrypted"]
                else tr("NOT encrypted"))
        + (tr(", with saved passwords") if j["with_secrets"] else "") + "; "
        + tr("{messages} messages, {accounts} accounts", messages=counts.get("messages", 0),
             accounts=counts.get("accounts", 0)),
    ]
    if j["sampled_zfos"]:
        lines.append("  " + tr("{n} signed messages re-checked, {trusted} trusted here",
                               n=j["sampled_zfos"], trusted=j["sampled_trusted"]))
    if j["sampled_problems"]:
        lines.append("  " + tr("WARNING: {n} of them do not verify (as stored in the "
                               "archive): run `dso check`", n=j["sampled_problems"]))
    if j["catalog_match"] is False:
        lines.append("  " + tr("WARNING: this file differs from the one this installation "
                               "wrote"))
    return "\n".join(lines)


def create(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.with_secrets and not args.passphrase_stdin:
        raise localized(UsageError, "--with-secrets needs --passphrase-stdin: secrets are "
                        "only ever written encrypted")
    passphrase = _passphrase(args)
    with _open_app(ctx) as app:
        info = app.backup.create(Path(args.out), passphrase=passphrase,
                                 with_secrets=args.with_secrets)
    ctx.emit(info.to_json(), lambda _: _info_text(info))
    return 0


def verify(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.paths import AppPaths

    passphrase = _passphrase(args)
    paths = AppPaths.default(ctx.data_dir)
    if paths.database.exists():  # this installation's trust anchors and catalog
        with _open_app(ctx) as app:
            info = app.backup.verify(Path(args.file), passphrase=passphrase)
    else:
        from dso_desktop.services.backup import BackupService
        from dso_desktop.services.trust import open_trust_store

        trust = open_trust_store(None, offline=True)
        info = BackupService(paths, None, lambda *_: trust).verify(
            Path(args.file), passphrase=passphrase)
    ctx.emit(info.to_json(), lambda _: _info_text(info))
    return 1 if info.catalog_match is False else 0


def list_(args: argparse.Namespace, ctx: CliContext) -> int:
    with _open_app(ctx) as app:
        folders = tuple(Path(p) for p in args.folder)
        folder = getattr(app.settings.get(), "backup_folder", None)
        if folder:
            folders += (Path(folder),)
        entries = app.backup.list(folders)

    def text(_: Any) -> str:
        if not entries:
            return tr("no backups known")
        return "\n".join(
            f"{e.get('created_at')}  {e.get('path')}  "
            + tr("{size} bytes", size=e.get("size"))
            + ("  " + tr("encrypted") if e.get("encrypted") else "")
            + ("  " + tr("with secrets") if e.get("with_secrets") else "")
            + ("" if e.get("exists") else "  " + tr("MISSING")) for e in entries)

    ctx.emit(entries, text)
    return 0


def restore(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.backup import BackupService
    from dso_desktop.services.storeconfig import resolve_store_url

    passphrase = _passphrase(args)
    paths = AppPaths.default(ctx.data_dir)
    url = resolve_store_url(paths, ctx.store)
    if url is not None and not url.startswith("sqlite"):
        if args.replace:
            raise localized(UsageError, "--replace is for a local archive; an office "
                            "database is restored only into a new, empty database")
        result = BackupService(paths, None).restore_url(Path(args.file), url,
                                                        passphrase=passphrase)
    else:
        result = BackupService(paths, None).restore(
            Path(args.file), passphrase=passphrase, replace=args.replace)
    with _open_app(ctx) as app:
        check = BackupService.check_restored(app, result)
    out = {"database": str(result.database),
           "replaced": str(result.replaced) if result.replaced else None,
           "secrets_restored": result.secrets_restored,
           "files_restored": result.files_restored, **check.to_json()}

    def text(_: Any) -> str:
        lines = [tr("restored into {database}", database=result.database)]
        if result.replaced:
            lines.append(tr("the archive that was there is kept in {path}",
                            path=result.replaced))
        lines.append(tr("{messages} messages, {accounts} accounts, {secrets} saved passwords "
                        "restored", messages=check.actual.get("messages", 0),
                        accounts=check.actual.get("accounts", 0),
                        secrets=result.secrets_restored))
        lines.append(tr("check: clean") if check.clean
                     else tr("check: NOT CLEAN (run `dso check`)"))
        lines.append(tr("counts: same as in the backup") if check.counts_match else
                     tr("counts: DIFFER: backup {expected}, now {actual}",
                        expected=check.expected, actual=check.actual))
        return "\n".join(lines)

    ctx.emit(out, text)
    return 0 if check.ok else 1


def add_parser(sub: Any) -> None:
    p = sub.add_parser("backup", help="back up, verify and restore the archive")
    bsub = p.add_subparsers(dest="backup_command", metavar="ACTION", required=True)
    a = bsub.add_parser("create", help="write a backup while the app may run and sync")
    a.add_argument("--out", required=True, metavar="FILE", help="the new backup file")
    a.add_argument("--passphrase-stdin", action="store_true",
                   help="encrypt under the passphrase read from standard input")
    a.add_argument("--with-secrets", action="store_true",
                   help="also the saved passwords and client keys (needs a passphrase)")
    a.set_defaults(handler=create)
    a = bsub.add_parser("verify", help="read a backup back and check all of it")
    a.add_argument("file", metavar="FILE")
    a.add_argument("--passphrase-stdin", action="store_true")
    a.set_defaults(handler=verify)
    a = bsub.add_parser("list", help="backups this installation made (and those in folders)")
    a.add_argument("--folder", action="append", default=[], metavar="DIR")
    a.set_defaults(handler=list_)
    a = bsub.add_parser("restore", help="restore a backup into the data folder")
    a.add_argument("file", metavar="FILE")
    a.add_argument("--passphrase-stdin", action="store_true")
    a.add_argument("--replace", action="store_true",
                   help="replace an existing archive (it is moved aside, not deleted)")
    a.set_defaults(handler=restore)
