"""The shared vocabulary in `domain`: one enum per kind of thing the layers report, every
member with an English and a Czech text, and the same strings as before in the archive and
in JSON output."""

from __future__ import annotations

import enum
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import dso_desktop
from dso_desktop import domain
from dso_desktop.domain import (
    TEXTS,
    VOCABULARY,
    EvidenceCause,
    EvidenceVersionKind,
    HashCheck,
    ImportStatus,
    IngestStatus,
    IntegrityProblemKind,
    Remedy,
    SyncPhase,
    VerdictKind,
    WarningKind,
    ZfoKind,
    text,
)


def _domain_enums() -> list[type[enum.Enum]]:
    return [v for v in vars(domain).values()
            if isinstance(v, type) and issubclass(v, enum.Enum) and v.__module__ == domain.__name__]


def test_every_enum_of_the_domain_is_vocabulary_with_both_texts() -> None:
    assert set(_domain_enums()) == set(VOCABULARY)
    for cls in VOCABULARY:
        assert set(TEXTS[cls]) == set(cls), cls  # no member without text, no stray text
        for member in cls:
            en, cs = text(member, "en"), text(member, "cs")
            assert en.strip() and cs.strip(), member
            assert en == TEXTS[cls][member][0] and cs == TEXTS[cls][member][1]


def test_equal_values_of_different_enums_keep_their_own_texts() -> None:
    # StrEnum members with one value are equal ("invalid", "delivery-info"): the texts are
    # looked up per enum, so each keeps its own words.
    assert VerdictKind.INVALID == IntegrityProblemKind.INVALID
    assert text(VerdictKind.INVALID, "cs") == "Neplatný"
    assert text(IntegrityProblemKind.INVALID, "cs") == "podpis je neplatný"
    assert text(ZfoKind.DELIVERY_INFO, "en") == "Delivery info"
    assert text(SyncPhase.DELIVERY_INFO, "en") == "downloading delivery info"


def test_the_stored_and_printed_strings_stay_the_same() -> None:
    # The archive stores verdict strings; `--json` prints all of these: never change one.
    assert [v.value for v in VerdictKind] == [
        "valid", "expiring", "valid-at-signing", "untrusted", "invalid"]
    assert [v.value for v in ZfoKind] == ["received", "sent", "delivery-info"]
    assert [v.value for v in SyncPhase] == [
        "login", "list-received", "list-sent", "state", "download", "delivery-info", "done"]
    assert [v.value for v in IngestStatus] == [
        "stored", "replaced", "duplicate", "conflict", "delivery-info", "quarantined"]
    assert [v.value for v in ImportStatus] == [
        "imported", "replaced", "duplicate", "conflict", "delivery-info", "quarantined",
        "invalid", "error"]
    assert [v.value for v in WarningKind] == [
        "password-expiry", "timestamp-expiry", "deletion", "fiction", "untrusted-evidence",
        "evidence-conflict", "quarantined", "send-unknown",
        "backup-failed", "backup-overdue", "undelivered"]  # issue 21 (added; the others unchanged)
    assert [v.value for v in IntegrityProblemKind] == [
        "missing-zfo", "checksum", "unparsable", "invalid", "untrusted", "mismatch",
        "conflict", "conflict-reviewed", "quarantined", "database",
        "duplicate"]  # added in session 6; the others unchanged
    assert json.dumps({"v": VerdictKind.VALID_AT_SIGNING}) == '{"v": "valid-at-signing"}'
    assert f"{IngestStatus.STORED}" == "stored" and str(ZfoKind.SENT) == "sent"


def test_one_definition_of_the_kinds_and_of_trusted() -> None:
    from dso_desktop import zfo
    from dso_desktop.store import evidence

    assert zfo.VerdictKind is VerdictKind and zfo.ZfoKind is ZfoKind
    assert [k for k in VerdictKind if k.trusted] == [
        VerdictKind.VALID, VerdictKind.EXPIRING, VerdictKind.VALID_AT_SIGNING]
    for k in VerdictKind:  # the store's rule and the vocabulary agree, for stored strings too
        assert evidence.is_trusted(k.value) is k.trusted
    assert evidence.is_trusted(None) is False


def test_import_status_of_an_ingest_status() -> None:
    assert ImportStatus.of(IngestStatus.STORED) is ImportStatus.IMPORTED
    for s in IngestStatus:
        if s is not IngestStatus.STORED:
            assert ImportStatus.of(s).value == s.value


def test_typed_service_results_print_the_same_json() -> None:
    from dso_desktop.services.types import (
        ArchiveWarning,
        ImportItem,
        ImportSummary,
        IntegrityProblem,
        IntegrityReport,
    )

    summary = ImportSummary((ImportItem("a.zfo", ImportStatus.IMPORTED),
                             ImportItem("b.zfo", ImportStatus.QUARANTINED),
                             ImportItem("c.zfo", ImportStatus.ERROR)))
    data = json.loads(json.dumps(summary.to_json()))
    assert [i["status"] for i in data["items"]] == ["imported", "quarantined", "error"]
    assert (summary.imported, summary.quarantined, summary.failed) == (1, 1, 1)
    w = ArchiveWarning(WarningKind.FICTION, "urad", 1, datetime(2026, 1, 1, tzinfo=UTC),
                       "cs", "en")
    assert json.loads(json.dumps(w.to_json()))["kind"] == "fiction"
    informational = IntegrityReport(1, 1, (IntegrityProblem(0, "", IntegrityProblemKind.
                                                            QUARANTINED, "q"),), True)
    assert informational.clean
    bad = IntegrityReport(1, 0, (IntegrityProblem(1, "x", IntegrityProblemKind.UNTRUSTED,
                                                  "u"),), True)
    assert not bad.clean


def test_a_sync_phase_is_from_the_vocabulary() -> None:
    from dso_desktop.sync.events import SyncProgress

    p = SyncProgress("urad", SyncPhase.DOWNLOAD, 1, 2)
    assert p.phase == "download"
    with pytest.raises(ValueError):
        SyncPhase("downloading")  # the engine converts its phase: a typo fails loudly


_SRC = Path(dso_desktop.__file__).parent
# Strings that look like vocabulary but are not: a command-line choice (`--receive accept`).
_NOT_VOCABULARY = {'args.receive == "accept"'}


def _product_files() -> list[Path]:
    """Every module but the simulator's (it plays ISDS and keeps its own world's strings)."""
    return [p for p in _SRC.rglob("*.py") if p.relative_to(_SRC).parts[0] != "simulator"]


def test_no_duck_typed_enum_values() -> None:
    bad = [f"{p.relative_to(_SRC)}:{n}" for p in _product_files()
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if re.search(r'getattr\([\w.]+, "value"', line)]
    assert bad == []


def _literal_comparisons(source: str) -> list[str]:
    values = sorted({m.value for cls in (VerdictKind, ZfoKind, HashCheck, SyncPhase,
                                          IngestStatus, ImportStatus, WarningKind,
                                          IntegrityProblemKind, EvidenceCause,
                                          EvidenceVersionKind, Remedy)
                     for m in cls}, key=len, reverse=True)
    alt = "|".join(re.escape(v) for v in values)
    pattern = re.compile(rf'(==|!=|\bin)\s*\(?\s*"({alt})"')
    return [line.strip() for line in source.splitlines()
            if pattern.search(line) and not any(ok in line for ok in _NOT_VOCABULARY)]


def test_the_literal_scan_sees_what_it_forbids() -> None:
    assert _literal_comparisons('if i.status in ("quarantined", "conflict"):\n'
                                'x = o.kind.value == "resigned"\n'
                                'if kind in ("received", "sent") and y:\n'
                                'ok = rows == ["ok"]\n'
                                'if s is ImportStatus.QUARANTINED:\n') == [
        'if i.status in ("quarantined", "conflict"):', 'x = o.kind.value == "resigned"',
        'if kind in ("received", "sent") and y:']


def test_no_literal_comparisons_with_the_vocabulary() -> None:
    """The GUI and the sync engine too (they were left for their own branches before)."""
    bad = [f"{p.relative_to(_SRC).as_posix()}: {line}" for p in _product_files()
           for line in _literal_comparisons(p.read_text(encoding="utf-8"))]
    assert bad == []
