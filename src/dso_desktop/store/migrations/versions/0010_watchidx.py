"""A million messages (issue 18): indexes for the watch, the warnings and the tree counts.

- ``ix_messages_downloaded_accepted`` (downloaded, accepted_at): the messages ISDS will
  delete (listed, not downloaded) are a range of it, in due order, instead of a scan of
  every message.
- ``ix_messages_verdict`` (verdict): evidence that is not trusted is a few ranges of it.
- ``ix_messages_tree`` (is_read, account_id, direction, delivered_at): the folder tree's
  totals and unread counts are read from the index alone (a fifth of the table's pages).

Only indexes are added: any position after 0008 is safe when the lead re-chains it. Each is
created IF NOT EXISTS (dropped IF EXISTS), so the upgrade is safe to run again in place on an
archive that already has them (the cached million-message bench archive was upgraded in place:
building the three indexes over 1,000,000 messages is one transaction of about a minute).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_downloaded_accepted", "messages",
                    ["downloaded", "accepted_at"], if_not_exists=True)
    op.create_index("ix_messages_verdict", "messages", ["verdict"], if_not_exists=True)
    op.create_index("ix_messages_tree", "messages",
                    ["is_read", "account_id", "direction", "delivered_at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_messages_tree", table_name="messages", if_exists=True)
    op.drop_index("ix_messages_verdict", table_name="messages", if_exists=True)
    op.drop_index("ix_messages_downloaded_accepted", table_name="messages", if_exists=True)
