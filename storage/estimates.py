"""Therapists' estimates: recorded when due, claimed for a send, saved by a tap while the
client's check-in is unsent, closed when it goes out.

Saving checks, in the same ``UPDATE``, that the estimate is still waiting, that the tap
came from its therapist's chat and that the client's check-in is still ``planned``: a
check-in claimed for sending (or sent) a moment before the tap makes the update miss, so a
race never stores an estimate made after the client could answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, case, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from core.estimate import WAITING, EndedSession, Estimate, EstimateStatus
from core.model import CheckinStatus, ClientStatus
from storage.database import Database
from storage.engine import update_rows
from storage.lease_queue import rowcount
from storage.tables import CheckinRow, ClientRow, EstimateRow, TherapistRow

_E = EstimateStatus
_WAITING = [s.value for s in WAITING]
#: What an estimate is made of: the row, its therapist, and the check-in it is about.
_VIEW = (
    select(
        EstimateRow.id,
        EstimateRow.token,
        TherapistRow.code.label("therapist_code"),
        TherapistRow.chat_id,
        ClientRow.code.label("client_code"),
        CheckinRow.session_start,
        CheckinRow.questionnaire,
        EstimateRow.status,
        EstimateRow.value,
        EstimateRow.asked_at,
    )
    .join(TherapistRow, TherapistRow.id == EstimateRow.therapist_id)
    .join(CheckinRow, CheckinRow.id == EstimateRow.checkin_id)
    .join(ClientRow, ClientRow.id == CheckinRow.client_id)
)
#: The client's check-in has not been sent: the only time an estimate may be saved.
_UNSENT = exists().where(
    CheckinRow.id == EstimateRow.checkin_id, CheckinRow.status == CheckinStatus.PLANNED
)
#: The client's check-in is on its way or past: nothing is left to estimate.
_GONE = ~exists().where(
    CheckinRow.id == EstimateRow.checkin_id,
    CheckinRow.status.in_([CheckinStatus.PLANNED, CheckinStatus.SENDING]),
)


class Saved(StrEnum):
    """What came of a tap on an estimate's button."""

    SAVED = "saved"
    ALREADY = "already"  # answered or skipped before
    LATE = "late"  # the client's check-in went out first: nothing stored
    NOT_YOURS = "not_yours"  # tapped in a chat that is not the estimate's therapist's
    UNKNOWN = "unknown"


def _estimate(row: Row[*tuple[Any, ...]]) -> Estimate:
    fields = row._asdict()
    return Estimate(**fields | {"status": EstimateStatus(fields["status"])})


def _therapist_ids(codes: Collection[str]) -> Any:
    return select(TherapistRow.id).where(TherapistRow.code.in_(list(codes)))


class Estimates:
    """Intent-named queries over estimates; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def ended_sessions(
        self, therapist_codes: Collection[str], ended_by: datetime, ended_after: datetime
    ) -> list[EndedSession]:
        """Sessions of these therapists' consenting clients that ended in
        (``ended_after``, ``ended_by``], whose check-in is unsent and has no estimate yet.
        Only therapists with a linked chat, in the config, are asked."""
        if not therapist_codes:
            return []
        query = (
            select(CheckinRow.id, ClientRow.therapist_code, ClientRow.code, CheckinRow.session_end)
            .join(ClientRow, ClientRow.id == CheckinRow.client_id)
            .join(TherapistRow, TherapistRow.code == ClientRow.therapist_code)
            .where(
                ClientRow.therapist_code.in_(list(therapist_codes)),
                ClientRow.status == ClientStatus.ACTIVE,
                ClientRow.in_config,
                TherapistRow.chat_id.is_not(None),
                TherapistRow.in_config,
                CheckinRow.status == CheckinStatus.PLANNED,
                CheckinRow.session_end <= ended_by,
                CheckinRow.session_end > ended_after,
                ~exists().where(EstimateRow.checkin_id == CheckinRow.id),
            )
            .order_by(CheckinRow.session_end, CheckinRow.id)
        )
        with self._db.transaction() as s:
            return [EndedSession(*row) for row in s.execute(query)]

    def create(self, sessions: Sequence[EndedSession]) -> int:
        """Record an estimate to ask for each session (once: a second call adds nothing)."""
        if not sessions:
            return 0
        ids = [session.checkin_id for session in sessions]
        owners = (
            select(CheckinRow.id, TherapistRow.id)
            .join(ClientRow, ClientRow.id == CheckinRow.client_id)
            .join(TherapistRow, TherapistRow.code == ClientRow.therapist_code)
            .where(CheckinRow.id.in_(ids))
        )
        insert = postgresql.insert if self._db.is_postgresql else sqlite.insert
        with self._db.transaction() as s:
            rows = [
                {"checkin_id": c, "therapist_id": t, "token": secrets.token_urlsafe(8)}
                for c, t in s.execute(owners)
            ]
            if not rows:
                return 0
            result = s.execute(
                insert(EstimateRow)
                .values([row | {"status": _E.PENDING} for row in rows])
                .on_conflict_do_nothing(index_elements=["checkin_id"])
                .returning(EstimateRow.id)
            )
            return len(result.all())

    def tidy(self, therapist_codes: Collection[str], now: datetime, lease: timedelta) -> int:
        """Give back claims whose lease ran out (their worker died mid-send), and close the
        waiting estimates of these therapists whose client's check-in has gone out or
        closed. How many were closed."""
        theirs = EstimateRow.therapist_id.in_(_therapist_ids(therapist_codes))
        with self._db.transaction() as s:
            s.execute(
                update_rows(EstimateRow)
                .where(theirs, EstimateRow.status == _E.ASKING, EstimateRow.asked_at <= now - lease)
                .values(status=_E.PENDING, asked_at=None)
            )
            closed = s.execute(
                update_rows(EstimateRow)
                .where(theirs, EstimateRow.status.in_(_WAITING), _GONE)
                .values(status=_E.CLOSED)
            )
            return rowcount(closed)

    def claim(self, therapist_codes: Collection[str], now: datetime, limit: int) -> list[Estimate]:
        """Claim estimates waiting to be asked, of these therapists (with a chat, in the
        config) whose client's check-in is still unsent; another worker's are left alone."""
        query = (
            _VIEW.where(
                EstimateRow.status == _E.PENDING,
                TherapistRow.code.in_(list(therapist_codes)),
                TherapistRow.chat_id.is_not(None),
                TherapistRow.in_config,
                CheckinRow.status == CheckinStatus.PLANNED,
            )
            .order_by(TherapistRow.code, ClientRow.code)
            .limit(limit)
        )
        with self._db.transaction() as s:
            found = [_estimate(row) for row in s.execute(query)]
            if not found:
                return []
            claimed = set(
                s.scalars(
                    update_rows(EstimateRow)
                    .where(
                        EstimateRow.id.in_([e.id for e in found]),
                        EstimateRow.status == _E.PENDING,
                    )
                    .values(status=_E.ASKING, asked_at=now)
                    .returning(EstimateRow.id)
                )
            )
        return [replace(e, status=_E.ASKING, asked_at=now) for e in found if e.id in claimed]

    def asked(self, ids: Sequence[int], chat_id: int, message_id: int, now: datetime) -> None:
        """Record the message that asked these estimates. One tapped before this is
        recorded keeps its answer and gets the message too, so it can be shown."""
        opened = case(
            (EstimateRow.status.in_([_E.ASKING, _E.PENDING]), _E.OPEN.value),
            else_=EstimateRow.status,
        )
        with self._db.transaction() as s:
            s.execute(
                update_rows(EstimateRow)
                .where(EstimateRow.id.in_(list(ids)), EstimateRow.message_id.is_(None))
                .values(status=opened, chat_id=chat_id, message_id=message_id, asked_at=now)
            )

    def unasked(self, ids: Sequence[int]) -> None:
        """Give claimed estimates back after a failed send: asked again next tick."""
        with self._db.transaction() as s:
            s.execute(
                update_rows(EstimateRow)
                .where(EstimateRow.id.in_(list(ids)), EstimateRow.status == _E.ASKING)
                .values(status=_E.PENDING, asked_at=None)
            )

    def close_sent(self, checkin_id: int) -> int:
        """Close the estimate of a check-in just sent, if it is still waiting."""
        with self._db.transaction() as s:
            return rowcount(
                s.execute(
                    update_rows(EstimateRow)
                    .where(EstimateRow.checkin_id == checkin_id, EstimateRow.status.in_(_WAITING))
                    .values(status=_E.CLOSED)
                )
            )

    def by_token(self, token: str) -> Estimate | None:
        """The estimate behind a button."""
        with self._db.transaction() as s:
            row = s.execute(_VIEW.where(EstimateRow.token == token)).first()
        return None if row is None else _estimate(row)

    def save(self, token: str, chat_id: int, value: int | None, now: datetime) -> Saved:
        """Store a tap's value (``None``: skipped) if the estimate is still waiting, the tap
        came from its therapist's chat, and the client's check-in is unsent: all checked in
        one ``UPDATE``. A late tap closes the estimate and stores nothing."""
        status = _E.SKIPPED if value is None else _E.ANSWERED
        mine = EstimateRow.therapist_id.in_(
            select(TherapistRow.id).where(TherapistRow.chat_id == chat_id)
        )
        waiting = (EstimateRow.token == token, EstimateRow.status.in_(_WAITING))
        with self._db.transaction() as s:
            stored = s.execute(
                update_rows(EstimateRow)
                .where(*waiting, mine, _UNSENT)
                .values(status=status, value=value, answered_at=now)
            )
            if rowcount(stored) == 1:
                return Saved.SAVED
            found = s.execute(
                select(EstimateRow.status, TherapistRow.chat_id)
                .join(TherapistRow, TherapistRow.id == EstimateRow.therapist_id)
                .where(EstimateRow.token == token)
            ).first()
            if found is None:
                return Saved.UNKNOWN
            if found.chat_id != chat_id:
                return Saved.NOT_YOURS
            if found.status in (_E.ANSWERED, _E.SKIPPED):
                return Saved.ALREADY
            s.execute(update_rows(EstimateRow).where(*waiting).values(status=_E.CLOSED))
            return Saved.LATE

    def in_message(self, token: str, chat_id: int, message_id: int) -> list[Estimate]:
        """The estimates asked in the message a tapped button (``token``) is on, by client."""
        with self._db.transaction() as s:
            therapist_id = s.scalar(
                select(EstimateRow.therapist_id).where(EstimateRow.token == token)
            )
            rows = s.execute(
                _VIEW.where(
                    EstimateRow.therapist_id == therapist_id,
                    EstimateRow.chat_id == chat_id,
                    EstimateRow.message_id == message_id,
                ).order_by(ClientRow.code)
            )
            return [_estimate(row) for row in rows]
