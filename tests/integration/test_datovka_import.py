"""Moving over from Datovka (issue 21): a multi-year Datovka folder built per Datovka's own
table definitions (tests/datovka_builder.py), filled with simulator messages and the real
sample ZFOs, imported through the normal import with accounts, delivery infos, tags and a
report whose counts add up."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import TRUST_DIR, ZFO_SAMPLES, require_shared
from tests.datovka_builder import Acc, Msg, build, sample_messages

from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.domain import Direction, ImportStatus, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.datovka import (
    DatovkaAccount,
    DatovkaError,
    config_file,
    message_db_files,
    read_accounts,
)
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.models import DeliveryInfo, Message, MessageZfo

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Signed messages of two years from the simulator (its PKI dated back to 2024)."""
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator
    from dso_desktop.zfo.testpki import create_pki

    use_memory_keyring()
    root = tmp_path_factory.mktemp("dv")
    (root / "sim").mkdir()
    create_pki(root / "sim" / "pki", not_before=datetime(2024, 1, 1, tzinfo=UTC))
    with Simulator(root / "sim", seed=3, messages=12,
                   now=datetime(2025, 2, 10, tzinfo=UTC)) as sim:
        acc = sim.account("password")
        with App.open(AppPaths.default(root / "source"), offline=True) as app:
            app.accounts.add(AccountSpec("u", LoginMethod.PASSWORD, acc.username, sim.url,
                                         ca_file=Path(sim.info.ca_file)))
            summary = app.sync.sync_account("u", accept_delivery=True, password=acc.password)
            assert summary.failed == []
            with app.db.read() as s:
                rows = s.execute(
                    select(Message.dm_id, Message.direction, MessageZfo.data,
                           DeliveryInfo.data)
                    .join(MessageZfo, MessageZfo.message_id == Message.id)
                    .outerjoin(DeliveryInfo, DeliveryInfo.message_id == Message.id)).all()
        ca = root / "sim-ca.pem"
        ca.write_bytes(Path(sim.info.ca_file).read_bytes())
    msgs = [{"dm_id": dm, "sent": d == Direction.SENT, "zfo": z, "di": di}
            for dm, d, z, di in rows]
    assert len({m["dm_id"] for m in msgs}) == len(msgs) == 12
    yield {"messages": msgs, "ca": ca, "username": acc.username}


def _datovka(root: Path, sim: dict[str, Any], *, samples: bool) -> Path:
    msgs = sim["messages"]
    tagged = {msgs[0]["dm_id"]: ("Stavby",), msgs[1]["dm_id"]: ("Stavby", "Účetnictví")}
    obec = [Msg(m["zfo"], m["di"], 2 if m["sent"] else 1, tagged.get(m["dm_id"], ()))
            for m in msgs]
    obec.append(Msg(None, dm_id=990001, year="2024"))  # Datovka kept only the envelope
    obec.append(Msg(None, raw_text="tohle není base64 ZFO", dm_id=990002, year="2025"))
    accounts = [Acc("Obec Lhota", sim["username"], testing=True, yearly=True,
                    login_method="username", messages=obec)]
    if samples:
        vz = sample_messages(ZFO_SAMPLES)
        vz.append(Msg(msgs[2]["zfo"]))  # the same signed message also kept here: a duplicate
        accounts.append(Acc("Vzorky, s.r.o.", "vzorky", messages=vz))
    return build(root, accounts, colors={"Stavby": "aa5500"})


def _open(path: Path, sim: dict[str, Any], store_url: str | None = None) -> App:
    anchors = [sim["ca"]] + ([TRUST_DIR] if TRUST_DIR.is_dir() else [])
    return App.open(AppPaths.default(path), offline=True, trust_anchors=anchors,
                    store_url=store_url)


def test_multi_year_datovka_folder_is_imported(sim_archive: dict[str, Any],
                                               tmp_path: Path, store_url: str) -> None:
    """On both backends (issue 13: every feature works on both)."""
    require_shared(ZFO_SAMPLES)
    folder = _datovka(tmp_path / ".dsgui", sim_archive, samples=True)
    user = sim_archive["username"]
    assert sorted(p.name for p in folder.glob(f"{user}_*___1.db")) == \
        [f"{user}_2024___1.db", f"{user}_2025___1.db"]  # the per-year files
    with _open(tmp_path / "data", sim_archive, store_url) as app:
        report = app.datovka.run(folder)
        assert report.adds_up, report.to_json()
        obec, vzorky = report.accounts
        sim_msgs = sim_archive["messages"]
        sim_dis = sum(1 for m in sim_msgs if m["di"])
        assert obec.account == "Obec Lhota" and len(obec.files) == 2
        assert obec.messages_found == len(sim_msgs) + 2
        assert obec.delivery_infos_found == sim_dis
        assert obec.count(ImportStatus.IMPORTED) == len(sim_msgs)
        assert obec.count(ImportStatus.DELIVERY_INFO) == sim_dis
        refused = {i.dm_id: i.reason for i in obec.items if i.status is ImportStatus.INVALID}
        assert set(refused) == {"990001", "990002"}  # the envelope-only row, the damaged one
        assert "only the envelope" in (refused["990001"] or "")
        assert "damaged" in (refused["990002"] or "")
        assert vzorky.count(ImportStatus.DUPLICATE) >= 1  # the message kept twice
        # Every item has one outcome, and the totals say so.
        assert report.found == sum(len(a.items) for a in report.accounts)
        # The archive: accounts from dsgui.conf, evidence byte-exact, filed by account.
        acc = app.accounts.get("Obec Lhota")
        assert acc.environment == "test" and acc.username == user
        assert app.accounts.get("Vzorky, s.r.o.").login_method == "password"
        for m in sim_msgs:
            (mid,) = app.messages.find(m["dm_id"])
            assert hashlib.sha256(app.messages.zfo_bytes(mid)).digest() == \
                hashlib.sha256(m["zfo"]).digest()
            detail = app.messages.detail(mid)
            assert detail.row.account == "Obec Lhota"
            assert detail.has_delivery_info == bool(m["di"])
        tags = {t.name: t for t in app.tags.list()}
        assert tags["Stavby"].color == "#aa5500"
        (first,) = app.messages.find(sim_msgs[0]["dm_id"])
        (second,) = app.messages.find(sim_msgs[1]["dm_id"])
        assert {t[1] for t in app.messages.detail(first).tags} == {"Stavby"}
        assert {t[1] for t in app.messages.detail(second).tags} == {"Stavby", "Účetnictví"}
        assert obec.tags_assigned == 3
        check = app.integrity.check()
        assert check.database_ok
        # Again: nothing new, everything recognised, the counts still add up.
        again = app.datovka.run(folder)
        assert again.adds_up and again.imported == 0
        assert again.duplicates >= len(sim_msgs)


def test_cli_import_datovka(sim_archive: dict[str, Any], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _datovka(tmp_path / ".dsgui", sim_archive, samples=False)
    data = tmp_path / "data"
    with _open(data, sim_archive) as app:  # the user trusts the simulator's CA
        app.settings.update(trust_anchors=(str(sim_archive["ca"]),))
    monkeypatch.setenv("DSO_OFFLINE", "1")
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), "--json", "import-datovka",
                str(folder / "dsgui.conf")], out=out, err=err)
    result = json.loads(out.getvalue())
    assert code == 1  # two rows refused: the user must look at them
    assert result["adds_up"] and result["refused"] == 2
    assert result["imported"] == len(sim_archive["messages"])
    out = io.StringIO()
    assert run(["--data-dir", str(data), "import-datovka", str(tmp_path / "nothing")],
               out=out, err=io.StringIO()) == 1


def test_reading_follows_datovkas_naming(tmp_path: Path) -> None:
    conf = tmp_path / "dsgui.conf"
    conf.write_text('[credentials_2]\nname="Firma, a.s."\nusername=abc\ntest_account=false\n'
                    "[credentials]\nname=Obec\nusername=xyz\ntest_account=true\n"
                    "login_method=hotp\n[preferences]\nfoo=1\n", encoding="utf-8")
    accs = read_accounts(conf)
    assert [(a.group, a.name, a.username, a.testing) for a in accs] == [
        ("credentials", "Obec", "xyz", True), ("credentials_2", "Firma, a.s.", "abc", False)]
    assert accs[0].our_login_method is LoginMethod.HOTP
    for name in ("xyz___1.db", "xyz_2023___1.db", "xyz_inv___1.db", "xyz___0.db",
                 "xyz_2023___0.db", "xyzz___1.db", "abc___0.db", "xyz_23___1.db"):
        (tmp_path / name).write_bytes(b"")
    test_acc = DatovkaAccount("credentials", "Obec", "xyz", "username", True, tmp_path)
    assert {p.name for p in message_db_files(test_acc)} == \
        {"xyz___1.db", "xyz_2023___1.db", "xyz_inv___1.db"}
    with pytest.raises(DatovkaError):
        config_file(tmp_path / "nowhere")
    assert config_file(tmp_path) == conf


def test_a_damaged_database_file_does_not_stop_the_others(sim_archive: dict[str, Any],
                                                          tmp_path: Path) -> None:
    """Review: one unreadable per-year database aborted the whole move-over (the years and
    accounts after it were never read, and the report was lost). Now it is named in the
    report, the rest is imported, the counts still add up, and the CLI exits 1."""
    msgs = sim_archive["messages"]
    user = sim_archive["username"]
    obec = [Msg(m["zfo"], m["di"], 2 if m["sent"] else 1, year=y)
            for m, y in zip(msgs, ["2024", "2025"] * len(msgs), strict=False)]
    second = [Msg(msgs[0]["zfo"], None, 2 if msgs[0]["sent"] else 1)]
    folder = build(tmp_path / ".dsgui", [
        Acc("Obec Lhota", user, testing=True, yearly=True, login_method="username",
            messages=obec),
        Acc("Druhý", "druhy", testing=True, login_method="username", messages=second)])
    (folder / f"{user}_2024___1.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    in_2025 = [m for m, y in zip(msgs, ["2024", "2025"] * len(msgs), strict=False)
               if y == "2025"]
    with _open(tmp_path / "data", sim_archive) as app:
        report = app.datovka.run(folder)
        assert report.adds_up, report.to_json()
        first, other = report.accounts
        assert first.unreadable == [f"{user}_2024___1.db"]
        assert report.unreadable == [f"{user}_2024___1.db"]
        assert first.count(ImportStatus.IMPORTED) == len(in_2025)  # the other year went in
        assert len(other.items) == 1  # the next account was read too
        for m in in_2025:
            assert app.messages.find(m["dm_id"])
    data = tmp_path / "data"
    with _open(data, sim_archive) as app:
        app.settings.update(trust_anchors=(str(sim_archive["ca"]),))
    out = io.StringIO()
    code = run(["--data-dir", str(data), "--json", "import-datovka", str(folder)],
               out=out, err=io.StringIO())
    assert code == 1
    assert json.loads(out.getvalue())["unreadable"] == [f"{user}_2024___1.db"]
