"""A real PostgreSQL server for the tests, and the `store_url` fixture over both backends.

The server is Debian's (``/usr/lib/postgresql/*/bin``; the ``postgresql`` package, which
``.ci/run`` installs), started once per test session in a temporary folder on 127.0.0.1 and
a free port, and stopped at the end. PostgreSQL refuses to run as root, and the tests run
as root in CI: then initdb and pg_ctl run as the unprivileged ``postgres`` (or ``nobody``)
user, owning the folder. Passwords are real (SCRAM); the client finds them in a pgpass file
(``PGPASSFILE``), the way an office PC would, so no URL here holds a password.

Each PostgreSQL test gets a fresh database copied from a migrated template
(``CREATE DATABASE ... TEMPLATE``: a file copy, much faster than running the migrations).
Without a server the PostgreSQL variants skip with the reason; in CI (``CI=true``) they
fail instead, so a broken CI set-up cannot pass by skipping them.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TEMPLATE_DB = "dso_template"
SUPERUSER = "dso_admin"
_counter = itertools.count(1)


@dataclass
class PgServer:
    base: Path
    bindir: Path
    port: int
    password: str
    run_as: str | None

    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        """Run one statement as the superuser in autocommit (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname=database, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def terminate_connections(self, database: str) -> None:
        """End every session on ``database`` (as a server restart or a broken network)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))

    def new_database(self, template: str = TEMPLATE_DB) -> str:
        name = f"t{os.getpid()}_{next(_counter)}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop_database(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        _run(self, [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.base / "data"),
                    "-m", "immediate", "-w"], check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unprivileged_user() -> str | None:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


def _run(server: PgServer, argv: list[str], *, check: bool = True
         ) -> subprocess.CompletedProcess[str]:
    if server.run_as is not None:
        argv = ["runuser", "-u", server.run_as, "--", *argv]
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=120,
                          cwd=server.base)


def start_server() -> PgServer:
    """Start a throw-away server; raises RuntimeError with the reason when it cannot."""
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    run_as = None
    if os.geteuid() == 0:
        run_as = _unprivileged_user()
        if run_as is None or shutil.which("runuser") is None:
            raise RuntimeError("running as root and no unprivileged user/runuser to run "
                               "PostgreSQL as")
    base = Path(tempfile.mkdtemp(prefix="dso-pg-"))
    password = secrets.token_urlsafe(16)
    server = PgServer(base=base, bindir=bindir, port=_free_port(), password=password,
                      run_as=run_as)
    try:
        (base / "pwfile").write_text(password + "\n", encoding="ascii")
        if run_as is not None:
            ent = pwd.getpwnam(run_as)
            os.chown(base, ent.pw_uid, ent.pw_gid)
            os.chown(base / "pwfile", ent.pw_uid, ent.pw_gid)
        os.chmod(base, 0o700)
        _run(server, [str(bindir / "initdb"), "-D", str(base / "data"), "-U", SUPERUSER,
                      "--auth=scram-sha-256", f"--pwfile={base / 'pwfile'}", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync"])
        opts = (f"-c listen_addresses=127.0.0.1 -p {server.port} -k {base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200")
        _run(server, [str(bindir / "pg_ctl"), "start", "-D", str(base / "data"), "-w",
                      "-t", "60", "-l", str(base / "server.log"), "-o", opts])
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        with contextlib.suppress(OSError):
            detail += (base / "server.log").read_text(errors="replace")[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {exc} {detail}".strip()) from exc
    # The client's password comes from a pgpass file (the test process and its children).
    pgpass = Path(tempfile.mkdtemp(prefix="dso-pgpass-")) / "pgpass"
    pgpass.write_text(f"127.0.0.1:{server.port}:*:*:{password}\n", encoding="ascii")
    pgpass.chmod(0o600)
    os.environ["PGPASSFILE"] = str(pgpass)
    return server


def unavailable(reason: str) -> None:
    """No server: skip with the reason, except in CI (``CI=true``), where it fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL tests, but: {reason}")
    pytest.skip(f"no PostgreSQL server could be started: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server with a migrated template database."""
    try:
        server = start_server()
    except RuntimeError as exc:
        unavailable(str(exc))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                server.admin(f'CREATE DATABASE "{TEMPLATE_DB}"')
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        from dso_desktop.store.db import Database

        Database.open_url(server.url(TEMPLATE_DB)).close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, migrated PostgreSQL archive for one test."""
    name = pg_server.new_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def sqlite_template() -> Iterator[Path]:
    """A SQLite archive migrated to the newest schema once per session: each SQLite test
    gets a copy (as each PostgreSQL test gets a database made from a template) instead of
    running every Alembic revision again (~50 ms of CPU a test). The migration chain itself
    is tested from empty and from each earlier schema in test_store_migrations.py."""
    from dso_desktop.store.db import Database

    base = Path(tempfile.mkdtemp(prefix="dso-sqlite-template-"))
    try:
        path = base / "template.sqlite3"
        Database.open(path).close()  # closed: the WAL is checkpointed into the file
        yield path
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The archive's URL on each backend: a SQLite file copied from the migrated template
    (private, as `Database.open` makes a new one), or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        target = tmp_path / "archive.sqlite3"
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, target)
        target.chmod(0o600)
        return f"sqlite:///{target}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store_backend(store_url: str) -> str:
    return "sqlite" if store_url.startswith("sqlite") else "postgresql"
