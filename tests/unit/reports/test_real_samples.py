"""The documents on the real ZFO samples in ../shared (skipped with the reason when absent)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import ZFO_SAMPLES, require_shared, shared_trust_anchors
from tests.unit.reports.conftest import assert_pdfa, text_has

from dso_desktop.reports.model import Part, local_time
from dso_desktop.reports.overview import Format


@pytest.fixture
def real_archive(tmp_path: Path) -> Any:
    require_shared(ZFO_SAMPLES)
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths

    app = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                   trust_anchors=shared_trust_anchors())
    app.zfo.import_files(sorted(ZFO_SAMPLES.glob("*.zfo")))
    yield app
    app.close()


def test_every_real_sample_prints_and_mails(real_archive: Any, tmp_path: Path) -> None:
    app = real_archive
    ids = app.messages.ids()
    assert ids, "no sample was imported"
    for mid in ids:
        doc = app.paper.document(mid)
        e = doc.envelope
        data = app.paper.message_pdf(mid, Part.BOTH)
        assert_pdfa(data)
        needles = [e.message_id, local_time(e.delivered_at)]
        needles += [x for x in (e.subject, e.sender_name) if x]
        text_has(data, *needles)
        for ev in doc.events:
            text_has(data, ev.description)
        if app.messages.detail(mid).row.downloaded:
            assert app.paper.message_eml(mid, attachments=True, pdf=True)
    out = app.paper.export_pdfs(ids, tmp_path / "batch")
    assert len(out) == len(ids) and all(p.suffix == ".pdf" for p in out)


def test_the_overview_of_the_real_samples(real_archive: Any, tmp_path: Path) -> None:
    ov = real_archive.paper.overview(date(2000, 1, 1), date(2100, 1, 1))
    assert len(ov.rows) == real_archive.messages.count()
    for fmt in Format:
        data = real_archive.paper.save_overview(ov, fmt, tmp_path / f"o.{fmt}").read_bytes()
        if fmt is Format.PDF:
            assert_pdfa(data)
            text_has(data, *(r.dm_id for r in ov.rows))
