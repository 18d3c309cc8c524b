"""A household's cases with their state, from one index

Revision ID: 0019
Revises: 0018

`ix_cases_household_id` becomes `ix_cases_household_state` (household_id, state): every lookup by
household still uses its first column, and the 工作台's 农户标签统计 (HouseholdEditing.tag_counts), which
joins every tagged household to its cases and reads only their state, no longer visits the cases
table itself — 0.22 → 0.13 s of CPU at 100,000 cases (bench/core.py).
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_cases_household_id", table_name="cases")
    op.create_index("ix_cases_household_state", "cases", ["household_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_cases_household_state", table_name="cases")
    op.create_index("ix_cases_household_id", "cases", ["household_id"])
