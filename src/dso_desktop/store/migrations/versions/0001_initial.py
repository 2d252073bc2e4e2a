"""The first archive schema: accounts, messages, raw ZFOs, delivery infos, events, tags, FTS.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Contentless FTS5 (content=''): the index alone, no second copy of the text; detail=column
# keeps it small (we query single tokens, never phrases). Diacritics folded for Czech.
FTS_SQL = (
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "subject, parties, refs, files, body, content='', detail=column, columnsize=0, "
    "tokenize='unicode61 remove_diacritics 2')"
)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("environment", sa.String(300), nullable=False),
        sa.Column("login_method", sa.String(20), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("cert_file", sa.String(1000), nullable=True),
        sa.Column("key_file", sa.String(1000), nullable=True),
        sa.Column("ca_file", sa.String(1000), nullable=True),
        sa.Column("sync_received", sa.Boolean(), nullable=False),
        sa.Column("delivery_confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("mark_downloaded", sa.Boolean(), nullable=False),
        sa.Column("box_id", sa.String(7), nullable=True),
        sa.Column("box_type", sa.String(20), nullable=True),
        sa.Column("owner_name", sa.String(300), nullable=True),
        sa.Column("received_synced_until", sa.DateTime(), nullable=True),
        sa.Column("sent_synced_until", sa.DateTime(), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("password_expires_at", sa.DateTime(), nullable=True),
        sa.Column("password_checked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("name", name="uq_accounts_name"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("dm_id", sa.String(20), nullable=False),
        sa.Column("sender_box_id", sa.String(7), nullable=True),
        sa.Column("sender_name", sa.String(300), nullable=True),
        sa.Column("sender_address", sa.String(300), nullable=True),
        sa.Column("sender_type", sa.Integer(), nullable=True),
        sa.Column("recipient_box_id", sa.String(7), nullable=True),
        sa.Column("recipient_name", sa.String(300), nullable=True),
        sa.Column("recipient_address", sa.String(300), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("to_hands", sa.String(300), nullable=True),
        sa.Column("our_ref", sa.String(60), nullable=True),
        sa.Column("your_ref", sa.String(60), nullable=True),
        sa.Column("our_file_mark", sa.String(60), nullable=True),
        sa.Column("your_file_mark", sa.String(60), nullable=True),
        sa.Column("legal_title", sa.String(200), nullable=True),
        sa.Column("personal_delivery", sa.Boolean(), nullable=True),
        sa.Column("allow_fiction", sa.Boolean(), nullable=True),
        sa.Column("message_type", sa.String(2), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("attachment_size_kb", sa.Integer(), nullable=True),
        sa.Column("attachment_count", sa.Integer(), nullable=False),
        sa.Column("big_message", sa.Boolean(), nullable=False),
        sa.Column("downloaded", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=True),
        sa.Column("verdict_json", sa.Text(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("timestamp_expires", sa.DateTime(), nullable=True),
        sa.Column("is_read", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_messages_account_id_accounts",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("account_id", "direction", "dm_id", name="uq_messages_account_dir_dm"),
    )
    op.create_index("ix_messages_list", "messages", ["account_id", "direction", "delivered_at"])
    op.create_index("ix_messages_dm_id", "messages", ["dm_id"])
    op.create_index("ix_messages_delivered", "messages", ["delivered_at"])
    op.create_table(
        "message_zfos",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_message_zfos_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name="pk_message_zfos"),
    )
    op.create_index("ix_message_zfos_sha256", "message_zfos", ["sha256"])
    op.create_table(
        "delivery_infos",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=True),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_delivery_infos_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name="pk_delivery_infos"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_events_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("message_id", "at", "description", name="uq_events_message_at_descr"),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("color", sa.String(9), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("name", name="uq_tags_name"),
    )
    op.create_table(
        "message_tags",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_message_tags_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name="fk_message_tags_tag_id_tags", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("message_id", "tag_id", name="pk_message_tags"),
    )
    op.create_index("ix_message_tags_tag", "message_tags", ["tag_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(FTS_SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS messages_fts")
    for table in (
        "settings", "message_tags", "tags", "events", "delivery_infos", "message_zfos",
        "messages", "accounts",
    ):
        op.drop_table(table)
