"""Queries for health checks and metrics: cheap, indexed, and free of personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.model import CheckinStatus, ClientStatus
from storage.database import Database
from storage.tables import CheckinRow, ClientRow


def queue_depth(database: Database, now: datetime) -> int:
    """Due check-ins of consenting, reachable clients not delivered yet (retries included)."""
    query = (
        select(func.count())
        .select_from(CheckinRow)
        .join(ClientRow, ClientRow.id == CheckinRow.client_id)
        .where(
            CheckinRow.status.in_([CheckinStatus.PLANNED, CheckinStatus.SENDING]),
            CheckinRow.due_at <= now,
            CheckinRow.expires_at > now,
            ClientRow.status == ClientStatus.ACTIVE,
            ClientRow.in_config,
        )
    )
    with database.transaction() as s:
        return s.scalar(query) or 0


def last_sent_at(database: Database) -> datetime | None:
    """When a check-in was last delivered; asking also proves the database answers."""
    with database.transaction() as s:
        return s.scalar(select(func.max(CheckinRow.sent_at)))
