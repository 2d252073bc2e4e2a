"""The whole cycle against the simulator: evidence that expires soon is on the watch,
restamping (Re-signISDSDocument) keeps a new version beside the byte-exact original and
moves the due date, an archive timestamp from the loopback TSA where ISDS cannot re-seal,
online verification recorded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.app import App
from dso_desktop.domain import (
    Direction,
    EvidenceCause,
    EvidenceVersionKind,
    LoginMethod,
    Remedy,
    WarningKind,
)
from dso_desktop.isds.retry import RetryPolicy
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.records import MessageFilter

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
EVIDENCE_DAYS = 30


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator

    use_memory_keyring()
    s = Simulator(seed=41, messages=3, evidence_days=EVIDENCE_DAYS)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def app(sim: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[App]:
    # A test that asks for `store_url` runs on both backends (issue 13); the rest on SQLite.
    url = (request.getfixturevalue("store_url") if "store_url" in request.fixturenames
           else None)
    # One attempt: the refusal tests inject maintenance and must not wait for backoffs.
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=url,
                 retry=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0))
    acc = sim.account("password")
    a.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                               ca_file=Path(sim.info.ca_file)), password=acc.password,
                   save_password=True)
    a.sync.sync_account("urad", accept_delivery=True)
    yield a
    a.close()


def _evidence_items(app: App, **kw: Any) -> list[Any]:
    return [i for i in app.watch.items(**kw) if i.kind is WarningKind.TIMESTAMP_EXPIRY]


def test_warning_restamp_no_warning(store_url: str, app: App) -> None:
    now = datetime.now(UTC)
    items = _evidence_items(app)
    stored = app.messages.ids(MessageFilter(downloaded=True))
    assert stored and {i.message_id for i in items} == set(stored)
    for i in items:
        assert i.remedy is Remedy.RESTAMP and i.account == "urad"
        assert i.cause is EvidenceCause.TIMESTAMP_CERTIFICATE
        assert now + timedelta(days=EVIDENCE_DAYS - 2) < i.due <= \
            now + timedelta(days=EVIDENCE_DAYS + 1)
    assert [i.due for i in items] == sorted(i.due for i in items)
    originals = {m: app.messages.zfo_bytes(m) for m in stored}

    seen: list[tuple[int, int, str]] = []
    outcomes = app.remedies.restamp(app.remedies.candidates(),
                                    progress=lambda d, t, dm: seen.append((d, t, dm)))
    assert all(o.ok and o.kind is EvidenceVersionKind.RESIGNED for o in outcomes), outcomes
    assert [d for d, _t, _dm in seen] == list(range(1, len(stored) + 1))
    assert _evidence_items(app) == []  # the due date moved past the 90 days
    for m, data in originals.items():
        assert app.messages.zfo_bytes(m) == data  # the original stays byte-exact
        (v,) = app.remedies.versions(m)
        assert v.version == 2 and v.covers_sha256 == hashlib.sha256(data).hexdigest()
        checks = app.remedies.verify_versions(m)
        assert [c.version for c in checks] == [1, 2]
        assert checks[0].ok and checks[1].ok  # the verifier shows both
        assert checks[1].evidence_expires > checks[0].evidence_expires  # type: ignore[operator]
    # Re-verifying the original does not move the due date back.
    app.messages.verify(stored[0])
    assert _evidence_items(app) == []


def test_cancel_stops_before_the_next_message(app: App) -> None:
    import threading

    cancel = threading.Event()
    ids = app.remedies.candidates()
    assert len(ids) >= 2
    out = app.remedies.restamp(ids, progress=lambda d, t, dm: cancel.set(), cancel=cancel)
    assert len(out) == 1 and out[0].ok
    assert len(_evidence_items(app)) == len(ids) - 1


def test_archive_timestamp_where_isds_cannot_reseal(app: App, sim: Any) -> None:
    app.settings.update(tsa_url=sim.tsa_url, tsa_ca_file=sim.info.ca_file)
    (mid, *_rest) = app.remedies.candidates()
    sim.faults.inject("Re-signISDSDocument", "maintenance", times=20)
    try:
        (out,) = app.remedies.restamp([mid])
    finally:
        sim.faults.clear()
    assert out.ok and out.kind is EvidenceVersionKind.ARCHIVE_TIMESTAMP
    assert out.isds_refused
    assert mid not in {i.message_id for i in _evidence_items(app)}
    checks = app.remedies.verify_versions(mid)
    assert checks[1].kind is EvidenceVersionKind.ARCHIVE_TIMESTAMP and checks[1].ok, checks


def test_without_a_tsa_an_isds_refusal_is_a_clear_failure(app: App, sim: Any) -> None:
    (mid, *_rest) = app.remedies.candidates()
    sim.faults.inject("Re-signISDSDocument", "maintenance", times=20)
    try:
        (out,) = app.remedies.restamp([mid])
    finally:
        sim.faults.clear()
    assert not out.ok and "no TSA is configured" in (out.error or "")
    assert app.remedies.versions(mid) == []
    assert mid in {i.message_id for i in _evidence_items(app)}


def test_online_verification_is_recorded(app: App) -> None:
    mid = app.messages.ids(MessageFilter(direction=Direction.RECEIVED, downloaded=True))[0]
    rec = app.remedies.verify_online(mid)
    assert rec.authentic is True and rec.version == 1 and rec.account == "urad"
    assert app.remedies.online_checks(mid) == [rec]


def test_rows_from_before_revision_0005_get_their_horizon_once(app: App) -> None:
    from sqlalchemy import update

    from dso_desktop.store.models import Message

    before = [(i.message_id, i.due) for i in _evidence_items(app)]
    assert before
    with app.db.write() as s:  # what the migration leaves: no horizon yet
        s.execute(update(Message).values(evidence_expires=None, evidence_cause=None))
    fresh = App.open(app.paths, offline=True)
    try:
        assert fresh.watch.backfill() == len(before)
        assert [(i.message_id, i.due) for i in _evidence_items(fresh)] == before
        assert fresh.watch.backfill() == 0  # once
    finally:
        fresh.close()


def _flip_last_signature_byte(data: bytes) -> bytes:
    # The CMS signature value sits near the end of the DER: a flipped byte there breaks
    # the seal without making the file unreadable.
    b = bytearray(data)
    b[-40] ^= 0x01
    return bytes(b)


@pytest.mark.parametrize("forgery", ["other-message", "broken-seal", "garbage"])
def test_a_forged_re_sealed_answer_is_refused_and_nothing_changes(
        app: App, monkeypatch: pytest.MonkeyPatch, forgery: str) -> None:
    """A network answer to Re-signISDSDocument is evidence only once it verifies and is
    the same message: another (genuine) message, a broken seal or garbage is not kept,
    the original stays byte-exact and the message stays on the watch."""
    from dso_desktop.isds.ops_messages import ResignedDocument

    mid, other, *_rest = app.remedies.candidates()
    original = app.messages.zfo_bytes(mid)
    forged = {"other-message": app.messages.zfo_bytes(other),
              "broken-seal": _flip_last_signature_byte(original),
              "garbage": b"<?xml version='1.0'?><not-a-zfo/>"}[forgery]

    def answer(self: Any, zfo: bytes) -> ResignedDocument:
        return ResignedDocument(data=forged, valid_to=None, status_code="0000")

    client_cls = type(app.accounts.client("urad"))
    monkeypatch.setattr(client_cls, "re_sign_isds_document", answer)
    (out,) = app.remedies.restamp([mid])
    assert not out.ok and out.isds_refused, out
    assert app.remedies.versions(mid) == []
    assert app.messages.zfo_bytes(mid) == original
    assert mid in {i.message_id for i in _evidence_items(app)}
