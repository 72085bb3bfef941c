"""indexes for the queries every tick runs, so a tick stays flat as a clinic grows

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: (table, index name, columns): what each serves is said in ``storage/tables.py``.
INDEXES = (
    ("checkins", "ix_checkins_status_expires", ["status", "expires_at"]),
    ("checkins", "ix_checkins_sent_at", ["sent_at"]),
    ("clients", "ix_clients_paused_until", ["paused_until"]),
    ("clients", "ix_clients_therapist_code", ["therapist_code"]),
    ("notes", "ix_notes_risk_alerted", ["risk", "alerted_at"]),
    ("deliveries", "ix_deliveries_kind_period", ["kind", "period_key"]),
)


def upgrade() -> None:
    """Apply this revision."""
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    """Revert this revision."""
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
