"""Where the archive is: the embedded SQLite file, or an office's PostgreSQL database.

Chosen per installation, first match wins:

1. ``dso --store URL`` (the CLI's global option) / the ``store_url`` argument of `App.open`;
2. the environment variable ``DSO_STORE_URL`` (managed installs: set once for every user);
3. the setting saved by the GUI, ``<config>/store.json`` (the settings inside the archive
   cannot say where the archive is);
4. none: the SQLite file in the data folder.

A saved URL never holds a password (`save_store_url` refuses one). The database password
comes from the OS keyring (`set_store_password`, keyed by the URL without password) or
from libpq's own files: a password file (``~/.pgpass``, ``PGPASSFILE``) or a service file
(``postgresql+psycopg:///?service=office``, ``PGSERVICEFILE``), which libpq reads itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.paths import AppPaths, atomic_write

ENV_STORE_URL = "DSO_STORE_URL"
CONFIG_FILE = "store.json"
SECRET_KIND = "store-password"  # noqa: S105 - a keyring entry kind
DRIVER = "postgresql+psycopg"


class StoreConfigError(DsoError, ValueError):
    """The archive's location is not usable as given (a bad URL, a password in it)."""

    kind = ErrorKind.STORE_CONFIG

    def __init__(self, message: str, *, message_cs: str | None = None) -> None:
        super().__init__(message)
        if message_cs:
            self.message_cs = message_cs


@dataclass(frozen=True)
class ConnectionInfo:
    """What `test_connection` found: the server and the archive's schema there."""

    server_version: str
    user: str
    database: str
    schema_revision: str | None


def normalize(url: str) -> str:
    """A SQLAlchemy URL for the store: ``postgresql://`` and ``postgres://`` get the psycopg
    driver; SQLite URLs pass; anything else is refused."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = url.strip()
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreConfigError(f"not a database URL: {_shown(url)}",
                               message_cs="Adresa databáze není platná.") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername=DRIVER)
    elif backend != "sqlite":
        raise StoreConfigError(f"unsupported database {backend!r}: use PostgreSQL or SQLite",
                               message_cs="Podporovány jsou databáze PostgreSQL a SQLite.")
    return parsed.render_as_string(hide_password=False)


def without_password(url: str) -> str:
    """The URL as saved, shown and used as the keyring key: no password in it."""
    from sqlalchemy.engine import make_url

    # Not ``URL.set(password=None)``: SQLAlchemy's set() skips None values, so that kept
    # the password (the keyring key, and anything shown from it, then held it). URL is a
    # NamedTuple; _replace is the tuple's own, public way to clear a field.
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


def with_password(url: str, password: str | None) -> str:
    """``url`` with ``password`` for one connection (a test before saving); never saved."""
    from sqlalchemy.engine import make_url

    url = normalize(url)
    if not password or has_password(url):
        return url
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def _shown(url: str) -> str:
    """A URL for messages and logs: the password masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


def has_password(url: str) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(url).password is not None


def saved_store_url(paths: AppPaths) -> str | None:
    path = paths.config / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreConfigError(f"cannot read {path}: {exc}") from None
    url = data.get("url") if isinstance(data, dict) else None
    return str(url) if url else None


def save_store_url(paths: AppPaths, url: str | None) -> None:
    """Remember the archive's URL for this installation (None: back to the SQLite file).

    Refuses a URL with a password: that goes to the keyring (`set_store_password`) or a
    libpq password/service file, never into a settings file."""
    path = paths.config / CONFIG_FILE
    if url is None:
        path.unlink(missing_ok=True)
        return
    url = normalize(url)
    if has_password(url):
        raise StoreConfigError(
            "the saved archive URL must not contain a password; keep it in the keyring "
            "or a libpq password file",
            message_cs="Adresa archivu nesmí obsahovat heslo; heslo patří do klíčenky "
                       "systému nebo do souboru hesel PostgreSQL.")
    paths.config.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"url": url}, ensure_ascii=False).encode())


def set_store_password(url: str, password: str | None) -> None:
    """Keep (or with None forget) the database password in the OS keyring."""
    from dso_desktop.secretstore import delete_secret, set_secret

    key = without_password(normalize(url))
    if password:
        set_secret(key, SECRET_KIND, password)
    else:
        delete_secret(key, SECRET_KIND)


def resolve_store_url(paths: AppPaths, explicit: str | None = None) -> str | None:
    """The URL to open (with the keyring's password added for this connection only), or
    None for the SQLite file under ``paths``."""
    url = explicit or os.environ.get(ENV_STORE_URL) or saved_store_url(paths)
    if not url:
        return None
    return connect_url(url)


def connect_url(url: str) -> str:
    """``url`` ready to connect: normalised, and the keyring's password added when the URL
    has none (otherwise libpq looks in its password and service files)."""
    from sqlalchemy.engine import make_url

    from dso_desktop.secretstore import SecretStoreError, get_secret

    url = normalize(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" or parsed.password is not None:
        return url
    try:
        password = get_secret(without_password(url), SECRET_KIND)
    except SecretStoreError:
        # No keyring on this machine (a server, a minimal desktop): libpq's password or
        # service file is the way there.
        password = None
    if password:
        parsed = parsed.set(password=password)
    return parsed.render_as_string(hide_password=False)


def test_connection(url: str, *, timeout: int = 10) -> ConnectionInfo:
    """Connect once (nothing is created or changed) and say what is there; raises
    `StoreConfigError` with a Czech text when the database cannot be reached."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    url = connect_url(url)
    if url.startswith("sqlite"):
        return ConnectionInfo("sqlite", "", url.split("///", 1)[-1], None)
    engine = create_engine(url, connect_args={"connect_timeout": timeout})
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
            user, database = conn.execute(
                text("SELECT current_user, current_database()")).one()
            revision = None
            if conn.execute(text("SELECT to_regclass('alembic_version')")).scalar():
                revision = conn.execute(text("SELECT version_num FROM alembic_version")
                                        ).scalar()
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        # libpq's own sentence (e.g. "password authentication failed for user x"): no
        # password or SQL parameters are in it.
        reason = str(orig).strip().splitlines()[-1] if orig is not None else type(exc).__name__
        raise StoreConfigError(
            f"cannot connect to {_shown(url)}: {reason}",
            message_cs=f"K databázi se nelze připojit: {reason}") from None
    finally:
        engine.dispose()
    return ConnectionInfo(version, str(user), str(database),
                          str(revision) if revision else None)


def describe(url: str | None) -> str:
    """For status lines: where the archive is, password masked."""
    return "SQLite (local file)" if not url else _shown(url)


__all__ = [
    "ENV_STORE_URL", "ConnectionInfo", "StoreConfigError", "connect_url",
    "describe", "normalize", "resolve_store_url", "save_store_url", "saved_store_url",
    "set_store_password", "test_connection", "without_password",
]
