"""Queries for health checks and metrics: cheap, indexed, and free of personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select

from core.model import CheckinStatus, ClientStatus
from storage.database import Database
from storage.tables import QUEUED_DUE_AT, CheckinRow, ClientRow


def queue_depth(database: Database, now: datetime) -> int:
    """Due check-ins of consenting, reachable clients not delivered yet (retries included).

    The client is checked per due check-in (``EXISTS``), not joined. Each database is
    told that being due is the rare condition, so that the cost of a tick does not grow with
    the clinic when nothing is due: SQLite with ``unlikely`` (a planner hint only) on the
    (status, due) index, with a join it scanned every client, and left to itself it read
    every future check-in through the (status, expiry) index; PostgreSQL by asking for the
    indexed expression ``QUEUED_DUE_AT`` (the due time of a planned or sending check-in),
    whose own statistics show that nearly none of them is due, where from the columns'
    statistics it took a tenth of the table for due and read every future check-in through
    the (status, expiry) index.
    """
    due: ColumnElement[bool]
    if database.is_postgresql:
        queued_due_at: ColumnElement[datetime] = QUEUED_DUE_AT  # null unless queued
        due = queued_due_at <= now
    else:
        due = and_(
            CheckinRow.status.in_([CheckinStatus.PLANNED, CheckinStatus.SENDING]),
            func.unlikely(CheckinRow.due_at <= now),
        )
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
        .where(due, CheckinRow.expires_at > now, consenting)
    )
    with database.transaction() as s:
        return s.scalar(query) or 0


def last_sent_at(database: Database) -> datetime | None:
    """When a check-in was last delivered; asking also proves the database answers."""
    with database.transaction() as s:
        return s.scalar(select(func.max(CheckinRow.sent_at)))
