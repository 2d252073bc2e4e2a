"""Alembic environment: migrations run on the connection the app hands over."""

from __future__ import annotations

from alembic import context

from dso_desktop.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the app always passes its connection
    raise RuntimeError("dso_desktop.store.migrations run only through dso_desktop.store.Database")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
