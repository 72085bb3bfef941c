"""SQLAlchemy 2 table mappings, in five modules, all on one metadata. Every instant is stored
in UTC. Importing this package declares every table."""

from storage.tables.base import NAMING, Base
from storage.tables.budget import SendSlotRow
from storage.tables.checkins import (
    ALERT_OWED,
    QUEUED_DUE_AT,
    QUEUED_STATUSES,
    AnswerRow,
    CancellationRow,
    CheckinRow,
    ConcernRow,
    NoteRow,
)
from storage.tables.people import (
    AuditRow,
    ClientRow,
    ConsentRow,
    InviteRow,
    RetiredCodeRow,
    TherapistRow,
)
from storage.tables.reports import DeliveryRow, EstimateRow, FollowupRow, TherapistMessageRow

__all__ = [
    "ALERT_OWED",
    "NAMING",
    "QUEUED_DUE_AT",
    "QUEUED_STATUSES",
    "AnswerRow",
    "AuditRow",
    "Base",
    "CancellationRow",
    "CheckinRow",
    "ClientRow",
    "ConcernRow",
    "ConsentRow",
    "DeliveryRow",
    "EstimateRow",
    "FollowupRow",
    "InviteRow",
    "NoteRow",
    "RetiredCodeRow",
    "SendSlotRow",
    "TherapistMessageRow",
    "TherapistRow",
]
