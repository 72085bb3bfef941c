"""Read-only queries for exports: the therapists' estimates of sessions.

An estimate is exported when the therapist saved one with a value; a skipped or closed one
holds nothing. It takes the export's filters like the client's answers (by the session's
day in the client's time zone, and by client).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from core.estimate import EstimateStatus
from storage.database import Database
from storage.export_rows import ALL, ExportFilter, filtered
from storage.tables import CheckinRow, ClientRow, EstimateRow, TherapistRow


@dataclass(frozen=True)
class EstimateExport:
    """A therapist's estimate of how the client would rate a session overall, made before
    the client answered, on the scale of the check-in's questionnaire.

    ``therapist_code`` is the therapist who made it (the client's therapist then).
    """

    client_code: str
    therapist_code: str
    timezone: str
    session_start: datetime
    value: int
    estimated_at: datetime
    questionnaire: str
    questionnaire_version: str


def _query() -> Select[ClientRow, CheckinRow, EstimateRow, str]:
    return (
        select(ClientRow, CheckinRow, EstimateRow, TherapistRow.code)
        .join(CheckinRow, CheckinRow.client_id == ClientRow.id)
        .join(EstimateRow, EstimateRow.checkin_id == CheckinRow.id)
        .join(TherapistRow, TherapistRow.id == EstimateRow.therapist_id)
        .where(
            EstimateRow.status == EstimateStatus.ANSWERED,
            EstimateRow.value.is_not(None),
            EstimateRow.answered_at.is_not(None),
        )
    )


def count(database: Database, only: ExportFilter = ALL) -> int:
    """How many estimates an export will hold."""
    query = filtered(database, _query(), only)
    with database.transaction() as s:
        return s.scalar(select(func.count()).select_from(query.subquery())) or 0


def estimates(database: Database, only: ExportFilter = ALL) -> Iterator[EstimateExport]:
    """Every estimate saved with a value, by client and oldest session first."""
    query = filtered(database, _query(), only).order_by(ClientRow.code, CheckinRow.session_start)
    with database.transaction() as s:
        for client, checkin, estimate, therapist_code in s.execute(query):
            if estimate.value is None or estimate.answered_at is None:
                continue  # never: the query keeps saved values only
            yield EstimateExport(
                client.code,
                therapist_code,
                client.timezone,
                checkin.session_start,
                estimate.value,
                estimate.answered_at,
                checkin.questionnaire,
                checkin.questionnaire_version,
            )
