"""closing the loop: repair follow-ups and therapists' estimates

- ``followups``: something a client's next check-in asks about, raised when a therapist
  marks a shared concern as discussed (``concern``) or a needs-attention flag went out in a
  digest or brief (``flag``). ``checkin_id`` is the check-in that asked it; the answer is
  that check-in's ``repair`` answer (in ``answers``, so exports and erasure treat it like
  any other answer).
- ``checkins.repair`` names the kind of follow-up a check-in asks after its items, if any.
- ``estimates``: a therapist's guess of how a client will rate a session overall, asked
  soon after the session and closed when the client's check-in is sent.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.engine

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("checkins", sa.Column("repair", sa.String(16), nullable=True))
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "concern_id",
            sa.Integer,
            sa.ForeignKey("concerns.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("rule", sa.String(32), nullable=True),
        sa.Column("raised_at", storage.engine.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "checkin_id",
            sa.Integer,
            sa.ForeignKey("checkins.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    op.create_index("ix_followups_client_id", "followups", ["client_id"])
    op.create_index("ix_followups_checkin_id", "followups", ["checkin_id"])
    op.create_table(
        "estimates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "checkin_id",
            sa.Integer,
            sa.ForeignKey("checkins.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("therapist_id", sa.Integer, sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("token", sa.String(16), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("value", sa.Integer, nullable=True),
        sa.Column("asked_at", storage.engine.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", storage.engine.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chat_id", sa.BigInteger, nullable=True),
        sa.Column("message_id", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_estimates_therapist_status", "estimates", ["therapist_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_estimates_therapist_status", table_name="estimates")
    op.drop_table("estimates")
    op.drop_index("ix_followups_checkin_id", table_name="followups")
    op.drop_index("ix_followups_client_id", table_name="followups")
    op.drop_table("followups")
    op.drop_column("checkins", "repair")
