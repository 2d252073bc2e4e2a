"""Survivors of session 15's whole mutation run in `sync.ingest` (branch ``survsyncing15``):
an import checked at the time it is given, the old words of a replaced copy removed from
the index, an attachment the text extractor fails on, and the checking process's profile."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.domain import Direction, IngestStatus
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.sync import ingest
from dso_desktop.sync.ingest import check_zfo, import_zfo, parse_and_verify, store_message_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

NOW = SEALED_AT + timedelta(days=2)


def test_an_import_is_checked_at_the_time_it_is_given(db: Database, pki: TestPki) -> None:
    """``now`` reaches the verification: the stored verdict says when it was checked."""
    data = seal(message_xml(pki, dm_id="7501"), pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, TrustStore.from_paths([pki.ca_file]), data, account_id=1,
                        account_box_id=None, now=NOW)
    assert result.status is IngestStatus.STORED and result.message_id is not None
    with db.read() as s:
        assert MessageRepo(s).detail(result.message_id).verified_at == NOW


def test_a_copy_replaced_by_a_trusted_import_is_no_longer_found_by_its_own_words(
        db: Database, pki: TestPki) -> None:
    """ISDS's copy stored while its seal was not trusted here (a trust store without the
    CA), then a trusted file of the same message imported: the file replaces it, and the
    words only the old copy's attachment held stop finding the message (`index_text`
    rebuilds the old copy's index row from its bytes to delete it)."""
    old = seal(message_xml(pki, dm_id="7502", files=[("dopis.txt", b"kotlik puvodni")]),
               pki.seal, pki.tsa, SEALED_AT)
    parsed, verdict = parse_and_verify(old, TrustStore.from_paths([]), now=NOW)
    assert verdict.kind == "untrusted"
    first = store_message_zfo(db, old, parsed, verdict, account_id=1,
                              direction=Direction.RECEIVED, source="sync")
    assert first.status is IngestStatus.STORED
    with db.read() as s:
        assert MessageRepo(s).search("puvodni") == [first.message_id]
    new = seal(message_xml(pki, dm_id="7502", files=[("dopis.txt", b"kotlik novy")]),
               pki.seal, pki.tsa, SEALED_AT)
    result = import_zfo(db, TrustStore.from_paths([pki.ca_file]), new, account_id=1,
                        account_box_id=None, now=NOW)
    assert (result.status, result.message_id) == (IngestStatus.REPLACED, first.message_id)
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.search("puvodni") == []
        assert repo.search("novy") == repo.search("kotlik") == [first.message_id]


def _docx_with_broken_deflate() -> bytes:
    """A .docx whose word/document.xml is a corrupt deflate stream: zipfile raises
    zlib.error reading it, which the text extractor does not expect."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<document>kotlik</document>" * 20)
    data = bytearray(buf.getvalue())
    start = 30 + len("word/document.xml")  # the member's data, after its local header
    data[start:start + 2] = b"\xff\xff"  # a reserved block type
    return bytes(data)


def test_an_attachment_the_text_extractor_fails_on_is_indexed_without_text(
        pki: TestPki) -> None:
    """A strange attachment costs its own text only: the message is still checked, the
    broken file indexed by its name with no words, the next attachment's words kept."""
    data = seal(message_xml(pki, dm_id="7503", files=[
        ("smlouva.docx", _docx_with_broken_deflate()), ("dopis.txt", b"kotlik dotace")]),
        pki.seal, pki.tsa, SEALED_AT)
    checked = check_zfo(data, TrustStore.from_paths([pki.ca_file]), now=NOW)
    assert checked.verdict.kind == "valid"
    assert checked.texts == (("smlouva.docx", ""), ("dopis.txt", "kotlik dotace"))


def _spin(seconds: float) -> None:
    """Burn ``seconds`` of this process's CPU."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def _nap(seconds: float) -> None:
    time.sleep(seconds)


def test_a_checking_process_profile_holds_its_cpu_times_and_is_written_at_its_exit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`_profile_into` (the checking process with ``DSO_CHECKER_PROFILE`` set) in this
    process: what runs after it is profiled in CPU time (a busy function costs its CPU, a
    sleeping one next to nothing), and the profile is written to the folder, named after
    the process, by the finalizers a process runs at its exit
    (``multiprocessing.util._exit_function``: those of priority 0 and above)."""
    import pstats
    from multiprocessing import util

    folder = tmp_path / "profiles"
    folder.mkdir()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # nothing is written where the process happens to run
    # This test's finalizers only, in the registry itself (a Finalize deletes itself from
    # the dict it was defined with before it runs): the others are put back afterwards.
    registry = util._finalizer_registry
    others = dict(registry)
    registry.clear()
    prior = sys.getprofile()
    try:
        ingest._profile_into(str(folder))
        _spin(0.05)
        _nap(0.1)
        util._run_finalizers(0)  # what the process's exit runs before os._exit
    finally:
        sys.setprofile(prior)  # whatever went wrong, this process is not profiled on
        registry.clear()
        registry.update(others)
    assert list(elsewhere.iterdir()) == []
    written = list(folder.iterdir())
    assert written == [folder / f"checker-{os.getpid()}.prof"]
    cpu = {fn[2]: stat[3] for fn, stat in pstats.Stats(str(written[0])).stats.items()
           if fn[2] in ("_spin", "_nap")}
    assert cpu["_spin"] >= 0.025  # cumulative CPU seconds, at least half of what it burned
    assert cpu["_nap"] < 0.05  # asleep for 0.1 s of the wall, next to no CPU
