"""Queries for health checks and metrics: cheap, indexed, and free of personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from core.model import CheckinStatus, ClientStatus
from storage.database import Database
from storage.tables import CheckinRow, ClientRow


def queue_depth(database: Database, now: datetime) -> int:
    """Due check-ins of consenting, reachable clients not delivered yet (retries included).

    The client is checked per due check-in (``EXISTS``), not joined, and SQLite is told
    that being due is the rare condition (``unlikely``, a planner hint only), so it reads the
    (status, due) index: with a join it scanned every client, and left to itself it reads
    every future check-in through the (status, expiry) index, so the cost of each tick grew
    with the clinic even when nothing was due.
    """
    due: ColumnElement[bool] = CheckinRow.due_at <= now
    if not database.is_postgresql:
        due = func.unlikely(due)
    consenting = (
        select(ClientRow.id)
        .where(
            ClientRow.id == CheckinRow.client_id,
            ClientRow.status == ClientStatus.ACTIVE,
            ClientRow.in_config,
        )
        .exists()
    )
    query = (
        select(func.count())
        .select_from(CheckinRow)
        .where(
            CheckinRow.status.in_([CheckinStatus.PLANNED, CheckinStatus.SENDING]),
            due,
            CheckinRow.expires_at > now,
            consenting,
        )
    )
    with database.transaction() as s:
        return s.scalar(query) or 0


def last_sent_at(database: Database) -> datetime | None:
    """When a check-in was last delivered; asking also proves the database answers."""
    with database.transaction() as s:
        return s.scalar(select(func.max(CheckinRow.sent_at)))
