"""`dso outbox list|reconcile|discard|retry` in-process: exit 1 while a send is unsettled, the
refusals a user must read (English and Czech), and the --json records scripts rely on."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.cli.cli_helpers import add_account, dso, dso_json, offline_english, open_app  # noqa: F401 - fixture

from dso_desktop.services.outbox import fingerprint
from dso_desktop.store.outbox import PREPARED, SENT, UNKNOWN, OutboxAttachment, OutboxRepo
from dso_desktop.store.timeutil import utcnow

pytestmark = pytest.mark.usefixtures("offline_english")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    add_account(d)
    return d


def _record(data: Path, state: str, *, subject: str = "Žádost", dm_id: str | None = None,
            attachment: Path | None = None, account: str = "obec") -> int:
    if attachment is not None:
        content = attachment.read_bytes()
        att = OutboxAttachment(attachment.name, len(content),
                               hashlib.sha256(content).hexdigest(), str(attachment))
    else:
        att = OutboxAttachment("a.pdf", 8, "0" * 64, "/nowhere/a.pdf")
    created = utcnow() - timedelta(minutes=10)
    with open_app(data) as app, app.db.write() as s:
        repo = OutboxRepo(s)
        rec = repo.add(batch="b", account=account, recipient="abc1234", subject=subject,
                       our_ref=None, your_ref=None, our_file_mark=None, your_file_mark=None,
                       options={}, attachments=[att],
                       fingerprint=fingerprint(account, "abc1234", subject,
                                               (None,) * 4, {}, [att]),
                       big_message=False, now=created)
        if state != PREPARED:
            repo.update(rec.id, state=state, submitted_at=created, dm_id=dm_id,
                        error=None if state == SENT else "ConnectionError: reset")
    return rec.id


def test_an_empty_outbox(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert dso("outbox", "list", "--data-dir", str(data))[:2] == (0, "no unsettled sends\n")
    assert dso("outbox", "list", "--all", "--data-dir", str(data))[:2] == (
        0, "the outbox is empty\n")
    assert dso("outbox", "reconcile", "--data-dir", str(data))[:2] == (
        0, "nothing to reconcile\n")
    monkeypatch.setenv("DSO_LANG", "cs")
    assert dso("outbox", "list", "--data-dir", str(data))[:2] == (
        0, "žádná nevyřešená odeslání\n")
    assert dso("outbox", "list", "--all", "--data-dir", str(data))[:2] == (
        0, "fronta odesílání je prázdná\n")


def test_list_exits_1_while_a_send_is_unsettled(data: Path) -> None:
    unknown = _record(data, UNKNOWN, subject="Nejisté")
    sent = _record(data, SENT, subject="Odešlo", dm_id="9001")
    code, records, _ = dso_json("outbox", "list", "--data-dir", str(data))
    assert code == 1
    assert [r["id"] for r in records] == [unknown]
    r = records[0]
    assert (r["state"], r["account"], r["recipient"], r["subject"]) == (
        "unknown", "obec", "abc1234", "Nejisté")
    assert r["attachments"] == [{"name": "a.pdf", "size": 8, "sha256": "0" * 64,
                                 "path": "/nowhere/a.pdf"}]
    assert r["error"] == "ConnectionError: reset"
    code, records, _ = dso_json("outbox", "list", "--all", "--data-dir", str(data))
    assert code == 1 and [x["id"] for x in records] == [sent, unknown]
    code, records, _ = dso_json("outbox", "list", "--all", "--limit", "1", "--data-dir",
                                str(data))
    assert code == 0 and [x["id"] for x in records] == [sent]  # the settled one only
    code, out, _ = dso("outbox", "list", "--all", "--data-dir", str(data))
    lines = out.splitlines()
    assert lines[0].startswith(f"#{sent}\tsent\tobec -> abc1234\t'Odešlo'\t")
    assert lines[0].endswith("\tdmID 9001")
    assert lines[1] == "\tattachments: a.pdf (8 B)"
    code, records, _ = dso_json("outbox", "list", "--account", "jiný", "--data-dir",
                                str(data))
    assert (code, records) == (0, [])


def test_reconcile_settles_an_interrupted_prepare_without_logging_in(data: Path) -> None:
    rid = _record(data, PREPARED)
    code, results, _ = dso_json("outbox", "reconcile", "obec", "--data-dir", str(data))
    assert code == 0
    [r] = results
    assert (r["id"], r["before"], r["state"]) == (rid, "prepared", "failed")
    assert "it was not sent" in r["note"]
    assert dso("outbox", "list", "--data-dir", str(data))[0] == 0


def test_reconcile_without_a_password_leaves_it_unknown_exit_1(data: Path) -> None:
    from dso_desktop import secretstore

    rid = _record(data, UNKNOWN)
    secretstore.delete_secret("obec", "password")
    code, out, _ = dso("outbox", "reconcile", "--data-dir", str(data))
    assert code == 1
    assert f"#{rid}\tunknown" in out
    assert "was unknown: cannot check the sent list: login failed (PasswordMissing" in out


def test_reconcile_of_an_unknown_account(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = dso("outbox", "reconcile", "nikdo", "--data-dir", str(data))
    assert code == 1 and err == "dso: error: no account named 'nikdo'\n"
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _, err = dso("outbox", "reconcile", "nikdo", "--data-dir", str(data))
    assert code == 1 and err == "dso: chyba: účet 'nikdo' neexistuje\n"


def test_discard(data: Path) -> None:
    rid = _record(data, UNKNOWN)
    code, rec, _ = dso_json("outbox", "discard", str(rid), "--data-dir", str(data))
    assert code == 0 and rec["state"] == "discarded" and rec["unreported"] is False
    code, out, _ = dso("outbox", "discard", str(rid), "--data-dir", str(data))
    assert code == 0 and out.startswith("discarded:\n#")
    sent = _record(data, SENT, dm_id="9002")
    code, res, err = dso_json("outbox", "discard", str(sent), "--data-dir", str(data))
    assert code == 1 and res["kind"] == "outbox.error"
    assert f"outbox record {sent} was sent as 9002" in err
    code, _, err = dso("outbox", "discard", "abc", "--data-dir", str(data))
    assert code == 2 and "invalid int value: 'abc'" in err


def test_retry_refusals_say_what_to_do(data: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "dopis.pdf"
    doc.write_bytes(b"%PDF-1.4 dopis")
    unknown = _record(data, UNKNOWN, attachment=doc)
    code, _, err = dso("outbox", "retry", str(unknown), "--data-dir", str(data))
    assert code == 1
    assert err.startswith("dso: error: refusing to send: an earlier send of the same "
                          "message may have reached ISDS")
    assert f"#{unknown}\tunknown\tobec -> abc1234" in err
    assert "`dso outbox retry ID --force`" in err
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _, err_cs = dso("outbox", "retry", str(unknown), "--data-dir", str(data))
    assert code == 1 and err_cs != err and f"#{unknown}\tunknown" in err_cs
    monkeypatch.setenv("DSO_LANG", "en")
    prepared = _record(data, PREPARED, subject="jiná")
    code, out, err = dso_json("outbox", "retry", str(prepared), "--data-dir", str(data))
    assert code == 1 and out["kind"] == "send.error"
    assert "ještě nebyl ověřen" in err  # the send service words it in Czech
    sent = _record(data, SENT, subject="třetí", dm_id="9003")
    code, _, err = dso("outbox", "retry", str(sent), "--data-dir", str(data))
    assert code == 1 and "9003" in err
    doc.write_bytes(b"%PDF-1.4 changed")
    code, _, err = dso("outbox", "retry", str(unknown), "--force", "--data-dir", str(data))
    assert code == 1 and "Příloha dopis.pdf se od odeslání změnila nebo chybí" in err
    # Nothing of that changed the records.
    code, records, _ = dso_json("outbox", "list", "--all", "--data-dir", str(data))
    assert {r["id"]: r["state"] for r in records} == {
        unknown: "unknown", prepared: "prepared", sent: "sent"}


def test_outbox_usage(data: Path) -> None:
    code, _, err = dso("outbox", "--data-dir", str(data))
    assert code == 2 and "required" in err
    code, _, err = dso("outbox", "retry", "--data-dir", str(data))
    assert code == 2 and "ID" in err
    # Global options after the subcommand and its arguments work as before it.
    _record(data, UNKNOWN)
    a = dso("--json", "--data-dir", str(data), "outbox", "list")
    b = dso("outbox", "list", "--data-dir", str(data), "--json")
    assert a == b and a[0] == 1
