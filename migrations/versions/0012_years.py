"""统计年度 and 年终归档: case counts by found year; sealed years

Revision ID: 0012
Revises: 0011

- `case_year_counts`: cases per (township, department, subcategory, state, found year), kept by
  their own triggers beside case_counts (SQLite: cases_year_count_insert/update/delete, also fired
  by a changed found_date; PostgreSQL: zgtz_case_year_counts), filled with one GROUP BY over cases.
  A 统计年度 (ledger/scope.py) is a small grouped read of it; the unscoped dashboard keeps reading the
  smaller case_counts, untouched.
- `year_archives`: one row per sealed year (ledger/archive.py), a signed record.

The trigger statements are written out here as they were at this revision (ledger/guards.py holds
what a current ledger must have).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_KEY = "township_id, department_id, subcategory, state, found_year"
_SQLITE_NEW = "CAST(substr(NEW.found_date, 1, 4) AS INTEGER)"
_SQLITE_OLD = "CAST(substr(OLD.found_date, 1, 4) AS INTEGER)"
_PG_NEW = "CAST(EXTRACT(YEAR FROM NEW.found_date) AS INTEGER)"
_PG_OLD = "CAST(EXTRACT(YEAR FROM OLD.found_date) AS INTEGER)"
SQLITE_NAMES = ("cases_year_count_insert", "cases_year_count_update", "cases_year_count_delete")

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER cases_year_count_insert AFTER INSERT ON cases BEGIN
         INSERT INTO case_year_counts ({_KEY}, n)
         VALUES (NEW.township_id, COALESCE(NEW.lead_department_id, 0), NEW.subcategory, NEW.state,
                 {_SQLITE_NEW}, 1)
         ON CONFLICT ({_KEY}) DO UPDATE SET n = n + 1;
       END""",
    f"""CREATE TRIGGER cases_year_count_update
       AFTER UPDATE OF township_id, lead_department_id, subcategory, state, found_date ON cases BEGIN
         UPDATE case_year_counts SET n = n - 1
          WHERE township_id = OLD.township_id AND department_id = COALESCE(OLD.lead_department_id, 0)
            AND subcategory = OLD.subcategory AND state = OLD.state AND found_year = {_SQLITE_OLD};
         INSERT INTO case_year_counts ({_KEY}, n)
         VALUES (NEW.township_id, COALESCE(NEW.lead_department_id, 0), NEW.subcategory, NEW.state,
                 {_SQLITE_NEW}, 1)
         ON CONFLICT ({_KEY}) DO UPDATE SET n = n + 1;
       END""",
    f"""CREATE TRIGGER cases_year_count_delete AFTER DELETE ON cases BEGIN
         UPDATE case_year_counts SET n = n - 1
          WHERE township_id = OLD.township_id AND department_id = COALESCE(OLD.lead_department_id, 0)
            AND subcategory = OLD.subcategory AND state = OLD.state AND found_year = {_SQLITE_OLD};
       END""",
]

POSTGRES_FUNCTION = f"""CREATE FUNCTION zgtz_case_year_counts() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           UPDATE case_year_counts SET n = n - 1
            WHERE township_id = OLD.township_id AND department_id = COALESCE(OLD.lead_department_id, 0)
              AND subcategory = OLD.subcategory AND state = OLD.state AND found_year = {_PG_OLD};
         END IF;
         IF TG_OP IN ('UPDATE', 'INSERT') THEN
           INSERT INTO case_year_counts ({_KEY}, n)
           VALUES (NEW.township_id, COALESCE(NEW.lead_department_id, 0), NEW.subcategory, NEW.state,
                   {_PG_NEW}, 1)
           ON CONFLICT ({_KEY}) DO UPDATE SET n = case_year_counts.n + 1;
         END IF;
         RETURN NULL;
       END $$"""
POSTGRES_TRIGGER = """CREATE TRIGGER cases_year_counts AFTER INSERT OR DELETE
       OR UPDATE OF township_id, lead_department_id, subcategory, state, found_date ON cases
       FOR EACH ROW EXECUTE FUNCTION zgtz_case_year_counts()"""


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "case_year_counts",
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("subcategory", sa.String(length=48), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("found_year", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "township_id", "department_id", "subcategory", "state", "found_year", name=op.f("pk_case_year_counts")
        ),
    )
    year = "CAST(substr(found_date, 1, 4) AS INTEGER)" if sqlite else "CAST(EXTRACT(YEAR FROM found_date) AS INTEGER)"
    group = f"township_id, COALESCE(lead_department_id, 0), subcategory, state, {year}"
    op.execute(f"INSERT INTO case_year_counts ({_KEY}, n) SELECT {group}, count(*) FROM cases GROUP BY {group}")
    if sqlite:
        for sql in SQLITE_TRIGGERS:
            op.execute(sql)
    else:
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    op.create_table(
        "year_archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("sealed_cases", sa.Integer(), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.Column("sealed_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sealed_by"], ["users.id"], name=op.f("fk_year_archives_sealed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_archives")),
        sa.UniqueConstraint("year", name=op.f("uq_year_archives_year")),
    )
    if not sqlite:  # the guards of revision 0006 for the new table
        op.execute(
            """CREATE CONSTRAINT TRIGGER year_archives_needs_audit_event AFTER INSERT OR UPDATE OR DELETE
               ON year_archives DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
               EXECUTE FUNCTION zgtz_require_audit_event()"""
        )
        op.execute(
            """CREATE TRIGGER year_archives_no_truncate BEFORE TRUNCATE ON year_archives
               FOR EACH STATEMENT EXECUTE FUNCTION zgtz_refuse_truncate()"""
        )


def downgrade() -> None:
    bind = op.get_bind()
    sealed = bind.exec_driver_sql("SELECT count(*) FROM year_archives").scalar()
    if sealed:
        raise RuntimeError(f"台账中有 {sealed} 个已归档年度，版本 0008 无法保存，不能降级。")
    if bind.dialect.name == "sqlite":
        for name in SQLITE_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS year_archives_no_truncate ON year_archives")
        op.execute("DROP TRIGGER IF EXISTS year_archives_needs_audit_event ON year_archives")
        op.execute("DROP TRIGGER IF EXISTS cases_year_counts ON cases")
        op.execute("DROP FUNCTION IF EXISTS zgtz_case_year_counts()")
    op.drop_table("year_archives")
    op.drop_table("case_year_counts")
