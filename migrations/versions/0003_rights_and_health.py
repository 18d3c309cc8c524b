"""granted rights per account, and a member's health / disability note

Revision ID: 0003
Revises: 0002

Issue 6: seeing or exporting full ID numbers and phones, and seeing health and disability notes,
become rights an administrator grants per account (users.rights, comma-separated codes), instead of
following from a role. Accounts holding 县级统筹 or 县级审批 keep the unmasking they had.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("rights", sa.String(length=64), nullable=False, server_default=""))
    op.add_column("members", sa.Column("health", sa.String(length=64), nullable=False, server_default=""))
    op.execute(
        "UPDATE users SET rights = 'unmask' WHERE id IN "
        "(SELECT user_id FROM user_roles WHERE role IN ('coordinator', 'approver'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("health")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("rights")
