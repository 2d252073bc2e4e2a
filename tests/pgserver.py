"""A real PostgreSQL server for the tests, and the `store_url` fixture over both backends.

The server is Debian's (``/usr/lib/postgresql/*/bin``; the ``postgresql`` package, which
``.ci/run`` installs), started once per test session in a temporary folder on 127.0.0.1 and
a free port, and stopped at the end. PostgreSQL refuses to run as root, and the tests run
as root in CI: then initdb and pg_ctl run as the unprivileged ``postgres`` (or ``nobody``)
user, owning the folder. Passwords are real (SCRAM); the client finds them in a pgpass file
(``PGPASSFILE``), the way an office PC would, so no URL here holds a password.

Each PostgreSQL test gets a database that is, row for row, a fresh copy of a migrated
template. Copying the template for every test (``CREATE DATABASE ... TEMPLATE``) and dropping
it afterwards took ~120 ms of wall and ~300 ms of the server's CPU on a quiet machine (the
template is copied through the WAL), and ~0.45 s of a test's set-up with two test processes
at once (the mutation runs of session 14); so the copies are pooled
(`PgServer.claim`): a database is made from the template once, and a later test that claims
it gets it emptied instead (only the tables that hold rows are truncated, the sequences
restarted, the planner's statistics dropped). Before it is emptied, its schema is compared
with the template's (`FINGERPRINT_SQL`): a test that changed the schema, the settings or the
migration stamp gets a new copy instead. A claim is a session-level advisory lock held by
one connection to ``postgres`` for the test's lifetime, so the processes sharing a server
(the resident mutant runner's forks) never get the same database, and a process that dies
mid-test (a mutant killed at its time limit) frees its claim with its connection; whatever it
left in the database is emptied by the next claim.
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
from typing import Any

import pytest

TEMPLATE_DB = "dso_template"
SUPERUSER = "dso_admin"
POOL_PREFIX = "dso_pool_"
POOL_SIZE = 256  # at most this many claimed at once (two or three are, in practice)
POOL_LOCK_CLASS = 0x44534F  # the two-key advisory locks (this class, slot) are the claims
_counter = itertools.count(1)
# (process id, database) -> the connection holding the claim. Keyed by the process: a fork
# inherits its parent's entries (their sockets are the parent's) and must not use them.
_claims: dict[tuple[int, str], Any] = {}

# What a test must not have changed for its database to be emptied and reused: the schema
# objects outside the system catalogs, their privileges, the migration stamp and the
# database's own settings. Rows are not part of it (the claim empties the tables).
FINGERPRINT_SQL = """
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema')
     AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'
)
SELECT md5(concat_ws(' | ',
  (SELECT string_agg(concat_ws(',', n.nspname, n.nspacl::text), ';' ORDER BY n.nspname)
     FROM pg_namespace n JOIN ns ON ns.oid = n.oid),
  (SELECT string_agg(concat_ws(',', ns.nspname, c.relname, c.relkind, c.relpersistence,
                               c.relacl::text, c.reloptions::text), ';'
                     ORDER BY ns.nspname, c.relname)
     FROM pg_class c JOIN ns ON ns.oid = c.relnamespace),
  (SELECT string_agg(concat_ws(',', a.attrelid::regclass::text, a.attnum, a.attname,
                               format_type(a.atttypid, a.atttypmod), a.attnotnull,
                               a.attisdropped, a.attidentity, a.attgenerated, a.attacl::text,
                               pg_get_expr(d.adbin, d.adrelid)), ';'
                     ORDER BY a.attrelid::regclass::text, a.attnum)
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0),
  (SELECT string_agg(pg_get_indexdef(i.indexrelid), ';' ORDER BY pg_get_indexdef(i.indexrelid))
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace),
  (SELECT string_agg(concat_ws(',', co.conrelid::regclass::text, co.conname,
                               pg_get_constraintdef(co.oid)), ';'
                     ORDER BY co.conrelid::regclass::text, co.conname)
     FROM pg_constraint co JOIN ns ON ns.oid = co.connamespace),
  (SELECT string_agg(pg_get_triggerdef(t.oid), ';' ORDER BY pg_get_triggerdef(t.oid))
     FROM pg_trigger t WHERE NOT t.tgisinternal),
  (SELECT string_agg(concat_ws(',', p.oid::regprocedure::text, md5(p.prosrc), p.proacl::text),
                     ';' ORDER BY p.oid::regprocedure::text)
     FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace),
  (SELECT string_agg(concat_ws(',', ns.nspname, t.typname, t.typtype), ';'
                     ORDER BY ns.nspname, t.typname)
     FROM pg_type t JOIN ns ON ns.oid = t.typnamespace),
  (SELECT string_agg(concat_ws(',', e.enumtypid::regtype::text, e.enumlabel), ';'
                     ORDER BY e.enumtypid::regtype::text, e.enumsortorder)
     FROM pg_enum e),
  (SELECT string_agg(concat_ws(',', schemaname, sequencename, data_type::text, start_value,
                               min_value, max_value, increment_by, cycle), ';'
                     ORDER BY schemaname, sequencename) FROM pg_sequences),
  (SELECT string_agg(pg_get_ruledef(r.oid), ';' ORDER BY pg_get_ruledef(r.oid))
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN ns ON ns.oid = c.relnamespace),
  (SELECT string_agg(concat_ws(',', polrelid::regclass::text, polname), ';'
                     ORDER BY polrelid::regclass::text, polname) FROM pg_policy),
  (SELECT string_agg(concat_ws(',', extname, extversion), ';' ORDER BY extname)
     FROM pg_extension),
  (SELECT string_agg(setconfig::text, ';' ORDER BY setrole) FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
  (SELECT concat_ws(',', datallowconn, datconnlimit, datacl::text) FROM pg_database
    WHERE datname = current_database()),
  (SELECT count(*) FROM pg_largeobject_metadata),
  (SELECT string_agg(version_num, ';' ORDER BY version_num) FROM public.alembic_version)
))
"""


@dataclass
class PgServer:
    base: Path
    bindir: Path
    port: int
    password: str
    run_as: str | None
    # The migrated template's FINGERPRINT_SQL and its tables that start empty (every table
    # but the migration stamp): set by the `pg_server` fixture once the template is made.
    fingerprint: str = ""
    tables: tuple[str, ...] = ()

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

    def connect(self, database: str) -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                               dbname=database, autocommit=True)

    def new_database(self, template: str = TEMPLATE_DB) -> str:
        """A database as the template holds it, for this process until `drop_database`:
        from the pool (`claim`) when it is the migrated template's copy."""
        if template == TEMPLATE_DB and self.fingerprint:
            return self.claim()
        name = f"t{os.getpid()}_{next(_counter)}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop_database(self, name: str) -> None:
        """Give a claimed database back to the pool, or drop any other (but not a pooled
        one this process does not hold: it is another's, or nobody's and emptied when
        claimed)."""
        if (os.getpid(), name) in _claims:
            self.release(name)
            return
        if name.startswith(POOL_PREFIX):
            return
        with contextlib.suppress(Exception):
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def claim(self) -> str:
        """A pooled database, equal to a fresh copy of the template in schema and rows, held
        by this process until `release` (or until it dies)."""
        holder = self.connect("postgres")
        try:
            for slot in range(POOL_SIZE):
                got = holder.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                     (POOL_LOCK_CLASS, slot)).fetchone()
                if got and got[0]:
                    break
            else:
                raise RuntimeError(f"all {POOL_SIZE} pooled test databases are claimed")
            name = f"{POOL_PREFIX}{slot}"
            made = holder.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone() is not None
            if made:
                # What the last holder left connected (a killed process's sessions, a
                # test's engine that was never disposed) goes, as DROP ... WITH (FORCE) did.
                holder.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                               "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
                if not self._empty(name):
                    holder.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                    made = False
            if not made:
                holder.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
        except BaseException:
            holder.close()
            raise
        _claims[(os.getpid(), name)] = holder
        return name

    def release(self, name: str) -> None:
        holder = _claims.pop((os.getpid(), name), None)
        if holder is not None:
            holder.close()  # ends the session, and with it the advisory lock

    def _empty(self, name: str) -> bool:
        """Empty a pooled database that still has the template's schema; False (and
        nothing changed) when its schema, settings or migration stamp differ, or it cannot
        be opened."""
        try:
            conn = self.connect(name)
        except Exception:
            return False
        with conn:
            row = conn.execute(FINGERPRINT_SQL).fetchone()
            if row is None or row[0] != self.fingerprint:
                return False
            probe = " UNION ALL ".join(  # the template's own table names
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")"  # noqa: S608
                for t in self.tables)
            full = [r[0] for r in conn.execute(probe)] if probe else []
            if full:
                conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in full)
                             + " RESTART IDENTITY CASCADE")
            # A sequence another table's insert moved (even a rolled-back one) starts again.
            for (seq,) in conn.execute("SELECT format('%I.%I', schemaname, sequencename) "
                                       "FROM pg_sequences WHERE last_value IS NOT NULL"
                                       ).fetchall():
                conn.execute(f"ALTER SEQUENCE {seq} RESTART")
            # The planner's statistics of what the last test held (a fresh copy has none).
            conn.execute("DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class"
                         " WHERE relnamespace = 'public'::regnamespace)")
        return True

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
        with server.connect(TEMPLATE_DB) as conn:
            server.fingerprint = str(conn.execute(FINGERPRINT_SQL).fetchone()[0])
            server.tables = tuple(r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version' ORDER BY tablename"))
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A migrated PostgreSQL archive for one test, empty as a fresh one (from the pool)."""
    name = pg_server.claim()
    yield pg_server.url(name)
    pg_server.release(name)


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
