"""Outbox reconciliation (services/outbox.py) against an in-memory ISDS whose signed copies are
real ZFOs: what counts as "the same message", what leaves a record unknown, what settles it."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.unit.services.isds_fake import (
    OUR_FILE_MARK,
    OUR_REF,
    RECIPIENT,
    TO_HANDS,
    FakeAccounts,
    FakeIsds,
)
from tests.unit.zfo.zfo_factory import pki  # noqa: F401 - pytest fixture

from dso_desktop.app import App
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.isds.errors import LoginError, StatusError
from dso_desktop.paths import AppPaths
from dso_desktop.services import outbox as outbox_mod
from dso_desktop.services.outbox import (
    OutboxBusy,
    OutboxError,
    OutboxService,
    ReconcileResult,
    _size_plausible,
    fingerprint,
)
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.errors import NotFound
from dso_desktop.store.models import Message
from dso_desktop.store.outbox import (
    DISCARDED,
    FAILED,
    PREPARED,
    SENT,
    SUBMITTING,
    UNKNOWN,
    OutboxAttachment,
    OutboxRepo,
)
from dso_desktop.store.timeutil import utcnow
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

FILES = [("dopis.pdf", b"%PDF-1.4 the letter"), ("priloha.txt", b"an enclosure")]


def _open(tmp_path: Path, store_url: str | None = None) -> App:
    app = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    app.accounts.add(AccountSpec("úřad", LoginMethod.PASSWORD, "u"), password="p",
                     save_password=True)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = _open(tmp_path)
    yield a
    a.close()


@pytest.fixture
def isds(pki: TestPki) -> FakeIsds:
    return FakeIsds(pki)


def _service(app: App, isds: FakeIsds, pki: TestPki, *, settle: float = 0.0,
             lock_dir: Path | None = None) -> tuple[OutboxService, FakeAccounts, list[float]]:
    slept: list[float] = []
    accounts = FakeAccounts(app.accounts, isds)
    trust = TrustStore.from_paths([pki.ca_file])
    svc = OutboxService(app.db, accounts, lambda _acc=None: trust, settle=settle,
                        sleep=slept.append, lock_dir=lock_dir)
    return svc, accounts, slept


def _atts(files: list[tuple[str, bytes]]) -> list[OutboxAttachment]:
    return [OutboxAttachment(n, len(d), hashlib.sha256(d).hexdigest(), f"/nowhere/{n}")
            for n, d in files]


def _record(app: App, subject: str = "Žádost o informace", *,
            files: list[tuple[str, bytes]] = FILES, state: str = UNKNOWN,
            minutes_ago: float = 5, account: str = "úřad", recipient: str = RECIPIENT,
            our_ref: str | None = OUR_REF, to_hands: str | None = TO_HANDS,
            big: bool = False) -> int:
    atts = _atts(files)
    created = utcnow() - timedelta(minutes=minutes_ago)
    options = {"to_hands": to_hands}
    with app.db.write() as s:
        repo = OutboxRepo(s)
        rec = repo.add(batch="b1", account=account, recipient=recipient, subject=subject,
                       our_ref=our_ref, your_ref=None, our_file_mark=OUR_FILE_MARK,
                       your_file_mark=None, options=options, attachments=atts,
                       fingerprint=fingerprint(account, recipient, subject,
                                               (our_ref, None, OUR_FILE_MARK, None),
                                               options, atts),
                       big_message=big, now=created)
        if state != PREPARED:
            repo.update(rec.id, state=state, submitted_at=created)
    return rec.id


def _sent_rows(app: App) -> list[tuple[str, str]]:
    with app.db.read() as s:
        return [(d, str(x)) for d, x in s.execute(
            select(Message.dm_id, Message.direction).order_by(Message.id))]


# -- settling -----------------------------------------------------------------------------

def test_prepared_record_fails_without_asking_isds(app: App, isds: FakeIsds,
                                                   pki: TestPki) -> None:
    svc, accounts, _ = _service(app, isds, pki)
    rid = _record(app, state=PREPARED)
    [res] = svc.reconcile("úřad")
    assert res.before == PREPARED
    assert res.record.state == FAILED and res.record.dm_id is None
    assert "not sent" in (res.record.error or "")
    assert accounts.clients == 0 and isds.calls == []  # no login needed to know it
    assert svc.get(rid).reconciled_at is not None


def test_confirmed_on_the_signed_copy_is_sent_and_archived(tmp_path: Path, store_url: str,
                                                            pki: TestPki) -> None:
    app = _open(tmp_path, store_url)
    try:
        isds = FakeIsds(pki)
        svc, _acc, _ = _service(app, isds, pki)
        rid = _record(app)
        dm_id = isds.add_sent("Žádost o informace", FILES)
        [res] = svc.reconcile("úřad")
        assert (res.before, res.record.state, res.record.dm_id) == (UNKNOWN, SENT, dm_id)
        assert res.record.unreported is True  # the user must still be told
        assert res.record.error is None
        assert "confirmed on its signed copy" in res.note
        # Archived through the normal ingest path, as a sent message.
        assert _sent_rows(app) == [(dm_id, Direction.SENT.value)]
        assert isds.closed == 1  # its own login is logged out again
        acked = svc.acknowledge(rid)
        assert acked.unreported is False and acked.state == SENT
    finally:
        app.close()


def test_look_alike_with_other_bytes_is_not_taken_for_it(app: App, isds: FakeIsds,
                                                         pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    _record(app)
    isds.add_sent("Žádost o informace", [("dopis.pdf", b"%PDF-1.4 the letteR"),
                                         ("priloha.txt", b"an enclosure")])
    [res] = svc.reconcile("úřad")
    assert res.record.state == FAILED and res.record.dm_id is None
    assert "1 sent messages read completely" in res.note
    assert _sent_rows(app) == []  # nothing archived under a wrong identity


@pytest.mark.parametrize("field", ["our_ref", "to_hands", "attachment-count", "subject-case"])
def test_a_candidate_differing_in_any_signed_field_is_not_it(app: App, isds: FakeIsds,
                                                             pki: TestPki, field: str) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    if field == "our_ref":
        _record(app, our_ref="Č.j. 2/2026")
    elif field == "to_hands":
        _record(app, to_hands="someone else")
    elif field == "attachment-count":
        _record(app, files=FILES[:1])
    else:
        _record(app, subject="žádost o informace")
    listed = [*FILES[:1], ("x.txt", b"x")] if field == "attachment-count" else FILES
    isds.add_sent("Žádost o informace", listed)
    [res] = svc.reconcile("úřad")
    assert res.record.state == FAILED, field


def test_surrounding_blanks_do_not_make_a_difference(app: App, isds: FakeIsds,
                                                     pki: TestPki) -> None:
    """ISDS may trim what it stores; a record with a trailing blank is still that message."""
    svc, _acc, _ = _service(app, isds, pki)
    _record(app, subject="Žádost o informace ")
    dm_id = isds.add_sent("Žádost o informace", FILES)
    [res] = svc.reconcile("úřad")
    assert (res.record.state, res.record.dm_id) == (SENT, dm_id)


def test_a_dm_id_already_claimed_by_another_record_is_not_matched_twice(
        app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    first = _record(app, minutes_ago=6)
    second = _record(app, minutes_ago=5)
    dm_id = isds.add_sent("Žádost o informace", FILES)
    results = {r.record.id: r for r in svc.reconcile("úřad")}
    assert results[first].record.state == SENT and results[first].record.dm_id == dm_id
    # One message in ISDS can stand for one record only: the identical second send did
    # not go out.
    assert results[second].record.state == FAILED
    assert results[second].record.dm_id is None


def test_the_oldest_record_is_settled_first(app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    older = _record(app, minutes_ago=9)
    newer = _record(app, minutes_ago=2)
    results = svc.reconcile("úřad")
    assert [r.record.id for r in results] == sorted([older, newer])


def test_failed_login_leaves_every_submitted_record_unknown(app: App, isds: FakeIsds,
                                                            pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    prepared = _record(app, state=PREPARED)
    unknown = _record(app, state=UNKNOWN)
    submitting = _record(app, state=SUBMITTING)
    isds.login_error = LoginError("wrong password", code="9")
    results = {r.record.id: r for r in svc.reconcile("úřad")}
    assert results[prepared].record.state == FAILED  # certainly not sent, login or not
    for rid in (unknown, submitting):
        assert results[rid].record.state == UNKNOWN
        assert "login failed (LoginError: wrong password" in (results[rid].record.error or "")
    assert isds.closed == 1


def test_an_unreadable_sent_list_leaves_it_unknown_never_failed(app: App, isds: FakeIsds,
                                                                pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    rid = _record(app)
    isds.list_error = StatusError("server busy", code="9999")
    [res] = svc.reconcile("úřad")
    assert res.record.state == UNKNOWN
    assert "could not be read completely" in res.note and "server busy" in res.note
    assert svc.get(rid).state == UNKNOWN


@pytest.mark.parametrize("problem", ["tampered", "not-offered", "download-error"])
def test_a_candidate_that_cannot_be_checked_keeps_it_unknown(
        app: App, isds: FakeIsds, pki: TestPki, problem: str) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    _record(app)
    dm_id = isds.add_sent("Žádost o informace", FILES, tamper=problem == "tampered",
                          offer_zfo=problem != "not-offered")
    if problem == "download-error":
        isds.download_error[dm_id] = OSError("connection reset")
    [res] = svc.reconcile("úřad")
    # A possible match that cannot be confirmed is neither "sent" nor "not sent".
    assert res.record.state == UNKNOWN
    assert res.record.dm_id is None
    assert f"could not be checked on its signed copy: {dm_id}" in res.note
    assert _sent_rows(app) == []


def test_a_big_message_listed_as_normal_is_fetched_through_the_other_service(
        app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    _record(app)
    dm_id = isds.add_sent("Žádost o informace", FILES, big=True)
    isds.sent[dm_id].envelope = type(isds.sent[dm_id].envelope)(
        dm_id, recipient_box_id=RECIPIENT, subject="Žádost o informace")  # dmVODZ not told
    [res] = svc.reconcile("úřad")
    assert (res.record.state, res.record.dm_id) == (SENT, dm_id)
    assert isds.calls.count(f"download:{dm_id}") == 1
    assert isds.calls.count(f"download-big:{dm_id}") == 1


def test_another_status_error_on_download_is_not_taken_for_the_wrong_service(
        app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    _record(app)
    dm_id = isds.add_sent("Žádost o informace", FILES)
    isds.download_error[dm_id] = StatusError("access denied", code="1214")
    [res] = svc.reconcile("úřad")
    assert res.record.state == UNKNOWN
    assert f"download-big:{dm_id}" not in isds.calls


def test_the_whole_sent_list_is_read_page_by_page(app: App, isds: FakeIsds, pki: TestPki,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_mod, "LIST_PAGE", 2)
    svc, _acc, _ = _service(app, isds, pki)
    _record(app)
    for i in range(4):
        isds.add_sent(f"jiná zpráva {i}", [("a.txt", b"a")])
    dm_id = isds.add_sent("Žádost o informace", FILES)  # the fifth: on the third page
    [res] = svc.reconcile("úřad")
    assert (res.record.state, res.record.dm_id) == (SENT, dm_id)
    assert [c for c in isds.calls if c.startswith("list:")] == ["list:1:2", "list:3:2",
                                                                "list:5:2"]


def test_size_filter_skips_impossible_candidates_without_downloading(
        app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    _record(app)
    far = isds.add_sent("Žádost o informace", FILES, size_kb=5000)
    [res] = svc.reconcile("úřad")
    assert res.record.state == FAILED
    assert not any(far in c for c in isds.calls if c.startswith("download"))


# -- the settle time ----------------------------------------------------------------------

def test_a_recent_record_is_looked_for_again_after_the_settle_time(
        app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, slept = _service(app, isds, pki, settle=600.0)
    rid = _record(app, minutes_ago=1)
    arrived: list[str] = []

    def second_look() -> None:
        # ISDS commits the message while we wait: the second look finds it.
        if len([c for c in isds.calls if c.startswith("list:")]) == 2 and not arrived:
            arrived.append(isds.add_sent("Žádost o informace", FILES))

    isds.on_list = second_look
    [res] = svc.reconcile("úřad")
    assert len(slept) == 1 and 300 < slept[0] <= 540  # 600 s minus the minute (and more) gone
    assert (res.record.state, res.record.dm_id) == (SENT, arrived[0])
    assert svc.get(rid).state == SENT


def test_not_waiting_leaves_a_recent_record_unknown(app: App, isds: FakeIsds,
                                                    pki: TestPki) -> None:
    svc, _acc, slept = _service(app, isds, pki, settle=600.0)
    rid = _record(app, minutes_ago=1)
    isds.login()  # the send's own logged-in client
    res = svc.reconcile_record(isds, svc.get(rid), wait=False)
    assert res.record.state == UNKNOWN
    assert "ISDS may still be processing" in res.note and slept == []


def test_cancel_before_or_while_waiting_leaves_it_unknown(app: App, isds: FakeIsds,
                                                          pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki, settle=600.0)
    isds.login()
    rid = _record(app, minutes_ago=1)
    cancel = threading.Event()
    cancel.set()
    res = svc.reconcile_record(isds, svc.get(rid), cancel=cancel)
    assert res.record.state == UNKNOWN and "cancelled" in res.note
    assert not any(c.startswith("list:") for c in isds.calls)


def test_a_record_settled_meanwhile_by_another_process_is_not_overwritten(
        app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    rid = _record(app)

    def someone_else_settles() -> None:
        with app.db.write() as s:
            OutboxRepo(s).update(rid, state=SENT, dm_id="123456")

    isds.on_list = someone_else_settles
    [res] = svc.reconcile("úřad")
    assert res.note == "already settled"
    assert (res.record.state, res.record.dm_id) == (SENT, "123456")


# -- the user's decisions, reading, locking -----------------------------------------------

def test_discard_closes_an_unknown_record_but_never_a_sent_one(app: App, isds: FakeIsds,
                                                               pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    unknown = _record(app)
    sent = _record(app, subject="jiná")
    with app.db.write() as s:
        OutboxRepo(s).update(sent, state=SENT, dm_id="555", unreported=True)
    closed = svc.discard(unknown)
    assert closed.state == DISCARDED and closed.unreported is False
    with pytest.raises(OutboxError, match="was sent as 555"):
        svc.discard(sent)
    assert svc.get(sent).state == SENT
    with pytest.raises(NotFound):
        svc.discard(999999)


def test_records_open_only_and_open_accounts(app: App, isds: FakeIsds, pki: TestPki) -> None:
    app.accounts.add(AccountSpec("druhý", LoginMethod.PASSWORD, "u2"))
    svc, _acc, _ = _service(app, isds, pki)
    a = _record(app, state=UNKNOWN)
    b = _record(app, state=SUBMITTING, account="druhý")
    c = _record(app, state=PREPARED)
    with app.db.write() as s:
        OutboxRepo(s).update(c, state=FAILED)
    assert [r.id for r in svc.records(open_only=True)] == [b, a]  # newest first
    assert [r.id for r in svc.records("úřad")] == [c, a]
    assert [r.id for r in svc.records(limit=1)] == [c]
    assert svc.open_accounts() == ["druhý", "úřad"]


def test_reconcile_all_settles_each_account_on_its_own(app: App, isds: FakeIsds,
                                                          pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    _record(app, account="smazaný")  # its account was removed after the send
    ok = _record(app)
    dm_id = isds.add_sent("Žádost o informace", FILES)
    out = svc.reconcile_all()
    # No client for a removed account: its record stays unknown, with the reason.
    gone = out["smazaný"]
    assert isinstance(gone, list) and [r.record.state for r in gone] == [UNKNOWN]
    assert "no account named 'smazaný'" in gone[0].note
    results = out["úřad"]
    assert isinstance(results, list)
    assert [(r.record.id, r.record.state, r.record.dm_id) for r in results] == [
        (ok, SENT, dm_id)]


def test_one_sender_per_account(app: App, isds: FakeIsds, pki: TestPki,
                                tmp_path: Path) -> None:
    svc, _acc, _ = _service(app, isds, pki, lock_dir=tmp_path / "locks")
    (tmp_path / "locks").mkdir()
    with svc.lock("úřad"), pytest.raises(OutboxBusy, match="is sending right now"):
        svc.reconcile_account("úřad")
    # Released: now it runs (and with nothing open it has nothing to do).
    assert svc.reconcile_account("úřad") == []
    # A removed account has no lock to take (nobody can send from it).
    with svc.lock("no such account"):
        pass


# -- texts and JSON -----------------------------------------------------------------------

def test_result_texts_in_both_languages(app: App, isds: FakeIsds, pki: TestPki) -> None:
    svc, _acc, _ = _service(app, isds, pki)
    _record(app, subject="Sent one")
    _record(app, subject="Failed one", state=PREPARED)
    _record(app, subject="Unknown one")
    dm_id = isds.add_sent("Sent one", FILES)
    by_subject = {r.record.subject: r for r in svc.reconcile("úřad")}
    sent, failed = by_subject["Sent one"], by_subject["Failed one"]
    assert sent.text("en") == (f"The interrupted send of 'Sent one' to {RECIPIENT} did go out "
                               f"(message {dm_id}); it is in the sent messages.")
    assert sent.text() == (f"Přerušené odeslání zprávy „Sent one“ pro {RECIPIENT} proběhlo "
                           f"(zpráva {dm_id}); zpráva je mezi odeslanými.")
    assert "did not go out; you may send it again" in failed.text("en")
    assert "neodešla; můžete ji odeslat znovu" in failed.text("cs")
    gone = by_subject["Unknown one"]
    assert gone.record.state == FAILED  # the list was read completely, it is not there
    still = ReconcileResult(dataclasses.replace(gone.record, state=UNKNOWN), UNKNOWN, "x")
    assert still.text("en").startswith("It is still not known whether 'Unknown one'")
    assert still.text("cs").startswith("Stále není jisté, zda zpráva „Unknown one“")
    js = sent.to_json()
    assert js["before"] == UNKNOWN and js["state"] == SENT and js["dm_id"] == dm_id
    assert js["note"] == sent.note
    assert [a["name"] for a in js["attachments"]] == ["dopis.pdf", "priloha.txt"]


# -- the pure rules -----------------------------------------------------------------------

def test_fingerprint_covers_every_field_and_every_byte() -> None:
    atts = _atts(FILES)
    base = dict(account="a", recipient="abc1234", subject="s", refs=("1", None, None, None),
                options={"to_hands": None, "ovm": True}, attachments=atts)
    fp = fingerprint(**base)  # type: ignore[arg-type]
    assert fp == fingerprint(**{**base, "options": {"ovm": True, "to_hands": None}})  # type: ignore[arg-type]
    changes: list[dict[str, Any]] = [
        {"account": "b"}, {"recipient": "abc1235"}, {"subject": "S"},
        {"refs": ("1", "2", None, None)}, {"options": {"to_hands": "x", "ovm": True}},
        {"attachments": atts[::-1]}, {"attachments": atts[:1]},
        {"attachments": [OutboxAttachment("dopis.pdf", atts[0].size, "0" * 64, "/p"), *atts[1:]]},
    ]
    seen = {fp}
    for change in changes:
        other = fingerprint(**{**base, **change})  # type: ignore[arg-type]
        assert other not in seen, change
        seen.add(other)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=30 * 1024 * 1024), min_size=1,
                max_size=5))
def test_isds_rounded_size_of_the_real_attachments_is_always_plausible(
        sizes: list[int]) -> None:
    atts = [OutboxAttachment(f"f{i}", n, "0" * 64, "") for i, n in enumerate(sizes)]
    raw_kb = sum(sizes) // 1024
    b64_kb = round(sum((n + 2) // 3 * 4 for n in sizes) / 1024)
    # Whichever figure ISDS reports (raw or base64, rounded), the real message passes.
    assert _size_plausible(raw_kb, atts)
    assert _size_plausible(b64_kb, atts)
    assert _size_plausible(None, atts)
    # ... and a message three times as large is filtered out.
    assert not _size_plausible(int(sum(sizes) * 3 / 1024) + 10, atts)
