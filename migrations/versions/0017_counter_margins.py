"""the dashboard's margins and the 到期提醒 read from indexes

Revision ID: 0017
Revises: 0016

The 工作台 shows the counters (case_counts: one row per township, department, subcategory and
state; 15,884 rows at 1,000,000 cases) summed three ways: by state and department, by township and
state, by subcategory and state. Fetching every counter row and summing it in Python cost ~40 ms at
1M cases; a GROUP BY over the table needs a temporary B-tree (12–17 ms each). With an index per
margin that carries n, SQLite sums each in index order: 2.6–4.2 ms each, on a table of 16,000 rows.

The 到期提醒 of a county-level account (the 工作台's panel, after sign-in and with each refresh) looks
at every case still being worked on due within the widest window (68,000 at 1M cases) and keeps
those within the window of their deadline class: one table lookup each for deadline_class, 620 ms.
The overdue index of 0014 carrying deadline_class as well answers it from the index alone.

The quick-search rows of the cases of a household whose head or a member was renamed in the
household window are written again: that window did not re-index them before this program (the
new name found nothing, the old one still found the cases), and a one- or two-character search now
reads only its index.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.search import index_cases

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

MARGINS = {
    "ix_case_counts_state_department": ["state", "department_id", "n"],
    "ix_case_counts_township_state": ["township_id", "state", "n"],
    "ix_case_counts_subcategory_state": ["subcategory", "state", "n"],
}


OVERDUE = ["state", "deadline", "township_id", "completion_date", "lead_department_id"]  # 0014's


def upgrade() -> None:
    for name, columns in MARGINS.items():
        op.create_index(name, "case_counts", columns, unique=False)
    op.drop_index("ix_cases_state_deadline", table_name="cases")
    op.create_index("ix_cases_state_deadline", "cases", [*OVERDUE, "deadline_class"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        renamed = text(
            "SELECT c.id FROM cases c WHERE c.household_id IN (SELECT entity_id FROM audit_events "
            "WHERE entity = 'household' AND action IN ('household.update', 'member.update'))"
        )
        session = Session(bind=bind)
        for (case_id,) in bind.execute(renamed).all():
            index_cases(session, case_id, case_id)
        session.flush()


def downgrade() -> None:
    op.drop_index("ix_cases_state_deadline", table_name="cases")
    op.create_index("ix_cases_state_deadline", "cases", OVERDUE, unique=False)
    for name in MARGINS:
        op.drop_index(name, table_name="case_counts")
