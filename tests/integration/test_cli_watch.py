"""`dso watch`, `dso restamp`, `dso message verify-online` against a simulator whose
evidence expires in 20 days: exit 1 while due, restamp, exit 0 after."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.test_cli_store import add_account, dso

from dso_desktop.cli.main import run

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=12, messages=2, evidence_days=20)
    s.start()
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")


def test_watch_restamp_watch(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "d"
    add_account(data, sim, monkeypatch)
    code, _obj, err = dso(data, "sync", "urad", "--accept-delivery")
    assert code == 0, err
    code, items, _ = dso(data, "watch", "--within", "30")
    assert code == 1
    evidence = [i for i in items if i["kind"] == "timestamp-expiry"]
    assert evidence and {i["remedy"] for i in evidence} == {"restamp"}
    assert {i["account"] for i in evidence} == {"urad"}
    assert all(set(i) >= {"kind", "account", "dm_id", "due", "remedy"} for i in items)
    # Nothing within 10 days (the evidence ends in 20); nothing else is due in this world.
    code, items, _ = dso(data, "watch", "--within", "10")
    assert [i for i in items if i["kind"] == "timestamp-expiry"] == []

    one = evidence[0]["dm_id"]
    code, out, err = dso(data, "restamp", one)
    assert code == 0, err
    assert [o["dm_id"] for o in out] == [one] and out[0]["kind"] == "resigned"
    code, items, _ = dso(data, "watch", "--within", "30")
    assert one not in {i["dm_id"] for i in items if i["kind"] == "timestamp-expiry"}

    # The text output names what ISDS did (a re-sealed copy, not an archive timestamp).
    monkeypatch.setenv("DSO_LANG", "en")
    text_out, text_err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), "restamp", "--expiring-within", "30"],
               out=text_out, err=text_err)
    assert code == 0, text_err.getvalue()
    lines = text_out.getvalue().splitlines()
    rest = {i["dm_id"] for i in evidence} - {one}
    assert rest and {line.split(":")[0] for line in lines} == rest
    assert all("re-sealed by ISDS, version 2" in line for line in lines), lines
    code, items, _ = dso(data, "watch", "--within", "30")
    assert [i for i in items if i["kind"] == "timestamp-expiry"] == []

    code, out, err = dso(data, "message", "verify-online", one)
    assert code == 0, err
    assert out["authentic"] is True and out["version"] == 2 and out["checked_at"]


def test_usage_errors(tmp_path: Path) -> None:
    assert dso(tmp_path / "d", "watch", "--within", "-1")[0] == 2
    code, _out, err = dso(tmp_path / "d", "restamp", "9999999")
    assert code == 1 and "not in the archive" in err
