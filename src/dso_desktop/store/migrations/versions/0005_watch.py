"""The watch and its remedies: evidence horizon columns, evidence versions, online checks.

Revision ID: 0005
Revises: 0004

Additive only: two nullable columns and an index on ``messages`` and two new tables.
Existing rows get their horizon lazily (`services.watch.WatchService.backfill`, which the
watch runs first): computing it needs the trust store, which a migration does not have.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
# Written beside other branches' revisions (0004, ...); the merge re-chains this one.
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("evidence_expires", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("evidence_cause", sa.String(30), nullable=True))
    op.create_index("ix_messages_evidence_expires", "messages", ["evidence_expires"])
    op.create_table(
        "evidence_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("covers_sha256", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=True),
        sa.Column("verdict_json", sa.Text(), nullable=True),
        sa.Column("evidence_expires", sa.DateTime(), nullable=True),
        sa.Column("evidence_cause", sa.String(30), nullable=True),
        sa.Column("source", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE",
                                name="fk_evidence_versions_message_id_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_versions"),
        sa.UniqueConstraint("message_id", "version", name="uq_evidence_versions_msg_version"),
    )
    op.create_table(
        "online_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("account_name", sa.String(100), nullable=True),
        sa.Column("authentic", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE",
                                name="fk_online_checks_message_id_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_online_checks"),
    )
    op.create_index("ix_online_checks_message", "online_checks", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_online_checks_message", table_name="online_checks")
    op.drop_table("online_checks")
    op.drop_table("evidence_versions")
    op.drop_index("ix_messages_evidence_expires", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("evidence_cause")
        batch.drop_column("evidence_expires")
