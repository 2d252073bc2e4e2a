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


# -- one error root: the sentence comes with the error, matched by type -------------------


def test_a_known_error_brings_its_own_czech_sentence(czech: None) -> None:
    from dso_desktop.gui.errors import describe
    from dso_desktop.isds.errors import WrongCredentials
    from dso_desktop.zfo.errors import HostileXmlError

    plain, detail = describe(WrongCredentials("refused", code="1032",
                                              server_message="Neplatné přihlášení",
                                              operation="DummyOperation"))
    assert plain == "Uživatelské jméno nebo heslo není správné."
    assert "1032" in detail and "Neplatné přihlášení" in detail and "DummyOperation" in detail
    # The ZFO error's own, more specific Czech text (not one sentence for every ZfoError).
    plain, _ = describe(HostileXmlError("DOCTYPE in content"))
    assert plain == "Obsah zprávy obsahuje nepovolené konstrukce XML (DTD, entity)."


def test_a_subclass_is_matched_by_type_not_by_its_name(czech: None) -> None:
    """A renamed or new subclass keeps its parent's words (names are not compared)."""
    from dso_desktop.gui.errors import describe
    from dso_desktop.store.errors import NotFound
    from dso_desktop.sync.events import SyncRetryLater

    class RenamedNotFound(NotFound):
        pass

    plain, _ = describe(RenamedNotFound("no tag 'x'"))
    assert plain == "Takový účet, zpráva nebo štítek neexistuje."

    class StopAndRetry(SyncRetryLater):
        pass

    plain, _ = describe(StopAndRetry("urad", "maintenance", datetime.now(UTC)))
    assert plain.startswith("ISDS má odstávku; zkuste to znovu po")


def test_in_english_the_kind_sentence(qapp: Any) -> None:
    from dso_desktop.gui import i18n
    from dso_desktop.gui.errors import describe
    from dso_desktop.isds.errors import TimeoutError_

    i18n.install("en")
    try:
        plain, detail = describe(TimeoutError_("read timed out", operation="GetListOfSentMessages"))
        assert plain == "The data-box system did not answer in time."
        assert "read timed out" in detail
    finally:
        i18n.install("cs")


def test_a_bug_is_an_unexpected_error(czech: None) -> None:
    from dso_desktop.gui.errors import describe

    plain, detail = describe(KeyError("missing"))
    assert plain == "Došlo k neočekávané chybě."
    # issue 14: no English lines in the Czech GUI (the text and traceback are in the log)
    assert "missing" not in detail


def test_the_details_of_an_error_are_shown_in_czech_without_its_english_text(
        czech: None) -> None:
    """Issue 14: the file, account or server address of an error are shown in Czech words,
    the error's English text only goes to the log."""
    from dso_desktop.gui.errors import describe
    from dso_desktop.isds.errors import ConnectionFailed
    from dso_desktop.store.errors import AlreadyExists

    exc = ConnectionFailed("cannot reach https://isds.example/DS/dz: refused").add_details(
        url="https://isds.example/DS/dz")
    plain, detail = describe(exc)
    assert plain.startswith("Informační systém datových schránek není dostupný")
    assert "adresa https://isds.example/DS/dz" in detail and "cannot" not in detail
    plain, detail = describe(AlreadyExists("an account named 'urad' exists already")
                             .add_details(account="urad"))
    assert "účet urad" in detail and "exists" not in plain + detail
    plain, detail = describe(FileNotFoundError(2, "No such file or directory", "/x/a.zfo"))
    assert plain == "Soubor neexistuje." and detail == "/x/a.zfo"
