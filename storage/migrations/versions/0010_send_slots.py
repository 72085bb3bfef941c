"""one Telegram budget for all workers: send_slots

``send_slots`` holds the next free send turn of the overall timeline (key ``global``,
with the hold after a ``429``) and of each private chat, so that workers sharing a
PostgreSQL database share Telegram's limits (``storage/send_budget.py``). It is process
state, not a record: on PostgreSQL the table is unlogged, so reserving a turn writes no
WAL and waits for no flush. Rows are made on first use.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.engine

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "send_slots",
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("next_at", storage.engine.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hold_until", storage.engine.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_slots")),
        prefixes=["UNLOGGED"] if postgresql else [],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("send_slots")
