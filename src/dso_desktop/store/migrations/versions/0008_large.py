"""A million messages (issue 18): covering indexes for every sortable list column.

Each index leads with the direction (every folder of the tree filters on it), then the sort
column, then (id, account_id): the list's keyset pages and id queries read the index in
order, with no sort step and no table lookups, with or without an account filter.

Revision ID: 0008
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0008"
# Written beside other revisions on parallel branches; whoever merges re-chains this one onto
# the then newest revision (it only adds indexes, so any position after 0003 is safe).
down_revision = "0006"
branch_labels = None
depends_on = None

SORT_COLUMNS = ("delivered_at", "accepted_at", "subject", "sender_name", "recipient_name",
                "dm_id", "status")


def upgrade() -> None:
    for col in SORT_COLUMNS:
        op.create_index(f"ix_messages_sort_{col}", "messages",
                        ["direction", col, "id", "account_id"])
    op.create_index("ix_messages_sort_id", "messages", ["direction", "id", "account_id"])


def downgrade() -> None:
    op.drop_index("ix_messages_sort_id", table_name="messages")
    for col in reversed(SORT_COLUMNS):
        op.drop_index(f"ix_messages_sort_{col}", table_name="messages")
