"""instruments: every check-in records the version of the questionnaire it asks

A clinic may bring its own questionnaire, and changing its wording or scale makes a new
version; answers of different versions are never compared. Check-ins already stored were
all asked with the built-in questionnaire, whose version this fills in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: ``core.questionnaire.DEFAULT_QUESTIONNAIRE.version``, written out: a migration does not
#: follow later edits.
BUILTIN_VERSION = "e418ae0e4eb1"


def upgrade() -> None:
    op.add_column(
        "checkins",
        sa.Column(
            "questionnaire_version",
            sa.String(16),
            nullable=False,
            server_default=BUILTIN_VERSION,
        ),
    )


def downgrade() -> None:
    op.drop_column("checkins", "questionnaire_version")
