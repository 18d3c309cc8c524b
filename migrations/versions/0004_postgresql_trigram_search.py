"""quick search on PostgreSQL through trigram indexes

Revision ID: 0004
Revises: 0003

SQLite answers the ledger view's quick search from its FTS5 trigram table (0002). On PostgreSQL the
same ILIKE queries (ledger/services/queries.py) become index scans with pg_trgm's GIN indexes on the
case number, the description and the head's name. pg_trgm ships with PostgreSQL (contrib) and is a
trusted extension, so the ledger's owner may create it; where it is missing the revision does
nothing and search stays a sequential scan.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Kept out of the ORM metadata (migrations/env.py) like the SQLite search table.
INDEXES = (
    ("ix_cases_number_trgm", "cases", "number"),
    ("ix_cases_description_trgm", "cases", "description"),
    ("ix_households_head_name_trgm", "households", "head_name"),
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
