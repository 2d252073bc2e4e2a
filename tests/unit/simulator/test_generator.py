"""The generator: deterministic, the requested counts, realistic Czech fields, exact files."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta

import pypdf

from dso_desktop.domain import BOX_TYPE_CODES
from dso_desktop.simulator.files import KINDS, make_file
from dso_desktop.simulator.generator import DEMO_BOX_NAME, build_world
from dso_desktop.simulator.world import World

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _summary(world: World) -> list[tuple]:
    return [(m.dm_id, m.sender_id, m.recipient_id, m.annotation, m.status, m.posted_at,
             tuple((f.name, f.size, f.seed) for f in m.files)) for m in world.messages.values()]


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, acc_a = build_world(5, 200, now=NOW)
    b, acc_b = build_world(5, 200, now=NOW)
    c, _ = build_world(6, 200, now=NOW)
    assert _summary(a) == _summary(b)
    assert acc_a == acc_b
    assert _summary(a) != _summary(c)


def test_counts_and_box_types() -> None:
    world, accounts = build_world(1, 500, now=NOW)
    assert len(world.messages) == 500
    demo = next(b for b in world.boxes.values() if b.name == DEMO_BOX_NAME)
    assert demo.box_type == "OVM"
    types = Counter(b.box_type for b in world.boxes.values())
    for needed in ("OVM", "PO", "FO", "PFO_ADVOK", "OVM_NOTAR"):
        assert types[needed] >= 1, needed
    assert all(b.box_type in BOX_TYPE_CODES for b in world.boxes.values())
    assert all(len(b.box_id) == 7 for b in world.boxes.values())
    methods = {a.login_method for a in accounts}
    assert {"password", "cert", "cert-password", "hosted", "hotp", "totp",
            "mobile-key"} <= methods
    # every message involves the demo municipality; both directions occur
    directions = Counter("sent" if m.sender_id == demo.box_id else "received"
                         for m in world.messages.values())
    assert directions["received"] > directions["sent"] > 0
    assert all(demo.box_id in (m.sender_id, m.recipient_id) for m in world.messages.values())


def test_realistic_fields_and_states() -> None:
    world, _ = build_world(2, 400, now=NOW)
    msgs = list(world.messages.values())
    assert all(0 < len(m.annotation) <= 255 for m in msgs)
    assert any("č." in m.annotation or "ž" in m.annotation.lower() for m in msgs)
    assert all(m.files and m.files[0].meta_type == "main" for m in msgs)
    assert all(NOW - timedelta(days=366) <= m.posted_at <= NOW for m in msgs)
    statuses = Counter(m.status for m in msgs)
    assert {4, 5, 6, 7} <= set(statuses)
    ids = [int(m.dm_id) for m in msgs]
    assert ids == sorted(ids)  # ids grow with time, as in ISDS
    posted = [m.posted_at for m in msgs]
    assert posted == sorted(posted)
    refs = [m.sender_ref for m in msgs if m.sender_ref]
    assert refs and all("/" in r for r in refs)
    for m in msgs:
        if m.status in (5, 6, 7):
            assert m.accepted_at is not None and m.accepted_at >= m.delivered_at


def test_files_are_valid_exact_size_and_searchable() -> None:
    title = "Rozhodnutí o přidělení čísla popisného"
    for kind in KINDS:
        for size in (6000, 15000, 40000):
            data = make_file(kind, 42, title, size)
            assert len(data) == size, (kind, size)
            assert make_file(kind, 42, title, size) == data  # deterministic
    pdf = pypdf.PdfReader(io.BytesIO(make_file("pdf", 1, title, 9000)))
    assert "přidělení čísla" in pdf.pages[0].extract_text()
    docx = zipfile.ZipFile(io.BytesIO(make_file("docx", 1, title, 9000)))
    assert title in docx.read("word/document.xml").decode("utf-8")
    odt = zipfile.ZipFile(io.BytesIO(make_file("odt", 1, title, 9000)))
    assert odt.namelist()[0] == "mimetype"
    assert title in odt.read("content.xml").decode("utf-8")
    assert title.encode("utf-8") in make_file("txt", 1, title, 9000)
    assert make_file("png", 1, title, 9000).startswith(b"\x89PNG\r\n\x1a\n")


def test_generated_sizes_match_materialised_files() -> None:
    world, _ = build_world(3, 60, now=NOW)
    for msg in list(world.messages.values())[:30]:
        for f in msg.files:
            assert len(world.file_bytes(f)) == f.size


def test_generation_is_a_timed_function() -> None:
    """The benchmark times build_world; a moderate size must be quick here too."""
    world, _ = build_world(9, 5000, now=NOW)
    assert len(world.messages) == 5000


def test_sender_type_is_fine_only_from_26_june_2026() -> None:
    from dso_desktop.simulator.model import Message
    from dso_desktop.simulator.render import sender_type

    def msg(at: datetime) -> Message:
        return Message(dm_id="1", sender_id="a", recipient_id="b", annotation="x", posted_at=at)

    old = msg(datetime(2026, 6, 25, 23, 0, tzinfo=UTC))
    new = msg(datetime(2026, 6, 26, 0, 0, tzinfo=UTC))
    assert sender_type(BOX_TYPE_CODES["PFO_ADVOK"], old) == 30
    assert sender_type(BOX_TYPE_CODES["PFO_ADVOK"], new) == 31
    assert sender_type(BOX_TYPE_CODES["OVM_NOTAR"], old) == 10
    assert sender_type(BOX_TYPE_CODES["FO"], old) == 40
