"""Issue 14: "error details with no English lines". The CLI's failure paths run against the
simulator under a Czech locale (wrong, expired and blocked password, unreachable server,
busy sync, bad ZFO, missing file, archive errors): every line the user reads is Czech,
built from the error's kind and its structured details; the English text stays in
``--json`` (and the logs), and an English locale keeps the English lines."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dso_desktop.cli.main import run

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

# Words of our English error sentences that no Czech sentence uses. A Czech line that
# contains one of them (outside paths, URLs, options and quoted names) leaks English.
_WORDS = """
    the is are was were not cannot could no such file directory failed error errors
    refused expired wrong password account accounts already being synced synchronized
    unreachable connection timed invalid missing denied permission found exists exist
    this that with from there does do has have been readable reached answer answered
    locked blocked while after before login logged credentials user name message
    messages archive database server certificate code status operation request
    """
ENGLISH_WORDS = frozenset(_WORDS.split())
# Paths, options, quoted names, commands, URLs and dotted codes
# (authentication.error.userIsNotAuthenticated is ISDS's code, not a sentence).
_NOT_WORDS = re.compile(
    r"""(\S*[/\\]\S*|--[\w-]+|'[^']*'|"[^"]*"|`[^`]*`|\w+://\S+|\w+(?:\.\w+)+)""")


def english_words(line: str) -> set[str]:
    """The English words of ``line`` (paths, URLs, options and quoted names left out)."""
    words = re.findall(r"[^\W\d_]+", _NOT_WORDS.sub(" ", line))
    return {w for w in words if w.lower() in ENGLISH_WORDS}


def english_free(text: str) -> bool:
    """No English word at all: what an English locale must NOT give (it stays English)."""
    return not any(english_words(line) for line in text.splitlines())


def test_the_heuristic_sees_english_and_passes_czech() -> None:
    assert english_words("dso: chyba: cannot store secret in the OS keyring")
    assert english_words("podrobnosti: [Errno 2] No such file or directory")
    assert not english_words("dso: chyba: Soubor neexistuje: /tmp/x/no/such/file.zfo")
    assert not english_words("účet 'the account' neexistuje; viz `dso account add --help`")
    assert not english_words("Uživatelské jméno (kód ISDS authentication.error.userIsNot)")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    with Simulator(seed=23, messages=2) as s:
        yield s


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    for name in ("LC_ALL", "LC_MESSAGES", "DSO_LANG"):
        monkeypatch.delenv(name, raising=False)


def dso(data: Path, *argv: str, stdin: list[str] | None = None,
        mp: pytest.MonkeyPatch, lang: str = "cs_CZ.UTF-8") -> tuple[int, str, str]:
    mp.setenv("LANG", lang)
    mp.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in stdin or [])))
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def fresh(sim: Any, suffix: str) -> Any:
    base = sim.world.users[sim.account("password").username]
    user = dataclasses.replace(base, username=base.username[:4] + suffix,
                               password="Heslo-spravne-1", failed_logins=[])
    sim.world.users[user.username] = user
    return user


def add_args(sim: Any, user: Any, name: str = "urad") -> list[str]:
    return ["account", "add", name, "--login", "password", "--username", user.username,
            "--environment", sim.url, "--ca-file", sim.info.ca_file, "--password-stdin"]


def czech_failure(data: Path, mp: pytest.MonkeyPatch, *argv: str,
                  stdin: list[str] | None = None, expect: str) -> str:
    """Run a failing command in Czech: exit 1, ``expect`` in its lines, no English word;
    then in English: the same failure in English."""
    code, out, err = dso(data, *argv, stdin=stdin, mp=mp)
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert code == 1, (argv, out, err)
    assert expect in out + err, (expect, out, err)
    leaked = {line: english_words(line) for line in lines if english_words(line)}
    assert not leaked, leaked
    code_en, out_en, err_en = dso(data, *argv, stdin=stdin, mp=mp, lang="en_US.UTF-8")
    assert code_en == 1 and not english_free(out_en + err_en), (out_en, err_en)
    return err


def test_login_failures_are_czech(tmp_path: Path, sim: Any,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    user = fresh(sim, "w1")
    czech_failure(data, monkeypatch, *add_args(sim, user), stdin=["spatne-heslo"],
                  expect="Uživatelské jméno nebo heslo není správné.")
    user.failed_logins = []

    # expired: recognised as expired, with the way out (never "wrong password")
    expired = fresh(sim, "x1")
    sim.expire_password(expired.username)
    code, out, err = dso(data, *add_args(sim, expired), stdin=[expired.password],
                         mp=monkeypatch)
    assert code == 1 and "heslo vypršelo" in out + err, (out, err)  # added; act now
    assert not any(english_words(line) for line in (out + err).splitlines())
    err = czech_failure(data, monkeypatch, "sync", "urad", "--accept-delivery",
                        expect="Platnost hesla vypršela")
    assert "heslo není správné" not in err

    # blocked after too many attempts
    locked = fresh(sim, "l1")
    locked.locked_until = sim.clock.now() + timedelta(minutes=60)
    czech_failure(data, monkeypatch, *add_args(sim, locked, "zamceny"),
                  stdin=[locked.password], expect="přihlášení na chvíli zablokováno")


def test_busy_sync_and_archive_errors_are_czech(tmp_path: Path, sim: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.paths import AppPaths
    from dso_desktop.store.db import Database
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.sync.lock import AccountLock

    data = tmp_path / "data"
    user = fresh(sim, "b1")
    assert dso(data, *add_args(sim, user), stdin=[user.password], mp=monkeypatch)[0] == 0
    # the same name again: the archive refuses, nothing is overwritten
    czech_failure(data, monkeypatch, *add_args(sim, user), stdin=[user.password],
                  expect="urad")
    db = Database.open(AppPaths.default(data).database)
    with db.read() as s:
        account_id = AccountRepo(s).get("urad").id
    db.close()
    # another program (the GUI) is syncing the account
    with AccountLock(AppPaths.default(data).data / "locks", account_id):
        czech_failure(data, monkeypatch, "sync", "urad", "--accept-delivery",
                      expect="Tento účet se už synchronizuje.")
    czech_failure(data, monkeypatch, "account", "remove", "nikdo", expect="nikdo")
    missing = tmp_path / "priloha.pdf"
    czech_failure(data, monkeypatch, "send", "--account", "urad", "--to", "abc1234",
                  "--subject", "Věc", "--attach", str(missing), expect="priloha.pdf")
    czech_failure(data, monkeypatch, "message", "show", "999", expect="v archivu není")


def test_network_failures_are_czech(tmp_path: Path, sim: Any,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.isds.client import IsdsClient
    from dso_desktop.isds.retry import RetryPolicy

    # one attempt: the client's back-off is not what this test is about
    monkeypatch.setattr(IsdsClient, "retry_policy", property(lambda _s: RetryPolicy(1)))
    data = tmp_path / "data"
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    user = fresh(sim, "n1")
    argv = add_args(sim, user)
    argv[argv.index(sim.url)] = f"https://127.0.0.1:{port}"
    czech_failure(data, monkeypatch, *argv, stdin=[user.password],
                  expect="není dostupný")


def test_file_and_zfo_failures_are_czech(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    data = tmp_path / "data"
    missing = tmp_path / "nic.zfo"
    bad = tmp_path / "spatny.zfo"
    bad.write_bytes(b"to neni ZFO")
    czech_failure(data, monkeypatch, "zfo", "show", str(missing), expect=str(missing))
    czech_failure(data, monkeypatch, "zfo", "show", str(bad),
                  expect="není podepsaná datová zpráva")
    czech_failure(data, monkeypatch, "import", str(missing), expect=str(missing))
    czech_failure(data, monkeypatch, "import", str(bad), expect="spatny.zfo")


def test_json_keeps_the_english_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    missing = tmp_path / "nic.zfo"
    code, out, _err = dso(tmp_path / "data", "--json", "zfo", "show", str(missing),
                          mp=monkeypatch)
    assert code == 1
    obj = json.loads(out.strip().splitlines()[-1])
    assert "No such file" in obj["error"] or "not exist" in obj["error"]


def test_log_lines_go_to_the_log_file_not_between_the_users_lines(tmp_path: Path) -> None:
    """A real `dso` process without a keyring: the user reads one Czech line; the English
    warnings of the services ("could not remove a secret ...") go to logs/dso-cli.log."""
    import os
    import subprocess
    import sys

    from dso_desktop.paths import AppPaths

    src = Path(__file__).resolve().parents[2] / "src"
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "DSO_LANG")}
    env.update(LANG="cs_CZ.UTF-8", DSO_OFFLINE="1",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               PYTHONPATH=os.pathsep.join([str(src), env.get("PYTHONPATH", "")]))
    data = tmp_path / "data"
    run_ = subprocess.run(
        [sys.executable, "-m", "dso_desktop.cli.main", "--data-dir", str(data), "account",
         "add", "urad", "--login", "password", "--username", "u1", "--environment", "test",
         "--no-verify", "--password-stdin"],
        input="heslo\n", capture_output=True, text=True, env=env, timeout=120, check=False)
    assert run_.returncode == 1
    assert run_.stderr == "dso: chyba: Úložiště hesel systému (keyring) není dostupné.\n"
    log = (AppPaths.default(data).logs / "dso-cli.log").read_text(encoding="utf-8")
    assert "WARNING dso_desktop.services.accounts: could not remove a secret" in log
    assert "heslo" not in log  # the password never reaches the log
