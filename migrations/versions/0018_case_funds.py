"""整改资金: a case's rectification funds, in whole 元

Revision ID: 0018
Revises: 0017

The first column added through the declarative case schema (ledger/schema.py, a `plain` column):
nullable, so every case of an older ledger has none. It joins the case record's signed content and a
sign-off's content hash only once set (records.RecordKind.added, schema.signed_fields), so every
stamp and sign-off written before stays valid. The states in which it may be edited are added to
the workflow's field rules in the run that upgrades, with the audit key, because the workflow tables
are a stamped record (ledger/facade.py, _rules_for_new_columns).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("funds", sa.Integer(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite ≥ 3.35): a batch rebuild of `cases` would lose its counting triggers.
    op.execute("ALTER TABLE cases DROP COLUMN funds")
