"""The one error root of the product: a known, user-facing failure vs. a bug.

Every error the product raises on purpose (bad input, a refusal of ISDS, a full disk, a
sync that needs the user's decision, ...) derives from `DsoError` and carries

- ``kind``: a stable `ErrorKind` (for logs, ``--json`` output and code that must tell
  errors apart: match the type or the kind, never the class name);
- ``message``: the English text (the exception's own text: logs, the CLI);
- ``message_cs``: a Czech sentence for the user (the GUI);
- ``details``: structured facts (the file, the account, ISDS's code and own text, the
  address), values without sentences, so that a user-facing line can be built in the
  user's language from the kind and the details (`DsoError.user_text`) while the English
  ``message`` keeps going to the logs and ``--json``.

Anything else that escapes to the GUI or the CLI is a bug: its traceback goes to the log
and the user sees a short "internal error". Roots that also derive from a builtin
(``SecretStoreError(DsoError, RuntimeError)``, ``FetchError(DsoError, OSError)``) keep
being caught by ``except RuntimeError``/``except OSError`` as before.

Standard library only: this module sits at the bottom floor and is imported at start-up.
"""

from __future__ import annotations

import errno
from enum import StrEnum
from typing import ClassVar, Self


class ErrorKind(StrEnum):
    """One stable kind per error class (the value never changes once released)."""

    ERROR = "error"
    CLI_FAILURE = "cli.failure"
    CLI_USAGE = "cli.usage"
    # isds
    ISDS = "isds.error"
    ISDS_LOGIN = "isds.login"
    ISDS_WRONG_CREDENTIALS = "isds.wrong-credentials"
    ISDS_PASSWORD_EXPIRED = "isds.password-expired"  # noqa: S105 - a kind, not a password
    ISDS_INTRUDER_LOCKOUT = "isds.intruder-lockout"
    ISDS_BAD_ROLE = "isds.bad-role"
    ISDS_OTP_NOT_SENT = "isds.otp-not-sent"
    ISDS_MOBILE_KEY_EXPIRED = "isds.mobile-key-expired"
    ISDS_LOGIN_CANCELLED = "isds.login-cancelled"
    ISDS_STATUS = "isds.status"
    ISDS_THROTTLED = "isds.throttled"
    ISDS_MAINTENANCE = "isds.maintenance"
    ISDS_PROTOCOL = "isds.protocol"
    ISDS_SOAP_FAULT = "isds.soap-fault"
    ISDS_TRANSPORT = "isds.transport"
    ISDS_TLS = "isds.tls"
    ISDS_CONNECTION_FAILED = "isds.connection-failed"
    ISDS_TIMEOUT = "isds.timeout"
    ISDS_HTTP = "isds.http"
    # zfo
    ZFO = "zfo.error"
    ZFO_TOO_LARGE = "zfo.too-large"
    ZFO_NOT_CMS = "zfo.not-cms"
    ZFO_MALFORMED_CMS = "zfo.malformed-cms"
    ZFO_DETACHED_CONTENT = "zfo.detached-content"
    ZFO_HOSTILE_XML = "zfo.hostile-xml"
    ZFO_MALFORMED_XML = "zfo.malformed-xml"
    ZFO_UNSUPPORTED = "zfo.unsupported"
    ZFO_UNSAFE_PATH = "zfo.unsafe-path"
    ZFO_ARCHIVE_TIMESTAMP = "zfo.archive-timestamp"
    # store
    STORE = "store.error"
    STORE_NOT_FOUND = "store.not-found"
    STORE_ALREADY_EXISTS = "store.already-exists"
    STORE_WRITE = "store.write"
    STORE_DISK_FULL = "store.disk-full"
    STORE_DAMAGED = "store.damaged"
    STORE_CONFIG = "store.config"  # the office database: URL, connection (issue 13)
    STORE_MIGRATION = "store.migration"  # `dso store migrate` could not verify (issue 13)
    # update
    UPDATE = "update.error"
    UPDATE_DISABLED = "update.disabled"
    UPDATE_MANAGED = "update.managed"
    UPDATE_NOT_INSTALLED = "update.not-installed"
    UPDATE_NETWORK = "update.network"
    UPDATE_TLS = "update.tls"
    UPDATE_CANCELLED = "update.cancelled"
    UPDATE_VERIFICATION = "update.verification"
    UPDATE_UNSAFE_RELEASE = "update.unsafe-release"
    UPDATE_STAGING = "update.staging"
    UPDATE_FAILED_VERSION = "update.failed-version"
    UPDATE_PORTAL_OUTDATED = "update.portal-outdated"
    UPDATE_CONFIG = "update.config"
    # sync and ingest
    SYNC = "sync.error"
    SYNC_DELIVERY_CONFIRMATION = "sync.delivery-confirmation-required"
    SYNC_CANCELLED = "sync.cancelled"
    SYNC_BUSY = "sync.busy"
    SYNC_RETRY_LATER = "sync.retry-later"
    SYNC_STORE_FAILED = "sync.store-failed"
    LOCK_BUSY = "sync.lock-busy"
    INGEST = "ingest.error"
    # services
    ACCOUNT = "account.error"
    ACCOUNT_PASSWORD_MISSING = "account.password-missing"  # noqa: S105 - a kind
    TRUST_ANCHOR = "trust.anchor"
    SEND = "send.error"
    SEND_BLOCKED = "send.blocked"
    OUTBOX = "outbox.error"
    OUTBOX_BUSY = "outbox.busy"
    RECORDS = "records.error"
    RECORDS_CONFIRMATION = "records.confirmation"
    RECORDS_REST = "records.rest"
    BACKUP = "backup.error"
    BACKUP_DAMAGED = "backup.damaged"
    BACKUP_PASSPHRASE = "backup.passphrase"  # noqa: S105 - a kind
    BACKUP_ARCHIVE_EXISTS = "backup.archive-exists"
    BACKUP_ARCHIVE_OPEN = "backup.archive-open"
    BACKUP_NOT_SUPPORTED = "backup.not-supported"
    BACKUP_DATABASE_TOOL = "backup.database-tool"  # pg_dump/pg_restore refused
    DATOVKA = "datovka.error"
    REMEDY = "remedy.error"
    NOTIFY = "notify.error"
    NOTIFY_CONFIG = "notify.config"
    NOTIFY_AUTH = "notify.auth"
    NOTIFY_UNREACHABLE = "notify.unreachable"
    NOTIFY_TLS = "notify.tls"
    NOTIFY_REFUSED = "notify.refused"
    # bottom floor
    SECRET_STORE = "secrets.unavailable"  # noqa: S105 - a kind
    PROXY_CONFIG = "net.proxy-config"
    FETCH = "net.fetch"
    # reports (PDF envelopes, overviews, e-mail)
    REPORT = "report.error"


# kind -> (English, Czech): the plain sentence a user is shown for an error of that kind
# when the error has no more specific Czech text of its own.
ERROR_TEXTS: dict[ErrorKind, tuple[str, str]] = {
    ErrorKind.ERROR: ("The operation failed.", "Operace se nezdařila."),
    ErrorKind.CLI_FAILURE: ("The command failed.", "Příkaz se nezdařil."),
    ErrorKind.CLI_USAGE: ("The command line is wrong.", "Příkazový řádek je chybný."),
    ErrorKind.ISDS: ("The data-box system reported an error.",
                     "Informační systém datových schránek ohlásil chybu."),
    ErrorKind.ISDS_LOGIN: ("Logging in to the data box failed.",
                           "Přihlášení do datové schránky se nezdařilo."),
    ErrorKind.ISDS_WRONG_CREDENTIALS: ("The user name or password is wrong.",
                                       "Uživatelské jméno nebo heslo není správné."),
    ErrorKind.ISDS_PASSWORD_EXPIRED: (
        "The password has expired. Change it in the application (Account > Change "
        "password).",
        "Platnost hesla vypršela. Změňte je v aplikaci (Účet → Změnit heslo)."),
    ErrorKind.ISDS_INTRUDER_LOCKOUT: (
        "Logging in is blocked for a while after failed attempts.",
        "Po neúspěšných pokusech je přihlášení na chvíli zablokováno."),
    ErrorKind.ISDS_BAD_ROLE: ("This user may not use this function of the data box.",
                              "Tento uživatel nemá oprávnění k této funkci datové schránky."),
    ErrorKind.ISDS_OTP_NOT_SENT: ("The SMS code could not be sent.",
                                  "SMS kód se nepodařilo odeslat."),
    ErrorKind.ISDS_MOBILE_KEY_EXPIRED: ("The Mobile key request expired without approval.",
                                        "Požadavek Mobilního klíče vypršel bez schválení."),
    ErrorKind.ISDS_LOGIN_CANCELLED: ("Logging in was cancelled.", "Přihlášení bylo zrušeno."),
    ErrorKind.ISDS_STATUS: ("ISDS refused the request.", "ISDS požadavek odmítl."),
    ErrorKind.ISDS_THROTTLED: ("ISDS limits the number of requests now; try again later.",
                               "ISDS nyní omezuje počet požadavků; zkuste to později."),
    ErrorKind.ISDS_MAINTENANCE: ("ISDS is under maintenance; try again later.",
                                 "ISDS má odstávku; zkuste to později."),
    ErrorKind.ISDS_PROTOCOL: ("ISDS sent an answer the application does not understand.",
                              "ISDS poslal odpověď, které aplikace nerozumí."),
    ErrorKind.ISDS_SOAP_FAULT: ("ISDS sent an answer the application does not understand.",
                                "ISDS poslal odpověď, které aplikace nerozumí."),
    ErrorKind.ISDS_TRANSPORT: ("Communication with the data-box system failed.",
                               "Komunikace s informačním systémem datových schránek selhala."),
    ErrorKind.ISDS_TLS: ("The secure connection could not be verified.",
                         "Zabezpečené spojení nelze ověřit."),
    ErrorKind.ISDS_CONNECTION_FAILED: (
        "The data-box system cannot be reached. Check the connection.",
        "Informační systém datových schránek není dostupný. Zkontrolujte připojení."),
    ErrorKind.ISDS_TIMEOUT: ("The data-box system did not answer in time.",
                             "Informační systém datových schránek neodpověděl včas."),
    ErrorKind.ISDS_HTTP: ("Communication with the data-box system failed.",
                          "Komunikace s informačním systémem datových schránek selhala."),
    ErrorKind.ZFO: ("The file is not a valid signed data message (ZFO).",
                    "Soubor není platná datová zpráva (ZFO)."),
    ErrorKind.ZFO_TOO_LARGE: ("The file is larger than a data message can be.",
                              "Soubor je větší, než jaký může datová zpráva mít."),
    ErrorKind.ZFO_NOT_CMS: ("The file is not a signed data message (no CMS structure).",
                            "Soubor není podepsaná datová zpráva (chybí struktura CMS)."),
    ErrorKind.ZFO_MALFORMED_CMS: ("The signature structure of the file is damaged.",
                                  "Podpisová struktura souboru je poškozená."),
    ErrorKind.ZFO_DETACHED_CONTENT: (
        "The file does not contain the message itself (a detached signature).",
        "Soubor neobsahuje vlastní zprávu (oddělený podpis)."),
    ErrorKind.ZFO_HOSTILE_XML: (
        "The message content uses XML constructs that are not allowed (DTD, entities).",
        "Obsah zprávy obsahuje nepovolené konstrukce XML (DTD, entity)."),
    ErrorKind.ZFO_MALFORMED_XML: ("The message content is not a valid ISDS document.",
                                  "Obsah zprávy není platný dokument ISDS."),
    ErrorKind.ZFO_UNSUPPORTED: ("The program does not know this kind of ISDS document.",
                                "Tento druh dokumentu ISDS program nezná."),
    ErrorKind.ZFO_UNSAFE_PATH: ("The attachment cannot be saved safely into that folder.",
                                "Přílohu nelze bezpečně uložit do zvolené složky."),
    ErrorKind.ZFO_ARCHIVE_TIMESTAMP: (
        "The time-stamping authority gave no usable archive timestamp.",
        "Autorita časových razítek nevydala použitelné archivní časové razítko."),
    ErrorKind.REMEDY: ("The evidence of the message could not be renewed or checked.",
                       "Důkaz o zprávě se nepodařilo obnovit ani ověřit."),
    ErrorKind.STORE: ("The archive cannot do what was asked.",
                      "Archiv nemůže požadovanou operaci provést."),
    ErrorKind.STORE_NOT_FOUND: ("No such account, message or tag.",
                                "Takový účet, zpráva nebo štítek neexistuje."),
    ErrorKind.STORE_ALREADY_EXISTS: ("An account or tag of that name exists already.",
                                     "Účet nebo štítek s tímto názvem už existuje."),
    ErrorKind.STORE_WRITE: (
        "Writing to the archive failed (a disk error). Check the disk and try again.",
        "Zápis do archivu selhal (chyba disku). Zkontrolujte disk a zkuste to znovu."),
    ErrorKind.STORE_DISK_FULL: (
        "The disk is full: the archive cannot be written. Free some disk space and try again.",
        "Disk je plný: do archivu nelze zapisovat. Uvolněte místo na disku a zkuste to "
        "znovu."),
    ErrorKind.STORE_CONFIG: ("The archive database cannot be used as configured.",
                             "Databázi archivu nelze použít tak, jak je nastavena."),
    ErrorKind.STORE_MIGRATION: ("The archive could not be moved and verified.",
                                "Archiv se nepodařilo přesunout a ověřit."),
    ErrorKind.STORE_DAMAGED: (
        "The stored copy is damaged: its bytes do not match their checksum. Run the archive "
        "check.",
        "Uložená kopie je poškozená: neodpovídá svému kontrolnímu součtu. Spusťte kontrolu "
        "archivu."),
    ErrorKind.UPDATE: ("The update failed; the installed version is unchanged.",
                       "Aktualizace se nezdařila; nainstalovaná verze zůstává beze změny."),
    ErrorKind.UPDATE_DISABLED: (
        "Update checks are turned off by the administrator or in the settings.",
        "Kontrola aktualizací je vypnuta správcem nebo v nastavení."),
    ErrorKind.UPDATE_MANAGED: (
        "This installation is managed by your IT department; it does not update itself.",
        "Tuto instalaci spravuje IT oddělení; nové verze instaluje správce. Aplikace se sama "
        "neaktualizuje."),
    ErrorKind.UPDATE_NOT_INSTALLED: (
        "This installation does not update itself (no launcher and versions folder).",
        "Tato instalace se neaktualizuje sama (chybí spouštěč a složka versions)."),
    ErrorKind.UPDATE_NETWORK: ("The update portal cannot be reached; try again later.",
                               "Portál s aktualizacemi není dostupný; zkuste to později."),
    ErrorKind.UPDATE_TLS: (
        "The update portal's certificate is not trusted (checked against the portal CA "
        "configured, else the system's roots); nothing was downloaded. Tell your "
        "administrator.",
        "Certifikát portálu s aktualizacemi není důvěryhodný (ověřuje se proti nastavené "
        "certifikační autoritě portálu, jinak proti kořenovým certifikátům systému); "
        "aktualizace nebyla stažena. Informujte správce."),
    ErrorKind.UPDATE_CANCELLED: (
        "The download was cancelled; it continues where it stopped next time.",
        "Stahování aktualizace bylo zrušeno; příště naváže, kde skončilo."),
    ErrorKind.UPDATE_VERIFICATION: (
        "The update failed its signature check and was not installed. If this happens "
        "again, tell your administrator.",
        "Aktualizace neprošla ověřením podpisu a nebyla nainstalována. Pokud se to "
        "opakuje, informujte správce."),
    ErrorKind.UPDATE_UNSAFE_RELEASE: (
        "The update package contains unsafe entries (such as a link out of its folder) and "
        "was not installed; the installed version is unchanged. Tell the administrator of "
        "the update portal.",
        "Balíček aktualizace obsahuje nebezpečné položky (například odkaz mimo svou "
        "složku) a nebyl nainstalován; nainstalovaná verze zůstává beze změny. "
        "Informujte správce portálu s aktualizacemi."),
    ErrorKind.UPDATE_STAGING: (
        "The update could not be unpacked (disk full or no permission); the installed "
        "version is unchanged.",
        "Aktualizaci se nepodařilo rozbalit (plný disk nebo chybějící oprávnění); "
        "nainstalovaná verze zůstává beze změny."),
    ErrorKind.UPDATE_FAILED_VERSION: (
        "This version failed to start on this computer before and was rolled back; it is "
        "not installed again. Wait for a newer version.",
        "Tato verze se na tomto počítači již jednou nespustila správně a byla vrácena; "
        "znovu se neinstaluje. Počkejte na novější verzi."),
    ErrorKind.UPDATE_PORTAL_OUTDATED: (
        "The update portal is not up to date; contact your administrator.",
        "Portál aktualizací není aktuální, obraťte se na správce."),
    ErrorKind.UPDATE_CONFIG: (
        "The update settings are wrong (portal address, portal certificate or proxy); "
        "contact your administrator.",
        "Nastavení aktualizací je chybné (adresa portálu, certifikát portálu nebo proxy); "
        "obraťte se na správce."),
    ErrorKind.SYNC: ("The synchronization could not finish.",
                     "Synchronizaci se nepodařilo dokončit."),
    ErrorKind.SYNC_DELIVERY_CONFIRMATION: (
        "Downloading received messages delivers them by login; confirm it first.",
        "Stažením přijatých zpráv dojde k jejich doručení přihlášením; nejprve to potvrďte."),
    ErrorKind.SYNC_CANCELLED: ("The synchronization was cancelled.",
                               "Synchronizace byla zrušena."),
    ErrorKind.SYNC_BUSY: ("This account is being synchronized already.",
                          "Tento účet se už synchronizuje."),
    ErrorKind.SYNC_RETRY_LATER: ("ISDS did not accept the requests; try again later.",
                                 "ISDS požadavky nepřijal; zkuste to později."),
    ErrorKind.SYNC_STORE_FAILED: (
        "Synchronization stopped; nothing more was downloaded. The archive cannot be "
        "written.",
        "Synchronizace byla zastavena; nic dalšího se nestahovalo. Do archivu nelze "
        "zapisovat."),
    ErrorKind.LOCK_BUSY: ("Another program works with this account right now.",
                          "S tímto účtem právě pracuje jiný program."),
    ErrorKind.INGEST: ("The signed message cannot be stored in the archive.",
                       "Podepsanou zprávu nelze uložit do archivu."),
    ErrorKind.ACCOUNT: ("The account cannot be added or used as asked.",
                        "Účet nelze přidat ani použít tak, jak bylo požadováno."),
    ErrorKind.ACCOUNT_PASSWORD_MISSING: ("The account needs a password and none is saved.",
                                         "Účet potřebuje heslo a žádné není uložené."),
    ErrorKind.TRUST_ANCHOR: ("The file cannot be used as a trusted certificate.",
                             "Soubor nelze použít jako důvěryhodný certifikát."),
    ErrorKind.SEND: ("The message cannot be sent as drafted.",
                     "Zprávu nelze odeslat tak, jak je připravená."),
    ErrorKind.SEND_BLOCKED: (
        "An earlier attempt to send this message has an unknown outcome; check the outbox "
        "before sending again.",
        "Výsledek dřívějšího odeslání této zprávy není znám; před dalším odesláním "
        "zkontrolujte odchozí frontu."),
    ErrorKind.OUTBOX: ("The outbox action cannot be done.",
                       "Akci v odchozí frontě nelze provést."),
    ErrorKind.OUTBOX_BUSY: ("This account is sending right now; try again in a while.",
                            "Z tohoto účtu se právě odesílá; zkuste to za chvíli."),
    ErrorKind.RECORDS: ("The hand-over to records management cannot be done as asked.",
                        "Předání do spisové služby nelze provést tak, jak bylo požadováno."),
    ErrorKind.RECORDS_CONFIRMATION: (
        "The transfer confirmation cannot be applied; nothing was changed.",
        "Potvrzení přenosu nelze použít; nic se nezměnilo."),
    ErrorKind.RECORDS_REST: ("The records-management service failed or refused the request.",
                             "Spisová služba požadavek nevyřídila nebo odmítla."),
    ErrorKind.BACKUP: ("The backup cannot be made or restored as asked.",
                       "Zálohu nelze vytvořit ani obnovit tak, jak bylo požadováno."),
    ErrorKind.BACKUP_DAMAGED: (
        "The backup file is damaged, truncated or was changed; it is refused.",
        "Soubor zálohy je poškozený, zkrácený nebo byl změněn; nelze jej použít."),
    ErrorKind.BACKUP_PASSPHRASE: ("The backup passphrase is missing or wrong.",
                                  "Heslo zálohy chybí nebo není správné."),
    ErrorKind.BACKUP_ARCHIVE_EXISTS: (
        "An archive already exists there; it is only replaced when asked (--replace).",
        "V cílové složce už archiv je; nahradí se jen na výslovný pokyn."),
    ErrorKind.BACKUP_ARCHIVE_OPEN: (
        "The archive is open in DSO Desktop or a running dso command; close it first.",
        "Archiv je otevřený v DSO Desktop nebo v běžícím příkazu dso; nejdřív ho zavřete."),
    ErrorKind.BACKUP_NOT_SUPPORTED: (
        "Backing up this kind of database is not supported yet.",
        "Zálohování tohoto druhu databáze zatím není podporováno."),
    ErrorKind.BACKUP_DATABASE_TOOL: (
        "The database server's backup tool (pg_dump/pg_restore) failed.",
        "Zálohovací nástroj databázového serveru (pg_dump/pg_restore) selhal."),
    ErrorKind.DATOVKA: ("The Datovka data cannot be read.",
                        "Data z Datovky nelze načíst."),
    ErrorKind.NOTIFY: ("The notification e-mail could not be sent.",
                       "Upozornění e-mailem se nepodařilo odeslat."),
    ErrorKind.NOTIFY_CONFIG: (
        "E-mail notification is not set up completely (server, sender, recipient).",
        "Upozornění e-mailem není úplně nastavené (server, odesílatel, příjemce)."),
    ErrorKind.NOTIFY_AUTH: ("The mail server refused the user name or password.",
                            "Poštovní server odmítl uživatelské jméno nebo heslo."),
    ErrorKind.NOTIFY_UNREACHABLE: ("The mail server cannot be reached.",
                                   "Poštovní server není dostupný."),
    ErrorKind.NOTIFY_TLS: (
        "A secure (TLS) connection to the mail server failed: its certificate is not trusted "
        "or it offers no encryption.",
        "Zabezpečené (TLS) spojení s poštovním serverem se nezdařilo: jeho certifikát není "
        "důvěryhodný nebo server šifrování nenabízí."),
    ErrorKind.NOTIFY_REFUSED: ("The mail server refused the message.",
                               "Poštovní server zprávu odmítl."),
    ErrorKind.SECRET_STORE: ("The system password store (keyring) is not available.",
                             "Úložiště hesel systému (keyring) není dostupné."),
    ErrorKind.PROXY_CONFIG: ("The proxy setting is not a valid http(s)://host:port address.",
                             "Nastavení proxy není platná adresa http(s)://server:port."),
    ErrorKind.FETCH: ("A download failed (network, server or certificate).",
                      "Stahování se nezdařilo (síť, server nebo certifikát)."),
    ErrorKind.REPORT: ("The document could not be made (font missing or bad input).",
                       "Dokument nelze vytvořit (chybí písmo nebo jsou chybné údaje)."),
}


# Structured details of an error (`DsoError.details`), in the order they are shown:
# name -> (English, Czech) with ``{}`` for the value. Values are data (a path, a code, ISDS's
# own Czech text), never English sentences.
DETAIL_TEXTS: dict[str, tuple[str, str]] = {
    "file": ("file {}", "soubor {}"),
    "account": ("account {}", "účet {}"),
    "tag": ("tag {}", "štítek {}"),
    "url": ("address {}", "adresa {}"),
    "operation": ("operation {}", "operace {}"),
    "http_status": ("HTTP status {}", "stavový kód HTTP {}"),
    "isds_code": ("ISDS code {}", "kód ISDS {}"),
    "server_message": ("ISDS says: {}", "ISDS uvádí: {}"),
}

# errno -> (English, Czech): what a failed file operation means for the user.
OS_ERROR_TEXTS: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("No such file or folder", "Soubor nebo složka neexistuje"),
    errno.EACCES: ("No permission", "Chybí oprávnění"),
    errno.EPERM: ("No permission", "Chybí oprávnění"),
    errno.EISDIR: ("This is a folder, not a file", "Je to složka, ne soubor"),
    errno.ENOTDIR: ("Not a folder", "Není to složka"),
    errno.EEXIST: ("It exists already", "Už existuje"),
    errno.ENOSPC: ("The disk is full", "Disk je plný"),
    errno.EROFS: ("The disk is read-only", "Disk je jen pro čtení"),
    errno.ENAMETOOLONG: ("The name is too long", "Název je příliš dlouhý"),
}


def os_error_text(exc: OSError, lang: str = "cs") -> str:
    """An `OSError` for the user in ``lang``: its meaning by errno, and the file it is about.

    The operating system's own text (``strerror``) is English on most systems, so in Czech
    only the errno decides; an errno not listed gets a general sentence with its number."""
    en, cs = OS_ERROR_TEXTS.get(exc.errno or 0, ("A file operation failed",
                                                 "Operace se souborem selhala"))
    text = cs if lang == "cs" else en
    if exc.errno and exc.errno not in OS_ERROR_TEXTS:
        text += f" (errno {exc.errno})"
    files = [str(f) for f in (exc.filename, exc.filename2) if f is not None]
    return f"{text}: {' -> '.join(files)}" if files else text


def error_text(kind: ErrorKind, lang: str = "cs") -> str:
    """The plain sentence for ``kind`` in ``lang`` (``cs`` or ``en``)."""
    en, cs = ERROR_TEXTS[kind]
    return cs if lang == "cs" else en


class DsoError(Exception):
    """Root of every known, user-facing error of the product (see the module docstring).

    Subclasses set ``kind``. ``message_cs`` defaults to the kind's Czech sentence; a class
    or an instance may give a more specific one (``self.message_cs = ...``)."""

    kind: ClassVar[ErrorKind] = ErrorKind.ERROR

    @property
    def message(self) -> str:
        """The English text (the exception's own; the kind's sentence when it has none)."""
        return str(self) or error_text(self.kind, "en")

    @property
    def message_cs(self) -> str:
        own = self.__dict__.get("_message_cs")
        return own if own else error_text(self.kind, "cs")

    @message_cs.setter
    def message_cs(self, value: str) -> None:
        self.__dict__["_message_cs"] = value

    def text(self, lang: str) -> str:
        """The sentence for the user in ``lang``: Czech ``message_cs``, else the English
        sentence of the kind (the technical ``message`` stays for the details and logs)."""
        return self.message_cs if lang == "cs" else error_text(self.kind, "en")

    @property
    def details(self) -> dict[str, str]:
        """Structured facts about this failure (names from ``DETAIL_TEXTS``), see
        `add_details`; subclasses add their own (`IsdsError`: code, ISDS's text)."""
        return dict(self.__dict__.get("_details", {}))

    def add_details(self, **values: object) -> Self:
        """Record facts about the failure (``file=path``, ``account=name``); empty values
        are left out. Returns the error, so ``raise Error(...).add_details(...)`` reads."""
        unknown = values.keys() - DETAIL_TEXTS.keys()
        if unknown:
            raise ValueError(f"unknown error details {sorted(unknown)}")
        mine = self.__dict__.setdefault("_details", {})
        mine.update({k: str(v) for k, v in values.items() if v is not None and v != ""})
        return self

    def detail_text(self, lang: str, names: tuple[str, ...] | None = None) -> str:
        """The details in ``lang`` ("soubor /a/b.zfo; kód ISDS 1234"), "" without any
        (``names``: only these)."""
        have = self.details
        return "; ".join(DETAIL_TEXTS[name][1 if lang == "cs" else 0].format(have[name])
                         for name in DETAIL_TEXTS
                         if name in have and (names is None or name in names))

    def own_czech(self) -> str | None:
        """A Czech sentence written for this very error (the instance's or its class's),
        not the kind's general one."""
        own = self.__dict__.get("_message_cs")
        if own:
            return str(own)
        for cls in type(self).__mro__:
            value = cls.__dict__.get("message_cs")
            if isinstance(value, str) and value:
                return value
        return None

    def user_text(self, lang: str) -> str:
        """The line a user reads in ``lang``. English: the error's own ``message``. Czech:
        the error's own Czech sentence, else the kind's Czech sentence with the details
        rendered in Czech; the English ``message`` never appears (it goes to the logs)."""
        if lang != "cs":
            return self.message
        own = self.own_czech()
        if own:
            return own
        detail = self.detail_text("cs")
        return f"{self.message_cs} ({detail})" if detail else self.message_cs

    def to_json(self) -> dict[str, str]:
        return {"kind": str(self.kind), "error": self.message}
