"""`make bench-large` (issue 18): the archive at a million messages.

The million-message archive is built once into a cache folder outside the repository
(``DSO_BENCH_CACHE``, default ``~/.cache/dso-bench``), named by what it is built from (the
builder's source, the message count, the generator's seed), and reused by later runs; an
interrupted build resumes where it stopped (messages already stored are skipped by dmID).
A second, smaller store of real, distinct ZFOs (``LARGE_ZFO_SLICE`` messages, 100,000 by
default) is built and cached the same way for the store-size ratio and `dso check`.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import VENV_BIN

LARGE_MESSAGES = int(os.environ.get("DSO_BENCH_LARGE_MESSAGES", "1000000"))
LARGE_ZFO_SLICE = int(os.environ.get("DSO_BENCH_LARGE_ZFO_SLICE", "100000"))
SEED = 5
NOW = datetime(2026, 11, 1, tzinfo=UTC)

LARGE_CASES: dict[str, Callable[[Path], dict[str, Any]]] = {}


def large(fn: Callable[[Path], dict[str, Any]]) -> Callable[[Path], dict[str, Any]]:
    LARGE_CASES[fn.__name__.removeprefix("bench_")] = fn
    return fn


def cache_root() -> Path:
    root = Path(os.environ.get("DSO_BENCH_CACHE", Path.home() / ".cache" / "dso-bench"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _key(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
    return h.hexdigest()[:12]


def large_store() -> tuple[Path, int]:
    """The million-message archive (built, or resumed, on first use)."""
    key = _key(inspect.getsource(build_archive), LARGE_MESSAGES, SEED)
    data_dir = cache_root() / f"archive-{LARGE_MESSAGES}-{key}"
    return data_dir, build_archive(data_dir, LARGE_MESSAGES)


def build_archive(data_dir: Path, n: int) -> int:
    """``n`` messages written through the store's own sync write path
    (`store.writer.EvidenceWriter`), in group commits of 2,000.

    Envelopes, names, references and attachment texts come from the simulator's generator
    (`build_world`). Sealing a million ZFOs would take hours of RSA signing, so every message
    carries one shared evidence blob: a real ZFO sealed as the simulator seals its
    downloads, the smallest of 30 (a million ~40 KB copies would need 40 GB of disk for
    nothing a list, search or watch reads). The store-size ratio and `dso check` are
    measured on a separate store of real, distinct ZFOs (`zfo_slice`).
    """
    from benchmarks.cases import _account_id, _bench_spec, _make_zfos
    from dso_desktop.app import App
    from dso_desktop.domain import Direction, Envelope, LegalTitle
    from dso_desktop.paths import AppPaths
    from dso_desktop.simulator.files import paragraphs
    from dso_desktop.simulator.generator import DEMO_BOX_NAME, build_world
    from dso_desktop.store.db import Database
    from dso_desktop.store.evidence import Action
    from dso_desktop.store.messages import search_text_for
    from dso_desktop.store.models import Message
    from dso_desktop.store.records import VerdictInfo
    from dso_desktop.store.writer import EvidenceWriter

    marker = data_dir / "built.json"
    if marker.exists():
        return int(json.loads(marker.read_text())["messages"])
    paths = AppPaths.default(data_dir).ensure()
    db = Database.open(paths.database)
    app = App(paths, db)
    from sqlalchemy import select

    with db.read() as s:
        have = set(s.scalars(select(Message.dm_id)))  # stored by an interrupted build
    try:
        account_id = _account_id(db)
    except Exception:  # a new archive: no account yet
        app.accounts.add(_bench_spec(), password=None)
        account_id = _account_id(db)
    world, _ = build_world(SEED, n, now=NOW)
    template = min(_make_zfos(30)[0], key=len)
    boxes = world.boxes
    demo_id = next(b.box_id for b in boxes.values() if b.name == DEMO_BOX_NAME)
    verdict = VerdictInfo(kind="valid", checked_at=datetime.now(UTC), json=None,
                          timestamp_expires=None)
    msgs = [m for m in world.messages.values() if m.dm_id not in have]
    batch = 2000
    for start in range(0, len(msgs), batch):
        with db.write() as s, EvidenceWriter(s) as writer:
            for m in msgs[start:start + batch]:
                snd, rcp = boxes[m.sender_id], boxes[m.recipient_id]
                direction = Direction.SENT if m.sender_id == demo_id else Direction.RECEIVED
                env = Envelope(
                    message_id=m.dm_id, sender_box_id=snd.box_id, sender_name=snd.name,
                    sender_address=snd.city, recipient_box_id=rcp.box_id,
                    recipient_name=rcp.name, recipient_address=rcp.city,
                    subject=m.annotation, our_ref=m.sender_ref, your_ref=m.recipient_ref,
                    our_file_mark=m.sender_ident, to_hands=m.to_hands,
                    legal_title=LegalTitle(*m.legal), status=m.status,
                    delivered_at=m.delivered_at, accepted_at=m.accepted_at,
                    message_type=m.dm_type,
                )
                texts = [(f.name, " ".join(paragraphs(f.seed, 3, f.title))) for f in m.files]
                writer.record_listed(account_id, direction, env, source="bench")
                horizon = replace(verdict, evidence_expires=(
                    (m.delivered_at or m.posted_at) + timedelta(days=365)),
                    evidence_cause="seal-certificate")
                stored = writer.attach_downloaded(
                    template, env, search_text_for(env, texts), len(m.files), horizon, (),
                    account_id=account_id, direction=direction, source="bench")
                if stored.action is not Action.STORE:
                    raise RuntimeError("the archive refused a benchmark message")
        print(f"[bench-large] archive: {len(have) + start + batch:,} of {n:,}", flush=True)
    db.close()
    with App.open(paths, offline=True) as opened:  # migrated to head once, in the build
        opened.db.checkpoint()
    marker.write_text(json.dumps({"messages": len(world.messages)}))
    return len(world.messages)


def _partial_ok() -> bool:
    """DSO_BENCH_LARGE_PARTIAL=1: measure an archive whose build has not finished (the
    message count measured is reported with every figure)."""
    return os.environ.get("DSO_BENCH_LARGE_PARTIAL") == "1"


def _archive() -> tuple[Path, int]:
    if _partial_ok():
        key = _key(inspect.getsource(build_archive), LARGE_MESSAGES, SEED)
        data_dir = cache_root() / f"archive-{LARGE_MESSAGES}-{key}"
        if not (data_dir / "built.json").exists():
            import sqlite3

            con = sqlite3.connect(f"file:{data_dir / 'archive.sqlite3'}?mode=ro", uri=True)
            try:
                (count,) = con.execute("SELECT count(*) FROM messages").fetchone()
            finally:
                con.close()
            return data_dir, int(count)
    return large_store()


def _notes(n: int, **extra: str) -> dict[str, str]:
    built = "" if n >= LARGE_MESSAGES else (
        f" (the archive's build had reached {n:,} of {LARGE_MESSAGES:,} messages)")
    return {k: v + built for k, v in extra.items()}


@large
def bench_large_build(workdir: Path) -> dict[str, Any]:
    """Build (or resume, or reuse) the cached million-message archive."""
    t0 = time.perf_counter()
    data_dir, n = large_store()
    return {"large_messages": n, "large_build_s": round(time.perf_counter() - t0, 1),
            "large_archive_mb": round(sum(p.stat().st_size for p in data_dir.glob(
                "archive.sqlite3*")) / 2**20)}


@large
def bench_large_search(workdir: Path) -> dict[str, Any]:
    from benchmarks.cases import QUERIES
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    data_dir, n = _archive()
    app = App.open(AppPaths.default(data_dir), offline=True)
    try:
        for q in QUERIES[:5]:
            app.search.search(q, limit=200)  # warm the page cache
        lat, hits = [], {}
        for _ in range(5):
            for q in QUERIES:
                t = time.perf_counter()
                hits[q] = len(app.search.search(q, limit=200))
                lat.append((time.perf_counter() - t) * 1000)
    finally:
        app.close()
    lat.sort()
    return {
        "large_search_p50_ms": round(statistics.median(lat), 2),
        "large_search_p95_ms": round(lat[int(len(lat) * 0.95) - 1], 2),
        "large_search_messages": n,
        "large_search_queries_with_hits": sum(1 for v in hits.values() if v),
        "_notes": _notes(n, large_search_p95_ms="the 50 queries of search_p95_ms, 5 times "
                         "each, over the million-message archive"),
    }


def _gui_run(cmd: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """Wall time from spawning `dso-desktop --measure-startup` to its JSON line."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    assert proc.stdout is not None
    line = ""
    for line in proc.stdout:
        if line.startswith("{"):
            break
    wall = time.perf_counter() - t0
    proc.wait(1200)
    if not line.startswith("{"):
        raise RuntimeError("dso-desktop --measure-startup printed no result")
    return wall, json.loads(line)


@large
def bench_large_gui(workdir: Path) -> dict[str, Any]:
    """First paint (wall, from spawn; median of 3 after a warm-up), peak RSS, and the longest
    blocked moment of the event loop while scrolling the whole list (median of 3 runs)."""
    data_dir, n = _archive()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DSO_MEASURE_SCROLL_PAGES=os.environ.get(
        "DSO_MEASURE_SCROLL_PAGES", "10"))
    cmd = [str(VENV_BIN / "dso-desktop"), "--data-dir", str(data_dir), "--measure-startup"]
    _gui_run(cmd, env)  # warm the OS file cache, as every later start of the app is
    runs = [_gui_run(cmd, env) for _ in range(3)]
    scrolls = []
    for _ in range(int(os.environ.get("DSO_BENCH_LARGE_SCROLL_RUNS", "3"))):
        proc = subprocess.run([*cmd, "--measure-scroll"], capture_output=True, text=True,
                              env=env, timeout=1800, check=False)
        line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{")),
                    None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"dso-desktop --measure-scroll failed: {proc.stderr[-800:]}")
        scrolls.append(json.loads(line))
    walls = sorted(w for w, _ in runs)
    return {
        "large_gui_first_paint_s": round(walls[len(walls) // 2], 3),
        "large_gui_first_paint_in_app_s": statistics.median(r["first_paint_s"] for _, r in runs),
        "large_gui_peak_rss_mb": max(*(s.get("peak_rss_mb") or 0 for s in scrolls),
                                     *(r["peak_rss_mb"] for _, r in runs)),
        "large_gui_scroll_max_frame_ms": statistics.median(
            s["scroll_longest_block_ms"] for s in scrolls),
        "large_gui_scroll_runs_ms": [s["scroll_longest_block_ms"] for s in scrolls],
        # The GUI thread's own CPU time inside each run's longest block (the rest of the
        # block it waited for the GIL or a core: the machine is shared).
        "large_gui_scroll_block_cpu_ms": [s.get("scroll_longest_block_cpu_ms")
                                          for s in scrolls],
        "large_gui_loadavg_1m": round(os.getloadavg()[0], 2),
        "large_gui_scroll_s": statistics.median(s["scroll_s"] for s in scrolls),
        "large_gui_rows": scrolls[0].get("messages"),
        "_notes": _notes(n, large_gui_scroll_max_frame_ms=(
            f"the received list scrolled top to bottom {env['DSO_MEASURE_SCROLL_PAGES']} "
            "pages a step (every step lands on rows not loaded yet), a 5 ms heartbeat "
            "timer's longest gap per run, median of the runs")),
    }


@large
def bench_large_watch(workdir: Path) -> dict[str, Any]:
    """The deadline and evidence watch over the whole archive, as the warnings panel, the
    tray and the digest run it: every kind counted by SQL aggregates over its index, the
    nearest page of items, and the warnings that are not the watch's
    (`WarningService.page`); median of 5. The whole list materialised as Python objects
    (what `dso watch` prints, hundreds of thousands of lines at this size) is timed too,
    once, as `large_watch_full_list_s`."""
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    panel_page = 200  # gui.mainwindow.WARNINGS_PAGE
    data_dir, n = _archive()
    app = App.open(AppPaths.default(data_dir), offline=True)
    try:
        app.warnings.page(panel_page)  # warm the page cache
        times = []
        for _ in range(5):
            t = time.perf_counter()
            page = app.warnings.page(panel_page)
            times.append(time.perf_counter() - t)
        counts = app.watch.counts()
        t = time.perf_counter()
        every = len(app.watch.items())
        full_s = time.perf_counter() - t
    finally:
        app.close()
    return {"large_watch_s": round(statistics.median(times), 3),
            "large_watch_items": page.total, "large_watch_messages": n,
            "large_watch_counts": {str(k): v for k, v in counts.items()},
            "large_watch_full_list_s": round(full_s, 1), "large_watch_full_list_items": every,
            "_notes": _notes(n, large_watch_s=(
                "the watch over the whole archive as the warnings panel and the tray run "
                f"it (services/warnings.py `page`: each kind counted by SQL, the nearest "
                f"{panel_page} items, the other warnings), median of 5"),
                large_watch_full_list_s=(
                "every due item of the archive built as a Python object (`watch.items()`, "
                "what `dso watch` prints), once"))}


def zfo_slice(k: int) -> tuple[Path, int]:
    """A store of ``k`` messages with real, distinct ZFOs (sealed and timestamped as the
    simulator seals its downloads), written through the sync's write path, with the
    simulator's CA as the account's CA (`dso check` verifies them as trusted)."""
    key = _key(inspect.getsource(zfo_slice), k)
    data_dir = cache_root() / f"zfo-slice-{k}-{key}"
    marker = data_dir / "built.json"
    if marker.exists():
        return data_dir, int(json.loads(marker.read_text())["messages"])
    if data_dir.exists():
        shutil.rmtree(data_dir)  # an interrupted slice is rebuilt (its ZFOs are per run)
    from dso_desktop.app import App
    from dso_desktop.domain import Direction, Envelope, LegalTitle, LoginMethod
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.types import AccountSpec
    from dso_desktop.simulator import Simulator, render
    from dso_desktop.simulator.files import paragraphs
    from dso_desktop.simulator.generator import DEMO_BOX_NAME
    from dso_desktop.store.db import Database
    from dso_desktop.store.evidence import Action
    from dso_desktop.store.messages import search_text_for
    from dso_desktop.store.records import VerdictInfo
    from dso_desktop.store.writer import EvidenceWriter
    from dso_desktop.zfo.produce import seal

    paths = AppPaths.default(data_dir).ensure()
    sim = Simulator(None, seed=SEED, messages=k, now=NOW)
    pki = sim.pki.pki
    ca = data_dir / "sim-ca.pem"
    ca.write_bytes(pki.ca_pem())
    db = Database.open(paths.database)
    app = App(paths, db)
    app.accounts.add(AccountSpec(name="slice", login_method=LoginMethod.PASSWORD,
                                 username="slice1", environment="https://127.0.0.1:9",
                                 ca_file=ca), password=None)
    from dso_desktop.store.repos import AccountRepo

    with db.read() as s:
        account_id = int(AccountRepo(s).get("slice").id)
    world = sim.world
    boxes = world.boxes
    demo_id = next(b.box_id for b in boxes.values() if b.name == DEMO_BOX_NAME)
    verdict = VerdictInfo(kind="valid", checked_at=datetime.now(UTC), json=None,
                          timestamp_expires=None)
    msgs = list(world.messages.values())[:k]
    for start in range(0, len(msgs), 500):
        with db.write() as s, EvidenceWriter(s) as writer:
            for m in msgs[start:start + 500]:
                snd, rcp = boxes[m.sender_id], boxes[m.recipient_id]
                direction = Direction.SENT if m.sender_id == demo_id else Direction.RECEIVED
                content = render.signed_content(world, m, str(direction),
                                                sim.core.qtimestamp(m))
                zfo = seal(content, pki.seal, pki.tsa, NOW)
                env = Envelope(
                    message_id=m.dm_id, sender_box_id=snd.box_id, sender_name=snd.name,
                    sender_address=snd.city, recipient_box_id=rcp.box_id,
                    recipient_name=rcp.name, recipient_address=rcp.city,
                    subject=m.annotation, our_ref=m.sender_ref, your_ref=m.recipient_ref,
                    our_file_mark=m.sender_ident, to_hands=m.to_hands,
                    legal_title=LegalTitle(*m.legal), status=m.status,
                    delivered_at=m.delivered_at, accepted_at=m.accepted_at,
                    message_type=m.dm_type,
                )
                texts = [(f.name, " ".join(paragraphs(f.seed, 3, f.title))) for f in m.files]
                writer.record_listed(account_id, direction, env, source="bench")
                stored = writer.attach_downloaded(
                    zfo, env, search_text_for(env, texts), len(m.files), verdict, (),
                    account_id=account_id, direction=direction, source="bench")
                if stored.action is not Action.STORE:
                    raise RuntimeError("the archive refused a benchmark message")
    db.checkpoint()
    db.close()
    marker.write_text(json.dumps({"messages": len(msgs)}))
    return data_dir, len(msgs)


@large
def bench_large_store(workdir: Path) -> dict[str, Any]:
    """The data folder over the raw bytes of its ZFOs, for a slice of real, distinct ZFOs."""
    from benchmarks.cases import _dir_bytes, _stored_zfo_bytes

    data_dir, k = zfo_slice(LARGE_ZFO_SLICE)
    _count, raw = _stored_zfo_bytes(data_dir / "archive.sqlite3")
    size = _dir_bytes(data_dir) - (data_dir / "sim-ca.pem").stat().st_size \
        - (data_dir / "built.json").stat().st_size
    return {"large_store_bytes_ratio": round(size / raw, 3), "large_store_slice": k,
            "large_store_raw_zfo_mb": round(raw / 2**20),
            "_notes": {"large_store_bytes_ratio": (
                f"data folder over the raw ZFO bytes for {k:,} messages with real, distinct "
                "ZFOs written through the sync's write path (schema head, with the 0008 "
                "sort indexes)")}}


# `dso check` is measured over the slice's ZFOs filed under this many accounts (below).
CHECK_COPIES = int(os.environ.get("DSO_BENCH_CHECK_COPIES", "10"))


def check_archive(copies: int = CHECK_COPIES) -> tuple[Path, int]:
    """The ZFO slice with each of its messages filed under ``copies`` accounts (of as many
    data boxes), for `dso check`'s throughput: a check of 5,000 ZFOs lasts about a second,
    mostly starting processes, and sealing more distinct ZFOs costs ~0.35 s of CPU each
    (asn1crypto in `zfo.produce.seal`; 100,000 would take hours). Each copy is its own
    message row with its own evidence row (the same bytes, a real ZFO of that dmID), so the
    check reads and fully re-verifies every one of them; the verifier keeps no verdict
    between messages. Derived in SQL from the cached slice in seconds, and cached."""
    src_dir, k = zfo_slice(LARGE_ZFO_SLICE)
    key = _key(inspect.getsource(check_archive), src_dir.name, copies)
    data_dir = cache_root() / f"check-archive-{k}x{copies}-{key}"
    marker = data_dir / "built.json"
    if marker.exists():
        return data_dir, int(json.loads(marker.read_text())["zfos"])
    if data_dir.exists():
        shutil.rmtree(data_dir)
    shutil.copytree(src_dir, data_dir, ignore=shutil.ignore_patterns("locks", "*-wal",
                                                                     "*-shm"))
    import sqlite3

    con = sqlite3.connect(data_dir / "archive.sqlite3")
    try:
        def cols(table: str) -> list[str]:
            return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]

        [(acc_id,)] = con.execute("SELECT id FROM accounts").fetchall()
        offset = int(con.execute("SELECT max(id) FROM messages").fetchone()[0])
        a_cols = [c for c in cols("accounts") if c not in ("id", "name", "username", "box_id")]
        m_cols = [c for c in cols("messages") if c not in ("id", "account_id")]
        z_cols = [c for c in cols("message_zfos") if c != "message_id"]
        with con:
            for i in range(1, copies):
                new_acc = con.execute(
                    f"INSERT INTO accounts (name, username, box_id, {', '.join(a_cols)}) "
                    f"SELECT ?, ?, ?, {', '.join(a_cols)} FROM accounts WHERE id = ?",
                    (f"slice{i + 1}", f"slice{i + 1}", f"chk{i:04d}", acc_id)).lastrowid
                con.execute(
                    f"INSERT INTO messages (id, account_id, {', '.join(m_cols)}) "
                    f"SELECT id + ?, ?, {', '.join(m_cols)} FROM messages WHERE account_id = ?",
                    (i * offset, new_acc, acc_id))
                con.execute(
                    f"INSERT INTO message_zfos (message_id, {', '.join(z_cols)}) "
                    f"SELECT message_id + ?, {', '.join(z_cols)} FROM message_zfos "
                    "WHERE message_id <= ?", (i * offset, offset))
        zfos = int(con.execute("SELECT count(*) FROM message_zfos").fetchone()[0])
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    marker.write_text(json.dumps({"zfos": zfos, "copies": copies, "slice": k}))
    return data_dir, zfos


def _check_floor(app: Any, sample: list[bytes]) -> dict[str, float]:
    """CPU seconds of the check's work that is not verification and cannot be left out,
    each measured alone in this process (the least of three passes: the machine is
    shared): the SHA-256 of a stored ZFO and reading one from the archive (per ZFO), and
    SQLite's full structural check of the archive file (once), as a checking process does
    them (`store.bulkread`: the driver connection with the file mapped)."""
    from dso_desktop.services.integrity import CHECK_BATCH
    from dso_desktop.store import bulkread
    from dso_desktop.store.messages import MessageRepo

    def least(fn: Callable[[], object], passes: int = 3) -> float:
        best = float("inf")
        for _ in range(passes):
            p0 = time.process_time()
            fn()
            best = min(best, time.process_time() - p0)
        return best

    sha = least(lambda: [hashlib.sha256(z).hexdigest() for z in sample]) / len(sample)
    spec = bulkread.reader_spec(app.db, CHECK_BATCH)
    with app.db.read() as s:
        ids = MessageRepo(s).zfo_ids()[:3000]
    conn = bulkread.connect(spec)
    try:
        read = least(lambda: [bulkread.read(spec, conn, bulkread.ZFO, ids[i:i + CHECK_BATCH])
                              for i in range(0, len(ids), CHECK_BATCH)]) / len(ids)
        structure = least(lambda: bulkread.structure_check(spec, conn), passes=1)
    finally:
        conn.close()
    return {"sha256": sha, "read": read, "structure": structure}


@large
def bench_large_check(workdir: Path) -> dict[str, Any]:
    """`dso check` (IntegrityService.check: every ZFO re-verified, one process per core)
    over the slice's real ZFOs filed under `CHECK_COPIES` accounts (`check_archive`); the
    target is 0.8 × cores × zfo_verify_per_s."""
    from sqlalchemy import select

    from benchmarks.run import RESULTS
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths
    from dso_desktop.store.models import MessageZfo
    from dso_desktop.zfo import verify_zfo

    data_dir, k = check_archive()
    app = App.open(AppPaths.default(data_dir), offline=True)
    try:
        # The same ZFOs verified one after another in this process, right before the check
        # and under the same load: what one core does here and now (the machine is shared).
        with app.db.read() as s:
            sample = [bytes(d) for d in s.scalars(select(MessageZfo.data).limit(300))]
        from dso_desktop.store.repos import AccountRepo

        with app.db.read() as s:
            trust = app.trust(int(AccountRepo(s).get("slice").id))
        verify_zfo(sample[0], trust, now=NOW + timedelta(days=1))
        t0, p0 = time.perf_counter(), time.process_time()
        for z in sample:
            verify_zfo(z, trust, now=NOW + timedelta(days=1))
        single = len(sample) / (time.perf_counter() - t0)
        single_cpu = (time.process_time() - p0) / len(sample)  # CPU seconds per ZFO
        load = os.getloadavg()[0]
        c0 = os.times()
        t0 = time.perf_counter()
        report = app.integrity.check(now=NOW + timedelta(days=1))
        elapsed = time.perf_counter() - t0
        c1 = os.times()  # the checking processes are joined: their CPU is counted
        workers = len(app.integrity.last_worker_pids)
        steady = app.integrity.last_process_rate
        structure = app.integrity.last_structure_s
        floor = _check_floor(app, sample)
    finally:
        app.close()
    if report.checked != k or report.ok != k:
        raise RuntimeError(f"dso check: {report.ok} of {report.checked} sound, {k} stored")
    cores = os.cpu_count() or 1
    # The work no check of these ZFOs can leave out, in CPU seconds: every ZFO verified,
    # read and hashed whole, and SQLite's structural check of the file once.
    floor_cpu = k * (single_cpu + floor["sha256"] + floor["read"]) + floor["structure"]
    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    recorded = previous.get("zfo_verify_per_s")
    out: dict[str, Any] = {
        "large_check_per_s": round(k / elapsed, 1), "large_check_s": round(elapsed, 1),
        "large_check_zfos": k, "large_check_processes": workers, "large_check_cores": cores,
        "large_check_single_core_per_s": round(single, 1),
        "large_check_of_cores": round(k / elapsed / (cores * single), 3),
        "large_check_steady_per_s": round(steady, 1) if steady else None,
        "large_check_steady_of_cores": (round(steady / (cores * single), 3) if steady
                                        else None),
        "large_check_structure_s": round(structure, 2) if structure is not None else None,
        "large_check_main_cpu_s": round(c1.user - c0.user + c1.system - c0.system, 2),
        "large_check_workers_cpu_s": round(c1.children_user - c0.children_user
                                           + c1.children_system - c0.children_system, 2),
        "large_check_load": round(load, 2),
        "large_check_cpu_of_verify": round(
            k * single_cpu / (c1.user - c0.user + c1.system - c0.system + c1.children_user
                              - c0.children_user + c1.children_system - c0.children_system),
            3),
        "large_check_floor_per_s": round(k * cores / floor_cpu, 1),
        "large_check_floor_cpu_of_verify": round(k * single_cpu / floor_cpu, 3),
        "large_check_floor_verify_us": round(single_cpu * 1e6, 1),
        "large_check_floor_sha256_us": round(floor["sha256"] * 1e6, 1),
        "large_check_floor_read_us": round(floor["read"] * 1e6, 1),
        "large_check_floor_structure_cpu_s": round(floor["structure"], 2),
        "_notes": {"large_check_per_s": (
            f"`dso check` over {k:,} stored ZFOs (the {LARGE_ZFO_SLICE:,} real ZFOs of the "
            f"slice, each filed under {CHECK_COPIES} accounts: own rows, each read and "
            f"re-verified) with {workers} verifying processes on "
            f"{cores} cores (starting them, the database integrity check and reading "
            f"included); target 0.8 × cores × zfo_verify_per_s ({recorded} from the last "
            f"zfo_verify run); large_check_of_cores is the same over cores × the "
            f"single-process rate measured just before the check (same ZFOs, same load)"),
            "large_check_steady_per_s": (
                "what the checking processes verified per second together while they "
                "worked (each from its first batch to its last answer, the database check "
                "running on a thread of one of them beside its batches; their start-up and "
                "the batches this process verified while they started are in "
                "large_check_per_s, not here): the rate a check of a "
                "million ZFOs approaches; large_check_steady_of_cores is it over cores × "
                "the single-process rate"),
            "large_check_structure_s": (
                "SQLite's full PRAGMA integrity_check of the archive file, run on a thread of "
                "one of the checking processes beside its verifications, with the file read "
                "ahead in file order (wall seconds from its start to its end; they are in "
                "large_check_per_s and the steady rate); large_check_main_cpu_s and "
                "large_check_workers_cpu_s are the CPU seconds of the check's own process "
                "and of its checking processes together; large_check_load the 1-minute "
                "load average when the check began (the machine is shared); "
                "large_check_cpu_of_verify is the CPU the verifications alone take (the "
                "ZFOs × the single-process CPU per ZFO) over the CPU of the whole check "
                "(all its processes): what large_check_of_cores reaches when no core idles "
                "and nothing else runs, and the one of these figures a loaded machine "
                "distorts least"),
            "large_check_floor_per_s": (
                "the best rate of any check that keeps every check on these cores: the CPU "
                "of the work none may leave out (each ZFO verified, read from the archive "
                "and its stored bytes hashed whole with SHA-256, plus SQLite's full "
                "structural check of the file once; each measured alone in this process "
                "after the check: large_check_floor_verify_us, _sha256_us and _read_us "
                "per ZFO, _structure_cpu_s once) spread over every core "
                "with none idle, no process start-up and no report; "
                "large_check_floor_cpu_of_verify is the verifications' share of it, the "
                "most large_check_of_cores can reach (the target needs 0.8)")},
    }
    if isinstance(recorded, int | float):
        out["large_check_target_per_s"] = round(0.8 * cores * recorded, 1)
    return out
