"""`dso store migrate --to URL`: a SQLite archive moved into PostgreSQL, verified and
resumable, the SQLite file untouched."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.domain import Direction
from dso_desktop.paths import AppPaths
from dso_desktop.services import storemigrate
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.repos import AccountRepo, TagRepo
from dso_desktop.sync.ingest import index_text, parse_and_verify, store_message_zfo
from dso_desktop.zfo.trust import TrustStore

NOW = datetime(2026, 3, 10, tzinfo=UTC)


@pytest.fixture
def archive(tmp_path: Path, make_zfo: Callable[..., bytes], trust: TrustStore) -> Path:
    """A SQLite archive: an account, three signed messages, a tag, a note, a setting."""
    path = tmp_path / "data" / "archive.sqlite3"
    db = Database.open(path)
    try:
        with db.write() as s:
            AccountRepo(s).add("urad", environment="test", login_method="password",
                               username="u")
            tag = TagRepo(s).create("Vyřídit", "#ff0000")
        for n, subject in enumerate(("Rozhodnutí o dotaci", "Výzva k úhradě",
                                     "Pozvánka na jednání")):
            data = make_zfo(dm_id=f"70{n}", subject=subject,
                            files=[(f"priloha{n}.txt", f"Příloha číslo {n}".encode())])
            parsed, verdict = parse_and_verify(data, trust, now=NOW)
            res = store_message_zfo(db, data, parsed, verdict, account_id=1,
                                    direction=Direction.RECEIVED, source="sync")
            assert res.message_id is not None
        with db.write() as s:
            TagRepo(s).assign(1, tag.id)
            MessageRepo(s).set_note(2, "Předáno odboru")
        db.checkpoint()
    finally:
        db.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_migrate_copies_verifies_and_leaves_the_sqlite_file_untouched(
        archive: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    before = _digest(archive)
    out, err = io.StringIO(), io.StringIO()
    code = run(["store", "migrate", "--to", pg_url, "--data-dir", str(archive.parent),
                "--json"], out=out, err=err)
    assert code == 0, err.getvalue()
    result = json.loads(out.getvalue())
    assert result["tables"]["messages"] == 3 and result["tables"]["message_zfos"] == 3
    assert result["tables"]["message_tags"] == 1 and result["blobs_verified"] == 3
    assert result["indexed"] == 3 and result["check"]["checked"] == 3
    assert _digest(archive) == before  # the source is never written
    with App.open(AppPaths.default(archive.parent / "pc2"), offline=True,
                  store_url=pg_url) as app:
        assert app.search.search_ids("uhrade") == [2]  # the index was rebuilt from ZFOs
        assert app.messages.detail(2).note == "Předáno odboru"
        assert app.tags.create("Nový", "#00ff00").id == 2  # ids continue after the copy
        with app.db.read() as s, Database.open(archive).read() as src:
            assert MessageRepo(s).zfo(1) == MessageRepo(src).zfo(1)


def test_an_interrupted_migration_resumes_without_duplicates(
        archive: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storemigrate, "BATCH_ROWS", 1)
    calls: list[str] = []

    def dies_in_the_evidence(table: str, done: int, total: int) -> None:
        calls.append(table)
        if table == "message_zfos" and done == 2:
            raise ConnectionError("the network went away")

    with pytest.raises(ConnectionError):
        storemigrate.migrate(archive, pg_url, progress=dies_in_the_evidence)
    report = storemigrate.migrate(archive, pg_url, index_text=index_text)
    assert report.resumed and report.copied["message_zfos"] == 1
    assert report.copied["accounts"] == 0 and report.tables["message_zfos"] == 3
    assert report.blobs_verified == 3 and report.indexed == 3


def test_a_target_holding_something_else_is_refused(
        archive: Path, pg_url: str, tmp_path: Path) -> None:
    other = Database.open_url(pg_url)
    with other.write() as s:
        AccountRepo(s).add("jiny", environment="test", login_method="password", username="x")
    other.close()
    with pytest.raises(storemigrate.StoreMigrationError, match="not empty"):
        storemigrate.migrate(archive, pg_url)
    with pytest.raises(storemigrate.StoreMigrationError, match="no archive"):
        storemigrate.migrate(tmp_path / "missing.sqlite3", pg_url)
