"""serials: the numbers the office issues (督办函 发文字号, 周报 期数), one row per number, never reused

Revision ID: 0007
Revises: 0006

A letter's 发文字号 used to be the date, so two letters printed on one day shared a number. Each
number is now a row (series, year, number) unique in its series and year, written in the same
transaction as the report.print event of the paper that carries it and stamped like every record
(ledger/records.py kind "serial"), so a number changed or removed with a SQL tool is named by
`verify`. On PostgreSQL the application role cannot add, change or remove one without an event
(the guard of revision 0006).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "serials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serials")),
        sa.UniqueConstraint("series", "year", "number", name="uq_serials_number"),
    )
    op.create_index("ix_serials_subject", "serials", ["series", "subject"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """CREATE CONSTRAINT TRIGGER serials_needs_audit_event AFTER INSERT OR UPDATE OR DELETE ON serials
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zgtz_require_audit_event()"""
        )
        op.execute(
            """CREATE TRIGGER serials_no_truncate BEFORE TRUNCATE ON serials
               FOR EACH STATEMENT EXECUTE FUNCTION zgtz_refuse_truncate()"""
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS serials_no_truncate ON serials")
        op.execute("DROP TRIGGER IF EXISTS serials_needs_audit_event ON serials")
    op.drop_index("ix_serials_subject", table_name="serials")
    op.drop_table("serials")
