"""server record guards: no change to a record without an audit event in the same transaction

Revision ID: 0006
Revises: 0005

PostgreSQL only (SQLite has one user per file; the revision does nothing there). Every PC connects as
the shared application role (resources/server/roles.sql), which must be able to write cases,
sign-offs, users and the workflow tables, so privileges alone cannot stop someone holding its password
from editing them with a SQL tool and leaving no audit event. The program writes each change of these
tables in one transaction together with an event appended by ledger/audit.py `append()`, which inserts
the event row and updates the single audit_head row to the event's seq. So a transaction that changed
a guarded table may commit only if, at commit time:

- the audit_head row (id = 1) was written by this transaction (its xmin is the current transaction id), and
- the audit_events row with seq = audit_head.seq exists and was inserted by this transaction too.

The checks run from DEFERRABLE INITIALLY DEFERRED constraint triggers, i.e. at COMMIT, after the
program has appended its event (records are flushed first, the event after them). Each changed row of
a guarded table checks the first condition only (one primary-key probe of the one-row audit_head);
the trigger on audit_head itself, queued whenever the head is written, checks the second. A bulk
import of 100,000 cases thus pays one probe per written row at commit (docs/decisions.md gives the
measured cost). A forged event row passes this check but breaks the HMAC
chain, so `verify` names it: a direct edit can no longer be silent. TRUNCATE is refused outright.

An event appended inside a savepoint carries the subtransaction's id and is refused (fail safe); the
program uses no savepoints for its writes. Table names in the functions are schema-qualified, so
temporary tables of the session (searched first by default) cannot stand in for the audit tables.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Every change of these tables must come with an audit event (INSERT, UPDATE and DELETE).
GUARDED = (
    "cases",
    "case_actions",
    "signoffs",
    "progress_notes",
    "evidence",
    "households",
    "members",
    "users",
    "user_roles",
    "workflow_actions",
    "workflow_transitions",
    "workflow_requirements",
    "workflow_field_rules",
)
# Append-only tables: UPDATE and DELETE are refused by their own triggers (0001, 0005); a new row
# must come with an event too. audit_events itself is the event.
GUARDED_INSERTS = ("record_stamps",)

# Per changed row of a guarded table, one probe: did this transaction write the audit head? (xmin of
# the row version we see is the id of the transaction that wrote it.)
CHECK_FUNCTION = """
CREATE FUNCTION zgtz_require_audit_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_xmin pg_catalog.xid;
BEGIN
  SELECT h.xmin INTO head_xmin FROM {schema}.audit_head h WHERE h.id = 1;
  IF head_xmin = pg_catalog.xid(pg_catalog.pg_current_xact_id()) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '直接修改 % 被拒绝：每次修改须随审计事件一起写入', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = '请通过整改台账程序办理；数据库中的直接改动不会被接受。';
END $$
"""

# Per write of the audit head (once per transaction): the event it now points at was inserted by this
# transaction too. Together with the check above: a guarded change commits only with a new event.
HEAD_FUNCTION = """
CREATE FUNCTION zgtz_require_event_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
      SELECT 1
        FROM {schema}.audit_head h
        JOIN {schema}.audit_events e ON e.seq = h.seq
       WHERE h.id = 1
         AND h.xmin = pg_catalog.xid(pg_catalog.pg_current_xact_id())
         AND e.xmin = pg_catalog.xid(pg_catalog.pg_current_xact_id())) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION '直接修改 % 被拒绝：审计链头必须指向本次写入的审计事件', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = '请通过整改台账程序办理；数据库中的直接改动不会被接受。';
END $$
"""

TRUNCATE_FUNCTION = """
CREATE FUNCTION zgtz_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '清空 % 被拒绝：台账记录只能通过整改台账程序逐条修改', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.execute(text("SELECT quote_ident(current_schema())")).scalar_one()
    op.execute(CHECK_FUNCTION.replace("{schema}", schema))
    op.execute(HEAD_FUNCTION.replace("{schema}", schema))
    op.execute(TRUNCATE_FUNCTION)
    op.execute(
        """CREATE CONSTRAINT TRIGGER audit_head_needs_audit_event AFTER INSERT OR UPDATE OR DELETE ON audit_head
           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zgtz_require_event_row()"""
    )
    for table, events in [(t, "INSERT OR UPDATE OR DELETE") for t in GUARDED] + [
        (t, "INSERT") for t in GUARDED_INSERTS
    ]:
        op.execute(
            f"""CREATE CONSTRAINT TRIGGER {table}_needs_audit_event AFTER {events} ON {table}
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zgtz_require_audit_event()"""
        )
    for table in (*GUARDED, "audit_head"):  # record_stamps already refuses TRUNCATE (0005)
        op.execute(
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION zgtz_refuse_truncate()"""
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*GUARDED, "audit_head"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    for table in (*GUARDED, *GUARDED_INSERTS, "audit_head"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_needs_audit_event ON {table}")
    op.execute("DROP FUNCTION IF EXISTS zgtz_refuse_truncate()")
    op.execute("DROP FUNCTION IF EXISTS zgtz_require_event_row()")
    op.execute("DROP FUNCTION IF EXISTS zgtz_require_audit_event()")
