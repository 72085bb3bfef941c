"""trust: erasure that cascades, invites that can be revoked, retired codes, plain notes

- A concern goes with its note (``ON DELETE CASCADE``): erasing or purging a note that a
  therapist has seen no longer fails on the foreign key.
- ``therapist_messages`` remembers which messages in a therapist's chat quote a client's
  note, so that erasure can delete them while Telegram still allows it (48 hours).
- Invites get ``revoked_at`` (a newer invite, or ``alliance invite --revoke``) and
  ``relink`` (issued to move an already linked person to a new chat).
- ``retired_codes`` holds codes ended for good by ``alliance retire``.
- Check-ins and deliveries count their sends of unknown fate (``unknown_sends``), which
  are bounded, apart from their other attempts, which are not.
- Notes stored without encryption are marked ``plain:``, so that a note whose text starts
  with ``fernet:`` is never taken for an encrypted one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:00:00.000000
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

import storage.engine

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: ``storage.cipher.PLAIN_PREFIX`` and ``SEALED_PREFIX``, written out: a migration does not
#: follow later edits.
PLAIN = "plain:"
SEALED = "fernet:"


@contextmanager
def _concerns_rebuilt() -> Iterator[BatchOperations]:
    """``concerns`` in batch mode (SQLite rebuilds the table to change a foreign key).

    Reflecting it reaches ``checkins`` through ``notes``, whose expression index SQLAlchemy
    cannot reflect and warns about; that index is not part of the rebuilt table.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("concerns", schema=None) as batch_op:
            yield batch_op


def upgrade() -> None:
    """Apply this revision."""
    with _concerns_rebuilt() as batch_op:
        batch_op.drop_constraint("fk_concerns_note_id_notes", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_concerns_note_id_notes", "notes", ["note_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revoked_at", storage.engine.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("relink", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    for table in ("checkins", "deliveries"):  # SQLite adds a column in place
        op.add_column(
            table, sa.Column("unknown_sends", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "therapist_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", storage.engine.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_therapist_messages_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapist_messages")),
        sa.UniqueConstraint(
            "client_id", "chat_id", "message_id", name=op.f("uq_therapist_messages_client_id")
        ),
    )
    with op.batch_alter_table("therapist_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_therapist_messages_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_therapist_messages_sent_at"), ["sent_at"], unique=False
        )
    op.create_table(
        "retired_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("retired_at", storage.engine.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_retired_codes_code")),
    )
    notes = sa.table("notes", sa.column("text", sa.Text()))
    op.execute(
        notes.update()
        .where(sa.not_(notes.c.text.startswith(SEALED, autoescape=True)))
        .values(text=sa.literal(PLAIN) + notes.c.text)
    )


def downgrade() -> None:
    """Revert this revision."""
    notes = sa.table("notes", sa.column("text", sa.Text()))
    op.execute(
        notes.update()
        .where(notes.c.text.startswith(PLAIN, autoescape=True))
        .values(text=sa.func.substr(notes.c.text, len(PLAIN) + 1))
    )
    op.drop_table("retired_codes")
    for table in ("checkins", "deliveries"):  # in place (SQLite 3.35+): keeps every index
        op.drop_column(table, "unknown_sends")
    with op.batch_alter_table("therapist_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_therapist_messages_sent_at"))
        batch_op.drop_index(batch_op.f("ix_therapist_messages_client_id"))
    op.drop_table("therapist_messages")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_column("relink")
        batch_op.drop_column("revoked_at")
    with _concerns_rebuilt() as batch_op:
        batch_op.drop_constraint("fk_concerns_note_id_notes", type_="foreignkey")
        batch_op.create_foreign_key("fk_concerns_note_id_notes", "notes", ["note_id"], ["id"])
