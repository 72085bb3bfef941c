"""Check-ins: planning rows from sessions, claiming due ones, and recording answers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from core.flow import Accepted, ItemAnswer, NoteText, ShareChoice
from core.model import Checkin, CheckinStatus, ClientStatus
from core.schedule import PlannedCheckin
from storage.database import Database
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow

S = CheckinStatus


class Checkins:
    """Intent-named queries over check-ins; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def plan(
        self, client_code: str, planned: Sequence[PlannedCheckin], now: datetime, questionnaire: str
    ) -> int:
        """Insert the planned check-ins not stored yet, cancel future ones no longer planned.

        Idempotent: the (client, session start) key makes a second call insert nothing.
        Returns how many rows were inserted.
        """
        with self._db.transaction() as s:
            client_id = s.scalar(select(ClientRow.id).where(ClientRow.code == client_code))
            if client_id is None:
                return 0
            wanted = {p.session_start for p in planned}
            s.execute(
                update(CheckinRow)
                .where(
                    CheckinRow.client_id == client_id,
                    CheckinRow.status == S.PLANNED,
                    CheckinRow.due_at > now,
                    CheckinRow.session_start.not_in(wanted),
                )
                .values(status=S.CANCELLED)
            )
            inserted = 0
            for p in planned:
                result = s.execute(
                    self._insert_ignoring_duplicates().values(
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
                inserted += len(result.all())
            return inserted

    def _insert_ignoring_duplicates(self) -> ReturningInsert[int]:
        insert = postgresql.insert if self._db.is_postgresql else sqlite.insert
        return (
            insert(CheckinRow)
            .on_conflict_do_nothing(index_elements=["client_id", "session_start"])
            .returning(CheckinRow.id)
        )

    def close_expired(self, now: datetime) -> int:
        """Close every check-in past its expiry: delivered ones as missed, others as unsent."""
        closed = 0
        with self._db.transaction() as s:
            for before, after in ((S.OPEN, S.EXPIRED), (S.PLANNED, S.UNSENT)):
                result = s.execute(
                    update(CheckinRow)
                    .where(CheckinRow.status == before, CheckinRow.expires_at <= now)
                    .values(status=after)
                )
                closed += _rowcount(result)
        return closed

    def release_lapsed_claims(self, now: datetime) -> int:
        """Give back claims whose worker stopped before recording the outcome."""
        with self._db.transaction() as s:
            result = s.execute(
                update(CheckinRow)
                .where(CheckinRow.status == S.SENDING, CheckinRow.claimed_until <= now)
                .values(status=S.PLANNED, claimed_until=None)
            )
            return _rowcount(result)

    def claim_due(self, now: datetime, lease: timedelta) -> Checkin | None:
        """Claim the oldest due check-in of a consenting client, or None when none is due."""
        with self._db.transaction() as s:
            query = (
                select(CheckinRow.id)
                .join(ClientRow, ClientRow.id == CheckinRow.client_id)
                .where(
                    CheckinRow.status == S.PLANNED,
                    CheckinRow.due_at <= now,
                    CheckinRow.expires_at > now,
                    func.coalesce(CheckinRow.next_attempt_at, CheckinRow.due_at) <= now,
                    ClientRow.status == ClientStatus.ACTIVE,
                    ClientRow.in_config,
                )
                .order_by(CheckinRow.due_at, CheckinRow.id)
                .limit(1)
            )
            if self._db.is_postgresql:
                query = query.with_for_update(skip_locked=True, of=CheckinRow)
            checkin_id = s.scalar(query)
            if checkin_id is None:
                return None
            claimed = s.execute(
                update(CheckinRow)
                .where(CheckinRow.id == checkin_id, CheckinRow.status == S.PLANNED)
                .values(
                    status=S.SENDING,
                    claimed_until=now + lease,
                    attempts=CheckinRow.attempts + 1,
                )
            )
            if _rowcount(claimed) != 1:
                return None
            return _checkin(*s.execute(_view().where(CheckinRow.id == checkin_id)).one())

    def mark_sent(self, checkin_id: int, chat_id: int, message_id: int, now: datetime) -> None:
        """Record a delivered check-in; it can be answered from now on."""
        with self._db.transaction() as s:
            s.execute(
                update(CheckinRow)
                .where(CheckinRow.id == checkin_id, CheckinRow.status == S.SENDING)
                .values(
                    status=S.OPEN,
                    chat_id=chat_id,
                    message_id=message_id,
                    sent_at=now,
                    claimed_until=None,
                    last_error=None,
                )
            )

    def adopt(
        self, checkin_id: int, chat_id: int, message_id: int, now: datetime
    ) -> Checkin | None:
        """Open a check-in the client was seen to receive before its send was recorded.

        Its send timed out (``planned`` again), or the tap came before the worker recorded
        the send (``sending``; recording it later then changes nothing).
        """
        with self._db.transaction() as s:
            adopted = s.execute(
                update(CheckinRow)
                .where(
                    CheckinRow.id == checkin_id,
                    CheckinRow.status.in_((S.PLANNED, S.SENDING)),
                    CheckinRow.attempts > 0,
                    CheckinRow.expires_at > now,
                )
                .values(
                    status=S.OPEN,
                    chat_id=chat_id,
                    message_id=message_id,
                    sent_at=now,
                    claimed_until=None,
                )
            )
            if _rowcount(adopted) != 1:
                return None
            return _checkin(*s.execute(_view().where(CheckinRow.id == checkin_id)).one())

    def retry_later(self, checkin_id: int, at: datetime, error: str) -> None:
        """Give a claimed check-in back to be tried again at ``at``."""
        with self._db.transaction() as s:
            s.execute(
                update(CheckinRow)
                .where(CheckinRow.id == checkin_id, CheckinRow.status == S.SENDING)
                .values(status=S.PLANNED, next_attempt_at=at, claimed_until=None, last_error=error)
            )

    def by_token(self, token: str) -> Checkin | None:
        """The check-in behind a button, if the token is real."""
        with self._db.transaction() as s:
            row = s.execute(_view().where(CheckinRow.token == token)).first()
            return None if row is None else _checkin(*row)

    def awaiting_note(self, chat_id: int, now: datetime, step: int) -> Checkin | None:
        """The open check-in in this chat that is waiting for a note, if any."""
        with self._db.transaction() as s:
            row = s.execute(
                _view()
                .where(
                    ClientRow.chat_id == chat_id,
                    CheckinRow.status == S.OPEN,
                    CheckinRow.step == step,
                    CheckinRow.expires_at > now,
                )
                .order_by(CheckinRow.sent_at.desc())
                .limit(1)
            ).first()
            return None if row is None else _checkin(*row)

    def advance(
        self, checkin: Checkin, accepted: Accepted, now: datetime, done: bool, risk: bool = False
    ) -> bool:
        """Store what an accepted action carries and move the step on, exactly once.

        The step only moves if it is still the one the action was decided on, so of two
        simultaneous taps one wins and the other changes nothing. ``risk`` marks a note
        that matched a risk phrase, so its alert can be sent (and re-sent) from the row.
        """
        with self._db.transaction() as s:
            moved = s.execute(
                update(CheckinRow)
                .where(
                    CheckinRow.id == checkin.id,
                    CheckinRow.step == checkin.step,
                    CheckinRow.status == S.OPEN,
                    CheckinRow.expires_at > now,
                )
                .values(
                    step=accepted.next_step,
                    status=S.COMPLETED if done else S.OPEN,
                    completed_at=now if done else None,
                )
            )
            if _rowcount(moved) != 1:
                return False
            _record(s, checkin.id, accepted, now, risk)
            return True


def _record(s: Session, checkin_id: int, accepted: Accepted, now: datetime, risk: bool) -> None:
    action = accepted.action
    if isinstance(action, ItemAnswer) and accepted.item is not None:
        s.add(
            AnswerRow(
                checkin_id=checkin_id,
                item_key=accepted.item.key,
                value=action.value,
                answered_at=now,
            )
        )
    elif isinstance(action, NoteText) and accepted.note is not None:
        s.add(
            NoteRow(
                checkin_id=checkin_id, text=accepted.note, shared=None, created_at=now, risk=risk
            )
        )
    elif isinstance(action, ShareChoice):
        s.execute(
            update(NoteRow).where(NoteRow.checkin_id == checkin_id).values(shared=action.shared)
        )


def _view() -> Select[CheckinRow, ClientRow]:
    return select(CheckinRow, ClientRow).join(ClientRow, ClientRow.id == CheckinRow.client_id)


def _checkin(row: CheckinRow, client: ClientRow) -> Checkin:
    return Checkin(
        id=row.id,
        token=row.token,
        client_code=client.code,
        chat_id=client.chat_id,
        language=client.language,
        timezone=client.timezone,
        session_start=row.session_start,
        due_at=row.due_at,
        expires_at=row.expires_at,
        status=CheckinStatus(row.status),
        step=row.step,
        message_id=row.message_id,
        attempts=row.attempts,
    )


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount
