"""Check-ins and what clients give in them: answers, notes, the concerns shared notes become."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    case,
    false,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import Grouping

from core.model import CheckinStatus
from storage.engine import SealedText
from storage.tables.base import Base


class CheckinRow(Base):
    """One session's check-in: when it is due, its delivery and its progress."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("client_id", "session_start"),
        Index("ix_checkins_status_due", "status", "due_at"),
        Index("ix_checkins_status_remind", "status", "remind_at"),
        Index("ix_checkins_status_expires", "status", "expires_at"),  # closing, every tick
        Index("ix_checkins_sent_at", "sent_at"),  # the last send, for /healthz
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    questionnaire: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    session_start: Mapped[datetime]
    session_end: Mapped[datetime]
    due_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    step: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    # sends whose fate is unknown (the request may have reached Telegram): bounded
    unknown_sends: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(64))
    # Reminders: the next one's time (empty: none planned), how many were sent, the last.
    remind_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    reminded_at: Mapped[datetime | None]
    # The follow-up it asks after its items, if any: "concern" or "flag" (see FollowupRow).
    repair: Mapped[str | None] = mapped_column(String(16))


#: Statuses of check-ins still waiting to be delivered: the queue.
QUEUED_STATUSES = (CheckinStatus.PLANNED, CheckinStatus.SENDING)
#: A queued check-in's due time, empty for every other status. Indexed as an expression so
#: that PostgreSQL's ANALYZE keeps statistics of the queue's due times alone: from the
#: columns' own statistics it cannot tell that queued rows are (nearly) all in the future
#: and finished ones in the past, so it estimated a tenth of the table as due, preferred the
#: (status, expiry) index and read every future check-in on every tick. The statuses are SQL
#: literals, not parameters, so that a query's expression is the index's.
QUEUED_DUE_AT = case(
    (
        CheckinRow.__table__.c.status.in_(
            [literal_column(f"'{s.value}'") for s in QUEUED_STATUSES]
        ),
        CheckinRow.__table__.c.due_at,
    )
)
Index("ix_checkins_queued_due", Grouping(QUEUED_DUE_AT))  # the queue depth, every tick


class CancellationRow(Base):
    """A session a therapist cancelled from Telegram; planning leaves it out for good."""

    __tablename__ = "session_cancellations"
    __table_args__ = (UniqueConstraint("client_id", "session_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    session_start: Mapped[datetime]
    therapist_code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class AnswerRow(Base):
    """One item's answer; ``value`` is empty when the client skipped the item."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("checkin_id", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"))
    item_key: Mapped[str] = mapped_column(String(32))
    value: Mapped[int | None]
    answered_at: Mapped[datetime]


class NoteRow(Base):
    """The optional free-text note of a check-in and whether the client shared it."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), unique=True)
    text: Mapped[str] = mapped_column(SealedText)  # encrypted at rest when a key is set
    shared: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    # whether the note matched a risk phrase
    risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    alerted_at: Mapped[datetime | None]  # when the therapist was alerted about it


#: A flagged note whose alert is still owed: (nearly) never true, so its partial index of
#: the notes' times is empty, where the planner took the (risk, alerted) one to hold
#: thousands (a risk note is rare, an unalerted note common, and it multiplies the two) and
#: sorted them with a parallel worker on every tick.
ALERT_OWED = and_(NoteRow.risk, NoteRow.alerted_at.is_(None))
Index(
    "ix_notes_alert_owed",
    NoteRow.created_at,
    postgresql_where=ALERT_OWED,
    sqlite_where=ALERT_OWED,
)  # alerts owed, every tick


class ConcernRow(Base):
    """A shared note as a concern: the opaque id of its Discussed button, and when it was."""

    __tablename__ = "concerns"
    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    discussed_at: Mapped[datetime | None]
    discussed_by: Mapped[int | None] = mapped_column(ForeignKey("therapists.id"))
