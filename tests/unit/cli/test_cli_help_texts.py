"""Issue 14: `dso ... --help` of EVERY command and subcommand speaks Czech under a Czech
locale and English otherwise, argparse's own texts ("usage:", "options", parse errors)
included, all from the one catalogue (cli/texts.py)."""

from __future__ import annotations

import argparse
import ast
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dso_desktop.cli import texts
from dso_desktop.cli.main import build_parser, run


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("dso",)
             ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser under ``parser``, nested subcommands included, each once."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    yield from _parsers(sub, (*path, name))


def _own_texts(parser: argparse.ArgumentParser) -> list[str]:
    """The texts a parser prints that a command module wrote (not argparse's)."""
    found = [t for t in (parser.description, parser.epilog) if t]
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            found.append(action.help)
        if isinstance(action, argparse._SubParsersAction):
            found += [a.help for a in action._choices_actions if a.help]
    return found


def _flat(text: str) -> str:
    """Whitespace-insensitive (argparse wraps lines, also after a hyphen)."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def _helps(monkeypatch: pytest.MonkeyPatch, lang: str
           ) -> dict[tuple[str, ...], tuple[argparse.ArgumentParser, str]]:
    monkeypatch.setenv("DSO_LANG", lang)
    with texts.argparse_texts():
        parser = build_parser()
        return {path: (p, _flat(p.format_help())) for path, p in _parsers(parser)}


@pytest.fixture
def both(monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    return _helps(monkeypatch, "en"), _helps(monkeypatch, "cs")


def test_the_walk_sees_every_nested_subcommand(both: tuple[dict, dict]) -> None:
    en, cs = both
    assert en.keys() == cs.keys()
    for nested in [("dso", "account", "password"), ("dso", "account", "edit"),
                   ("dso", "store", "migrate"), ("dso", "backup", "create"),
                   ("dso", "records", "rest", "upload"), ("dso", "message", "pdf"),
                   ("dso", "update", "config"), ("dso", "sim", "serve")]:
        assert nested in en, nested
    assert len(en) > 60


def test_every_help_is_czech_under_a_czech_locale(both: tuple[dict, dict]) -> None:
    en, cs = both
    english_left: list[str] = []
    for path, (parser, _help) in en.items():
        shown = cs[path][1]
        # argparse's own frame
        assert shown.startswith("použití: "), path
        for word in ("usage:", "positional arguments", "options:", "optional arguments",
                     "show this help message and exit", "show program's version"):
            assert word not in shown, (path, word)
        # every text the command module wrote, as the English build has it
        for text in _own_texts(parser):
            czech = texts.CS.get(text)
            if _flat(text) in shown and not (czech and _flat(czech) in shown):
                english_left.append(f"{' '.join(path)}: {text!r}")
    assert not english_left, "add Czech to cli/texts.py CS:\n" + "\n".join(english_left)


def test_english_locale_stays_english(both: tuple[dict, dict]) -> None:
    en, _cs = both
    czech = {_flat(v) for v in texts.CS.values() if len(v) >= 20} | {
        _flat(v) for v in texts.ARGPARSE_CS.values() if len(v) >= 12}
    for path, (parser, shown) in en.items():
        assert shown.startswith("usage: "), path
        assert "použití" not in shown and "volby:" not in shown, path
        for text in _own_texts(parser):
            assert _flat(text) in shown, (path, text)  # its own English text, untouched
        leaked = [c for c in czech if c in shown]
        assert not leaked, (path, leaked)


def test_parser_texts_keep_their_argparse_placeholders() -> None:
    pattern = re.compile(r"%\(\w+\)[sdr]|%[sdr]")
    for table in (texts.CS, texts.ARGPARSE_CS):
        for en, cs in table.items():
            assert sorted(pattern.findall(en)) == sorted(pattern.findall(cs)), en


def test_every_argparse_sentence_has_czech() -> None:
    """A new Python may add sentences to argparse: this fails until they are translated."""
    tree = ast.parse(Path(argparse.__file__).read_text(encoding="utf-8"))
    ids: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("_", "ngettext"):
            ids |= {a.value for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    assert len(ids) > 25
    missing = sorted(ids - texts.ARGPARSE_CS.keys())
    assert not missing, missing
    assert "show program's version number and exit" in texts.ARGPARSE_CS  # a default arg


def _dso(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = run(list(args), out=out, err=err)
    except SystemExit as exc:  # argparse printing help exits inside parse_args
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("args", "cs", "en"), [
    (["account", "add"], "tyto argumenty jsou povinné: name, --login, --username",
     "the following arguments are required: name, --login, --username"),
    (["zfo", "nix"], "neplatná volba: 'nix'", "invalid choice: 'nix'"),
    (["sync", "--bogus"], "neznámé argumenty: --bogus", "unrecognized arguments: --bogus"),
    (["sim", "serve", "--port", "x"], "neplatná hodnota typu int: 'x'",
     "invalid int value: 'x'"),
    (["backup", "create", "--out"], "očekává se jeden argument", "expected one argument"),
    (["--store"], "--store potřebuje URL databáze", "--store needs a database URL"),
])
def test_parse_errors_follow_the_locale(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: list[str], cs: str, en: str) -> None:
    monkeypatch.setenv("DSO_LANG", "cs")
    code, _out, err = _dso(*args)
    assert code == 2 and cs in err and en not in err
    monkeypatch.setenv("DSO_LANG", "en")
    code, _out, err = _dso(*args)
    assert code == 2 and en in err


def test_help_is_printed_in_the_locale_and_argparse_is_left_as_it_was(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = argparse.__dict__["_"]
    monkeypatch.setenv("LANG", "cs_CZ.UTF-8")
    for name in ("DSO_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert _dso("account", "password", "--help")[0] == 0
    shown = capsys.readouterr().out
    assert shown.startswith("použití: dso account password")
    assert "přečíst nové heslo ze standardního vstupu" in shown
    assert "zobrazit tuto nápovědu a skončit" in shown
    # outside `dso` argparse speaks as before (pytest's own options, a host program)
    assert argparse.__dict__["_"] is before
    assert argparse.ArgumentParser(prog="x").format_usage().startswith("usage: x")
