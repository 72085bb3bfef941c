"""The retention purge: what clients answered and wrote, and what was recorded about their
sessions, once older than the clinic's period, client by client.

Old rows are removed for a batch of clients in one transaction; a batch that fails is
tried again one client at a time, each in its own transaction, so that one client whose
rows cannot be removed (a row elsewhere still referring to a note, a lock) stops the purge
for nobody else. What could not be removed is reported by client code and error type, and
tried again on the next run. With a note goes every row that refers to it (its concern,
and a repair follow-up raised by that concern). The record of therapist messages sent
before the cut-off is forgotten too: the notes they quoted are gone, and Telegram stopped
letting the bot delete them long ago.

The age rule is the answers' own: a row goes once the moment it was made is before the
cut-off. An answer (the repair answer too) by when it was given, a note by when it was
written, a repair follow-up by when it was raised, a therapist's estimate by when it was
saved (or, never saved, when it was asked, or else when its session ended: an estimate is
always made before the client answers, so it never outlives the answers it sits beside).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, union
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from core.audit import AuditKind
from storage.audit import add_entry
from storage.database import Database
from storage.lease_queue import rowcount
from storage.tables import (
    AnswerRow,
    CheckinRow,
    ClientRow,
    ConcernRow,
    EstimateRow,
    FollowupRow,
    NoteRow,
    TherapistMessageRow,
)

#: Clients whose old rows are removed in one transaction.
BATCH = 100


@dataclass(frozen=True)
class PurgeFailure:
    """A client whose old answers and notes could not be removed, and the error's type."""

    client_code: str
    error: str


@dataclass(frozen=True)
class Purged:
    """How many rows a purge removed (or would remove), and what it could not."""

    answers: int
    notes: int
    failed: tuple[PurgeFailure, ...] = ()
    estimates: int = 0
    followups: int = 0


@dataclass(frozen=True)
class _Removed:
    answers: int = 0
    notes: int = 0
    estimates: int = 0
    followups: int = 0

    def __add__(self, other: _Removed) -> _Removed:
        return _Removed(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def purged(self, failed: Sequence[PurgeFailure] = ()) -> Purged:
        return Purged(self.answers, self.notes, tuple(failed), self.estimates, self.followups)


def _estimate_made() -> Any:
    """When an estimate was made: saved, else asked, else its session's end."""
    session = aliased(CheckinRow)  # never the check-ins of a query it sits in
    session_end = (
        select(session.session_end).where(session.id == EstimateRow.checkin_id)
    ).scalar_subquery()
    return func.coalesce(EstimateRow.answered_at, EstimateRow.asked_at, session_end)


def _old(before: datetime) -> dict[str, ColumnElement[bool]]:
    """Each kind of row's age rule, by the name ``_Removed`` counts it under."""
    return {
        "answers": AnswerRow.answered_at < before,
        "notes": NoteRow.created_at < before,
        "estimates": _estimate_made() < before,
        # a follow-up goes with the concern (and the note) it follows up
        "followups": (FollowupRow.raised_at < before)
        | FollowupRow.concern_id.in_(
            select(ConcernRow.id)
            .join(NoteRow, NoteRow.id == ConcernRow.note_id)
            .where(NoteRow.created_at < before)
        ),
    }


def purge(
    database: Database, before: datetime, now: datetime, *, dry_run: bool, via: str, actor: str
) -> Purged:
    """Remove answers, notes, estimates and follow-ups made before ``before``; ``dry_run``
    only counts them.

    The audit log gets one entry with the counts (and how many clients failed).
    """
    if dry_run:
        return _count(database, before).purged()
    removed = _Removed()
    failed: list[PurgeFailure] = []
    clients = _clients_with_old_rows(database, before)
    for start in range(0, len(clients), BATCH):
        batch = clients[start : start + BATCH]
        try:
            removed += _remove(database, [client_id for client_id, _ in batch], before)
        except SQLAlchemyError:
            for client_id, code in batch:
                try:
                    removed += _remove(database, [client_id], before)
                except SQLAlchemyError as error:
                    failed.append(PurgeFailure(code, type(error).__name__))
    with database.transaction() as s:
        detail = (
            f"before {before:%Y-%m-%d}: {removed.answers} answers, {removed.notes} notes, "
            f"{removed.estimates} estimates, {removed.followups} follow-ups"
        )
        if failed:
            detail += f"; {len(failed)} clients failed"
        add_entry(s, AuditKind.PURGED, now, actor, via=via, detail=detail)
    return removed.purged(failed)


def _count(database: Database, before: datetime) -> _Removed:
    old = _old(before)
    tables: dict[str, Any] = {
        "answers": AnswerRow,
        "notes": NoteRow,
        "estimates": EstimateRow,
        "followups": FollowupRow,
    }
    with database.transaction() as s:
        return _Removed(
            **{
                name: s.scalar(select(func.count()).select_from(table).where(old[name])) or 0
                for name, table in tables.items()
            }
        )


def _clients_with_old_rows(database: Database, before: datetime) -> list[tuple[int, str]]:
    """(id, code) of every client with a row of any kind made before ``before``."""
    old = _old(before)
    of_checkin = [
        select(CheckinRow.client_id).join(table, table.checkin_id == CheckinRow.id).where(old[name])
        for name, table in (("answers", AnswerRow), ("notes", NoteRow), ("estimates", EstimateRow))
    ]
    followups = select(FollowupRow.client_id).where(old["followups"])
    with database.transaction() as s:
        rows = s.execute(
            select(ClientRow.id, ClientRow.code)
            .where(ClientRow.id.in_(union(*of_checkin, followups).scalar_subquery()))
            .order_by(ClientRow.id)
        ).all()
    return [(client_id, code) for client_id, code in rows]


def _remove(database: Database, client_ids: Sequence[int], before: datetime) -> _Removed:
    """Remove these clients' old rows (and the old notes' concerns and the follow-ups they
    raised), and forget the therapist messages sent before the cut-off, in one transaction."""
    old = _old(before)
    with database.transaction() as s:
        theirs = select(CheckinRow.id).where(CheckinRow.client_id.in_(client_ids))
        old_notes = select(NoteRow.id).where(NoteRow.checkin_id.in_(theirs), old["notes"])
        followups = _delete(
            s, delete(FollowupRow).where(FollowupRow.client_id.in_(client_ids), old["followups"])
        )
        s.execute(delete(ConcernRow).where(ConcernRow.note_id.in_(old_notes)))
        removed = _Removed(
            answers=_delete(
                s, delete(AnswerRow).where(AnswerRow.checkin_id.in_(theirs), old["answers"])
            ),
            notes=_delete(s, delete(NoteRow).where(NoteRow.id.in_(old_notes))),
            estimates=_delete(
                s, delete(EstimateRow).where(EstimateRow.checkin_id.in_(theirs), old["estimates"])
            ),
            followups=followups,
        )
        s.execute(
            delete(TherapistMessageRow).where(
                TherapistMessageRow.client_id.in_(client_ids), TherapistMessageRow.sent_at < before
            )
        )
        return removed


def _delete(s: Session, statement: Any) -> int:
    return rowcount(s.execute(statement))
