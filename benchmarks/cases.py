"""The benchmark cases; each runs in its own interpreter and returns a dict of results."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, VENV_BIN, median_time, peak_rss_mb

Case = Callable[[Path], dict[str, Any]]
CASES: dict[str, Case] = {}

SYNC_MESSAGES = int(os.environ.get("DSO_BENCH_SYNC_MESSAGES", "10000"))
STORE_MESSAGES = int(os.environ.get("DSO_BENCH_STORE_MESSAGES", "100000"))
SYNC_REPEAT = int(os.environ.get("DSO_BENCH_SYNC_REPEAT", "1"))


def case(fn: Case) -> Case:
    CASES[fn.__name__.removeprefix("bench_")] = fn
    return fn


# --------------------------------------------------------------------------- CLI start-up
@case
def bench_cli_start(workdir: Path) -> dict[str, Any]:
    dso = str(VENV_BIN / "dso")

    def cli() -> None:
        subprocess.run([dso, "--help"], check=True, capture_output=True)

    def bare() -> None:
        subprocess.run([sys.executable, "-c", "pass"], check=True, capture_output=True)

    cli()  # warm the OS file cache, as a user's second start would be
    t, _ = median_time(cli, 9)
    floor, _ = median_time(bare, 9)
    return {"cli_start_s": round(t, 4), "cli_python_floor_s": round(floor, 4)}


# --------------------------------------------------------------------------- simulator
@case
def bench_sim_generate(workdir: Path) -> dict[str, Any]:
    from dso_desktop.simulator.generator import build_world

    now = datetime(2026, 11, 1, tzinfo=UTC)
    times = []
    for seed in (1, 2, 3):
        t0 = time.perf_counter()
        world, _ = build_world(seed, 100_000, now=now)
        times.append(time.perf_counter() - t0)
        count = len(world.messages)
        del world
    return {"sim_generate_100k_s": round(statistics.median(times), 2),
            "sim_generate_messages": count, "sim_generate_peak_rss_mb": round(peak_rss_mb(), 1)}


# --------------------------------------------------------------------------- ZFO verification
def _make_zfos(n: int) -> tuple[list[bytes], Any]:
    """``n`` realistic ZFOs (~30-40 KB) made exactly as the simulator makes its downloads."""
    from dso_desktop.simulator import Simulator, render
    from dso_desktop.zfo.produce import seal

    now = datetime(2026, 11, 1, tzinfo=UTC)
    sim = Simulator(None, seed=7, messages=n, now=now)
    pki = sim.pki.pki
    out = []
    for msg in list(sim.world.messages.values())[:n]:
        content = render.signed_content(sim.world, msg, "received", sim.core.qtimestamp(msg))
        out.append(seal(content, pki.seal, pki.tsa, now))
    return out, pki


@case
def bench_zfo_verify(workdir: Path) -> dict[str, Any]:
    from asn1crypto import cms
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from dso_desktop.zfo import TrustStore, verify_zfo

    zfos, pki = _make_zfos(1000)
    ca = workdir / "zfo-ca.pem"
    ca.write_bytes(pki.ca_pem())
    trust = TrustStore.from_paths([ca])
    check_at = datetime(2026, 11, 2, tzinfo=UTC)

    # The floor: the bare cryptographic work on the same files, with everything that is
    # not hashing or RSA (DER parsing, picking out fields) done before the clock starts.
    prepared = []
    for z in zfos:
        sd = cms.ContentInfo.load(z)["content"]
        si = sd["signer_infos"][0]
        # Signed attributes are signed as a SET OF (tag 0x31), not as the [0] they sit in.
        attrs = b"\x31" + si["signed_attrs"].dump()[1:]
        prepared.append((sd["encap_content_info"]["content"].native, attrs,
                         si["signature"].native))
    key = pki.seal.cert.public_key()

    def floor() -> None:
        for content, attrs, sig in prepared:
            hashlib.sha256(content).digest()
            key.verify(sig, attrs, padding.PKCS1v15(), hashes.SHA256())

    # Not the target's floor, but what bounds the ratio: every hash and signature check a
    # full verdict makes (seal over its attributes and the content; the TSA's token over
    # its attributes and TSTInfo, its imprint of the seal signature; dmHash over dmDm),
    # again with all parsing done before the clock starts.
    from dso_desktop.zfo.xmlcontent import verify_facts

    tsa_key = pki.tsa.cert.public_key()
    full_prepared = []
    for z, (content, attrs, sig) in zip(zfos, prepared, strict=True):
        si = cms.ContentInfo.load(z)["content"]["signer_infos"][0]
        token = next(a["values"][0] for a in si["unsigned_attrs"]
                     if a["type"].dotted == "1.2.840.113549.1.9.16.2.14")
        tsd = token["content"]
        tsi = tsd["signer_infos"][0]
        dm_dm = verify_facts(content)["dm_dm_bytes"] or b""
        full_prepared.append((content, attrs, sig, tsd["encap_content_info"]["content"].contents,
                              b"\x31" + tsi["signed_attrs"].dump()[1:],
                              tsi["signature"].native, dm_dm))

    def crypto_of_full() -> None:
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        for content, attrs, sig, tst, tattrs, tsig, dm_dm in full_prepared:
            hashlib.sha256(content).digest()
            key.verify(sig, attrs, pkcs1, sha256)
            hashlib.sha256(tst).digest()
            hashlib.sha256(sig).digest()
            tsa_key.verify(tsig, tattrs, pkcs1, sha256)
            hashlib.sha256(dm_dm).digest()

    verdicts: list[str] = []

    def full() -> None:
        verdicts.clear()
        for z in zfos:
            verdicts.append(str(verify_zfo(z, trust, now=check_at).kind))

    full()  # warm caches once (chain validation per certificate is cached by design)
    bad = [v for v in verdicts if v not in ("valid", "VerdictKind.VALID")]
    t_full, _ = median_time(full, 5)
    t_floor, _ = median_time(floor, 5)
    t_crypto, _ = median_time(crypto_of_full, 5)
    sizes = sorted(len(z) for z in zfos)
    return {
        "zfo_verify_per_s": round(len(zfos) / t_full, 1),
        "zfo_floor_per_s": round(len(zfos) / t_floor, 1),
        "zfo_ratio": round(t_floor / t_full, 3),
        # The best zfo_ratio any verifier making every check could reach, and how close we are
        # to the cryptography those checks need.
        "zfo_ratio_ceiling": round(t_floor / t_crypto, 3),
        "zfo_crypto_ratio": round(t_crypto / t_full, 3),
        "zfo_median_bytes": sizes[len(sizes) // 2],
        "zfo_not_valid": len(bad),
        "zfo_peak_rss_mb": round(peak_rss_mb(), 1),
    }


# --------------------------------------------------------------------------- sync vs floor
class SimProcess:
    """`dso sim serve` in a child process; its JSON line says where it listens."""

    def __init__(self, messages: int, state_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "dso"), "sim", "serve", "--port", "0", "--seed", "11",
             "--messages", str(messages), "--state-dir", str(state_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("dso sim serve printed nothing")
        self.info: dict[str, Any] = json.loads(line)

    def account(self) -> dict[str, Any]:
        for acc in self.info["accounts"]:
            if acc["login_method"] == "password":
                return acc
        raise RuntimeError("the simulator offers no password account")

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


NS = "http://isds.czechpoint.cz/v20"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def _soap(op: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP}">'
            f'<s:Body><{op} xmlns="{NS}">{body}</{op}></s:Body></s:Envelope>').encode()


def floor_sync(info: dict[str, Any], acc: dict[str, Any], db_path: Path) -> tuple[int, int]:
    """The same ISDS requests with a bare HTTP client, lxml parsing, executemany in one
    transaction (by pages of 500 rows, so the floor holds no more in memory than the app)."""
    import requests
    from lxml import etree

    s = requests.Session()
    s.auth = (acc["username"], acc["password"])
    s.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override verify
    s.verify = info["ca_file"]
    s.headers["Content-Type"] = "text/xml; charset=utf-8"
    base = info["url"].rstrip("/")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("CREATE TABLE IF NOT EXISTS m (dm_id TEXT, direction TEXT, zfo BLOB, di BLOB)")
    con.execute("BEGIN")  # one transaction; rows go in by the page, not all held in memory
    count = total_bytes = 0
    rows: list[tuple[str, str, bytes, bytes | None]] = []

    def flush() -> None:
        con.executemany("INSERT INTO m VALUES (?, ?, ?, ?)", rows)
        rows.clear()

    frm = "2000-01-01T00:00:00.000"
    to = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000")
    for direction, op, dl in (("received", "GetListOfReceivedMessages", "SignedMessageDownload"),
                              ("sent", "GetListOfSentMessages", "SignedSentMessageDownload")):
        ids: list[str] = []
        offset, page = 1, 1000
        while True:
            body = (f"<dmFromTime>{frm}</dmFromTime><dmToTime>{to}</dmToTime>"
                    f"<dmStatusFilter>-1</dmStatusFilter><dmOffset>{offset}</dmOffset>"
                    f"<dmLimit>{page}</dmLimit>")
            r = s.post(f"{base}/DS/dx", data=_soap(op, body), timeout=(10, 120))
            r.raise_for_status()
            got = etree.fromstring(r.content, parser).findall(f".//{{{NS}}}dmID")
            ids += [e.text or "" for e in got]
            if len(got) < page:
                break
            offset += page
        for dm_id in ids:
            r = s.post(f"{base}/DS/dz", data=_soap(dl, f"<dmID>{dm_id}</dmID>"),
                       timeout=(10, 120))
            zfo = base64.b64decode(
                etree.fromstring(r.content, parser).findtext(f".//{{{NS}}}dmSignature") or "")
            r = s.post(f"{base}/DS/dx",
                       data=_soap("GetSignedDeliveryInfo", f"<dmID>{dm_id}</dmID>"),
                       timeout=(10, 120))
            text = etree.fromstring(r.content, parser).findtext(f".//{{{NS}}}dmSignature")
            di = base64.b64decode(text) if text else None
            rows.append((dm_id, direction, zfo, di))
            count += 1
            total_bytes += len(zfo) + len(di or b"")
            if len(rows) >= 500:
                flush()
    flush()
    con.execute("COMMIT")
    con.close()
    return count, total_bytes


def app_sync(info: dict[str, Any], acc: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    from dso_desktop.app import App
    from dso_desktop.domain import LoginMethod
    from dso_desktop.paths import AppPaths
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.services.types import AccountSpec

    use_memory_keyring()
    app = App.open(AppPaths.default(data_dir))
    try:
        app.accounts.add(AccountSpec(name="bench", login_method=LoginMethod.PASSWORD,
                                     username=acc["username"], environment=info["url"],
                                     ca_file=Path(info["ca_file"])),
                         password=acc["password"], save_password=True)
        t0 = time.perf_counter()
        summary = app.sync.sync_account("bench", accept_delivery=True)
        elapsed = time.perf_counter() - t0
    finally:
        app.close()
    # The sync checks ZFOs in a worker process it has ended by now; the simulator (the other
    # child) is still running, so the children's peak is the worker's.
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"elapsed": elapsed, "summary": summary, "worker_peak_rss_mb": worker_mb}


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _stored_zfo_bytes(db: Path) -> tuple[int, int]:
    """Messages stored with their ZFO, and the raw bytes of every stored ZFO (with delivery
    infos), read from the archive's own tables (`store.models`)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        count, zfo_bytes = con.execute(
            "SELECT count(*), coalesce(sum(length(data)), 0) FROM message_zfos").fetchone()
        (di_bytes,) = con.execute(
            "SELECT coalesce(sum(length(data)), 0) FROM delivery_infos").fetchone()
        return int(count), int(zfo_bytes) + int(di_bytes)
    finally:
        con.close()


@case
def bench_sync(workdir: Path) -> dict[str, Any]:
    # messages ≈ SYNC_MESSAGES received: the generator makes ~30 % of them outgoing.
    total = int(SYNC_MESSAGES / 0.7)
    sim = SimProcess(total, workdir / "sim-state")
    try:
        info, acc = sim.info, sim.account()
        floors, reals = [], []
        count = raw = 0
        result: dict[str, Any] = {}
        # The simulator renders each message and makes its ISDS timestamp once, on the first
        # download (as ISDS keeps dmHash); warm it with one untimed bare pass so that the
        # app and the floor both meet the same warm server.
        t0 = time.perf_counter()
        floor_sync(info, acc, workdir / "floor-warmup.sqlite3")
        result["sync_floor_cold_s"] = round(time.perf_counter() - t0, 2)
        app_peak = worker_peak = 0.0
        for rep in range(SYNC_REPEAT):
            data_dir = workdir / f"sync-data-{rep}"
            run = app_sync(info, acc, data_dir)
            reals.append(run["elapsed"])
            app_peak = max(app_peak, peak_rss_mb())
            worker_peak = max(worker_peak, run["worker_peak_rss_mb"])
            t0 = time.perf_counter()
            floor_count, floor_bytes = floor_sync(info, acc, workdir / f"floor-{rep}.sqlite3")
            floors.append(time.perf_counter() - t0)
            count, raw = _stored_zfo_bytes(data_dir / "archive.sqlite3")
            result["sync_store_bytes"] = _dir_bytes(data_dir)
            summary = run["summary"]
            result["sync_summary"] = (f"new {summary.new}, delivery infos "
                                      f"{summary.delivery_infos}, failed {len(summary.failed)}")
            result["sync_floor_messages"] = floor_count
            result["sync_floor_zfo_bytes"] = floor_bytes
        sync_s, floor_s = statistics.median(reals), statistics.median(floors)
        result.update({
            "sync_10k_s": round(sync_s, 2),
            "sync_floor_s": round(floor_s, 2),
            "sync_ratio": round(sync_s / floor_s, 3),
            "sync_messages": count,
            "sync_raw_zfo_bytes": raw,
            "store_bytes_ratio": round(result["sync_store_bytes"] / raw, 3) if raw else None,
            "sync_peak_rss_mb": round(app_peak, 1),
            "sync_checker_peak_rss_mb": round(worker_peak, 1),
        })
        return result
    finally:
        sim.close()


# --------------------------------------------------------------------------- 100k store
def build_store(data_dir: Path, n: int) -> int:
    """A 100,000-message archive written through the store's own write path (the one a
    sync uses, `store.writer.EvidenceWriter`), in transactions of 2,000 messages.

    Envelopes, names, references and attachment texts come from the simulator's generator.
    Sealing 100,000 ZFOs would take minutes of RSA signing (measured elsewhere), so every
    message carries the same sealed ZFO as its evidence blob; search and the GUI list read
    envelope columns and the full-text index only, so this does not flatter them.
    """
    from dso_desktop.domain import Direction, Envelope, LegalTitle
    from dso_desktop.paths import AppPaths
    from dso_desktop.simulator.files import paragraphs
    from dso_desktop.simulator.generator import DEMO_BOX_NAME, build_world
    from dso_desktop.store.db import Database
    from dso_desktop.store.evidence import Action
    from dso_desktop.store.messages import search_text_for
    from dso_desktop.store.records import VerdictInfo
    from dso_desktop.store.writer import EvidenceWriter

    marker = data_dir / "built.json"
    if marker.exists():
        return int(json.loads(marker.read_text())["messages"])
    paths = AppPaths.default(data_dir).ensure()
    db = Database.open(paths.database)
    world, _ = build_world(5, n, now=datetime(2026, 11, 1, tzinfo=UTC))
    zfos, _ = _make_zfos(1)
    template = zfos[0]
    boxes = world.boxes
    demo_id = next(b.box_id for b in boxes.values() if b.name == DEMO_BOX_NAME)
    verdict = VerdictInfo(kind="valid", checked_at=datetime.now(UTC), json=None,
                          timestamp_expires=None)
    msgs = list(world.messages.values())
    from dso_desktop.app import App

    app = App(paths, db)
    app.accounts.add(_bench_spec(), password=None)
    account_id = _account_id(db)
    batch = 2000
    for start in range(0, len(msgs), batch):
        # The sync's own write path (list entry, then its ZFO), in one group commit.
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
                texts = [(f.name, " ".join(paragraphs(f.seed, 3, f.title)))
                         for f in m.files]
                writer.record_listed(account_id, direction, env, source="bench")
                stored = writer.attach_downloaded(
                    template, env, search_text_for(env, texts), len(m.files), verdict, (),
                    account_id=account_id, direction=direction, source="bench")
                if stored.action is not Action.STORE:
                    raise RuntimeError("the archive refused a benchmark message")
    db.close()
    marker.write_text(json.dumps({"messages": len(msgs)}))
    return len(msgs)


def _bench_spec() -> Any:
    from dso_desktop.domain import LoginMethod
    from dso_desktop.services.types import AccountSpec

    return AccountSpec(name="Obec (benchmark)", login_method=LoginMethod.PASSWORD,
                       username="bench1", environment="https://127.0.0.1:9")


def _account_id(db: Any) -> int:
    from dso_desktop.store.repos import AccountRepo

    with db.read() as s:
        return int(AccountRepo(s).get("Obec (benchmark)").id)


# Fifty Czech words and phrases users search for, with and without diacritics.
QUERIES = [
    "rozhodnutí", "rozhodnuti", "výzva", "vyzva", "stavební povolení", "stavebni povoleni",
    "faktura", "smlouva", "žádost", "zadost", "oznámení", "oznameni", "usnesení", "usneseni",
    "Praha", "Brno", "Ostrava", "Plzeň", "Plzen", "obec", "městský úřad", "mestsky urad",
    "krajský úřad", "kontrola", "dotace", "daň z nemovitých věcí", "dan z nemovitych veci",
    "odvolání", "odvolani", "příloha", "priloha", "zápis", "zapis", "pozvánka", "pozvanka",
    "veřejná zakázka", "verejna zakazka", "rozpočet", "rozpocet", "protokol", "exekuce",
    "insolvence", "notář", "notar", "sdělení", "sdeleni", "stanovisko", "územní plán",
    "uzemni plan", "Novák",
]


@case
def bench_search(workdir: Path) -> dict[str, Any]:
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    data_dir = workdir / "store-100k"
    t0 = time.perf_counter()
    n = build_store(data_dir, STORE_MESSAGES)
    build_s = time.perf_counter() - t0
    app = App.open(AppPaths.default(data_dir))
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
        "search_p50_ms": round(statistics.median(lat), 2),
        "search_p95_ms": round(lat[int(len(lat) * 0.95) - 1], 2),
        "search_messages": n,
        "search_queries_with_hits": sum(1 for v in hits.values() if v),
        "search_store_build_s": round(build_s, 1),
        "search_peak_rss_mb": round(peak_rss_mb(), 1),
    }


@case
def bench_gui(workdir: Path) -> dict[str, Any]:
    """`dso-desktop` over the 100k archive: first paint (wall clock from spawn), RSS, scroll."""
    data_dir = workdir / "store-100k"
    build_store(data_dir, STORE_MESSAGES)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [str(VENV_BIN / "dso-desktop"), "--data-dir", str(data_dir), "--measure-startup"]

    def first_paint() -> tuple[float, dict[str, Any]]:
        # The app prints its JSON line right after the list's first paint; the wall time
        # from spawning the process to that line includes interpreter and Qt start-up.
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=env)
        assert proc.stdout is not None
        line = ""
        for line in proc.stdout:
            if line.startswith("{"):
                break
        wall = time.perf_counter() - t0
        proc.wait(120)
        if not line.startswith("{"):
            raise RuntimeError("dso-desktop --measure-startup printed no result")
        return wall, json.loads(line)

    first_paint()  # warm the OS file cache, as every later start of the app is
    runs = [first_paint() for _ in range(3)]
    walls = sorted(w for w, _ in runs)
    proc = subprocess.run([*cmd, "--measure-scroll"], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"dso-desktop --measure-scroll failed: {proc.stderr[-800:]}")
    m = json.loads(line)
    return {
        "gui_first_paint_s": round(walls[1], 3),
        "gui_first_paint_in_app_s": statistics.median(r["first_paint_s"] for _, r in runs),
        "gui_peak_rss_mb": max(m.get("peak_rss_mb") or 0, *(r["peak_rss_mb"] for _, r in runs)),
        "gui_scroll_max_frame_ms": m.get("scroll_longest_block_ms"),
        "gui_scroll_s": m.get("scroll_s"),
        "gui_rows": m.get("messages"),
        "gui_archive_open_s": statistics.median(r["archive_open_s"] for _, r in runs),
    }


# --------------------------------------------------------------------------- bundle
@case
def bench_bundle(workdir: Path) -> dict[str, Any]:
    """Compressed size of the PyInstaller onedir bundle (built by `make bundle` if missing)."""
    from dso_desktop import __version__

    dist = ROOT / "dist"
    app = dist / "dso-desktop" / "versions" / __version__
    if not app.exists() and os.environ.get("DSO_BENCH_BUILD_BUNDLE") == "1":
        subprocess.run(["bash", "scripts/bundle-smoke.sh"], cwd=ROOT, check=True,
                       capture_output=True, env=dict(os.environ, DSO_BUNDLE_SMOKE="1"))
    if not app.exists():
        return {"bundle_mb": None,
                "_notes": {"bundle_mb": "bundle not built (run `make bundle`)"}}
    result: dict[str, Any] = {"bundle_unpacked_mb": round(_dir_bytes(app) / 2**20, 1)}
    gz = workdir / "bundle.tar.gz"
    with tarfile.open(gz, "w:gz") as tar:
        tar.add(app, arcname=f"dso-desktop-{__version__}")
    result["bundle_targz_mb"] = round(gz.stat().st_size / 2**20, 1)
    published = sorted(dist.glob(f"dso-desktop-{__version__}-*.tar.xz"))
    if published:
        result["bundle_tarxz_mb"] = round(published[-1].stat().st_size / 2**20, 1)
    # The release archive users download is .tar.xz (what `dso-release add` publishes).
    result["bundle_mb"] = result.get("bundle_tarxz_mb", result["bundle_targz_mb"])
    result["_notes"] = {"bundle_mb": (
        "size of the published .tar.xz release archive; as .tar.gz it is "
        f"{result['bundle_targz_mb']} MB (Qt's shared libraries dominate)")}
    return result


# --------------------------------------------------------------------------- update portal
@case
def bench_portal_update(workdir: Path) -> dict[str, Any]:
    """`dso-release add` time and the bytes a client downloads for a Python-only release.

    A realistic tree from the test kit: ~50 MB of shared-library-like files and 1,500 Python
    modules, packed as .tar.xz like `make bundle`. Release 1.1.0 changes 20 modules only.
    ``release_add_s`` is the whole `dso-release add` of 1.1.0 (checks, self-check, file
    list, signing); ``update_delta_mb`` counts every byte the loopback portal sent to the
    client for check + download (metadata included).
    """
    from http.server import SimpleHTTPRequestHandler

    from updater.cli import main as release_main
    from updater.pack import pack
    from updater.server import StaticHandler, StaticServer
    from updater.testkit import (
        PASSPHRASE,
        PLATFORM,
        Portal,
        add_realistic_tree,
        install,
        make_version_dir,
    )

    from dso_desktop.paths import AppPaths
    from dso_desktop.update.release import Version
    from dso_desktop.update.service import UpdateService

    os.environ["DSO_RELEASE_PASSPHRASE"] = PASSPHRASE
    portal = Portal(workdir / "portal")
    build = workdir / "build"
    archives = {}
    for version, changed in (("1.0.0", 0), ("1.1.0", 20)):
        d = make_version_dir(build, version, root_json=portal.root_json)
        add_realistic_tree(d, binary_mb=50, python_files=1500, changed=changed)
        archives[version] = pack(d, Version.parse(version),
                                 build / f"dso-desktop-{version}-{PLATFORM}.tar.xz")

    def add(version: str) -> float:
        t0 = time.perf_counter()
        code = release_main(["add", str(portal.repo.path), str(archives[version]),
                             "--platform", PLATFORM])
        if code != 0:
            raise RuntimeError(f"dso-release add {version} failed")
        return time.perf_counter() - t0

    first = add("1.0.0")
    root = install(workdir / "install", archives["1.0.0"], "1.0.0")
    second = add("1.1.0")

    sent = [0]

    class Counting(StaticHandler):
        def copyfile(self, source: Any, outputfile: Any) -> None:
            class Meter:
                def write(self, data: bytes) -> int:
                    sent[0] += len(data)
                    return int(outputfile.write(data))

            super().copyfile(source, Meter())

    assert issubclass(Counting, SimpleHTTPRequestHandler)
    with StaticServer(portal.public, handler_class=Counting) as server:
        svc = UpdateService(AppPaths.default(workdir / "user").ensure(), install_root=root,
                            trusted_root=portal.root_json, portal_url=server.url,
                            platform=PLATFORM)
        t0 = time.perf_counter()
        if svc.check().available != "1.1.0":
            raise RuntimeError("the client was not offered 1.1.0")
        svc.download()
        folder = svc.stage()
        client_s = time.perf_counter() - t0
    if folder.name != "1.1.0":
        raise RuntimeError("the small update was not staged")
    return {
        "release_add_s": round(second, 1),
        "release_add_first_s": round(first, 1),
        "update_delta_mb": round(sent[0] / 2**20, 2),
        "update_archive_mb": round(archives["1.1.0"].stat().st_size / 2**20, 1),
        "update_client_s": round(client_s, 1),
        "_notes": {"update_delta_mb": (
            "the test kit's FAKE bundle tree (not PyInstaller; the real bundles are "
            "update_delta_real_mb): bytes sent by the portal to a 1.0.0 client for the check "
            "and download of 1.1.0 (20 of 1,500 Python modules changed, ~50 MB of binaries "
            "unchanged), metadata included; the full .tar.xz is update_archive_mb"),
            "release_add_s": (
            "FAKE tree as update_delta_mb (real bundles: release_add_real_s): "
            "`dso-release add` of 1.1.0 with the previous release published: bundle checks, "
            "self-check, file list and content files, signing; no bsdiff any more")},
    }


@case
def bench_portal_update_real(workdir: Path) -> dict[str, Any]:
    """`update_delta_mb` and `release_add_s` between two REAL PyInstaller bundles.

    The bundles come from the kit of ``updater.bundlekit`` (``DSO_BENCH_BUNDLE_KIT``, default
    ``build/bundle-kit``): the first build of this checkout and a rebuild with only the
    version bumped. The kit is reused when it was built from the same sources, built when
    ``DSO_BENCH_BUILD_BUNDLE=1`` (two PyInstaller runs, minutes), and otherwise this case
    reports nothing (the keys stay ``None``, with a note saying how to get them).
    """
    import shutil

    from updater.bundlekit import fingerprint, load_kit, pyinstaller_available
    from updater.cli import main as release_main
    from updater.server import StaticHandler, StaticServer
    from updater.testkit import PASSPHRASE, install

    from dso_desktop.paths import AppPaths
    from dso_desktop.update.release import platform_tag
    from dso_desktop.update.service import UpdateService

    folder = Path(os.environ.get("DSO_BENCH_BUNDLE_KIT", str(ROOT / "build" / "bundle-kit")))
    kit = load_kit(folder, fingerprint())
    if kit is None and os.environ.get("DSO_BENCH_BUILD_BUNDLE") == "1" \
            and pyinstaller_available():
        from updater.bundlekit import ensure_kit

        kit = ensure_kit(folder)
    if kit is None:
        why = ("no real bundles of these sources: `make bundle-kit` (or "
               "DSO_BENCH_BUILD_BUNDLE=1 make bench) builds them; the fake-tree figures are "
               "update_delta_mb and release_add_s")
        return {"update_delta_real_mb": None, "release_add_real_s": None,
                "_notes": {"update_delta_real_mb": why}}

    os.environ["DSO_RELEASE_PASSPHRASE"] = PASSPHRASE
    repo = workdir / "real-portal"
    shutil.copytree(kit.repo, repo)

    def add(archive: Path) -> float:
        t0 = time.perf_counter()
        if release_main(["add", str(repo), str(archive)]) != 0:
            raise RuntimeError(f"dso-release add {archive.name} failed")
        return time.perf_counter() - t0

    first_s = add(kit.first.archive)
    root = install(workdir / "real-install", kit.first.archive, kit.first.version)
    second_s = add(kit.second.archive)
    sent = [0]

    class Counting(StaticHandler):
        def copyfile(self, source: Any, outputfile: Any) -> None:
            class Meter:
                def write(self, data: bytes) -> int:
                    sent[0] += len(data)
                    return int(outputfile.write(data))

            super().copyfile(source, Meter())

    trusted = (repo / "public" / "metadata" / "1.root.json").read_bytes()
    with StaticServer(repo / "public", handler_class=Counting) as server:
        svc = UpdateService(AppPaths.default(workdir / "real-user").ensure(), install_root=root,
                            trusted_root=trusted, portal_url=server.url,
                            platform=platform_tag())
        if svc.check().available != kit.second.version:
            raise RuntimeError(f"the client was not offered {kit.second.version}")
        svc.download()
        staged = svc.stage()
    if staged.name != kit.second.version:
        raise RuntimeError("the small update was not staged")
    return {
        "update_delta_real_mb": round(sent[0] / 2**20, 2),
        "release_add_real_s": round(second_s, 1),
        "release_add_real_first_s": round(first_s, 1),
        "update_archive_real_mb": round(kit.second.archive.stat().st_size / 2**20, 1),
        "bundle_rebuild_s": round(kit.second.seconds, 1),
        "_notes": {"update_delta_real_mb": (
            f"bytes the portal sent a client on the REAL bundle {kit.first.version} for the "
            f"check and small update to {kit.second.version}, a PyInstaller rebuild of the "
            "same sources with only __version__ changed (metadata included); the whole "
            ".tar.gz is update_archive_real_mb. release_add_real_s: `dso-release add` of "
            "that second archive, self-check of the real bundle included. "
            "bundle_rebuild_s: that rebuild, reusing PyInstaller's work folder")},
    }


# --------------------------------------------------------------------------- paper (issue 16)
PAPER_MESSAGES = int(os.environ.get("DSO_BENCH_PAPER_MESSAGES", "10000"))


@case
def bench_paper(workdir: Path) -> dict[str, Any]:
    """The PDF/A envelope + delivery info of one message, and the correspondence overview
    of 10,000 messages in each format (query, render and write, each timed whole)."""
    from datetime import date

    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths
    from dso_desktop.reports.model import Part
    from dso_desktop.reports.overview import Format

    data_dir = workdir / "store-paper"
    n = build_store(data_dir, PAPER_MESSAGES)
    app = App.open(AppPaths.default(data_dir), offline=True)
    out = workdir / "paper-out"
    out.mkdir(exist_ok=True)
    try:
        mid = app.messages.ids(limit=1)[0]
        app.paper.message_pdf(mid, Part.BOTH)  # warm: imports, fonts in the OS cache
        pdf_s, _ = median_time(lambda: app.paper.save_message_pdf(
            mid, out / "one.pdf", Part.BOTH), 7)
        result: dict[str, Any] = {"paper_message_pdf_s": round(pdf_s, 4)}
        for fmt in Format:
            def overview(fmt: Format = fmt) -> int:
                ov = app.paper.overview(date(2000, 1, 1), date(2100, 12, 31))
                app.paper.save_overview(ov, fmt, out / f"overview.{fmt}")
                return len(ov.rows)

            t, _ = median_time(overview, 3)
            result[f"paper_overview_{fmt}_s"] = round(t, 3)
        result["paper_overview_messages"] = overview(Format.CSV)
        result["paper_overview_pdf_mb"] = round(
            (out / "overview.pdf").stat().st_size / 2**20, 2)
    finally:
        app.close()
    if result["paper_overview_messages"] != n:
        raise RuntimeError(f"the overview holds {result['paper_overview_messages']} of "
                           f"{n} messages")
    return result
