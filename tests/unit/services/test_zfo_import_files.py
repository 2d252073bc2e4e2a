"""Importing ZFO files and folders (services/zfofiles.py): every file accounted for in the
summary, in the order given; a delivery info finds its message whatever the order; bad input
is named, never lost silently, never stored."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.domain import ImportStatus, VerdictKind
from dso_desktop.services import zfofiles
from dso_desktop.services.zfofiles import ZfoService, iter_zfo_files
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.zfo import ZfoError
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

NOW = SEALED_AT + timedelta(days=2)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database.open(tmp_path / "archive.sqlite3")
    yield d
    d.close()


@pytest.fixture
def service(db: Database, pki: TestPki) -> ZfoService:
    trust = TrustStore.from_paths([pki.ca_file])
    return ZfoService(db, lambda _acc=None: trust)


def _zfo(pki: TestPki, dm_id: str, kind: str = "received", subject: str = "Věc") -> bytes:
    return seal(message_xml(pki, kind=kind, dm_id=dm_id, subject=subject), pki.seal,
                pki.tsa, SEALED_AT)


def _write(folder: Path, name: str, data: bytes) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_folder_walk_takes_zfo_files_only_and_no_symlinks(tmp_path: Path) -> None:
    a = _write(tmp_path / "in", "b.zfo", b"x")
    b = _write(tmp_path / "in", "sub/A.ZFO", b"x")
    _write(tmp_path / "in", "notes.txt", b"x")
    outside = _write(tmp_path, "outside.zfo", b"x")
    os.symlink(outside, tmp_path / "in" / "link.zfo")
    os.symlink(tmp_path, tmp_path / "in" / "loop")  # a folder link is not followed either
    single = _write(tmp_path, "single.dat", b"x")  # a file named directly is taken as is
    assert list(iter_zfo_files([tmp_path / "in", single])) == [a, b, single]


def test_a_delivery_info_before_its_message_still_attaches(service: ZfoService, db: Database,
                                                           pki: TestPki, tmp_path: Path
                                                           ) -> None:
    folder = tmp_path / "in"
    _write(folder, "1_DOD_9001.zfo", _zfo(pki, "9001", kind="delivery-info"))
    _write(folder, "2_DDZ_9001.zfo", _zfo(pki, "9001"))
    _write(folder, "3_DDZ_9002.zfo", _zfo(pki, "9002"))
    summary = service.import_files([folder], now=NOW)
    # The summary keeps the folder's order; the delivery info was applied last.
    assert [(Path(i.path).name, i.status) for i in summary.items] == [
        ("1_DOD_9001.zfo", ImportStatus.DELIVERY_INFO),
        ("2_DDZ_9001.zfo", ImportStatus.IMPORTED),
        ("3_DDZ_9002.zfo", ImportStatus.IMPORTED)]
    assert summary.imported == 2 and summary.failed == 0
    assert summary.items[0].message_id == summary.items[1].message_id
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.delivery_info(summary.items[1].message_id or 0) is not None
        assert repo.delivery_info(summary.items[2].message_id or 0) is None


def test_importing_the_same_files_again_stores_nothing_twice(service: ZfoService,
                                                             db: Database, pki: TestPki,
                                                             tmp_path: Path) -> None:
    f = _write(tmp_path, "m.zfo", _zfo(pki, "9003"))
    first = service.import_files([f], now=NOW)
    again = service.import_files([f, f], now=NOW)
    assert [i.status for i in first.items] == [ImportStatus.IMPORTED]
    assert [i.status for i in again.items] == [ImportStatus.DUPLICATE] * 2
    assert again.duplicates == 2 and again.imported == 0
    with db.read() as s:
        assert MessageRepo(s).ids_by_dm_id("9003") == [first.items[0].message_id]


def test_bad_files_are_named_and_nothing_is_stored(service: ZfoService, db: Database,
                                                   pki: TestPki, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    garbage = _write(tmp_path, "garbage.zfo", b"PK\x03\x04 not a signed message")
    missing = tmp_path / "missing.zfo"
    tampered = _write(tmp_path, "tampered.zfo", seal(
        message_xml(pki, dm_id="9004", tamper_hash=True), pki.seal, pki.tsa, SEALED_AT))
    summary = service.import_files([garbage, missing, tampered], now=NOW)
    by_name = {Path(i.path).name: i for i in summary.items}
    assert by_name["garbage.zfo"].status == ImportStatus.INVALID
    assert by_name["garbage.zfo"].reason
    assert by_name["missing.zfo"].status == ImportStatus.ERROR
    assert (by_name["missing.zfo"].reason or "").startswith("FileNotFoundError")
    assert by_name["tampered.zfo"].status in (ImportStatus.QUARANTINED, ImportStatus.INVALID)
    assert by_name["tampered.zfo"].verdict in (None, VerdictKind.INVALID.value)
    assert summary.imported == 0 and summary.needs_attention
    with db.read() as s:
        assert MessageRepo(s).ids_by_dm_id("9004") == []
    monkeypatch.setattr(zfofiles, "MAX_ZFO_BYTES", 10)
    big = service.import_files([_write(tmp_path, "big.zfo", _zfo(pki, "9005"))], now=NOW)
    assert [(i.status, i.reason) for i in big.items] == [
        (ImportStatus.INVALID, "file too large for a ZFO")]


def test_an_unknown_account_is_refused_before_any_file(service: ZfoService, pki: TestPki,
                                                       tmp_path: Path) -> None:
    from dso_desktop.store.errors import NotFound

    f = _write(tmp_path, "m.zfo", _zfo(pki, "9006"))
    with pytest.raises(NotFound):
        service.import_files([f], account="nikdo", now=NOW)


def test_without_an_archive_files_are_viewed_not_imported(pki: TestPki,
                                                          tmp_path: Path) -> None:
    trust = TrustStore.from_paths([pki.ca_file])
    svc = ZfoService(None, lambda _acc=None: trust)
    f = _write(tmp_path, "m.zfo", _zfo(pki, "9007", subject="Jen k prohlédnutí"))
    view = svc.open_file(f, now=NOW)
    assert view.in_archive is None and view.verdict.kind.trusted
    assert view.zfo.envelope.subject == "Jen k prohlédnutí"
    assert [(a.index, a.name) for a in view.attachments] == [(0, "dopis.pdf")]
    with pytest.raises(ValueError, match="no archive to import into"):
        svc.import_files([f])


def test_view_knows_the_archived_copy_and_verify_never_raises(service: ZfoService,
                                                             pki: TestPki,
                                                             tmp_path: Path) -> None:
    data = _zfo(pki, "9008")
    f = _write(tmp_path, "m.zfo", data)
    [item] = service.import_files([f], now=NOW).items
    assert service.view(data, f, now=NOW).in_archive == item.message_id
    other = _zfo(pki, "9008", subject="jiný obsah")  # same dmID, other bytes
    assert service.view(other, f, now=NOW).in_archive is None
    with pytest.raises(ZfoError):
        service.view(b"not a zfo", f)
    verdict = service.verify(b"not a zfo", now=NOW)
    assert verdict.kind is VerdictKind.INVALID and verdict.reasons
    assert service.verify(data, now=NOW).kind.trusted
