"""The database's own guards: triggers that keep the audit log and the record stamps append-only and
the dashboard counters right (revisions 0001, 0005 and 0012). Someone with a SQL tool can drop them; then
`verify` names each one missing and `verify --repair-guards` creates them again, audited.

The statements are copied from those revisions on purpose: a migration is a record of what was
done then and is never edited, while this module says what a current ledger must have.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_COUNT_KEY = "township_id, department_id, subcategory, state"
_YEAR_KEY = _COUNT_KEY + ", found_year"
# a case's found year (revision 0012): dates are stored as YYYY-MM-DD text on SQLite
_NEW_YEAR = "CAST(substr(NEW.found_date, 1, 4) AS INTEGER)"
_OLD_YEAR = "CAST(substr(OLD.found_date, 1, 4) AS INTEGER)"

SQLITE_GUARDS: dict[str, str] = {
    "audit_events_no_update": """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    "audit_events_no_delete": """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    "record_stamps_no_update": """CREATE TRIGGER record_stamps_no_update BEFORE UPDATE ON record_stamps
       BEGIN SELECT RAISE(ABORT, 'record_stamps is append-only'); END""",
    "record_stamps_no_delete": """CREATE TRIGGER record_stamps_no_delete BEFORE DELETE ON record_stamps
       BEGIN SELECT RAISE(ABORT, 'record_stamps is append-only'); END""",
    "cases_count_insert": f"""CREATE TRIGGER cases_count_insert AFTER INSERT ON cases BEGIN
         INSERT INTO case_counts ({_COUNT_KEY}, n)
         VALUES (NEW.township_id, COALESCE(NEW.lead_department_id, 0), NEW.subcategory, NEW.state, 1)
         ON CONFLICT ({_COUNT_KEY}) DO UPDATE SET n = n + 1;
       END""",
    "cases_count_update": f"""CREATE TRIGGER cases_count_update
       AFTER UPDATE OF township_id, lead_department_id, subcategory, state ON cases BEGIN
         UPDATE case_counts SET n = n - 1
          WHERE township_id = OLD.township_id AND department_id = COALESCE(OLD.lead_department_id, 0)
            AND subcategory = OLD.subcategory AND state = OLD.state;
         INSERT INTO case_counts ({_COUNT_KEY}, n)
         VALUES (NEW.township_id, COALESCE(NEW.lead_department_id, 0), NEW.subcategory, NEW.state, 1)
         ON CONFLICT ({_COUNT_KEY}) DO UPDATE SET n = n + 1;
       END""",
    "cases_count_delete": """CREATE TRIGGER cases_count_delete AFTER DELETE ON cases BEGIN
         UPDATE case_counts SET n = n - 1
          WHERE township_id = OLD.township_id AND department_id = COALESCE(OLD.lead_department_id, 0)
            AND subcategory = OLD.subcategory AND state = OLD.state;
       END""",
    # 统计年度 counters (revision 0012)
    "cases_year_count_insert": f"""CREATE TRIGGER cases_year_count_insert AFTER INSERT ON cases BEGIN
         INSERT INTO case_year_counts ({_YEAR_KEY}, n)
         VALUES (NEW.township_id, COALESCE(NEW.lead_department_id, 0), NEW.subcategory, NEW.state,
                 {_NEW_YEAR}, 1)
         ON CONFLICT ({_YEAR_KEY}) DO UPDATE SET n = n + 1;
       END""",
    "cases_year_count_update": f"""CREATE TRIGGER cases_year_count_update
       AFTER UPDATE OF township_id, lead_department_id, subcategory, state, found_date ON cases BEGIN
         UPDATE case_year_counts SET n = n - 1
          WHERE township_id = OLD.township_id AND department_id = COALESCE(OLD.lead_department_id, 0)
            AND subcategory = OLD.subcategory AND state = OLD.state AND found_year = {_OLD_YEAR};
         INSERT INTO case_year_counts ({_YEAR_KEY}, n)
         VALUES (NEW.township_id, COALESCE(NEW.lead_department_id, 0), NEW.subcategory, NEW.state,
                 {_NEW_YEAR}, 1)
         ON CONFLICT ({_YEAR_KEY}) DO UPDATE SET n = n + 1;
       END""",
    "cases_year_count_delete": f"""CREATE TRIGGER cases_year_count_delete AFTER DELETE ON cases BEGIN
         UPDATE case_year_counts SET n = n - 1
          WHERE township_id = OLD.township_id AND department_id = COALESCE(OLD.lead_department_id, 0)
            AND subcategory = OLD.subcategory AND state = OLD.state AND found_year = {_OLD_YEAR};
       END""",
}

# On PostgreSQL the application role owns nothing and cannot drop these; the owner can, so verify
# still looks. Re-creating them is the owner's job (docs/deploy-lan.md), not the application's.
POSTGRES_GUARDS = (
    "audit_events_no_change",
    "audit_events_no_truncate",
    "record_stamps_no_change",
    "record_stamps_no_truncate",
    "cases_counts",
    "cases_year_counts",
)


def missing(s: Session) -> list[str]:
    """Names of the guard triggers this ledger should have and has not."""
    if s.get_bind().dialect.name == "sqlite":
        present = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        return [name for name in SQLITE_GUARDS if name not in present]
    present = set(s.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
    return [name for name in POSTGRES_GUARDS if name not in present]


def recreate(s: Session, names: list[str]) -> None:
    """Create the named (missing) guards again, inside the caller's transaction (SQLite)."""
    for name in names:
        s.execute(text(SQLITE_GUARDS[name]))
