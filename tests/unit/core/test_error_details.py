"""Issue 14, "error details with no English lines": a user-facing error line is built from
the error's kind and its structured details in the user's language; the English message
stays for logs and ``--json``."""

from __future__ import annotations

import errno

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dso_desktop.errors import (
    DETAIL_TEXTS,
    OS_ERROR_TEXTS,
    DsoError,
    ErrorKind,
    error_text,
    os_error_text,
)
from dso_desktop.isds.errors import (
    ConnectionFailed,
    HttpError,
    StatusError,
    WrongCredentials,
)
from dso_desktop.store.errors import AlreadyExists


def test_czech_line_is_the_kind_with_czech_details_and_never_the_english_text() -> None:
    exc = AlreadyExists("an account named 'urad' exists already").add_details(account="urad")
    assert exc.user_text("cs") == \
        "Účet nebo štítek s tímto názvem už existuje. (účet urad)"
    assert exc.user_text("en") == "an account named 'urad' exists already" == exc.message
    assert exc.to_json()["error"] == exc.message  # --json and logs: English


def test_an_errors_own_czech_sentence_wins() -> None:
    exc = AlreadyExists("english").add_details(account="x")
    exc.message_cs = "Vlastní věta."
    assert exc.user_text("cs") == "Vlastní věta."


def test_isds_errors_show_code_status_and_isds_own_text() -> None:
    exc = StatusError("ISDS refused", code="1214", server_message="Zpráva neexistuje.",
                      operation="MessageDownload")
    assert exc.user_text("cs") == ("ISDS požadavek odmítl. (operace MessageDownload; "
                                   "kód ISDS 1214; ISDS uvádí: Zpráva neexistuje.)")
    # HTTP 401 is the web server's answer, not an ISDS code
    assert "stavový kód HTTP 401" in WrongCredentials("refused", code="401").user_text("cs")
    assert "kód ISDS" not in WrongCredentials("refused", code="401").user_text("cs")
    assert "stavový kód HTTP 500" in HttpError("boom", status=500).user_text("cs")
    url = ConnectionFailed("cannot reach x").add_details(url="https://h/DS/dz")
    assert url.user_text("cs").endswith("(adresa https://h/DS/dz)")


def test_unknown_detail_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown error details"):
        DsoError("x").add_details(colour="red")


def test_every_kind_and_detail_has_both_languages() -> None:
    for kind in ErrorKind:
        assert error_text(kind, "cs") and error_text(kind, "en"), kind
    for name, (en, cs) in DETAIL_TEXTS.items():
        assert en.count("{}") == cs.count("{}") == 1, name
    for code, (en, cs) in OS_ERROR_TEXTS.items():
        assert en and cs and en != cs, code


@given(st.sampled_from([*sorted(OS_ERROR_TEXTS), errno.EIO, errno.EBUSY, 0]),
       st.text(min_size=1, max_size=30).filter(lambda t: "\x00" not in t))
def test_os_errors_in_czech_say_the_meaning_and_the_file(code: int, name: str) -> None:
    exc = OSError(code, "English strerror text", name)
    line = os_error_text(exc, "cs")
    assert "English strerror" not in line and line.endswith(f": {name}")
    assert line.startswith(OS_ERROR_TEXTS.get(code, ("", "Operace se souborem selhala"))[1])
    assert os_error_text(exc, "en").endswith(f": {name}")
