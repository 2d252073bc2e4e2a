"""Issue 13's office bench: on a server archive every statement is a network round trip.

A list page is ONE statement (the keyset page with its rows, tags and hand-over state; no
OFFSET, no id list of the folder), the rows of a search's hits are one statement, and a
pooled PostgreSQL connection used a moment ago is not pinged before the next unit of work
(an idle one is, and a dead one is replaced). Statements are counted with an SQLAlchemy
event listener on the engine, on both backends; no timings.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from dso_desktop.domain import Direction, Envelope
from dso_desktop.services.messages import MessageService, SearchService
from dso_desktop.store import db as dbmod
from dso_desktop.store import pgsearch
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.models import RecordsHandover
from dso_desktop.store.records import ORDER_COLUMNS, MessageFilter, SearchText
from dso_desktop.store.repos import AccountRepo, TagRepo

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
N = 230


@pytest.fixture
def archive(store_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    """Two accounts, N messages with ties and NULLs in the sort columns; some tagged with
    one or two tags, some handed over to records management, all searchable."""
    db = Database.open_url(store_url)
    with db.write() as s:
        accounts = [AccountRepo(s).add(name, environment="test", login_method="password",
                                       username=name).id for name in ("urad", "podatelna")]
        tags = {"a": TagRepo(s).create("Spis", "#ff0000").id,
                "b": TagRepo(s).create("Faktury", "#00ff00").id}
    with db.write() as s:
        repo = MessageRepo(s)
        for i in range(N):
            env = Envelope(
                message_id=str(5000 + i), sender_box_id=f"box{i % 5}",
                sender_name=None if i % 11 == 0 else f"Odesílatel {i % 7}",
                recipient_box_id="me0001", recipient_name=f"Úřad {i % 3}",
                subject=None if i % 13 == 0 else f"Rozhodnutí věc {i % 9}", status=4 + i % 3,
                delivered_at=None if i % 17 == 0 else T0 + timedelta(hours=i % 40),
                accepted_at=None if i % 4 == 0 else T0 + timedelta(hours=i % 10),
            )
            mid = repo.upsert_envelope(accounts[i % 2],
                                       Direction.RECEIVED if i % 3 else Direction.SENT,
                                       env, source="test").id
            _index(s, db, mid, SearchText(subject=env.subject or "", parties="", refs="",
                                          files="", body="rozhodnutí"))
            if i % 5 == 0:
                TagRepo(s).assign(mid, tags["a"])
            if i % 10 == 0:
                TagRepo(s).assign(mid, tags["b"])
            if i % 7 == 0:
                s.add(RecordsHandover(message_id=mid, dm_id=env.message_id, method="batch",
                                      target="spisovka", confirmed_at=T0, recorded_at=T0))
    yield db, tags
    db.close()


def _index(s: Any, db: Database, mid: int, search: SearchText) -> None:
    """The message's full-text entry, as a stored ZFO makes it (`MessageRepo.place_zfo`)."""
    if db.is_postgres:
        pgsearch.index(s, mid, search)
        return
    s.execute(text("INSERT INTO messages_fts(rowid, subject, parties, refs, files, body) "
                   "VALUES (:id, :subject, :parties, :refs, :files, :body)"),
              {"id": mid, "subject": search.subject, "parties": search.parties,
               "refs": search.refs, "files": search.files, "body": search.body})


class Statements:
    """Every statement the engine sends to the database while active."""

    def __init__(self, db: Database) -> None:
        self.sql: list[str] = []
        self.offsets: list[Any] = []  # the value of every OFFSET in them
        self._engine = db.engine

    def _seen(self, _conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        # SQLite's BEGIN is ours (db.py, to take the write lock up front); psycopg sends
        # its own BEGIN past these events. Only the queries are counted.
        if statement.startswith("BEGIN"):
            return
        self.sql.append(statement)
        params = _[0]
        if isinstance(params, dict):  # psycopg: %(name)s
            self.offsets += [params[n] for n in re.findall(r"OFFSET %\((\w+)\)s", statement)]
        else:  # SQLite: qmark, in order
            self.offsets += [params[statement[:m.end()].count("?") - 1]
                             for m in re.finditer(r"OFFSET \?", statement)]

    def __enter__(self) -> Statements:
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


def _walk(svc: MessageService, f: MessageFilter, order_by: str, desc: bool, db: Database
          ) -> tuple[list[tuple[Any, int]], list[Any]]:
    """Every row of the list, page by page (50 a page), checking each page's statements."""
    keys: list[tuple[Any, int]] = []
    rows: list[Any] = []
    after = None
    while True:
        with Statements(db) as st:
            page = svc.list_page(f, order_by, desc, after=after, limit=50)
        assert len(st.sql) == 1, st.sql
        # SQLAlchemy writes LIMIT n OFFSET 0 for SQLite; any other offset would be a scan.
        assert "LIMIT" in st.sql[0] and set(st.offsets) <= {0}, (st.sql, st.offsets)
        keys += [k for k, _ in page]
        rows += [r for _, r in page]
        if len(page) < 50:
            return keys, rows
        after = page[-1][0]


def _in_order(keys: list[tuple[Any, int]], desc: bool) -> bool:
    """Strictly in the list's order: NULL the smallest value (every backend), then id."""
    ranks = [(v is not None, v if v is not None else 0, i) for v, i in keys]
    pairs = list(itertools.pairwise(ranks))
    return all(a > b for a, b in pairs) if desc else all(a < b for a, b in pairs)


@pytest.mark.parametrize("order_by", ORDER_COLUMNS)
def test_a_list_page_is_one_statement_and_the_pages_are_the_whole_list(
        archive: tuple[Database, dict[str, int]], order_by: str) -> None:
    db, _ = archive
    svc = MessageService(db, lambda account_id=None: None)  # type: ignore[arg-type, return-value]
    for f in (MessageFilter(), MessageFilter(account="urad", direction=Direction.RECEIVED)):
        for desc in (True, False):
            keys, rows = _walk(svc, f, order_by, desc, db)
            # Every message of the folder once, in the list's order, with the same columns,
            # tags and hand-over state as `rows` reads them.
            assert _in_order(keys, desc), keys
            assert sorted(r.id for r in rows) == sorted(svc.ids(f, order_by=order_by))
            assert rows == svc.rows([r.id for r in rows])
            # The keyset pages without rows (`page`, the GUI's first page) agree.
            assert svc.page(f, order_by, desc, limit=N) == keys


def test_a_page_carries_tags_and_hand_over_state(
        archive: tuple[Database, dict[str, int]]) -> None:
    db, tags = archive
    svc = MessageService(db, lambda account_id=None: None)  # type: ignore[arg-type, return-value]
    page = svc.list_page(MessageFilter(), "id", descending=False, limit=N)
    assert len(page) == N
    for i, (key, row) in enumerate(page):
        assert key == (row.id, row.id)
        want = tuple(sorted(t for t, on in ((tags["a"], i % 5 == 0),
                                            (tags["b"], i % 10 == 0)) if on))
        assert row.tag_ids == want, (i, row)
        assert row.handed_over is (i % 7 == 0), (i, row)
        assert row.dm_id == str(5000 + i)


def test_rows_of_a_page_and_of_search_hits_are_one_statement(
        archive: tuple[Database, dict[str, int]]) -> None:
    db, _ = archive
    ids = MessageService(db, lambda account_id=None: None).ids(  # type: ignore[arg-type, return-value]
        MessageFilter())
    with db.read() as s, Statements(db) as st:
        rows = MessageRepo(s).rows(ids[:200])
    assert [r.id for r in rows] == ids[:200] and len(st.sql) == 1
    with db.read() as s, Statements(db) as st:
        assert len(MessageRepo(s).rows(ids)) == N
    assert len(st.sql) == 1  # up to 500 ids a statement
    # A search: the match (whole words, then prefixes when there is room) and its rows;
    # on PostgreSQL all in one statement, on SQLite (no round trips) the FTS5 match first.
    with Statements(db) as st:
        hits = SearchService(db).search("rozhodnuti", limit=20)
    assert len(hits) == 20 and len(st.sql) == (1 if db.is_postgres else 2), st.sql
    assert [h.id for h in hits] == SearchService(db).search_ids("rozhodnuti", limit=20)


def test_search_rows_keep_the_order_whole_words_then_prefixes(
        archive: tuple[Database, dict[str, int]]) -> None:
    """Whole-word hits first (newest first), then prefix-only hits, as `search` orders
    them; the account narrows to its data box; and on PostgreSQL the words are in the
    statement's text, so the server plans each search for its words (a prepared statement
    with a parameter gets a generic plan after five runs, which walked the whole index
    for a word nobody used)."""
    db, _ = archive
    svc = SearchService(db)
    with db.write() as s:  # "rozhodnutím" matches "rozhodnut" only as a prefix
        _index(s, db, 3, SearchText(subject="", parties="", refs="", files="",
                                    body="rozhodnutím"))
    ids = svc.search_ids("rozhodnut", limit=N)
    rows = svc.search("rozhodnut", limit=N)
    assert [r.id for r in rows] == ids and ids
    for _ in range(7):
        with Statements(db) as st:
            assert [r.id for r in svc.search("rozhodnut", limit=N)] == ids
    if db.is_postgres:
        assert "''rozhodnut''" in st.sql[0] and "''rozhodnut'':*" in st.sql[0]  # quoted
    urad = svc.search("rozhodnuti", account="urad", limit=N)
    assert urad and {r.account for r in urad} == {"urad"}
    assert {r.id for r in urad} < {r.id for r in svc.search("rozhodnuti", limit=N)}


def _pg_only(store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("connection liveness of a server database (SQLite has no connections "
                    "to lose)")


def _pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = db.engine.dialect.do_ping

    def counted(conn: Any) -> bool:
        seen.append(1)
        return bool(real(conn))

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return seen


def test_a_connection_used_a_moment_ago_is_not_pinged(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _pg_only(store_url)
    db = Database.open_url(store_url)
    try:
        pings = _pings(db, monkeypatch)
        for _ in range(5):
            with db.read() as s:
                assert s.execute(text("SELECT 1")).scalar() == 1
        assert pings == []  # pool_pre_ping would have pinged five times
    finally:
        db.close()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
        store_url: str, monkeypatch: pytest.MonkeyPatch, pg_server: Any) -> None:
    _pg_only(store_url)
    db = Database.open_url(store_url)
    try:
        with db.read() as s:
            before = s.execute(text("SELECT pg_backend_pid()")).scalar()
        pings = _pings(db, monkeypatch)
        monkeypatch.setattr(dbmod, "IDLE_PING_S", 0.0)  # every pooled connection is idle
        pg_server.terminate_connections(make_url(store_url).database or "")
        with db.read() as s:  # no error: the ping found it dead, the pool connected anew
            after = s.execute(text("SELECT pg_backend_pid()")).scalar()
        assert after != before and len(pings) >= 1
    finally:
        db.close()
