"""Several PCs on one PostgreSQL archive, as separate processes with their own data
folders (own keyring, config, file locks): they see each other's work, only one of them
syncs an account at a time, and a connection dropped in the middle of a sync loses
nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.pgserver import PgServer

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

# One "PC": a process with its own data folder; the archive comes from DSO_STORE_URL.
PC = r"""
import json, sys
from pathlib import Path
from dso_desktop.secretstore import use_memory_keyring
use_memory_keyring()
from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.records import MessageFilter

data, action, args = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
app = App.open(AppPaths.default(data), offline=True, trust_anchors=[Path(args["ca"])],
               client_options={"max_retries": 1, "backoff_base": 0.05})
out = {}
try:
    if action == "add-account":
        app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, args["user"], args["url"],
                                     ca_file=Path(args["ca"])))
    elif action == "sync":
        try:
            s = app.sync.sync_account("urad", accept_delivery=True, password=args["password"])
            out = {"new": s.new, "failed": len(s.failed)}
        except Exception as exc:
            out = {"error": type(exc).__name__, "message": str(exc)}
    elif action == "work":  # read, tag and annotate what the sync brought
        ids = app.messages.ids(MessageFilter())
        tag = app.tags.create("Vyřídit", "#ff0000")
        app.messages.mark_read(ids[0])
        app.tags.assign(ids[0], tag.id)
        app.messages.set_note(ids[1], "Předáno odboru výstavby")
        out = {"ids": ids}
    elif action == "look":
        ids = app.messages.ids(MessageFilter())
        unread = app.messages.ids(MessageFilter(unread_only=True))
        rows = {r.id: r for r in app.messages.rows(ids)}
        first = app.messages.detail(ids[0])
        out = {"ids": ids, "unread": len(unread),
               "tags": [t[1] for t in first.tags],  # (id, name, colour)
               "note": app.messages.detail(ids[1]).note,
               "activity": [(a.action, a.detail) for a in app.messages.activity(ids[0])],
               "search": app.search.search_ids(rows[ids[0]].subject.split()[0])[:50]}
finally:
    app.close()
print(json.dumps(out), flush=True)
"""


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=21, messages=getattr(request, "param", 12))
    s.start()
    yield s
    s.stop()


def _pc(tmp_path: Path, name: str, url: str, action: str, sim: Any,
        background: bool = False) -> Any:
    acc = sim.account("password")
    args = {"ca": sim.info.ca_file, "url": sim.url, "user": acc.username,
            "password": acc.password}
    env = {**os.environ, "DSO_STORE_URL": url}
    env.pop("DSO_DATA_DIR", None)
    cmd = [sys.executable, "-c", PC, str(tmp_path / name), action, json.dumps(args)]
    if background:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_three_pcs_share_one_archive_and_see_each_others_work(
        tmp_path: Path, pg_url: str, sim: Any) -> None:
    _pc(tmp_path, "pc1", pg_url, "add-account", sim)
    synced = _pc(tmp_path, "pc1", pg_url, "sync", sim)
    assert synced["failed"] == 0 and synced["new"] > 2
    work = _pc(tmp_path, "pc2", pg_url, "work", sim)  # sees pc1's messages, works on them
    assert len(work["ids"]) == synced["new"]
    seen = _pc(tmp_path, "pc3", pg_url, "look", sim)
    assert seen["ids"] == work["ids"]
    assert seen["unread"] == len(work["ids"]) - 1  # pc2 read one: read state is the office's
    assert seen["tags"] == ["Vyřídit"] and seen["note"] == "Předáno odboru výstavby"
    assert seen["activity"] == [["read", None], ["tag", "Vyřídit"]]  # who did it is kept
    assert work["ids"][0] in seen["search"]  # the search index is shared too
    again = _pc(tmp_path, "pc3", pg_url, "sync", sim)  # nothing new for the third PC
    assert again == {"new": 0, "failed": 0}


def _downloaded(url: str) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.exec_driver_sql("SELECT count(*) FROM message_zfos").scalar() or 0)
    finally:
        engine.dispose()


def _wait_for_downloads(url: str, proc: Any, at_least: int = 1) -> None:
    deadline = time.monotonic() + 120
    while _downloaded(url) < at_least:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the sync did not start storing messages"
        time.sleep(0.05)


@pytest.mark.parametrize("sim", [400], indirect=True)
def test_two_pcs_syncing_one_account_one_is_refused(
        tmp_path: Path, pg_url: str, sim: Any) -> None:
    _pc(tmp_path, "pc1", pg_url, "add-account", sim)
    first = _pc(tmp_path, "pc1", pg_url, "sync", sim, background=True)
    try:
        _wait_for_downloads(pg_url, first)
        # Another PC: its own data folder, so its own file locks; only the database knows.
        second = _pc(tmp_path, "pc2", pg_url, "sync", sim)
        assert second["error"] == "SyncBusy" and "another computer" in second["message"]
    finally:
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-3000:]
    assert json.loads(out.strip().splitlines()[-1])["failed"] == 0
    after = _pc(tmp_path, "pc2", pg_url, "sync", sim)  # the lock went with the first sync
    assert after == {"new": 0, "failed": 0}


@pytest.mark.parametrize("sim", [300], indirect=True)
def test_a_connection_dropped_mid_sync_loses_nothing(
        tmp_path: Path, pg_server: PgServer, pg_url: str, sim: Any) -> None:
    from sqlalchemy.engine import make_url

    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    _pc(tmp_path, "pc1", pg_url, "add-account", sim)
    proc = _pc(tmp_path, "pc1", pg_url, "sync", sim, background=True)
    _wait_for_downloads(pg_url, proc, at_least=20)
    database = make_url(pg_url).database
    pg_server.terminate_connections(database or "")  # the network to the server breaks
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    first = json.loads(out.strip().splitlines()[-1])  # an error, or a partial success
    second = _pc(tmp_path, "pc1", pg_url, "sync", sim)  # the next sync resumes
    assert second.get("failed") == 0, (first, second)
    acc = sim.account("password")
    expected = {("received", d) for d in sim.world.received[acc.box_id]} | {
        ("sent", d) for d in sim.world.sent[acc.box_id]}
    with App.open(AppPaths.default(tmp_path / "check"), offline=True,
                  trust_anchors=[Path(sim.info.ca_file)], store_url=pg_url) as app:
        with app.db.read() as s:
            rows = s.execute(text("SELECT direction, dm_id FROM messages")).all()
        keys = [(r[0], r[1]) for r in rows]
        assert len(keys) == len(set(keys)) and set(keys) == expected
        report = app.integrity.check()
        assert report.database_ok and report.problems == () and report.ok == len(expected)
