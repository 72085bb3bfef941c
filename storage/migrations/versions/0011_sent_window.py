"""the shared send window: send_slots.sent

The ``global`` row of ``send_slots`` keeps, in ``sent``, the instants the last new
messages really went out, from every worker on the database. A worker sends only when the
message that many sends ago went out over a window ago (``storage/send_budget.py``): the
turns alone are an ideal timeline, and turns taken a little late would otherwise reach
Telegram bunched. Process state like the rest of the table; empty until first used.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    # An array on PostgreSQL, the only database that uses it; SQLite gets a column too.
    times = sa.ARRAY(sa.DateTime(timezone=True)).with_variant(sa.JSON(), "sqlite")
    op.add_column("send_slots", sa.Column("sent", times, nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("send_slots") as batch:
        batch.drop_column("sent")
