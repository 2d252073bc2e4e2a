"""The PostgreSQL tests' database pool (``tests/pgserver.py``): a pooled database must be,
for the next test that claims it, what a fresh copy of the migrated template is; otherwise
every PostgreSQL test after a careless one would test a different archive than it says."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from tests.pgserver import FINGERPRINT_SQL, POOL_LOCK_CLASS, POOL_PREFIX, PgServer

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _rows(server: PgServer, name: str, sql: str) -> list[Any]:
    with server.connect(name) as conn:
        return list(conn.execute(sql).fetchall())


def _wait_until_free(server: PgServer, slot: int) -> None:
    """The server ends a dead client's session (and its locks) when it notices the closed
    socket: soon, but not at once."""
    deadline = time.monotonic() + 30
    with server.connect("postgres") as conn:
        while conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                           "classid = %s AND objid = %s", (POOL_LOCK_CLASS, slot)
                           ).fetchone() != (0,):
            assert time.monotonic() < deadline, "the dead process's claim was never freed"
            time.sleep(0.05)


def _claim_again(server: PgServer, name: str) -> str:
    """Give ``name`` back and claim until it comes round again (the lowest free slot)."""
    server.release(name)
    again = server.claim()
    assert again == name, "the lowest free slot is claimed first"
    return again


def test_a_claimed_database_is_emptied_and_its_sequences_start_again(pg_server: PgServer
                                                                     ) -> None:
    name = pg_server.claim()
    try:
        with pg_server.connect(name) as conn:
            conn.execute("INSERT INTO tags (name, color) VALUES ('a', ''), ('b', '')")
            conn.execute("ANALYZE tags")
            # a rolled-back insert moves a sequence and leaves its table empty
            with pytest.raises(Exception), conn.transaction():
                conn.execute("INSERT INTO accounts (id) VALUES (DEFAULT)")
        assert _rows(pg_server, name, "SELECT count(*) FROM tags") == [(2,)]
        name = _claim_again(pg_server, name)
        assert _rows(pg_server, name, "SELECT count(*) FROM tags") == [(0,)]
        assert _rows(pg_server, name, "SELECT last_value FROM pg_sequences "
                     "WHERE last_value IS NOT NULL") == []
        assert _rows(pg_server, name, "SELECT count(*) FROM pg_statistic WHERE starelid = "
                     "'tags'::regclass") == [(0,)]
        with pg_server.connect(name) as conn:
            first = conn.execute("INSERT INTO tags (name, color) VALUES ('c', '') "
                                 "RETURNING id").fetchone()
        assert first == (1,)
    finally:
        pg_server.release(name)


def test_a_session_the_last_test_left_open_does_not_block_the_next_claim(
        pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the claim ending it, the TRUNCATE would wait for this session's lock: here
    # for 5 s and then fail, instead of for ever.
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=5s")
    name = pg_server.claim()
    left = pg_server.connect(name)
    try:
        left.execute("INSERT INTO tags (name, color) VALUES ('left', '')")
        left.execute("BEGIN")
        left.execute("LOCK TABLE tags IN ACCESS EXCLUSIVE MODE")
        name = _claim_again(pg_server, name)
        assert _rows(pg_server, name, "SELECT count(*) FROM tags") == [(0,)]
    finally:
        pg_server.release(name)
        left.close()


def test_a_changed_schema_is_not_reused_but_copied_again(pg_server: PgServer) -> None:
    name = pg_server.claim()
    try:
        with pg_server.connect(name) as conn:
            conn.execute("ALTER TABLE tags ADD COLUMN extra text")
            conn.execute("CREATE TABLE left_behind (x int)")
            conn.execute("INSERT INTO left_behind VALUES (1)")
            assert conn.execute(FINGERPRINT_SQL).fetchone() != (pg_server.fingerprint,)
        name = _claim_again(pg_server, name)
        assert _rows(pg_server, name, "SELECT count(*) FROM information_schema.columns "
                     "WHERE table_name = 'tags' AND column_name = 'extra'") == [(0,)]
        assert _rows(pg_server, name, "SELECT to_regclass('left_behind') IS NULL") == [(True,)]
        assert _rows(pg_server, name, FINGERPRINT_SQL) == [(pg_server.fingerprint,)]
    finally:
        pg_server.release(name)


@pytest.mark.parametrize("change", [
    "UPDATE alembic_version SET version_num = 'older'",
    "GRANT SELECT ON tags TO PUBLIC",
    "CREATE INDEX tags_extra ON tags (color)",
])
def test_the_fingerprint_sees_stamps_privileges_and_indexes(pg_server: PgServer,
                                                            change: str) -> None:
    name = pg_server.claim()
    try:
        with pg_server.connect(name) as conn:
            conn.execute(change)
            assert conn.execute(FINGERPRINT_SQL).fetchone() != (pg_server.fingerprint,)
        name = _claim_again(pg_server, name)
        assert _rows(pg_server, name, FINGERPRINT_SQL) == [(pg_server.fingerprint,)]
    finally:
        pg_server.release(name)


def test_claims_never_share_a_database_and_a_dead_holder_frees_its_claim(
        pg_server: PgServer) -> None:
    mine = pg_server.claim()
    other = pg_server.claim()
    try:
        assert mine != other
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # a process that dies holding a claim (a mutant killed at its limit)
            code = 1
            try:
                os.close(r)
                name = pg_server.claim()
                with pg_server.connect(name) as conn:
                    conn.execute("INSERT INTO tags (name, color) VALUES ('orphan', '')")
                left = pg_server.connect(name)  # a session the dead process leaves open
                left.execute("BEGIN")
                left.execute("LOCK TABLE tags IN ACCESS EXCLUSIVE MODE")
                os.write(w, name.encode())
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        child_name = os.read(r, 100).decode()
        os.close(r)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert child_name not in (mine, other)
        _wait_until_free(pg_server, int(child_name.removeprefix(POOL_PREFIX)))
        again = pg_server.claim()
        try:
            assert again == child_name, "the dead process's claim is free again"
            assert _rows(pg_server, again, "SELECT count(*) FROM tags") == [(0,)]
        finally:
            pg_server.release(again)
    finally:
        pg_server.release(other)
        pg_server.release(mine)


def test_a_fork_does_not_use_its_parents_claims(pg_server: PgServer) -> None:
    mine = pg_server.claim()
    try:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                # the parent's claim is not this process's to give back
                pg_server.drop_database(mine)
                code = 0 if pg_server.claim() != mine else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with pg_server.connect("postgres") as conn:
            held = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                "AND granted").fetchone()
        assert held is not None and held[0] >= 1
        assert _rows(pg_server, mine, "SELECT 1") == [(1,)]
    finally:
        pg_server.release(mine)
