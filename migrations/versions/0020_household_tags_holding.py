"""The tags each household holds, from one index

Revision ID: 0020
Revises: 0019

`ix_household_tags_tag` (tag, end_date) becomes `ix_household_tags_holding` (tag, household_id,
start_date, end_date): a lookup by tag still uses its first column, and the 工作台's 农户标签统计
(HouseholdEditing.tag_counts) reads the households holding each tag today in the index's order,
without the table and without sorting 610,903 tag rows to count each household once
(444 → 80 ms at 1,000,000 cases, docs/performance.md).
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_household_tags_tag", table_name="household_tags")
    op.create_index(
        "ix_household_tags_holding", "household_tags", ["tag", "household_id", "start_date", "end_date"]
    )


def downgrade() -> None:
    op.drop_index("ix_household_tags_holding", table_name="household_tags")
    op.create_index("ix_household_tags_tag", "household_tags", ["tag", "end_date"])
