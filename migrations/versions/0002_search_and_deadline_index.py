"""quick search and the unfiltered deadline sort

Revision ID: 0002
Revises: 0001

The ledger view's quick search finds cases by case number, household head's name or words of the
description. On SQLite a trigram FTS5 table (one row per case, rowid = case id) answers substring
queries of 3+ characters from an index; ledger/search.py writes its rows with the cases (not
triggers: trusted_schema=OFF forbids triggers writing to virtual tables).
PostgreSQL has no such table: its queries fall back to ILIKE (see ledger/services/queries.py).
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE case_search USING fts5(body, tokenize = 'trigram')",
    """INSERT INTO case_search (rowid, body)
         SELECT c.id, c.number || char(10) || h.head_name || char(10) || c.description
           FROM cases c JOIN households h ON h.id = c.household_id""",
]


def upgrade() -> None:
    op.create_index("ix_cases_deadline", "cases", ["deadline"], unique=False)
    op.create_index("ix_cases_township_number", "cases", ["township_id", "number"], unique=False)
    op.create_index("ix_cases_dept_number", "cases", ["lead_department_id", "number"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS case_search")
    op.drop_index("ix_cases_dept_number", table_name="cases")
    op.drop_index("ix_cases_township_number", table_name="cases")
    op.drop_index("ix_cases_deadline", table_name="cases")
