"""`dso sync` when ISDS throttles: one account stops with an English message saying when to
try again (exit 1), after at most 6 requests of the throttled operation."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.cli.main import run

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=12, messages=4)
    s.start()
    yield s
    s.stop()


def dso(data: Path, *argv: str, json_out: bool = True) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), *argv, *(["--json"] if json_out else [])],
               out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_a_throttled_sync_says_when_to_try_again(
        sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.isds.client import IsdsClient

    monkeypatch.setenv("DSO_OFFLINE", "1")
    init = IsdsClient.__init__

    def no_waiting(self: IsdsClient, *args: Any, **kw: Any) -> None:
        kw.setdefault("sleep", lambda _seconds: None)  # the back-off takes no real time
        init(self, *args, **kw)

    monkeypatch.setattr(IsdsClient, "__init__", no_waiting)
    seen: Counter[str] = Counter()
    match = sim.faults.match
    monkeypatch.setattr(sim.faults, "match",
                        lambda op, *a, **k: seen.update([op]) or match(op, *a, **k))
    data = tmp_path / "data"
    acc = sim.account("password")
    monkeypatch.setattr("sys.stdin", io.StringIO(acc.password + "\n"))
    code, _out, err = dso(data, "account", "add", "urad", "--login", "password",
                          "--username", acc.username, "--environment", sim.url,
                          "--ca-file", sim.info.ca_file, "--password-stdin")
    assert code == 0, err

    sim.faults.inject("GetListOfReceivedMessages", "3009")
    try:
        code, out, err = dso(data, "sync", "--accept-delivery")
        assert code == 1
        (entry,) = json.loads(out)
        assert "ISDS limits the number of requests (code 3009)" in entry["error"]
        at = datetime.fromisoformat(entry["retry_at"]).astimezone().strftime("%H:%M")
        assert f"try again after {at}" in entry["error"]
        assert seen["GetListOfReceivedMessages"] == 6
        code, out, err = dso(data, "sync", json_out=False)
        assert code == 1 and "try again after" in out + err and "Traceback" not in out + err
    finally:
        sim.faults.clear()
    code, out, err = dso(data, "sync")
    assert code == 0, err
