"""Archives that kept a message twice: the same dmID under two accounts of one data box
(synced before the one-copy rule, or by the race it closed) are reported by the check,
on both backends, without failing it; other look-alikes are not."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, pki  # noqa: F401 - fixtures

from dso_desktop.domain import Direction, Envelope
from dso_desktop.domain import IntegrityProblemKind as P
from dso_desktop.services.integrity import IntegrityService
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.repos import AccountRepo
from dso_desktop.zfo import TrustStore
from dso_desktop.zfo.testpki import TestPki

NOW = SEALED_AT + timedelta(days=30)
VALID = VerdictInfo("valid", SEALED_AT, "{}", None)


@pytest.fixture
def db(store_url: str) -> Iterator[Database]:
    d = Database.open_url(store_url)
    with d.write() as s:
        repo = AccountRepo(s)
        for name, box, env in (("urad", "abc1234", "test"), ("podatelna", "abc1234", "test"),
                               ("ostra", "abc1234", "production"), ("jina", "xyz9876", "test"),
                               ("nova", None, "test")):
            repo.add(name, environment=env, login_method="password", username=name,
                     box_id=box)
    yield d
    d.close()


def _stored(db: Database, account: str, dm_id: str, data: bytes,
            direction: Direction = Direction.RECEIVED) -> int:
    env = Envelope(message_id=dm_id, sender_box_id="abc1234", subject="Věc", status=4)
    with db.write() as s:
        acc = AccountRepo(s).get(account).id
        repo = MessageRepo(s)
        mid = repo.upsert_envelope(acc, direction, env).id
        assert repo.attach_zfo(mid, data, env, search_text_for(env, []), acc, VALID)
    return mid


def test_a_message_kept_under_two_accounts_of_one_box_is_reported_once(
        db: Database, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    zfo = make_zfo(dm_id="7001")
    first = _stored(db, "urad", "7001", zfo)
    second = _stored(db, "podatelna", "7001", zfo)
    # Look-alikes that are no duplicates: another box, another environment, a box not
    # known yet, the other direction of the same account.
    for account in ("jina", "ostra", "nova"):
        _stored(db, account, "7001", zfo)
    _stored(db, "urad", "7001", zfo, Direction.SENT)
    anchors = TrustStore.from_paths([pki.ca_file])
    report = IntegrityService(db, lambda account: anchors).check(NOW)
    dups = [p for p in report.problems if p.problem == P.DUPLICATE]
    assert [(p.message_id, p.dm_id) for p in dups] == [(second, "7001")]
    assert "podatelna" in dups[0].detail and f"message {first}" in dups[0].detail
    assert "urad" in dups[0].detail
    # Both copies are evidence and verify: reported, not failing the check.
    assert report.ok == report.checked == 6
    assert report.clean
    with db.read() as s:
        assert MessageRepo(s).box_duplicates() == [(second, "7001", "podatelna", first,
                                                    "urad")]


def test_an_archive_without_duplicates_reports_none(db: Database) -> None:
    with db.read() as s:
        assert MessageRepo(s).box_duplicates() == []
