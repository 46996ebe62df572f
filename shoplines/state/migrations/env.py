"""Alembic environment: migrates the connection `migrate()` hands over, or the configured database."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from shoplines.settings import load_settings
from shoplines.state.db import VERSION_TABLE, make_engine, migration_connection
from shoplines.state.models import Base

config = context.config


def run_migrations(connection: Connection) -> None:
    """Run pending migrations on one connection, in one transaction."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        compare_type=True,
        transactional_ddl=True,  # our SQLite engine emits BEGIN itself, so DDL is transactional there too
    )
    with context.begin_transaction():
        context.run_migrations()


def run_from_command_line() -> None:
    """`alembic -c alembic.ini …`: sqlalchemy.url, else SHOPLINES_DATABASE_URL / SHOPLINES_HOME."""
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = config.get_main_option("sqlalchemy.url") or load_settings().state_url
    engine = make_engine(url)
    try:
        with migration_connection(engine) as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

given = config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    run_from_command_line()
