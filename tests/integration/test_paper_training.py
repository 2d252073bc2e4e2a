"""The documents of issue 16 on the training data: a simulator account synced into an
archive, then every message's PDF (envelope + delivery info), e-mail and the overview."""

from __future__ import annotations

import csv
import email
import io
from collections.abc import Iterator
from datetime import date
from email import policy
from pathlib import Path

import pytest
from tests.unit.reports.conftest import assert_pdfa, text_has

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.reports.model import Part, local_time
from dso_desktop.reports.overview import Format
from dso_desktop.services.types import AccountSpec

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def synced(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
           ) -> Iterator[App]:
    """The synced archive on each backend (issue 13: paper works on both)."""
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator

    url = database = server = None
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        database = server.new_database()
        url = server.url(database)
    use_memory_keyring()
    sim = Simulator(seed=21, messages=6)
    sim.start()
    app = App.open(AppPaths.default(tmp_path_factory.mktemp("paper") / "data"), offline=True,
                   store_url=url)
    acc = sim.account("password")
    app.accounts.add(AccountSpec("Obec", LoginMethod.PASSWORD, acc.username, sim.url,
                                 ca_file=Path(sim.info.ca_file)))
    summary = app.sync.sync_account("Obec", accept_delivery=True, password=acc.password)
    assert summary.failed == [] and summary.new > 0
    yield app
    app.close()
    sim.stop()
    if server is not None and database is not None:
        server.drop_database(database)


def test_every_training_message_on_paper_and_by_email(synced: App) -> None:
    ids = synced.messages.ids()
    assert ids
    with_events = 0
    for mid in ids:
        doc = synced.paper.document(mid)
        e = doc.envelope
        data = synced.paper.message_pdf(mid, Part.BOTH)
        assert_pdfa(data)
        text_has(data, e.message_id, e.subject or "", e.sender_name or "",
                 local_time(e.delivered_at))
        for ev in doc.events:
            text_has(data, local_time(ev.at), ev.description)
        with_events += bool(doc.events and doc.has_delivery_info)
        assert doc.message_check is not None and doc.message_check.kind in ("valid",
                                                                           "expiring")
        msg = email.message_from_bytes(synced.paper.message_eml(mid, attachments=True),
                                       policy=policy.default)
        assert len(list(msg.iter_attachments())) == 1 + len(doc.files)
    assert with_events > 0  # the simulator's messages come with signed delivery infos


def test_the_training_overview(synced: App, tmp_path: Path) -> None:
    ov = synced.paper.overview(date(2000, 1, 1), date(2100, 12, 31), account="Obec")
    assert len(ov.rows) == synced.messages.count()
    data = synced.paper.save_overview(ov, Format.CSV, tmp_path / "o.csv").read_bytes()
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    ids = {r[0] for r in table if r and r[0].isdigit()}
    assert ids == {r.dm_id for r in ov.rows}
    pdf = synced.paper.save_overview(ov, Format.PDF, tmp_path / "o.pdf").read_bytes()
    assert_pdfa(pdf)
    text_has(pdf, *ids)
