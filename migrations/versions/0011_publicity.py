"""公示 before 审批销号 and 风险消除: batches, their items, objections; categories.publicity_days

Revision ID: 0011
Revises: 0010

- `categories.publicity_days`: the days a case of the category is posted in its village before 审批销号
  (NULL: no 公示 step). Not part of any signed record; set by the `settings.publicity` event.
- `publicity_batches`: a 公示 in one village (kind close = 拟销号问题, risk = 拟风险消除的监测对象),
  its start date and days, who started it.
- `publicity_items`: the cases (or households and their 监测对象 tag) a 公示 lists.
- `publicity_objections`: objections received, and their handling (resolved date and account).
All three are signed records (ledger/records.py: publicity, pub_item, objection).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NEW_TABLES = ("publicity_batches", "publicity_items", "publicity_objections")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("publicity_days", sa.Integer(), nullable=True))
    op.create_table(
        "publicity_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["township_id"], ["regions.id"], name=op.f("fk_publicity_batches_township_id_regions")),
        sa.ForeignKeyConstraint(["village_id"], ["regions.id"], name=op.f("fk_publicity_batches_village_id_regions")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_publicity_batches_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_batches")),
    )
    op.create_index(op.f("ix_publicity_batches_village_id"), "publicity_batches", ["village_id"])
    op.create_table(
        "publicity_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("tag_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["publicity_batches.id"], name=op.f("fk_publicity_items_batch_id_publicity_batches")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_publicity_items_household_id_households")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_publicity_items_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["household_tags.id"], name=op.f("fk_publicity_items_tag_id_household_tags")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_items")),
    )
    op.create_index(op.f("ix_publicity_items_batch_id"), "publicity_items", ["batch_id"])
    op.create_index(op.f("ix_publicity_items_household_id"), "publicity_items", ["household_id"])
    op.create_index(op.f("ix_publicity_items_case_id"), "publicity_items", ["case_id"])
    op.create_table(
        "publicity_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("handling", sa.Text(), nullable=False),
        sa.Column("resolved_date", sa.Date(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["publicity_items.id"], name=op.f("fk_publicity_objections_item_id_publicity_items")
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_publicity_objections_recorded_by_users")),
        sa.ForeignKeyConstraint(["resolved_by"], ["users.id"], name=op.f("fk_publicity_objections_resolved_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_objections")),
    )
    op.create_index(op.f("ix_publicity_objections_item_id"), "publicity_objections", ["item_id"])
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
    op.drop_table("publicity_objections")
    op.drop_table("publicity_items")
    op.drop_table("publicity_batches")
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("publicity_days")
