"""Making clients' stored check-ins match a new plan, without touching sent ones."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.model import CheckinStatus
from core.questionnaire import Questionnaire
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


@dataclass(frozen=True)
class Plan:
    """A client's wanted check-ins, and the questionnaire they ask."""

    checkins: Sequence[PlannedCheckin]
    questionnaire: Questionnaire


def replan(s: Session, plans: Mapping[int, Plan], now: datetime, postgres: bool) -> PlanCounts:
    """For each client id in ``plans``: insert new check-ins, move unsent ones to their new
    times (and questionnaire), cancel unwanted ones.

    Sent, completed and closed check-ins are never changed; a check-in being sent right now
    (``sending``) is left to finish. A cancelled check-in whose session is wanted again is
    planned anew. The clients' rows that a plan can touch are read in one query (by client
    id, the index that narrows most) and compared here, so a plan that changed nothing costs
    no writes.
    """
    wanted = {(c, p.session_start): p for c, plan in plans.items() for p in plan.checkins}
    existing = s.execute(
        select(
            CheckinRow.id,
            CheckinRow.client_id,
            CheckinRow.session_start,
            CheckinRow.session_end,
            CheckinRow.due_at,
            CheckinRow.expires_at,
            CheckinRow.status,
            CheckinRow.questionnaire,
            CheckinRow.questionnaire_version,
        ).where(CheckinRow.client_id.in_(list(plans)), _may_change(wanted, now))
    ).all()
    counts = PlanCounts(cancelled=_cancel_unwanted(s, existing, wanted, now))
    found = {(row.client_id, row.session_start): row for row in existing}
    new = []
    for key, p in wanted.items():
        row, questionnaire = found.get(key), plans[key[0]].questionnaire
        if row is None:
            new.append(_new_row(key[0], p, questionnaire))
        elif row.status == S.CANCELLED:
            counts.revived += _move(s, row.id, row.status, p, questionnaire, revive=True)
        elif row.status == S.PLANNED and _differs(row, p, questionnaire):
            counts.moved += _move(s, row.id, row.status, p, questionnaire, revive=False)
    counts.inserted = _insert(s, new, postgres)
    return counts


def _may_change(
    wanted: Mapping[tuple[int, datetime], object], now: datetime
) -> ColumnElement[bool]:
    """The rows a plan can touch: those of its sessions (none starts before the earliest it
    wants) and the unsent ones still open, which it may cancel. Past check-ins, most of a
    client's rows, are never read."""
    still_open = and_(CheckinRow.status == S.PLANNED, CheckinRow.expires_at > now)
    if not wanted:
        return still_open
    return or_(CheckinRow.session_start >= min(start for _, start in wanted), still_open)


def _cancel_unwanted(
    s: Session,
    existing: Sequence[Row[*tuple[Any, ...]]],
    wanted: Mapping[tuple[int, datetime], Any],
    now: datetime,
) -> int:
    stale = [
        row.id
        for row in existing
        if row.status == S.PLANNED
        and row.expires_at > now
        and (row.client_id, row.session_start) not in wanted
    ]
    if not stale:
        return 0
    return rowcount(
        s.execute(
            update_rows(CheckinRow)
            .where(CheckinRow.id.in_(stale), CheckinRow.status == S.PLANNED)
            .values(status=S.CANCELLED)
        )
    )


def _differs(row: Row[*tuple[Any, ...]], p: PlannedCheckin, questionnaire: Questionnaire) -> bool:
    """Whether an unsent check-in's times or questionnaire differ from the plan."""
    stored = (row.due_at, row.expires_at, row.session_end, row.questionnaire)
    planned = (p.due_at, p.expires_at, p.session_end, questionnaire.key)
    return stored != planned or row.questionnaire_version != questionnaire.version


def _insert(s: Session, new: Sequence[dict[str, object]], postgres: bool) -> int:
    insert = postgresql.insert if postgres else sqlite.insert
    inserted = 0
    for start in range(0, len(new), _ROWS_PER_INSERT):
        result = s.execute(
            insert(CheckinRow)
            .values(new[start : start + _ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["client_id", "session_start"])
            .returning(CheckinRow.id)
        )
        inserted += len(result.all())
    return inserted


def _new_row(client_id: int, p: PlannedCheckin, questionnaire: Questionnaire) -> dict[str, object]:
    return {
        "client_id": client_id,
        "token": secrets.token_urlsafe(8),
        "questionnaire": questionnaire.key,
        "questionnaire_version": questionnaire.version,
        "session_start": p.session_start,
        "session_end": p.session_end,
        "due_at": p.due_at,
        "expires_at": p.expires_at,
        "status": S.PLANNED,
        "step": 0,
        "attempts": 0,
    }


def _move(
    s: Session,
    row_id: int,
    status: str,
    p: PlannedCheckin,
    questionnaire: Questionnaire,
    revive: bool,
) -> int:
    values: dict[str, object] = {
        "due_at": p.due_at,
        "expires_at": p.expires_at,
        "session_end": p.session_end,
        "status": S.PLANNED,
        "questionnaire": questionnaire.key,
        "questionnaire_version": questionnaire.version,
    }
    if revive:
        values.update(attempts=0, next_attempt_at=None, last_error=None)
    result = s.execute(
        update_rows(CheckinRow)
        .where(CheckinRow.id == row_id, CheckinRow.status == status)
        .values(**values)
    )
    return rowcount(result)
