"""the 发现 half: dated household tags, 户编号, village- and member-level problems, 比对 runs and findings

Revision ID: 0008
Revises: 0007

- `household_tags`: several dated tags per household (脱贫户; 监测对象 with 监测类型 and 风险类型; 低保户;
  低保边缘家庭; 特困供养 集中/分散). The tags implied by each household's existing 户类型 are written by the
  program right after this upgrade, with the audit key, in one `household.tags_from_kind` event
  (ledger/facade.py), so they are stamped like every record.
- `households.code`: the national system's 户编号, unique when set.
- `cases.household_id` may be NULL: a village-level problem belongs to its village only. On SQLite
  this needs the table rebuilt (its NOT NULL cannot be dropped in place); the three case_counts
  triggers are read before and created again after; foreign keys are off while migrations run and
  checked as a whole before the commit (ledger/migrate.py), so the rebuild is all or nothing.
- `cases.member_id`: the family member a household problem concerns.
- `compare_runs`, `compare_findings`: roster comparisons and the candidates they found.

New columns of stamped records (cases.member_id, households.code) join a record's signed content only
when set (ledger/records.py `RecordKind.added`), so every stamp written before stays valid.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NEW_TABLES = ("household_tags", "compare_runs", "compare_findings")


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "household_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("subtype", sa.String(length=16), nullable=False),
        sa.Column("risk_type", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_household_tags_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_tags")),
    )
    op.create_index(op.f("ix_household_tags_household_id"), "household_tags", ["household_id"])
    op.create_index("ix_household_tags_tag", "household_tags", ["tag", "end_date"])

    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("code", sa.String(length=32), nullable=True))
    op.create_index("uq_households_code", "households", ["code"], unique=True)

    if sqlite:
        triggers = [
            sql
            for (sql,) in bind.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases' ORDER BY name"
            )
        ]
        with op.batch_alter_table("cases", recreate="always") as batch:
            batch.alter_column("household_id", existing_type=sa.Integer(), nullable=True)
            batch.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(op.f("fk_cases_member_id_members"), "members", ["member_id"], ["id"])
        for sql in triggers:
            bind.exec_driver_sql(sql)
    else:
        op.alter_column("cases", "household_id", existing_type=sa.Integer(), nullable=True)
        op.add_column("cases", sa.Column("member_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_cases_member_id_members"), "cases", "members", ["member_id"], ["id"])

    op.create_table(
        "compare_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("run_at", sa.DateTime(), nullable=False),
        sa.Column("run_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_by"], ["users.id"], name=op.f("fk_compare_runs_run_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compare_runs")),
    )
    op.create_table(
        "compare_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("subcategory", sa.String(length=48), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weak_match", sa.Boolean(), nullable=False),
        sa.Column("roster_row", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["first_run_id"], ["compare_runs.id"], name=op.f("fk_compare_findings_first_run_id_compare_runs")),
        sa.ForeignKeyConstraint(["last_run_id"], ["compare_runs.id"], name=op.f("fk_compare_findings_last_run_id_compare_runs")),
        sa.ForeignKeyConstraint(["township_id"], ["regions.id"], name=op.f("fk_compare_findings_township_id_regions")),
        sa.ForeignKeyConstraint(["village_id"], ["regions.id"], name=op.f("fk_compare_findings_village_id_regions")),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name=op.f("fk_compare_findings_household_id_households")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_compare_findings_member_id_members")),
        sa.ForeignKeyConstraint(["subcategory"], ["subcategories.code"], name=op.f("fk_compare_findings_subcategory_subcategories")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_compare_findings_case_id_cases")),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_compare_findings_decided_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compare_findings")),
        sa.UniqueConstraint("kind", "key", name="uq_compare_findings_key"),
    )
    op.create_index(op.f("ix_compare_findings_last_run_id"), "compare_findings", ["last_run_id"])
    op.create_index(op.f("ix_compare_findings_village_id"), "compare_findings", ["village_id"])

    if not sqlite:  # the guards of revision 0006 for the new tables
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
    village_level = bind.exec_driver_sql("SELECT count(*) FROM cases WHERE household_id IS NULL").scalar()
    if village_level:
        raise RuntimeError(f"台账中有 {village_level} 个村级问题，版本 0007 无法保存，不能降级。")
    if bind.dialect.name != "sqlite":
        for table in NEW_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_needs_audit_event ON {table}")
    op.drop_table("compare_findings")
    op.drop_table("compare_runs")
    if bind.dialect.name == "sqlite":
        triggers = [
            sql
            for (sql,) in bind.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases' ORDER BY name"
            )
        ]
        with op.batch_alter_table("cases", recreate="always") as batch:
            batch.drop_constraint(op.f("fk_cases_member_id_members"), type_="foreignkey")
            batch.drop_column("member_id")
            batch.alter_column("household_id", existing_type=sa.Integer(), nullable=False)
        for sql in triggers:
            bind.exec_driver_sql(sql)
    else:
        op.drop_constraint(op.f("fk_cases_member_id_members"), "cases", type_="foreignkey")
        op.drop_column("cases", "member_id")
        op.alter_column("cases", "household_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("uq_households_code", table_name="households")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("code")
    op.drop_index("ix_household_tags_tag", table_name="household_tags")
    op.drop_index(op.f("ix_household_tags_household_id"), table_name="household_tags")
    op.drop_table("household_tags")
