"""Survivors of the mutation run of branch ``mutsurv`` in `sync.engine` and
`sync.events`: a failed delivery-info request in the delivery-info pass, the ISDS
operation named when a sync must come back later, the reasons of a download that does not
verify, and what a sync stopped by the disk says."""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture
from tests.unit.sync.test_sync_engine import (
    FakeIsds,
    FakeParsed,
    FakeVerdict,
    _envs,
    _job,
    _misbehaving,
    world,  # noqa: F401 - the fixture
)

from dso_desktop.domain import Envelope
from dso_desktop.isds.errors import StatusError, ThrottledError
from dso_desktop.store.db import Database
from dso_desktop.sync.events import SyncPhase, SyncRetryLater, SyncStoreFailed


def test_a_failed_delivery_info_request_is_reported_and_the_pass_completes(
        db: Database, world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 2))
    # The first three delivery-info requests fail: both made right after the downloads, and
    # the first of the pass over the missing ones (the second of that pass succeeds).
    client.fail["di"] = [StatusError("not now", code="1234", operation="GetSignedDeliveryInfo")
                         for _ in range(3)]
    seen: list[Any] = []
    s = _job(db, client, progress=seen.append).run()
    assert s.new == 2 and s.delivery_infos == 1
    assert len([a for op, a in client.calls if op == "di"]) == 4
    assert len(s.failed) == 3
    assert all(f.reason.startswith("delivery info: not now") for f in s.failed)
    passes = [p for p in seen if p.phase is SyncPhase("delivery-info")]
    assert passes and passes[-1].done == passes[-1].total
    assert seen[-1].phase is SyncPhase("done")


def test_coming_back_later_names_the_isds_operation(db: Database,
                                                    world: dict[str, Envelope]) -> None:
    client = FakeIsds(_envs(world, 1), fail={"list-received": [ThrottledError(
        "busy", code="3009", operation="GetListOfReceivedMessages")]})
    with pytest.raises(SyncRetryLater) as later:
        _job(db, client).run()
    assert later.value.operation == "GetListOfReceivedMessages"
    assert later.value.code == "3009" and later.value.reason == "throttled"


def test_every_reason_of_a_download_that_does_not_verify_is_reported(
        db: Database, world: dict[str, Envelope], monkeypatch: pytest.MonkeyPatch) -> None:
    envs = _envs(world, 1)
    bad = FakeVerdict(kind="invalid", reasons=("dmHash does not match", "seal broken"))
    _misbehaving(monkeypatch, {b"ZFO:1": (FakeParsed(world["1"]), bad)})
    s = _job(db, FakeIsds(envs)).run()
    assert [f.reason for f in s.failed] == [
        "the downloaded ZFO does not verify: dmHash does not match; seal broken"]


@pytest.mark.parametrize(("reason", "what"), [
    ("disk-full", "the disk is full"),
    ("read-only", "the archive or its folder is read-only or not writable"),
    ("io", "the disk reported a write error"),
])
def test_a_sync_stopped_by_the_disk_says_why(reason: str, what: str) -> None:
    err = SyncStoreFailed("urad", reason)
    assert err.reason == reason and err.account == "urad"
    assert str(err) == (f"sync of 'urad' stopped: the archive cannot be written ({what}); "
                        "nothing more was downloaded. Free disk space or fix the "
                        "permissions, then sync again")
