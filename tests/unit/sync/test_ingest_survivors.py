"""Survivors of the mutation run of branch ``mutsurv`` in `sync.ingest`: the check's own
time, the attachment text only when asked for, and no evidence cause where the verdict has
none."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.domain import VerdictKind
from dso_desktop.store.db import Database
from dso_desktop.sync.ingest import check_zfo, parse_and_verify, verdict_info
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

NOW = SEALED_AT + timedelta(days=2)


def test_the_check_runs_at_the_time_it_is_given(pki: TestPki) -> None:
    data = seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT)
    trust = TrustStore.from_paths([pki.ca_file])
    _parsed, verdict = parse_and_verify(data, trust, now=NOW)
    assert verdict.checked_at == NOW  # the time recorded as when the evidence was checked
    assert check_zfo(data, trust, now=NOW).verdict.checked_at == NOW


def test_attachment_text_is_extracted_only_when_asked_for(pki: TestPki) -> None:
    data = seal(message_xml(pki, files=[("dopis.txt", "Vážený pane, žádost".encode())]),
                pki.seal, pki.tsa, SEALED_AT)
    trust = TrustStore.from_paths([pki.ca_file])
    assert check_zfo(data, trust, now=NOW).texts == (("dopis.txt", "Vážený pane, žádost"),)
    lean = check_zfo(data, trust, with_text=False, now=NOW)
    assert lean.texts == () and lean.attachment_count == 1


def test_a_verdict_without_an_evidence_horizon_records_no_cause(pki: TestPki) -> None:
    trust = TrustStore.from_paths([pki.ca_file])
    bad = seal(message_xml(pki, tamper_hash=True), pki.seal, pki.tsa, SEALED_AT)
    _parsed, verdict = parse_and_verify(bad, trust, now=NOW)
    info = verdict_info(verdict)
    assert info.kind is VerdictKind.INVALID
    assert info.evidence_cause is None and info.evidence_expires is None
    good = seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT)
    _parsed, verdict = parse_and_verify(good, trust, now=NOW)
    assert verdict_info(verdict).evidence_cause == verdict.evidence_cause.value


def test_a_stored_message_and_a_conflicting_copy_are_reported_as_such(
        pki: TestPki, tmp_path: object) -> None:
    from tests.unit.archive_helpers import archive_with_urad

    from dso_desktop.domain import Direction
    from dso_desktop.sync.ingest import IngestStatus, import_zfo

    db = archive_with_urad(f"sqlite:///{tmp_path}/a.sqlite3")
    try:
        trust = TrustStore.from_paths([pki.ca_file])
        first = seal(message_xml(pki, dm_id="7101"), pki.seal, pki.tsa, SEALED_AT)
        stored = import_zfo(db, trust, first, account_id=1, account_box_id=None, now=NOW)
        assert (stored.status, stored.dm_id, stored.direction, stored.reason) == (
            IngestStatus.STORED, "7101", Direction.RECEIVED, None)
        other = seal(message_xml(pki, dm_id="7101", subject="Jiná věc"), pki.seal, pki.tsa,
                     SEALED_AT)
        kept = import_zfo(db, trust, other, account_id=1, account_box_id=None, now=NOW)
        assert (kept.status, kept.message_id, kept.dm_id) == (
            IngestStatus.CONFLICT, stored.message_id, "7101")
        assert kept.reason == ("a different copy of this message is already the evidence; "
                               "kept beside it")
    finally:
        db.close()


# -- survivors of seed 20261208 (branch ``survsync``) -----------------------------------------

def test_the_reason_of_a_quarantine_is_every_reason_of_the_verdict_or_a_plain_fallback(
        ) -> None:
    from types import SimpleNamespace

    from dso_desktop.sync.ingest import _reasons

    said = SimpleNamespace(reasons=("unknown CA", "no timestamp"),
                           reasons_cs=("neznámá CA", "bez razítka"))
    assert _reasons(said) == "unknown CA; no timestamp"
    assert _reasons(said, "cs") == "neznámá CA; bez razítka"
    # A verdict that gives no reasons (or has no such attribute) still says something.
    assert _reasons(object()) == "the seal is not trusted"
    assert _reasons(object(), "cs") == "pečeť není důvěryhodná"
    assert _reasons(SimpleNamespace(reasons=(), reasons_cs=()), "cs") == \
        "pečeť není důvěryhodná"


def test_an_attachment_as_big_as_the_text_extractor_reads_is_still_indexed() -> None:
    """The size bound that skips decoding is the extractor's own (more than MAX_INPUT is
    not read): an attachment of exactly MAX_INPUT bytes is decoded and indexed."""
    from types import SimpleNamespace

    from dso_desktop.store.textextract import MAX_INPUT
    from dso_desktop.sync.ingest import _attachment_texts

    def att(size: int) -> SimpleNamespace:
        return SimpleNamespace(name="dopis.txt", size=size, content=lambda: b"kotlik dotace")

    zfo = SimpleNamespace(attachments=[att(MAX_INPUT), att(MAX_INPUT + 1)])
    assert _attachment_texts(zfo) == [("dopis.txt", "kotlik dotace"), ("dopis.txt", "")]


def _archive(tmp_path: Path) -> Database:
    from tests.unit.archive_helpers import archive_with_urad

    return archive_with_urad(f"sqlite:///{tmp_path}/a.sqlite3")


def test_a_message_whose_seal_is_broken_is_refused_by_the_store_naming_it(
        pki: TestPki, tmp_path: Path) -> None:
    from dso_desktop.domain import Direction
    from dso_desktop.sync.ingest import IngestError, store_message_zfo

    db = _archive(tmp_path)
    try:
        bad = seal(message_xml(pki, dm_id="7201", tamper_hash=True), pki.seal, pki.tsa,
                   SEALED_AT)
        parsed, verdict = parse_and_verify(bad, TrustStore.from_paths([pki.ca_file]),
                                           now=NOW)
        with pytest.raises(IngestError) as refused:
            store_message_zfo(db, bad, parsed, verdict, account_id=1,
                              direction=Direction.RECEIVED, source="send")
        assert str(refused.value) == ("message 7201: the seal is invalid; it does not become "
                                      "evidence")
    finally:
        db.close()


def test_a_copy_fetched_from_isds_is_stored_even_when_its_seal_is_not_trusted_here(
        pki: TestPki, tmp_path: Path) -> None:
    """`store_message_zfo` stores what ISDS gave (a sent message downloaded right after
    sending) by default: an untrusted seal (a CA this trust store lacks) is evidence of
    ISDS's own copy, not a file to quarantine."""
    from dso_desktop.domain import Direction
    from dso_desktop.sync.ingest import IngestStatus, store_message_zfo
    from dso_desktop.zfo.testpki import create_pki

    db = _archive(tmp_path)
    try:
        other = create_pki(tmp_path / "other")
        data = seal(message_xml(pki, kind="sent", dm_id="7202"), pki.seal, pki.tsa,
                    SEALED_AT)
        parsed, verdict = parse_and_verify(data, TrustStore.from_paths([other.ca_file]),
                                           now=NOW)
        assert verdict.kind == "untrusted"
        result = store_message_zfo(db, data, parsed, verdict,
                                   account_id=1, direction=Direction.SENT, source="send")
        assert (result.status, result.dm_id, result.verdict) == (
            IngestStatus.STORED, "7202", "untrusted")
    finally:
        db.close()


def test_a_delivery_info_that_does_not_verify_is_refused_by_the_store_itself(
        pki: TestPki, tmp_path: Path) -> None:
    """Below the sync's own check: `store_checked` given a delivery info whose seal is
    broken stores nothing and reports why, in English and Czech."""
    from sqlalchemy import text

    from dso_desktop.domain import Direction
    from dso_desktop.sync.ingest import (
        DeliveryInfoToStore,
        IngestError,
        store_checked,
        store_message_zfo,
    )

    db = _archive(tmp_path)
    try:
        trust = TrustStore.from_paths([pki.ca_file])
        msg = seal(message_xml(pki, dm_id="7203"), pki.seal, pki.tsa, SEALED_AT)
        parsed, verdict = parse_and_verify(msg, trust, now=NOW)
        mid = store_message_zfo(db, msg, parsed, verdict, account_id=1,
                                direction=Direction.RECEIVED, source="sync").message_id
        assert mid is not None
        di = seal(message_xml(pki, kind="delivery-info", dm_id="7203"), pki.seal, pki.tsa,
                  SEALED_AT)
        good = check_zfo(di, trust, with_text=False, now=NOW)
        checked = dataclasses.replace(good, verdict=dataclasses.replace(
            good.verdict, kind=VerdictKind.INVALID))  # its seal broken
        (outcome,) = store_checked(db, [DeliveryInfoToStore(mid, di, checked)])
        assert isinstance(outcome, IngestError)
        assert str(outcome) == "the delivery info does not verify; not stored"
        assert outcome.message_cs == "Doručenka se neověřila; neuložena."
        with db.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM delivery_infos")).scalar_one() == 0
    finally:
        db.close()


def test_a_checking_process_lowers_its_priority_by_five_where_it_can(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from dso_desktop.sync import ingest

    asked: list[object] = []

    def nice(step: object) -> int:
        asked.append(step)
        raise PermissionError("not allowed here")  # an OSError: checking goes on anyway

    monkeypatch.setattr(os, "nice", nice)
    ingest._lower_priority()
    assert asked == [5]


def test_a_checking_process_checks_with_the_trust_store_it_was_given(
        pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the checking process runs, run here: `init_worker` keeps the sync's trust
    store, `check_in_worker` verifies against it and extracts text only when asked."""
    import os

    from dso_desktop.sync import ingest

    monkeypatch.setattr(ingest, "_WORKER_TRUST", None)  # restored afterwards
    monkeypatch.setattr(ingest, "_TIME_LIMIT", ingest.CHECK_TIME_LIMIT)
    monkeypatch.setattr(os, "nice", lambda step: 0)
    ingest.init_worker(TrustStore.from_paths([pki.ca_file]), 30)
    data = seal(message_xml(pki, files=[("dopis.txt", b"kotlik")]), pki.seal, pki.tsa,
                SEALED_AT)
    lean = ingest.check_in_worker(data, False)
    assert lean.verdict.kind is VerdictKind.VALID and lean.texts == ()
    assert ingest.check_in_worker(data, True).texts == (("dopis.txt", "kotlik"),)


def test_a_checking_process_ends_cleanly_once_its_parent_is_gone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from dso_desktop.sync import ingest

    ended: list[int] = []
    monkeypatch.setattr(os, "_exit", ended.append)
    r, w = os.pipe()
    os.close(w)  # the "parent" has ended: its sentinel is ready
    try:
        ingest._exit_with(r)
    finally:
        os.close(r)
    assert ended == [0]


def test_the_stored_verdict_keeps_both_horizons_of_the_evidence(pki: TestPki) -> None:
    """When the timestamp and the evidence as a whole stop being verifiable: the archive
    warns before either (a mutant that dropped one survived)."""
    good = seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT)
    _parsed, verdict = parse_and_verify(good, TrustStore.from_paths([pki.ca_file]), now=NOW)
    assert verdict.timestamp_expires is not None and verdict.evidence_expires is not None
    info = verdict_info(verdict)
    assert info.timestamp_expires == verdict.timestamp_expires
    assert info.evidence_expires == verdict.evidence_expires


# Survivors of seed 20261210 (branch ``survrest3``).

def test_a_checking_process_starts_where_there_are_no_nice_values(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from dso_desktop.sync import ingest

    before = os.getpriority(os.PRIO_PROCESS, 0)
    monkeypatch.delattr(os, "nice")  # as on Windows
    ingest._lower_priority()  # no AttributeError: checking goes on at normal priority
    assert os.getpriority(os.PRIO_PROCESS, 0) == before


def test_a_verdict_without_reasons_or_a_payload_is_recorded_plainly(pki: TestPki) -> None:
    from types import SimpleNamespace

    from dso_desktop.sync.ingest import checked_zfo
    from dso_desktop.zfo.parse import parse_zfo

    parsed = parse_zfo(seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT))
    bare = SimpleNamespace(kind="valid", checked_at=NOW)  # no reasons, no to_json
    checked = checked_zfo(parsed, bare, with_text=False)
    assert checked.reasons == () and checked.verdict.json is None


def test_the_verdict_json_keeps_czech_letters_readable(pki: TestPki) -> None:
    from types import SimpleNamespace

    verdict = SimpleNamespace(kind="invalid", checked_at=NOW,
                              to_json=lambda: {"reasons_cs": ["Pečeť neodpovídá"]})
    assert verdict_info(verdict).json == '{"reasons_cs": ["Pečeť neodpovídá"]}'


# Survivors of seed 20261211 (branch ``survrest4``).

def test_attachments_after_an_oversized_one_are_still_indexed() -> None:
    from types import SimpleNamespace

    from dso_desktop.store.textextract import MAX_INPUT
    from dso_desktop.sync.ingest import _attachment_texts

    def att(name: str, size: int) -> SimpleNamespace:
        return SimpleNamespace(name=name, size=size, content=lambda: b"kotlik dotace")

    zfo = SimpleNamespace(attachments=[att("video.txt", MAX_INPUT + 1), att("dopis.txt", 13)])
    assert _attachment_texts(zfo) == [("video.txt", ""), ("dopis.txt", "kotlik dotace")]


def test_a_checking_process_watches_its_parent_from_a_daemon_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`init_worker` in a process with a parent: the watch on the parent's sentinel runs in
    a daemon thread. Not a daemon, it would keep the checking process from exiting when
    its pool shuts it down (`multiprocessing` joins such threads at the end of a process)
    and `CheckingProcess.close` would wait until the program itself ends."""
    from types import SimpleNamespace

    from dso_desktop.sync import ingest

    started: list[dict[str, object]] = []

    class Thread:
        def __init__(self, **kw: object) -> None:
            self.kw = kw

        def start(self) -> None:
            started.append(self.kw)

    monkeypatch.setattr(ingest, "_WORKER_TRUST", None)  # restored afterwards
    monkeypatch.setattr(ingest, "_TIME_LIMIT", ingest.CHECK_TIME_LIMIT)
    monkeypatch.setattr(ingest, "_lower_priority", lambda: None)
    monkeypatch.setattr(ingest, "threading", SimpleNamespace(Thread=Thread))
    monkeypatch.setattr(ingest, "multiprocessing", SimpleNamespace(
        parent_process=lambda: SimpleNamespace(sentinel=42)))
    ingest.init_worker("trust", 30)
    assert len(started) == 1
    assert started[0]["daemon"] is True
    assert started[0]["target"] is ingest._exit_with and started[0]["args"] == (42,)
    assert (ingest._WORKER_TRUST, ingest._TIME_LIMIT) == ("trust", 30)
    monkeypatch.setattr(ingest, "multiprocessing", SimpleNamespace(parent_process=lambda: None))
    ingest.init_worker("trust", 30)  # the program's own process: nothing to watch
    assert len(started) == 1


# Survivors of seed 20261212 (branch ``survstore5``).

def test_a_copy_read_from_a_file_whose_seal_is_not_trusted_is_not_stored_as_evidence(
        pki: TestPki, tmp_path: Path) -> None:
    """`store_message_zfo` hands ``from_isds`` on to the evidence rule: the copy that ISDS
    gave is kept when nothing better exists (the test above), while the same bytes read
    from a file (``from_isds=False``) never become evidence: refused, nothing stored."""
    from sqlalchemy import text

    from dso_desktop.domain import Direction
    from dso_desktop.sync.ingest import IngestError, store_message_zfo
    from dso_desktop.zfo.testpki import create_pki

    db = _archive(tmp_path)
    try:
        other = create_pki(tmp_path / "other")
        data = seal(message_xml(pki, kind="sent", dm_id="7203"), pki.seal, pki.tsa,
                    SEALED_AT)
        parsed, verdict = parse_and_verify(data, TrustStore.from_paths([other.ca_file]),
                                           now=NOW)
        assert verdict.kind == "untrusted"
        with pytest.raises(IngestError) as refused:
            store_message_zfo(db, data, parsed, verdict, account_id=1,
                              direction=Direction.SENT, source="import", from_isds=False)
        assert str(refused.value) == ("message 7203: the seal is untrusted; it does not "
                                      "become evidence")
        with db.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM message_zfos")).scalar() == 0
    finally:
        db.close()
