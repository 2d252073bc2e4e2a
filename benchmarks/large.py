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
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
