"""The archive store: schema, idempotent writes, lists, the full-text index, tags, settings."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store.db import Database
from dso_desktop.store.errors import AlreadyExists, NotFound
from dso_desktop.store.messages import MessageRepo, fts_query, search_text_for
from dso_desktop.store.migrations import head_revision
from dso_desktop.store.records import MessageFilter, VerdictInfo
from dso_desktop.store.repos import AccountRepo, SettingsRepo, TagRepo

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(store_url: str) -> Database:
    d = Database.open_url(store_url)
    yield d
    d.close()


def _env(dm_id: str, subject: str = "Rozhodnutí o přestupku", **kw: object) -> Envelope:
    base: dict[str, object] = dict(
        message_id=dm_id, sender_box_id="abc1234", sender_name="Městský úřad Kocourkov",
        recipient_box_id="xyz9876", recipient_name="Jan Novák", subject=subject, status=4,
        delivered_at=T0, our_ref="MUK/123/2026",
    )
    base.update(kw)
    return Envelope(**base)  # type: ignore[arg-type]


def _store(db: Database, account_id: int | None, dm_id: str, **kw: object) -> int:
    env = _env(dm_id, **kw)
    with db.write() as s:
        repo = MessageRepo(s)
        r = repo.upsert_envelope(account_id, Direction.RECEIVED, env)
        repo.attach_zfo(
            r.id, b"ZFO-" + dm_id.encode(), env,
            search_text_for(env, [("priloha.txt", "Obsah přílohy: výzva k úhradě")]),
            1, VerdictInfo("valid", T0),
        )
        return r.id


def _account(db: Database, name: str = "urad") -> int:
    with db.write() as s:
        return AccountRepo(s).add(
            name, environment="test", login_method="password", username="u1").id


def test_database_is_durable_wal_with_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite's journal settings")
    with db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert db.current_revision() == head_revision()
    assert db.integrity_check() == []


def test_upsert_is_idempotent_and_zfo_stored_once(db: Database) -> None:
    acc = _account(db)
    mid = _store(db, acc, "1001")
    with db.write() as s:
        repo = MessageRepo(s)
        again = repo.upsert_envelope(acc, Direction.RECEIVED, _env("1001"))
        assert (again.id, again.created, again.changed) == (mid, False, False)
        assert repo.attach_zfo(mid, b"OTHER", _env("1001"), search_text_for(_env("1001"), []),
                               0, None) is False
        moved = repo.upsert_envelope(acc, Direction.RECEIVED, _env("1001", status=6,
                                     accepted_at=T0 + timedelta(days=1)))
        assert moved.changed
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.zfo(mid) is not None and repo.zfo(mid)[0] == b"ZFO-1001"
        d = repo.detail(mid)
        assert d.row.status == 6 and d.envelope.accepted_at == T0 + timedelta(days=1)
        assert d.row.verdict == "valid" and d.zfo_size == len(b"ZFO-1001")
        assert repo.count(MessageFilter()) == 1


def test_pending_and_downloaded_sets(db: Database) -> None:
    acc = _account(db)
    _store(db, acc, "1")
    with db.write() as s:
        MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, _env("2"))
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.downloaded_dm_ids(acc, Direction.RECEIVED) == {"1"}
        assert [d for _, d in repo.pending_ids(acc, Direction.RECEIVED)] == ["2"]
        assert repo.count(MessageFilter(downloaded=False)) == 1


def test_search_folds_czech_diacritics_and_prefixes(db: Database) -> None:
    acc = _account(db)
    a = _store(db, acc, "10", subject="Rozhodnutí o přestupku")
    b = _store(db, acc, "11", subject="Pozvánka na jednání")
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.search("rozhodnuti") == [a]
        assert repo.search("ROZHOD") == [a]
        assert repo.search("pozvanka jednani") == [b]
        assert sorted(repo.search("uhrade")) == [a, b]  # attachment text
        assert sorted(repo.search("priloha")) == [a, b]  # attachment name
        assert sorted(repo.search("kocourkov")) == [a, b]  # sender name
        assert sorted(repo.search("MUK 123")) == [a, b]  # reference number
        assert repo.search("11") == [b]  # the message id itself
        assert repo.search("neexistuje") == []
        assert repo.search('"; DROP TABLE messages; --') == []
        assert repo.search("rozhodnuti", account="urad") == [a]
        assert repo.search("rozhodnuti", account="jiny") == []


def test_search_accepts_any_typed_text(db: Database) -> None:
    """Whatever a clerk types in the quick filter is a query, never a database error."""
    acc = _account(db)
    a = _store(db, acc, "12", subject="Protokol test_01 – kontrola")
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.search("test_01") == [a]  # "_" separates words, as in the index
        for q in ("a_b_c", "__", "e\u0301", "NEAR(a b)", "x:y", "*", "^a", "-a", "a+b",
                  "(", "'", "\x00", "ř" * 300):
            repo.search(q)


def test_fts_query_quotes_every_token() -> None:
    assert fts_query('abc"def OR c*') == '"abc"* AND "def"* AND "OR" AND "c"'
    assert fts_query('abc"def OR c*', prefix=False) == '"abc" AND "def" AND "OR" AND "c"'
    assert fts_query("  ,.; ") is None


def test_search_ranks_whole_words_before_prefixes(db: Database) -> None:
    acc = _account(db)
    whole = _store(db, acc, "61", subject="Rozhodnutí")
    longer = _store(db, acc, "62", subject="Rozhodnutím ze dne")
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.search("rozhodnuti") == [whole, longer]
        assert repo.search("rozhodnuti", limit=1) == [whole]
        assert repo.search("rozhodnut") == [longer, whole]  # both by prefix, newest first


def test_ids_rows_order_and_filters(db: Database) -> None:
    acc = _account(db)
    ids = [
        _store(db, acc, str(100 + i), delivered_at=T0 + timedelta(days=i), subject=f"S{i}")
        for i in range(5)
    ]
    old = _store(db, acc, "99", delivered_at=datetime(2024, 5, 1, tzinfo=UTC))
    with db.write() as s:
        MessageRepo(s).mark_read(ids[0])
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.ids(MessageFilter()) == [*reversed(ids), old]
        assert repo.ids(MessageFilter(), descending=False)[0] == old
        assert repo.ids(MessageFilter(year=2024)) == [old]
        assert repo.ids(MessageFilter(since=T0 + timedelta(days=3))) == [ids[4], ids[3]]
        assert ids[0] not in repo.ids(MessageFilter(unread_only=True))
        assert repo.count(MessageFilter(account="urad", direction=Direction.SENT)) == 0
        rows = repo.rows([ids[2], 999_999, ids[1]])
        assert [r.id for r in rows] == [ids[2], ids[1]]
        assert rows[0].account == "urad" and rows[0].subject == "S2"
        assert rows[0].to_json()["delivery_time"] == (T0 + timedelta(days=2)).isoformat()
        with pytest.raises(ValueError):
            repo.ids(MessageFilter(), order_by="zfo; drop")
        tree = {(a, d, y): (n, u) for a, d, y, n, u in repo.tree_counts()}
        assert tree[("urad", "received", 2026)] == (5, 4)
        assert tree[("urad", "received", 2024)] == (1, 1)


def test_events_and_delivery_info_are_deduplicated(db: Database) -> None:
    acc = _account(db)
    mid = _store(db, acc, "5")
    ev = [DeliveryEvent(T0, "EV0: Zpráva byla podána."), DeliveryEvent(T0, "EV5: dodána")]
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.add_events(mid, ev) == 2
        assert repo.add_events(mid, ev) == 0
        assert repo.store_delivery_info(mid, b"DI1", "valid")
        assert not repo.store_delivery_info(mid, b"DI1", "valid")
        assert repo.store_delivery_info(mid, b"DI2", "valid")
    with db.read() as s:
        d = MessageRepo(s).detail(mid)
        assert [e.code for e in d.events] == ["EV0", "EV5"] and d.has_delivery_info
        assert MessageRepo(s).delivery_info(mid) == b"DI2"


def test_accounts_tags_settings(db: Database) -> None:
    _account(db, "a")
    with db.write() as s, pytest.raises(AlreadyExists):
        AccountRepo(s).add("a", environment="test", login_method="password", username="x")
    mid = _store(db, None, "77")
    with db.write() as s:
        tags = TagRepo(s)
        t = tags.create("Důležité", "#FF0000")
        tags.assign(mid, t.id)
        tags.assign(mid, t.id)
        with pytest.raises(ValueError):
            tags.create("bad", "red")
        SettingsRepo(s).put("theme", {"dark": True})
    with db.read() as s:
        assert MessageRepo(s).rows([mid])[0].tag_ids == (t.id,)
        assert MessageRepo(s).ids(MessageFilter(tag_id=t.id)) == [mid]
        assert TagRepo(s).list()[0].color == "#ff0000"
        assert SettingsRepo(s).all() == {"theme": {"dark": True}}
    with db.write() as s:
        assert AccountRepo(s).remove("a") == 0
        with pytest.raises(NotFound):
            AccountRepo(s).get("a")


def test_removing_an_account_keeps_its_messages(db: Database) -> None:
    acc = _account(db, "gone")
    mid = _store(db, acc, "500")
    with db.write() as s:
        assert AccountRepo(s).remove("gone") == 1
    with db.read() as s:
        row = MessageRepo(s).rows([mid])[0]
        assert row.account is None and MessageRepo(s).zfo(mid) is not None


def test_a_failed_unit_of_work_leaves_nothing(db: Database) -> None:
    acc = _account(db)
    with pytest.raises(RuntimeError), db.write() as s:
        MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, _env("900"))
        raise RuntimeError("crash in the middle")
    with db.read() as s:
        assert MessageRepo(s).count(MessageFilter()) == 0


def test_parallel_writers_do_not_fail(db: Database) -> None:
    acc = _account(db)
    errors: list[BaseException] = []

    def worker(base: int) -> None:
        try:
            for i in range(20):
                _store(db, acc, str(base + i))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        assert MessageRepo(s).count(MessageFilter()) == 80


def test_deleted_content_is_not_pending(db: Database) -> None:
    acc = _account(db)
    with db.write() as s:
        MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, _env("31", status=9))
        MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, _env("32", status=None))
    with db.read() as s:
        assert [d for _, d in MessageRepo(s).pending_ids(acc, Direction.RECEIVED)] == ["32"]


def test_search_without_fts5_falls_back_to_like(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the fallback of a SQLite built without FTS5")
    acc = _account(db)
    a = _store(db, acc, "41", subject="Rozhodnutí o přestupku")
    b = _store(db, acc, "42", subject="Pozvánka")
    with db.read() as s:
        repo = MessageRepo(s)
        repo._fts = False  # as on a server database without FTS5
        assert repo.search("Rozhodnutí") == [a]
        assert repo.search("rozhodnutí přestupku", account="urad") == [a]
        assert repo.search("MUK 123") == [b, a]  # newest first
        assert repo.search("neni") == []


def test_an_account_adopts_an_imported_copy(db: Database) -> None:
    orphan = _store(db, None, "880")  # imported without an account
    acc = _account(db)
    with db.write() as s:
        r = MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, _env("880"))
    assert (r.id, r.created) == (orphan, False)
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.count(MessageFilter()) == 1
        assert repo.rows([orphan])[0].account == "urad"
        assert repo.downloaded_dm_ids(acc, Direction.RECEIVED) == {"880"}


def test_programs_opening_a_fresh_archive_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "shared" / "archive.sqlite3"
    code = ("import sys; from pathlib import Path; from dso_desktop.store.db import Database; "
            "Database.open(Path(sys.argv[1])).close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(target)],
                              stderr=subprocess.PIPE) for _ in range(4)]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    db = Database.open(target)
    try:
        assert db.current_revision() == head_revision() and db.integrity_check() == []
    finally:
        db.close()
