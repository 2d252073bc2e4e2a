"""Moving over from Datovka: its accounts and message databases into this archive.

The layout followed is Datovka's own (docs/datovka-import.md cites the source files): the
configuration ``dsgui.conf`` (QSettings INI; one ``[credentials*]`` group per account), the
per-account message databases ``<username>___<0|1>.db`` or, organised by year,
``<username>_<YYYY|inv>___<0|1>.db`` (``1`` = test environment) in the account's
``database_dir`` (default: the configuration folder), whose ``raw_message_data`` (the signed
message, base64 of the DER) and ``raw_delivery_info_data`` (the signed delivery info) are
what is imported, and ``tag.db`` (``tag``, ``message_tags``).

Every signed message and delivery info goes through the one import path
(`ZfoService.import_sources`): verified, deduplicated, evidence rules as everywhere. Datovka's
own envelope columns are never trusted as evidence; a message Datovka kept without its signed
form is reported as refused (nothing to verify). Datovka's files are only read (SQLite
read-only URIs, immutable), never changed.
"""

from __future__ import annotations

import base64
import binascii
import configparser
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dso_desktop.domain import ImportStatus, LoginMethod
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.services.types import AccountSpec, ImportItem

log = logging.getLogger(__name__)

CONF_FILE = "dsgui.conf"
TAG_DB_FILE = "tag.db"
CREDENTIALS_GROUP = re.compile(r"^credentials.*$")
TYPE_RECEIVED, TYPE_SENT = 1, 2  # raw_message_data.message_type (MessageDb::MessageType)
# Datovka's login_method values -> ours (src/settings/account.cpp, MethodNames).
LOGIN_METHODS = {
    "username": LoginMethod.PASSWORD,
    "certificate": LoginMethod.CERT,
    "user_certificate": LoginMethod.CERT_PASSWORD,
    "hotp": LoginMethod.HOTP,
    "totp": LoginMethod.TOTP,
}
MAX_RAW_BASE64 = 3_000_000_000


class DatovkaError(DsoError):
    """The folder is not a Datovka configuration, or it cannot be read."""

    kind = ErrorKind.DATOVKA


@dataclass(frozen=True)
class DatovkaAccount:
    group: str
    name: str
    username: str
    login_method: str
    testing: bool
    db_dir: Path
    p12_file: str | None = None

    @property
    def our_login_method(self) -> LoginMethod:
        return LOGIN_METHODS.get(self.login_method, LoginMethod.PASSWORD)


@dataclass(frozen=True)
class DatovkaMessage:
    source: Path
    dm_id: int
    message_type: int | None
    raw: bytes | None
    delivery_info: bytes | None


@dataclass
class AccountReport:
    """One Datovka account: what was found and what became of each item."""

    name: str
    username: str
    account: str | None  # the account here the messages were filed under
    files: list[str] = field(default_factory=list)
    messages_found: int = 0
    delivery_infos_found: int = 0
    items: list[ImportItem] = field(default_factory=list)
    tags_assigned: int = 0
    note: str | None = None
    unreadable: list[str] = field(default_factory=list)  # database files that failed

    @property
    def found(self) -> int:
        return self.messages_found + self.delivery_infos_found

    def count(self, status: ImportStatus) -> int:
        return sum(1 for i in self.items if i.status is status)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "username": self.username, "account": self.account,
                "files": self.files, "messages_found": self.messages_found,
                "delivery_infos_found": self.delivery_infos_found, "found": self.found,
                "by_status": {str(s): self.count(s) for s in ImportStatus if self.count(s)},
                "refused": [{"item": i.path, "dm_id": i.dm_id, "status": str(i.status),
                             "reason": i.reason} for i in self.items
                            if i.status in REFUSED],
                "tags_assigned": self.tags_assigned, "note": self.note,
                "unreadable": self.unreadable}


REFUSED = (ImportStatus.INVALID, ImportStatus.ERROR, ImportStatus.QUARANTINED)


@dataclass
class DatovkaReport:
    source: Path
    accounts: list[AccountReport]

    def total(self, status: ImportStatus) -> int:
        return sum(a.count(status) for a in self.accounts)

    @property
    def found(self) -> int:
        return sum(a.found for a in self.accounts)

    @property
    def imported(self) -> int:
        return self.total(ImportStatus.IMPORTED) + self.total(ImportStatus.REPLACED)

    @property
    def delivery_infos(self) -> int:
        return self.total(ImportStatus.DELIVERY_INFO)

    @property
    def duplicates(self) -> int:
        return self.total(ImportStatus.DUPLICATE)

    @property
    def conflicts(self) -> int:
        return self.total(ImportStatus.CONFLICT)

    @property
    def refused(self) -> int:
        return sum(self.total(s) for s in REFUSED)

    @property
    def unreadable(self) -> list[str]:
        return [f for a in self.accounts for f in a.unreadable]

    @property
    def adds_up(self) -> bool:
        """Every item found has exactly one outcome."""
        return self.found == self.imported + self.delivery_infos + self.duplicates + \
            self.conflicts + self.refused == sum(len(a.items) for a in self.accounts)

    def to_json(self) -> dict[str, Any]:
        return {"source": str(self.source), "found": self.found, "imported": self.imported,
                "delivery_infos": self.delivery_infos, "duplicates": self.duplicates,
                "conflicts": self.conflicts, "refused": self.refused,
                "adds_up": self.adds_up, "unreadable": self.unreadable,
                "accounts": [a.to_json() for a in self.accounts]}


# -- reading Datovka's files ------------------------------------------------------------------

def config_file(path: Path) -> Path:
    """``dsgui.conf`` given the file itself or the folder holding it (``~/.dsgui``)."""
    path = Path(path).expanduser()
    conf = path / CONF_FILE if path.is_dir() else path
    if not conf.is_file():
        raise DatovkaError(f"no Datovka configuration ({CONF_FILE}) at {path}")
    return conf


def _value(raw: str | None) -> str:
    v = (raw or "").strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':  # QSettings quotes values with special chars
        v = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return v


def _bool(raw: str | None) -> bool:
    return _value(raw).lower() in ("true", "1", "yes")


def read_accounts(conf: Path) -> list[DatovkaAccount]:
    """The accounts of a ``dsgui.conf`` (groups ``credentials``, ``credentials_2``, …)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep case
    try:
        parser.read_string(conf.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error as exc:
        raise DatovkaError(f"{conf} is not a readable Datovka configuration: "
                           f"{type(exc).__name__}") from None

    def order(group: str) -> tuple[str, int]:
        m = re.match(r"^(.*?)(\d+)$", group)
        return (m.group(1), int(m.group(2))) if m else (group, -1)

    out: list[DatovkaAccount] = []
    for group in sorted((g for g in parser.sections() if CREDENTIALS_GROUP.match(g)),
                        key=order):
        sec = parser[group]
        username = _value(sec.get("username"))
        name = _value(sec.get("name")) or username
        if not username:
            continue
        db_dir = _value(sec.get("database_dir"))
        out.append(DatovkaAccount(
            group, name, username, _value(sec.get("login_method")) or "username",
            _bool(sec.get("test_account")), Path(db_dir) if db_dir else conf.parent,
            _value(sec.get("p12file")) or None))
    return out


def message_db_files(account: DatovkaAccount) -> list[Path]:
    """The account's message databases: the single file or the per-year ones
    (src/io/message_db_set.cpp: fileNameMatchesSingleFile / fileNameMatchesYearly)."""
    if not account.db_dir.is_dir():
        return []
    flag = "1" if account.testing else "0"
    user = re.escape(account.username)
    single = re.compile(rf"^{user}___{flag}\.db$")
    yearly = re.compile(rf"^{user}_([0-9]{{4}}|inv)___{flag}\.db$")
    found = [p for p in account.db_dir.iterdir()
             if p.is_file() and (single.match(p.name) or yearly.match(p.name))]
    return sorted(found)


def _connect(path: Path) -> sqlite3.Connection:
    # Read-only and immutable: Datovka's files are never changed, not even by a journal.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _b64(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    text = str(value).strip()
    if not text or len(text) > MAX_RAW_BASE64:
        return None
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return b""  # present but not base64: refused by the import as no ZFO


def iter_messages(db_file: Path) -> Iterator[DatovkaMessage]:
    """Every message row of one Datovka message database, with its signed forms."""
    con = _connect(db_file)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "messages" not in tables:
            raise DatovkaError(f"{db_file.name} is not a Datovka message database")
        raw = "raw_message_data" in tables
        dlv = "raw_delivery_info_data" in tables
        # Only fixed fragments are put together (which optional tables exist): no input.
        sql = ("SELECT m.dmID, {rt}, {rd}, {dd} FROM messages AS m {rj} {dj} "  # noqa: S608
               "ORDER BY m.dmID").format(
            rt="r.message_type" if raw else "NULL", rd="r.data" if raw else "NULL",
            dd="d.data" if dlv else "NULL",
            rj="LEFT JOIN raw_message_data AS r ON r.message_id = m.dmID" if raw else "",
            dj="LEFT JOIN raw_delivery_info_data AS d ON d.message_id = m.dmID" if dlv
            else "")
        for dm_id, mtype, rdata, ddata in con.execute(sql):
            yield DatovkaMessage(db_file, int(dm_id), int(mtype) if mtype is not None
                                 else None, _b64(rdata), _b64(ddata))
    except sqlite3.DatabaseError as exc:
        raise DatovkaError(f"{db_file.name} cannot be read as a database: {exc}") from None
    finally:
        con.close()


def read_tags(conf_dir: Path) -> dict[tuple[str | None, int], list[tuple[str, str]]]:
    """Tags per (username, dmID) from ``tag.db``; without a ``user_name`` column (older
    layouts) a tag belongs to the dmID in every account (key username None)."""
    path = conf_dir / TAG_DB_FILE
    if not path.is_file():
        return {}
    con = _connect(path)
    try:
        cur = con.execute("SELECT * FROM message_tags LIMIT 0")
        cols = {d[0] for d in cur.description}
        user_col = "m.user_name" if "user_name" in cols else "NULL"
        rows = con.execute(
            f"SELECT {user_col}, m.message_id, t.tag_name, t.tag_color "  # noqa: S608
            "FROM message_tags AS m JOIN tag AS t ON t.id = m.tag_id").fetchall()
    except sqlite3.DatabaseError as exc:
        log.warning("Datovka tag database unreadable, tags skipped: %s", exc)
        return {}
    finally:
        con.close()
    out: dict[tuple[str | None, int], list[tuple[str, str]]] = {}
    for user, dm_id, name, color in rows:
        if name:
            out.setdefault((user, int(dm_id)), []).append((str(name), str(color or "")))
    return out


def _color(value: str) -> str:
    v = value.strip().lstrip("#").lower()
    return f"#{v}" if re.fullmatch(r"[0-9a-f]{6}", v) else "#ffffff"


# -- the import -------------------------------------------------------------------------------

class DatovkaImportService:
    """`dso import-datovka`: accounts from the configuration, every signed message and
    delivery info through the normal import, tags where Datovka has them."""

    def __init__(self, accounts: Any, zfo: Any, tags: Any) -> None:
        self._accounts = accounts
        self._zfo = zfo
        self._tags = tags

    def run(self, path: Path, *, create_accounts: bool = True,
            progress: Callable[[str], None] | None = None) -> DatovkaReport:
        conf = config_file(path)
        accounts = read_accounts(conf)
        if not accounts:
            raise DatovkaError(f"{conf} lists no accounts")
        tags = read_tags(conf.parent)
        report = DatovkaReport(conf.parent, [])
        for dacc in accounts:
            rep = AccountReport(dacc.name, dacc.username, None)
            report.accounts.append(rep)
            if create_accounts:
                rep.account = self._account_for(dacc, rep)
            files = message_db_files(dacc)
            rep.files = [p.name for p in files]
            if not files:
                rep.note = f"no message database for {dacc.username} in {dacc.db_dir}"
            for db_file in files:
                if progress is not None:
                    progress(db_file.name)
                self._import_file(db_file, dacc, rep, tags)
        return report

    def _account_for(self, dacc: DatovkaAccount, rep: AccountReport) -> str | None:
        """The account here for a Datovka account: the same name and user, or a new one
        (no password: Datovka's saved passwords are not carried over)."""
        env = "test" if dacc.testing else "production"
        for view in self._accounts.list():
            if view.username == dacc.username and view.environment == env:
                return str(view.name)
        name = dacc.name
        if self._accounts.exists(name):
            name = f"{dacc.name} (Datovka)"
        cert = dacc.p12_file if dacc.p12_file and Path(dacc.p12_file).is_file() else None
        method = dacc.our_login_method
        try:
            self._accounts.add(AccountSpec(name, method, dacc.username, env,
                                           cert_file=Path(cert) if cert else None))
        except DsoError as exc:
            rep.note = f"account not created ({exc}); messages filed without an account"
            return None
        return name

    def _import_file(self, db_file: Path, dacc: DatovkaAccount, rep: AccountReport,
                     tags: dict[tuple[str | None, int], list[tuple[str, str]]]) -> None:
        missing: list[ImportItem] = []
        rows: list[DatovkaMessage] = []

        def sources() -> Iterator[tuple[str, Callable[[], bytes]]]:
            try:
                yield from read_file()
            except DatovkaError as exc:
                # One damaged database (of one year, of one account) must not stop the
                # others; what it gave before the damage is imported and counted.
                log.warning("Datovka database skipped: %s", exc.message)
                rep.unreadable.append(db_file.name)
                rep.note = "; ".join(x for x in (rep.note, exc.message) if x)

        def read_file() -> Iterator[tuple[str, Callable[[], bytes]]]:
            for msg in iter_messages(db_file):
                # Only the dmID is kept for the tags: the signed bytes of a whole
                # database must not pile up in memory.
                rows.append(DatovkaMessage(msg.source, msg.dm_id, msg.message_type, None,
                                           None))
                rep.messages_found += 1
                label = f"{db_file.name}#{msg.dm_id}"
                if msg.raw:
                    yield f"{label}.zfo", lambda d=msg.raw: d  # type: ignore[misc]
                else:
                    missing.append(ImportItem(
                        f"{label}.zfo", ImportStatus.INVALID, dm_id=str(msg.dm_id),
                        reason="Datovka kept only the envelope, not the signed message "
                               "(download it again from ISDS while it is there)"
                        if msg.raw is None else
                        "the signed message Datovka kept is damaged (not base64)"))
                if msg.delivery_info is not None:
                    rep.delivery_infos_found += 1
                    yield f"{label}.dod.zfo", lambda d=msg.delivery_info: d  # type: ignore[misc]

        summary = self._zfo.import_sources(sources(), account=rep.account)
        rep.items.extend(summary.items)
        rep.items.extend(missing)
        # Tags: on the message the import filed (or found already filed) for that dmID.
        by_dm = {i.dm_id: i.message_id for i in summary.items
                 if i.message_id is not None and i.dm_id}
        for msg in rows:
            names = tags.get((dacc.username, msg.dm_id), []) + tags.get((None, msg.dm_id), [])
            mid = by_dm.get(str(msg.dm_id))
            if not names or mid is None:
                continue
            for tag_name, color in names:
                tag_id = self._tag_id(tag_name, color)
                self._tags.assign(mid, tag_id)
                rep.tags_assigned += 1

    def _tag_id(self, name: str, color: str) -> int:
        for t in self._tags.list():
            if t.name == name:
                return int(t.id)
        return int(self._tags.create(name, _color(color)).id)
