"""Making clients' stored check-ins match a new plan, without touching sent ones."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.model import CheckinStatus
from core.schedule import PlannedCheckin
from storage.engine import update_rows
from storage.lease_queue import rowcount
from storage.tables import CheckinRow

S = CheckinStatus
#: New check-ins per multi-row INSERT: well under every database's limit on parameters.
_ROWS_PER_INSERT = 500


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


def cancel_pending(s: Session, client_ids: Sequence[int], now: datetime) -> int:
    """Cancel the unsent, still-open check-ins of these clients."""
    return rowcount(
        s.execute(
            update_rows(CheckinRow)
            .where(
                CheckinRow.client_id.in_(client_ids),
                CheckinRow.status == S.PLANNED,
                CheckinRow.expires_at > now,
            )
            .values(status=S.CANCELLED)
        )
    )


def replan(
    s: Session,
    plans: Mapping[int, Sequence[PlannedCheckin]],
    now: datetime,
    questionnaire: str,
    postgres: bool,
) -> PlanCounts:
    """For each client id in ``plans``: insert new check-ins, move unsent ones to their new
    times, cancel unwanted ones.

    Sent, completed and closed check-ins are never changed; a check-in being sent right now
    (``sending``) is left to finish. A cancelled check-in whose session is wanted again is
    planned anew. The clients' rows are read in one query (by client id only, the index
    that narrows most) and compared here, so a plan that changed nothing costs no writes.
    """
    wanted = {(c, p.session_start): p for c, planned in plans.items() for p in planned}
    existing = s.execute(
        select(
            CheckinRow.id,
            CheckinRow.client_id,
            CheckinRow.session_start,
            CheckinRow.session_end,
            CheckinRow.due_at,
            CheckinRow.expires_at,
            CheckinRow.status,
        ).where(CheckinRow.client_id.in_(list(plans)))
    ).all()
    counts = PlanCounts()
    stale = [
        row.id
        for row in existing
        if row.status == S.PLANNED
        and row.expires_at > now
        and (row.client_id, row.session_start) not in wanted
    ]
    if stale:
        counts.cancelled = rowcount(
            s.execute(
                update_rows(CheckinRow)
                .where(CheckinRow.id.in_(stale), CheckinRow.status == S.PLANNED)
                .values(status=S.CANCELLED)
            )
        )
    found = {(row.client_id, row.session_start): row for row in existing}
    new = []
    for key, p in wanted.items():
        row = found.get(key)
        if row is None:
            new.append(_new_row(key[0], p, questionnaire))
        elif row.status == S.CANCELLED:
            counts.revived += _move(s, row.id, row.status, p, revive=True)
        elif row.status == S.PLANNED and (row.due_at, row.expires_at, row.session_end) != (
            p.due_at,
            p.expires_at,
            p.session_end,
        ):
            counts.moved += _move(s, row.id, row.status, p, revive=False)
    insert = postgresql.insert if postgres else sqlite.insert
    for start in range(0, len(new), _ROWS_PER_INSERT):
        result = s.execute(
            insert(CheckinRow)
            .values(new[start : start + _ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["client_id", "session_start"])
            .returning(CheckinRow.id)
        )
        counts.inserted += len(result.all())
    return counts


def _new_row(client_id: int, p: PlannedCheckin, questionnaire: str) -> dict[str, object]:
    return {
        "client_id": client_id,
        "token": secrets.token_urlsafe(8),
        "questionnaire": questionnaire,
        "session_start": p.session_start,
        "session_end": p.session_end,
        "due_at": p.due_at,
        "expires_at": p.expires_at,
        "status": S.PLANNED,
        "step": 0,
        "attempts": 0,
    }


def _move(s: Session, row_id: int, status: str, p: PlannedCheckin, revive: bool) -> int:
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
        .where(CheckinRow.id == row_id, CheckinRow.status == status)
        .values(**values)
    )
    return rowcount(result)
