"""The facts ``alliance stats`` summarises, read in three queries."""

from __future__ import annotations

from sqlalchemy import func, select

from core.model import CheckinStatus, ClientStatus
from core.stats import CheckinFacts, ClientFacts
from storage.database import Database
from storage.export_rows import ALL, ExportFilter, filtered
from storage.tables import AnswerRow, CheckinRow, ClientRow, TherapistRow


def therapist_codes(database: Database) -> list[str]:
    """Codes of the therapists in the config, in code order."""
    with database.transaction() as s:
        query = select(TherapistRow.code).where(TherapistRow.in_config).order_by(TherapistRow.code)
        return list(s.scalars(query))


def client_facts(database: Database, only: ExportFilter = ALL) -> list[ClientFacts]:
    """Every client in the config (or the one ``only`` names) with their status."""
    query = select(ClientRow.therapist_code, ClientRow.status).where(ClientRow.in_config)
    if only.client_code is not None:
        query = query.where(ClientRow.code == only.client_code)
    with database.transaction() as s:
        return [ClientFacts(code, ClientStatus(status)) for code, status in s.execute(query)]


def checkin_facts(database: Database, only: ExportFilter = ALL) -> list[CheckinFacts]:
    """Every check-in ``only`` keeps, with when it was sent and first answered."""
    first_answer = (
        select(func.min(AnswerRow.answered_at))
        .where(AnswerRow.checkin_id == CheckinRow.id)
        .scalar_subquery()
    )
    query = select(
        ClientRow.therapist_code, CheckinRow.status, CheckinRow.sent_at, first_answer
    ).join(ClientRow, ClientRow.id == CheckinRow.client_id)
    with database.transaction() as s:
        return [
            CheckinFacts(code, CheckinStatus(status), sent_at, first)
            for code, status, sent_at, first in s.execute(filtered(database, query, only))
        ]
