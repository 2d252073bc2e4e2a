"""Evidence states against the simulator: forged copies never become evidence, and no order
of imports and syncs ends with anything but ISDS's genuine copy as a message's evidence.

Forged material, made here from a genuine download:
- *tampered*: the genuine ZFO with one byte of the subject changed (`invalid`);
- *look-alike*: the genuine signed XML re-sealed by a CA with the same subject names as the
  simulator's but another key (`zfo.testpki.create_pki`; `untrusted`);
- the same for the delivery info.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dso_desktop.app import App
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store import evidence
from dso_desktop.store.messages import MessageRepo
from dso_desktop.sync.ingest import checked_zfo, parse_and_verify

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


class Material:
    """The simulator, its account, one received message's genuine copies and forgeries.
    (A plain class: its short repr keeps hypothesis's reports readable.)"""

    def __init__(self, **fields: Any) -> None:
        self.sim: Any = fields.pop("sim")
        self.account: Any = fields.pop("account")
        self.dm_id: str = fields.pop("dm_id")
        self.genuine: bytes = fields.pop("genuine")
        self.tampered: bytes = fields.pop("tampered")
        self.lookalike: bytes = fields.pop("lookalike")
        self.di_genuine: bytes = fields.pop("di_genuine")
        self.di_tampered: bytes = fields.pop("di_tampered")
        self.di_lookalike: bytes = fields.pop("di_lookalike")
        self.genuine_core: bytes = fields.pop("genuine_core")  # the genuine dmDm element
        assert not fields, fields

    def __repr__(self) -> str:
        return f"Material(dm_id={self.dm_id!r})"


def _tamper(data: bytes, text: str) -> bytes:
    raw = text.encode()
    i = data.find(raw)
    assert i >= 0
    return data[:i] + bytes([raw[0] ^ 1]) + data[i + 1:]


def _reseal(data: bytes, lookalike: Any) -> bytes:
    from dso_desktop.zfo import parse_zfo
    from dso_desktop.zfo.produce import seal

    p = parse_zfo(data)
    assert p.signing_time is not None
    return seal(p.content_xml, lookalike.seal, lookalike.tsa, p.signing_time)


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Material]:
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator
    from dso_desktop.zfo import TrustStore, parse_zfo, verify_zfo
    from dso_desktop.zfo.testpki import create_pki

    use_memory_keyring()
    sim = Simulator(seed=29, messages=2)
    sim.start()
    acc = sim.account("password")
    # A separate archive downloads the genuine material once.
    with App.open(AppPaths.default(tmp_path_factory.mktemp("source")), offline=True) as src:
        src.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                     ca_file=Path(sim.info.ca_file)))
        src.sync.sync_account("urad", accept_delivery=True, password=acc.password)
        from dso_desktop.store.records import MessageFilter

        mid = src.messages.ids(MessageFilter(direction=Direction.RECEIVED))[0]
        genuine = src.messages.zfo_bytes(mid)
        di = src.messages.delivery_info_bytes(mid)
        assert di is not None
    parsed = parse_zfo(genuine)
    lookalike_pki = create_pki(None)  # same subject names as the simulator's CA, other key
    sim_only = TrustStore.from_paths([Path(sim.info.ca_file)])
    m = Material(
        sim=sim, account=acc, dm_id=parsed.envelope.message_id, genuine=genuine,
        tampered=_tamper(genuine, parsed.envelope.subject or ""),
        lookalike=_reseal(genuine, lookalike_pki), di_genuine=di,
        di_tampered=_tamper(di, parsed.envelope.message_id),
        di_lookalike=_reseal(di, lookalike_pki),
        genuine_core=parsed.dm_dm_bytes or b"",
    )
    kinds = {name: str(verify_zfo(getattr(m, name), sim_only).kind.value) for name in (
        "genuine", "tampered", "lookalike", "di_genuine", "di_tampered", "di_lookalike")}
    assert kinds == {"genuine": "valid", "tampered": "invalid", "lookalike": "untrusted",
                     "di_genuine": "valid", "di_tampered": "invalid",
                     "di_lookalike": "untrusted"}, kinds
    yield m
    sim.stop()


def _open(data: Path, m: Material) -> App:
    app = App.open(AppPaths.default(data), offline=True)
    app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, m.account.username, m.sim.url,
                                 ca_file=Path(m.sim.info.ca_file)))
    # In production the ISDS seal is anchored for every account (PostSignum). The
    # simulator's CA stands in for it, so that a copy imported before the account knows its
    # box (filed unassigned) is judged as a genuine ISDS copy would be; the look-alike CA
    # stays untrusted either way.
    app.trust_anchors.add(Path(m.sim.info.ca_file))
    return app


def _sync(app: App, m: Material) -> Any:
    return app.sync.sync_account("urad", accept_delivery=True, password=m.account.password)


def _import(app: App, tmp: Path, data: bytes, name: str) -> Any:
    path = tmp / name
    path.write_bytes(data)
    (item,) = app.zfo.import_files([path]).items
    return item


def _plant_legacy(app: App, data: bytes, *, delivery_info: bool = False) -> None:
    """What `dso import` did before this release with an untrusted ZFO: it became the
    message's evidence (or delivery info) and the message counted as downloaded."""
    parsed, verdict = parse_and_verify(data, app.trust())
    checked = checked_zfo(parsed, verdict, with_text=True)
    from dso_desktop.store.messages import search_text_for

    with app.db.write() as s:
        repo = MessageRepo(s)
        if delivery_info:
            (mid,) = repo.ids_by_dm_id(parsed.envelope.message_id)
            assert repo.store_delivery_info(mid, data, checked.verdict.kind,
                                            content_sha256=None, from_isds=True)
            return
        up = repo.upsert_envelope(None, Direction.RECEIVED, parsed.envelope, source="import")
        # The old code stored no content hash; the verdict says what it was.
        assert repo.attach_zfo(up.id, data, parsed.envelope,
                               search_text_for(parsed.envelope, checked.texts),
                               checked.attachment_count, checked.verdict)


def _evidence(app: App, m: Material) -> tuple[list[bytes], list[bytes]]:
    ids = app.messages.find(m.dm_id)
    zfos, dis = [], []
    with app.db.read() as s:
        repo = MessageRepo(s)
        for mid in ids:
            z = repo.zfo(mid)
            if z is not None:
                zfos.append(z[0])
            d = repo.delivery_info(mid)
            if d is not None:
                dis.append(d)
    return zfos, dis


def _assert_only_genuine(app: App, m: Material) -> None:
    """Every copy of the message that is evidence is ISDS's: sealed under the simulator's
    CA (a trust store holding nothing else) and carrying the genuine message core."""
    from dso_desktop.zfo import TrustStore, parse_zfo, verify_zfo

    sim_only = TrustStore.from_paths([Path(m.sim.info.ca_file)])
    zfos, dis = _evidence(app, m)
    assert len(zfos) <= 1
    for data in zfos:
        p = parse_zfo(data)
        assert p.dm_dm_bytes == m.genuine_core
        assert evidence.is_trusted(str(verify_zfo(p, sim_only).kind.value))
    for data in dis:
        assert evidence.is_trusted(str(verify_zfo(data, sim_only).kind.value))
    for mid in app.messages.find(m.dm_id):
        row = app.messages.rows([mid])[0]
        if row.downloaded:
            assert evidence.is_trusted(row.verdict), row.verdict


# -- import ----------------------------------------------------------------------------------

def test_untrusted_import_is_quarantined_and_never_suppresses_the_download(
        material: Material, tmp_path: Path) -> None:
    m = material
    with _open(tmp_path / "a", m) as app:
        for name, data, verdict in (("forged.zfo", m.lookalike, "untrusted"),
                                    ("tampered.zfo", m.tampered, "invalid")):
            item = _import(app, tmp_path, data, name)
            assert (item.status, item.verdict, item.message_id) == ("quarantined", verdict,
                                                                   None)
            assert item.reason  # why: the verifier's words
        assert app.messages.find(m.dm_id) == []  # attached to no message
        with app.db.read() as s:
            q = MessageRepo(s).quarantined()
        assert {(r.dm_id, r.verdict, r.source_name) for r in q} == {
            (m.dm_id, "untrusted", "forged.zfo"), (m.dm_id, "invalid", "tampered.zfo")}
        # The same file again stays one quarantined copy.
        assert _import(app, tmp_path, m.lookalike, "again.zfo").status == "quarantined"
        with app.db.read() as s:
            assert len(MessageRepo(s).quarantined()) == 2
        summary = _sync(app, m)
        assert summary.failed == [] and len(app.messages.find(m.dm_id)) == 1
        assert app.messages.find(m.dm_id)[0] in summary.new_ids  # downloaded, not skipped
        _assert_only_genuine(app, m)
        kinds = {w.kind for w in app.warnings.collect()}
        assert "quarantined" in kinds
        report = app.integrity.check()
        assert {p.problem for p in report.problems} == {"quarantined"} and report.clean


def test_cli_import_of_a_forgery_exits_1_with_verdict_and_reason(
        material: Material, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.cli.main import run

    monkeypatch.setenv("DSO_OFFLINE", "1")
    forged = tmp_path / "forged.zfo"
    forged.write_bytes(material.lookalike)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(tmp_path / "cli"), "import", str(forged)], out=out, err=err)
    text = out.getvalue()
    assert code == 1, (text, err.getvalue())
    assert "quarantined" in text and "untrusted" in text and "NOT archived" in text
    assert "timestamp authority not trusted" in text or "not trusted" in text
    out = io.StringIO()
    code = run(["--data-dir", str(tmp_path / "cli"), "messages", "list", "--json"], out=out,
               err=io.StringIO())
    assert code == 0 and json.loads(out.getvalue()) == []


def test_genuine_import_replaces_a_forgery_an_old_release_kept(
        material: Material, tmp_path: Path) -> None:
    m = material
    with _open(tmp_path / "a", m) as app:
        _plant_legacy(app, m.lookalike)
        (mid,) = app.messages.find(m.dm_id)
        assert app.messages.rows([mid])[0].verdict == "untrusted"
        item = _import(app, tmp_path, m.genuine, "genuine.zfo")
        assert item.status == "replaced" and item.message_id == mid
        _assert_only_genuine(app, m)
        copies = app.messages.detail(mid).evidence_copies
        assert [(c.reason, c.verdict) for c in copies] == [("displaced", "untrusted")]
        # The forgery's words no longer find the message; the genuine ones do.
        assert app.search.search_ids(m.dm_id) == [mid]


def test_sync_replaces_untrusted_evidence_and_check_reports_it(
        material: Material, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.cli.main import run

    m = material
    data = tmp_path / "a"
    with _open(data, m) as app:
        _plant_legacy(app, m.lookalike)
        report = app.integrity.check()
        assert not report.clean and "untrusted" in {p.problem for p in report.problems}
        assert "untrusted-evidence" in {w.kind for w in app.warnings.collect()}
        summary = _sync(app, m)
        assert summary.failed == [] and summary.updated >= 1  # the replacement is reported
        _assert_only_genuine(app, m)
        (mid,) = app.messages.find(m.dm_id)
        with app.db.read() as s:
            copies = MessageRepo(s).evidence_copies()
        assert [(c.message_id, c.reason, c.verdict) for c in copies] == [
            (mid, "displaced", "untrusted")]
        # Nothing left to download: the genuine evidence is trusted.
        with app.db.read() as s:
            acc = app.accounts.record("urad").id
            assert MessageRepo(s).pending(acc, Direction.RECEIVED) == []
        warnings = [w for w in app.warnings.collect() if w.kind == "evidence-conflict"]
        assert [w.message_id for w in warnings] == [mid] and m.dm_id in warnings[0].text_cs
    monkeypatch.setenv("DSO_OFFLINE", "1")
    out = io.StringIO()
    code = run(["--data-dir", str(data), "check"], out=out, err=io.StringIO())
    assert code == 1 and f"{m.dm_id}: conflict:" in out.getvalue()
    assert "NOT CLEAN" in out.getvalue()
    # Looked at: the copy stays (and shows with its message) but no longer fails the check.
    out = io.StringIO()
    code = run(["--data-dir", str(data), "check", "--mark-reviewed"], out=out,
               err=io.StringIO())
    assert code == 0 and f"{m.dm_id}: conflict-reviewed:" in out.getvalue(), out.getvalue()
    assert "1 conflicting copies marked as reviewed" in out.getvalue()
    with App.open(AppPaths.default(data), offline=True) as app:
        assert "evidence-conflict" not in {w.kind for w in app.warnings.collect()}
        assert len(app.messages.detail(mid).evidence_copies) == 1


def test_delivery_infos_follow_the_same_rule(material: Material, tmp_path: Path) -> None:
    m = material
    with _open(tmp_path / "a", m) as app:
        # A delivery info before its message: refused (genuine) or quarantined (forged).
        assert _import(app, tmp_path, m.di_genuine, "dd.zfo").status == "invalid"
        assert _import(app, tmp_path, m.di_lookalike, "dd-forged.zfo").status == "quarantined"
        _import(app, tmp_path, m.genuine, "genuine.zfo")
        # After it: the forged ones never become its delivery info, the genuine one does.
        assert _import(app, tmp_path, m.di_tampered, "dd-t.zfo").status == "quarantined"
        assert _import(app, tmp_path, m.di_genuine, "dd.zfo").status == "delivery-info"
        _assert_only_genuine(app, m)
        (mid,) = app.messages.find(m.dm_id)
        assert app.messages.delivery_info_bytes(mid) == m.di_genuine
    with _open(tmp_path / "b", m) as app:
        # An old release kept a forged delivery info: the next sync fetches ISDS's.
        _import(app, tmp_path, m.genuine, "genuine.zfo")
        _plant_legacy(app, m.di_lookalike, delivery_info=True)
        _sync(app, m)
        _assert_only_genuine(app, m)
        (mid,) = app.messages.find(m.dm_id)
        copies = app.messages.detail(mid).evidence_copies
        assert [(c.kind, c.reason) for c in copies] == [("delivery-info", "displaced")]


# -- any order ---------------------------------------------------------------------------------

STEPS = ("sync", "genuine", "tampered", "lookalike", "di-genuine", "di-tampered",
         "di-lookalike")
# What an archive of an earlier release may already hold: a forged message (or delivery
# info) that its `dso import` made the evidence.
LEGACY = ("message", "delivery-info")


def _step(app: App, m: Material, tmp: Path, step: str) -> None:
    if step == "sync":
        summary = _sync(app, m)
        assert summary.failed == [], summary.failed
        return
    data = {"genuine": m.genuine, "tampered": m.tampered, "lookalike": m.lookalike,
            "di-genuine": m.di_genuine, "di-tampered": m.di_tampered,
            "di-lookalike": m.di_lookalike}[step]
    item = _import(app, tmp, data, f"{step}.zfo")
    if step in ("tampered", "lookalike", "di-tampered", "di-lookalike"):
        assert item.status == "quarantined", item
    else:  # invalid: a genuine delivery info before its message (it says so)
        assert item.status in ("imported", "replaced", "duplicate", "delivery-info",
                               "invalid"), item


def _plant(app: App, m: Material, tmp: Path, legacy: set[str]) -> None:
    if "message" in legacy:
        _plant_legacy(app, m.lookalike)
    if "delivery-info" in legacy:
        if "message" not in legacy:
            _step(app, m, tmp, "genuine")
        _plant_legacy(app, m.di_lookalike, delivery_info=True)


def _assert_no_new_forgery(app: App, m: Material, legacy_left: set[str]) -> None:
    """Only ISDS's copies are evidence, except a planted old forgery nothing replaced yet."""
    zfos, dis = _evidence(app, m)
    if "message" not in legacy_left:
        assert all(z != m.lookalike for z in zfos)
    if "delivery-info" not in legacy_left:
        assert all(d != m.di_lookalike for d in dis)
    assert m.tampered not in zfos and m.di_tampered not in dis
    if not legacy_left:
        _assert_only_genuine(app, m)


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(legacy=st.sets(st.sampled_from(LEGACY)),
       steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=6))
def test_no_order_of_imports_and_syncs_keeps_anything_but_the_genuine_copy(
        material: Material, legacy: set[str], steps: list[str]) -> None:
    m = material
    with tempfile.TemporaryDirectory() as tmp, _open(Path(tmp) / "data", m) as app:
        _plant(app, m, Path(tmp), legacy)
        left = set(legacy)
        for step in steps:
            _step(app, m, Path(tmp), step)
            if step == "sync":
                left.clear()  # a sync fetches ISDS's copy of both
            elif step == "genuine":
                left.discard("message")
            elif step == "di-genuine" and "message" not in left:
                left.discard("delivery-info")
            _assert_no_new_forgery(app, m, left)
        # Whatever happened, one more sync ends with ISDS's copies as the evidence.
        _step(app, m, Path(tmp), "sync")
        _assert_only_genuine(app, m)
        zfos, dis = _evidence(app, m)
        assert len(zfos) == 1 and len(dis) == 1
        with app.db.read() as s:
            assert MessageRepo(s).untrusted_evidence() == []
