"""调度 and 通报: each unit's report per 调度期, and the issued 通报 with the figures they printed

Revision ID: 0009
Revises: 0008

- `dispatch_submissions`: one row per (period, township or department): when the unit reported
  (its 填报表 imported, or 确认本期进度 clicked) and by whom. A signed record (ledger/records.py).
- `dispatch_bulletins`: one row per issued 通报 (第N期): the number (also claimed in `serials`) and the
  figures as printed, JSON. A signed record.
The cut-off weekday and time are ledger settings (meta rows written by the program, audited).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEW_TABLES = ("dispatch_submissions", "dispatch_bulletins")


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "dispatch_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("unit_kind", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_dispatch_submissions_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_submissions")),
        sa.UniqueConstraint("period_end", "unit_kind", "unit_id", name="uq_dispatch_submissions_unit"),
    )
    op.create_table(
        "dispatch_bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_bulletins")),
        sa.UniqueConstraint("period_end", name=op.f("uq_dispatch_bulletins_period_end")),
    )
    if bind.dialect.name != "sqlite":  # the guards of revision 0006 for the new tables
        for table in NEW_TABLES:
            op.execute(
                f"""CREATE CONSTRAINT TRIGGER {table}_needs_audit_event AFTER INSERT OR UPDATE OR DELETE
                    ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                    EXECUTE FUNCTION zgtz_require_audit_event()"""
            )
            op.execute(
                f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION zgtz_refuse_truncate()"""
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for table in NEW_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_needs_audit_event ON {table}")
    op.drop_table("dispatch_bulletins")
    op.drop_table("dispatch_submissions")
