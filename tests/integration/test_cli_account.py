"""`dso account` against the simulator: add tests the login and leaves nothing behind,
`--no-verify` for offline set-up, edit, and `password` (also for an expired password and an
SMS login) with the keyring following ISDS only after ISDS accepted."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dso_desktop import secretstore
from dso_desktop.cli.main import run

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    with Simulator(seed=17, messages=2) as s:
        yield s


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")


class LazyStdin(io.StringIO):
    """Standard input whose lines may be callables, read when the command asks (an SMS
    code exists only after the command asked ISDS to send it)."""

    def __init__(self, *lines: Any) -> None:
        super().__init__()
        self.lines = list(lines)

    def readline(self, *_a: Any) -> str:  # type: ignore[override]
        if not self.lines:
            return ""
        item = self.lines.pop(0)
        return (item() if callable(item) else item) + "\n"


def dso(data: Path, *argv: str, stdin: Any = None,
        mp: pytest.MonkeyPatch | None = None) -> tuple[int, Any, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert mp is not None
        mp.setattr("sys.stdin", stdin if isinstance(stdin, io.StringIO) else LazyStdin(*stdin))
    code = run(["--data-dir", str(data), *argv, "--json"], out=out, err=err)
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None), err.getvalue()


def fresh(sim: Any, method: str, suffix: str) -> Any:
    base = sim.world.users[sim.account(method).username]
    user = dataclasses.replace(base, username=base.username[:4] + suffix,
                               password="Stare-heslo-1", failed_logins=[])
    sim.world.users[user.username] = user
    return user


def add(data: Path, sim: Any, user: Any, mp: pytest.MonkeyPatch, *extra: str,
        password: str | None = None) -> tuple[int, Any, str]:
    return dso(data, "account", "add", "urad", "--login", user.login_method, "--username",
               user.username, "--environment", sim.url, "--ca-file", sim.info.ca_file,
               "--password-stdin", *extra, stdin=[password or user.password], mp=mp)


def test_add_tests_the_login_and_keeps_nothing_on_failure(
        tmp_path: Path, sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    user = fresh(sim, "password", "a1")
    code, obj, err = add(data, sim, user, monkeypatch, password="spatne-heslo")
    assert code == 1 and obj["kind"] == "isds.wrong-credentials", err
    code, rows, _ = dso(data, "account", "list")
    assert rows == []
    assert secretstore.get_secret("urad", "password") is None
    code, obj, err = add(data, sim, user, monkeypatch)
    assert code == 0, err
    assert obj["box_id"] == user.box_id and obj["password_saved"] is True
    assert obj["password_expires_at"] is not None


def test_add_when_the_keyring_fails_keeps_nothing(
        tmp_path: Path, sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    user = fresh(sim, "password", "a2")

    def broken(*_a: Any) -> None:
        raise secretstore.SecretStoreError("no keyring backend")

    monkeypatch.setattr(secretstore, "set_secret", broken)
    code, obj, _ = add(data, sim, user, monkeypatch, "--no-verify")
    assert code == 1 and obj["kind"] == "secrets.unavailable"
    monkeypatch.undo()
    monkeypatch.setenv("DSO_OFFLINE", "1")
    assert dso(data, "account", "list")[1] == []


def test_no_verify_adds_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    code, obj, err = dso(data, "account", "add", "urad", "--login", "password", "--username",
                         "abc123", "--environment", "https://127.0.0.1:9", "--no-verify",
                         "--password-stdin", stdin=["heslo-1"], mp=monkeypatch)
    assert code == 0, err
    assert obj["box_id"] is None and obj["password_saved"] is True


def test_edit_changes_login_receive_mode_and_password(
        tmp_path: Path, sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    user = fresh(sim, "password", "a3")
    code, obj, err = add(data, sim, user, monkeypatch, "--accept-delivery")
    assert code == 0, err
    assert obj["delivery_confirmed"] is True
    code, obj, err = dso(data, "account", "edit", "urad", "--receive", "do-not-accept")
    assert code == 0, err
    assert obj["sync_received"] is False and obj["delivery_confirmed"] is False
    code, obj, _ = dso(data, "account", "edit", "urad", "--receive", "accept")
    assert obj["sync_received"] is True and obj["delivery_confirmed"] is False
    code, obj, err = dso(data, "sync")
    assert code == 1 and "17(3)" in json.dumps(obj, ensure_ascii=False)  # asked again
    code, obj, _ = dso(data, "account", "edit", "urad", "--forget-password")
    assert code == 0 and obj["password_saved"] is False
    code, obj, _ = dso(data, "account", "edit", "urad", "--password-stdin",
                       stdin=["Stare-heslo-1"], mp=monkeypatch)
    assert obj["password_saved"] is True
    cert = sim.account("cert-password")
    code, obj, err = dso(data, "account", "edit", "urad", "--login", "cert-password",
                         "--cert", cert.cert_file, "--key", cert.key_file)
    assert code == 0, err
    assert obj["login_method"] == "cert-password"
    assert obj["cert_file"] == str(Path(cert.cert_file).resolve())
    code, obj, err = dso(data, "account", "edit", "urad", "--cert-password-stdin",
                         stdin=["fraze-p12"], mp=monkeypatch)
    assert code == 0, err
    assert secretstore.get_secret("urad", "cert-password") == "fraze-p12"
    code, obj, err = dso(data, "account", "edit", "urad", "--login", "cert")
    assert code == 0  # a certificate is set, so the system-certificate login is allowed
    code, obj, err = dso(data, "account", "edit", "urad")
    assert code == 2 and "nothing to change" in err


def test_password_change_of_an_expired_password(
        tmp_path: Path, sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    user = fresh(sim, "password", "a4")
    assert add(data, sim, user, monkeypatch)[0] == 0
    sim.expire_password(user.username)
    code, obj, err = dso(data, "sync", "--accept-delivery")
    assert code == 1
    assert "expired" in obj[0]["error"] and "dso account password" in obj[0]["error"]
    assert "wrong" not in obj[0]["error"]
    # ISDS refuses a weak password: the old one stays saved.
    code, obj, err = dso(data, "account", "password", "urad", "--new-password-stdin",
                         stdin=["slabe"], mp=monkeypatch)
    assert code == 1 and "1067" in err
    assert secretstore.get_secret("urad", "password") == "Stare-heslo-1"
    code, obj, err = dso(data, "account", "password", "urad", "--new-password-stdin",
                         stdin=["Nove-heslo-2027"], mp=monkeypatch)
    assert code == 0, err
    assert secretstore.get_secret("urad", "password") == "Nove-heslo-2027"
    assert sim.world.users[user.username].password == "Nove-heslo-2027"
    code, obj, err = dso(data, "sync", "--accept-delivery")
    assert code == 0, err


def test_password_change_of_an_sms_login(
        tmp_path: Path, sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    user = fresh(sim, "totp", "a5")
    code, obj, err = dso(data, "account", "add", "urad", "--login", "totp", "--username",
                         user.username, "--environment", sim.url, "--ca-file",
                         sim.info.ca_file, "--password-stdin",
                         stdin=[user.password, lambda: sim.sms_code(user.username)],
                         mp=monkeypatch)
    assert code == 0, err
    assert "one-time code" in err  # only the code was asked; the password part is saved
    assert obj["password_saved"] is True
    code, obj, err = dso(data, "account", "password", "urad", "--new-password-stdin",
                         stdin=["Sms-heslo-2027", lambda: sim.sms_code(user.username)],
                         mp=monkeypatch)
    assert code == 0, err
    assert sim.world.users[user.username].password == "Sms-heslo-2027"
    assert secretstore.get_secret("urad", "password") == "Sms-heslo-2027"


def test_add_with_an_expired_password_keeps_the_account_to_change_it(
        tmp_path: Path, sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    user = fresh(sim, "password", "a6")
    sim.expire_password(user.username)
    code, obj, err = add(data, sim, user, monkeypatch)
    assert code == 1 and "expired" in err and "dso account password urad" in err
    assert "wrong" not in err and obj["kind"] == "cli.failure"
    code, _obj, err = dso(data, "account", "password", "urad", "--new-password-stdin",
                          stdin=["Nove-heslo-2028"], mp=monkeypatch)
    assert code == 0, err
    code, _obj, err = dso(data, "sync", "--accept-delivery")
    assert code == 0, err
