"""The CLI's one catalogue (issue 14): Czech under a Czech locale, English otherwise; every
literal sentence given to ``tr`` has a Czech translation with the same placeholders."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest

from dso_desktop.cli import texts
from dso_desktop.cli.main import run

CLI = Path(texts.__file__).parent


@pytest.mark.parametrize(("env", "lang"), [
    ({"LANG": "cs_CZ.UTF-8"}, "cs"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "cs_CZ.UTF-8"}, "cs"),
    ({"LANG": "cs_CZ.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
    ({"LANG": "cs_CZ.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANG": "cs"}, "cs"),
    ({"LANG": "en_US.UTF-8", "DSO_LANG": "cs"}, "cs"),
    ({"LC_ALL": "", "LANG": "cs_CZ.UTF-8"}, "cs"),  # an empty variable does not count
])
def test_language_follows_the_posix_locale_variables(env: dict[str, str], lang: str) -> None:
    assert texts.language(env) == lang


def _literal_calls() -> list[tuple[str, str]]:
    """(file, sentence) for every ``tr("...")`` / ``localized(X, "...")`` literal in cli/."""
    found = []
    for path in sorted(CLI.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            pos = {"tr": 0, "localized": 1}.get(node.func.id)
            if pos is None or len(node.args) <= pos:
                continue
            arg = node.args[pos]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((path.name, arg.value))
    return found


def test_every_sentence_has_a_czech_translation_with_the_same_placeholders() -> None:
    calls = _literal_calls()
    assert len(calls) > 60  # the scan sees the converted commands
    missing = sorted({f"{f}: {t!r}" for f, t in calls if t not in texts.CS})
    assert not missing, "add these to cli/texts.py CS:\n" + "\n".join(missing)
    for en, cs in texts.CS.items():
        assert texts.placeholders(en) == texts.placeholders(cs), en
        assert cs.strip(), en


def test_tr_fills_placeholders_in_either_language() -> None:
    assert texts.tr("no account named {name!r}", "en", name="urad") == \
        "no account named 'urad'"
    assert texts.tr("no account named {name!r}", "cs", name="urad") == \
        "účet 'urad' neexistuje"
    assert texts.tr("a sentence nobody translated", "cs") == "a sentence nobody translated"


def _dso(args: list[str], data: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_a_command_speaks_czech_under_a_czech_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    for name in ("LC_ALL", "LC_MESSAGES", "DSO_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "cs_CZ.UTF-8")
    code, out, err = _dso(["messages", "list"], tmp_path)
    assert (code, out.strip()) == (0, "žádné zprávy")
    code, out, err = _dso(["messages", "list", "--account", "nikdo"], tmp_path)
    assert code == 1 and err == "dso: chyba: účet 'nikdo' neexistuje\n"
    code, out, err = _dso(["--json", "messages", "list", "--account", "nikdo"], tmp_path)
    assert '"error": "no account named \'nikdo\'"' in out  # --json stays English
    code, _out, err = _dso(["messages", "list", "--since", "1.3.2026"], tmp_path)
    assert code == 2 and "--since musí být datum" in err

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, err = _dso(["messages", "list"], tmp_path)
    assert (code, out.strip()) == (0, "no messages")
    code, out, err = _dso(["messages", "list", "--account", "nikdo"], tmp_path)
    assert err == "dso: error: no account named 'nikdo'\n"


def test_a_foreign_error_in_czech_leaves_its_english_text_to_the_logs() -> None:
    """Issue 14: no English lines in Czech output. The Czech line is the kind's sentence
    with the structured details in Czech; the English text stays in ``message``."""
    from dso_desktop.cli.main import user_line
    from dso_desktop.isds.errors import WrongCredentials

    exc = WrongCredentials("ISDS refused the credentials", code="401")
    line = user_line(exc, "cs")
    assert line == f"{exc.message_cs} (stavový kód HTTP 401)"
    assert "ISDS refused" not in line
    assert user_line(exc, "en") == exc.message


def test_messages_list_takes_the_filter_bar_filters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dso messages list` narrows by date range, party, state, verdict, attachments and
    tag, as the GUI filter bar does (the same MessageFilter)."""
    import json
    from datetime import UTC, datetime

    from dso_desktop.domain import Direction, Envelope
    from dso_desktop.store.db import Database
    from dso_desktop.store.messages import MessageRepo, search_text_for
    from dso_desktop.store.records import VerdictInfo
    from dso_desktop.store.repos import AccountRepo, TagRepo

    monkeypatch.setenv("DSO_OFFLINE", "1")
    monkeypatch.setenv("DSO_LANG", "en")
    _dso(["messages", "list"], tmp_path)  # creates the archive
    from dso_desktop.paths import AppPaths

    db = Database.open(AppPaths.default(tmp_path).database)
    with db.write() as s:
        acc = AccountRepo(s).add("urad", environment="test", login_method="password",
                                 username="u1").id
        tag = TagRepo(s).create("Spis", "#ff0000").id
        repo = MessageRepo(s)
        for i, (name, status, day, verdict, atts) in enumerate([
            ("Jan Novák", 4, 3, "valid", 2), ("Firma s.r.o.", 6, 10, "untrusted", 0),
            ("Jan Novák", 6, 20, "valid", 1),
        ]):
            env = Envelope(message_id=str(700 + i), sender_name=name, sender_box_id=f"b{i}",
                           recipient_name="Obec", recipient_box_id="obec111", subject="x",
                           status=status, delivered_at=datetime(2026, 3, day, 12, tzinfo=UTC))
            mid = repo.upsert_envelope(acc, Direction.RECEIVED, env).id
            repo.attach_zfo(mid, f"Z{i}".encode(), env, search_text_for(env, []), atts,
                            VerdictInfo(verdict, env.delivered_at))
            if i == 2:
                TagRepo(s).assign(mid, tag)
    db.close()

    def listed(*args: str) -> list[str]:
        code, out, err = _dso(["--json", "messages", "list", *args], tmp_path)
        assert code == 0, err
        return sorted(r["dm_id"] for r in json.loads(out))

    assert listed() == ["700", "701", "702"]
    assert listed("--since", "2026-03-04", "--until", "2026-03-20") == ["701", "702"]
    assert listed("--until", "2026-03-19") == ["700", "701"]
    assert listed("--party", "novák") == ["700", "702"]
    assert listed("--state", "accepted") == ["701", "702"]
    assert listed("--state", "4") == ["700"]
    assert listed("--verdict", "problem") == ["701"]
    assert listed("--with-attachments") == ["700", "702"]
    assert listed("--without-attachments") == ["701"]
    assert listed("--tag", "Spis") == ["702"]
    assert listed("--party", "novák", "--state", "accepted", "--with-attachments") == ["702"]
    code, _o, err = _dso(["messages", "list", "--tag", "nic"], tmp_path)
    assert code == 2 and "no tag named 'nic'" in err
    code, _o, err = _dso(["messages", "list", "--state", "pending"], tmp_path)
    assert code == 2


def test_an_errors_own_czech_sentence_is_shown_alone() -> None:
    from dso_desktop.cli.main import CliError, localized, user_line

    err = localized(CliError, "no account named {name!r}", name="x")
    assert user_line(err, "cs") == "účet 'x' neexistuje"
    assert user_line(err, "en") == "no account named 'x'" == err.message

    class Specific(CliError):
        message_cs = "Vlastní česká věta třídy."  # type: ignore[assignment]

    class MoreSpecific(Specific):
        pass

    assert user_line(MoreSpecific("english detail"), "cs") == "Vlastní česká věta třídy."


def test_an_exception_inside_a_localized_sentence_is_czech_in_czech() -> None:
    """`localized(..., error=exc)`: the English sentence carries the exception's English
    text, the Czech one its kind and details in Czech (issue 14)."""
    from dso_desktop.cli.main import CliError, localized
    from dso_desktop.store.errors import StoreWriteError

    exc = FileNotFoundError(2, "No such file or directory", "/data/archiv.sqlite3")
    err = localized(CliError, "cannot open the archive: {error}", error=exc)
    assert err.message == "cannot open the archive: [Errno 2] No such file or directory: " \
        "'/data/archiv.sqlite3'"
    assert err.message_cs == "archiv nelze otevřít: Soubor nebo složka neexistuje: " \
        "/data/archiv.sqlite3"
    err = localized(CliError, "cannot open the archive: {error}",
                    error=StoreWriteError("database is locked"))
    assert "database is locked" not in err.message_cs and "archiv nelze otevřít: Zápis" in \
        err.message_cs
