"""What a sync stores for each message (its search text and verdict) is what the reference
checks give for the same bytes: the cheaper checking process (issue 18, CPU per synced
message) must not change a stored row. The reference: PDF text through pypdfium2's helper
objects, the whitespace clip by regular expression, and verification in this process."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.simbox import sync_simulated_box
from tests.unit.store.test_textextract_reference import _helpers_text

from dso_desktop.store import textextract as tx
from dso_desktop.store.messages import search_text_for
from dso_desktop.store.writer import EvidenceWriter
from dso_desktop.sync import ingest
from dso_desktop.sync import pipeline as pl

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_stored_search_texts_and_verdicts_are_the_reference_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.zfo import parse_zfo, verify_zfo

    stored: list[tuple[bytes, Any, Any]] = []
    trusts: list[Any] = []
    pools: list[Any] = []
    attach, init, for_items = (EvidenceWriter.attach_downloaded, pl.CheckingProcess.__init__,
                               pl.CheckingProcess.for_items)

    def spy_attach(self: EvidenceWriter, data: bytes, env: Any, search: Any,
                   count: int, verdict: Any, *args: Any, **kwargs: Any) -> Any:
        stored.append((data, search, verdict))
        return attach(self, data, env, search, count, verdict, *args, **kwargs)

    def spy_init(self: pl.CheckingProcess, trust: Any) -> None:
        trusts.append(trust)
        init(self, trust)

    def spy_for_items(self: pl.CheckingProcess, items: int) -> Any:
        pools.append(got := for_items(self, items))
        return got

    monkeypatch.setattr(EvidenceWriter, "attach_downloaded", spy_attach)
    monkeypatch.setattr(pl.CheckingProcess, "__init__", spy_init)
    monkeypatch.setattr(pl.CheckingProcess, "for_items", spy_for_items)
    summary = sync_simulated_box(tmp_path, seed=11)
    assert summary.failed == [] and len(stored) == summary.new >= 30
    assert any(p is not None for p in pools), "checked in process, not in a checking process"
    assert len({id(t) for t in trusts}) == 1  # one account, one trust store
    trust = trusts[0]

    # The reference ways, in this process, on the bytes the sync stored.
    monkeypatch.setattr(tx, "_clip", lambda t: re.sub(r"\s+", " ", t).strip()[:tx.MAX_TEXT])
    monkeypatch.setattr(tx, "_pdf_text", _helpers_text)
    kinds = set()
    for data, search, verdict in stored:
        parsed = parse_zfo(data)
        texts = [(a.name, tx.attachment_text(a.name, a.content())) for a in parsed.attachments]
        assert search == search_text_for(parsed.envelope, texts), parsed.envelope.message_id
        reference = ingest.verdict_info(verify_zfo(parsed, trust, now=verdict.checked_at))
        assert verdict == reference, parsed.envelope.message_id
        kinds |= {a.name.rsplit(".", 1)[-1] for a, (_, body) in zip(parsed.attachments, texts,
                                                                      strict=True) if body}
    assert {"pdf", "docx", "odt", "xml", "txt"} <= kinds  # every kind the simulator makes
