"""Exactly-once sending against the simulator: the outbox record, lost answers, refusals,
reconciliation (found / not found / look-alike / offline), explicit retry, warnings, CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.app import App
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.send import SendBlocked, SendError, SendLimits
from dso_desktop.services.types import AccountSpec, Draft
from dso_desktop.store.outbox import SUBMITTING, UNKNOWN, OutboxRepo

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=33, messages=0)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def app(sim: Any, tmp_path: Path) -> Iterator[App]:
    # The client's retries keep their count but not their pauses: the faults here outlast
    # them on purpose, and the real 1+2+4+8+16 s back-off would only cost time.
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                 send_limits=SendLimits(reconcile_settle=0),
                 client_options={"backoff_base": 0.01, "max_delay": 0.05})
    acc = sim.account("password")
    a.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                               ca_file=Path(sim.info.ca_file)), password=acc.password,
                   save_password=True)
    yield a
    sim.faults.clear()
    a.close()


def _to(sim: Any) -> str:
    own = sim.account("password").box_id
    return next(b for b, box in sorted(sim.world.boxes.items())
                if b != own and box.box_type == "OVM")


def _delivered(sim: Any, subject: str) -> list[str]:
    with sim.world.lock:
        return [d for d in sim.world.received[_to(sim)]
                if sim.world.messages[d].annotation == subject]


def _draft(sim: Any, tmp_path: Path, subject: str, body: bytes = b"obsah") -> Draft:
    doc = tmp_path / f"{abs(hash(subject))}.pdf"
    doc.write_bytes(b"%PDF-1.4\n" + body * 50)
    return Draft(recipients=(_to(sim),), subject=subject, attachments=(doc,),
                 our_ref="OB/1/2026", to_hands="Ing. Nová")


def test_a_normal_send_is_recorded_before_and_after(sim: Any, app: App, tmp_path: Path) -> None:
    phases: list[tuple[str, list[str]]] = []

    def hook(phase: str) -> None:  # what the archive held at each moment
        phases.append((phase, [r.state for r in app.outbox.records("urad")]))

    app.send.phase_hook = hook
    draft = _draft(sim, tmp_path, "Zápis z jednání")
    (o,) = app.send.send("urad", draft)
    assert o.ok and o.outbox_id is not None
    assert phases == [("before-outbox", []), ("prepared", ["prepared"]),
                      ("submitting", ["submitting"]), ("answered", ["submitting"]),
                      ("recorded", ["sent"])]
    rec = app.outbox.get(o.outbox_id)
    assert (rec.state, rec.dm_id, rec.unreported) == ("sent", o.message_id, False)
    assert rec.our_ref == "OB/1/2026" and rec.options["to_hands"] == "Ing. Nová"
    (att,) = rec.attachments
    import hashlib

    data = Path(draft.attachments[0]).read_bytes()
    assert (att.size, att.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    # An intentional second send of the same draft is a new message (the first was reported).
    (o2,) = app.send.send("urad", draft)
    assert o2.ok and o2.message_id != o.message_id
    assert len(_delivered(sim, "Zápis z jednání")) == 2


@pytest.mark.parametrize("mode", ["commit-then-drop", "commit-then-delay"])
def test_a_lost_answer_is_found_in_the_sent_list_not_sent_again(
        sim: Any, app: App, tmp_path: Path, mode: str) -> None:
    subject = f"Ztracená odpověď {mode}"
    sim.faults.inject("CreateMessage", mode, times=1, delay=3)
    if mode == "commit-then-delay":
        # The client gives up (read timeout) before the delayed answer comes.
        app.accounts.client_options = {"timeouts": (5, 1)}
    (o,) = app.send.send("urad", _draft(sim, tmp_path, subject))
    delivered = _delivered(sim, subject)
    assert len(delivered) == 1  # CreateMessage went once: no automatic retry
    assert o.ok and o.message_id == delivered[0] and o.note and "lost" in o.note
    rec = app.outbox.get(o.outbox_id)  # type: ignore[arg-type]
    assert rec.state == "sent" and rec.dm_id == delivered[0] and rec.reconciled_at
    ids = app.messages.find(delivered[0])
    assert ids and app.messages.zfo_bytes(ids[0])  # archived through the ingest path


def test_a_definite_refusal_is_failed_and_may_be_sent_again(
        sim: Any, app: App, tmp_path: Path) -> None:
    subject = "Odmítnutá zpráva"
    # Maintenance (503) says ISDS did nothing with the request, so the client retries it
    # like throttling; one that outlasts every retry is a definite refusal.
    sim.faults.inject("CreateMessage", "maintenance")
    (o,) = app.send.send("urad", _draft(sim, tmp_path, subject))
    sim.faults.clear()
    assert not o.ok and not o.unknown
    assert app.outbox.get(o.outbox_id).state == "failed"  # type: ignore[arg-type]
    assert _delivered(sim, subject) == []
    (o2,) = app.send.send("urad", _draft(sim, tmp_path, subject))
    assert o2.ok and _delivered(sim, subject) == [o2.message_id]


def _unknown_record(app: App, draft: Draft, minutes_ago: float = 5) -> int:
    """What a crash during CreateMessage leaves: a committed `submitting` record."""
    from dso_desktop.services.outbox import fingerprint, sha256_file
    from dso_desktop.services.send import _options, _refs
    from dso_desktop.store.outbox import OutboxAttachment
    from dso_desktop.store.timeutil import utcnow

    paths = [Path(p) for p in draft.attachments]
    atts = [OutboxAttachment(p.name, *sha256_file(p), str(p.resolve())) for p in paths]
    opts = _options(draft)
    then = utcnow() - timedelta(minutes=minutes_ago)
    with app.db.write() as s:
        repo = OutboxRepo(s)
        rec = repo.add(batch="b", account="urad", recipient=draft.recipients[0],
                       subject=draft.subject, our_ref=draft.our_ref, your_ref=draft.your_ref,
                       our_file_mark=draft.our_file_mark, your_file_mark=draft.your_file_mark,
                       options=opts, attachments=atts,
                       fingerprint=fingerprint("urad", draft.recipients[0], draft.subject,
                                               _refs(draft), opts, atts),
                       big_message=False, now=then)
        repo.update(rec.id, state=SUBMITTING, submitted_at=then)
    return rec.id


def test_not_in_the_sent_list_means_failed_then_the_same_send_goes(
        sim: Any, app: App, tmp_path: Path) -> None:
    draft = _draft(sim, tmp_path, "Nikdy neodešla")
    rid = _unknown_record(app, draft)
    (o,) = app.send.send("urad", draft)
    assert o.ok and _delivered(sim, "Nikdy neodešla") == [o.message_id]
    old = app.outbox.get(rid)
    assert old.state == "failed" and "not in the sent list" in (old.error or "")


def test_a_look_alike_with_other_attachment_bytes_is_not_taken_for_it(
        sim: Any, app: App, tmp_path: Path) -> None:
    """Same recipient, subject and size in the sent list; only the signed copy tells."""
    subject = "Dvojník"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # Sent by another client (so no record here claims it), with other bytes.
    (sent,) = _send_elsewhere(sim, tmp_path / "other", _draft(sim, tmp_path / "a", subject,
                                                              b"AAAAA"))
    assert sent.ok
    mine = _draft(sim, tmp_path / "b", subject, b"BBBBB")
    rid = _unknown_record(app, mine)
    (res,) = app.outbox.reconcile("urad")
    assert res.record.id == rid and res.record.state == "failed"
    assert res.record.dm_id is None


def _send_elsewhere(sim: Any, data: Path, draft: Draft) -> Any:
    """The same account sending from another computer (another archive)."""
    acc = sim.account("password")
    with App.open(AppPaths.default(data), offline=True) as other:
        other.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                       ca_file=Path(sim.info.ca_file)),
                           password=acc.password)
        return other.send.send("urad", draft)


def test_found_by_reconciliation_is_reported_instead_of_sent(
        sim: Any, app: App, tmp_path: Path) -> None:
    draft = _draft(sim, tmp_path, "Odešla, ale nevěděli jsme to")
    # The message went out (another client, the same bytes), the record never learnt it.
    rid = _unknown_record(app, draft, minutes_ago=0.1)
    (o,) = _send_elsewhere(sim, tmp_path / "other", draft)
    dm_id = o.message_id
    (again,) = app.send.send("urad", draft)
    assert again.ok and again.message_id == dm_id and "already sent" in (again.note or "")
    assert _delivered(sim, draft.subject) == [dm_id]
    rec = app.outbox.get(rid)
    assert rec.state == "sent" and rec.dm_id == dm_id


def test_offline_leaves_it_unknown_and_the_same_send_is_refused(
        sim: Any, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    draft = _draft(sim, tmp_path, "Bez spojení")
    rid = _unknown_record(app, draft)
    # The sent list cannot be read: the fate stays unknown, nothing is sent.
    sim.faults.inject("GetListOfSentMessages", "reset")
    with pytest.raises(SendBlocked) as info:
        app.send.send("urad", draft)
    assert [r.id for r in info.value.records] == [rid]
    rec = app.outbox.get(rid)
    assert rec.state == UNKNOWN and "sent list could not be read" in (rec.error or "")
    assert _delivered(sim, "Bez spojení") == []
    # It is shown as a warning (Czech), and `retry` needs an explicit force.
    (w,) = [w for w in app.warnings.collect() if w.kind == "send-unknown"]
    assert "Není jisté" in w.text_cs and "Bez spojení" in w.text_cs
    with pytest.raises(SendBlocked):
        app.send.retry(rid)
    # A different message from the same account is not held back.
    (other,) = app.send.send("urad", _draft(sim, tmp_path, "Jiná zpráva"))
    assert other.ok
    sim.faults.clear()
    # Login failing is the same: unknown, refused.
    with app.db.write() as s:
        OutboxRepo(s).update(rid, state=UNKNOWN)
    monkeypatch.setattr(app.accounts, "client", _failing_client)
    (res,) = app.outbox.reconcile("urad")
    assert res.record.state == UNKNOWN and "login failed" in res.note


def _failing_client(*_a: Any, **_k: Any) -> Any:
    from dso_desktop.isds.errors import ConnectionFailed

    raise ConnectionFailed("offline")


def test_retry_force_and_discard(sim: Any, app: App, tmp_path: Path) -> None:
    draft = _draft(sim, tmp_path, "Vynucené opakování")
    rid = _unknown_record(app, draft)
    with app.db.write() as s:
        OutboxRepo(s).update(rid, state=UNKNOWN)
    (o,) = app.send.retry(rid, force=True)
    assert o.ok and _delivered(sim, "Vynucené opakování") == [o.message_id]
    assert app.outbox.get(rid).state == "discarded"
    with pytest.raises(SendError):
        app.send.retry(o.outbox_id)  # type: ignore[arg-type]  # sent: nothing to retry
    # A changed attachment is not silently sent under the old record.
    draft2 = _draft(sim, tmp_path, "Změněná příloha")
    rid2 = _unknown_record(app, draft2)
    with app.db.write() as s:
        OutboxRepo(s).update(rid2, state="failed")
    Path(draft2.attachments[0]).write_bytes(b"%PDF-1.4\nchanged")
    with pytest.raises(SendError, match="změnila"):
        app.send.retry(rid2)
    assert app.outbox.discard(rid2).state == "discarded"


def _dso(data: Path, *argv: str) -> tuple[int, Any, str]:
    from dso_desktop.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), "--json", *argv], out=out, err=err)
    text = out.getvalue()
    return code, json.loads(text) if text.strip() else None, err.getvalue()


def test_cli_send_refuses_says_what_it_found_and_outbox_settles_it(
        sim: Any, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    draft = _draft(sim, tmp_path, "Z příkazové řádky")
    rid = _unknown_record(app, draft)
    monkeypatch.setenv("DSO_OFFLINE", "1")
    args = ["send", "--account", "urad", "--to", draft.recipients[0], "--subject",
            draft.subject, "--attach", str(draft.attachments[0]), "--our-ref", "OB/1/2026",
            "--to-hands", "Ing. Nová"]
    # An unreadable answer (not retried, unlike a reset the client would wait out for 31 s).
    sim.faults.inject("GetListOfSentMessages", "malformed")
    code, _, err = _dso(data, *args)
    assert code == 1
    assert "refusing to send" in err and f"#{rid}" in err and "unknown" in err
    assert "Z příkazové řádky" in err and _delivered(sim, draft.subject) == []
    code, rows, _ = _dso(data, "outbox", "list")
    assert code == 1 and [r["id"] for r in rows] == [rid] and rows[0]["state"] == "unknown"
    code, res, _ = _dso(data, "outbox", "reconcile")
    assert code == 1 and res[0]["state"] == "unknown"
    sim.faults.clear()
    code, res, _ = _dso(data, "outbox", "reconcile", "urad")
    assert code == 0 and res[0]["state"] == "failed"  # read completely: it was not sent
    code, rows, _ = _dso(data, "outbox", "list")
    assert code == 0 and rows == []
    code, res, err = _dso(data, *args)
    assert code == 0, err
    assert _delivered(sim, draft.subject) == [res[0]["message_id"]]
    code, rows, _ = _dso(data, "outbox", "list", "--all")
    assert code == 0 and {r["state"] for r in rows} >= {"failed", "sent"}
    code, _, err = _dso(data, "outbox", "discard", str(rows[0]["id"]))
    assert code == 1 and "was sent" in err


def test_a_big_message_with_a_lost_answer_is_found_not_sent_again(
        sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.simulator.context import Limits

    monkeypatch.setattr(sim.core, "limits", Limits(normal_max=50_000, big_max=2_000_000,
                                                   big_tolerance=0))
    acc = sim.account("password")
    with App.open(AppPaths.default(tmp_path / "big"), offline=True, send_limits=SendLimits(
            normal_max=50_000, big_max=2_000_000, reconcile_settle=0)) as app:
        app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                     ca_file=Path(sim.info.ca_file)), password=acc.password)
        doc = tmp_path / "plan.pdf"
        doc.write_bytes(b"%PDF-1.4\n" + b"7" * 120_000)
        draft = Draft(recipients=(_to(sim),), subject="Velký plán, ztracená odpověď",
                      attachments=(doc,))
        sim.faults.inject("CreateBigMessage", "commit-then-drop", times=1)
        try:
            (o,) = app.send.send("urad", draft)
        finally:
            sim.faults.clear()
        assert o.ok and o.big_message and _delivered(sim, draft.subject) == [o.message_id]
        rec = app.outbox.get(o.outbox_id)  # type: ignore[arg-type]
        assert rec.state == "sent" and rec.big_message and rec.reconciled_at is not None


def test_a_recent_record_waits_for_isds_before_it_is_believed_unsent(
        sim: Any, app: App, tmp_path: Path) -> None:
    """"Not in the sent list" right after the request is not believed: ISDS may still be
    committing it. The service waits out the settle time and looks again."""
    from dso_desktop.services.outbox import OutboxService

    late = _draft(sim, tmp_path, "Pozdě zapsaná")
    rid = _unknown_record(app, late, minutes_ago=0)
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # ISDS commits the message while we wait
        waits.append(seconds)
        _send_elsewhere(sim, tmp_path / "other", late)

    svc = OutboxService(app.db, app.accounts, app.trust, settle=30, sleep=sleep)
    (res,) = svc.reconcile("urad")
    assert len(waits) == 1 and 25 < waits[0] <= 30
    assert res.record.id == rid and res.record.state == "sent"
    assert res.record.dm_id == _delivered(sim, "Pozdě zapsaná")[0]

    never = _draft(sim, tmp_path, "Nikdy nezapsaná")
    rid = _unknown_record(app, never, minutes_ago=0)
    waits.clear()
    svc = OutboxService(app.db, app.accounts, app.trust, settle=30, sleep=waits.append)
    (res,) = svc.reconcile("urad")
    assert len(waits) == 1 and res.record.state == "failed"  # looked again after waiting
    # Without waiting (wait=False), it stays unknown rather than being called unsent.
    rid = _unknown_record(app, _draft(sim, tmp_path, "Bez čekání"), minutes_ago=0)
    client = app.accounts.client("urad")
    client.login()
    try:
        res = svc.reconcile_record(client, app.outbox.get(rid), wait=False)
    finally:
        client.close()
    assert res.record.state == "unknown"
