"""The one catalogue of the `dso` command line: English sentences and their Czech translations.

The CLI speaks Czech when the locale is Czech and English otherwise. The language comes from
the environment as POSIX programs read it: ``DSO_LANG`` (``cs``/``en``, to force one), then
``LC_ALL``, ``LC_MESSAGES``, ``LANG`` — the first one set decides, and a value starting with
``cs`` (``cs_CZ.UTF-8``, ``cs``) means Czech. ``C``/``POSIX``/anything else is English.

How a command uses it (see docs/INTERFACES.md, "CLI texts")::

    from dso_desktop.cli.texts import tr

    ctx.emit(data, tr("{n} messages imported", n=count))
    raise CliError(tr("no account named {name!r}", name=args.name))

The English sentence is the key; its Czech translation goes into ``CS`` below (same
``{placeholders}``). A sentence not in ``CS`` is shown in English, so a command written in
English keeps working before it is translated; ``tests/unit/cli/test_cli_texts.py`` fails
for any literal ``tr("...")`` in ``cli/`` that has no Czech entry, or whose placeholders
differ. ``--json`` output is never translated (it is for programs).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

ENV_LANG = "DSO_LANG"
LANGUAGES = ("cs", "en")
_PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")


def language(environ: Mapping[str, str] | None = None) -> str:
    """``cs`` or ``en`` from the environment (``DSO_LANG``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``: the first non-empty one decides, as for every POSIX program)."""
    env = os.environ if environ is None else environ
    forced = (env.get(ENV_LANG) or "").strip().lower()
    if forced in LANGUAGES:
        return forced
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(name) or "").strip()
        if value:
            return "cs" if value.lower().startswith("cs") else "en"
    return "en"


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a sentence fills in (a translation must use the same ones)."""
    return set(_PLACEHOLDER.findall(text))


def tr(text: str, lang: str | None = None, /, **values: object) -> str:
    """``text`` in the user's language, with ``{placeholders}`` filled from ``values``."""
    chosen = lang or language()
    template = CS.get(text, text) if chosen == "cs" else text
    return template.format(**values) if values else template


def yes_no(value: bool, lang: str | None = None) -> str:
    return tr("yes", lang) if value else tr("no", lang)


# English -> Czech. Keep the entries grouped by command module; keys are the exact
# sentences passed to tr().
CS: dict[str, str] = {
    # main.py
    "DSO Desktop command line: data boxes (ISDS), archive, ZFO, simulator.":
        "Příkazová řádka DSO Desktop: datové schránky (ISDS), archiv, ZFO, simulátor.",
    "Global options --data-dir DIR and --json may stand before or after the command.":
        "Globální volby --data-dir SLOŽKA a --json mohou stát před příkazem i za ním.",
    "data folder (default: per-user)": "složka s daty (výchozí: pro každého uživatele)",
    "machine-readable output": "strojově čitelný výstup (JSON)",
    "--data-dir needs a folder": "--data-dir potřebuje složku",
    "error": "chyba",
    "interrupted": "přerušeno",
    "internal error ({type}); details in {path}":
        "vnitřní chyba ({type}); podrobnosti v {path}",
    "internal error ({type}); no log file could be written":
        "vnitřní chyba ({type}); soubor protokolu nešlo zapsat",
    "details: {detail}": "podrobnosti: {detail}",
    "yes": "ano",
    "no": "ne",
    # cmd_store.py: common
    "cannot open the archive: {error}": "archiv nelze otevřít: {error}",
    "no account named {name!r}": "účet {name!r} neexistuje",
    "--password-stdin: no password on standard input":
        "--password-stdin: na standardním vstupu není heslo",
    "--limit must be at least 1": "--limit musí být alespoň 1",
    # cmd_store.py: sync
    "--accept-delivery and --sent-only exclude each other":
        "--accept-delivery a --sent-only se vylučují",
    "no accounts; add one with `dso account add`":
        "žádný účet; přidejte jej příkazem `dso account add`",
    "{error}. Run again with --accept-delivery to accept the messages, or --sent-only to "
    "sync sent messages and states only.":
        "{error}. Spusťte znovu s --accept-delivery (zprávy se tím doručí), nebo se "
        "--sent-only (jen odeslané zprávy a stavy).",
    "{account}: FAILED: {error}": "{account}: SELHALO: {error}",
    "{account}: {new} new, {updated} updated, {failed} failed":
        "{account}: nových {new}, aktualizovaných {updated}, nestažených {failed}",
    " — stopped: {error}": " — zastaveno: {error}",
    # cmd_store.py: messages
    "no messages": "žádné zprávy",
    "received": "přijatá",
    "sent": "odeslaná",
    "message {dm_id} is not in the archive": "zpráva {dm_id} v archivu není",
    "Message {dm_id} ({direction}, account {account})":
        "Zpráva {dm_id} ({direction}, účet {account})",
    "Subject": "Předmět",
    "Sender": "Odesílatel",
    "Recipient": "Adresát",
    "Delivered": "Dodáno",
    "Accepted": "Doručeno",
    "State": "Stav",
    "Verification": "Ověření",
    "not verified": "neověřeno",
    "Our reference number": "Naše číslo jednací",
    "Our file mark": "Naše spisová značka",
    "Sender's reference number": "Číslo jednací odesílatele",
    "Sender's file mark": "Spisová značka odesílatele",
    "Recipient's reference number": "Číslo jednací adresáta",
    "Recipient's file mark": "Spisová značka adresáta",
    "To hands": "K rukám",
    "Attachments": "Přílohy",
    "Events": "Události",
    "--since must be a date YYYY-MM-DD": "--since musí být datum RRRR-MM-DD",
    "--until must be a date YYYY-MM-DD": "--until musí být datum RRRR-MM-DD",
    "--since is after --until": "--since je později než --until",
    "no tag named {name!r}": "štítek {name!r} neexistuje",
    "list messages, newest first": "vypsat zprávy, nejnovější první",
    # filters.py (the GUI filter bar's filters)
    "delivered on or after this day": "dodané v tento den nebo později",
    "delivered on or before this day": "dodané v tento den nebo dříve",
    "part of the sender's or recipient's name or data-box ID":
        "část jména nebo ID datové schránky odesílatele či adresáta",
    "message state: {names} or a number 1-10 (repeatable)":
        "stav zprávy: {names} nebo číslo 1–10 (lze opakovat)",
    "verification result: {names} (repeatable)": "výsledek ověření: {names} (lze opakovat)",
    "only messages with attachments": "jen zprávy s přílohami",
    "only messages without attachments": "jen zprávy bez příloh",
    "only messages with this tag": "jen zprávy s tímto štítkem",
    "only unread messages": "jen nepřečtené zprávy",
    "unknown state {value!r}; use {names} or 1-10":
        "neznámý stav {value!r}; použijte {names} nebo 1–10",
    # cmd_store.py: send, import, check
    "--legal-title is LAW/YEAR/SECTION/PARAGRAPH/POINT":
        "--legal-title má tvar ZÁKON/ROK/PARAGRAF/ODSTAVEC/PÍSMENO",
    "cannot send: {problems}": "nelze odeslat: {problems}",
    "{recipient}: sent as {dm_id}": "{recipient}: odesláno jako {dm_id}",
    " (big message)": " (velkoobjemová zpráva)",
    "{recipient}: OUTCOME UNKNOWN: {error}": "{recipient}: VÝSLEDEK NEZNÁMÝ: {error}",
    "{recipient}: FAILED: {error}": "{recipient}: SELHALO: {error}",
    " — seal {verdict}: {reason}; kept in quarantine, NOT archived as evidence (the message "
    "is still downloaded from ISDS)":
        " — pečeť {verdict}: {reason}; ponecháno v karanténě, NENÍ archivováno jako důkaz "
        "(zpráva se stáhne z ISDS)",
    "{imported} imported, {duplicates} duplicates, {failed} failed":
        "importováno {imported}, duplicitních {duplicates}, selhalo {failed}",
    ", {quarantined} quarantined (not trusted), {conflicts} conflicting copies":
        ", v karanténě {quarantined} (nedůvěryhodné), rozporných kopií {conflicts}",
    "checked {checked} signed messages: {ok} verify; database {state}":
        "zkontrolováno {checked} podepsaných zpráv: ověřeno {ok}; databáze {state}",
    "ok": "v pořádku",
    "DAMAGED": "POŠKOZENA",
    "{n} conflicting copies marked as reviewed (kept)":
        "{n} rozporných kopií označeno jako prohlédnuté (ponechány)",
    "NOT CLEAN: evidence that is not trusted, invalid or in conflict (see above) must be "
    "looked at; once you have looked at the conflicting copies, `dso check --mark-reviewed` "
    "stops them failing the check (they are kept)":
        "NENÍ V POŘÁDKU: nedůvěryhodné, neplatné nebo rozporné důkazy (viz výše) je třeba "
        "prohlédnout; po prohlédnutí rozporných kopií je `dso check --mark-reviewed` přestane "
        "počítat jako chybu (kopie zůstanou)",
    # cmd_trust.py
    "no added trust anchors (only the shipped PostSignum CAs)":
        "žádné přidané kotvy důvěry (jen dodané CA PostSignum)",
    "added {path}: {subject}": "přidáno {path}: {subject}",
    "removed {path}": "odebráno {path}",
    "{path} is not an added trust anchor": "{path} není přidaná kotva důvěry",
    # cmd_outbox.py
    "no sends waiting": "žádná odeslání nečekají",
    "message {id} is not in the outbox": "zpráva {id} ve frontě odesílání není",
}
