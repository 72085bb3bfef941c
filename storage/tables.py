"""SQLAlchemy 2 table mappings. Every instant is stored in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    and_,
    case,
    false,
    literal_column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import Grouping

from core.model import CheckinStatus
from storage.engine import SealedText, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), int: Integer()}


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


class ConcernRow(Base):
    """A shared note as a concern: the opaque id of its Discussed button, and when it was."""

    __tablename__ = "concerns"
    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    discussed_at: Mapped[datetime | None]
    discussed_by: Mapped[int | None] = mapped_column(ForeignKey("therapists.id"))


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


class RetiredCodeRow(Base):
    """A client or therapist code ended for good (``alliance retire``): never used again."""

    __tablename__ = "retired_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    retired_at: Mapped[datetime]


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
