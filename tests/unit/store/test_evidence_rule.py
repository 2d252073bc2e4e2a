"""The evidence rule (`store.evidence`) and both write paths that follow it.

Copies here are plain bytes with a verdict as verification would give it; what matters is
which copy ends as the evidence, what is kept aside, and that the ORM path and the sync's
fast path (`EvidenceWriter` in a group commit: plain statements, falling back to the ORM
for the rare cases) end in the same state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store import evidence as ev
from dso_desktop.store.db import Database
from dso_desktop.store.evidence import Action, CopyInfo, decide
from dso_desktop.store.messages import MessageRepo, sha256_hex
from dso_desktop.store.records import MessageFilter, VerdictInfo
from dso_desktop.store.repos import AccountRepo
from dso_desktop.store.writer import EvidenceWriter
from dso_desktop.sync.ingest import (
    CheckedZfo,
    IngestError,
    _store_delivery_info,
    _store_message,
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
KINDS = ("valid", "expiring", "valid-at-signing", "untrusted", "invalid")


def _c(sha: str, verdict: str | None, content: str | None = None) -> CopyInfo:
    return CopyInfo(sha, verdict, content)


@pytest.mark.parametrize(("current", "new", "from_isds", "kind", "want"), [
    # An untrusted or invalid file is never evidence, whatever is stored.
    (None, _c("a", "untrusted"), False, ev.MESSAGE, Action.QUARANTINE),
    (None, _c("a", "invalid"), False, ev.MESSAGE, Action.QUARANTINE),
    (_c("g", "untrusted"), _c("a", "untrusted"), False, ev.MESSAGE, Action.QUARANTINE),
    (None, _c("a", "untrusted"), False, ev.DELIVERY_INFO, Action.QUARANTINE),
    # An invalid copy from ISDS is refused (the message stays to be downloaded).
    (None, _c("a", "invalid"), True, ev.MESSAGE, Action.REFUSE),
    # Nothing stored yet: a trusted copy, or ISDS's own copy, becomes the evidence.
    (None, _c("a", "valid"), False, ev.MESSAGE, Action.STORE),
    (None, _c("a", "untrusted"), True, ev.MESSAGE, Action.STORE),
    # The same bytes: nothing to do.
    (_c("a", "valid"), _c("a", "valid"), True, ev.MESSAGE, Action.KEEP),
    # Trusted replaces not trusted (from a file too); never the other way round.
    (_c("f", "untrusted"), _c("g", "valid-at-signing"), False, ev.MESSAGE, Action.REPLACE),
    (_c("f", "invalid"), _c("g", "expiring"), True, ev.MESSAGE, Action.REPLACE),
    (_c("f", None), _c("g", "valid"), True, ev.MESSAGE, Action.REPLACE),
    (_c("g", "valid"), _c("f", "untrusted"), True, ev.MESSAGE, Action.CONFLICT),
    (_c("g", "valid"), _c("f", "untrusted"), True, ev.DELIVERY_INFO, Action.CONFLICT),
    # Two trusted copies: the same message core is one message; another core a conflict.
    (_c("g", "valid", "x"), _c("h", "valid", "x"), False, ev.MESSAGE, Action.KEEP),
    (_c("g", "valid", "x"), _c("h", "valid", "y"), False, ev.MESSAGE, Action.CONFLICT),
    (_c("g", "valid"), _c("h", "valid"), True, ev.MESSAGE, Action.CONFLICT),
    # A newer trusted delivery info supersedes the older one (the state moved on).
    (_c("g", "valid"), _c("h", "valid"), True, ev.DELIVERY_INFO, Action.SUPERSEDE),
    # ISDS's copy beats an untrusted one of unknown origin.
    (_c("f", "untrusted"), _c("g", "untrusted"), True, ev.MESSAGE, Action.REPLACE),
])
def test_decide(current: CopyInfo | None, new: CopyInfo, from_isds: bool, kind: str,
                want: Action) -> None:
    assert decide(current, new, from_isds=from_isds, kind=kind) is want


# -- both write paths, any sequence of copies ---------------------------------------------

ENV = Envelope(message_id="5001", sender_box_id="abc1234", recipient_box_id="xyz9876",
               subject="Rozhodnutí", status=4, delivered_at=T0)
EVENTS = (DeliveryEvent(T0, "EV0: Zpráva byla podána"),)


def _checked(verdict: str, content: str, subject: str) -> CheckedZfo:
    env = Envelope(**{**ENV.__dict__, "subject": subject})
    return CheckedZfo(envelope=env, events=EVENTS, attachment_count=0,
                      texts=((f"{subject}.txt", subject),),
                      verdict=VerdictInfo(verdict, T0, f'{{"verdict": "{verdict}"}}'),
                      content_sha256=sha256_hex(content.encode()))


_TEMPLATE: dict[str, bytes] = {}


def _open(path: Path) -> Database:
    """A migrated archive with the account and the listed envelope (copied from a template:
    migrating once per hypothesis example would dominate the run time)."""
    if not _TEMPLATE:
        first = path.with_name("template.sqlite3")
        db = Database.open(first)
        with db.write() as s:
            acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                     username="u").id
            MessageRepo(s).upsert_envelope(acc, Direction.RECEIVED, ENV)
        db.checkpoint()
        db.close()
        _TEMPLATE["bytes"] = first.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_TEMPLATE["bytes"])
    return Database.open(path)


@pytest.fixture(autouse=True)
def _index_of_fake_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copies here are not real ZFOs: give the index text a replaced copy had (its
    subject and attachment text are the name in its bytes) as parsing a ZFO would."""
    from dso_desktop.store.messages import search_text_for

    def index_text(data: bytes) -> Any:
        name = data.decode().split(":")[1] if data.count(b":") >= 3 else "podvrh"
        env = Envelope(**{**ENV.__dict__, "subject": name})
        return search_text_for(env, [(f"{name}.txt", name)])

    monkeypatch.setattr("dso_desktop.sync.ingest.index_text", index_text)


def _offer(db: Database, fast: bool, kind: str, data: bytes, checked: CheckedZfo,
           from_isds: bool) -> str:
    """Offer one copy as the sync (``fast``: group commit) or an import would."""
    if not from_isds and not ev.is_trusted(checked.verdict.kind):
        return "quarantined"  # `ingest.import_zfo` never hands such a file to the store
    try:
        with db.write() as s, EvidenceWriter(s, batch=fast) as writer:
            if kind == ev.MESSAGE:
                return _store_message(writer, data, checked, account_id=1,
                                      direction=Direction.RECEIVED, source="sync",
                                      big_message=False, from_isds=from_isds).status
            (mid,) = MessageRepo(s).ids_by_dm_id("5001")
            return str(_store_delivery_info(
                writer, mid, data, checked.envelope, checked.events,
                checked.verdict.kind, checked.content_sha256, from_isds=from_isds))
    except IngestError:
        return "refused"


def _state(db: Database) -> dict[str, Any]:
    with db.engine.connect() as c:
        return {
            "message": c.execute(text(
                "SELECT z.sha256, z.content_sha256, m.verdict, m.subject, m.downloaded "
                "FROM messages m LEFT JOIN message_zfos z ON z.message_id = m.id")).all(),
            "delivery_info": c.execute(text(
                "SELECT sha256, verdict, content_sha256 FROM delivery_infos")).all(),
            "copies": sorted(c.execute(text(
                "SELECT kind, sha256, verdict, reason FROM evidence_copies")).all()),
            "fts": [c.execute(text("SELECT count(*) FROM messages_fts WHERE messages_fts "
                                   "MATCH :w"), {"w": w}).scalar() for w in WORDS],
        }


WORDS = ("pravy", "podvrh", "jiny")
offers = st.lists(st.tuples(
    st.sampled_from((ev.MESSAGE, ev.DELIVERY_INFO)),
    st.sampled_from(("pravy", "podvrh", "jiny")),  # which bytes (and subject)
    st.sampled_from(KINDS),
    st.booleans(),  # from ISDS
    st.sampled_from(("core-1", "core-2")),
), min_size=1, max_size=8)


@pytest.fixture
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("rule")


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seq=offers)
def test_both_write_paths_keep_trusted_evidence_and_agree(
        tmp_dir: Path, seq: list[tuple[str, str, str, bool, str]]) -> None:
    import uuid

    base = tmp_dir / uuid.uuid4().hex
    orm, fast = _open(base / "orm.sqlite3"), _open(base / "fast.sqlite3")
    try:
        trusted_seen = {ev.MESSAGE: False, ev.DELIVERY_INFO: False}
        for kind, name, verdict, from_isds, core in seq:
            data = f"{kind}:{name}:{verdict}:{core}".encode()
            checked = _checked(verdict, core, name)
            a = _offer(orm, False, kind, data, checked, from_isds)
            b = _offer(fast, True, kind, data, checked, from_isds)
            assert a == b
            assert _state(orm) == _state(fast)
            if ev.is_trusted(verdict):
                trusted_seen[kind] = True
            st_ = _state(orm)
            (sha, _core, m_verdict, _subj, downloaded), = st_["message"]
            if trusted_seen[ev.MESSAGE]:
                assert ev.is_trusted(m_verdict) and downloaded
            if st_["delivery_info"] and trusted_seen[ev.DELIVERY_INFO]:
                assert ev.is_trusted(st_["delivery_info"][0][1])
            # A file that is not trusted never becomes evidence of either kind.
            if not from_isds and not ev.is_trusted(verdict):
                assert sha != sha256_hex(data)
                assert all(r[0] != sha256_hex(data) for r in st_["delivery_info"])
            # The index holds the evidence's words only (a replaced copy's are removed).
            if sha is not None:
                assert sum(st_["fts"]) == 1
    finally:
        orm.close()
        fast.close()


FORGED = b"message:podvrh:untrusted:c"


def test_pending_includes_untrusted_evidence(tmp_path: Path) -> None:
    """A message whose stored evidence is not trusted is downloaded again (old archives
    may hold a forgery an earlier `dso import` attached)."""
    db = _open(tmp_path / "a.sqlite3")
    try:
        assert _offer(db, False, ev.MESSAGE, FORGED, _checked("untrusted", "c", "podvrh"),
                      True) == "stored"
        with db.read() as s:
            repo = MessageRepo(s)
            assert [d for _, d, _ in repo.pending(1, Direction.RECEIVED)] == ["5001"]
            assert repo.untrusted_evidence()[0][1:] == ("5001", "untrusted")
        assert _offer(db, True, ev.MESSAGE, b"genuine", _checked("valid", "c", "pravy"),
                      True) == "replaced"
        with db.read() as s:
            repo = MessageRepo(s)
            assert repo.pending(1, Direction.RECEIVED) == []
            assert [(c.reason, c.verdict, c.sha256) for c in repo.evidence_copies()] == [
                ("displaced", "untrusted", sha256_hex(FORGED))]
            assert repo.evidence_copy_data(repo.evidence_copies()[0].id) == FORGED
            assert repo.search("podvrh") == [] and repo.search("pravy") != []
        # An untrusted delivery info is fetched again too.
        with db.write() as s:
            repo = MessageRepo(s)
            assert repo.store_delivery_info(1, b"di-forged", "untrusted")
            s.execute(text("UPDATE messages SET updated_at = :t"), {"t": T0})
        with db.read() as s:
            assert MessageRepo(s).missing_delivery_infos(1) == [(1, "5001")]
        with db.write() as s:
            assert MessageRepo(s).store_delivery_info(1, b"di-genuine", "valid")
            assert not MessageRepo(s).store_delivery_info(1, b"di-forged-2", "untrusted")
        with db.read() as s:
            assert MessageRepo(s).missing_delivery_infos(1) == []
            assert MessageRepo(s).delivery_info(1) == b"di-genuine"
    finally:
        db.close()


def test_quarantine_keeps_one_copy_per_content(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "a.sqlite3")
    try:
        with db.write() as s:
            repo = MessageRepo(s)
            first = repo.quarantine(b"x", zfo_kind="received", dm_id="7", verdict="untrusted",
                                    verdict_json=None, reasons="seal not trusted",
                                    source_name="a.zfo")
            again = repo.quarantine(b"x", zfo_kind="received", dm_id="7", verdict="untrusted",
                                    verdict_json=None, reasons="seal not trusted",
                                    source_name="b.zfo")
            assert first[1] and not again[1] and first[0] == again[0]
        with db.read() as s:
            (q,) = MessageRepo(s).quarantined()
            assert (q.dm_id, q.verdict, q.source_name, q.size) == ("7", "untrusted", "a.zfo", 1)
            assert MessageRepo(s).count(MessageFilter()) == 0  # attached to no message
    finally:
        db.close()


def test_an_old_verdict_is_not_lowered_by_the_same_bytes(tmp_path: Path) -> None:
    db = _open(tmp_path / "a.sqlite3")
    try:
        assert _offer(db, False, ev.MESSAGE, b"g", _checked("valid", "c", "pravy"),
                      True) == "stored"
        assert _offer(db, True, ev.MESSAGE, b"g", _checked("untrusted", "c", "pravy"),
                      True) == "duplicate"
        with db.read() as s:
            assert MessageRepo(s).rows([1])[0].verdict == "valid"
    finally:
        db.close()
