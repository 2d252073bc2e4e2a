"""A sync's group commit writes exactly what the same items write one by one (issue 13).

On PostgreSQL the plain-statement path (`store.fastwrite`) works by the group: the rows the
evidence rules decide on are read for the whole group, the writes are queued and sent in one
pipeline, a list page's new messages go in with one INSERT. Here every group is compared
with the same items offered one at a time through the ORM path (``batch=False``, each in
its own transaction) on a second archive: no row may be lost, duplicated or decided
differently, whatever mix of new, known, replaced, conflicting and repeated items a group
holds. Both backends (``store_url``); the round-trip count is PostgreSQL's alone.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from dso_desktop.domain import DeliveryEvent, Direction, Envelope, IngestStatus
from dso_desktop.store import evidence as evd
from dso_desktop.store import fastwrite
from dso_desktop.store import writer as writer_mod
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.writer import EvidenceWriter
from dso_desktop.sync.ingest import (
    CheckedZfo,
    DeliveryInfoToStore,
    IngestResult,
    MessageToStore,
    store_checked,
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
R = Direction.RECEIVED
TEXTS = (("rozhodnuti.pdf", "Výzva k úhradě pokuty"),)
# Columns that hold the time of writing (differ between any two runs), and row ids.
CLOCK = {"id", "created_at", "updated_at", "stored_at", "message_id", "added_at"}


def _env(dm_id: str, status: int | None = 4, **kw: Any) -> Envelope:
    base: dict[str, Any] = dict(
        message_id=dm_id, sender_box_id="abc1234", sender_name="Městský úřad Kocourkov",
        recipient_box_id="xyz9876", recipient_name="Obec Lhota",
        subject=f"Rozhodnutí {dm_id}", status=status,
        delivered_at=T0 + timedelta(hours=int(dm_id[-2:]) % 24) if status and status >= 4
        else None,
        accepted_at=T0 + timedelta(days=1) if status and status >= 6 else None)
    base.update(kw)
    return Envelope(**base)


def _verdict(kind: str) -> VerdictInfo:
    return VerdictInfo(kind, T0 + timedelta(minutes=5), f'{{"verdict": "{kind}"}}',
                       T0 + timedelta(days=400))


def _events(status: int | None) -> tuple[DeliveryEvent, ...]:
    """The events a copy in this state carries (a later state: the earlier ones too)."""
    out = [DeliveryEvent(T0, "EV0: Zpráva byla podána")]
    if status and status >= 4:
        out.append(DeliveryEvent(T0 + timedelta(hours=1), "EV5: Zpráva byla dodána"))
    if status and status >= 6:
        out.append(DeliveryEvent(T0 + timedelta(days=1), "EV6: Doručeno přihlášením"))
    return tuple(out)


# -- the items of a sync, as store_checked gets them ----------------------------------
@dataclass(frozen=True)
class _Download:
    """One signed download of message ``dm_id``: ``copy`` names its bytes, ``verdict`` what
    verifying it found."""

    dm_id: str
    copy: str
    verdict: str = "valid"


@dataclass(frozen=True)
class Zfo(_Download):
    """A downloaded message ZFO; ``copy`` also names its signed content."""

    status: int | None = 4
    content: str | None = None  # the signed content's digest (default: per copy)


@dataclass(frozen=True)
class Di(_Download):
    """A downloaded delivery info of a stored message."""

    status: int | None = 5


Item = Zfo | Di


def _checked(env: Envelope, verdict: str, events: tuple[DeliveryEvent, ...],
             content: str | None, texts: tuple[tuple[str, str], ...] = ()) -> CheckedZfo:
    return CheckedZfo(envelope=env, events=events, attachment_count=len(texts), texts=texts,
                      verdict=_verdict(verdict), content_sha256=content)


def _ids(db: Database) -> dict[str, int]:
    with db.engine.connect() as c:
        return {r[1]: r[0] for r in c.execute(text(
            "SELECT id, dm_id FROM messages WHERE account_id = 1"))}


def _to_store(db: Database, items: Sequence[Item]) -> list[MessageToStore | DeliveryInfoToStore]:
    ids = _ids(db)
    out: list[MessageToStore | DeliveryInfoToStore] = []
    for it in items:
        env = _env(it.dm_id, it.status)
        if isinstance(it, Zfo):
            content = it.content if it.content is not None else f"content-{it.copy}"
            out.append(MessageToStore(f"ZFO {it.dm_id} {it.copy}".encode(),
                                      _checked(env, it.verdict, _events(it.status), content,
                                               TEXTS), 1, R))
        else:
            out.append(DeliveryInfoToStore(ids[it.dm_id], f"DI {it.dm_id} {it.copy}".encode(),
                                           _checked(env, it.verdict, _events(it.status),
                                                    f"di-{it.copy}")))
    return out


def _one_by_one(db: Database, items: Sequence[MessageToStore | DeliveryInfoToStore]
                ) -> list[Any]:
    """The reference: each item alone, in its own transaction, through the ORM path."""
    out: list[Any] = []
    for it in items:
        with db.write() as s, EvidenceWriter(s, batch=False) as w:
            c = it.checked
            if isinstance(it, MessageToStore):
                env = c.envelope
                out.append(w.attach_downloaded(
                    it.data, env, search_text_for(env, c.texts), c.attachment_count,
                    c.verdict, c.events, account_id=it.account_id, direction=it.direction,
                    content_sha256=c.content_sha256).action)
            else:
                out.append(w.keep_delivery_info(it.message_id, it.data, c.envelope,
                                                c.events, c.verdict.kind,
                                                content_sha256=c.content_sha256))
    return out


def _list_one_by_one(db: Database, envs: Sequence[Envelope]) -> list[tuple[bool, bool]]:
    out = []
    for env in envs:
        with db.write() as s, EvidenceWriter(s, batch=False) as w:
            r = w.record_listed(1, R, env)
            out.append((r.created, r.changed))
    return out


def _list_page(db: Database, envs: Sequence[Envelope]) -> list[tuple[bool, bool]]:
    """A list page as the sync stores it (`AccountSync._store_page`)."""
    with db.write() as s, EvidenceWriter(s) as w:
        return [(r.created, r.changed) for r in w.record_listed_many(1, R, envs)]


_STATUS_OF = {IngestStatus.STORED: evd.Action.STORE, IngestStatus.REPLACED: evd.Action.REPLACE,
              IngestStatus.DUPLICATE: evd.Action.KEEP, IngestStatus.CONFLICT: evd.Action.CONFLICT}


def _actions(results: Sequence[Any]) -> list[Any]:
    """store_checked's results in the reference's terms (a delivery info: taken or not)."""
    out: list[Any] = []
    for r in results:
        assert not isinstance(r, Exception), r
        out.append(_STATUS_OF[r.status] if isinstance(r, IngestResult) else r)
    return out


def _taken(actions: Sequence[Any], items: Sequence[Any]) -> list[Any]:
    """The reference's delivery-info actions as store_checked reports them (True: taken)."""
    return [a in (evd.Action.STORE, evd.Action.REPLACE, evd.Action.SUPERSEDE)
            if isinstance(it, DeliveryInfoToStore) else a for a, it in zip(actions, items,
                                                                            strict=True)]


def _snapshot(db: Database, prefix: str = "") -> dict[str, Any]:
    """Every row the items wrote, by dmID (row ids and clock columns left out), and what
    each word of the index finds."""
    out: dict[str, Any] = {}
    like = {"p": prefix + "%"}
    with db.engine.connect() as c:
        for table, join in (("messages", "m.id = t.id"), ("message_zfos", "m.id = t.message_id"),
                            ("delivery_infos", "m.id = t.message_id"),
                            ("events", "m.id = t.message_id"),
                            ("evidence_copies", "m.id = t.message_id")):
            res = c.execute(text(
                f"SELECT m.dm_id AS dm, m.account_id AS acc, t.* FROM {table} t "  # noqa: S608
                f"JOIN messages m ON {join} WHERE m.dm_id LIKE :p"), like)
            names = list(res.keys())
            keep = [i for i, k in enumerate(names) if k not in CLOCK]
            out[table] = sorted((tuple(_plain(r[i]) for i in keep) for r in res), key=repr)
            out[f"{table} columns"] = [names[i] for i in keep]
        words = ("rozhodnuti", "uhrade", "pokuty", "kocourkov", "lhota")
        if db.is_postgres:
            from dso_desktop.store.pgsearch import tsquery

            out["fts"] = [sorted(r[0] for r in c.execute(text(
                "SELECT m.dm_id FROM message_search s JOIN messages m ON m.id = s.message_id "
                "WHERE s.doc @@ CAST(:q AS tsquery) AND m.dm_id LIKE :p"),
                {"q": tsquery(w, prefix=False), **like})) for w in words]
        else:
            out["fts"] = [sorted(r[0] for r in c.execute(text(
                "SELECT m.dm_id FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                "WHERE messages_fts MATCH :q AND m.dm_id LIKE :p"), {"q": w, **like}))
                for w in words]
    return out


def _plain(value: Any) -> Any:
    """Bytes as bytes, times as naive datetimes (SQLite hands back strings)."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == " ":
        return datetime.fromisoformat(value)
    return value


@pytest.fixture
def pair(store_backend: str, tmp_path: Path, request: pytest.FixtureRequest
         ) -> Iterator[tuple[Database, Database]]:
    """Two fresh archives on the backend, each with the account "urad" (id 1)."""
    if store_backend == "sqlite":
        dbs = (Database.open(tmp_path / "group.sqlite3"), Database.open(tmp_path / "one.sqlite3"))
    else:
        server = request.getfixturevalue("pg_server")
        names = [server.new_database(), server.new_database()]
        for name in names:
            request.addfinalizer(lambda name=name: server.drop_database(name))
        dbs = (Database.open_url(server.url(names[0])), Database.open_url(server.url(names[1])))
    for d in dbs:
        with d.write() as s:
            AccountRepo(s).add("urad", environment="test", login_method="password",
                               username="u")
    yield dbs
    for d in dbs:
        d.close()


@pytest.fixture
def no_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A group must succeed as a group: were it retried item by item (what
    `write_grouped` does when the group's transaction fails), a batching error could hide
    behind the correct rows of the retry."""
    def alone(*_args: Any) -> Any:
        raise AssertionError("the group failed and was retried item by item")

    monkeypatch.setattr(writer_mod, "_alone", alone)


def _seed(db: Database) -> None:
    """What the archive held before the page and the group (the same on both archives)."""
    _list_one_by_one(db, [_env("1001"), _env("1002", 5), _env("1003"), _env("1004"),
                          _env("1009", 6)])
    _one_by_one(db, _to_store(db, [Zfo("1002", "A", status=5), Di("1002", "A", status=5),
                                   Zfo("1003", "U", verdict="untrusted"), Zfo("1004", "A"),
                                   Zfo("1009", "A", status=6), Di("1009", "A", status=6)]))
    with db.write() as s:  # an imported copy of 1005 that no account has adopted yet
        MessageRepo(s).upsert_envelope(None, R, _env("1005"), source="import")


# A list page: known messages (one moved on twice, the second time to an older state; one
# with an older state than the archive's), new ones (one listed twice), an import adopted.
PAGE = [_env("1001", 6), _env("1002", 3), _env("1006"), _env("1007", 2), _env("1006", 6),
        _env("1005"), _env("1008"), _env("1009", 5), _env("1007", 2), _env("1001", 5),
        _env("1010")]
GROUP: list[Item] = [
    Zfo("1001", "A", status=5), Di("1001", "A", status=6),  # new evidence, state moves on
    Zfo("1002", "A", status=5),                              # the same copy again: KEEP
    Di("1002", "B", status=4),                               # newer DI, older state: stays 5
    Zfo("1003", "A"),                                        # trusted replaces untrusted
    Zfo("1004", "B"),                                        # another trusted copy: conflict
    Zfo("1006", "A", status=6), Di("1006", "A", status=6),
    Di("1006", "B", status=5),                               # supersedes; state stays 6
    Zfo("1007", "A", status=4), Zfo("1007", "A", status=4),  # twice in one group
    Zfo("1008", "U", verdict="untrusted"), Zfo("1008", "A"),  # untrusted, then replaced
    Zfo("1008", "U", verdict="untrusted"),                   # the displaced copy again
    Di("1009", "A", status=6),                               # the same delivery info again
    Zfo("1005", "A"),                                        # the adopted import
    Zfo("1010", "A", status=6), Di("1010", "A", status=5),   # signed 6 wins over the DI's 5
]


def test_a_page_and_a_group_write_what_one_by_one_writes(
        pair: tuple[Database, Database], no_retry: None) -> None:
    """Known and new messages, a dmID twice on one page, an import adopted, an older state
    that must not win; then one group with new evidence, the same copy again, a replaced
    untrusted copy, a conflicting trusted copy, delivery infos new, newer and the same."""
    group_db, ref_db = pair
    for d in pair:
        _seed(d)
    assert _list_page(group_db, PAGE) == _list_one_by_one(ref_db, PAGE)
    got = _actions(store_checked(group_db, _to_store(group_db, GROUP)))
    ref_items = _to_store(ref_db, GROUP)
    want = _taken(_one_by_one(ref_db, ref_items), ref_items)
    assert got == want
    assert got[:6] == [evd.Action.STORE, True, evd.Action.KEEP, True, evd.Action.REPLACE,
                       evd.Action.CONFLICT]
    snap = _snapshot(group_db)
    assert snap == _snapshot(ref_db)
    # And the rules themselves, on the group's archive.
    dm_ids = sorted(r[0] for r in snap["messages"])
    assert dm_ids == [str(d) for d in range(1001, 1011)]  # one row each: none lost or twice
    status = {r[0]: r[snap["messages columns"].index("status")] for r in snap["messages"]}
    assert status == {"1001": 6, "1002": 5, "1003": 4, "1004": 4, "1005": 4, "1006": 6,
                      "1007": 4, "1008": 4, "1009": 6, "1010": 6}
    zfos = {r[0]: r for r in snap["message_zfos"]}
    assert b"ZFO 1003 A" in zfos["1003"] and b"ZFO 1004 A" in zfos["1004"]
    assert b"ZFO 1008 A" in zfos["1008"] and b"ZFO 1005 A" in zfos["1005"]
    reason = snap["evidence_copies columns"].index("reason")
    copies = [(r[0], r[reason]) for r in snap["evidence_copies"]]
    assert ("1003", "displaced") in copies and ("1004", "conflict") in copies
    events = [r[0] for r in snap["events"]]
    assert events.count("1001") == 3 and events.count("1007") == 2  # each event once


def test_every_write_is_sent_before_the_commit_even_when_each_is_sent_at_once(
        pair: tuple[Database, Database], monkeypatch: pytest.MonkeyPatch,
        no_retry: None) -> None:
    """Evidence of `IMMEDIATE_BYTES` or more is written at once, between queued writes:
    the order of the writes (and so what the rows hold) stays the same."""
    monkeypatch.setattr(fastwrite, "IMMEDIATE_BYTES", 12)
    group_db, ref_db = pair
    for d in pair:
        _seed(d)
        _list_one_by_one(d, PAGE)
    got = _actions(store_checked(group_db, _to_store(group_db, GROUP)))
    ref_items = _to_store(ref_db, GROUP)
    assert got == _taken(_one_by_one(ref_db, ref_items), ref_items)
    assert _snapshot(group_db) == _snapshot(ref_db)


def test_one_bad_item_in_a_group_costs_only_itself(pair: tuple[Database, Database]) -> None:
    """A write the database refuses fails the group's transaction (on PostgreSQL only when
    the queued writes are sent); every item is then written alone: the others are stored
    once, the refused one not at all."""
    db = pair[0]
    with db.engine.begin() as c:
        if db.is_postgres:
            c.execute(text(
                "CREATE FUNCTION refuse_2003() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.dm_id = '2003' AND NEW.downloaded THEN RAISE EXCEPTION 'refused'; "
                "END IF; RETURN NEW; END $$"))
            c.execute(text("CREATE TRIGGER refuse_2003 BEFORE UPDATE ON messages FOR EACH ROW "
                           "EXECUTE FUNCTION refuse_2003()"))
        else:
            c.execute(text("CREATE TRIGGER refuse_2003 BEFORE UPDATE ON messages "
                           "WHEN NEW.dm_id = '2003' AND NEW.downloaded = 1 "
                           "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
    dm_ids = [f"200{i}" for i in range(1, 6)]
    _list_page(db, [_env(d) for d in dm_ids])
    items: list[Item] = []
    for d in dm_ids:
        items += [Zfo(d, "A"), Di(d, "A", status=6)]
    results = store_checked(db, _to_store(db, items))
    failed = [i for i, r in enumerate(results) if isinstance(r, Exception)]
    assert failed == [4]  # the ZFO of 2003; its delivery info is stored (state moves on)
    snap = _snapshot(db)
    assert sorted(r[0] for r in snap["message_zfos"]) == ["2001", "2002", "2004", "2005"]
    assert sorted(r[0] for r in snap["delivery_infos"]) == dm_ids
    assert sorted(r[0] for r in snap["messages"]) == dm_ids
    events = [r[0] for r in snap["events"]]
    assert all(events.count(d) == 3 for d in dm_ids)


# -- any sequence of list entries, downloads and delivery infos --------------------------
_example = itertools.count()
_DM = st.sampled_from(["01", "02", "03"])
_STATUS = st.one_of(st.none(), st.integers(1, 9))
_OPS = st.lists(st.one_of(
    st.tuples(st.just("list"), _DM, _STATUS),
    st.tuples(st.just("zfo"), _DM, st.sampled_from(["A", "B"]),
              st.sampled_from(["valid", "untrusted"]), _STATUS,
              st.sampled_from([None, "same"])),
    st.tuples(st.just("di"), _DM, st.sampled_from(["A", "B"]),
              st.sampled_from(["valid", "untrusted"]), _STATUS),
), min_size=1, max_size=14)


def _run(db: Database, prefix: str, ops: Sequence[tuple[Any, ...]], grouped: bool,
         cuts: set[int]) -> list[Any]:
    """Apply ``ops``: grouped, runs of list entries as pages and runs of downloads as
    groups (a cut ends a run); else each alone through the ORM path."""
    out: list[Any] = []
    runs: list[list[tuple[Any, ...]]] = []
    for i, op in enumerate(ops):
        kind = "list" if op[0] == "list" else "store"
        if not runs or i in cuts or runs[-1][0][0] != kind:
            runs.append([(kind, op)])  # type: ignore[list-item]
        else:
            runs[-1].append((kind, op))  # type: ignore[arg-type]
    for run in runs:
        ops_of_run = [op for _, op in run]
        if run[0][0] == "list":
            envs = [_env(prefix + dm, status) for _, dm, status in ops_of_run]
            out += _list_page(db, envs) if grouped else _list_one_by_one(db, envs)
            continue
        known = _ids(db)
        items: list[Item] = []
        for op in ops_of_run:
            if op[0] == "zfo":
                _, dm, copy, verdict, status, content = op
                items.append(Zfo(prefix + dm, copy, verdict, status,
                                 content=f"content-{prefix}{dm}" if content else None))
            elif prefix + op[1] in known or any(
                    isinstance(it, Zfo) and it.dm_id == prefix + op[1] for it in items):
                _, dm, copy, verdict, status = op  # a delivery info of a known message
                items.append(Di(prefix + dm, copy, verdict, status))
        # A delivery info names its message by id: one whose ZFO is earlier in the same
        # run is written first (the sync downloads a message before its delivery info).
        segment: list[Item] = []
        for it in items:
            if isinstance(it, Di) and it.dm_id not in known:
                out += _apply(db, segment, grouped)
                segment, known = [], _ids(db)
            segment.append(it)
        out += _apply(db, segment, grouped)
    return out


def _apply(db: Database, items: Sequence[Item], grouped: bool) -> list[Any]:
    if not items:
        return []
    todo = _to_store(db, items)
    if grouped:
        return _actions(store_checked(db, todo))
    return _taken(_one_by_one(db, todo), todo)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(ops=_OPS, cuts=st.sets(st.integers(0, 13), max_size=4))
def test_any_sequence_grouped_writes_what_one_by_one_writes(
        pair: tuple[Database, Database], no_retry: None, ops: list[tuple[Any, ...]],
        cuts: set[int]) -> None:
    """Hypothesis: list entries (any status, or none), downloads (two copies, trusted or
    not, the same signed content or not) and delivery infos in any order and grouping."""
    prefix = f"{next(_example):04d}"  # each example's own messages in the same archives
    group_db, ref_db = pair
    got = _run(group_db, prefix, ops, True, cuts)
    want = _run(ref_db, prefix, ops, False, cuts)
    assert got == want
    assert _snapshot(group_db, prefix) == _snapshot(ref_db, prefix)


# -- round trips on PostgreSQL ------------------------------------------------------------
def _round_trips(db: Database, work: Callable[[], object]) -> int:
    """Round trips to the server while ``work`` runs: libpq's protocol trace of every
    connection, counting the server's ReadyForQuery (one per simple query or pipeline
    sync: the points where the client waits for the server)."""
    trace = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
    traced: list[Any] = []

    def checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.pgconn.trace(trace.fileno())
        traced.append(dbapi_conn)

    def checkin(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn in traced:
            dbapi_conn.pgconn.untrace()
            traced.remove(dbapi_conn)

    event.listen(db.engine, "checkout", checkout)
    event.listen(db.engine, "checkin", checkin)
    try:
        work()
    finally:
        event.remove(db.engine, "checkout", checkout)
        event.remove(db.engine, "checkin", checkin)
        for conn in traced:
            conn.pgconn.untrace()
    trace.seek(0)
    count = sum(1 for line in trace if "ReadyForQuery" in line)
    trace.close()
    return count


@pytest.mark.parametrize("size", [4, 40])
def test_a_group_costs_the_same_round_trips_whatever_its_size(pg_url: str, size: int) -> None:
    """A list page of ``size`` new messages, then a group of their ZFOs, each followed by
    its delivery info: a fixed number of round trips (it was about a dozen per message)."""
    db = Database.open_url(pg_url)
    try:
        with db.write() as s:
            AccountRepo(s).add("urad", environment="test", login_method="password",
                               username="u")
        dm_ids = [f"{3000 + i}" for i in range(size)]
        listing = _round_trips(db, lambda: _list_page(db, [_env(d) for d in dm_ids]))
        zfos = _to_store(db, [Zfo(d, "A") for d in dm_ids])
        dis = _to_store(db, [Di(d, "A", status=6) for d in dm_ids])
        items = [x for pair_ in zip(zfos, dis, strict=True) for x in pair_]
        results: list[Any] = []
        group = _round_trips(db, lambda: results.extend(store_checked(db, items)))
        assert all(not isinstance(r, Exception) for r in results)
        # BEGIN, the page's rows, its INSERT, COMMIT (and the pool's own reset).
        assert listing <= 6, listing
        # BEGIN, the rows, their events, the pipeline, COMMIT (and the pool's reset).
        assert group <= 8, group
        with db.read() as s:
            assert len(MessageRepo(s).downloaded_dm_ids(1, R)) == size
    finally:
        db.close()


def test_a_group_of_delivery_infos_reads_its_messages_together(pg_url: str) -> None:
    """Delivery infos alone (their messages stored in an earlier group, as when a sync
    fetches the delivery infos of messages it has): their rows are read for the group in
    one go (`prefetch_ids`), not one round trip each (survivor of seed 20261211)."""
    db = Database.open_url(pg_url)
    try:
        with db.write() as s:
            AccountRepo(s).add("urad", environment="test", login_method="password",
                               username="u")
        dm_ids = [f"{5000 + i}" for i in range(20)]
        _list_page(db, [_env(d) for d in dm_ids])
        assert all(not isinstance(r, Exception)
                   for r in store_checked(db, _to_store(db, [Zfo(d, "A") for d in dm_ids])))
        dis = _to_store(db, [Di(d, "A", status=6) for d in dm_ids])
        results: list[Any] = []
        group = _round_trips(db, lambda: results.extend(store_checked(db, dis)))
        assert results == [True] * len(dm_ids)
        # BEGIN, the rows, their events, the pipeline, COMMIT (and the pool's reset).
        assert group <= 8, group
    finally:
        db.close()


def test_a_big_delivery_info_is_sent_at_once_also_when_it_supersedes(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery info of `IMMEDIATE_BYTES` or more is not held in the queue (the pipeline
    would buffer several), whether it is the first one of its message or a newer one that
    supersedes it (survivor of seed 20261211)."""
    monkeypatch.setattr(fastwrite, "IMMEDIATE_BYTES", 12)
    db = Database.open_url(pg_url)
    try:
        with db.write() as s:
            AccountRepo(s).add("urad", environment="test", login_method="password",
                               username="u")
        _list_page(db, [_env("6001")])
        mid = _ids(db)["6001"]

        def queued(fast: fastwrite.FastWriter, data: bytes) -> bool:
            return any(data in params for _sql, rows in fast._queue for params in rows)

        first, newer = b"DI 6001 delivered", b"DI 6001 accepted by login"
        with db.write() as s:
            fast = fastwrite.FastWriter(s)
            assert fast.store_delivery_info(mid, first, _env("6001", 5), _events(5),
                                            "valid") is evd.Action.STORE
            assert not queued(fast, first)
            assert fast.store_delivery_info(mid, newer, _env("6001", 6), _events(6),
                                            "valid") is evd.Action.SUPERSEDE
            assert not queued(fast, newer)
            fast.close()
        with db.engine.connect() as c:
            assert c.execute(text("SELECT data FROM delivery_infos")).scalar() == newer
    finally:
        db.close()


def test_the_trace_counts_round_trips(pg_url: str) -> None:
    """The counter itself: three statements one by one are three more round trips than
    three in one pipeline."""
    db = Database.open_url(pg_url)
    try:
        def each() -> None:
            with db.engine.connect() as c:
                for i in range(3):
                    c.exec_driver_sql("SELECT %(i)s", {"i": i})

        def piped() -> None:
            with db.engine.connect() as c:
                raw: Any = c.connection.driver_connection
                with raw.pipeline(), raw.cursor() as cur:
                    for i in range(3):
                        cur.execute("SELECT %s", (i,))

        assert _round_trips(db, each) - _round_trips(db, piped) == 2
    finally:
        db.close()


def test_nothing_queued_is_sent_after_a_failure(pair: tuple[Database, Database]) -> None:
    """A writer whose block fails sends nothing it queued (the transaction rolls back;
    on PostgreSQL the queue is dropped, not sent into an aborted transaction)."""
    db = pair[0]
    _list_page(db, [_env("4001")])
    with pytest.raises(RuntimeError, match="stop"), db.write() as s, EvidenceWriter(s) as w:
        w.record_listed(1, R, _env("4001", 6))
        raise RuntimeError("stop")
    with db.engine.connect() as c:
        assert c.execute(text("SELECT status FROM messages")).scalar() == 4

