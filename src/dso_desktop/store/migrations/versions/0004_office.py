"""One archive for an office: who read, tagged or annotated what; search on PostgreSQL.

Revision ID: 0004
Revises: 0003

Additive: a new table on every backend (``message_activity``), and on PostgreSQL the
full-text index (``message_search``, `store.pgsearch`; SQLite has had ``messages_fts``
since 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BLOB_TABLES = ("message_zfos", "delivery_infos", "evidence_copies", "quarantined_zfos")


def upgrade() -> None:
    op.create_table(
        "message_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_message_activity_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_message_activity"),
    )
    op.create_index("ix_message_activity_message", "message_activity", ["message_id", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_table(
            "message_search",
            sa.Column("message_id", sa.Integer(), nullable=False),
            sa.Column("doc", postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(
                ["message_id"], ["messages.id"],
                name="fk_message_search_message_id_messages", ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("message_id", name="pk_message_search"),
        )
        op.create_index("ix_message_search_doc", "message_search", ["doc"],
                        postgresql_using="gin")
        # Evidence is signed, mostly compressed content: kept out of line uncompressed, so
        # a large ZFO is read in slices (`store.blobs`) without decompressing it per slice.
        for table in BLOB_TABLES:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_message_search_doc", table_name="message_search")
        op.drop_table("message_search")
    op.drop_index("ix_message_activity_message", table_name="message_activity")
    op.drop_table("message_activity")
