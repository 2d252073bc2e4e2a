"""The store on PostgreSQL: the server fixture, migrations, byte-exact evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from dso_desktop.store.db import Database
from dso_desktop.store.migrations import head_revision


def test_the_archive_opens_and_migrates_on_both_backends(store_url: str) -> None:
    db = Database.open_url(store_url)
    try:
        assert db.current_revision() == head_revision()
        tables = set(inspect(db.engine).get_table_names())
        assert {"accounts", "messages", "message_zfos", "outbox"} <= tables
    finally:
        db.close()


_MEASURE = r"""
import hashlib, os, resource, sys
from dso_desktop.domain import Direction, Envelope
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.repos import AccountRepo

url, mode, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
db = Database.open_url(url)
env = Envelope(message_id="7001")
if mode == "write":
    with db.write() as s:
        acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                 username="u").id
        mid = MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, env).id
    data = os.urandom(size)
    digest = hashlib.sha256(data).hexdigest()
    base = peak()
    with db.write() as s:
        MessageRepo(s).attach_zfo(mid, data, env, search_text_for(env, []), 0, None)
else:
    with db.read() as s:  # warm up everything but the blob itself
        MessageRepo(s).delivery_info(1)
    base = peak()
    with db.read() as s:
        got = MessageRepo(s).zfo(1)
    data, digest = got[0], got[1]
    assert hashlib.sha256(data).hexdigest() == digest and len(data) == size
print(peak() - base, digest)
"""


def _measure(url: str, mode: str, size: int) -> tuple[int, str]:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", _MEASURE, url, mode, str(size)], env=env,
                         capture_output=True, text=True, timeout=300, check=True).stdout
    extra, digest = out.split()
    return int(extra), digest


def test_large_evidence_is_byte_exact_without_extra_copies(pg_url: str) -> None:
    """A 64 MiB ZFO (VoDZ messages reach hundreds of MB) is stored and read back
    byte-exact; each way costs at most about one more copy of it in memory, not the
    3-6 copies of psycopg's text-format bytea (hex both ways)."""
    size = 64 * 2**20
    written, digest = _measure(pg_url, "write", size)
    read, read_digest = _measure(pg_url, "read", size)
    assert read_digest == digest
    assert written < 1.5 * size, f"storing took {written / 2**20:.0f} MiB extra"
    assert read < 1.5 * size, f"reading took {read / 2**20:.0f} MiB extra"


def test_the_migrations_make_the_models_schema_on_postgresql(pg_url: str) -> None:
    """Alembic's 0001..head on PostgreSQL give exactly the models' tables, plus the
    PostgreSQL search index (as SQLite has its FTS5 table)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from dso_desktop.store.models import Base

    db = Database.open_url(pg_url)
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            storage = dict(conn.exec_driver_sql(
                "SELECT c.relname, a.attstorage FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid WHERE a.attname = 'data' "
                "AND c.relname IN ('message_zfos', 'delivery_infos')").all())
        assert [d for d in diff if not (
            (d[0] == "remove_table" and d[1].name == "message_search")
            or (d[0] == "remove_index" and d[1].name == "ix_message_search_doc"))] == []
        assert storage == {"message_zfos": "e", "delivery_infos": "e"}
    finally:
        db.close()


def test_downgrade_to_base_and_up_again_on_postgresql(pg_url: str) -> None:
    """Every revision's downgrade runs on PostgreSQL too (a release can be rolled back)."""
    from alembic import command
    from sqlalchemy import inspect

    from dso_desktop.store.db import alembic_config

    db = Database.open_url(pg_url)
    try:
        with db.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.upgrade()
        assert db.current_revision() == head_revision()
        assert "message_search" in inspect(db.engine).get_table_names()
    finally:
        db.close()


def test_postgresql_storage_failures_are_store_write_errors() -> None:
    """The database's refusals that are not one item's fault stop a writer as on SQLite:
    no permission (roles), a full disk, a lost connection. A constraint is one item's."""
    import psycopg
    from psycopg import errors as pg
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from dso_desktop.store.errors import DiskFullError, write_failure

    def wrapped(exc: Exception) -> Exception:
        cls = OperationalError if isinstance(exc, psycopg.OperationalError) else \
            ProgrammingError
        return cls("INSERT INTO tags ... secret values", {}, exc)

    perm = write_failure(wrapped(pg.InsufficientPrivilege("permission denied for table tags")))
    assert perm is not None and perm.reason == "permission" and "secret" not in str(perm)
    assert isinstance(write_failure(wrapped(pg.DiskFull("no space"))), DiskFullError)
    lost = write_failure(wrapped(psycopg.OperationalError("server closed the connection")))
    assert lost is not None and lost.reason == "connection"
    assert write_failure(wrapped(pg.AdminShutdown("terminating connection"))).reason == \
        "connection"  # type: ignore[union-attr]
    assert write_failure(wrapped(pg.UniqueViolation("duplicate key"))) is None


def test_the_dump_command_backs_up_a_postgresql_archive(pg_url: str, tmp_path: Path) -> None:
    """`store.db.dump_command` (for backups): a pg_dump that pg_restore can read, with the
    password never on the command line."""
    import os
    import shutil
    import subprocess

    from sqlalchemy.engine import make_url

    from dso_desktop.store.db import dump_command

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump (postgresql-client) is not installed")
    db = Database.open_url(pg_url)
    db.close()
    out = tmp_path / "archive.dump"
    argv, env = dump_command(pg_url, out)
    assert env == {} and all("PGPASSWORD" not in a for a in argv)
    subprocess.run(argv, env={**os.environ, **env}, check=True, capture_output=True,
                   timeout=120)
    listing = subprocess.run(["pg_restore", "--list", str(out)], check=True,
                             capture_output=True, text=True, timeout=60).stdout
    assert "TABLE public message_zfos" in listing and "TABLE public messages" in listing
    secret = make_url(pg_url).set(password="tajne-heslo").render_as_string(
        hide_password=False)
    argv, env = dump_command(secret, out)
    assert env == {"PGPASSWORD": "tajne-heslo"} and "tajne-heslo" not in " ".join(argv)


def test_without_a_server_ci_fails_and_elsewhere_the_tests_skip(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.pgserver import unavailable

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run"):
        unavailable("no binaries")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no binaries"):
        unavailable("no binaries")
