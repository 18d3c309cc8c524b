"""督办函 tracking: the issued letters, their 书面说明 and closing

Revision ID: 0010
Revises: 0009

`supervision_letters`: one row per 督办函 printed with a 发文字号 (written in the transaction of the
report.print event that claims the number), the cases it names, its reply due date, the
department's 书面说明 (date, the scanned reply's hash in the evidence store) and its closing. Each row
is a signed record (ledger/records.py kind "letter"), so a state changed with a SQL tool is named by
`verify`; on PostgreSQL the guards of revision 0006 apply to the new table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLE = "supervision_letters"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_text", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("case_ids", sa.Text(), nullable=False),
        sa.Column("case_numbers", sa.Text(), nullable=False),
        sa.Column("issued_date", sa.Date(), nullable=False),
        sa.Column("reply_due", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reply_date", sa.Date(), nullable=True),
        sa.Column("reply_sha256", sa.String(length=64), nullable=True),
        sa.Column("reply_name", sa.String(length=255), nullable=False),
        sa.Column("reply_mime", sa.String(length=32), nullable=False),
        sa.Column("reply_size", sa.Integer(), nullable=True),
        sa.Column("replied_by", sa.Integer(), nullable=True),
        sa.Column("closed_date", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_supervision_letters_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], name=op.f("fk_supervision_letters_issued_by_users")),
        sa.ForeignKeyConstraint(["replied_by"], ["users.id"], name=op.f("fk_supervision_letters_replied_by_users")),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_supervision_letters_closed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_letters")),
        sa.UniqueConstraint("series", "year", "number", name="uq_supervision_letters_number"),
    )
    op.create_index(op.f("ix_supervision_letters_department_id"), TABLE, ["department_id"])
    if op.get_bind().dialect.name != "sqlite":  # the guards of revision 0006 for the new table
        op.execute(
            f"""CREATE CONSTRAINT TRIGGER {TABLE}_needs_audit_event AFTER INSERT OR UPDATE OR DELETE
                ON {TABLE} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                EXECUTE FUNCTION zgtz_require_audit_event()"""
        )
        op.execute(
            f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
                FOR EACH STATEMENT EXECUTE FUNCTION zgtz_refuse_truncate()"""
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_needs_audit_event ON {TABLE}")
    op.drop_index(op.f("ix_supervision_letters_department_id"), table_name=TABLE)
    op.drop_table(TABLE)
