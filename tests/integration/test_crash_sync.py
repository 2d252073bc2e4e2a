"""Kill a sync with SIGKILL at random moments, rerun it each time; at the end every message is
in the archive exactly once, every stored ZFO verifies and SQLite says the file is sound.
The same on PostgreSQL (the archive chosen by ``DSO_STORE_URL``, as a managed install does).

The default run kills a 2,000-message sync three times (about 45 s on a 2-core machine);
``--runslow`` kills it at least 20 times. ``DSO_CRASH_MESSAGES`` / ``DSO_CRASH_KILLS``
override both.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

DRIVER = r"""
import os, sys
from pathlib import Path
from dso_desktop.secretstore import use_memory_keyring
use_memory_keyring()
from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.sync.engine import RetryPolicy

app = App.open(AppPaths.default(Path(sys.argv[1])), offline=True,
               retry=RetryPolicy(attempts=3, base_delay=0.05),
               client_options={"max_retries": 2, "backoff_base": 0.05})
if not app.accounts.exists("urad"):
    app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, sys.argv[3], sys.argv[2],
                                 ca_file=Path(sys.argv[4])))
password = sys.stdin.readline().rstrip("\n")
summary = app.sync.sync_account("urad", accept_delivery=True, password=password)
print("DONE", summary.new, len(summary.failed), flush=True)
app.close()
"""


def _numbers(request: pytest.FixtureRequest) -> tuple[int, int]:
    slow = request.config.getoption("--runslow")
    messages = int(os.environ.get("DSO_CRASH_MESSAGES", 2000))
    kills = int(os.environ.get("DSO_CRASH_KILLS", 20 if slow else 3))
    return messages, kills


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    messages, _ = _numbers(request)
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("store_url") == "postgresql" \
            and "DSO_CRASH_MESSAGES" not in os.environ:
        messages = min(messages, 800)  # the same kills, a smaller sync: 2 cores are shared
    s = Simulator(seed=5, messages=messages)
    s.start()
    yield s
    s.stop()


def _pg(store_url: str) -> str | None:
    """The PostgreSQL archive's URL, or None for the data folder's SQLite file."""
    return None if store_url.startswith("sqlite") else store_url


def _run(data: Path, sim: Any, kill_after: float | None, url: str | None = None
         ) -> str | None:
    acc = sim.account("password")
    env = {**os.environ, "DSO_DATA_DIR": str(data)}
    if url:
        env["DSO_STORE_URL"] = url
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(data), sim.url, acc.username, sim.info.ca_file],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(acc.password + "\n")
    proc.stdin.flush()
    if kill_after is not None:
        try:
            out, err = proc.communicate(timeout=kill_after)
            return out if proc.returncode == 0 else f"exit {proc.returncode}: {err[-2000:]}"
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            return None
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-4000:]
    return out


def _downloaded(data: Path, url: str | None = None) -> int:
    """Messages with their ZFO stored so far (read-only look at the archive)."""
    if url:
        from sqlalchemy import create_engine

        engine = create_engine(url)
        try:
            with engine.connect() as c:
                return int(c.exec_driver_sql(
                    "SELECT count(*) FROM message_zfos").scalar() or 0)
        except Exception:  # not created yet
            return 0
        finally:
            engine.dispose()
    db = data / "archive.sqlite3"
    if not db.exists():
        return 0
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return int(con.execute("SELECT count(*) FROM message_zfos").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        con.close()


def test_sync_survives_sigkill(sim: Any, tmp_path: Path, request: pytest.FixtureRequest,
                               store_url: str) -> None:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths
    from dso_desktop.store.models import Message, MessageZfo

    _, kills = _numbers(request)
    data = tmp_path / "data"
    url = _pg(store_url)
    rnd = random.Random(int(os.environ.get("DSO_CRASH_SEED", "7")))
    acc = sim.account("password")
    expected = {("received", d) for d in sim.world.received[acc.box_id]} | {
        ("sent", d) for d in sim.world.sent[acc.box_id]}
    killed = 0
    started = time.monotonic()
    rate = 40.0  # messages per second, refined from the runs themselves
    for n in range(kills):
        # Spread the kills over the whole sync (start-up, lists, downloads, delivery infos,
        # commits): each run gets a random share of the estimated time still needed.
        remaining = len(expected) - _downloaded(data, url)
        share = (remaining / rate + 2.0) / (kills - n)
        t0 = time.monotonic()
        before = _downloaded(data, url)
        result = _run(data, sim, kill_after=rnd.uniform(0.3, 2 * share), url=url)
        if result is None:
            killed += 1
            done = _downloaded(data, url) - before
            if done > 0:
                rate = max(1.0, done / max(0.5, time.monotonic() - t0 - 1.5))
        else:
            assert result.startswith("DONE"), result
            break
    final = _run(data, sim, kill_after=None, url=url)
    assert final is not None and final.startswith("DONE")
    assert killed >= max(1, kills * 3 // 4), f"only {killed} of {kills} runs were killed"

    with App.open(AppPaths.default(data), offline=True, trust_anchors=[
            Path(sim.info.ca_file)], store_url=url) as app:
        assert app.db.integrity_check() == []
        with app.db.read() as s:
            rows = s.execute(select(Message.direction, Message.dm_id)).all()
            zfos = s.scalar(select(func.count()).select_from(MessageZfo))
        keys = [(r.direction, r.dm_id) for r in rows]
        assert len(keys) == len(set(keys)), "a message is stored twice"
        assert set(keys) == expected, "a message is missing"
        assert zfos == len(expected)
        report = app.integrity.check()
        assert report.database_ok and report.problems == (), report.problems[:5]
        assert report.ok == len(expected)
    print(f"crash test: {len(expected)} messages, {killed} kills, "
          f"{time.monotonic() - started:.1f} s")
