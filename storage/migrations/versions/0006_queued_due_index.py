"""indexes whose own statistics or predicate keep the tick flat on PostgreSQL

The queue depth reads an index of queued check-ins' due times (an expression, so that
ANALYZE keeps statistics of those alone), and owed risk alerts a partial index of the notes
still owing one, in place of the (risk, alerted_at) index. Why each is needed is said in
``storage/tables.py``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: ``storage.tables.QUEUED_DUE_AT``, written out: a migration does not follow later edits.
QUEUED_DUE_AT = "(CASE WHEN (status IN ('planned', 'sending')) THEN due_at END)"


def upgrade() -> None:
    """Apply this revision."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_index("ix_checkins_queued_due", "checkins", [sa.text(QUEUED_DUE_AT)], unique=False)
    owed = sa.text(
        "risk AND alerted_at IS NULL" if postgresql else "risk = 1 AND alerted_at IS NULL"
    )
    op.create_index(
        "ix_notes_alert_owed",
        "notes",
        ["created_at"],
        unique=False,
        postgresql_where=owed,
        sqlite_where=owed,
    )
    op.drop_index("ix_notes_risk_alerted", table_name="notes")
    if postgresql:
        # The expression index is only chosen once it has statistics: gather them now
        # rather than at autovacuum's next analyze.
        op.execute("ANALYZE checkins")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index("ix_notes_risk_alerted", "notes", ["risk", "alerted_at"], unique=False)
    op.drop_index("ix_notes_alert_owed", table_name="notes")
    op.drop_index("ix_checkins_queued_due", table_name="checkins")
