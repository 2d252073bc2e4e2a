"""`dso store ...`: the archive's database — where it is, the office roles, moving to it.

- ``dso store show``: which database this installation uses and why (option, env, saved).
- ``dso store use URL [--password-stdin]`` / ``dso store use --local``: remember the
  database for this installation (the password, if given, goes to the keyring; a URL
  with a password is refused); it is tested first.
- ``dso store test [URL]``: connect once and say what is there.
- ``dso store init-roles [--apply] [--owner ROLE]``: the SQL of the reader, clerk and
  administrator roles (printed; with ``--apply`` run on the database as its owner).
- ``dso store migrate --to URL [--from FILE]``: move the SQLite archive into PostgreSQL,
  verified and resumable; the SQLite file is left untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from dso_desktop.cli.main import CliContext, CliError, UsageError, localized
from dso_desktop.cli.texts import tr


def _paths(ctx: CliContext) -> Any:
    from dso_desktop.paths import AppPaths

    return AppPaths.default(ctx.data_dir)


def _current(ctx: CliContext) -> tuple[str | None, str]:
    from dso_desktop.services import storeconfig as sc

    if ctx.store:
        return ctx.store, "--store"
    if os.environ.get(sc.ENV_STORE_URL):
        return os.environ[sc.ENV_STORE_URL], sc.ENV_STORE_URL
    saved = sc.saved_store_url(_paths(ctx))
    if saved:
        return saved, "saved setting"
    return None, "default"


# How the text output names where the setting came from (--json keeps the English key).
_SOURCES = {"saved setting": lambda: tr("saved setting"), "default": lambda: tr("default")}


def store_show(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.services import storeconfig as sc

    url, source = _current(ctx)
    shown = sc.describe(url) if url else str(_paths(ctx).database)
    ctx.emit({"store": shown, "backend": "postgresql" if url and not url.startswith(
        "sqlite") else "sqlite", "source": source},  # --json keeps the identifier
        f"{shown}  ({_SOURCES.get(source, lambda: source)()})")
    return 0


def store_test(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.services import storeconfig as sc

    url = args.url or _current(ctx)[0]
    if not url:
        raise localized(UsageError,
                        "no database configured: give a URL (postgresql://user@host/db)")
    info = sc.test_connection(url)
    ctx.emit({"server_version": info.server_version, "user": info.user,
              "database": info.database, "schema_revision": info.schema_revision},
             tr("connected to {database} as {user} (PostgreSQL {version}); archive schema: "
                "{revision}", database=info.database, user=info.user,
                version=info.server_version, revision=info.schema_revision or tr("none yet")))
    return 0


def store_use(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.services import storeconfig as sc

    paths = _paths(ctx)
    if args.local:
        if args.url:
            raise localized(UsageError, "give either a URL or --local")
        sc.save_store_url(paths, None)
        ctx.emit({"store": str(paths.database)},
                 tr("using the local archive {path}", path=paths.database))
        return 0
    if not args.url:
        raise localized(UsageError,
                        "store use needs a URL (postgresql://user@host/db) or --local")
    url = sc.normalize(args.url)
    if sc.has_password(url):
        raise localized(UsageError, "no password in the URL: use --password-stdin (keyring) "
                        "or a libpq password file (~/.pgpass)")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise localized(UsageError, "--password-stdin: no password on standard input")
        sc.set_store_password(url, password)
    info = sc.test_connection(url)
    sc.save_store_url(paths, url)
    ctx.emit({"store": sc.describe(url), "user": info.user, "database": info.database},
             tr("this installation now uses {store}", store=sc.describe(url)))
    return 0


def store_init_roles(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.services import storeconfig as sc
    from dso_desktop.store import roles

    url = _current(ctx)[0]
    database = args.database
    if database is None:
        if not url or url.startswith("sqlite"):
            raise localized(UsageError, "give --database NAME or --store postgresql://…")
        from sqlalchemy.engine import make_url

        database = make_url(sc.normalize(url)).database
    try:
        statements = roles.roles_sql(database or "", owner=args.owner)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not args.apply:
        ctx.emit({"sql": statements}, roles.script(statements))
        return 0
    if not url or url.startswith("sqlite"):
        raise localized(UsageError,
                        "--apply needs the PostgreSQL archive (--store or the saved setting)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(sc.connect_url(url))
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", exc)
        raise localized(CliError, "the roles could not be set up: {error}",
                        error=str(orig).splitlines()[0]) from None
    finally:
        engine.dispose()
    ctx.emit({"applied": len(statements), "roles": list(roles.ROLES)},
             tr("roles {roles} set up ({n} statements)", roles=", ".join(roles.ROLES),
                n=len(statements)))
    return 0


def store_migrate(args: argparse.Namespace, ctx: CliContext) -> int:
    from dso_desktop.app import App
    from dso_desktop.domain import IntegrityProblemKind as P
    from dso_desktop.services import storeconfig as sc
    from dso_desktop.services.storemigrate import StoreMigrationError, migrate
    from dso_desktop.sync.ingest import index_text

    paths = _paths(ctx)
    source = Path(args.source) if args.source else paths.database
    target = sc.connect_url(args.to)

    def progress(table: str, done: int, total: int) -> None:
        if not ctx.json and (done == total or done % 1000 == 0):
            ctx.err.write(f"{table}: {done}/{total}\n")

    report = migrate(source, target, progress=progress, index_text=index_text)
    # The archive check on the target: every ZFO parsed and verified there.
    with App.open(paths, store_url=target, offline=True if os.environ.get(
            "DSO_OFFLINE") else None) as app:
        check = app.integrity.check()
    result = {**report.to_json(), "check": check.to_json()}
    damaged = [p for p in check.problems if p.problem in (P.CHECKSUM, P.MISSING_ZFO)]
    if not check.database_ok or damaged or check.checked != report.tables.get(
            "message_zfos", 0):
        raise StoreMigrationError(
            f"the archive check on the target found {check.checked} of "
            f"{report.tables.get('message_zfos', 0)} signed messages")

    def text_(_: Any) -> str:
        lines = [tr("{table}: {n} rows", table=name, n=n)
                 for name, n in report.tables.items() if n]
        lines.append(tr("{blobs} stored copies verified by SHA-256; {indexed} messages "
                        "indexed for search", blobs=report.blobs_verified,
                        indexed=report.indexed))
        lines.append(tr("archive check on the target: {checked} signed messages, {ok} verify",
                        checked=check.checked, ok=check.ok)
                     + ("" if check.clean else tr(" (NOT CLEAN, as before)")))
        lines.append(tr("{source} is unchanged. Point the PCs at the new archive: dso store "
                        "use URL (or DSO_STORE_URL)", source=source))
        return "\n".join(lines)

    ctx.emit(result, text_)
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("store", help="the archive's database: show, use, test, roles, migrate",
                       description="Where the archive is (SQLite file or an office's "
                                   "PostgreSQL database), its roles, and moving to it.")
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION")
    sp = ssub.add_parser("show", help="which database this installation uses")
    sp.set_defaults(handler=store_show)
    sp = ssub.add_parser("test", help="connect once and report what is there")
    sp.add_argument("url", nargs="?")
    sp.set_defaults(handler=store_test)
    sp = ssub.add_parser("use", help="remember the database for this installation")
    sp.add_argument("url", nargs="?", help="postgresql://user@host/db (no password)")
    sp.add_argument("--local", action="store_true", help="back to the local SQLite archive")
    sp.add_argument("--password-stdin", action="store_true",
                    help="read the database password from standard input into the keyring")
    sp.set_defaults(handler=store_use)
    sp = ssub.add_parser("init-roles", help="SQL of the reader, clerk and admin roles")
    sp.add_argument("--apply", action="store_true",
                    help="run it on the database (as its owner) instead of printing it")
    sp.add_argument("--database", help="database name (default: from the store URL)")
    sp.add_argument("--owner", help="role that runs the migrations (default privileges)")
    sp.set_defaults(handler=store_init_roles)
    sp = ssub.add_parser("migrate", help="move the SQLite archive into PostgreSQL (verified)")
    sp.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    sp.add_argument("--from", dest="source", metavar="FILE",
                    help="SQLite archive (default: the data folder's)")
    sp.set_defaults(handler=store_migrate)

    def usage(args: argparse.Namespace, ctx: CliContext) -> int:
        raise localized(UsageError, "store needs an action: show, use, test, init-roles or "
                        "migrate\n{usage}", usage=p.format_usage())

    p.set_defaults(handler=usage)
