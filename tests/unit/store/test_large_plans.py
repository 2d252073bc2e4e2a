"""A million messages (issue 18): the list's queries are index walks, never sorts or scans.

For every sortable column, both directions, with and without an account, and with each of
the filter bar's filters, the id query of the list and its keyset pages are driven by an
index in the list's order: no temporary B-tree (a sort of every matching row), no scan of
the messages table, no OFFSET. Keyset pages read back the whole list in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Select

from dso_desktop.domain import Direction, Envelope
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.records import ORDER_COLUMNS, MessageFilter
from dso_desktop.store.repos import AccountRepo, TagRepo

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _fill(db: Database) -> int:
    """Two accounts, 120 messages with repeated and missing sort values (ties, NULLs); the
    tag's id."""
    with db.write() as s:
        accounts = [AccountRepo(s).add(name, environment="test", login_method="password",
                                       username=name).id for name in ("urad", "podatelna")]
        tag = TagRepo(s).create("Spis", "#ff0000").id
    with db.write() as s:
        repo = MessageRepo(s)
        for i in range(120):
            env = Envelope(
                message_id=str(1000 + i), sender_box_id=f"box{i % 5}",
                sender_name=None if i % 11 == 0 else f"Odesílatel {i % 7}",
                recipient_box_id="me0001", recipient_name=f"Úřad {i % 3}",
                subject=None if i % 13 == 0 else f"Věc {i % 9}", status=4 + i % 3,
                delivered_at=None if i % 17 == 0 else T0 + timedelta(hours=i % 40),
                accepted_at=None if i % 4 == 0 else T0 + timedelta(hours=i % 10),
            )
            mid = repo.upsert_envelope(accounts[i % 2],
                                          Direction.RECEIVED if i % 3 else Direction.SENT,
                                          env, source="test").id
            if i % 5 == 0:
                TagRepo(s).assign(mid, tag)
    return int(tag)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, int]]:
    db = Database.open(Path(tmp_path_factory.mktemp("plans")) / "archive.sqlite3")
    tag = _fill(db)
    yield db, tag
    db.close()


def _filters(tag: int) -> list[MessageFilter]:
    base = MessageFilter(direction=Direction.RECEIVED)
    return [
        base,
        replace(base, account="urad"),
        replace(base, since=T0, until=T0 + timedelta(days=30)),
        replace(base, party="odesílatel"),
        replace(base, statuses=(4, 5)),
        replace(base, verdicts=("valid", "unverified")),
        replace(base, has_attachments=True),
        replace(base, tag_id=tag),
        replace(base, handed_over=False),
        replace(base, unread_only=True),
        replace(base, account="urad", party="odesílatel", statuses=(4,),
                since=T0, until=T0 + timedelta(days=3)),
    ]


def _plan(s: Any, q: Select[Any]) -> str:
    sql = str(q.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
    # SQLAlchemy writes LIMIT n OFFSET 0 for SQLite; any other offset would be a scan.
    assert re.search(r"OFFSET (?!0\b)", sql.upper()) is None, sql
    rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
    return " | ".join(str(r[-1]) for r in rows)


def _assert_index_walk(plan: str, order_by: str, f: MessageFilter) -> None:
    if f.since is not None and order_by != "delivered_at":
        # A date range sorted by another column: the range is sought on the delivered_at
        # index and only its rows are sorted (a bounded sort beats walking the whole sort
        # index with a table lookup per row, for any range narrower than the archive).
        # (Or, as well, the sort index is walked in order.)
        top = plan.split(" | ")[0]
        assert "TEMP B-TREE" not in plan or (
            top.startswith("SEARCH messages USING") and "delivered_at>" in top), plan
        return
    assert "TEMP B-TREE" not in plan, plan  # no sort of the matching rows
    main = [p for p in plan.split(" | ") if " messages" in f" {p}" and "messages_" not in
            p.split("USING")[0].replace("messages ", "", 1)]
    top = next(p for p in main if p.startswith(("SCAN messages", "SEARCH messages")))
    assert "INDEX" in top, plan  # the messages table is read through an index
    if order_by != "id":
        assert f"ix_messages_sort_{order_by}" in top, plan


@pytest.mark.parametrize("order_by", ORDER_COLUMNS)
@pytest.mark.parametrize("descending", [True, False])
def test_every_sort_and_filter_walks_an_index(
        archive: tuple[Database, int], order_by: str, descending: bool) -> None:
    db, tag = archive
    with db.read() as s:
        repo = MessageRepo(s)
        for f in _filters(tag):
            _assert_index_walk(_plan(s, repo.ids_query(f, order_by, descending)), order_by, f)
            _assert_index_walk(_plan(s, repo.page_query(f, order_by, descending)), order_by,
                               f)
            first = repo.page(f, order_by, descending, limit=1)
            if first:
                after = repo.page_query(f, order_by, descending, after=first[0])
                _assert_index_walk(_plan(s, after), order_by, f)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order_by=st.sampled_from(ORDER_COLUMNS), descending=st.booleans(),
       size=st.integers(1, 50), which=st.integers(0, 10))
def test_keyset_pages_read_back_the_whole_list_in_order(
        archive: tuple[Database, int], order_by: str, descending: bool, size: int,
        which: int) -> None:
    """Page after page from the last (value, id) gives exactly `ids` (ties and NULLs too)."""
    db, tag = archive
    f = _filters(tag)[which]
    with db.read() as s:
        repo = MessageRepo(s)
        want = repo.ids(f, order_by, descending)
        got: list[int] = []
        after = None
        while True:
            page = repo.page(f, order_by, descending, after=after, limit=size)
            got += [i for _, i in page]
            if len(page) < size:
                break
            after = page[-1]
        assert got == want


def test_the_list_order_is_the_same_on_both_backends(store_url: str) -> None:
    """The full id list (`ids`, loaded after the first page) and the keyset pages agree, and
    both backends order alike: NULL the smallest value (first ascending, last descending).
    On PostgreSQL a plain ``ORDER BY col DESC`` puts NULLs first, so the window's full list
    would differ from its first page and be shown anew, in another order."""
    db = Database.open_url(store_url)
    try:
        tag = _fill(db)
        with db.read() as s:
            repo = MessageRepo(s)
            dm = {r.id: r.dm_id for r in repo.rows(repo.ids(MessageFilter()))}
            for order_by in ORDER_COLUMNS:
                for descending in (True, False):
                    for f in _filters(tag):
                        want = repo.ids(f, order_by, descending)
                        got, after = [], None
                        while True:
                            page = repo.page(f, order_by, descending, after=after, limit=7)
                            got += [i for _, i in page]
                            if len(page) < 7:
                                break
                            after = page[-1]
                        assert got == want, (order_by, descending, f)
                    if order_by in ("delivered_at", "accepted_at", "subject"):
                        values = [getattr(r, order_by) for r in repo.rows(
                            repo.ids(MessageFilter(), order_by, descending))]
                        nulls = [v is None for v in values]
                        assert any(nulls) and not all(nulls)
                        # NULL the smallest: a run of NULLs at the start (asc) or end (desc)
                        assert nulls == sorted(nulls, reverse=not descending), order_by
            assert len(dm) == 120
    finally:
        db.close()
