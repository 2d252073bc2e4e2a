"""Kill a sync with SIGKILL at random moments, rerun it each time; at the end every message is
in the archive exactly once, every stored ZFO verifies and SQLite says the file is sound.
The same on PostgreSQL (the archive chosen by ``DSO_STORE_URL``, as a managed install does).

The default run kills a 2,000-message sync three times (about 45 s on a 2-core machine);
``--runslow`` kills it at least 20 times. ``DSO_CRASH_MESSAGES`` / ``DSO_CRASH_KILLS``
override both.
"""

from __future__ import annotations

import functools
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
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


class _Archive:
    """How many message ZFOs the archive holds so far, read-only, while syncs run."""

    def __init__(self, data: Path, url: str | None) -> None:
        self.db = data / "archive.sqlite3"
        self.engine: Any = None
        if url:
            from sqlalchemy import create_engine

            self.engine = create_engine(url, pool_size=1)

    def count(self) -> int:
        if self.engine is not None:
            try:
                with self.engine.connect() as c:
                    return int(c.exec_driver_sql(
                        "SELECT count(*) FROM message_zfos").scalar() or 0)
            except Exception:  # not created yet
                return 0
        if not self.db.exists():
            return 0
        import sqlite3

        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return int(con.execute("SELECT count(*) FROM message_zfos").fetchone()[0])
        except sqlite3.OperationalError:  # not created yet
            return 0
        finally:
            con.close()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def _after(wait: float, elapsed: float) -> bool:
    return elapsed >= wait


def _stored(archive: _Archive, target: int, elapsed: float) -> bool:
    return archive.count() >= target


RUN_TIMEOUT = 900.0  # seconds one sync may take on a loaded 2-core machine


def _run(data: Path, sim: Any, url: str | None = None,
         kill_when: Callable[[float], bool] | None = None, then: float = 0.0) -> str | None:
    """One sync in its own process: its output, or None when ``kill_when(seconds since it
    started)`` (asked every 50 ms) said to kill it, which happens ``then`` s later."""
    acc = sim.account("password")
    env = {**os.environ, "DSO_DATA_DIR": str(data)}
    if url:
        env["DSO_STORE_URL"] = url
    # Files, not pipes: a pipe nobody reads while the sync runs could fill up and stall it.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(data), sim.url, acc.username,
             sim.info.ca_file],
            stdin=subprocess.PIPE, stdout=out, stderr=err, text=True, env=env,
        )
        assert proc.stdin is not None
        proc.stdin.write(acc.password + "\n")
        proc.stdin.close()
        t0 = time.monotonic()
        killed = False
        while proc.poll() is None:
            if kill_when is not None and kill_when(time.monotonic() - t0):
                time.sleep(then)
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            if time.monotonic() - t0 > RUN_TIMEOUT:
                proc.kill()
                proc.wait()
                pytest.fail(f"a sync ran longer than {RUN_TIMEOUT:.0f} s")
            time.sleep(0.05)
        proc.wait()
        if killed and proc.returncode == -signal.SIGKILL:
            return None
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if kill_when is None:
        assert proc.returncode == 0, errors[-4000:]
        return text
    return text if proc.returncode == 0 else f"exit {proc.returncode}: {errors[-2000:]}"


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
    archive = _Archive(data, url)
    killed = 0
    started = time.monotonic()
    for n in range(kills):
        # Kills are placed by what the sync has done, not by the clock alone (on a loaded
        # machine a run could finish before a kill timed from a rate measured earlier):
        # every fourth in the start-up (imports, opening the archive, login, the lists:
        # within its first two seconds), the others once a random number of further
        # messages is stored (spread over what is left), and a random moment later (inside
        # a commit, a request, a delivery info).
        before = archive.count()
        remaining = len(expected) - before
        if remaining < 2:
            break
        kill_when: Callable[[float], bool]
        if n % 4 == 0:
            kill_when = functools.partial(_after, rnd.uniform(0.3, 2.0))
        else:
            step = rnd.randint(1, max(1, 2 * remaining // (kills - n + 1)))
            kill_when = functools.partial(_stored, archive, before + min(remaining - 1, step))
        result = _run(data, sim, url, kill_when, then=rnd.uniform(0.0, 0.2))
        if result is None:
            killed += 1
        else:
            assert result.startswith("DONE"), result
            break
    archive.close()
    final = _run(data, sim, url)
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
