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

import argparse
import gettext
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

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


def help_text(text: str, lang: str | None = None) -> str:
    """A parser text (description, option help, section title) in the user's language.

    Unlike `tr` nothing is filled in: argparse fills its own ``%(default)s`` later. Texts
    come from ``CS`` (ours) or ``ARGPARSE_CS`` (argparse's own, such as the ``-h`` help)."""
    if (lang or language()) != "cs":
        return text
    return CS.get(text) or ARGPARSE_CS.get(text) or text


def argparse_gettext(message: str) -> str:
    """Stands in for argparse's ``_``: Czech from ``ARGPARSE_CS`` under a Czech locale, else
    what gettext gives (English unless the system installed another argparse catalogue)."""
    if language() == "cs":
        return ARGPARSE_CS.get(message, message)
    return gettext.gettext(message)


def argparse_ngettext(singular: str, plural: str, n: int) -> str:
    """Stands in for argparse's ``ngettext`` (the Czech sentences avoid plural forms)."""
    if language() == "cs":
        chosen = singular if n == 1 else plural
        return ARGPARSE_CS.get(chosen, chosen)
    return gettext.ngettext(singular, plural, n)


@contextmanager
def argparse_texts() -> Iterator[None]:
    """argparse's own sentences ("usage:", "options", "the following arguments are
    required: ...") in the user's language while the block runs.

    argparse looks its sentences up through the module-level names ``_`` and ``ngettext``
    (``from gettext import gettext as _``) at the moment it needs them, so rebinding those
    two names is the one place that catches every sentence, including parse errors built
    deep inside ``parse_args``. The system's gettext domain is left alone (no global
    ``textdomain``/``.mo`` install that would change other programs' libraries), and the
    old names are put back on exit, so argparse outside `dso` (pytest's own options, a
    host program) is untouched. The CLI wraps `cli.main.run` in it."""
    saved = argparse.__dict__["_"], argparse.__dict__["ngettext"]
    argparse.__dict__["_"], argparse.__dict__["ngettext"] = argparse_gettext, argparse_ngettext
    try:
        yield
    finally:
        argparse.__dict__["_"], argparse.__dict__["ngettext"] = saved


# English -> Czech. Keep the entries grouped by command module; keys are the exact
# sentences passed to tr().
CS: dict[str, str] = {
    # main.py
    "DSO Desktop command line: data boxes (ISDS), archive, ZFO, simulator.":
        "Příkazová řádka DSO Desktop: datové schránky (ISDS), archiv, ZFO, simulátor.",
    "Global options --data-dir DIR, --store URL and --json may stand before or after the "
    "command.":
        "Globální volby --data-dir SLOŽKA, --store URL a --json mohou stát před příkazem i "
        "za ním.",
    "archive database, e.g. postgresql://clerk@server/dso (default: $DSO_STORE_URL, the "
    "saved setting, else the local SQLite file)":
        "databáze archivu, např. postgresql://referent@server/dso (výchozí: $DSO_STORE_URL, "
        "uložené nastavení, jinak místní soubor SQLite)",
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
    "owner info: ": "údaje o vlastníkovi schránky: ",
    "delivery info: ": "doručenka: ",
    "{account}: {new} new, {updated} updated, {failed} failed":
        "{account}: nových {new}, aktualizovaných {updated}, nestažených {failed}",
    " — stopped: {error}": " — zastaveno: {error}",
    "warning: notification e-mail not sent: {error}":
        "upozornění: e-mail s přehledem nebyl odeslán: {error}",
    # cmd_store.py: import (statuses of one file)
    "imported": "importováno",
    "replaced": "nahrazeno",
    "duplicate": "duplicitní",
    "conflict": "rozporná kopie",
    "quarantined": "v karanténě",
    "invalid": "neplatné",
    "a different copy of this message is already the evidence; kept beside it":
        "důkazem je už jiná kopie této zprávy; tato je uložena vedle ní",
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
    "signed message": "podepsaná zpráva",
    "unverified": "neověřeno",
    "{n} stored verdicts changed by verifying again, stored (each in its message's "
    "history):":
        "uložené výsledky ověření, které nové ověření změnilo: {n}; uloženy (každá změna "
        "v historii zprávy):",
    "{n} stored verdicts differ from today's verification; `dso check --refresh-verdicts` "
    "stores them:":
        "uložené výsledky ověření, které se liší od dnešního ověření: {n}; "
        "`dso check --refresh-verdicts` uloží nové:",
    "{n} verdicts changed by someone else meanwhile, left as they are":
        "výsledky ověření, které mezitím změnil někdo jiný (ponechány beze změny): {n}",
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
    "trust needs an action: list, add or remove": "trust potřebuje akci: list, add nebo remove",
    "anchor": "kotva",
    "intermediate": "mezilehlá",
    "not among the added anchors: {files}": "není mezi přidanými kotvami: {files}",
    "removed": "odebráno",
    # cmd_outbox.py
    "attachments: {files}": "přílohy: {files}",
    "refusing to send: an earlier send of the same message may have reached ISDS and could "
    "not be confirmed either way:":
        "odeslání odmítnuto: dřívější odeslání téže zprávy mohlo ISDS dostat a nepodařilo se "
        "potvrdit, zda ano, či ne:",
    "Check the account's sent messages: `dso outbox reconcile ACCOUNT`; if it was not sent, "
    "`dso outbox retry ID --force` sends it again (it may then arrive twice), "
    "`dso outbox discard ID` closes the record.":
        "Zkontrolujte odeslané zprávy účtu: `dso outbox reconcile ÚČET`; pokud odeslána "
        "nebyla, `dso outbox retry ID --force` ji odešle znovu (může pak dorazit dvakrát), "
        "`dso outbox discard ID` záznam uzavře.",
    "warning: outcome of an earlier send unknown:":
        "upozornění: výsledek dřívějšího odeslání není znám:",
    "no unsettled sends": "žádná nevyřešená odeslání",
    "the outbox is empty": "fronta odesílání je prázdná",
    "{error}; try again when that send has finished":
        "{error}; zkuste to znovu, až toto odesílání skončí",
    "nothing to reconcile": "není co dohledávat",
    "was {state}: {note}": "bylo {state}: {note}",
    "discarded:": "uzavřeno:",
    # cmd_zfo.py
    "zfo needs an action: show, verify or extract":
        "zfo potřebuje akci: show, verify nebo extract",
    "--expiry-days must not be negative": "--expiry-days nesmí být záporné",
    "cannot read trust certificates: {error}": "certifikáty důvěry nelze přečíst: {error}",
    "received message": "přijatá zpráva",
    "sent message": "odeslaná zpráva",
    "delivery info": "doručenka",
    "File": "Soubor",
    "Kind": "Druh",
    "Message ID": "ID zprávy",
    "Sealed": "Zapečetěno",
    "(not saved: a big-message attachment kept outside the file: {name})":
        "(neuloženo: příloha velkoobjemové zprávy je mimo soubor: {name})",
    "(no attachments)": "(žádné přílohy)",
    # cmd_update.py
    "update needs an action: check, apply, status, config or self-check":
        "update potřebuje akci: check, apply, status, config nebo self-check",
    "the app's proxy setting is unreadable ({type}); using the system's proxy":
        "nastavení proxy aplikace nelze přečíst ({type}); použije se proxy systému",
    "update": "aktualizace",
    "This install is managed by the IT department: updates come from IT.":
        "Tuto instalaci spravuje IT oddělení; nové verze instaluje správce.",
    "DSO Desktop {version} is up to date.": "DSO Desktop {version} je aktuální.",
    "Installed: {version}": "Nainstalováno: {version}",
    "Available: {version} ({size}, {reason})": "K dispozici: {version} ({size}, {reason})",
    "downloading: {pct} %": "stahování: {pct} %",
    "Version {version} is staged; it is used from the next start.":
        "Verze {version} je připravena; použije se při příštím spuštění.",
    "DSO Desktop {version}: this copy does not update itself (not started through the "
    "launcher).":
        "DSO Desktop {version}: tato kopie se neaktualizuje sama (není spuštěna spouštěčem).",
    "Installed": "Nainstalováno",
    "Managed by IT": "Spravuje IT",
    "Launcher log": "Záznam spouštěče",
    "Previous": "Předchozí",
    "Staged": "Připraveno",
    "On trial": "Zkušební provoz",
    "{version} ({n} abnormal ends)": "{version} (chybných spuštění: {n})",
    "Rolled back, not installed again": "Vráceno, znovu se neinstaluje",
    "Last rollback {at}: {version} -> {to}": "Poslední návrat {at}: {version} -> {to}",
    "not an installed copy: give --install-root DIR":
        "není to nainstalovaná kopie: zadejte --install-root SLOŽKA",
    "rollback refused: {error}": "návrat odmítnut: {error}",
    "rollback failed: {error}": "návrat selhal: {error}",
    "Back at version {current}; version {version} will not be installed again.":
        "Vráceno na verzi {current}; verze {version} se znovu nenainstaluje.",
    "--channel is a per-user setting (without --policy)":
        "--channel je nastavení uživatele (bez --policy)",
    "--enable and --disable together": "--enable a --disable současně",
    "--proxy, --ca-file and --managed are the administrator's policy: add --policy (the "
    "app's own proxy is set in its settings)":
        "--proxy, --ca-file a --managed jsou zásady správce: přidejte --policy (proxy "
        "aplikace se nastavuje v jejím nastavení)",
    "cannot write {file}: {error} (run as the administrator)":
        "nelze zapsat {file}: {error} (spusťte jako správce)",
    "self-check failed": "samokontrola selhala",
    # cmd_sim.py
    "--evidence-days must not be negative": "--evidence-days nesmí být záporné",
    "dso sim: choose a subcommand (serve, records-serve, records-confirm)":
        "dso sim: zvolte podpříkaz (serve, records-serve, records-confirm)",
    "--host must be a loopback address, not {host!r}":
        "--host musí být adresa zpětné smyčky, ne {host!r}",
    "--port must be 0-65535 and --messages not negative":
        "--port musí být 0–65535 a --messages nezáporné",
    # cmd_watch.py
    "--within must not be negative": "--within nesmí být záporné",
    "--expiring-within must not be negative": "--expiring-within nesmí být záporné",
    "Nothing is due.": "Nic není splatné.",
    "({shown} of {total} items due; without --limit: all of them)":
        "({shown} z {total} položek k řešení; bez --limit všechny)",
    "due         kind              account      dm_id      remedy           what":
        "termín      druh              účet         id zprávy  náprava          co",
    "Nothing to restamp.": "Není co přerazítkovat.",
    "{dm_id}: re-sealed by ISDS, version {version}, verifiable until {until}":
        "{dm_id}: znovu zapečetěno ISDS, verze {version}, ověřitelné do {until}",
    "{dm_id}: archive timestamp, version {version}, verifiable until {until}":
        "{dm_id}: archivní časové razítko, verze {version}, ověřitelné do {until}",
    "{dm_id}: FAILED: {error}": "{dm_id}: SELHALO: {error}",
    "{dm_id}: authentic (ISDS issued exactly this file); checked {at} UTC":
        "{dm_id}: pravá (ISDS vydal přesně tento soubor); ověřeno {at} UTC",
    "{dm_id}: NOT authentic: ISDS did not issue this file; checked {at} UTC":
        "{dm_id}: NENÍ pravá: ISDS tento soubor nevydal; ověřeno {at} UTC",
    # cmd_notify.py
    "notify needs an action: config or test\n{usage}":
        "notify potřebuje akci: config nebo test\n{usage}",
    "e-mail digest: {state}": "e-mailový přehled: {state}",
    "on": "zapnuto",
    "off": "vypnuto",
    "to: {to}  from: {sender}": "komu: {to}  od: {sender}",
    "(same as login/recipient)": "(stejné jako přihlášení/adresát)",
    "server: {host}:{port} ({security})": "server: {host}:{port} ({security})",
    ", CA {file}": ", CA {file}",
    "login: {user}": "přihlášení: {user}",
    "(none)": "(žádné)",
    ", password saved in the keyring": ", heslo uloženo v klíčence systému",
    ", password NOT saved": ", heslo NENÍ uloženo",
    ", the OS keyring cannot be read": ", klíčenku systému nelze přečíst",
    "content of new messages for: {accounts}": "obsah nových zpráv pro: {accounts}",
    "(no account)": "(žádný účet)",
    "--password-stdin and --forget-password exclude each other":
        "--password-stdin a --forget-password se vylučují",
    "--port must be 1-65535": "--port musí být 1–65535",
    "test mail sent to {to}": "zkušební e-mail odeslán na {to}",
    # cmd_account.py
    "{option}: nothing on standard input": "{option}: na standardním vstupu nic není",
    "one-time code (SMS or authenticator): ": "jednorázový kód (SMS nebo autentizátor): ",
    "approve the login in the Mobile key app on your phone":
        "potvrďte přihlášení v aplikaci Mobilní klíč v telefonu",
    "--cert-password-stdin needs --cert": "--cert-password-stdin potřebuje --cert",
    "account {name} added, but ISDS says its password has expired; change it: dso account "
    "password {name} --new-password-stdin":
        "účet {name} přidán, ale ISDS hlásí, že jeho heslo vypršelo; změňte je: `dso account "
        "password {name} --new-password-stdin`",
    "login not tested": "přihlášení nevyzkoušeno",
    "logged in: {owner} ({box})": "přihlášeno: {owner} ({box})",
    "; password saved in the keyring": "; heslo uloženo v klíčence systému",
    "account {name} added ({environment}, {login}; {checked}{saved})":
        "účet {name} přidán ({environment}, {login}; {checked}{saved})",
    "no accounts": "žádné účty",
    "box={box}\tlast sync={at}": "schránka={box}\tposlední synchronizace={at}",
    "never": "nikdy",
    "account {name} removed; its {kept} messages stay in the archive":
        "účet {name} odebrán; jeho zprávy ({kept}) zůstávají v archivu",
    "--forget-password and --password-stdin exclude each other":
        "--forget-password a --password-stdin se vylučují",
    "nothing to change; see `dso account edit --help`":
        "není co měnit; viz `dso account edit --help`",
    "account {name} changed": "účet {name} změněn",
    "; received messages will be confirmed again at the next sync":
        "; přijaté zprávy se při příští synchronizaci znovu potvrdí",
    "password of account {name} changed in ISDS": "heslo účtu {name} v ISDS změněno",
    "; the keyring holds the new one": "; klíčenka systému má nové heslo",
    # cmd_datovka.py
    "{name} ({username}) -> {account}: {files} database files, {messages} messages, "
    "{infos} delivery infos":
        "{name} ({username}) -> {account}: databázových souborů {files}, zpráv {messages}, "
        "doručenek {infos}",
    "no account": "bez účtu",
    "unreadable database {file}": "nečitelná databáze {file}",
    "refused {path} ({status}): {reason}": "odmítnuto {path} ({status}): {reason}",
    "found {found}: {imported} imported, {infos} delivery infos attached, {duplicates} "
    "duplicates, {conflicts} conflicting copies, {refused} refused":
        "nalezeno {found}: importováno {imported}, připojeno doručenek {infos}, duplicitních "
        "{duplicates}, rozporných kopií {conflicts}, odmítnuto {refused}",
    # cmd_records.py
    "records needs an action: export, confirm, purge, log, batches, state or rest\n{usage}":
        "records potřebuje akci: export, confirm, purge, log, batches, state nebo rest\n"
        "{usage}",
    "{option}: not a date YYYY-MM-DD: {value!r}": "{option}: není datum RRRR-MM-DD: {value!r}",
    "--to must not be before --from": "--to nesmí být dříve než --from",
    "{file} exists; choose a new file for the batch":
        "{file} už existuje; zvolte pro dávku nový soubor",
    "batch {batch}: {messages} messages, {entities} entities -> {file}\nNothing is handed "
    "over until the receiving system confirms it ('dso records confirm FILE.xml').":
        "dávka {batch}: zpráv {messages}, entit {entities} -> {file}\nNic není předáno, "
        "dokud příjem nepotvrdí přijímající systém ('dso records confirm SOUBOR.xml').",
    "{file} is too large for a transfer confirmation":
        "{file} je na potvrzení o přenosu příliš velký",
    "batch {batch}: {status}; {ok} handed over, {bad} not":
        "dávka {batch}: {status}; předáno {ok}, nepředáno {bad}",
    "not handed over: {dm_id}: {reasons}": "nepředáno: {dm_id}: {reasons}",
    "would remove {n} messages; kept {kept}":
        "odstranilo by se zpráv: {n}; ponecháno: {kept}",
    "removed {n} messages; kept {kept}": "odstraněno zpráv: {n}; ponecháno: {kept}",
    "would remove: {dm_id} ({method} {target}, confirmed {at})":
        "odstranilo by se: {dm_id} ({method} {target}, potvrzeno {at})",
    "removed: {dm_id} ({method} {target}, confirmed {at})":
        "odstraněno: {dm_id} ({method} {target}, potvrzeno {at})",
    "kept: {dm_id}: {reason}": "ponecháno: {dm_id}: {reason}",
    "(nothing removed)": "(nic neodstraněno)",
    "{n} messages": "zpráv: {n}",
    "(no batches)": "(žádné dávky)",
    "message {id}: not handed over": "zpráva {id}: nepředána do spisové služby",
    "message {id}: handed over to {target} ({method} {where}) confirmed {at}":
        "zpráva {id}: předána do {target} ({method} {where}), potvrzeno {at}",
    "refused in {batch}: {reason}": "odmítnuto v dávce {batch}: {reason}",
    "no token: give --token-file FILE or set {env}":
        "chybí token: zadejte --token-file SOUBOR nebo nastavte {env}",
    "no stored messages match; nothing to upload":
        "výběru neodpovídá žádná uložená zpráva; není co nahrát",
    "{file}: FAILED {error}": "{file}: SELHALO {error}",
    "{n} messages confirmed by 'stored files'":
        "zpráv potvrzených službou ('stored files'): {n}",
    "{name} (token: {token})": "{name} (token: {token})",
    "{held} of {checked} messages are held by the service":
        "služba má {held} z {checked} zpráv",
    # cmd_paper.py
    "{value!r} is not a date (YYYY-MM-DD or D.M.YYYY)":
        "{value!r} není datum (RRRR-MM-DD nebo D.M.RRRR)",
    "--out {value} is a folder; give the name of the file to write":
        "--out {value} je složka; zadejte název souboru, který se má zapsat",
    "--to {end} is before --from {start}": "--to {end} je dříve než --from {start}",
    "{file}: {n} messages ({received} received, {sent} sent)":
        "{file}: zpráv {n} (přijatých {received}, odeslaných {sent})",
    # cmd_sim.py (more)
    "--port must be 0-65535": "--port musí být 0–65535",
    "--refuse needs IDENTITY=REASON, not {item!r}":
        "--refuse potřebuje IDENTITA=DŮVOD, ne {item!r}",
    # cmd_backup.py
    "--passphrase-stdin: no passphrase on standard input":
        "--passphrase-stdin: na standardním vstupu není heslo zálohy",
    "{path}: OK ({size} bytes, made {at} by DSO Desktop {version})":
        "{path}: v pořádku ({size} bajtů, vytvořeno {at} v DSO Desktop {version})",
    "encrypted (AES-256-GCM, scrypt)": "šifrováno (AES-256-GCM, scrypt)",
    "NOT encrypted": "NEŠIFROVÁNO",
    ", with saved passwords": ", s uloženými hesly",
    "{messages} messages, {accounts} accounts": "zpráv {messages}, účtů {accounts}",
    "{n} signed messages re-checked, {trusted} trusted here":
        "znovu ověřeno podepsaných zpráv: {n}, z toho zde důvěryhodných: {trusted}",
    "WARNING: {n} of them do not verify (as stored in the archive): run `dso check`":
        "UPOZORNĚNÍ: {n} z nich se neověří (tak, jak jsou uloženy v archivu): spusťte "
        "`dso check`",
    "WARNING: this file differs from the one this installation wrote":
        "UPOZORNĚNÍ: tento soubor se liší od toho, který zapsala tato instalace",
    "--with-secrets needs --passphrase-stdin: secrets are only ever written encrypted":
        "--with-secrets potřebuje --passphrase-stdin: tajné údaje se zapisují jen šifrovaně",
    "no backups known": "žádné známé zálohy",
    "{size} bytes": "{size} bajtů",
    "encrypted": "šifrováno",
    "with secrets": "s tajnými údaji",
    "MISSING": "CHYBÍ",
    "--replace is for a local archive; an office database is restored only into a new, "
    "empty database":
        "--replace je pro místní archiv; databáze úřadu se obnovuje jen do nové, prázdné "
        "databáze",
    "restored into {database}": "obnoveno do {database}",
    "the archive that was there is kept in {path}": "dosavadní archiv je uschován v {path}",
    "{messages} messages, {accounts} accounts, {secrets} saved passwords restored":
        "zpráv {messages}, účtů {accounts}, obnovených uložených hesel {secrets}",
    "check: clean": "kontrola: v pořádku",
    "check: NOT CLEAN (run `dso check`)": "kontrola: NENÍ V POŘÁDKU (spusťte `dso check`)",
    "counts: same as in the backup": "počty: stejné jako v záloze",
    "counts: DIFFER: backup {expected}, now {actual}":
        "počty: LIŠÍ SE: v záloze {expected}, nyní {actual}",
    # cmd_office.py
    "saved setting": "uložené nastavení",
    "default": "výchozí",
    "no database configured: give a URL (postgresql://user@host/db)":
        "není nastavena žádná databáze: zadejte URL (postgresql://uživatel@server/databáze)",
    "connected to {database} as {user} (PostgreSQL {version}); archive schema: {revision}":
        "připojeno k {database} jako {user} (PostgreSQL {version}); schéma archivu: "
        "{revision}",
    "none yet": "zatím žádné",
    "give either a URL or --local": "zadejte buď URL, nebo --local",
    "using the local archive {path}": "používá se místní archiv {path}",
    "store use needs a URL (postgresql://user@host/db) or --local":
        "store use potřebuje URL (postgresql://uživatel@server/databáze) nebo --local",
    "no password in the URL: use --password-stdin (keyring) or a libpq password file "
    "(~/.pgpass)":
        "heslo nepatří do URL: použijte --password-stdin (klíčenka systému) nebo soubor hesel "
        "libpq (~/.pgpass)",
    "this installation now uses {store}": "tato instalace nyní používá {store}",
    "give --database NAME or --store postgresql://…":
        "zadejte --database NÁZEV nebo --store postgresql://…",
    "--apply needs the PostgreSQL archive (--store or the saved setting)":
        "--apply potřebuje archiv v PostgreSQL (--store nebo uložené nastavení)",
    "the roles could not be set up: {error}": "role nešlo nastavit: {error}",
    "roles {roles} set up ({n} statements)": "role {roles} nastaveny (příkazů: {n})",
    "{table}: {n} rows": "{table}: řádků {n}",
    "{blobs} stored copies verified by SHA-256; {indexed} messages indexed for search":
        "uložených kopií ověřených pomocí SHA-256: {blobs}; zpráv zaindexovaných pro "
        "hledání: {indexed}",
    "archive check on the target: {checked} signed messages, {ok} verify":
        "kontrola archivu v cíli: podepsaných zpráv {checked}, ověřeno {ok}",
    " (NOT CLEAN, as before)": " (NENÍ V POŘÁDKU, stejně jako předtím)",
    "{source} is unchanged. Point the PCs at the new archive: dso store use URL (or "
    "DSO_STORE_URL)":
        "{source} zůstává beze změny. Nastavte počítače na nový archiv: dso store use URL "
        "(nebo DSO_STORE_URL)",
    "store needs an action: show, use, test, init-roles or migrate\n{usage}":
        "store potřebuje akci: show, use, test, init-roles nebo migrate\n{usage}",
    # argparse help of the commands (descriptions, option help: cli/cmd_*.py). The help
    # formatter of cli/main.py looks them up, so `dso COMMAND --help` needs no tr() calls;
    # tests/unit/cli/test_cli_help_texts.py walks every parser and fails on a missing one.
    "add, list, edit or remove data-box accounts; change a password":
        "přidat, vypsat, upravit nebo odebrat účty datových schránek; změnit heslo",
    "download new messages, states and delivery infos":
        "stáhnout nové zprávy, stavy a doručenky",
    "list archived messages": "vypsat archivované zprávy",
    "show or export one archived message": "zobrazit nebo exportovat jednu archivovanou zprávu",
    "full-text search (diacritics ignored)": "fulltextové hledání (bez ohledu na diakritiku)",
    "send a data message (big message above 20 MB)":
        "odeslat datovou zprávu (nad 20 MB velkoobjemovou)",
    "import ZFO files or folders (verified first)":
        "importovat soubory ZFO nebo složky (nejprve se ověří)",
    "re-verify every stored ZFO and the database":
        "znovu ověřit každý uložený soubor ZFO a databázi",
    "sends whose outcome is not settled (exactly-once)":
        "odeslání s nevyjasněným výsledkem (právě jednou)",
    "show, verify and extract ZFO files": "zobrazit, ověřit a rozbalit soubory ZFO",
    "CA certificates trusted for every account's ZFOs":
        "certifikáty CA důvěryhodné pro soubory ZFO všech účtů",
    "loopback ISDS simulator (training, tests)":
        "simulátor ISDS na zpětné smyčce (cvičení, testy)",
    "signed updates from the regional portal": "podepsané aktualizace z krajského portálu",
    "hand-over to records management (spisová služba)": "předání do spisové služby",
    "reports over the archive (correspondence overview)":
        "sestavy z archivu (přehled korespondence)",
    "back up, verify and restore the archive": "zálohovat, ověřit a obnovit archiv",
    "import accounts and signed messages from Datovka's data folder":
        "importovat účty a podepsané zprávy ze složky s daty Datovky",
    "what is due: expiring evidence, deadlines, passwords":
        "co je třeba řešit: končící platnost důkazů, lhůty, hesla",
    "renew the evidence of messages (ISDS re-seal, else a TSA)":
        "obnovit důkazy o zprávách (nová pečeť ISDS, jinak časové razítko TSA)",
    "e-mail digest of new messages and due items":
        "e-mailový přehled nových zpráv a položek k řešení",
    "the archive's database: show, use, test, roles, migrate":
        "databáze archivu: zobrazit, použít, vyzkoušet, role, přesunout",
    # cmd_account.py
    "add an account; the login is tested first (nothing is kept when it fails)":
        "přidat účet; nejprve se vyzkouší přihlášení (při neúspěchu se nic neuloží)",
    "list accounts": "vypsat účty",
    "change an account's login, certificate, environment, receive mode or saved password":
        "změnit přihlášení, certifikát, prostředí, režim příjmu nebo uložené heslo účtu",
    "change the account's password in ISDS (also an expired one); the keyring is updated "
    "after ISDS accepts it":
        "změnit heslo účtu v ISDS (i heslo, které vypršelo); klíčenka systému se aktualizuje "
        "až poté, co ISDS nové heslo přijme",
    "remove an account (its messages stay archived)":
        "odebrat účet (jeho zprávy zůstanou v archivu)",
    "login method": "způsob přihlášení",
    "production, test or the https:// URL of a test server or simulator":
        "production (ostré), test (testovací) nebo adresa https:// testovacího serveru či "
        "simulátoru",
    "extra CA certificate (PEM) for this account's TLS and, outside production, its ZFO "
    "seals (this account only)":
        "další certifikát CA (PEM) pro TLS tohoto účtu a mimo ostré prostředí i pro pečetě "
        "jeho souborů ZFO (jen pro tento účet)",
    "client certificate: PEM, or PKCS#12 (.p12/.pfx)":
        "klientský certifikát: PEM nebo PKCS#12 (.p12/.pfx)",
    "private key of a PEM client certificate": "soukromý klíč klientského certifikátu PEM",
    "read the password from standard input (saved in the OS keyring; for SMS/authenticator "
    "logins only the code is asked at each login)":
        "přečíst heslo ze standardního vstupu (uloží se do klíčenky systému; u přihlášení "
        "SMS kódem či autentizátorem se při každém přihlášení ptá jen na kód)",
    "read the certificate key's passphrase from standard input (after the password line) "
    "into the OS keyring":
        "přečíst heslo ke klíči certifikátu ze standardního vstupu (za řádkem s heslem) do "
        "klíčenky systému",
    "do not save the password (it is then given at every run)":
        "neukládat heslo (zadává se pak při každém spuštění)",
    "do not test the login now (setting up offline)":
        "nezkoušet teď přihlášení (nastavení bez připojení)",
    "never sync received messages (no delivery by login)":
        "nikdy nesynchronizovat přijaté zprávy (žádné doručení přihlášením)",
    "confirm now that syncing received messages accepts them (§ 17(3)); without it the "
    "first sync asks":
        "potvrdit hned, že synchronizace přijatých zpráv je doručí (§ 17 odst. 3); bez toho "
        "se zeptá první synchronizace",
    "mark synced received messages as downloaded in ISDS":
        "označit synchronizované přijaté zprávy v ISDS jako stažené",
    "new login method": "nový způsob přihlášení",
    "production, test or an https:// URL":
        "production (ostré), test (testovací) nebo adresa https://",
    "accept delivery (sync received messages) or not; a change makes the next sync ask for "
    "the § 17(3) confirmation again":
        "přijímat doručení (synchronizovat přijaté zprávy), nebo ne; po změně se příští "
        "synchronizace znovu zeptá na potvrzení podle § 17 odst. 3",
    "replace the saved password (read from standard input; this does not change it in "
    "ISDS: see `dso account password`)":
        "nahradit uložené heslo (čte se ze standardního vstupu; v ISDS se tím nemění: viz "
        "`dso account password`)",
    "replace the certificate passphrase (next line of standard input)":
        "nahradit heslo ke klíči certifikátu (další řádek standardního vstupu)",
    "remove the saved password from the OS keyring":
        "odstranit uložené heslo z klíčenky systému",
    "read the new password from standard input": "přečíst nové heslo ze standardního vstupu",
    "read the old password first (when none is saved)":
        "nejprve přečíst staré heslo (když žádné není uložené)",
    # cmd_store.py
    "accounts (default: all)": "účty (výchozí: všechny)",
    "confirm that listing received messages delivers them (§ 17(3))":
        "potvrdit, že výpis přijatých zpráv je doručí (§ 17 odst. 3)",
    "do not accept: sync sent messages and states only":
        "nepřijímat: synchronizovat jen odeslané zprávy a stavy",
    "password for this run only (not saved)": "heslo jen pro toto spuštění (neuloží se)",
    "message state: delivered, accepted, fiction, read, undeliverable, deleted, vault or a "
    "number 1-10 (repeatable)":
        "stav zprávy: delivered (dodaná), accepted (doručená), fiction (fikcí), read "
        "(přečtená), undeliverable (nedoručitelná), deleted (smazaná), vault (v trezoru) "
        "nebo číslo 1–10 (lze opakovat)",
    "verification result: valid, expiring, valid-at-signing, untrusted, invalid, trusted, "
    "problem, unverified (repeatable)":
        "výsledek ověření: valid (platná), expiring (končí platnost), valid-at-signing "
        "(platná v době podpisu), untrusted (nedůvěryhodná), invalid (neplatná), trusted "
        "(důvěryhodná), problem (problém), unverified (neověřená) (lze opakovat)",
    "envelope, verdict, attachments and events": "obálka, výsledek ověření, přílohy a události",
    "write the ZFO, delivery info and attachments": "zapsat soubor ZFO, doručenku a přílohy",
    "ask ISDS whether the stored ZFO is authentic (recorded)":
        "zeptat se ISDS, zda je uložený soubor ZFO pravý (zaznamená se)",
    "PDF/A envelope and/or delivery info of a message":
        "obálka a/nebo doručenka zprávy jako PDF/A",
    "an e-mail (.eml) with the message's ZFO": "e-mail (.eml) se souborem ZFO zprávy",
    "the delivery info (doručenka) instead of the envelope": "doručenku místo obálky",
    "envelope and delivery info": "obálku i doručenku",
    "also the attachments": "i přílohy",
    "also the PDF envelope": "i obálku v PDF",
    "personal delivery": "do vlastních rukou",
    "no acceptance by fiction": "zakázat doručení fikcí",
    "add the sender's identification (dmPublishOwnID)":
        "připojit identifikaci odesílatele (dmPublishOwnID)",
    "commercial message type": "typ poštovní datové zprávy",
    "send as a public authority": "odeslat jako orgán veřejné moci",
    "send as a private sender": "odeslat jako soukromý odesílatel",
    "file the messages under this account": "zařadit zprávy pod tento účet",
    "mark the conflicting copies listed now as reviewed: they stay in the archive but no "
    "longer make the check fail":
        "označit nyní vypsané rozporné kopie jako prohlédnuté: zůstanou v archivu, ale "
        "kontrola kvůli nim už neselže",
    "store the verdicts of today's verification where they differ from the stored ones "
    "(each change in the message's history; the evidence is not changed)":
        "uložit výsledky dnešního ověření tam, kde se liší od uložených (každá změna "
        "v historii zprávy; důkazy se nemění)",
    # cmd_outbox.py
    "unsettled sends (exit 1 while there are any)":
        "nevyřešená odeslání (návratový kód 1, dokud nějaká jsou)",
    "look for unsettled sends in the accounts' sent lists":
        "dohledat nevyřešená odeslání v seznamech odeslaných zpráv účtů",
    "close a record without sending it": "uzavřít záznam bez odeslání",
    "send a record's message again (explicit decision)":
        "odeslat zprávu záznamu znovu (výslovné rozhodnutí)",
    "every record, settled ones too": "všechny záznamy, i vyřešené",
    "accounts (default: every one with unsettled sends)":
        "účty (výchozí: každý s nevyřešeným odesláním)",
    "also when its outcome is unknown: it may then arrive twice":
        "i když výsledek není znám: zpráva pak může dorazit dvakrát",
    # cmd_zfo.py
    "Signed data messages and delivery infos (ZFO).":
        "Podepsané datové zprávy a doručenky (ZFO).",
    "kind, envelope, attachments, events and verdict":
        "druh, obálka, přílohy, události a výsledek ověření",
    "one verdict per file (exit 1 if any is not trusted)":
        "jeden výsledek ověření na soubor (návratový kód 1, pokud některý není důvěryhodný)",
    "write the attachments with safe names": "zapsat přílohy pod bezpečnými názvy",
    "trust exactly these CA certificates (PEM/DER file or folder) instead of the PostSignum "
    "ones; nothing is downloaded, so revocation is not checked":
        "důvěřovat přesně těmto certifikátům CA (soubor PEM/DER nebo složka) místo "
        "certifikátů PostSignum; nic se nestahuje, odvolání se proto nekontroluje",
    "download nothing: the PostSignum CAs shipped with DSO Desktop and cached ones only; "
    "revocation is checked only against cached CRLs that are still current":
        "nic nestahovat: jen CA PostSignum dodané s DSO Desktop a uložené v mezipaměti; "
        "odvolání se kontroluje jen proti dosud platným CRL z mezipaměti",
    "warn when the timestamp expires within N days (default 60)":
        "upozornit, když časové razítko vyprší do N dní (výchozí 60)",
    # cmd_trust.py
    "Trust anchors added by the user (besides the PostSignum roots); verdicts that rely on "
    "one name it.":
        "Kotvy důvěry přidané uživatelem (vedle kořenů PostSignum); výsledek ověření, který "
        "se o některou opírá, ji uvede.",
    "the added anchors": "přidané kotvy důvěry",
    "trust the CA certificates of FILE for every account":
        "důvěřovat certifikátům CA ze souboru FILE pro všechny účty",
    "stop trusting an added anchor": "přestat důvěřovat přidané kotvě",
    # cmd_sim.py
    "serve the simulator until interrupted": "provozovat simulátor až do přerušení",
    "serve a loopback records-management service (REST)":
        "provozovat spisovou službu (REST) na zpětné smyčce",
    "answer a transfer batch as the training records service":
        "odpovědět na předávací dávku jako cvičná spisová služba",
    "Start the ISDS simulator on a loopback address and print one JSON line with url, "
    "ca_file and accounts once it accepts connections.":
        "Spustí simulátor ISDS na adrese zpětné smyčky a jakmile přijímá spojení, vypíše "
        "jeden řádek JSON s url, ca_file a accounts.",
    "loopback address (default 127.0.0.1)": "adresa zpětné smyčky (výchozí 127.0.0.1)",
    "TCP port (default: any free one)": "port TCP (výchozí: libovolný volný)",
    "generator seed (default 0)": "semínko generátoru (výchozí 0)",
    "generated messages of the demo municipality (default 20)":
        "počet vygenerovaných zpráv ukázkové obce (výchozí 20)",
    "keep CA and world here across restarts (default: in memory)":
        "uchovat zde CA a stav simulátoru mezi spuštěními (výchozí: v paměti)",
    "the timestamps and TSA certificates of the evidence issued stop being valid N days "
    "from now (re-signing gives fresh evidence); also POST /_sim/evidence {\"days\": N}":
        "časová razítka a certifikáty TSA vydaných důkazů přestanou platit za N dní "
        "(nové podepsání dá čerstvé důkazy); také POST /_sim/evidence {\"days\": N}",
    "Start the training records service (spisová služba) on a loopback address and print "
    "one JSON line with url, ca_file and token.":
        "Spustí cvičnou spisovou službu na adrese zpětné smyčky a vypíše jeden řádek JSON "
        "s url, ca_file a token.",
    "keep its CA here across restarts (default: temporary)":
        "uchovat zde její CA mezi spuštěními (výchozí: dočasně)",
    "Read a transfer batch (ZIP) and write the confirmation (PrenosPotvrzeni) a receiving "
    "records system would send.":
        "Přečte předávací dávku (ZIP) a zapíše potvrzení (PrenosPotvrzeni), jaké by poslala "
        "přijímající spisová služba.",
    "report this entity as not loaded (repeatable)":
        "ohlásit tuto entitu jako nepřevzatou (lze opakovat)",
    # cmd_update.py
    "Check for, download and stage signed updates.":
        "Vyhledá, stáhne a připraví podepsané aktualizace.",
    "current and available version, release notes":
        "nainstalovaná a dostupná verze, poznámky k vydání",
    "download and stage the newest version (next start)":
        "stáhnout a připravit nejnovější verzi (pro příští spuštění)",
    "installed versions, a version on trial, last rollback":
        "nainstalované verze, verze ve zkušebním provozu, poslední návrat",
    "go back to the previous, older version (never forward; the version left is not "
    "installed again)":
        "vrátit se k předchozí, starší verzi (nikdy dopředu; opuštěná verze se znovu "
        "neinstaluje)",
    "show or change update settings": "zobrazit nebo změnit nastavení aktualizací",
    "start-up self-check of this version": "samokontrola této verze při spuštění",
    "update portal (default: settings)": "portál aktualizací (výchozí: z nastavení)",
    "the CA certificate(s) the portal's TLS must chain to (instead of the system roots)":
        "certifikát(y) CA, ke kterým musí vést řetězec TLS portálu (místo kořenů systému)",
    "install folder with versions/ (default: from the launcher)":
        "instalační složka s podsložkou versions/ (výchozí: podle spouštěče)",
    "Without --policy: this user's settings. With --policy: the administrator's "
    "update-policy.json in the install folder (for every user; needs write access there).":
        "Bez --policy: nastavení tohoto uživatele. S --policy: soubor update-policy.json "
        "správce v instalační složce (pro všechny uživatele; vyžaduje tam právo zápisu).",
    "set the portal URL ('' for the default)": "nastavit adresu portálu ('' pro výchozí)",
    "change update-policy.json (IT) instead of this user's settings":
        "změnit update-policy.json (IT) místo nastavení tohoto uživatele",
    "with --policy: proxy for the portal ('' = direct, 'system' = remove the entry: the "
    "app's own proxy setting, else the system's)":
        "s --policy: proxy pro portál ('' = přímo, 'system' = odebrat položku: platí proxy "
        "z nastavení aplikace, jinak systému)",
    "with --policy: the portal's CA file, relative to the install folder ('' removes it: "
    "system roots)":
        "s --policy: soubor CA portálu, relativně k instalační složce ('' jej odebere: "
        "kořeny systému)",
    "with --policy: a managed install (IT installs new versions)":
        "s --policy: spravovaná instalace (nové verze instaluje IT)",
    "also check that Qt loads": "ověřit i načtení knihovny Qt",
    # cmd_records.py
    "Transfer batches (NSESSS Annex 7), their confirmation, purge of handed-over messages, "
    "and the REST service.":
        "Předávací dávky (NSESSS příloha 7), jejich potvrzení, odstranění předaných zpráv "
        "a služba REST.",
    "write a transfer batch (ZIP) of stored messages":
        "zapsat předávací dávku (ZIP) uložených zpráv",
    "apply a transfer confirmation (PrenosPotvrzeni)":
        "použít potvrzení o přenosu (PrenosPotvrzeni)",
    "remove messages whose hand-over was confirmed before DATE (logged; see 'records log')":
        "odstranit zprávy, jejichž předání bylo potvrzeno před datem DATE (zaznamená se; viz "
        "'records log')",
    "what purges removed": "co bylo při odstraňování odebráno",
    "transfer batches written and their confirmation":
        "zapsané předávací dávky a jejich potvrzení",
    "where a message was handed over": "kam byla zpráva předána",
    "the records-management REST service": "služba REST spisové služby",
    "YYYY-MM-DD (local day)": "RRRR-MM-DD (místní den)",
    "YYYY-MM-DD, inclusive": "RRRR-MM-DD, včetně",
    "only messages no records service has confirmed yet":
        "jen zprávy, které dosud žádná spisová služba nepotvrdila",
    "identifier of the receiving system (Cil, 1-10 characters)":
        "identifikátor přijímajícího systému (Cil, 1–10 znaků)",
    "identifier of this system (Zdroj, 1-10 characters)":
        "identifikátor tohoto systému (Zdroj, 1–10 znaků)",
    "who hands over (default: the system user name)":
        "kdo předává (výchozí: uživatelské jméno v systému)",
    "YYYY-MM-DD (local day): hand-overs confirmed before its start":
        "RRRR-MM-DD (místní den): předání potvrzená před jeho začátkem",
    "only list what would go": "jen vypsat, co by se odstranilo",
    "the service's base URL (https://...)": "základní adresa služby (https://...)",
    "file with the token (default: environment DSO_RECORDS_TOKEN)":
        "soubor s tokenem (výchozí: proměnná prostředí DSO_RECORDS_TOKEN)",
    "extra CA certificate (PEM or DER)": "další certifikát CA (PEM nebo DER)",
    "service_info": "service_info (údaje o službě)",
    "upload_hierarchy: the nodes files can go to":
        "upload_hierarchy: uzly, do kterých lze soubory nahrát",
    "upload the signed ZFOs of the chosen messages":
        "nahrát podepsané soubory ZFO vybraných zpráv",
    "stored_files: mark what the service already holds":
        "stored_files: označit, co už služba má",
    "target node id (repeatable)": "id cílového uzlu (lze opakovat)",
    "only this message": "jen tuto zprávu",
    # cmd_paper.py
    "messages of a period: CSV, HTML or PDF": "zprávy za období: CSV, HTML nebo PDF",
    # cmd_backup.py
    "write a backup while the app may run and sync":
        "zapsat zálohu (aplikace může přitom běžet a synchronizovat)",
    "read a backup back and check all of it": "přečíst zálohu a celou ji zkontrolovat",
    "backups this installation made (and those in folders)":
        "zálohy vytvořené touto instalací (a zálohy ve složkách)",
    "restore a backup into the data folder": "obnovit zálohu do složky s daty",
    "the new backup file": "nový soubor zálohy",
    "encrypt under the passphrase read from standard input":
        "zašifrovat heslem zálohy přečteným ze standardního vstupu",
    "also the saved passwords and client keys (needs a passphrase)":
        "i uložená hesla a klientské klíče (vyžaduje heslo zálohy)",
    "replace an existing archive (it is moved aside, not deleted)":
        "nahradit existující archiv (přesune se stranou, nesmaže se)",
    # cmd_datovka.py
    "Datovka's configuration folder (.dsgui) or its dsgui.conf":
        "konfigurační složka Datovky (.dsgui) nebo její dsgui.conf",
    "do not create accounts; file the messages by their data boxes":
        "nevytvářet účty; zařadit zprávy podle jejich datových schránek",
    # cmd_watch.py
    "One list of what is due, sorted by due date: evidence that stops being verifiable, "
    "acceptance by fiction, deletion by ISDS, sent messages not delivered, expiring "
    "passwords. Exit 1 when anything is due within the window.":
        "Jeden seznam toho, co je třeba řešit, seřazený podle termínu: důkazy, které "
        "přestanou být ověřitelné, doručení fikcí, smazání v ISDS, nedoručené odeslané "
        "zprávy, končící hesla. Návratový kód 1, když je v daném období něco k řešení.",
    "everything due within DAYS (overdue included); default: each kind with its own lead "
    "time from the settings":
        "vše s termínem do DAYS dní (včetně prošlých); výchozí: každý druh s vlastním "
        "předstihem podle nastavení",
    "only the N nearest items, and how many there are in all (a big archive has hundreds "
    "of thousands)":
        "jen N nejbližších položek a kolik jich je celkem (velký archiv jich má statisíce)",
    "Re-signISDSDocument for each message; where ISDS cannot re-seal, an RFC 3161 archive "
    "timestamp from the configured TSA. The result is kept as a new version beside the "
    "original. Exit 1 when any failed.":
        "Re-signISDSDocument pro každou zprávu; kde ISDS novou pečeť dát nemůže, archivní "
        "časové razítko RFC 3161 z nastavené TSA. Výsledek se uloží jako nová verze vedle "
        "původní. Návratový kód 1, když něco selhalo.",
    "every message whose evidence stops being verifiable within DAYS (default without "
    "DMIDs: the setting restamp_within_days, 90)":
        "každou zprávu, jejíž důkazy přestanou být ověřitelné do DAYS dní (výchozí bez "
        "DMID: nastavení restamp_within_days, 90)",
    "only messages of this account": "jen zprávy tohoto účtu",
    "the account's password for this run (not saved)":
        "heslo účtu pro toto spuštění (neuloží se)",
    # cmd_notify.py
    "After each sync a digest of new messages and due items goes to the configured address "
    "over SMTP (STARTTLS or SMTPS, the server's certificate verified).":
        "Po každé synchronizaci odejde na nastavenou adresu přes SMTP přehled nových zpráv "
        "a položek k řešení (STARTTLS nebo SMTPS, certifikát serveru se ověřuje).",
    "show or change the e-mail notification settings":
        "zobrazit nebo změnit nastavení upozornění e-mailem",
    "send a test mail with the current settings":
        "odeslat zkušební e-mail s aktuálním nastavením",
    "send the digest after each sync": "odesílat přehled po každé synchronizaci",
    "stop sending the digest": "přestat odesílat přehled",
    "recipient of the digest": "příjemce přehledu",
    "sender address": "adresa odesílatele",
    "SMTP server": "server SMTP",
    "SMTP port (587, 465 for tls)": "port SMTP (587, pro tls 465)",
    "STARTTLS (port 587) or implicit TLS (SMTPS, port 465)":
        "STARTTLS (port 587) nebo přímé TLS (SMTPS, port 465)",
    "SMTP login ('' for none)": "přihlašovací jméno SMTP ('' pro žádné)",
    "CA to verify the server with ('' for the system's roots)":
        "CA pro ověření serveru ('' pro kořeny systému)",
    "read the SMTP password from standard input into the OS keyring":
        "přečíst heslo SMTP ze standardního vstupu do klíčenky systému",
    "remove the SMTP password from the OS keyring":
        "odstranit heslo SMTP z klíčenky systému",
    "include the content (and ZFO) of this account's new messages":
        "přikládat obsah (a ZFO) nových zpráv tohoto účtu",
    "send only dmIDs for this account's new messages (the default)":
        "u nových zpráv tohoto účtu posílat jen dmID (výchozí)",
    # cmd_office.py
    "Where the archive is (SQLite file or an office's PostgreSQL database), its roles, and "
    "moving to it.":
        "Kde je archiv (soubor SQLite nebo databáze PostgreSQL úřadu), jeho role a přesun "
        "do ní.",
    "which database this installation uses": "kterou databázi tato instalace používá",
    "connect once and report what is there": "jednou se připojit a ohlásit, co v ní je",
    "remember the database for this installation": "zapamatovat si databázi pro tuto instalaci",
    "SQL of the reader, clerk and admin roles": "SQL rolí čtenáře, referenta a správce",
    "move the SQLite archive into PostgreSQL (verified)":
        "přesunout archiv SQLite do PostgreSQL (s ověřením)",
    "postgresql://user@host/db (no password)": "postgresql://uživatel@server/databáze (bez hesla)",
    "back to the local SQLite archive": "zpět k místnímu archivu SQLite",
    "read the database password from standard input into the keyring":
        "přečíst heslo databáze ze standardního vstupu do klíčenky systému",
    "run it on the database (as its owner) instead of printing it":
        "spustit je v databázi (jako její vlastník) místo vypsání",
    "database name (default: from the store URL)": "název databáze (výchozí: z URL archivu)",
    "role that runs the migrations (default privileges)":
        "role, která provádí migrace (výchozí oprávnění)",
    "postgresql://user@host/db": "postgresql://uživatel@server/databáze",
    "SQLite archive (default: the data folder's)": "archiv SQLite (výchozí: ze složky s daty)",
    "--store needs a database URL (postgresql://user@host/db)":
        "--store potřebuje URL databáze (postgresql://uživatel@server/databáze)",
}


# argparse's own sentences (its gettext message ids, Python 3.11-3.13) in Czech. The CLI
# binds argparse's module-level ``_``/``ngettext`` to `argparse_gettext` while it parses
# and prints help (`argparse_texts`), so usage lines, section titles and parse errors
# follow the locale like the rest; tests check this covers every id the running argparse has.
ARGPARSE_CS: dict[str, str] = {
    "usage: ": "použití: ",
    "positional arguments": "poziční argumenty",
    "options": "volby",
    "optional arguments": "volby",
    "subcommands": "podpříkazy",
    "show this help message and exit": "zobrazit tuto nápovědu a skončit",
    "show program's version number and exit": "zobrazit verzi programu a skončit",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: chyba: %(message)s\n",
    "unrecognized arguments: %s": "neznámé argumenty: %s",
    "ambiguous option: %(option)s could match %(matches)s":
        "nejednoznačná volba: %(option)s může znamenat %(matches)s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "neplatná volba: %(value)r (vyberte z %(choices)s)",
    "invalid %(type)s value: %(value)r": "neplatná hodnota typu %(type)s: %(value)r",
    "expected one argument": "očekává se jeden argument",
    "expected at most one argument": "očekává se nejvýše jeden argument",
    "expected at least one argument": "očekává se alespoň jeden argument",
    "expected %s argument": "očekávaný počet argumentů: %s",
    "expected %s arguments": "očekávaný počet argumentů: %s",
    "the following arguments are required: %s": "tyto argumenty jsou povinné: %s",
    "one of the arguments %s is required": "jeden z argumentů %s je povinný",
    "not allowed with argument %s": "nelze spolu s argumentem %s",
    "ignored explicit argument %r": "přebytečná hodnota argumentu %r",
    "unexpected option string: %s": "nečekaná volba: %s",
    "can't open '%(filename)s': %(error)s": "nelze otevřít '%(filename)s': %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "neznámý podpříkaz %(parser_name)r (možnosti: %(choices)s)",
    "argument \"-\" with mode %r": "argument \"-\" v režimu %r",
    # Python 3.13
    "%(heading)s:": "%(heading)s:",
    " (default: %(default)s)": " (výchozí: %(default)s)",
    "%(prog)s: warning: %(message)s\n": "%(prog)s: upozornění: %(message)s\n",
    "argument '%(argument_name)s' is deprecated": "argument '%(argument_name)s' je zastaralý",
    "command '%(parser_name)s' is deprecated": "příkaz '%(parser_name)s' je zastaralý",
    "option '%(option)s' is deprecated": "volba '%(option)s' je zastaralá",
    # Mistakes of the program, not of the user (shown only if a command is built wrong).
    ".__call__() not defined": ".__call__() není definováno",
    "'required' is an invalid argument for positionals":
        "'required' není platný parametr pozičních argumentů",
    "mutually exclusive arguments must be optional":
        "vzájemně se vylučující argumenty musí být volby",
    "%r is not callable": "%r nelze volat",
    "cannot merge actions - two groups are named %r":
        "akce nelze sloučit - dvě skupiny se jmenují %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r":
        "neplatná volba %(option)r: musí začínat znakem %(prefix_chars)r",
    "dest= is required for options like %r": "u voleb jako %r je nutné dest=",
    "invalid conflict_resolution value: %r": "neplatná hodnota conflict_resolution: %r",
    "cannot have multiple subparser arguments": "nelze mít více argumentů s podpříkazy",
    "conflicting subparser: %s": "kolidující podpříkaz: %s",
    "conflicting subparser alias: %s": "kolidující alias podpříkazu: %s",
    "conflicting option string: %s": "kolidující volba: %s",
    "conflicting option strings: %s": "kolidující volby: %s",
}
