"""Issue 14 for the newer commands: each speaks Czech under a Czech locale and English
otherwise, from the one catalogue (cli/texts.py); --json stays the same in both."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dso_desktop.cli.main import run


def _dso(data: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")


def test_watch_and_restamp_speak_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_LANG", "cs")
    assert _dso(tmp_path, "watch") == (0, "Nic není splatné.\n", "")
    assert _dso(tmp_path, "restamp")[1] == "Není co přerazítkovat.\n"
    code, _out, err = _dso(tmp_path, "watch", "--within", "-1")
    assert code == 2 and "--within nesmí být záporné" in err
    code, _out, err = _dso(tmp_path, "restamp", "123")
    assert code == 1 and "zpráva 123 v archivu není" in err

    monkeypatch.setenv("DSO_LANG", "en")
    assert _dso(tmp_path, "watch") == (0, "Nothing is due.\n", "")
    assert _dso(tmp_path, "restamp")[1] == "Nothing to restamp.\n"
    code, _out, err = _dso(tmp_path, "restamp", "123")
    assert code == 1 and "message 123 is not in the archive" in err
    assert _dso(tmp_path, "--json", "watch")[1].strip() == "[]"


def test_notify_config_speaks_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _err = _dso(tmp_path, "notify", "config")
    assert code == 0 and out.startswith("e-mailový přehled: vypnuto\n")
    assert "obsah nových zpráv pro: (žádný účet)" in out
    code, _out, err = _dso(tmp_path, "notify", "config", "--port", "0")
    assert code == 2 and "--port musí být 1–65535" in err
    code, _out, err = _dso(tmp_path, "notify", "config", "--content", "nikdo")
    assert code == 1 and "účet 'nikdo' neexistuje" in err

    monkeypatch.setenv("DSO_LANG", "en")
    code, out, _err = _dso(tmp_path, "notify", "config")
    assert code == 0 and out.startswith("e-mail digest: off\n")
    assert "content of new messages for: (no account)" in out
    code, _out, err = _dso(tmp_path, "notify", "config", "--port", "0")
    assert code == 2 and "--port must be 1-65535" in err


def test_account_commands_speak_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add = ("account", "add", "urad", "--login", "password", "--username", "u1",
           "--environment", "test", "--no-verify")
    monkeypatch.setenv("DSO_LANG", "cs")
    assert _dso(tmp_path, "account", "list")[1] == "žádné účty\n"
    code, out, err = _dso(tmp_path, *add)
    assert code == 0, err
    assert out == "účet urad přidán (test, password; přihlášení nevyzkoušeno)\n"
    code, out, _err = _dso(tmp_path, "account", "list")
    assert out.endswith("\tschránka=?\tposlední synchronizace=nikdy\n")
    code, _out, err = _dso(tmp_path, "account", "edit", "urad")
    assert code == 2 and "není co měnit" in err

    monkeypatch.setenv("DSO_LANG", "en")
    code, out, _err = _dso(tmp_path, "account", "list")
    assert out.endswith("\tbox=?\tlast sync=never\n")
    code, out, _err = _dso(tmp_path, "account", "remove", "urad")
    assert out == "account urad removed; its 0 messages stay in the archive\n"


def test_import_datovka_speaks_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / ".dsgui"
    folder.mkdir()
    (folder / "dsgui.conf").write_text("[credentials]\nname=Obec\nusername=abc123\n",
                                       encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, err = _dso(data, "import-datovka", str(folder), "--no-accounts")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Obec (abc123) -> bez účtu: databázových souborů 0, zpráv 0, "
                               "doručenek 0")
    assert lines[-1] == ("nalezeno 0: importováno 0, připojeno doručenek 0, duplicitních 0, "
                         "rozporných kopií 0, odmítnuto 0")

    monkeypatch.setenv("DSO_LANG", "en")
    code, out, err = _dso(data, "import-datovka", str(folder), "--no-accounts")
    assert code == 0, err
    assert out.splitlines()[-1] == ("found 0: 0 imported, 0 delivery infos attached, "
                                    "0 duplicates, 0 conflicting copies, 0 refused")


def test_records_commands_speak_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    purge = ("records", "purge", "--confirmed-before", "2026-01-01", "--dry-run")
    monkeypatch.setenv("DSO_LANG", "cs")
    assert _dso(tmp_path, "records", "batches")[1] == "(žádné dávky)\n"
    assert _dso(tmp_path, "records", "log")[1] == "(nic neodstraněno)\n"
    assert _dso(tmp_path, *purge)[1] == "odstranilo by se zpráv: 0; ponecháno: 0\n"
    code, _out, err = _dso(tmp_path, "records", "export", "--out", str(tmp_path / "b.zip"),
                           "--from", "1.1.2026")
    assert code == 2 and "--from: není datum RRRR-MM-DD: '1.1.2026'" in err
    code, _out, err = _dso(tmp_path, "records", "state", "123")
    assert code == 1 and "zpráva 123 v archivu není" in err

    monkeypatch.setenv("DSO_LANG", "en")
    assert _dso(tmp_path, "records", "batches")[1] == "(no batches)\n"
    assert _dso(tmp_path, *purge)[1] == "would remove 0 messages; kept 0\n"
    assert '"dry_run": true' in _dso(tmp_path, "--json", *purge)[1]


def test_paper_report_speaks_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "overview.csv"
    report = ("report", "correspondence", "--to", "2026-03-31", "--format", "csv",
              "--out", str(out))
    monkeypatch.setenv("DSO_LANG", "cs")
    code, stdout, err = _dso(tmp_path, *report, "--from", "2026-03-01")
    assert code == 0, err
    assert stdout == f"{out}: zpráv 0 (přijatých 0, odeslaných 0)\n"
    code, _o, err = _dso(tmp_path, *report, "--from", "1.13.2026")
    assert code == 2 and "'1.13.2026' není datum (RRRR-MM-DD nebo D.M.RRRR)" in err
    code, _o, err = _dso(tmp_path, *report, "--from", "2026-04-01")
    assert code == 2 and "--to 2026-03-31 je dříve než --from 2026-04-01" in err

    monkeypatch.setenv("DSO_LANG", "en")
    code, stdout, err = _dso(tmp_path, *report, "--from", "2026-03-01")
    assert stdout == f"{out}: 0 messages (0 received, 0 sent)\n"


def test_sim_usage_errors_speak_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    confirm = ("sim", "records-confirm", str(tmp_path / "b.zip"), "--out",
               str(tmp_path / "c.xml"), "--refuse", "bad")
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _o, err = _dso(tmp_path, *confirm)
    assert code == 2 and "--refuse potřebuje IDENTITA=DŮVOD, ne 'bad'" in err
    code, _o, err = _dso(tmp_path, "sim", "records-serve", "--port", "70000")
    assert code == 2 and "--port musí být 0–65535" in err
    monkeypatch.setenv("DSO_LANG", "en")
    code, _o, err = _dso(tmp_path, *confirm)
    assert code == 2 and "--refuse needs IDENTITY=REASON, not 'bad'" in err


def test_backup_speaks_the_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("DSO_LANG", "cs")
    assert _dso(data, "backup", "list")[1] == "žádné známé zálohy\n"
    code, _o, err = _dso(data, "backup", "create", "--out", str(tmp_path / "b1"),
                         "--with-secrets")
    assert code == 2 and "tajné údaje se zapisují jen šifrovaně" in err
    code, out, err = _dso(data, "backup", "create", "--out", str(tmp_path / "b1"))
    assert code == 0, err
    assert out.splitlines()[1] == "  NEŠIFROVÁNO; zpráv 0, účtů 0"

    monkeypatch.setenv("DSO_LANG", "en")
    code, out, err = _dso(data, "backup", "verify", str(tmp_path / "b1"))
    assert code == 0, err
    assert out.splitlines()[1] == "  NOT encrypted; 0 messages, 0 accounts"


def test_store_commands_speak_the_locale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DSO_STORE_URL", raising=False)
    monkeypatch.setenv("DSO_LANG", "cs")
    code, out, _err = _dso(tmp_path, "store", "use", "--local")
    assert code == 0 and out.startswith("používá se místní archiv ")
    code, _o, err = _dso(tmp_path, "store", "use")
    assert code == 2 and "store use potřebuje URL" in err
    code, _o, err = _dso(tmp_path, "store", "init-roles", "--apply")
    assert code == 2 and "zadejte --database NÁZEV" in err
    assert _dso(tmp_path, "store", "show")[1].endswith("  (výchozí)\n")

    monkeypatch.setenv("DSO_LANG", "en")
    code, _o, err = _dso(tmp_path, "store", "use")
    assert code == 2 and "store use needs a URL" in err
    assert _dso(tmp_path, "store", "show")[1].endswith("  (default)\n")
    assert '"source": "default"' in _dso(tmp_path, "--json", "store", "show")[1]


def test_localized_takes_any_placeholder_name() -> None:
    from dso_desktop.cli.main import UsageError, localized

    err = localized(UsageError, "{value!r} is not a date (YYYY-MM-DD or D.M.YYYY)", value="x")
    assert err.message == "'x' is not a date (YYYY-MM-DD or D.M.YYYY)"
    # The catalogue function's own parameter names are positional-only: no clash.
    assert localized(UsageError, "{text}", text="t").message == "t"
