"""`dso messages|message|search|import|check|send` on a seeded archive, in-process: exit codes
0/1/2, the --json shapes scripts rely on, and the texts in English and Czech."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from tests.unit.cli.cli_helpers import add_account, dso, dso_json, offline_english, seed_message  # noqa: F401 - fixture
from tests.unit.zfo.zfo_factory import pki  # noqa: F401 - pytest fixture

from dso_desktop.domain import Direction
from dso_desktop.zfo.testpki import TestPki

pytestmark = pytest.mark.usefixtures("offline_english")


@pytest.fixture
def data(tmp_path: Path, pki: TestPki) -> Path:
    d = tmp_path / "data"
    add_account(d)
    seed_message(d, pki, "8001", subject="Stavební povolení")
    seed_message(d, pki, "8002", subject="Faktura za vodné",
                 files=[("faktura.pdf", b"%PDF-1.4 faktura"), ("rozpis.txt", b"rozpis")])
    seed_message(d, pki, "8003", subject="Odpověď úřadu", direction=Direction.SENT)
    return d


# -- messages list -----------------------------------------------------------------------

def test_messages_list_json_and_text(data: Path) -> None:
    code, rows, err = dso_json("messages", "list", "--data-dir", str(data))
    assert code == 0 and err == ""
    assert sorted(r["dm_id"] for r in rows) == ["8001", "8002", "8003"]
    first = next(r for r in rows if r["dm_id"] == "8002")
    assert first["subject"] == "Faktura za vodné" and first["account"] == "obec"
    assert first["direction"] == "received"
    code, out, _ = dso("messages", "list", "--direction", "sent", "--data-dir", str(data))
    assert code == 0
    [line] = out.splitlines()
    fields = line.split("\t")
    assert fields[0] == "8003" and fields[2] == "sent" and fields[-1] == "Odpověď úřadu"


def test_messages_list_limit_and_bad_input(data: Path) -> None:
    code, rows, _ = dso_json("messages", "list", "--limit", "1", "--data-dir", str(data))
    assert code == 0 and len(rows) == 1
    code, _, err = dso("messages", "list", "--limit", "0", "--data-dir", str(data))
    assert code == 2 and err == "dso: --limit must be at least 1\n"
    code, _, err = dso("messages", "list", "--account", "nikdo", "--data-dir", str(data))
    assert code == 1 and err == "dso: error: no account named 'nikdo'\n"
    code, _, err = dso("messages", "list", "--direction", "sideways", "--data-dir", str(data))
    assert code == 2 and "invalid choice: 'sideways'" in err
    code, _, err = dso("messages", "--data-dir", str(data))
    assert code == 2 and "required" in err


def test_an_empty_archive_says_so_in_either_language(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = dso("messages", "list", "--data-dir", str(tmp_path / "d"))
    assert (code, out) == (0, "no messages\n")
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _ = dso("messages", "list", "--data-dir", str(tmp_path / "d"))
    assert (code, out) == (0, "žádné zprávy\n")
    code, rows, _ = dso_json("messages", "list", "--data-dir", str(tmp_path / "d"))
    assert (code, rows) == (0, [])


# -- message show / export -----------------------------------------------------------------

def test_message_show_text_from_the_clerks_point_of_view(data: Path) -> None:
    code, out, _ = dso("message", "show", "8002", "--data-dir", str(data))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Message 8002 (received, account obec)"
    assert "Subject: Faktura za vodné" in lines
    # On a received message the dmSenderRefNumber is the sender's, not ours.
    assert "Sender's reference number: Č.j. 1/2026" in lines
    assert "Sender's file mark: SZ-7" in lines
    assert "To hands: k rukám" in lines
    assert not any(line.startswith("Our reference number") for line in lines)
    assert "  [0] faktura.pdf (16 B, main)" in lines
    assert "  [1] rozpis.txt (6 B, enclosure)" in lines


def test_message_show_of_a_sent_message_names_our_reference(data: Path) -> None:
    code, out, _ = dso("message", "show", "8003", "--data-dir", str(data))
    assert code == 0
    assert "Message 8003 (sent, account obec)" in out
    assert "Our reference number: Č.j. 1/2026" in out.splitlines()


def test_message_show_json_and_the_czech_labels(data: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    code, d, _ = dso_json("message", "show", "8001", "--data-dir", str(data))
    assert code == 0
    assert d["dm_id"] == "8001" and d["our_ref"] == "Č.j. 1/2026"
    assert d["legal_title"] == ["300", "2008", "17", None, None]
    assert d["verdict_detail"] is not None and "kind" in d["verdict_detail"]
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _ = dso("message", "show", "8001", "--data-dir", str(data))
    assert code == 0 and out.splitlines()[0] == "Zpráva 8001 (přijatá, účet obec)"


def test_message_show_unknown_or_under_another_account(data: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = dso_json("message", "show", "999", "--data-dir", str(data))
    assert code == 1 and out == {"error": "message 999 is not in the archive",
                                 "kind": "cli.failure"}
    code, _, err = dso("message", "show", "8001", "--account", "jiný", "--data-dir", str(data))
    assert code == 1 and err == "dso: error: message 8001 is not in the archive\n"
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _, err = dso("message", "show", "999", "--data-dir", str(data))
    assert code == 1 and err == "dso: chyba: zpráva 999 v archivu není\n"


def test_message_export_writes_the_signed_bytes_unchanged(data: Path, tmp_path: Path,
                                                          pki: TestPki) -> None:
    zfo = seed_message(data, pki, "8004", subject="Export",
                       files=[("../../etc/passwd.txt", b"not a path")])
    out_dir = tmp_path / "export"
    code, res, _ = dso_json("message", "export", "8004", "--out", str(out_dir),
                            "--data-dir", str(data))
    assert code == 0
    files = [Path(p) for p in res["files"]]
    assert files[0] == out_dir / "DDZ_8004.zfo"
    assert hashlib.sha256(files[0].read_bytes()).digest() == hashlib.sha256(zfo).digest()
    # An attachment's hostile name cannot leave the folder.
    assert all(p.resolve().is_relative_to(out_dir.resolve()) for p in files)
    [att] = [p for p in files if p.read_bytes() == b"not a path"]
    assert att.parent == out_dir / "DDZ_8004_prilohy"  # flattened, never above
    code, _, err = dso("message", "export", "8004", "--data-dir", str(data))
    assert code == 2 and "--out" in err


# -- search ------------------------------------------------------------------------------

def test_search_ignores_diacritics_and_case(data: Path) -> None:
    code, rows, _ = dso_json("search", "stavebni POVOLENI", "--data-dir", str(data))
    assert code == 0 and [r["dm_id"] for r in rows] == ["8001"]
    code, out, _ = dso("search", "vodne", "--data-dir", str(data))
    assert code == 0 and out.startswith("8002\t")
    code, rows, _ = dso_json("search", "nic takového", "--data-dir", str(data))
    assert (code, rows) == (0, [])
    code, _, err = dso("search", "x", "--limit", "0", "--data-dir", str(data))
    assert code == 2 and "--limit must be at least 1" in err


# -- import --------------------------------------------------------------------------------

def test_import_of_an_untrusted_zfo_is_quarantined_not_evidence(
        tmp_path: Path, pki: TestPki) -> None:
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import seal

    data = tmp_path / "data"
    add_account(data)
    f = tmp_path / "cizi.zfo"
    # Sealed by the test PKI, which this archive does not trust.
    f.write_bytes(seal(message_xml(pki, dm_id="8100"), pki.seal, pki.tsa, SEALED_AT))
    code, out, _ = dso("import", str(f), "--data-dir", str(data))
    assert code == 1  # needs the user's attention
    assert "NOT archived as evidence" in out and "(8100)" in out
    assert out.splitlines()[-1].startswith("0 imported, 0 duplicates, 0 failed, 1 quarantined")
    code, rows, _ = dso_json("messages", "list", "--data-dir", str(data))
    assert rows == []  # not in the message list


def test_a_quarantined_import_is_explained_in_czech(
        tmp_path: Path, pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.test_cli_czech_errors import english_words
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import seal

    data = tmp_path / "data"
    add_account(data)
    f = tmp_path / "cizi.zfo"
    f.write_bytes(seal(message_xml(pki, dm_id="8101"), pki.seal, pki.tsa, SEALED_AT))
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _ = dso("import", str(f), "--data-dir", str(data))
    line = next(x for x in out.splitlines() if "(8101)" in x)
    assert code == 1 and "karantén" in line
    assert not english_words(line.replace(str(f), "")), line  # verdict and reasons in Czech
    monkeypatch.setenv("DSO_LANG", "en")
    code, rows, _ = dso_json("import", str(f), "--data-dir", str(data))
    assert "reason_cs" not in str(rows)  # --json stays English


def test_import_of_garbage_fails_and_stores_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    f = tmp_path / "broken.zfo"
    f.write_bytes(b"this is not a ZFO")
    code, summary, _ = dso_json("import", str(f), "--data-dir", str(data))
    assert code == 1
    assert (summary["imported"], summary["failed"]) == (0, 1)
    [item] = summary["items"]
    assert item["path"].endswith("broken.zfo") and item["status"] == "invalid"
    code, _, err = dso("import", str(f), "--account", "nikdo", "--data-dir", str(data))
    assert code == 1 and "no account named 'nikdo'" in err
    code, _, err = dso("import", "--data-dir", str(data))
    assert code == 2


# -- check ---------------------------------------------------------------------------------

def test_check_of_an_empty_archive_is_clean(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    code, out, _ = dso("check", "--data-dir", str(data))
    assert code == 0
    assert out == "checked 0 signed messages: 0 verify; database ok\n"
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _ = dso("check", "--data-dir", str(data))
    assert out.startswith("zkontrolováno 0 podepsaných zpráv: ověřeno 0; databáze ")
    assert "ok" not in out


def test_check_flags_evidence_this_archive_does_not_trust(data: Path) -> None:
    # The seeded messages are sealed by a test PKI that `dso` itself does not trust.
    code, report, _ = dso_json("check", "--data-dir", str(data))
    assert code == 1
    assert report["checked"] == 3 and report["ok"] == 0
    assert report["database_ok"] is True
    assert {p["dm_id"] for p in report["problems"]} == {"8001", "8002", "8003"}
    code, out, _ = dso("check", "--data-dir", str(data))
    assert code == 1 and "NOT CLEAN" in out


def test_check_refresh_verdicts_stores_todays_verdicts(data: Path, pki: TestPki,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored "valid" by the PKI that sealed them, untrusted by `dso` today: the plain check
    only says so; --refresh-verdicts stores them; trusting the CA changes them back."""
    code, report, _ = dso_json("check", "--data-dir", str(data))
    assert code == 1
    assert report["verdicts"]["stored"] is False and report["verdicts"]["changes"] == [
        {"evidence": "message", "old": "valid", "new": "untrusted", "count": 3}]
    code, out, _ = dso("check", "--data-dir", str(data))
    assert ("3 stored verdicts differ from today's verification; `dso check "
            "--refresh-verdicts` stores them:\n  signed message: valid -> untrusted: 3\n") in out
    code, report, _ = dso_json("check", "--refresh-verdicts", "--data-dir", str(data))
    assert code == 1  # stored, and still evidence this archive does not trust
    assert (report["verdicts"]["stored"], report["verdicts"]["differing"]) == (True, 3)
    code, report, _ = dso_json("check", "--data-dir", str(data))
    assert report["verdicts"]["changes"] == [] and report["verdicts"]["differing"] == 0

    assert dso("trust", "add", str(pki.ca_file), "--data-dir", str(data))[0] == 0
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _ = dso("check", "--refresh-verdicts", "--data-dir", str(data))
    assert code == 0
    assert ("uložené výsledky ověření, které nové ověření změnilo: 3; uloženy (každá změna "
            "v historii zprávy):\n  podepsaná zpráva: untrusted -> valid: 3\n") in out
    code, report, _ = dso_json("check", "--data-dir", str(data))
    assert (code, report["clean"], report["verdicts"]["differing"]) == (0, True, 0)


# -- send: everything refused before any login ---------------------------------------------

@pytest.mark.parametrize(("extra", "code_", "text"), [
    (["--legal-title", "1/2/3/4/5/6"], 2, "--legal-title is LAW/YEAR/SECTION/PARAGRAPH/POINT"),
    (["--ovm", "--no-ovm"], 2, "not allowed with argument"),
    (["--pdz-type", "X"], 2, "invalid choice: 'X'"),
])
def test_send_usage_errors(data: Path, tmp_path: Path, extra: list[str], code_: int,
                           text: str) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.4")
    code, _, err = dso("send", "--account", "obec", "--to", "abc1234", "--subject", "s",
                       "--attach", str(doc), *extra, "--data-dir", str(data))
    assert code == code_ and text in err


def test_send_refuses_bad_attachments_and_unknown_accounts(data: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ")
    code, out, err = dso_json("send", "--account", "obec", "--to", "abc1234", "--subject",
                              "s", "--attach", str(bad), "--data-dir", str(data))
    assert code == 1
    assert out["error"] == "cannot send: program.exe: formát .exe ISDS nepřijímá"
    code, _, err = dso("send", "--account", "nikdo", "--to", "abc1234", "--subject", "s",
                       "--attach", str(bad), "--data-dir", str(data))
    assert code == 1 and "no account named 'nikdo'" in err
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _, err = dso("send", "--account", "obec", "--to", "abc1234", "--subject", "s",
                       "--attach", str(bad), "--data-dir", str(data))
    assert err == "dso: chyba: nelze odeslat: program.exe: formát .exe ISDS nepřijímá\n"
    code, records, _ = dso_json("outbox", "list", "--all", "--data-dir", str(data))
    assert (code, records) == (0, [])  # nothing reached the outbox


def test_password_stdin_needs_a_password(data: Path, tmp_path: Path) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.4")
    code, _, err = dso("send", "--account", "obec", "--to", "abc1234", "--subject", "s",
                       "--attach", str(doc), "--password-stdin", "--data-dir", str(data),
                       stdin="\n")
    assert code == 2 and err == "dso: --password-stdin: no password on standard input\n"
    code, _, err = dso("sync", "--password-stdin", "--data-dir", str(data), stdin="")
    assert code == 2 and "no password on standard input" in err
