"""client rights, safety and privacy: pauses, consent events, risk notes, the audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:41:21.133894
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.engine

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# On PostgreSQL the audit log refuses every UPDATE, DELETE and TRUNCATE.
_APPEND_ONLY = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.engine.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("client_code", sa.String(length=32), nullable=True),
        sa.Column("therapist_code", sa.String(length=32), nullable=True),
        sa.Column("via", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_client_code"), ["client_code"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY)

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paused_until", storage.engine.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE consents SET event = CASE WHEN given THEN 'given' ELSE 'declined' END"
    )

    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("risk", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("alerted_at", storage.engine.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision.

    Plain DROP COLUMN (SQLite 3.35+): batch mode would copy and drop ``clients``, which
    the other tables' foreign keys refuse.
    """
    op.drop_column("notes", "alerted_at")
    op.drop_column("notes", "risk")
    op.drop_column("consents", "event")
    op.drop_column("clients", "paused_until")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
        return
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_client_code"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
    op.drop_table("audit_log")
