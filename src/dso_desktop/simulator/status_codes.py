"""ISDS status codes the simulator answers with, and their Czech texts."""

from __future__ import annotations

# Codes the sources name (PROTOCOL.md §4). Where the official list was not obtained
# (PROTOCOL.md §10) the simulator picks a code; those are marked "chosen".
OK = "0000"
NOT_FOUND_BOXES = "0002"
TOO_MANY_BOXES = "0003"
NO_TIMESTAMP = "0005"
SENDER_BOX_INACCESSIBLE = "1201"
BAD_ATTACHMENT = "1214"
WRONG_SERVICE = "1281"
UPLOAD_QUOTA = "1286"
HASH_MISMATCH = "1288"
FOREIGN_ATTACHMENT = "1293"
UNKNOWN_ATTACHMENT = "1294"
BIG_TOO_SMALL = "1297"
NO_SUCH_INDEX = "1299"
UNKNOWN_OPERATION = "2006"
TOO_MANY_PARALLEL = "3008"
TOO_MANY_REQUESTS = "3009"
BOX_DOES_NOT_EXIST = "5001"
MESSAGE_NOT_FOUND = "1219"  # chosen
NO_RIGHTS = "1202"  # chosen
LIMIT_EXCEEDED = "1217"  # chosen: >100 files, >50 recipients, >100 MB
RECIPIENT_INACCESSIBLE = "1205"  # chosen
NO_CREDIT = "1230"  # chosen: PDZ without credit
BAD_REQUEST = "2000"  # chosen: a required value is missing or invalid
WRONG_PASSWORD = "1066"  # noqa: S105 (a status code) chosen: ChangeISDSPassword with a wrong old password

MESSAGES = {
    OK: "Provedeno úspěšně.",
    NOT_FOUND_BOXES: "Nenalezeny žádné schránky odpovídající zadaným kritériím.",
    TOO_MANY_BOXES: "Příliš mnoho výsledků, upřesněte zadání.",
    NO_TIMESTAMP: "Odpověď byla odeslána bez časového razítka.",
    SENDER_BOX_INACCESSIBLE: "Ze znepřístupněné schránky nelze odesílat.",
    BAD_ATTACHMENT: "Příloha má nepovolený formát nebo obsah neodpovídá příponě.",
    WRONG_SERVICE: "Pro zprávu této velikosti použijte jinou službu (VoDZ/DZ).",
    UPLOAD_QUOTA: "Překročena kvóta nahraných a nepoužitých příloh.",
    HASH_MISMATCH: "Otisk přílohy nesouhlasí.",
    FOREIGN_ATTACHMENT: "Příloha patří jiné schránce.",
    UNKNOWN_ATTACHMENT: "Příloha s tímto identifikátorem neexistuje.",
    BIG_TOO_SMALL: "Velkoobjemová zpráva je menší než 20 MB.",
    NO_SUCH_INDEX: "Příloha s tímto pořadím neexistuje.",
    UNKNOWN_OPERATION: "Neznámá operace.",
    TOO_MANY_PARALLEL: "Příliš mnoho souběžných požadavků.",
    TOO_MANY_REQUESTS: "Příliš mnoho požadavků.",
    BOX_DOES_NOT_EXIST: "Datová schránka neexistuje.",
    MESSAGE_NOT_FOUND: "Zpráva neexistuje nebo k ní nemáte přístup.",
    NO_RIGHTS: "Nedostatečná oprávnění.",
    LIMIT_EXCEEDED: "Překročen limit (počet příloh, adresátů nebo velikost).",
    RECIPIENT_INACCESSIBLE: "Schránka adresáta není přístupná.",
    NO_CREDIT: "Nedostatečný kredit pro odeslání poštovní datové zprávy.",
    BAD_REQUEST: "Chybný nebo chybějící údaj v požadavku.",
    WRONG_PASSWORD: "Původní heslo není správné.",
}
