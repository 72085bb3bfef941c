"""What therapists receive and give back: digests and briefs, messages quoting notes, repair
follow-ups and their estimates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class DeliveryRow(Base):
    """One digest or brief for one therapist and period; the key makes it happen once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("kind", "therapist_id", "period_key"),
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_kind_period", "kind", "period_key"),  # recorded this period?
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    period_key: Mapped[str] = mapped_column(String(96))
    client_code: Mapped[str | None] = mapped_column(String(32))
    session_start: Mapped[datetime | None]
    due_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    unknown_sends: Mapped[int] = mapped_column(default=0, server_default="0")
    parts_sent: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(64))


class TherapistMessageRow(Base):
    """A message in a therapist's chat that quotes a client's note (a digest or brief part,
    a /history reply, a risk alert): erasure deletes it while Telegram still allows it."""

    __tablename__ = "therapist_messages"
    __table_args__ = (UniqueConstraint("client_id", "chat_id", "message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[datetime] = mapped_column(index=True)


class FollowupRow(Base):
    """Something a client's next check-in asks about: did the repair land?

    Raised when a therapist marks a shared concern as discussed (``concern``) or when a
    needs-attention flag (``rule``) went out in a digest or brief (``flag``). ``checkin_id``
    is the check-in that asked it; its answer is that check-in's ``repair`` answer.
    """

    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"))
    rule: Mapped[str | None] = mapped_column(String(32))
    raised_at: Mapped[datetime]
    checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="SET NULL"), index=True
    )


class EstimateRow(Base):
    """A therapist's guess of a client's overall rating of one session, made before the
    client answers: asked soon after the session, closed when the check-in is sent."""

    __tablename__ = "estimates"
    __table_args__ = (Index("ix_estimates_therapist_status", "therapist_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), unique=True
    )
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id"))
    token: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    value: Mapped[int | None]
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
