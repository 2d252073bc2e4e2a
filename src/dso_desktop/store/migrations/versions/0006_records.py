"""Hand-over to records management: transfer batches, their entities, confirmed hand-overs,
REST uploads and the purge log (all new tables; nothing existing changes).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
# Written beside other revisions on parallel branches; whoever merges re-chains this one onto
# the then newest revision (it only adds tables, so any position after 0003 is safe).
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "records_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("target", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(1000), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmation_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_records_batches"),
        sa.UniqueConstraint("batch_id", name="uq_records_batches_batch_id"),
    )
    op.create_table(
        "records_batch_entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_pk", sa.Integer(), nullable=False),
        sa.Column("poradi", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(40), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("status", sa.String(12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["batch_pk"], ["records_batches.id"], ondelete="CASCADE",
                                name="fk_records_batch_entities_batch_pk_records_batches"),
        sa.PrimaryKeyConstraint("id", name="pk_records_batch_entities"),
        sa.UniqueConstraint("batch_pk", "poradi",
                            name="uq_records_batch_entities_batch_poradi"),
    )
    op.create_index("ix_records_batch_entities_message", "records_batch_entities",
                    ["message_id"])
    op.create_table(
        "records_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("dm_id", sa.String(20), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.String(40), nullable=True),
        sa.Column("zfo_sha256", sa.String(64), nullable=True),
        sa.Column("delivery_info_sha256", sa.String(64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_records_handovers"),
    )
    op.create_index("ix_records_handovers_message", "records_handovers", ["message_id"])
    op.create_table(
        "records_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("dm_id", sa.String(20), nullable=False),
        sa.Column("service", sa.String(300), nullable=False),
        sa.Column("node_ids", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(100), nullable=False),
        sa.Column("zfo_sha256", sa.String(64), nullable=False),
        sa.Column("remote_id", sa.String(300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_records_uploads"),
    )
    op.create_index("ix_records_uploads_message", "records_uploads", ["message_id"])
    op.create_table(
        "records_purge_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("dm_id", sa.String(20), nullable=False),
        sa.Column("account_name", sa.String(100), nullable=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("zfo_sha256", sa.String(64), nullable=True),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("handover_method", sa.String(10), nullable=False),
        sa.Column("handover_target", sa.String(300), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_records_purge_log"),
    )


def downgrade() -> None:
    op.drop_table("records_purge_log")
    op.drop_index("ix_records_uploads_message", table_name="records_uploads")
    op.drop_table("records_uploads")
    op.drop_index("ix_records_handovers_message", table_name="records_handovers")
    op.drop_table("records_handovers")
    op.drop_index("ix_records_batch_entities_message", table_name="records_batch_entities")
    op.drop_table("records_batch_entities")
    op.drop_table("records_batches")
