"""Evidence states: conflicting and displaced copies, quarantined imports, content hashes.

Revision ID: 0002
Revises: 0001

Existing rows stay as they are. A message whose stored verdict is not trusted (an archive
that imported a forgery before this release) is downloaded again by the next sync, which
makes ISDS's copy the evidence and keeps the old one in ``evidence_copies``; no data has to
move here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_zfos") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
    with op.batch_alter_table("delivery_infos") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
    op.create_table(
        "evidence_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=True),
        sa.Column("verdict_json", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_evidence_copies_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_copies"),
        sa.UniqueConstraint("message_id", "kind", "sha256", name="uq_evidence_copies_msg_sha"),
    )
    op.create_table(
        "quarantined_zfos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("zfo_kind", sa.String(20), nullable=True),
        sa.Column("dm_id", sa.String(20), nullable=True),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("verdict_json", sa.Text(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("source_name", sa.String(1000), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantined_zfos"),
        sa.UniqueConstraint("sha256", name="uq_quarantined_zfos_sha256"),
    )
    op.create_index("ix_quarantined_zfos_dm_id", "quarantined_zfos", ["dm_id"])


def downgrade() -> None:
    op.drop_index("ix_quarantined_zfos_dm_id", table_name="quarantined_zfos")
    op.drop_table("quarantined_zfos")
    op.drop_table("evidence_copies")
    with op.batch_alter_table("delivery_infos") as batch:
        batch.drop_column("content_sha256")
    with op.batch_alter_table("message_zfos") as batch:
        batch.drop_column("content_sha256")
