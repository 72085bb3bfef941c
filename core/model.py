"""Plain domain records that storage returns and the rest of the program passes around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.questionnaire import DEFAULT_QUESTIONNAIRE


class ClientStatus(StrEnum):
    """Where a client stands with the bot."""

    NOT_ENROLLED = "not_enrolled"  # in the config; no chat linked yet
    AWAITING_CONSENT = "awaiting_consent"  # chat linked; consent not given yet
    ACTIVE = "active"  # consented: check-ins are sent
    DECLINED = "declined"  # said no to consent: nothing is sent
    UNREACHABLE = "unreachable"  # Telegram refuses delivery (blocked the bot)
    PAUSED = "paused"  # asked for a break (/pause): nothing is sent until it ends
    STOPPED = "stopped"  # withdrew (/stop): nothing is sent until they agree again


class CheckinStatus(StrEnum):
    """The life of one check-in."""

    PLANNED = "planned"  # waiting until it is due (and the client can receive it)
    SENDING = "sending"  # claimed by a worker; the claim lapses if that worker dies
    OPEN = "open"  # delivered; the client can answer until it expires
    COMPLETED = "completed"  # every step answered or skipped
    EXPIRED = "expired"  # delivered, closed before completion (a missed check-in)
    UNSENT = "unsent"  # closed before it could be delivered (not enrolled, no consent)
    CANCELLED = "cancelled"  # its session was removed from the config before sending


#: Statuses in which a check-in can still be answered.
ANSWERABLE = frozenset({CheckinStatus.OPEN})


@dataclass(frozen=True)
class ClientRecord:
    """A client as the bot knows them: a pseudonymous code, never a name."""

    id: int
    code: str
    therapist_code: str
    status: ClientStatus
    chat_id: int | None
    language: str
    timezone: str
    paused_until: datetime | None = None  # set while PAUSED for a number of weeks


@dataclass(frozen=True)
class TherapistRecord:
    """A therapist as the bot knows them."""

    id: int
    code: str
    chat_id: int | None


@dataclass(frozen=True)
class Checkin:
    """One check-in with what is needed to show or answer it."""

    id: int
    token: str
    client_code: str
    chat_id: int | None
    language: str
    timezone: str
    session_start: datetime
    due_at: datetime
    expires_at: datetime
    status: CheckinStatus
    step: int
    message_id: int | None
    attempts: int
    remind_at: datetime | None = None
    reminders_sent: int = 0
    unknown_sends: int = 0  # earlier sends whose fate is unknown
    questionnaire: str = DEFAULT_QUESTIONNAIRE.key  # the questionnaire it asks ...
    questionnaire_version: str = DEFAULT_QUESTIONNAIRE.version  # ... as it was when planned
    repair: str | None = None  # the follow-up it asks after its items (core.repair), if any
