"""`dso notify config|test` in-process: settings saved only when all of them are valid, the
SMTP password into the keyring only, the content opt-in per account."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.cli.cli_helpers import add_account, dso, dso_json, offline_english  # noqa: F401 - fixture

from dso_desktop import secretstore
from dso_desktop.services.notify import SECRET_ACCOUNT, SECRET_KIND

pytestmark = pytest.mark.usefixtures("offline_english")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    add_account(d, "obec")
    add_account(d, "starosta")
    return d


def _config(data: Path, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    return dso("notify", "config", *argv, "--data-dir", str(data), stdin=stdin)


def _view(data: Path) -> dict:
    code, view, _ = dso_json("notify", "config", "--data-dir", str(data))
    assert code == 0
    return view


def test_defaults_and_a_full_configuration(data: Path) -> None:
    assert _view(data) == {"enabled": False, "to": "", "from": "", "host": "", "port": 587,
                           "security": "starttls", "username": "", "ca_file": None,
                           "password_saved": None, "content_accounts": []}
    code, out, _ = _config(data, "--enable", "--to", "podatelna@obec.example", "--from",
                           "dso@obec.example", "--host", " smtp.obec.example ", "--port",
                           "465", "--security", "tls", "--username", "dso@obec.example",
                           "--password-stdin", stdin="Posta-Heslo-1\n")
    assert code == 0
    assert "Posta-Heslo-1" not in out
    assert out.splitlines()[0] == "e-mail digest: on"
    assert "server: smtp.obec.example:465 (tls)" in out
    assert "login: dso@obec.example, password saved in the keyring" in out
    assert secretstore.get_secret(SECRET_ACCOUNT, SECRET_KIND) == "Posta-Heslo-1"
    view = _view(data)
    assert (view["enabled"], view["host"], view["port"], view["password_saved"]) == (
        True, "smtp.obec.example", 465, True)
    # The password is in the keyring only, not in the archive's files.
    for f in data.rglob("*"):
        if f.is_file():
            assert b"Posta-Heslo-1" not in f.read_bytes(), f
    code, out, _ = _config(data, "--forget-password", "--disable")
    assert code == 0 and "password NOT saved" in out and "e-mail digest: off" in out
    assert secretstore.get_secret(SECRET_ACCOUNT, SECRET_KIND) is None


@pytest.mark.parametrize(("argv", "code_", "text"), [
    (["--to", "a@b.example, c@d.example"], 1, "the recipient is not one e-mail address"),
    (["--from", "Úřad <x@y.example>"], 1, "the sender is not one e-mail address"),
    (["--port", "0"], 2, "--port must be 1-65535"),
    (["--security", "ssl"], 2, "invalid choice: 'ssl'"),
    (["--enable", "--disable"], 2, "not allowed with argument"),
    (["--password-stdin", "--forget-password"], 2, "exclude each other"),
    (["--content", "nikdo"], 1, "no account named 'nikdo'"),
])
def test_a_bad_value_saves_nothing_at_all(data: Path, argv: list[str], code_: int,
                                          text: str) -> None:
    code, _, err = _config(data, "--host", "smtp.changed.example", *argv, stdin="pw\n")
    assert code == code_ and text in err
    assert _view(data)["host"] == ""  # the valid --host beside it was not saved either
    assert secretstore.get_secret(SECRET_ACCOUNT, SECRET_KIND) is None


def test_an_empty_password_on_stdin_is_a_usage_error(data: Path) -> None:
    code, _, err = _config(data, "--password-stdin", stdin="\n")
    assert code == 2 and "no password on standard input" in err


def test_content_opt_in_per_account(data: Path) -> None:
    _config(data, "--content", "obec", "--content", "starosta")
    assert _view(data)["content_accounts"] == ["obec", "starosta"]
    _config(data, "--content", "obec")  # again: not twice
    assert _view(data)["content_accounts"] == ["obec", "starosta"]
    code, out, _ = _config(data, "--no-content", "obec")
    assert code == 0 and "content of new messages for: starosta" in out
    _config(data, "--no-content", "starosta")
    code, out, _ = _config(data)
    assert "content of new messages for: (no account)" in out


def test_the_test_mail_without_settings_says_what_is_missing(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = dso_json("notify", "test", "--data-dir", str(data))
    assert code == 1
    assert out["error"] == "e-mail notification needs: SMTP server, recipient"
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _, err = dso("notify", "test", "--data-dir", str(data))
    assert code == 1
    assert err == ("dso: chyba: Upozornění e-mailem není úplně nastavené: chybí poštovní "
                   "server, příjemce.\n")


def test_a_login_without_a_saved_password_is_named(data: Path) -> None:
    _config(data, "--to", "podatelna@obec.example", "--host", "127.0.0.1", "--username",
            "dso@obec.example")
    code, _, err = dso("notify", "test", "--data-dir", str(data))
    assert code == 1 and "the SMTP password is not saved" in err
