"""Survivors of the mutation run of branch ``mutsurv`` in `sync.ingest`: the check's own
time, the attachment text only when asked for, and no evidence cause where the verdict has
none."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from datetime import timedelta

from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.domain import VerdictKind
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
