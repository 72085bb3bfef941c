"""Who the bot knows: therapists, clients, invites, consents, retired codes; the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class TherapistRow(Base):
    """A therapist from the clinic config and the chat they enrolled from."""

    __tablename__ = "therapists"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    enrolled_at: Mapped[datetime | None]
    in_config: Mapped[bool] = mapped_column(Boolean, default=True)


class ClientRow(Base):
    """A client: a pseudonymous code and a chat id, nothing from their Telegram profile."""

    __tablename__ = "clients"
    __table_args__ = (
        Index("ix_clients_paused_until", "paused_until"),  # timed pauses ending, every tick
        Index("ix_clients_therapist_code", "therapist_code"),  # a therapist's digest
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    therapist_code: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    enrolled_at: Mapped[datetime | None]
    in_config: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_until: Mapped[datetime | None]  # while paused for a number of weeks


class InviteRow(Base):
    """A single-use enrolment invite; only the token's hash is kept."""

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_chat: Mapped[int | None] = mapped_column(BigInteger)
    # when a newer invite (or ``alliance invite --revoke``) made this one unusable
    revoked_at: Mapped[datetime | None]
    # whether this invite may move an already linked person to the chat that opens it
    relink: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ConsentRow(Base):
    """A consent decision: given, declined or withdrawn, with the version of the text shown."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    given: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
    event: Mapped[str | None] = mapped_column(String(16))  # given, declined or withdrawn


class RetiredCodeRow(Base):
    """A client or therapist code ended for good (``alliance retire``): never used again."""

    __tablename__ = "retired_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    retired_at: Mapped[datetime]


class AuditRow(Base):
    """One audited event. Append-only: no code updates or deletes these rows, and on
    PostgreSQL a trigger refuses it. Never holds what a person wrote or answered."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(16))
    client_code: Mapped[str | None] = mapped_column(String(32), index=True)
    therapist_code: Mapped[str | None] = mapped_column(String(32))
    via: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(200))
