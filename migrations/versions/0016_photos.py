"""a photo's capture time and place

Revision ID: 0016
Revises: 0015

Evidence photos keep the capture time and GPS position their EXIF gives (ledger/photos.py), so
the case window and the 销号审批表 print them beside the picture. Nullable: files added before
this revision, and photos without EXIF, have none ("无拍摄信息"). The columns join the evidence
record's signed content only when set (ledger/records.py RecordKind.added), so every stamp
written before stays valid.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("taken_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("gps_lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("gps_lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("gps_lon")
        batch.drop_column("gps_lat")
        batch.drop_column("taken_at")
