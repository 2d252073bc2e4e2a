"""Every archive an earlier release created upgrades to the newest schema, data intact.

Each released schema leaves one fixture here: ``schemas/<revision>.sqlite3.gz``, a small
archive written by that revision (an account, a received message with ZFO, delivery info,
event and tag, a sent envelope, a setting). When a new revision is added, keep the old
fixtures and add one made by the previous head; the test picks all of them up.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dso_desktop.domain import Direction
from dso_desktop.store.db import MIGRATIONS_LOCATION, Database, alembic_config
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.models import Base
from dso_desktop.store.records import MessageFilter
from dso_desktop.store.repos import AccountRepo, SettingsRepo, TagRepo

SCHEMAS = Path(__file__).parent / "schemas"
FIXTURES = sorted(SCHEMAS.glob("*.sqlite3.gz"))


def _head() -> str:
    with Database.open(Path(":memory:"), migrate=False).engine.connect() as conn:
        script = ScriptDirectory.from_config(alembic_config(conn))
    return script.get_current_head()  # type: ignore[return-value]


def _revisions() -> list[str]:
    with Database.open(Path(":memory:"), migrate=False).engine.connect() as conn:
        script = ScriptDirectory.from_config(alembic_config(conn))
    return [r.revision for r in script.walk_revisions()]


def test_every_released_revision_has_a_fixture() -> None:
    have = {f.name.split(".")[0] for f in FIXTURES}
    assert MIGRATIONS_LOCATION == "dso_desktop.store:migrations"
    assert set(_revisions()) <= have, "add schemas/<rev>.sqlite3.gz for each released schema"


def _diff_without_fts(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    return [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith(
        "messages_fts"))]


def test_fresh_schema_matches_the_models(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "fresh.sqlite3")
    try:
        assert db.current_revision() == _head()
        assert _diff_without_fts(db) == []
    finally:
        db.close()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name.split(".")[0])
def test_upgrade_from_earlier_schema(fixture: Path, tmp_path: Path) -> None:
    target = tmp_path / "archive.sqlite3"
    target.write_bytes(gzip.decompress(fixture.read_bytes()))
    db = Database.open(target)  # upgrades on open
    try:
        assert db.current_revision() == _head()
        assert db.integrity_check() == []
        assert _diff_without_fts(db) == []
        with db.read() as s:
            acc = AccountRepo(s).get("urad")
            assert acc.box_id == "abc1234"
            repo = MessageRepo(s)
            assert repo.count(MessageFilter()) == 2
            mid = repo.get_id(acc.id, Direction.RECEIVED, "4242")
            assert mid is not None
            d = repo.detail(mid)
            assert d.envelope.subject == "Rozhodnutí o dotaci" and d.row.verdict == "valid"
            assert repo.zfo(mid) == (b"\x30\x82fixture-zfo-bytes", d.zfo_sha256)
            assert repo.delivery_info(mid) == b"\x30\x82fixture-di"
            assert [e.code for e in d.events] == ["EV5"]
            assert repo.search("navsi") == [mid] and repo.search("rozhodnuti") == [mid]
            assert repo.pending_ids(acc.id, Direction.SENT)[0][1] == "4243"
            assert [t.name for t in TagRepo(s).list()] == ["Dotace"]
            assert SettingsRepo(s).all() == {"sync_window_days": 30}
    finally:
        db.close()


def test_fast_head_check_agrees_with_alembic() -> None:
    from dso_desktop.store.migrations import head_revision

    assert head_revision() == _head()


def test_an_archive_behind_head_is_still_upgraded(tmp_path: Path) -> None:
    """The start-up fast path must not skip a real upgrade."""
    path = tmp_path / "old.sqlite3"
    db = Database.open(path)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
    db.close()
    assert not Database.open(path, migrate=False)._at_head()


def test_upgrade_from_0001_downloads_untrusted_evidence_again(tmp_path: Path) -> None:
    """An archive of revision 0001 whose `dso import` attached an untrusted forgery: after
    the upgrade the message counts as not downloaded, and a trusted copy replaces the
    forgery, which is kept aside."""
    from sqlalchemy import text

    from dso_desktop.store.messages import search_text_for
    from dso_desktop.store.records import VerdictInfo
    from dso_desktop.store.timeutil import utcnow

    target = tmp_path / "archive.sqlite3"
    target.write_bytes(gzip.decompress((SCHEMAS / "0001.sqlite3.gz").read_bytes()))
    old = Database.open(target, migrate=False)
    assert old.current_revision() == "0001"
    with old.engine.begin() as conn:
        acc = conn.execute(text("SELECT id FROM accounts WHERE name = 'urad'")).scalar()
        conn.execute(text(
            "INSERT INTO messages (account_id, direction, dm_id, attachment_count, "
            "big_message, downloaded, verdict, is_read, source, created_at, updated_at, "
            "subject) VALUES (:a, 'received', '4999', 0, 0, 1, 'untrusted', 0, 'import', "
            ":t, :t, 'Podvrh')"), {"a": acc, "t": utcnow().replace(tzinfo=None)})
        mid = conn.execute(text("SELECT id FROM messages WHERE dm_id = '4999'")).scalar()
        conn.execute(text(
            "INSERT INTO message_zfos (message_id, sha256, size, data, stored_at) "
            "VALUES (:m, :h, 6, :d, :t)"),
            {"m": mid, "h": "f" * 64, "d": b"forged", "t": utcnow().replace(tzinfo=None)})
    old.close()
    db = Database.open(target)
    try:
        assert db.current_revision() == _head() and _diff_without_fts(db) == []
        with db.read() as s:
            repo = MessageRepo(s)
            assert "4999" in [d for _, d in repo.pending_ids(acc, Direction.RECEIVED)]
            assert [r[1] for r in repo.untrusted_evidence()] == ["4999"]
            assert repo.evidence_copies() == [] and repo.quarantined() == []
        with db.write() as s:
            repo = MessageRepo(s)
            d = repo.detail(mid)
            assert repo.attach_zfo(mid, b"genuine", d.envelope,
                                   search_text_for(d.envelope, []), 0,
                                   VerdictInfo("valid", utcnow()))
        with db.read() as s:
            repo = MessageRepo(s)
            assert repo.zfo(mid)[0] == b"genuine"  # type: ignore[index]
            assert [(c.reason, c.verdict) for c in repo.evidence_copies(mid)] == [
                ("displaced", "untrusted")]
            assert "4999" not in [d for _, d in repo.pending_ids(acc, Direction.RECEIVED)]
    finally:
        db.close()



@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_sqlite_test_archive_is_a_private_copy_of_the_migrated_template(
        store_url: str, sqlite_template: Path) -> None:
    """The SQLite tests start from a copy of one migrated template (`store_url` in
    `tests/pgserver.py`) instead of migrating each: the copy must be at head, private like
    an archive `Database.open` makes, and a copy (a test's writes never reach the template
    the next test copies). The chain itself is run from empty and from every earlier
    schema by the tests above."""
    import stat

    from dso_desktop.store.migrations import head_revision

    before = sqlite_template.read_bytes()
    target = Path(store_url.removeprefix("sqlite:///"))
    assert target != sqlite_template and target.exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    db = Database.open_url(store_url)
    assert db.current_revision() == head_revision()
    with db.write() as s:
        AccountRepo(s).add("urad", environment="test", login_method="password", username="u")
    db.close()
    assert sqlite_template.read_bytes() == before
