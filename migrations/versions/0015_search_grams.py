"""quick search of one- and two-character terms

Revision ID: 0015
Revises: 0014

FTS5's trigram index (0002) never matches a term shorter than three characters, so 漏雨, 开裂 or 参保
found only the households whose head's name held them. case_search_grams (ledger/search.py) holds
every letter or digit of each case's names and description and every pair of adjacent ones, one
token each; a short term is then one token lookup. SQLite only (PostgreSQL searches with ILIKE).
"""

from __future__ import annotations

from alembic import op

from ledger.search import GRAMS_DDL, GRAMS_INSERT, GRAMS_SOURCE, GRAMS_TABLE, grams

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 20_000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(GRAMS_DDL)
    raw = bind.connection.driver_connection  # the migration's own sqlite3 connection and transaction
    source = raw.execute(GRAMS_SOURCE + " ORDER BY c.id")
    while rows := source.fetchmany(BATCH):
        raw.executemany(GRAMS_INSERT, [(case_id, grams(body)) for case_id, body in rows])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {GRAMS_TABLE}")
