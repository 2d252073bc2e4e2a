"""`dso` end to end against the simulator: account, sync, list, show, search, export, import,
send (normal and big), check — in process, with the test's in-memory keyring."""

from __future__ import annotations

import functools
import io
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.cli.main import run

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=11, messages=24)
    s.start()
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")


def dso(data: Path, *argv: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, Any, str]:
    """Run `dso --json ...` in process; returns (exit code, parsed JSON or None, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = run(["--data-dir", str(data), *argv, "--json"], out=out, err=err)
    text = out.getvalue().strip()
    return code, (json.loads(text) if text else None), err.getvalue()


def add_account(data: Path, sim: Any, mp: pytest.MonkeyPatch, name: str = "urad") -> Any:
    acc = sim.account("password")
    code, obj, err = dso(data, "account", "add", name, "--login", "password",
                         "--username", acc.username, "--environment", sim.url,
                         "--ca-file", sim.info.ca_file, "--password-stdin",
                         stdin=acc.password + "\n", monkeypatch=mp)
    assert code == 0, err
    assert obj["password_saved"] is True
    return acc


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def test_full_session(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    acc = add_account(data, sim, monkeypatch)
    code, accounts, _ = dso(data, "account", "list")
    assert code == 0 and [a["name"] for a in accounts] == ["urad"]

    # The legal guard: the first sync of received messages needs an explicit yes.
    code, obj, err = dso(data, "sync")
    assert code == 1 and "--accept-delivery" in err
    code, obj, err = dso(data, "messages", "list")
    assert obj == []

    code, summary, err = dso(data, "sync", "--accept-delivery")
    assert code == 0, (summary, err)
    (s,) = summary
    assert s["failed"] == [] and s["new"] > 0 and s["received_synced"] is True
    expected = len(sim.world.received[acc.box_id]) + len(sim.world.sent[acc.box_id])
    assert s["new"] == expected

    code, rows, _ = dso(data, "messages", "list")
    assert code == 0 and len(rows) == expected
    for key in ("dm_id", "account", "direction", "subject", "sender", "recipient", "status",
                "delivery_time", "verdict"):
        assert key in rows[0]
    assert {r["verdict"] for r in rows} <= {"valid", "expiring"}
    assert len({r["dm_id"] for r in rows if r["direction"] == "received"}) == len(
        sim.world.received[acc.box_id])
    code, limited, _ = dso(data, "messages", "list", "--direction", "sent", "--limit", "2")
    assert len(limited) <= 2 and all(r["direction"] == "sent" for r in limited)

    # A second sync brings nothing new and duplicates nothing.
    code, again, _ = dso(data, "sync")
    assert code == 0 and again[0]["new"] == 0
    code, rows2, _ = dso(data, "messages", "list")
    assert len(rows2) == expected

    # Show and search: a word of a subject without its diacritics finds the message.
    target = next(r for r in rows if r["direction"] == "received" and r["subject"])
    code, shown, _ = dso(data, "message", "show", target["dm_id"])
    assert code == 0 and shown["dm_id"] == target["dm_id"] and shown["attachment_list"]
    word = max(fold(target["subject"]).split(), key=len).lower()
    code, hits, _ = dso(data, "search", word)
    assert code == 0 and target["dm_id"] in {h["dm_id"] for h in hits}

    # Export: the ZFO byte-exact, the delivery info, the attachments.
    out = tmp_path / "export"
    code, exported, err = dso(data, "message", "export", target["dm_id"], "--out", str(out))
    assert code == 0, err
    files = [Path(p) for p in exported["files"]]
    assert all(out in p.parents for p in files)
    zfo = next(p for p in files if p.name.endswith(".zfo") and not p.name.startswith("DOD_"))
    assert len(files) >= 2 + len(shown["attachment_list"]) - 1

    # Into the archive that trusts the simulator's CA: the same ZFO again = duplicate.
    code, imp, err = dso(data, "import", str(zfo))
    assert code == 0 and imp["duplicates"] == 1, (imp, err)
    # A fresh archive does not trust the simulator's CA: the file is quarantined, not
    # evidence (exit 1, the verdict and the reason), and no message appears.
    other = tmp_path / "other"
    code, imp, err = dso(other, "import", str(zfo))
    assert code == 1 and imp["imported"] == 0 and imp["quarantined"] == 1, (imp, err)
    assert imp["items"][0]["verdict"] == "untrusted" and imp["items"][0]["reason"]
    code, rows_other, _ = dso(other, "messages", "list")
    assert code == 0 and rows_other == []
    junk = tmp_path / "junk.zfo"
    junk.write_bytes(b"this is not a zfo")
    code, imp, _ = dso(other, "import", str(junk))
    assert code == 1 and imp["failed"] == 1

    # Integrity check of the synced archive.
    code, report, _ = dso(data, "check")
    assert code == 0 and report["database_ok"] and report["checked"] == expected
    assert report["ok"] == expected

    code, obj, err = dso(data, "message", "show", "999999999")
    assert code == 1 and "not in the archive" in err
    code, obj, err = dso(data, "search", "x", "--limit", "0")
    assert code == 2


def test_sent_only_mode_never_lists_received(sim: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    acc = add_account(data, sim, monkeypatch, "jen-odeslane")
    code, summary, err = dso(data, "sync", "--sent-only")
    assert code == 0, err
    assert summary[0]["received_synced"] is False
    code, rows, _ = dso(data, "messages", "list")
    assert rows and {r["direction"] for r in rows} == {"sent"}
    assert len(rows) == len(sim.world.sent[acc.box_id])
    code, accounts, _ = dso(data, "account", "list")
    assert accounts[0]["delivery_confirmed"] is False


def _recipient(sim: Any, own: str) -> str:
    return next(b for b, box in sim.world.boxes.items() if b != own and box.box_type == "OVM")


def test_send_normal_and_big(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.simulator.context import Limits

    data = tmp_path / "data"
    acc = add_account(data, sim, monkeypatch)
    to = _recipient(sim, acc.box_id)
    doc = tmp_path / "žádost o informace.pdf"
    doc.write_bytes(b"%PDF-1.4\n% test\n" + b"0" * 2000)
    code, res, err = dso(data, "send", "--account", "urad", "--to", to,
                         "--subject", "Žádost o informace", "--attach", str(doc),
                         "--our-ref", "MU/12/2026", "--to-hands", "Ing. Nováková",
                         "--personal-delivery", "--no-fiction", "--legal-title", "106/1999/14")
    assert code == 0, err
    (r,) = res
    assert r["ok"] and r["message_id"] and not r["big_message"]
    assert r["message_id"] in sim.world.sent[acc.box_id]
    # archived right away as a signed sent message
    code, shown, err = dso(data, "message", "show", r["message_id"])
    assert code == 0, err
    assert shown["direction"] == "sent" and shown["our_ref"] == "MU/12/2026"
    assert shown["to_hands"] == "Ing. Nováková" and shown["personal_delivery"] is True
    assert shown["allow_fiction"] is False and shown["legal_title"][:3] == ["106", "1999", "14"]

    # Big messages: shrink both sides' limits so that a test file counts as big.
    monkeypatch.setattr(sim.core, "limits", Limits(normal_max=50_000, big_max=2_000_000,
                                                   big_tolerance=0))
    from dso_desktop.services import send as send_mod

    monkeypatch.setattr(send_mod, "SendLimits", functools.partial(
        send_mod.SendLimits, normal_max=50_000, big_max=2_000_000))
    big = tmp_path / "plan.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"1" * 120_000)
    code, res, err = dso(data, "send", "--account", "urad", "--to", to, "--subject",
                         "Velký plán", "--attach", str(big))
    assert code == 0, err
    assert res[0]["ok"] and res[0]["big_message"]

    too_big = tmp_path / "huge.pdf"
    too_big.write_bytes(b"%PDF-1.4\n" + b"2" * 2_100_000)
    code, _, err = dso(data, "send", "--account", "urad", "--to", to, "--subject", "x",
                       "--attach", str(too_big))
    assert code == 1 and "MB" in err

    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ")
    code, _, err = dso(data, "send", "--account", "urad", "--to", to, "--subject", "x",
                       "--attach", str(bad))
    assert code == 1 and ".exe" in err


@pytest.mark.slow
def test_send_a_real_big_message(sim: Any, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Above 20 MiB at the real limits: upload + CreateBigMessage, archived as a big ZFO."""
    data = tmp_path / "data"
    acc = add_account(data, sim, monkeypatch)
    to = _recipient(sim, acc.box_id)
    plan = tmp_path / "územní plán.pdf"
    with plan.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.write(b"3" * (21 * 1024 * 1024))
    code, res, err = dso(data, "send", "--account", "urad", "--to", to, "--subject",
                         "Územní plán", "--attach", str(plan))
    assert code == 0, err
    assert res[0]["ok"] and res[0]["big_message"]
    code, shown, err = dso(data, "message", "show", res[0]["message_id"])
    assert code == 0, err
    assert shown["big_message"] is True
    assert shown["attachment_list"][0]["size"] == plan.stat().st_size


def test_account_with_certificate_and_passphrase(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop import secretstore

    cert = tmp_path / "client.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    data = tmp_path / "data"
    code, obj, err = dso(data, "account", "add", "spis", "--login", "cert-password",
                         "--username", "user7", "--environment", "test", "--cert", str(cert),
                         "--password-stdin", "--cert-password-stdin", "--no-verify",
                         stdin="heslo-1\nfraze-2\n", monkeypatch=monkeypatch)
    assert code == 0, err
    assert obj["cert_file"] == str(cert.resolve())
    assert secretstore.get_secret("spis", "password") == "heslo-1"
    assert secretstore.get_secret("spis", "cert-password") == "fraze-2"
    code, _, err = dso(data, "account", "add", "x", "--login", "cert", "--username", "u",
                       "--no-verify")
    assert code == 1 and "--cert" in err
    code, _, _ = dso(data, "account", "remove", "spis")
    assert code == 0 and secretstore.get_secret("spis", "cert-password") is None
