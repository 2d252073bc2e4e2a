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
        "účet {name} přidán, ale ISDS hlásí, že jeho heslo vypršelo; změňte je: dso account "
        "password {name} --new-password-stdin",
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
}
