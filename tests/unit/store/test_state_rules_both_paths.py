""""Status only moves forward" and "the signed envelope wins", on both write paths.

The sync writes through `FastWriter` (plain statements), the GUI, the CLI and imports through
`MessageRepo` (the ORM); each path has its own code for these rules. Every test here runs on
both, so a one-line slip in either (a flipped comparison, a dropped ``continue``) fails it.
Found by hand-made mutants that the rest of the suite let through on the ORM path.
"""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store import evidence as evd
from dso_desktop.store.db import Database
from dso_desktop.store.fastwrite import FastWriter
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
VERDICT = VerdictInfo("valid", T0 + timedelta(minutes=1), '{"verdict": "valid"}', None)
EVENT = (DeliveryEvent(T0, "EV5: Zpráva byla dodána"),)




def _listed(dm_id: str, **kw: Any) -> Envelope:
    """An envelope as a list shows it (unsigned)."""
    base: dict[str, Any] = dict(message_id=dm_id, sender_box_id="abc1234",
                                sender_name="Úřad ze seznamu", subject="Předmět ze seznamu",
                                status=4, delivered_at=T0)
    base.update(kw)
    return Envelope(**base)


class _Path:
    """One write path: the ORM (`MessageRepo`) or the sync's plain statements."""

    def __init__(self, name: str, db: Database) -> None:
        self.name, self.db = name, db

    def list(self, env: Envelope) -> tuple[int, bool]:
        """Record a listed envelope: (message id, changed)."""
        with self.db.write() as s:
            if self.name == "orm":
                r = MessageRepo(s).upsert_envelope(1, Direction.RECEIVED, env)
                return r.id, r.changed
            fast = FastWriter(s)
            try:
                got = fast.upsert_listed_many(1, Direction.RECEIVED, [env])[0]
            finally:
                fast.close()
            assert got is not None
            return got[0], got[2]

    def delivery_info(self, mid: int, env: Envelope, data: bytes) -> None:
        """Keep a delivery info whose signed envelope is ``env`` (moves the state on)."""
        with self.db.write() as s:
            if self.name == "orm":
                repo = MessageRepo(s)
                repo.update_state(mid, env)
                repo.add_events(mid, EVENT)
                repo.store_delivery_info(mid, data, "valid")
                return
            fast = FastWriter(s)
            try:
                assert fast.store_delivery_info(mid, data, env, EVENT, "valid") is not None
            finally:
                fast.close()

    def attach(self, mid: int, signed: Envelope, data: bytes) -> None:
        """Store the signed ZFO whose envelope is ``signed``."""
        search = search_text_for(signed, [])
        with self.db.write() as s:
            if self.name == "orm":
                assert MessageRepo(s).attach_zfo(mid, data, signed, search, 0, VERDICT)
                return
            fast = FastWriter(s)
            try:
                done = fast.attach_downloaded(1, Direction.RECEIVED, data, signed, search, 0,
                                              VERDICT, ())
            finally:
                fast.close()
            assert done == (evd.Action.STORE, mid)

    def envelope(self, mid: int) -> Envelope:
        with self.db.read() as s:
            return MessageRepo(s).detail(mid).envelope


@pytest.fixture(params=["orm", "fast"])
def path(request: pytest.FixtureRequest, db: Database) -> _Path:
    return _Path(request.param, db)


def test_a_listed_status_only_moves_forward(path: _Path) -> None:
    accepted = T0 + timedelta(days=2)
    mid, _ = path.list(_listed("7001", status=6, accepted_at=accepted))
    # An older list page (status 4, no acceptance yet) changes nothing and says so.
    assert path.list(_listed("7001", status=4)) == (mid, False)
    env = path.envelope(mid)
    assert (env.status, env.accepted_at, env.delivered_at) == (6, accepted, T0)
    # The same status again is no change either; a newer one is.
    assert path.list(_listed("7001", status=6, accepted_at=accepted)) == (mid, False)
    assert path.list(_listed("7001", status=7, accepted_at=accepted)) == (mid, True)
    assert path.envelope(mid).status == 7


def test_an_older_delivery_info_never_undoes_a_newer_state(path: _Path) -> None:
    accepted = T0 + timedelta(days=1)
    mid, _ = path.list(_listed("7002", status=4))
    path.delivery_info(mid, _listed("7002", status=6, accepted_at=accepted), b"DI-new")
    assert path.envelope(mid).status == 6
    path.delivery_info(mid, _listed("7002", status=5, accepted_at=None), b"DI-old")
    env = path.envelope(mid)
    assert (env.status, env.accepted_at) == (6, accepted)


def test_the_signed_envelope_wins_over_the_list(path: _Path) -> None:
    mid, _ = path.list(_listed("7003", status=5))
    signed = Envelope("7003", sender_box_id="abc1234", sender_name="Městský úřad Kocourkov",
                      subject="Rozhodnutí (podepsáno)", our_ref="MUK/1/2026",
                      status=None, delivered_at=None, accepted_at=None)
    path.attach(mid, signed, b"ZFO-7003")
    env = path.envelope(mid)
    # What the seal covers replaces what the unsigned list said...
    assert (env.sender_name, env.subject, env.our_ref) == (
        "Městský úřad Kocourkov", "Rozhodnutí (podepsáno)", "MUK/1/2026")
    # ...but a state the signed copy does not state is not forgotten.
    assert (env.status, env.delivered_at) == (5, T0)


def test_a_signed_state_is_taken_from_the_signed_envelope(path: _Path) -> None:
    mid, _ = path.list(_listed("7004", status=4, delivered_at=None))
    accepted = T0 + timedelta(hours=5)
    path.attach(mid, _listed("7004", subject="Podepsaný předmět", status=6,
                             delivered_at=T0, accepted_at=accepted), b"ZFO-7004")
    env = path.envelope(mid)
    assert (env.subject, env.status, env.delivered_at, env.accepted_at) == (
        "Podepsaný předmět", 6, T0, accepted)


def test_an_older_signed_copy_does_not_take_the_status_back(path: _Path) -> None:
    # The list already says "accepted" (6); a copy signed while the message was only
    # delivered (4) becomes the evidence, but the state stays where it was.
    accepted = T0 + timedelta(days=1)
    mid, _ = path.list(_listed("7006", status=6, accepted_at=accepted))
    path.attach(mid, _listed("7006", subject="Podepsaný předmět", status=4,
                             accepted_at=None), b"ZFO-7006")
    env = path.envelope(mid)
    assert (env.subject, env.status, env.accepted_at) == ("Podepsaný předmět", 6, accepted)


def test_a_copy_displacing_untrusted_evidence_brings_its_own_status() -> None:
    # What untrusted evidence said about the state is no knowledge: the genuine copy's
    # status stands even when it is lower.
    offered = {"status": 4, "subject": "Věc", "big_message": False}
    assert evd.signed_envelope_update(offered, False, 9, displaces=True)["status"] == 4
    assert "status" not in evd.signed_envelope_update(offered, False, 9)
    assert evd.signed_envelope_update(offered, False, 3)["status"] == 4
    assert evd.signed_envelope_update(offered, False, None)["status"] == 4


def test_set_status_moves_only_forward(db: Database) -> None:
    """`MessageRepo.set_status` (after an acceptance, a send) obeys the same rule."""
    orm = _Path("orm", db)
    mid, _ = orm.list(_listed("7005", status=5))
    at = T0 + timedelta(days=3)
    with db.write() as s:
        repo = MessageRepo(s)
        assert repo.set_status(mid, 4, at) is False
        assert repo.set_status(mid, 5, at) is False
        assert repo.set_status(mid, 6, at) is True
    env = orm.envelope(mid)
    assert (env.status, env.accepted_at) == (6, at)
    with db.write() as s:
        assert MessageRepo(s).set_status(mid, 7, at + timedelta(days=1)) is True
    assert orm.envelope(mid).accepted_at == at  # acceptance time is set once


def test_events_already_kept_are_skipped_and_the_rest_added(db: Database) -> None:
    """Delivery events are kept once each; one already kept does not stop the others
    (a `continue` turned into `break` survived the suite)."""
    orm = _Path("orm", db)
    mid, _ = orm.list(_listed("7006"))
    first = DeliveryEvent(T0, "EV0: Zpráva byla podána")
    later = (first, DeliveryEvent(T0 + timedelta(hours=1), "EV5: Zpráva byla dodána"),
             DeliveryEvent(T0 + timedelta(days=1), "EV4: Zpráva byla doručena"))
    with db.write() as s:
        assert MessageRepo(s).add_events(mid, (first,)) == 1
    with db.write() as s:
        assert MessageRepo(s).add_events(mid, later + later) == 2
    with db.write() as s:
        fast = FastWriter(s)
        try:
            assert fast.add_events(mid, later) == 0
        finally:
            fast.close()
    with db.read() as s:
        events = MessageRepo(s).detail(mid).events
    assert [e.description[:3] for e in events] == ["EV0", "EV5", "EV4"]
