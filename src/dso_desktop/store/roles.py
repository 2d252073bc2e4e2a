"""Roles of an office archive on PostgreSQL, enforced by the database itself.

Three group roles (NOLOGIN); each person logs in with their own role that is a member of
one of them (`docs/office.md`):

- ``dso_reader``: reads everything, changes nothing (``GRANT SELECT`` only).
- ``dso_clerk``: reads; tags, notes and read state (``message_tags``, ``tags``,
  ``message_activity``, ``messages.is_read``/``note``); sends (the outbox, and the sent
  message's signed copy and delivery info stored afterwards). Not: accounts' login data,
  the delivery consent, settings.
- ``dso_office_admin``: everything on the archive's tables: manages accounts, accepts
  delivery (the legal guard's ``delivery_confirmed_at``, received messages by sync), runs
  the migrations (owns the schema's objects).

The SQL is idempotent (roles are created only when missing; grants repeat harmlessly) and
covers tables added by later migrations through ``ALTER DEFAULT PRIVILEGES``.
"""

from __future__ import annotations

import re

READER, CLERK, ADMIN = "dso_reader", "dso_clerk", "dso_office_admin"
ROLES = (READER, CLERK, ADMIN)

# What a clerk writes when tagging, annotating, reading and sending (a sent message's
# envelope, signed copy, events, delivery info and search index; the outbox record).
CLERK_WRITES = (
    "tags", "message_tags", "message_activity", "outbox", "message_zfos", "events",
    "delivery_infos", "evidence_copies", "message_search",
)
# Columns of `messages` a clerk may change besides inserting a sent message.
CLERK_MESSAGE_COLUMNS = (
    "is_read", "note", "updated_at", "status", "delivered_at", "accepted_at",
    "attachment_count", "downloaded", "verdict", "verdict_json", "verified_at",
    "timestamp_expires", "sender_box_id", "sender_name", "sender_address", "sender_type",
    "recipient_box_id", "recipient_name", "recipient_address", "subject", "to_hands",
    "our_ref", "your_ref", "our_file_mark", "your_file_mark", "legal_title",
    "personal_delivery", "allow_fiction", "message_type", "attachment_size_kb",
    "big_message",
)
# Columns of `accounts` the sending side moves on (sent list, password expiry); never
# the login data or the delivery consent.
CLERK_ACCOUNT_COLUMNS = (
    "sent_synced_until", "last_sync_at", "password_expires_at", "password_checked_at",
    "box_id", "box_type", "owner_name",
)

_IDENT = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def roles_sql(database: str, schema: str = "public", owner: str | None = None) -> list[str]:
    """The statements that create the three roles and grant them their rights on
    ``database``'s ``schema``. ``owner``: the role that runs the migrations (whose future
    tables the default privileges cover); the current user when None."""
    db, sc = _ident(database), _ident(schema)
    out = []
    for role in ROLES:
        out.append(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
            f"'{role}') THEN CREATE ROLE {role} NOLOGIN; END IF; END $$")
    out += [
        f"GRANT CONNECT ON DATABASE {db} TO {READER}, {CLERK}, {ADMIN}",
        f"GRANT USAGE ON SCHEMA {sc} TO {READER}, {CLERK}, {ADMIN}",
        f"GRANT CREATE ON SCHEMA {sc} TO {ADMIN}",
        # Everyone reads everything (the archive is the office's).
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {sc} TO {READER}, {CLERK}, {ADMIN}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sc} TO {CLERK}, {ADMIN}",
        # The administrator: every table.
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sc} TO {ADMIN}",
        # The clerk: tags, notes, read state, sending.
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(CLERK_WRITES)} TO {CLERK}",
        f"GRANT INSERT ON messages TO {CLERK}",
        f"GRANT UPDATE ({', '.join(CLERK_MESSAGE_COLUMNS)}) ON messages TO {CLERK}",
        f"GRANT UPDATE ({', '.join(CLERK_ACCOUNT_COLUMNS)}) ON accounts TO {CLERK}",
    ]
    for_role = f"FOR ROLE {_ident(owner)} " if owner else ""
    out += [
        f"ALTER DEFAULT PRIVILEGES {for_role}IN SCHEMA {sc} GRANT SELECT ON TABLES TO "
        f"{READER}, {CLERK}",
        f"ALTER DEFAULT PRIVILEGES {for_role}IN SCHEMA {sc} GRANT SELECT, INSERT, UPDATE, "
        f"DELETE ON TABLES TO {ADMIN}",
        f"ALTER DEFAULT PRIVILEGES {for_role}IN SCHEMA {sc} GRANT USAGE, SELECT ON "
        f"SEQUENCES TO {CLERK}, {ADMIN}",
    ]
    return out


def script(statements: list[str]) -> str:
    return "".join(s + ";\n" for s in statements)
