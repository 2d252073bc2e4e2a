"""The archive most unit tests start from: one account, "urad" (test environment, password
login), on a fresh store. Import a fixture under the name the module's tests use:
``from tests.unit.archive_helpers import urad_db as db``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dso_desktop.store.db import Database
from dso_desktop.store.repos import AccountRepo


def archive_with_urad(url: str) -> Database:
    d = Database.open_url(url)
    with d.write() as s:
        AccountRepo(s).add("urad", environment="test", login_method="password", username="u")
    return d


@pytest.fixture
def urad_db(store_url: str) -> Iterator[Database]:
    """On each backend (SQLite and PostgreSQL)."""
    d = archive_with_urad(store_url)
    yield d
    d.close()


@pytest.fixture
def urad_sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A SQLite file in the test's folder (a copy of the session's migrated template)."""
    target = tmp_path / "archive.sqlite3"
    shutil.copyfile(sqlite_template, target)
    target.chmod(0o600)
    d = archive_with_urad(f"sqlite:///{target}")
    yield d
    d.close()
