"""Big evidence (issue 18): on SQLite the ZFO bytes become the last column of message_zfos.

SQLite builds a whole row in memory before it writes it. A blob in the middle of the row is
held there besides the copy the driver binds: storing a 300 MB ZFO cost 600 MB on top of
its bytes. A ``zeroblob(n)`` that is the row's last value is not expanded, so the store can
insert one and write the bytes into it a chunk at a time (`store.blobs`). This revision
moves ``data`` to the end of ``message_zfos`` (a table copy, once: the columns, constraints,
index and rows are the same; PostgreSQL's column order does not matter and is left alone).

The copy is made only for an archive of at most `REORDER_MAX_BYTES`: it runs in the one
transaction of the upgrade, at the first start after an update, and needs the table's size
again on disk (and as much again in the WAL). A larger archive keeps its column order: it
works the same, only storing a big message costs its size once more in memory there (see
docs/performance.md). A new archive is created with ``data`` last.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0009"
# Written beside other revisions on parallel branches; whoever merges re-chains this one onto
# the then newest revision (it changes only the column order of one table on SQLite, so any
# position after 0002, which added content_sha256, is safe).
down_revision = "0008"
branch_labels = None
depends_on = None


REORDER_MAX_BYTES = 1 << 30


def _reorder_limit() -> int:
    # The environment variable is for tests (a large archive cannot be made cheaply there).
    return int(os.environ.get("DSO_REORDER_MAX_BYTES", REORDER_MAX_BYTES))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    columns = [c["name"] for c in sa.inspect(bind).get_columns("message_zfos")]
    if columns[-1] == "data":
        return
    size = (bind.exec_driver_sql("PRAGMA page_count").scalar_one()
            * bind.exec_driver_sql("PRAGMA page_size").scalar_one())
    if size > _reorder_limit():
        return
    order = (*(c for c in columns if c != "data"), "data")
    with op.batch_alter_table("message_zfos", recreate="always",
                              partial_reordering=[order]):
        pass


def downgrade() -> None:
    pass  # the column order is no part of the schema an older release reads
