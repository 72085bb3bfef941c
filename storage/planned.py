"""Making the stored check-ins of one client match a new plan, without touching sent ones."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from core.model import CheckinStatus
from core.schedule import PlannedCheckin
from storage.db import update_rows
from storage.tables import CheckinRow

S = CheckinStatus


@dataclass
class PlanCounts:
    """What re-planning changed: new rows, moved due times, dropped and revived check-ins."""

    inserted: int = 0
    moved: int = 0
    cancelled: int = 0
    revived: int = 0

    def __iadd__(self, other: PlanCounts) -> PlanCounts:
        self.inserted += other.inserted
        self.moved += other.moved
        self.cancelled += other.cancelled
        self.revived += other.revived
        return self

    @property
    def changed(self) -> bool:
        """Whether anything changed at all."""
        return bool(self.inserted or self.moved or self.cancelled or self.revived)


def cancel_pending(
    s: Session, client_ids: Sequence[int] | None, keep: set[datetime], now: datetime
) -> int:
    """Cancel unsent, still-open check-ins (of these clients) whose session is not in ``keep``."""
    query = update_rows(CheckinRow).where(
        CheckinRow.status == S.PLANNED,
        CheckinRow.expires_at > now,
        CheckinRow.session_start.not_in(keep),
    )
    if client_ids is not None:
        query = query.where(CheckinRow.client_id.in_(client_ids))
    return _rowcount(s.execute(query.values(status=S.CANCELLED)))


def replan(
    s: Session,
    client_id: int,
    planned: Sequence[PlannedCheckin],
    now: datetime,
    questionnaire: str,
    postgres: bool,
) -> PlanCounts:
    """Insert new check-ins, move unsent ones to their new times, cancel unwanted ones.

    Sent, completed and closed check-ins are never changed; a check-in being sent right now
    (``sending``) is left to finish. A cancelled check-in whose session is wanted again is
    planned anew.
    """
    wanted = {p.session_start: p for p in planned}
    counts = PlanCounts(cancelled=cancel_pending(s, [client_id], set(wanted), now))
    rows = s.scalars(
        select(CheckinRow).where(
            CheckinRow.client_id == client_id, CheckinRow.session_start.in_(list(wanted))
        )
    )
    existing = {row.session_start: row for row in rows}
    insert = postgresql.insert if postgres else sqlite.insert
    for p in planned:
        row = existing.get(p.session_start)
        if row is None:
            result = s.execute(
                insert(CheckinRow)
                .on_conflict_do_nothing(index_elements=["client_id", "session_start"])
                .returning(CheckinRow.id)
                .values(
                    client_id=client_id,
                    token=secrets.token_urlsafe(8),
                    questionnaire=questionnaire,
                    session_start=p.session_start,
                    session_end=p.session_end,
                    due_at=p.due_at,
                    expires_at=p.expires_at,
                    status=S.PLANNED,
                    step=0,
                    attempts=0,
                )
            )
            counts.inserted += len(result.all())
        elif row.status == S.CANCELLED:
            counts.revived += _move(s, row, p, revive=True)
        elif row.status == S.PLANNED and (row.due_at, row.expires_at, row.session_end) != (
            p.due_at,
            p.expires_at,
            p.session_end,
        ):
            counts.moved += _move(s, row, p, revive=False)
    return counts


def _move(s: Session, row: CheckinRow, p: PlannedCheckin, revive: bool) -> int:
    values: dict[str, object] = {
        "due_at": p.due_at,
        "expires_at": p.expires_at,
        "session_end": p.session_end,
        "status": S.PLANNED,
    }
    if revive:
        values.update(attempts=0, next_attempt_at=None, last_error=None)
    result = s.execute(
        update_rows(CheckinRow)
        .where(CheckinRow.id == row.id, CheckinRow.status == row.status)
        .values(**values)
    )
    return _rowcount(result)


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount
