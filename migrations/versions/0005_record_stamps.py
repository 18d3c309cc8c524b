"""record stamps: the keyed hash of every signed or relied-on record after each change

Revision ID: 0005
Revises: 0004

One row per (record, event): the HMAC of the record's canonical content (ledger/records.py) as the
event at `seq` left it. Append-only like audit_events (triggers refuse UPDATE and DELETE). Each event
that writes stamps declares their Merkle root and count in its own (chained) payload, so a stamp
cannot be added, altered or removed without `verify` naming it; the latest stamp of a record must
match the record as it is now.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_GUARDS = [
    """CREATE TRIGGER record_stamps_no_update BEFORE UPDATE ON record_stamps
       BEGIN SELECT RAISE(ABORT, 'record_stamps is append-only'); END""",
    """CREATE TRIGGER record_stamps_no_delete BEFORE DELETE ON record_stamps
       BEGIN SELECT RAISE(ABORT, 'record_stamps is append-only'); END""",
]
POSTGRES_GUARDS = [
    """CREATE TRIGGER record_stamps_no_change BEFORE UPDATE OR DELETE ON record_stamps
       FOR EACH ROW EXECUTE FUNCTION zgtz_audit_append_only()""",
    """CREATE TRIGGER record_stamps_no_truncate BEFORE TRUNCATE ON record_stamps
       FOR EACH STATEMENT EXECUTE FUNCTION zgtz_audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "record_stamps",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", "kind", "record_id", name=op.f("pk_record_stamps")),
        sqlite_with_rowid=False,  # clustered by event: verify reads each event's stamps in one pass
    )
    # covering: the stamps of one record, newest last, without touching the table
    op.create_index("ix_record_stamps_record", "record_stamps", ["kind", "record_id", "seq", "hash"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_GUARDS if dialect == "sqlite" else POSTGRES_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS record_stamps_no_update")
        op.execute("DROP TRIGGER IF EXISTS record_stamps_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS record_stamps_no_change ON record_stamps")
        op.execute("DROP TRIGGER IF EXISTS record_stamps_no_truncate ON record_stamps")
    op.drop_index("ix_record_stamps_record", table_name="record_stamps")
    op.drop_table("record_stamps")
