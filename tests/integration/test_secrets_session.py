"""After a full session (add account, sync, search, show, export, send, check) with debug
logging on, the password is in no file under the data, config, cache and log folders."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.cli.main import run
from dso_desktop.paths import AppPaths

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Everything dso_desktop logs, at DEBUG, into the app's log folder."""
    logs = tmp_path / "data" / "logs"
    logs.mkdir(parents=True)
    handler = logging.FileHandler(logs / "dso-desktop.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger("dso_desktop")
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield logs
    root.removeHandler(handler)
    root.setLevel(old)
    handler.close()


def dso(data: Path, *argv: str) -> tuple[int, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), "--json", *argv], out=out, err=err)
    text = out.getvalue().strip()
    return code, json.loads(text) if text else err.getvalue()


def test_password_never_reaches_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       debug_log: Path) -> None:
    from dso_desktop.simulator import Simulator

    monkeypatch.setenv("DSO_OFFLINE", "1")
    data = tmp_path / "data"
    paths = AppPaths.default(data)
    with Simulator(seed=9, messages=4) as sim:
        acc = sim.account("password")
        secret = acc.password
        monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
        code, _ = dso(data, "account", "add", "urad", "--login", "password", "--username",
                      acc.username, "--environment", sim.url, "--ca-file", sim.info.ca_file,
                      "--password-stdin")
        assert code == 0
        code, summary = dso(data, "sync", "--accept-delivery")
        assert code == 0 and summary[0]["new"] > 0, summary
        code, rows = dso(data, "messages", "list")
        assert rows
        dso(data, "message", "show", rows[0]["dm_id"])
        dso(data, "search", "a")
        code, _ = dso(data, "message", "export", rows[0]["dm_id"], "--out",
                      str(data / "export"))
        assert code == 0
        doc = tmp_path / "a.txt"
        doc.write_text("Dobrý den", encoding="utf-8")
        to = next(b for b in sim.world.boxes if b != acc.box_id)
        code, res = dso(data, "send", "--account", "urad", "--to", to, "--subject", "Test",
                        "--attach", str(doc))
        assert code == 0, res
        assert dso(data, "check")[0] == 0
        # A wrong password is reported without echoing either password.
        monkeypatch.setattr("sys.stdin", io.StringIO("Spatne-Heslo-42\n"))
        code, err = dso(data, "sync", "--password-stdin")
        assert code == 1 and "Spatne-Heslo-42" not in str(err)

    assert (debug_log / "dso-desktop.log").stat().st_size > 0
    needles = {
        secret.encode(): "password",
        secret.encode("utf-16-le"): "password (UTF-16)",
        base64.b64encode(f"{acc.username}:{secret}".encode()): "HTTP Basic token",
        b"Spatne-Heslo-42": "wrong password",
    }
    scanned = 0
    for root in (paths.data, paths.config, paths.cache, paths.logs):
        for f in root.rglob("*") if root.exists() else ():
            if f.is_file():
                blob = f.read_bytes()
                scanned += 1
                for needle, what in needles.items():
                    assert needle not in blob, f"{what} found in {f}"
    assert scanned >= 3  # the database (and its WAL), the export, the log
