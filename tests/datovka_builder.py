"""Build a Datovka configuration folder (``.dsgui``) for tests, exactly as Datovka lays it out.

Mirrors Datovka as published in the ``psakar/datovka`` mirror of CZ.NIC's Datovka:

- message databases: the table definitions of ``src/io/db_tables.cpp`` at commit
  b4701bcb51b2d352b48fea048a1bced00bac3545 (Datovka 4.x line: ``messages``, ``files``,
  ``hashes``, ``events``, ``raw_message_data``, ``raw_delivery_info_data``,
  ``supplementary_message_data``, ``certificate_data``, ``message_certificate_data``,
  ``process_state``), created the way ``Tbl::createEmpty`` writes its ``CREATE TABLE``;
  ``raw_message_data.data`` / ``raw_delivery_info_data.data`` hold base64 of the DER
  (``MessageDb::msgsMessageBase64``), ``message_type`` 1 = received, 2 = sent
  (``src/io/message_db.h``, ``MessageDb::MessageType``);
- file names: ``src/io/message_db_set.cpp`` / ``message_db_set.h`` at commit
  da20466fa4d92a14b26f7350fa7ba8ada995f681 / 295bf1f3f25cd407013e8ce1b80263983be3aa8b:
  ``<username>___<0|1>.db`` (single file) or ``<username>_<YYYY>___<0|1>.db`` and
  ``<username>_inv___<0|1>.db`` (per year; ``1`` = test account);
- ``tag.db``: ``tag`` (id, tag_name, tag_color) from the ``TagTbl`` definition and
  ``message_tags`` (id, user_name, message_id, tag_id) as ``src/io/tag_db.cpp`` at commit
  9b24fae01e12300b3a8e3c00d23f0dbfa474e578 reads and writes it;
- ``dsgui.conf``: QSettings INI, groups ``credentials``, ``credentials_2``, … with the keys of
  ``src/settings/accounts.cpp`` at commit 2606052e0496df2dfb2d00a47d457480e9ba4158.

Run as a script to write a sample folder: ``python tests/datovka_builder.py OUT_DIR``
(the real sample ZFOs from ../shared, one single-file account).
"""

from __future__ import annotations

import base64
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

DATOVKA_MIRRORED = "Datovka 4.x (psakar/datovka, db_tables.cpp @ b4701bcb51b2)"

# (table, [(column, type, column constraint)], table constraint) as in db_tables.cpp
INTEGER, TEXT, BOOLEAN, DATETIME = "INTEGER", "TEXT", "BOOLEAN", "DATETIME"
MESSAGE_TABLES: list[tuple[str, list[tuple[str, str, str]], str]] = [
    ("messages", [
        ("dmID", INTEGER, "NOT NULL"), ("is_verified", BOOLEAN, ""), ("_origin", TEXT, ""),
        ("dbIDSender", TEXT, ""), ("dmSender", TEXT, ""), ("dmSenderAddress", TEXT, ""),
        ("dmSenderType", INTEGER, ""), ("dmRecipient", TEXT, ""),
        ("dmRecipientAddress", TEXT, ""), ("dmAmbiguousRecipient", TEXT, ""),
        ("dmSenderOrgUnit", TEXT, ""), ("dmSenderOrgUnitNum", TEXT, ""),
        ("dbIDRecipient", TEXT, ""), ("dmRecipientOrgUnit", TEXT, ""),
        ("dmRecipientOrgUnitNum", TEXT, ""), ("dmToHands", TEXT, ""),
        ("dmAnnotation", TEXT, ""), ("dmRecipientRefNumber", TEXT, ""),
        ("dmSenderRefNumber", TEXT, ""), ("dmRecipientIdent", TEXT, ""),
        ("dmSenderIdent", TEXT, ""), ("dmLegalTitleLaw", TEXT, ""),
        ("dmLegalTitleYear", TEXT, ""), ("dmLegalTitleSect", TEXT, ""),
        ("dmLegalTitlePar", TEXT, ""), ("dmLegalTitlePoint", TEXT, ""),
        ("dmPersonalDelivery", BOOLEAN, ""), ("dmAllowSubstDelivery", BOOLEAN, ""),
        ("dmQTimestamp", TEXT, ""), ("dmDeliveryTime", DATETIME, ""),
        ("dmAcceptanceTime", DATETIME, ""), ("dmMessageStatus", INTEGER, ""),
        ("dmAttachmentSize", INTEGER, ""), ("_dmType", TEXT, ""),
    ], ",\n        PRIMARY KEY (dmID),\n        CHECK (is_verified IN (0, 1)),\n"
       "        CHECK (dmPersonalDelivery IN (0, 1)),\n"
       "        CHECK (dmAllowSubstDelivery IN (0, 1))"),
    ("files", [
        ("id", INTEGER, "NOT NULL"), ("message_id", INTEGER, ""), ("_dmFileDescr", TEXT, ""),
        ("_dmUpFileGuid", TEXT, ""), ("_dmFileGuid", TEXT, ""), ("_dmMimeType", TEXT, ""),
        ("_dmFormat", TEXT, ""), ("_dmFileMetaType", TEXT, ""),
        ("dmEncodedContent", TEXT, ""),
    ], ",\n        PRIMARY KEY (id),\n        FOREIGN KEY(message_id) REFERENCES messages (dmID)"),
    ("hashes", [
        ("id", INTEGER, "NOT NULL"), ("message_id", INTEGER, ""), ("value", TEXT, ""),
        ("_algorithm", TEXT, ""),
    ], ",\n        PRIMARY KEY (id),\n        FOREIGN KEY(message_id) REFERENCES messages (dmID)"),
    ("events", [
        ("id", INTEGER, "NOT NULL"), ("message_id", INTEGER, ""), ("dmEventTime", TEXT, ""),
        ("dmEventDescr", TEXT, ""),
    ], ",\n        PRIMARY KEY (id),\n        FOREIGN KEY(message_id) REFERENCES messages (dmID)"),
    ("raw_message_data", [
        ("message_id", INTEGER, "NOT NULL"), ("message_type", INTEGER, ""),
        ("data", TEXT, ""),
    ], ",\n        PRIMARY KEY (message_id),\n"
       "        FOREIGN KEY(message_id) REFERENCES messages (dmID)"),
    ("raw_delivery_info_data", [
        ("message_id", INTEGER, "NOT NULL"), ("data", TEXT, ""),
    ], ",\n        PRIMARY KEY (message_id),\n"
       "        FOREIGN KEY(message_id) REFERENCES messages (dmID)"),
    ("supplementary_message_data", [
        ("message_id", INTEGER, "NOT NULL"), ("message_type", INTEGER, ""),
        ("read_locally", BOOLEAN, ""), ("download_date", DATETIME, ""),
        ("custom_data", TEXT, ""),
    ], ",\n        PRIMARY KEY (message_id),\n"
       "        FOREIGN KEY(message_id) REFERENCES messages (dmID),\n"
       "        CHECK (read_locally IN (0, 1))"),
    ("certificate_data", [
        ("id", INTEGER, "NOT NULL"), ("der_data", TEXT, ""),
    ], ",\n        PRIMARY KEY (id),\n        UNIQUE (der_data)"),
    ("message_certificate_data", [
        ("message_id", INTEGER, ""), ("certificate_id", INTEGER, ""),
    ], ",\n        FOREIGN KEY(message_id) REFERENCES messages (dmID),\n"
       "        FOREIGN KEY(certificate_id) REFERENCES certificate_data (id)"),
    ("process_state", [
        ("message_id", INTEGER, "NOT NULL"), ("state", INTEGER, ""),
    ], ",\n        PRIMARY KEY (message_id),\n"
       "        FOREIGN KEY(message_id) REFERENCES messages (dmID)"),
]
TAG_TABLES: list[tuple[str, list[tuple[str, str, str]], str]] = [
    ("tag", [("id", INTEGER, "NOT NULL"), ("tag_name", TEXT, "NOT NULL"),
             ("tag_color", TEXT, "")],
     ",\n        PRIMARY KEY (id),\n        UNIQUE (tag_name)"),
    ("message_tags", [("id", INTEGER, "NOT NULL"), ("user_name", TEXT, "NOT NULL"),
                      ("message_id", INTEGER, "NOT NULL"), ("tag_id", INTEGER, "NOT NULL")],
     ",\n        PRIMARY KEY (id),\n        FOREIGN KEY(tag_id) REFERENCES tag (id)"),
]


def create_sql(table: str, cols: list[tuple[str, str, str]], constraint: str) -> str:
    """``CREATE TABLE`` as ``Tbl::createEmpty`` builds it."""
    body = ",\n".join(f"        {n} {t}" + (f" {c}" if c else "") for n, t, c in cols)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n{body}{constraint}\n)"


@dataclass
class Msg:
    zfo: bytes | None  # the signed message (None: Datovka kept only the envelope)
    delivery_info: bytes | None = None
    message_type: int = 1  # 1 received, 2 sent
    tags: tuple[str, ...] = ()
    dm_id: int | None = None  # default: the ZFO's dmID
    raw_text: str | None = None  # store this instead of base64(zfo) (a damaged row)
    year: str | None = None  # default: the delivery year ("inv" without one)


@dataclass
class Acc:
    name: str
    username: str
    testing: bool = False
    yearly: bool = False
    login_method: str = "username"
    messages: list[Msg] = field(default_factory=list)


def _envelope(zfo: bytes | None) -> dict[str, object]:
    if zfo is None:
        return {}
    from dso_desktop.zfo import parse_zfo

    env = parse_zfo(zfo).envelope
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return {
        "dmID": int(env.message_id), "dbIDSender": env.sender_box_id,
        "dmSender": env.sender_name, "dmSenderAddress": env.sender_address,
        "dbIDRecipient": env.recipient_box_id, "dmRecipient": env.recipient_name,
        "dmRecipientAddress": env.recipient_address, "dmAnnotation": env.subject,
        "dmDeliveryTime": env.delivered_at.strftime(fmt) if env.delivered_at else None,
        "dmAcceptanceTime": env.accepted_at.strftime(fmt) if env.accepted_at else None,
        "dmMessageStatus": env.status, "_dmType": env.message_type,
        "dmPersonalDelivery": int(bool(env.personal_delivery)),
        "dmAllowSubstDelivery": int(bool(env.allow_fiction)), "is_verified": 1,
    }


def build(root: Path, accounts: list[Acc], *, colors: dict[str, str] | None = None) -> Path:
    """Write ``root`` as a Datovka configuration folder; returns it."""
    root.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for i, acc in enumerate(accounts):
        group = "credentials" if i == 0 else f"credentials_{i + 1}"
        lines += [f"[{group}]", f"name={acc.name}", f"username={acc.username}",
                  f"login_method={acc.login_method}",
                  f"test_account={'true' if acc.testing else 'false'}",
                  "remember_password=false", "sync_with_all=true", ""]
    (root / "dsgui.conf").write_text("\n".join(lines), encoding="utf-8")
    tag_ids: dict[str, int] = {}
    tag_rows: list[tuple[str, int, int]] = []
    for acc in accounts:
        flag = "1" if acc.testing else "0"
        dbs: dict[Path, sqlite3.Connection] = {}
        for n, msg in enumerate(acc.messages):
            env = _envelope(msg.zfo)
            dm_id = msg.dm_id or int(env.get("dmID") or 900000 + n)
            env["dmID"] = dm_id
            if acc.yearly:
                year = msg.year or (str(env["dmDeliveryTime"])[:4] if env.get("dmDeliveryTime")
                                    else "inv")
                path = root / f"{acc.username}_{year}___{flag}.db"
            else:
                path = root / f"{acc.username}___{flag}.db"
            con = dbs.get(path)
            if con is None:
                con = dbs[path] = sqlite3.connect(path)
                for t in MESSAGE_TABLES:
                    con.execute(create_sql(*t))
            cols = ", ".join(env)
            con.execute(f"INSERT INTO messages ({cols}) VALUES "  # noqa: S608
                        f"({', '.join('?' for _ in env)})", list(env.values()))
            if msg.zfo is not None or msg.raw_text is not None:
                data = msg.raw_text if msg.raw_text is not None else \
                    base64.b64encode(msg.zfo or b"").decode()
                con.execute("INSERT INTO raw_message_data (message_id, message_type, data) "
                            "VALUES (?, ?, ?)", (dm_id, msg.message_type, data))
            if msg.delivery_info is not None:
                con.execute("INSERT INTO raw_delivery_info_data (message_id, data) "
                            "VALUES (?, ?)", (dm_id, base64.b64encode(msg.delivery_info)
                                              .decode()))
            con.execute("INSERT INTO supplementary_message_data (message_id, message_type, "
                        "read_locally) VALUES (?, ?, 0)", (dm_id, msg.message_type))
            for tag in msg.tags:
                tid = tag_ids.setdefault(tag, len(tag_ids) + 1)
                tag_rows.append((acc.username, dm_id, tid))
        for con in dbs.values():
            con.commit()
            con.close()
    if tag_ids:
        con = sqlite3.connect(root / "tag.db")
        for t in TAG_TABLES:
            con.execute(create_sql(*t))
        for name, tid in tag_ids.items():
            con.execute("INSERT INTO tag (id, tag_name, tag_color) VALUES (?, ?, ?)",
                        (tid, name, (colors or {}).get(name, "ffaa00")))
        for n, (user, dm_id, tid) in enumerate(tag_rows, start=1):
            con.execute("INSERT INTO message_tags (id, user_name, message_id, tag_id) "
                        "VALUES (?, ?, ?, ?)", (n, user, dm_id, tid))
        con.commit()
        con.close()
    return root


def sample_messages(folder: Path) -> list[Msg]:
    """The sample ZFOs of a folder as Datovka keeps them: each signed message in its row,
    a delivery info beside the message of its dmID (alone when that message is absent,
    as Datovka keeps it after downloading only the delivery info)."""
    from dso_desktop.zfo import ZfoKind, parse_zfo

    msgs: dict[str, Msg] = {}
    infos: dict[str, bytes] = {}
    for p in sorted(folder.glob("*.zfo")):
        data = p.read_bytes()
        z = parse_zfo(data)
        if z.kind is ZfoKind.DELIVERY_INFO:
            infos[z.envelope.message_id] = data
        else:
            msgs[z.envelope.message_id] = Msg(data, message_type=2 if z.kind is ZfoKind.SENT
                                              else 1)
    for dm_id, data in infos.items():
        if dm_id in msgs:
            msgs[dm_id].delivery_info = data
        else:
            msgs[dm_id] = Msg(None, delivery_info=data, dm_id=int(dm_id))
    return list(msgs.values())


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/datovka_builder.py OUT_DIR", file=sys.stderr)
        return 2
    samples = Path(__file__).resolve().parents[1].parent / "shared/isds-spec/zfo-samples"
    msgs = sample_messages(samples)
    build(Path(argv[0]), [Acc("Vzorky", "vzorky", messages=msgs)])
    print(f"written {argv[0]} ({DATOVKA_MIRRORED})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
