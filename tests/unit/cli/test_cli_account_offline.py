"""`dso account` without a login (`--no-verify`), in-process: what is kept where, the texts,
and the refusals (usage exit 2, failures exit 1) that change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.cli.cli_helpers import dso, dso_json, offline_english  # noqa: F401 - fixture

from dso_desktop import secretstore

pytestmark = pytest.mark.usefixtures("offline_english")


def _add(data: Path, name: str = "obec", *extra: str, stdin: str | None = None
         ) -> tuple[int, str, str]:
    return dso("account", "add", name, "--login", "password", "--username", "user1",
               "--environment", "test", "--no-verify", *extra, "--data-dir", str(data),
               stdin=stdin)


def test_add_without_verifying_keeps_the_password_in_the_keyring(tmp_path: Path) -> None:
    data = tmp_path / "d"
    code, out, err = _add(data, "obec", "--password-stdin", stdin="Tajne-Heslo-9\n")
    assert (code, err) == (0, "")
    assert out == ("account obec added (test, password; login not tested; password saved "
                   "in the keyring)\n")
    assert secretstore.get_secret("obec", "password") == "Tajne-Heslo-9"
    for f in data.rglob("*"):
        if f.is_file():
            assert b"Tajne-Heslo-9" not in f.read_bytes(), f
    code, views, _ = dso_json("account", "list", "--data-dir", str(data))
    assert code == 0
    [v] = views
    assert (v["name"], v["username"], v["environment"], v["login_method"]) == (
        "obec", "user1", "test", "password")
    assert v["password_saved"] is True and v["delivery_confirmed"] is False
    code, out, _ = dso("account", "list", "--data-dir", str(data))
    assert out == "obec\tuser1\ttest\tpassword\tbox=?\tlast sync=never\n"


def test_add_options(tmp_path: Path) -> None:
    data = tmp_path / "d"
    code, view, _ = dso_json("account", "add", "a", "--login", "password", "--username", "u",
                             "--no-verify", "--accept-delivery", "--mark-downloaded",
                             "--data-dir", str(data))
    assert code == 0
    assert (view["delivery_confirmed"], view["mark_downloaded"], view["environment"]) == (
        True, True, "production")
    code, view, _ = dso_json("account", "add", "b", "--login", "password", "--username", "u",
                             "--no-verify", "--accept-delivery", "--no-received",
                             "--data-dir", str(data))
    assert (view["sync_received"], view["delivery_confirmed"]) == (False, False)
    code, _, err = dso("account", "add", "c", "--login", "password", "--username", "u",
                       "--no-verify", "--password-stdin", "--no-save-password",
                       "--data-dir", str(data), stdin="")
    # Nothing on stdin: refused before anything is added.
    assert code == 2 and err == "dso: --password-stdin: nothing on standard input\n"
    assert [v["name"] for v in dso_json("account", "list", "--data-dir", str(data))[1]] \
        == ["a", "b"]


@pytest.mark.parametrize(("extra", "code_", "text"), [
    (["--cert-password-stdin"], 2, "--cert-password-stdin needs --cert"),
    (["--login", "cert"], 1, "needs a certificate file"),
    (["--ca-file", "/no/such/ca.pem"], 1, "CA file not found: /no/such/ca.pem"),
    (["--environment", "http://sim"], 1, "environment must be production, test or an"),
])
def test_add_refusals_add_nothing(tmp_path: Path, extra: list[str], code_: int,
                                  text: str) -> None:
    data = tmp_path / "d"
    code, _, err = _add(data, "obec", *extra, stdin="x\n")
    assert code == code_ and text in err
    assert dso_json("account", "list", "--data-dir", str(data))[1] == []
    assert secretstore.get_secret("obec", "password") is None


def test_the_same_name_twice_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert _add(data)[0] == 0
    code, out, _ = dso_json("account", "add", "obec", "--login", "password", "--username",
                              "other", "--no-verify", "--data-dir", str(data))
    assert code == 1 and out["kind"] == "store.already-exists"
    assert dso_json("account", "list", "--data-dir", str(data))[1][0]["username"] == "user1"


def test_edit(tmp_path: Path) -> None:
    data = tmp_path / "d"
    _add(data, "obec", "--password-stdin", stdin="Heslo-1\n")
    code, _, err = dso("account", "edit", "obec", "--data-dir", str(data))
    assert code == 2 and "nothing to change" in err
    code, _, err = dso("account", "edit", "obec", "--forget-password", "--password-stdin",
                       "--data-dir", str(data), stdin="x\n")
    assert code == 2 and "exclude each other" in err
    code, out, _ = dso("account", "edit", "obec", "--receive", "do-not-accept", "--data-dir",
                       str(data))
    assert (code, out) == (0, "account obec changed\n")
    code, out, _ = dso("account", "edit", "obec", "--receive", "accept", "--data-dir",
                       str(data))
    assert out == ("account obec changed; received messages will be confirmed again at the "
                   "next sync\n")
    code, view, _ = dso_json("account", "edit", "obec", "--forget-password", "--data-dir",
                             str(data))
    assert code == 0 and view["password_saved"] is False
    assert secretstore.get_secret("obec", "password") is None
    code, _, err = dso("account", "edit", "nikdo", "--username", "x", "--data-dir", str(data))
    assert code == 1 and "nikdo" in err


def test_remove_says_the_messages_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    data = tmp_path / "d"
    _add(data, "obec")
    code, out, _ = dso("account", "remove", "obec", "--data-dir", str(data))
    assert (code, out) == (0, "account obec removed; its 0 messages stay in the archive\n")
    _add(data, "obec")
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _ = dso("account", "remove", "obec", "--data-dir", str(data))
    assert code == 0 and out != "account obec removed; its 0 messages stay in the archive\n"
    assert "obec" in out
