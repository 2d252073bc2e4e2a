"""`dso sim`: a simulator or training records service never listens beyond loopback, and
bad numbers are usage errors before anything starts."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from tests.unit.cli.cli_helpers import dso


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_LANG", "en")

    def no_server(*_a: object, **_k: object) -> None:
        raise AssertionError("a server was started although the arguments were refused")

    monkeypatch.setattr(socket.socket, "bind", no_server)


@pytest.mark.parametrize(("argv", "text"), [
    (["serve", "--host", "0.0.0.0"],  # noqa: S104 - the refused value
     "--host must be a loopback address, not '0.0.0.0'"),
    (["serve", "--host", "10.1.2.3"], "--host must be a loopback address, not '10.1.2.3'"),
    (["serve", "--host", "example.org"], "not 'example.org'"),
    (["serve", "--port", "65536"], "--port must be 0-65535 and --messages not negative"),
    (["serve", "--port", "-1"], "--port must be 0-65535"),
    (["serve", "--messages", "-3"], "--messages not negative"),
    (["serve", "--evidence-days", "-0.5"], "--evidence-days must not be negative"),
    (["serve", "--seed", "many"], "invalid int value: 'many'"),
    (["records-serve", "--host", "192.168.0.1"], "not '192.168.0.1'"),
    (["records-serve", "--port", "99999"], "--port must be 0-65535"),
])
def test_refused_before_anything_listens(argv: list[str], text: str, tmp_path: Path) -> None:
    code, out, err = dso("sim", *argv, "--data-dir", str(tmp_path))
    assert code == 2 and out == "" and text in err


def test_records_confirm_refusals(tmp_path: Path) -> None:
    base = ["sim", "records-confirm", str(tmp_path / "batch.zip"), "--out",
            str(tmp_path / "c.xml")]
    for bad in ("=reason", "no-equals"):
        code, _, err = dso(*base, "--refuse", bad)
        assert code == 2 and f"--refuse needs IDENTITY=REASON, not '{bad}'" in err
    code, _, err = dso("sim", "records-confirm", str(tmp_path / "batch.zip"))
    assert code == 2 and "--out" in err
    # A batch that is not there is the user's to fix (exit 1), and no confirmation appears.
    code, _, err = dso(*base)
    assert code == 1 and "batch.zip" in err
    assert not (tmp_path / "c.xml").exists()
