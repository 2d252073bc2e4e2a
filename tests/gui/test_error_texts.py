"""The Czech words for a sync that stopped: when to try again, and an archive that cannot be
written (our own sentence, never the driver's or SQL text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dso_desktop.store.errors import DiskFullError, StoreWriteError
from dso_desktop.sync.events import SyncRetryLater, SyncStoreFailed


@pytest.fixture
def czech(qapp: Any) -> None:
    from dso_desktop.gui import i18n

    i18n.install("cs")


@pytest.mark.parametrize(("reason", "code", "words"), [
    ("throttled", "3009", "ISDS omezuje počet požadavků; zkuste to znovu po"),
    ("maintenance", "503", "ISDS má odstávku; zkuste to znovu po"),
    ("timeout", None, "ISDS neodpověděl včas; zkuste to znovu po"),
])
def test_retry_later_in_czech_with_the_time(czech: None, reason: str, code: str | None,
                                            words: str) -> None:
    from dso_desktop.gui.errors import describe

    at = (datetime.now(UTC) + timedelta(minutes=5)).replace(second=0, microsecond=0)
    exc = SyncRetryLater("urad", reason, at, code=code, operation="GetListOfSentMessages",
                         attempts=6)
    plain, detail = describe(exc)
    local = at.astimezone()
    when = local.strftime("%H:%M") if local.date() == datetime.now().astimezone().date() \
        else local.strftime("%d.%m.%Y %H:%M")
    assert plain == f"{words} {when}."
    assert "GetListOfSentMessages" in detail and "stopped" not in detail
    assert (code or "") in detail


def test_a_later_day_shows_the_date(czech: None) -> None:
    from dso_desktop.gui.errors import describe

    at = datetime.now(UTC) + timedelta(days=2)
    plain, _ = describe(SyncRetryLater("urad", "maintenance", at))
    assert at.astimezone().strftime("%d.%m.%Y %H:%M") in plain


@pytest.mark.parametrize(("exc", "words"), [
    (SyncStoreFailed("urad", "disk-full"), "Disk je plný"),
    (SyncStoreFailed("urad", "read-only"), "jen pro čtení"),
    (SyncStoreFailed("urad", "io"), "chyba disku"),
])
def test_a_stopped_sync_that_cannot_write_in_czech(czech: None, exc: Exception,
                                                   words: str) -> None:
    from dso_desktop.gui.errors import describe

    plain, detail = describe(exc)
    assert plain.startswith("Synchronizace byla zastavena") and words in plain
    assert detail == ""  # nothing English, nothing technical


def test_a_store_write_error_outside_a_sync_in_czech(czech: None) -> None:
    from dso_desktop.gui.errors import describe

    plain, _ = describe(DiskFullError())
    assert plain.startswith("Disk je plný") and "Synchronizace" not in plain
    plain, _ = describe(StoreWriteError(reason="read-only"))
    assert "jen pro čtení" in plain
