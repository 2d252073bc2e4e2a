"""The send outbox: a durable record of every message before it is sent (exactly-once).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
# 0002 (evidence states) is written on a parallel branch; whoever merges both re-chains
# this one onto it ("0002") so the history stays linear.
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(36), nullable=False),
        sa.Column("account_name", sa.String(100), nullable=False),
        sa.Column("recipient", sa.String(7), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("our_ref", sa.String(50), nullable=True),
        sa.Column("your_ref", sa.String(50), nullable=True),
        sa.Column("our_file_mark", sa.String(50), nullable=True),
        sa.Column("your_file_mark", sa.String(50), nullable=True),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("big_message", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("dm_id", sa.String(20), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("unreported", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reconciled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_account_state", "outbox", ["account_name", "state"])
    op.create_index("ix_outbox_fingerprint", "outbox", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_outbox_fingerprint", table_name="outbox")
    op.drop_index("ix_outbox_account_state", table_name="outbox")
    op.drop_table("outbox")
