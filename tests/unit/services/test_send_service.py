"""Sending (services/send.py): what ISDS would refuse is refused here first, in Czech; every
message is recorded before the request that could create it, and is sent exactly once."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.unit.services.isds_fake import (
    OUR_FILE_MARK,
    OUR_REF,
    RECIPIENT,
    TO_HANDS,
    FakeAccounts,
    FakeIsds,
)
from tests.unit.zfo.zfo_factory import pki  # noqa: F401 - pytest fixture

from dso_desktop.app import App
from dso_desktop.domain import Direction, LegalTitle, LoginMethod
from dso_desktop.isds.errors import IsdsError, StatusError
from dso_desktop.isds.models import PdzRecord
from dso_desktop.paths import AppPaths
from dso_desktop.services.outbox import OutboxService
from dso_desktop.services.send import (
    MIB,
    PdzOptions,
    SendBlocked,
    SendError,
    SendLimits,
    SendService,
    _draft_from,
    _options,
    check_attachments,
    is_big,
)
from dso_desktop.services.types import AccountSpec, Draft
from dso_desktop.store.models import Message
from dso_desktop.store.outbox import DISCARDED, FAILED, PREPARED, SENT, UNKNOWN
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

PDF = b"%PDF-1.4 a letter to the office\n"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    a.accounts.add(AccountSpec("úřad", LoginMethod.PASSWORD, "u"), password="p",
                   save_password=True)
    yield a
    a.close()


@pytest.fixture
def isds(pki: TestPki) -> FakeIsds:
    return FakeIsds(pki)


def _sender(app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path,
            limits: SendLimits | None = None) -> SendService:
    limits = limits or SendLimits(reconcile_settle=0.0)
    accounts = FakeAccounts(app.accounts, isds)
    trust = TrustStore.from_paths([pki.ca_file])
    outbox = OutboxService(app.db, accounts, lambda _a=None: trust, settle=0.0,
                           sleep=lambda _s: None, lock_dir=tmp_path / "locks")
    (tmp_path / "locks").mkdir(exist_ok=True)
    return SendService(app.db, accounts, lambda _a=None: trust,  # type: ignore[arg-type]
                       limits, outbox)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _draft(tmp_path: Path, subject: str = "Žádost", *, recipients: tuple[str, ...] = (
        RECIPIENT,), files: dict[str, bytes] | None = None, **kw: Any) -> Draft:
    files = files or {"dopis.pdf": PDF}
    paths = tuple(_file(tmp_path, n, d) for n, d in files.items())
    kw.setdefault("to_hands", TO_HANDS)
    kw.setdefault("our_ref", OUR_REF)
    kw.setdefault("our_file_mark", OUR_FILE_MARK)
    return Draft(recipients=recipients, subject=subject, attachments=paths, **kw)


def _stored(app: App) -> list[tuple[str, str]]:
    with app.db.read() as s:
        return [(d, str(x)) for d, x in s.execute(
            select(Message.dm_id, Message.direction).order_by(Message.id))]


# -- attachment checks as ISDS applies them ----------------------------------------------

def _zip(path: Path, entries: dict[str, bytes], *, encrypt_first: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    if encrypt_first:
        # Set the "encrypted" flag of the first entry (local header and central directory):
        # the archive is then one ISDS refuses.
        raw = bytearray(path.read_bytes())
        raw[6] |= 0x1
        cd = raw.rfind(b"PK\x01\x02")
        raw[cd + 8] |= 0x1
        path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("prazdny.txt", b"", "soubor je prázdný"),
    ("skript.exe", b"MZ...", "formát .exe ISDS nepřijímá"),
    ("bez_pripony", b"data", "formát .? ISDS nepřijímá"),
    ("falesny.pdf", b"<html>not a pdf</html>", "obsah souboru neodpovídá příponě .pdf"),
    ("obrazek.png", b"GIF89a", "obsah souboru neodpovídá příponě .png"),
    ("sken.tif", b"II*\x00rest", None),
    ("sken.tiff", b"MM\x00*rest", None),
    ("VELKA.PDF", b"%PDF-1.7", None),  # the extension is not case-sensitive
    ("poznamka.txt", b"plain text needs no magic", None),
])
def test_single_file_rules(tmp_path: Path, name: str, data: bytes,
                           problem: str | None) -> None:
    problems = check_attachments([_file(tmp_path, name, data)])
    if problem is None:
        assert problems == []
    else:
        assert problems == [f"{name}: {problem}"]


def test_an_empty_pdf_is_reported_for_both_reasons(tmp_path: Path) -> None:
    assert check_attachments([_file(tmp_path, "prazdny.pdf", b"")]) == [
        "prazdny.pdf: soubor je prázdný",
        "prazdny.pdf: obsah souboru neodpovídá příponě .pdf"]


def test_archive_rules(tmp_path: Path) -> None:
    limits = SendLimits(zip_max_entries=3, zip_max_depth=2)
    ok = _zip(tmp_path / "ok.zip", {"a/b.pdf": b"%PDF", "c.txt": b"x"})
    assert check_attachments([ok], limits) == []
    cases = {
        "nested.zip": ({"inner.zip": b"PK"}, "vnořený archiv (inner.zip) není povolen"),
        "exe.zip": ({"run.exe": b"MZ"}, "soubor run.exe v archivu má nepovolený formát"),
        "deep.zip": ({"a/b/c.txt": b"x"}, "archiv má více než 2 úrovně složek"),
        "many.zip": ({f"{i}.txt": b"x" for i in range(4)}, "archiv má více než 3 položek"),
    }
    for name, (entries, problem) in cases.items():
        path = _zip(tmp_path / name, entries)
        assert check_attachments([path], limits) == [f"{name}: {problem}"], name
    enc = _zip(tmp_path / "enc.zip", {"a.txt": b"secret"}, encrypt_first=True)
    assert check_attachments([enc], limits) == ["enc.zip: šifrovaný archiv není povolen"]
    broken = _file(tmp_path, "broken.zip", b"PK\x03\x04 but then nothing")
    [problem] = check_attachments([broken], limits)
    assert problem.startswith("broken.zip: poškozený archiv")


def test_message_level_rules(tmp_path: Path) -> None:
    assert check_attachments([]) == ["Zpráva musí mít alespoň jednu přílohu."]
    files = [_file(tmp_path, f"{i}.txt", b"x" * 10) for i in range(3)]
    limits = SendLimits(max_files=2, big_max=25, normal_max=15, max_name=5)
    problems = check_attachments(files, limits)
    assert "Zpráva smí mít nejvýše 2 příloh." in problems
    assert any(p.startswith("Přílohy mají dohromady") for p in problems)
    missing = tmp_path / "nikde.pdf"
    assert check_attachments([missing]) == [
        "nikde.pdf: soubor neexistuje nebo to není soubor"]
    long_name = _file(tmp_path, "x" * 10 + ".txt", b"y")
    [problem] = check_attachments([long_name], limits)
    assert problem.endswith("název souboru je delší než 5 znaků")
    assert is_big(files[:1], limits) is False
    assert is_big(files[:2], limits) is True  # 20 bytes > 15
    assert is_big([_file(tmp_path, "b.txt", b"x" * (20 * MIB + 1))]) is True


@pytest.mark.parametrize(("change", "problem"), [
    ({"recipients": ()}, "Zadejte alespoň jednoho adresáta."),
    ({"recipients": ("abc123",)}, "ID datové schránky má 7 znaků: 'abc123'"),
    ({"subject": "   "}, "Předmět je povinný a má nejvýše 255 znaků."),
    ({"subject": "x" * 256}, "Předmět je povinný a má nejvýše 255 znaků."),
    ({"our_ref": "1" * 51}, "naše č. j. má nejvýše 50 znaků."),
    ({"your_ref": "1" * 51}, "vaše č. j. má nejvýše 50 znaků."),
    ({"our_file_mark": "1" * 51}, "naše spisová značka má nejvýše 50 znaků."),
    ({"your_file_mark": "1" * 51}, "vaše spisová značka má nejvýše 50 znaků."),
])
def test_validate_says_in_czech_what_isds_would_refuse(
        app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path, change: dict[str, Any],
        problem: str) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    draft = _draft(tmp_path)
    draft = Draft(**{**draft.__dict__, **change})
    with pytest.raises(SendError) as info:
        sender.send("úřad", draft)
    assert str(info.value) == problem and info.value.message_cs == problem
    assert isds.calls == []  # refused before any login
    assert sender.outbox.records() == []


def test_too_many_recipients(app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path, SendLimits(max_recipients=2))
    draft = _draft(tmp_path, recipients=("aaaaaaa", "bbbbbbb", "ccccccc"))
    with pytest.raises(SendError, match="Nejvýše 2 adresátů"):
        sender.validate(draft)
    assert sender.validate(Draft(**{**draft.__dict__, "recipients": ("aaaaaaa",)})) is False


# -- sending exactly once ----------------------------------------------------------------

def test_a_normal_send_is_recorded_sent_and_archived(app: App, isds: FakeIsds, pki: TestPki,
                                                     tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    phases: list[str] = []
    sender.phase_hook = phases.append
    progress: list[tuple[str, int, int]] = []
    [out] = sender.send("úřad", _draft(tmp_path), lambda *a: progress.append(a))
    assert out.ok and out.message_id and not out.big_message and out.error is None
    rec = sender.outbox.get(out.outbox_id or 0)
    assert (rec.state, rec.dm_id, rec.unreported) == (SENT, out.message_id, False)
    assert rec.submitted_at is not None
    assert phases == ["before-outbox", "prepared", "submitting", "answered", "recorded"]
    assert progress == [("send", 1, 1)]
    assert _stored(app) == [(out.message_id, Direction.SENT.value)]
    assert isds.calls[0] == "login" and isds.calls.count(f"create:{RECIPIENT}") == 1
    assert isds.closed == 1


def test_each_recipient_gets_its_own_record_in_one_batch(app: App, isds: FakeIsds,
                                                         pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    outs = sender.send("úřad", _draft(tmp_path, recipients=(RECIPIENT, "abc1234")))
    assert [o.recipient for o in outs] == [RECIPIENT, "abc1234"]
    assert all(o.ok for o in outs) and len({o.message_id for o in outs}) == 2
    records = sender.outbox.records("úřad")
    assert len({r.batch for r in records}) == 1
    assert len({r.fingerprint for r in records}) == 2  # the recipient is part of "same"


def test_a_definite_refusal_is_failed_and_the_same_draft_may_go_again(
        app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    isds.create_error = StatusError("Schránka příjemce není přístupná", code="1216")
    [out] = sender.send("úřad", _draft(tmp_path))
    assert not out.ok and not out.unknown and out.message_id is None
    assert out.error == "Schránka příjemce není přístupná (code 1216)"
    rec = sender.outbox.get(out.outbox_id or 0)
    assert rec.state == FAILED
    assert rec.error == "StatusError: Schránka příjemce není přístupná (code 1216)"
    isds.create_error = None
    [again] = sender.send("úřad", _draft(tmp_path))  # a failed record blocks nothing
    assert again.ok and again.outbox_id != out.outbox_id


def test_a_lost_answer_is_looked_up_not_sent_twice(app: App, isds: FakeIsds, pki: TestPki,
                                                   tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    isds.create_lost = True  # ISDS created it, the answer never came
    [out] = sender.send("úřad", _draft(tmp_path))
    assert out.ok and out.message_id in isds.sent
    assert out.note is not None and out.note.startswith("the answer was lost (connection")
    assert isds.calls.count(f"create:{RECIPIENT}") == 1
    rec = sender.outbox.get(out.outbox_id or 0)
    assert (rec.state, rec.dm_id, rec.unreported) == (SENT, out.message_id, False)


def test_a_lost_answer_with_no_readable_sent_list_is_unknown_and_blocks_a_resend(
        app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    isds.create_lost = True
    isds.list_error = OSError("network down")
    [out] = sender.send("úřad", _draft(tmp_path))
    assert not out.ok and out.unknown
    assert "NEJISTÉ, zda byla zpráva odeslána" in (out.error or "")
    assert sender.outbox.get(out.outbox_id or 0).state == UNKNOWN
    isds.create_lost = False
    with pytest.raises(SendBlocked) as info:
        sender.send("úřad", _draft(tmp_path))
    assert [r.id for r in info.value.records] == [out.outbox_id]
    assert f"#{out.outbox_id} pro {RECIPIENT} (unknown)" in str(info.value)
    assert "dso outbox reconcile" in info.value.message_cs
    assert isds.calls.count(f"create:{RECIPIENT}") == 1  # never a blind second request
    # A different message from the same account is not blocked by it.
    [other] = sender.send("úřad", _draft(tmp_path, "Jiná věc"))
    assert other.ok


def test_an_unexpected_error_after_submitting_is_unknown_and_propagates(
        app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    isds.create_error = RuntimeError("a bug in the transport")
    with pytest.raises(RuntimeError, match="a bug in the transport"):
        sender.send("úřad", _draft(tmp_path))
    [rec] = sender.outbox.records("úřad")
    # It may have reached ISDS: recorded as unknown, never as failed.
    assert rec.state == UNKNOWN and rec.error == "RuntimeError: a bug in the transport"


def test_found_by_reconciliation_is_reported_instead_of_sent(
        app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    isds.create_lost = True
    isds.list_error = OSError("offline")
    [first] = sender.send("úřad", _draft(tmp_path))
    assert first.unknown
    # Back online: the same send again finds its earlier message instead of sending it.
    isds.create_lost = False
    isds.list_error = None
    [out] = sender.send("úřad", _draft(tmp_path))
    assert out.ok and out.outbox_id == first.outbox_id
    assert out.note == "already sent by an earlier, interrupted run of this send"
    assert isds.calls.count(f"create:{RECIPIENT}") == 1
    assert sender.outbox.get(first.outbox_id or 0).unreported is False
    assert [d for d, _ in _stored(app)] == [out.message_id]


def test_a_big_message_uploads_every_file_then_creates_once(
        app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path, SendLimits(normal_max=16, reconcile_settle=0))
    progress: list[tuple[str, int, int]] = []
    draft = _draft(tmp_path, files={"dopis.pdf": PDF, "b.txt": b"enclosure"})
    [out] = sender.send("úřad", draft, lambda *a: progress.append(a))
    assert out.ok and out.big_message
    assert [c for c in isds.calls if c.startswith(("upload", "create"))] == [
        "upload:dopis.pdf", "upload:b.txt", f"create-big:{RECIPIENT}"]
    assert progress == [("upload", 0, 3), ("upload", 1, 3), ("send", 3, 3)]
    assert sender.outbox.get(out.outbox_id or 0).big_message is True


def test_a_failed_upload_is_a_definite_failure(app: App, isds: FakeIsds, pki: TestPki,
                                               tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path, SendLimits(normal_max=16, reconcile_settle=0))

    def broken_upload(*_a: Any) -> Any:
        raise IsdsError("upload interrupted")

    isds.upload_attachment = broken_upload  # type: ignore[method-assign]
    [out] = sender.send("úřad", _draft(tmp_path, files={"dopis.pdf": PDF, "b.txt": b"x" * 9}))
    # Uploads create no message, so nothing can be in ISDS: failed, not unknown.
    assert not out.ok and not out.unknown
    assert sender.outbox.get(out.outbox_id or 0).state == FAILED


def test_cancel_before_a_recipient_skips_it(app: App, isds: FakeIsds, pki: TestPki,
                                            tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    cancel = threading.Event()
    sender.phase_hook = lambda phase: cancel.set() if phase == "recorded" else None
    outs = sender.send("úřad", _draft(tmp_path, recipients=(RECIPIENT, "abc1234")),
                       cancel=cancel)
    assert [(o.recipient, o.ok, o.error) for o in outs] == [
        (RECIPIENT, True, None), ("abc1234", False, "zrušeno")]
    assert len(sender.outbox.records()) == 1  # the cancelled one was never recorded


def test_a_busy_account_is_refused_in_czech(app: App, isds: FakeIsds, pki: TestPki,
                                            tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    with sender.outbox.lock("úřad"), pytest.raises(SendError,
                                                   match="Z tohoto účtu se právě odesílá"):
        sender.send("úřad", _draft(tmp_path))
    assert isds.calls == []


# -- the user's explicit resend ----------------------------------------------------------

def _unknown_send(sender: SendService, isds: FakeIsds, tmp_path: Path) -> int:
    isds.create_lost = True
    isds.list_error = OSError("offline")
    [out] = sender.send("úřad", _draft(tmp_path))
    isds.create_lost = False
    isds.list_error = None
    isds.sent.clear()  # pretend it never reached ISDS after all
    assert out.outbox_id is not None
    return out.outbox_id


def test_retry_rules(app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    rid = _unknown_send(sender, isds, tmp_path)
    with pytest.raises(SendBlocked):
        sender.retry(rid)  # unknown: only with force
    [out] = sender.retry(rid, force=True)
    assert out.ok and out.outbox_id != rid
    assert sender.outbox.get(rid).state == DISCARDED
    with pytest.raises(SendError, match=f"byl odeslán jako zpráva {out.message_id}"):
        sender.retry(out.outbox_id or 0)


def test_retry_refuses_changed_or_missing_attachments(app: App, isds: FakeIsds, pki: TestPki,
                                                      tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    isds.create_error = StatusError("refused", code="1216")
    [out] = sender.send("úřad", _draft(tmp_path))
    rid = out.outbox_id or 0
    (tmp_path / "dopis.pdf").write_bytes(PDF + b"edited")
    with pytest.raises(SendError, match=r"Příloha dopis\.pdf se od odeslání změnila nebo chybí"):
        sender.retry(rid)
    (tmp_path / "dopis.pdf").unlink()
    with pytest.raises(SendError, match="změnila nebo chybí"):
        sender.retry(rid)
    assert sender.outbox.get(rid).state == FAILED  # nothing changed by a refused retry


def test_retry_of_an_unreconciled_record_asks_for_reconciliation(
        app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)

    def killed(phase: str) -> None:
        if phase == "prepared":  # the process dies right after the record was committed
            raise KeyboardInterrupt

    sender.phase_hook = killed
    with pytest.raises(KeyboardInterrupt):
        sender.send("úřad", _draft(tmp_path))
    [rec] = sender.outbox.records()
    assert rec.state == PREPARED and not any(c.startswith("create") for c in isds.calls)
    with pytest.raises(SendError, match="ještě nebyl ověřen"):
        sender.retry(rec.id)
    assert sender.outbox.get(rec.id).state == PREPARED  # the refusal changed nothing


_text = st.one_of(st.none(), st.text(min_size=1, max_size=20))


@settings(max_examples=60, deadline=None)
@given(to_hands=_text, personal=st.one_of(st.none(), st.booleans()),
       fiction=st.one_of(st.none(), st.booleans()), publish=st.one_of(st.none(), st.booleans()),
       mtype=st.sampled_from([None, "K", "O", "I"]), ovm=st.one_of(st.none(), st.booleans()),
       law=_text, year=_text, section=_text)
def test_an_outbox_record_gives_back_the_draft_that_was_sent(
        to_hands: str | None, personal: bool | None, fiction: bool | None,
        publish: bool | None, mtype: str | None, ovm: bool | None, law: str | None,
        year: str | None, section: str | None) -> None:
    """`dso outbox retry` rebuilds the draft from the record: every option must survive."""
    import json
    from types import SimpleNamespace

    draft = Draft(recipients=("abc1234",), subject="s", attachments=(Path("/a/b.pdf"),),
                  to_hands=to_hands, personal_delivery=personal, allow_fiction=fiction,
                  our_ref="1", your_ref="2", our_file_mark="3", your_file_mark="4",
                  legal_title=LegalTitle(law, year, section, None, None),
                  publish_own_id=publish, message_type=mtype, ovm=ovm)
    stored = json.loads(json.dumps(_options(draft)))  # as the outbox row keeps it
    rec = SimpleNamespace(recipient="abc1234", subject="s", options=stored,
                          attachments=(SimpleNamespace(path="/a/b.pdf"),), our_ref="1",
                          your_ref="2", our_file_mark="3", your_file_mark="4")
    assert _draft_from(rec) == draft  # type: ignore[arg-type]


# -- commercial messages -----------------------------------------------------------------

def test_pdz_offers() -> None:
    reply = PdzRecord("O", "abc1234", "xyz9876", None, 1, "SENDER-REF-7")
    own = PdzRecord("K", None, "xyz9876", None, None, None)
    opts = PdzOptions("xyz9876", (reply,), 12.5)
    assert opts.reply_offer("abc1234", "SENDER-REF-7") is reply
    assert opts.reply_offer("abc1234", "other ref") is None
    assert opts.reply_offer("abc1234", None) is None
    assert opts.reply_offer("zzz0000", "SENDER-REF-7") is None
    assert opts.can_pay is False  # only a prepaid reply: no message of its own
    assert PdzOptions("xyz9876", (reply, own), None).can_pay is True


class _BoxClient:
    def __init__(self, error: Exception | None, hits: list[str]) -> None:
        self.error = error
        self.hits = hits
        self.closed = False

    def login(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def isds_search3(self, query: str, kind: str) -> Any:
        if self.error is not None:
            raise self.error
        from types import SimpleNamespace

        return SimpleNamespace(hits=[f"{query}:{kind}:{h}" for h in self.hits])


def test_find_boxes_nothing_found_is_an_empty_answer(app: App, isds: FakeIsds, pki: TestPki,
                                                     tmp_path: Path) -> None:
    sender = _sender(app, isds, pki, tmp_path)
    for error, expected in ((None, ["obec:GENERAL:a", "obec:GENERAL:b"]),
                            (StatusError("nothing found", code="0002"), [])):
        client = _BoxClient(error, ["a", "b"])
        sender._accounts.client = lambda *_a, c=client, **_k: c  # type: ignore[attr-defined]
        assert sender.find_boxes("úřad", "obec") == expected
        assert client.closed
    client = _BoxClient(StatusError("search refused", code="1101"), [])
    sender._accounts.client = lambda *_a, **_k: client  # type: ignore[attr-defined]
    with pytest.raises(StatusError, match="search refused"):
        sender.find_boxes("úřad", "obec")
    assert client.closed
