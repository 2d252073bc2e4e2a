"""Hand-over to records management, end to end, on the training data (messages synced from
the simulator) and the real sample ZFOs: export -> independent read-back -> confirmation ->
state -> purge, and REST upload -> stored files -> state.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.conftest import SHARED, ZFO_SAMPLES, require_shared, shared_trust_anchors
from tests.unit.records.reader import BatchProblem, read_batch
from tests.unit.records.schemas import assert_valid, erms_schema

from dso_desktop.app import App
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.records import nsesss
from dso_desktop.records.errors import ConfirmationError, RestServiceError
from dso_desktop.records.rest import RecordsRestClient
from dso_desktop.services.records import Selection
from dso_desktop.services.types import AccountSpec
from dso_desktop.simulator.records import RecordsSimulator, confirm_batch
from dso_desktop.store.records import MessageFilter

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

SIP_ZFO = (SHARED / "records-spec" / "examples" / "sip-nsesss2024-received-zfo" /
           "komponenty" / "1003678778-000-prichozi_datova_zprava_1082060634.zfo")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An archive with synced training messages (with delivery infos) and, where ../shared
    is beside us, the real sample ZFOs."""
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator

    use_memory_keyring()
    data = tmp_path_factory.mktemp("records") / "data"
    with Simulator(seed=17, messages=6) as sim:
        sim.start()
        app = App.open(AppPaths.default(data), offline=True,
                       trust_anchors=shared_trust_anchors())
        acc = sim.account("password")
        app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                     ca_file=Path(sim.info.ca_file)))
        summary = app.sync.sync_account("urad", accept_delivery=True, password=acc.password)
        assert summary.failed == [] and summary.new > 0
        if ZFO_SAMPLES.is_dir():
            samples = sorted(ZFO_SAMPLES.glob("*.zfo"))
            app.zfo.import_files(samples)
            app.zfo.import_files(samples)  # delivery infos after their messages
        app.close()
    yield data


@pytest.fixture
def app(template: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[App]:
    data = tmp_path / "data"
    shutil.copytree(template, data)
    url = None
    if "store_url" in request.fixturenames:  # this test runs on both backends (issue 13)
        url = request.getfixturevalue("store_url")
        if not url.startswith("sqlite"):  # the same archive, moved as an office would
            from dso_desktop.services.storemigrate import migrate
            from dso_desktop.sync.ingest import index_text

            migrate(AppPaths.default(data).database, url, index_text=index_text)
        else:
            url = None
    a = App.open(AppPaths.default(data), offline=True, trust_anchors=shared_trust_anchors(),
                 store_url=url)
    yield a
    a.close()


def _archive(app: App) -> dict[tuple[str, bool], tuple[bytes, bytes | None]]:
    out = {}
    for mid in app.records.select_ids(Selection()):
        row = app.messages.rows([mid])[0]
        with app.db.read() as s:
            di = s.execute(text("SELECT data FROM delivery_infos WHERE message_id = :m"),
                           {"m": mid}).scalar()
        out[(row.dm_id, row.direction is Direction.RECEIVED)] = (
            app.messages.zfo_bytes(mid), bytes(di) if di is not None else None)
    return out


def test_export_validates_and_an_independent_reader_rebuilds_the_messages(
        store_url: str, app: App, tmp_path: Path) -> None:
    schema = erms_schema()
    out = tmp_path / "davka.zip"
    summary = app.records.export(out, Selection(), target="ESSL")
    with zipfile.ZipFile(out) as z:
        xmls = [n for n in z.namelist() if n.endswith(".xml")]
        assert len(xmls) == summary.entities + 1
        for name in xmls:
            assert_valid(schema, z.read(name), name)
    batch = read_batch(out)
    assert (batch.batch_id, batch.source, batch.target) == (summary.batch_id, "DSO", "ESSL")
    archive = _archive(app)
    assert {(m.dm_id, m.received) for m in batch.messages} == set(archive)
    for m in batch.messages:
        zfo, di = archive[(m.dm_id, m.received)]
        main = m.file("main")
        assert main is not None and main.versions == [(1, zfo)]  # the signed ZFO unchanged
        assert main.description == ("DDZ_" if m.received else "ODZ_") + m.dm_id + ".zfo"
        dod = m.file("dorucenka")
        assert (dod.versions[0][1] if dod else None) == di
    assert any(di is not None for _, di in archive.values())  # delivery infos were there
    if ZFO_SAMPLES.is_dir():  # the real samples went in too
        assert ("3401761", True) in archive and ("151874", False) in archive
    # Nothing is handed over by an export alone.
    every = app.records.select_ids(Selection())
    assert app.records.handed_over_ids(every) == set()
    # The receiving system confirms the whole batch: every message, training data and real
    # samples alike, is handed over, with where and when.
    result = app.records.confirm(confirm_batch(out))
    assert result.status == nsesss.LOADED and not result.not_handed_over
    assert app.records.handed_over_ids(every) == set(every)
    for mid in every:
        (h,) = app.records.state(mid).handovers
        assert (h.method, h.target, h.batch_id) == ("batch", "ESSL", summary.batch_id)
        assert h.zfo_sha256 == hashlib.sha256(app.messages.zfo_bytes(mid)).hexdigest()


class _Utf8Info(zipfile.ZipInfo):
    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode(), self.flag_bits | 0x800


def _rewrite(src_path: Path, dst_path: Path, change: Any, utf8: bool = True) -> None:
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(dst_path, "w") as dst:
        for info in src.infolist():
            new = (_Utf8Info if utf8 else zipfile.ZipInfo)(info.filename, info.date_time)
            new.compress_type = info.compress_type
            dst.writestr(new, change(info.filename, src.read(info)))


def test_the_reader_notices_a_tampered_batch(app: App, tmp_path: Path) -> None:
    out = tmp_path / "davka.zip"
    app.records.export(out, Selection())
    read_batch(out)
    same = tmp_path / "same.zip"
    _rewrite(out, same, lambda name, data: data)
    read_batch(same)  # the rewrite itself changes nothing the reader checks

    def tamper(name: str, data: bytes) -> bytes:
        return data.replace(b"<Nazev>", b"<Nazev>X", 1) if name.startswith("dokumenty/") \
            else data

    bad = tmp_path / "bad.zip"
    _rewrite(out, bad, tamper)
    with pytest.raises(BatchProblem, match="Otisk"):
        read_batch(bad)
    no_flag = tmp_path / "noflag.zip"
    _rewrite(out, no_flag, lambda name, data: data, utf8=False)
    with pytest.raises(BatchProblem, match="UTF-8 flag"):
        read_batch(no_flag)


def test_selection_by_account_period_and_state(app: App, tmp_path: Path) -> None:
    every = app.records.select_ids(Selection())
    mine = app.records.select_ids(Selection(account="urad"))
    assert mine and set(mine) < set(every) if ZFO_SAMPLES.is_dir() else set(mine) == set(every)
    future = datetime.now(UTC) + timedelta(days=3650)
    assert app.records.select_ids(Selection(since=future)) == []
    assert app.records.select_ids(Selection(until=future)) == every


def test_partial_confirmation_marks_only_what_was_loaded(app: App, tmp_path: Path) -> None:
    out = tmp_path / "davka.zip"
    summary = app.records.export(out, Selection(account="urad"))
    batch = read_batch(out)
    refused = batch.messages[0]
    refused_file = refused.file("main")
    assert refused_file is not None
    conf = confirm_batch(out, refuse={refused_file.identifier: "nečitelný formát"})
    result = app.records.confirm(conf)
    assert result.status == nsesss.PARTLY_LOADED and result.batch_id == summary.batch_id
    assert {m.dm_id for m in result.not_handed_over} == {refused.dm_id}
    assert any("nečitelný formát" in r for r in result.not_handed_over[0].reasons)
    assert len(result.handed_over) == len(batch.messages) - 1
    refused_id = result.not_handed_over[0].message_id
    state = app.records.state(refused_id)
    assert not state.handed_over and state.refusals[0][1] == "nečitelný formát"
    ok = app.records.state(result.handed_over[0].message_id)
    (h,) = ok.handovers
    assert (h.method, h.target, h.batch_id) == ("batch", "ESSL", summary.batch_id)
    # The list's column and filter see the same state.
    every = set(app.messages.ids(MessageFilter(account="urad")))
    held = set(app.messages.ids(MessageFilter(account="urad", handed_over=True)))
    assert held == {m.message_id for m in result.handed_over}
    assert set(app.messages.ids(MessageFilter(account="urad", handed_over=False))) == \
        every - held == {refused_id}
    assert {r.id for r in app.messages.rows(sorted(every)) if r.handed_over} == held
    # A batch of the rest (not yet handed over) takes only the refused message.
    assert app.records.select_ids(Selection(account="urad", not_handed_over=True)) == \
        [refused_id]


def test_confirmations_that_do_not_fit_the_batch_change_nothing(
        app: App, tmp_path: Path) -> None:
    out = tmp_path / "davka.zip"
    summary = app.records.export(out, Selection(account="urad"))
    good = confirm_batch(out)
    c = nsesss.parse_confirmation(good)
    ids = app.records.select_ids(Selection())

    def variant(**changes: Any) -> bytes:
        from dataclasses import replace

        return nsesss.confirmation_xml(replace(c, **changes))

    first = c.entities[0]
    from dataclasses import replace as dc_replace

    bad = [
        variant(batch_id="DSO-unknown"),
        variant(source="JINY"),
        variant(batch_target="JINY"),
        variant(entities=(dc_replace(first, entity_id="ZFO-0-0"), *c.entities[1:])),
        variant(entities=(dc_replace(first, poradi=999),)),
        variant(entities=(dc_replace(first, status=nsesss.NOT_LOADED), *c.entities[1:])),
        variant(status=nsesss.NOT_LOADED),
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e 'x'>]><x>&e;</x>",
        b"not xml",
    ]
    for data in bad:
        with pytest.raises(ConfirmationError):
            app.records.confirm(data)
    assert app.records.handed_over_ids(ids) == set()
    assert app.records.batches()[0].state == "exported"
    assert app.records.confirm(good).status == nsesss.LOADED
    assert app.records.batches()[0].state == "confirmed"
    assert len(app.records.handed_over_ids(ids)) == summary.messages


def test_purge_removes_only_confirmed_messages_and_logs_them(
        store_url: str, app: App, tmp_path: Path) -> None:
    out = tmp_path / "davka.zip"
    app.records.export(out, Selection(account="urad"))
    everything = app.records.select_ids(Selection())
    later = datetime.now(UTC) + timedelta(days=1)
    assert app.records.purge(later).removed == ()  # nothing confirmed: nothing goes
    batch = read_batch(out)
    refused = batch.messages[-1]
    doc_id = refused.identifier
    conf = confirm_batch(out, refuse={doc_id: "chybí metadata"})
    result = app.records.confirm(conf)
    confirmed = {m.message_id for m in result.handed_over}
    # One confirmed message's evidence changed after the hand-over: it must stay.
    changed = sorted(confirmed)[0]
    with app.db.write() as s:
        s.execute(text("UPDATE message_zfos SET sha256 = :h WHERE message_id = :m"),
                  {"h": "0" * 64, "m": changed})
    before = datetime.now(UTC) - timedelta(days=1)
    assert app.records.purge(before).removed == ()  # confirmed later than the cut-off
    dry = app.records.purge(later, dry_run=True)
    assert {r.message_id for r in dry.removed} == confirmed - {changed}
    assert set(app.records.select_ids(Selection())) == set(everything)
    done = app.records.purge(later)
    assert {r.message_id for r in done.removed} == confirmed - {changed}
    assert (changed, "the stored ZFO is not the one the service confirmed") in \
        {(m, r) for m, _, r in done.kept}
    left = set(app.records.select_ids(Selection()))
    assert left == set(everything) - (confirmed - {changed})
    log = app.records.purge_log()
    assert {r.message_id for r in log} == confirmed - {changed}
    assert all(r.batch_id == result.batch_id and r.zfo_sha256 for r in log)
    # The removed messages are gone from search too; the others are still found.
    gone = next(r for r in log)
    assert app.search.search(gone.dm_id) == []
    kept = app.messages.rows([changed])[0]
    assert [h.id for h in app.search.search(kept.dm_id)] == [changed]
    assert app.records.purge(later).removed == ()  # idempotent


@pytest.fixture
def records_service(tmp_path: Path) -> Iterator[Any]:
    with RecordsSimulator(limit=3) as rs:
        yield rs, rs.start()


def test_rest_upload_then_stored_files_marks_the_messages(app: App, records_service: Any
                                                           ) -> None:
    rs, info = records_service
    with RecordsRestClient(info.url, info.token, ca_file=Path(info.ca_file)) as client:
        si = client.service_info()
        assert si.name == "Cvičná spisová služba" and si.logo_svg
        tree = client.upload_hierarchy()
        nodes = {n.id: path for path, n in tree.walk() if n.id}
        assert "su-2026" in nodes and nodes["su-2026"][-1] == "Stavební povolení 2026"
        ids = app.records.select_ids(Selection(account="urad"))
        assert app.records.refresh_stored(client, ids) == []  # the service holds nothing
        summary = app.records.upload(client, ids, ["su-2026"])
        assert all(i.ok for i in summary.items) and set(summary.confirmed) == set(ids)
        # The complete signed ZFO went up unchanged, under Datovka's name.
        by_name = {f.file_name: f.data for f in rs.state.files}
        for mid in ids:
            row = app.messages.rows([mid])[0]
            prefix = "DDZ" if row.direction is Direction.RECEIVED else "ODZ"
            assert by_name[f"{prefix}_{row.dm_id}.zfo"] == app.messages.zfo_bytes(mid)
        st = app.records.state(ids[0])
        (h,) = st.handovers
        assert h.method == "rest" and h.locations and h.locations[0].startswith("su-2026/")
        # Uploading again: ALREADY_PRESENT is not a failure; the state stays.
        again = app.records.upload(client, ids[:1], ["su-2026"])
        assert again.items[0].code == "ALREADY_PRESENT" and again.items[0].ok
        assert len(app.records.state(ids[0]).handovers) == 1
    # A REST hand-over covers the ZFO, not the delivery info: a purge keeps such messages.
    kept = app.records.purge(datetime.now(UTC) + timedelta(days=1))
    with_di = [m for m, _, r in kept.kept if r == "the delivery info was not handed over"]
    assert with_di and not {r.message_id for r in kept.removed} & set(with_di)


def test_rest_client_refuses_bad_tls_token_and_answers(records_service: Any,
                                                       tmp_path: Path) -> None:
    _, info = records_service
    # No extra CA: the loopback service's certificate is not trusted (verification is on).
    with RecordsRestClient(info.url, info.token) as client, \
            pytest.raises(RestServiceError, match="TLS"):
        client.service_info()
    with RecordsRestClient(info.url, "wrong", ca_file=Path(info.ca_file)) as client, \
            pytest.raises(RestServiceError, match="token"):
        client.upload_hierarchy()
    with pytest.raises(RestServiceError):
        RecordsRestClient(info.url.replace("https", "http"), info.token)
    with RecordsRestClient(info.url, info.token, ca_file=Path(info.ca_file)) as client:
        with pytest.raises(RestServiceError) as exc:
            client.upload_file(["su-2026"], "x.zfo", b"not a zfo")
        assert exc.value.code == "UNSUPPORTED_FILE_FORMAT"
        with pytest.raises(RestServiceError) as exc:
            client.upload_file(["nowhere"], "x.zfo", b"x")
        assert exc.value.code == "WRONG_IDENTIFIER"
        # More ids than the service's limit (3): asked in chunks, all answered.
        many = client.stored_files([str(i) for i in range(8)])
        assert set(many.dms) == {str(i) for i in range(8)} and many.limit == 3


def test_sample_sip_zfo_goes_into_a_batch_unchanged(tmp_path: Path) -> None:
    """The real signed message of the sample SIP (a ZFO a records system already took in)
    travels through a batch byte for byte and the batch validates."""
    require_shared(SIP_ZFO)
    schema = erms_schema()
    data = SIP_ZFO.read_bytes()
    when = datetime(2016, 9, 13, 11, 25, tzinfo=UTC)
    entry = nsesss.MessageEntry(
        1, "1082060634", True, "UK PřF, potvrzení o přijetí oznámení",
        nsesss.Party("Ministerstvo životního prostředí", "9gsaax4", 10),
        nsesss.Party("Univerzita Karlova", "piyj9b4", 10), when, when, when, 1,
        [nsesss.FileVersion(data, when)])
    out = tmp_path / "sip.zip"
    nsesss.write_batch([entry], nsesss.BatchSpec("B-SIP", "DSO", "ESSL", "test", when), out)
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                assert_valid(schema, z.read(name), name)
    (m,) = read_batch(out).messages
    assert m.dm_id == "1082060634" and m.file("main").versions == [(1, data)]  # type: ignore[union-attr]


def _dso(data: Path, *argv: str) -> tuple[int, Any, str]:
    import io
    import json

    from dso_desktop.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), *argv, "--json"], out=out, err=err)
    text_out = out.getvalue().strip()
    try:
        obj = json.loads(text_out) if text_out else None
    except ValueError:
        obj = text_out
    return code, obj, err.getvalue()


def test_cli_export_confirm_state_purge_and_log(template: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    data = tmp_path / "data"
    shutil.copytree(template, data)
    out = tmp_path / "davka.zip"
    code, obj, err = _dso(data, "records", "export", "--out", str(out), "--account", "urad",
                          "--target", "ESSL")
    assert code == 0, err
    assert obj["messages"] > 1 and out.is_file()
    assert _dso(data, "records", "export", "--out", str(out))[0] == 1  # never overwritten
    assert _dso(data, "records", "export", "--out", str(tmp_path / "x.zip"),
                "--from", "2026-13-01")[0] == 2
    assert _dso(data, "records", "export", "--out", str(tmp_path / "y.zip"),
                "--account", "nikdo")[0] == 1
    first = read_batch(out).messages[0]
    conf = tmp_path / "potvrzeni.xml"
    code, _, err = _dso(data, "sim", "records-confirm", str(out), "--out", str(conf),
                        "--refuse", f"{first.identifier}=chybí spisový znak")
    assert code == 0, err
    code, obj, _ = _dso(data, "records", "confirm", str(conf))
    assert code == 1  # a partial confirmation: the user has something to act on
    assert obj["status"] == "castecneNacteno"
    refused = [m for m in obj["messages"] if not m["handed_over"]]
    assert [m["dm_id"] for m in refused] == [first.dm_id]
    code, obj, _ = _dso(data, "records", "state", first.dm_id)
    assert code == 0 and obj[0]["handed_over"] is False
    assert obj[0]["refusals"][0]["reason"] == "chybí spisový znak"
    tomorrow = (datetime.now() + timedelta(days=2)).date().isoformat()
    code, dry, _ = _dso(data, "records", "purge", "--confirmed-before", tomorrow,
                        "--dry-run")
    assert code == 0 and dry["dry_run"] and dry["removed"]
    code, obj, _ = _dso(data, "records", "log")
    assert obj == []  # a dry run removes nothing
    code, done, _ = _dso(data, "records", "purge", "--confirmed-before", tomorrow)
    assert code == 0
    assert {r["dm_id"] for r in done["removed"]} == {r["dm_id"] for r in dry["removed"]}
    assert first.dm_id not in {r["dm_id"] for r in done["removed"]}
    code, log, _ = _dso(data, "records", "log")
    assert {r["dm_id"] for r in log} == {r["dm_id"] for r in done["removed"]}
    code, obj, _ = _dso(data, "records", "batches")
    assert obj[0]["state"] == "partial"


def test_cli_rest_against_the_loopback_service(template: Path, tmp_path: Path,
                                               records_service: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    monkeypatch.delenv("DSO_RECORDS_TOKEN", raising=False)
    _, info = records_service
    data = tmp_path / "data"
    shutil.copytree(template, data)
    base = ["records", "rest", "--url", info.url, "--ca-file", info.ca_file]
    assert _dso(data, *base, "info")[0] == 2  # no token
    token = tmp_path / "token"
    token.write_text(info.token + "\n")
    base += ["--token-file", str(token)]
    code, obj, err = _dso(data, *base, "info")
    assert code == 0, err
    assert obj["name"] == "Cvičná spisová služba"
    code, obj, _ = _dso(data, *base, "hierarchy")
    assert obj["sub"][0]["id"] == "podatelna"
    code, obj, err = _dso(data, *base, "upload", "--node", "podatelna", "--account", "urad")
    assert code == 0, err
    assert obj["confirmed"] and all(i["ok"] for i in obj["items"])
    code, obj, _ = _dso(data, *base, "stored", "--account", "urad")
    assert code == 0 and obj["held"] == obj["checked"] > 0


def test_purge_keeps_what_the_service_did_not_get_byte_for_byte(
        app: App, tmp_path: Path, records_service: Any) -> None:
    """A message the REST service holds without this archive having uploaded it, and a
    message with another signed copy kept beside its evidence, stay; a later confirmation
    that covers them exactly lets them go, and the log names that confirmation."""
    _, info = records_service
    ids = app.records.select_ids(Selection(account="urad"))
    first, second = ids[0], ids[1]
    # The service already has `first` (someone else uploaded it): marked, not purgeable.
    with RecordsRestClient(info.url, info.token, ca_file=Path(info.ca_file)) as client:
        client.upload_file(["matrika"], "DZ_x.zfo", app.messages.zfo_bytes(first))
        assert app.records.refresh_stored(client, [first], service_name="ESSL-REST") == [first]
    (h,) = app.records.state(first).handovers
    assert h.zfo_sha256 is None and h.locations == ("matrika/DZ_x.zfo",)
    with app.db.write() as s:
        s.execute(text(
            "INSERT INTO evidence_copies (message_id, kind, sha256, size, data, reason, "
            "stored_at) VALUES (:m, 'message', :h, 1, :d, 'conflict', :t)"),
            {"m": second, "h": "e" * 64, "d": b"x", "t": datetime(2026, 1, 1)})
    later = datetime.now(UTC) + timedelta(days=1)
    kept = {m: r for m, _, r in app.records.purge(later).kept}
    assert kept[first] == "the stored ZFO is not the one the service confirmed"
    assert second not in kept  # not handed over at all: not even a candidate
    out = tmp_path / "davka.zip"
    app.records.export(out, Selection(message_ids=(first, second)))
    app.records.confirm(confirm_batch(out))
    done = app.records.purge(later)
    assert [r.message_id for r in done.removed] == [first]
    assert done.removed[0].handover_method == "batch"
    assert (second, "other signed copies are kept with it") in \
        {(m, r) for m, _, r in done.kept}


def test_a_confirmation_dated_before_its_batch_is_refused(app: App, tmp_path: Path) -> None:
    """Review: the purge retention runs from the confirmation's date, which the records
    system writes; one dated years before the batch existed (forged, or a broken clock)
    would let `purge --confirmed-before` remove the messages at once."""
    out = tmp_path / "davka.zip"
    app.records.export(out, Selection(account="urad"))
    ids = app.records.select_ids(Selection())
    backdated = confirm_batch(out, now=datetime(2001, 1, 1, tzinfo=UTC))
    with pytest.raises(ConfirmationError, match="before the batch was written"):
        app.records.confirm(backdated)
    assert app.records.handed_over_ids(ids) == set()
    assert app.records.purge(datetime(2002, 1, 1, tzinfo=UTC)).removed == ()
    # A records system a few minutes behind our clock is fine; the hand-over then counts
    # from the batch's own time, never from before it.
    written = app.records.batches()[0].created_at
    slightly = confirm_batch(out, now=written - timedelta(minutes=5))
    result = app.records.confirm(slightly)
    assert result.handed_over and result.confirmed_at == written
    assert all(h.confirmed_at == written for mid in ids
               for h in app.records.state(mid).handovers)


def test_restamped_versions_go_into_the_batch_and_purge_waits_for_them(
        app: App, tmp_path: Path) -> None:
    """A re-sealed ZFO is a later version of the same file in the batch (issue 17); a
    restamp kept after the batch was written was not handed over, so purge keeps the
    message until a later batch carries it."""
    from dso_desktop.domain import EvidenceVersionKind
    from dso_desktop.store.versions import EvidenceVersionRepo

    mid = app.records.select_ids(Selection())[0]
    original = app.messages.zfo_bytes(mid)

    def renew(data: bytes) -> None:
        with app.db.write() as s:
            EvidenceVersionRepo(s).add(mid, EvidenceVersionKind.RESIGNED, data,
                                       covers_sha256=hashlib.sha256(original).hexdigest(),
                                       verdict=None, source="isds")

    def hand_over(name: str) -> set[bytes]:
        out = tmp_path / name
        app.records.export(out, Selection(message_ids=[mid]))
        with zipfile.ZipFile(out) as z:
            contents = {z.read(n) for n in z.namelist()}
        app.records.confirm(confirm_batch(out))
        return contents

    later = datetime.now(UTC) + timedelta(days=1)
    renew(b"re-sealed by ISDS, version 2")
    first = hand_over("davka1.zip")
    assert original in first and b"re-sealed by ISDS, version 2" in first
    renew(b"re-sealed by ISDS, version 3")  # after the batch: the service does not have it
    result = app.records.purge(later)
    assert mid not in {r.message_id for r in result.removed}
    assert (mid, "renewed evidence (a restamp or an archive timestamp) was not handed "
                 "over") in {(m, r) for m, _, r in result.kept}
    second = hand_over("davka2.zip")
    assert {b"re-sealed by ISDS, version 2", b"re-sealed by ISDS, version 3"} <= second
    assert mid in {r.message_id for r in app.records.purge(later).removed}
