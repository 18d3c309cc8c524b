"""Alembic environment. The application runs migrations through ledger.migrate with an open
connection whose transaction it owns (so a failing upgrade rolls back whole); the alembic command
line works too: `alembic -c migrations/alembic.ini -x db=PATH_OR_URL upgrade head`."""

from __future__ import annotations

from alembic import context

from ledger.db import create_ledger_engine
from ledger.models import Base

config = context.config
target_metadata = Base.metadata


# Search tables live outside the ORM metadata (SQLite FTS5 and its shadow tables, revision 0002).
SEARCH_TABLE_PREFIX = "case_search"


# PostgreSQL's trigram indexes of the quick search (revision 0004), also outside the metadata.
TRIGRAM_INDEX_SUFFIX = "_trgm"


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "index" and name and name.endswith(TRIGRAM_INDEX_SUFFIX):
        return False
    return not (type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIX))


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    db = context.get_x_argument(as_dictionary=True).get("db")
    if not db:
        raise SystemExit("usage: alembic -x db=PATH_OR_URL ...")
    engine = create_ledger_engine(db)
    with engine.begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported")
run_migrations_online()
