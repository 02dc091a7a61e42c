"""Alembic environment: the ctdash tables, migrated on the caller's connection or the store's."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from ctdash import auth, models  # noqa: F401  (registers the tables on SQLModel.metadata)
from ctdash.config import get_settings
from ctdash.db import make_engine, migration_transaction

config = context.config
target_metadata = SQLModel.metadata


def run_migrations(connection: Connection) -> None:
    """Migrate on a connection; SQLite rebuilds a table to alter it (batch mode)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    # `alembic upgrade --sql`: the SQL a DBA can read and run, for CTDASH_DATABASE_URL's dialect.
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    # ctdash.db.create_schema passes its connection, already in a transaction it commits.
    run_migrations(shared)
else:
    # The alembic command line, on CTDASH_DATABASE_URL (default data/ctdash.db).
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine()
    try:
        with migration_transaction(engine) as connection:
            run_migrations(connection)
    finally:
        engine.dispose()
