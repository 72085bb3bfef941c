"""Clients' recent check-ins for digests, briefs and charts, and the concerns in them.

Only notes the client chose to share are read; a private note's text never leaves here.
Every query names the therapist, so one therapist never sees another's clients.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from core.history import CheckinPoint, ClientHistory, SharedNote
from core.model import CheckinStatus
from core.questionnaire import Questionnaire
from storage.database import Database
from storage.tables import AnswerRow, CheckinRow, ClientRow, ConcernRow, NoteRow, TherapistRow

#: Check-ins that reached the client.
DELIVERED = (CheckinStatus.OPEN, CheckinStatus.COMPLETED, CheckinStatus.EXPIRED)


class Discussion(StrEnum):
    """What a tap on a concern's Discussed button did."""

    MARKED = "marked"
    ALREADY = "already"
    NOT_YOURS = "not_yours"
    UNKNOWN = "unknown"


class Histories:
    """Read-mostly queries over a therapist's clients."""

    def __init__(self, database: Database, questionnaire: Questionnaire) -> None:
        self._db = database
        self._items = tuple(item.key for item in questionnaire.items)
        self._scale_max = questionnaire.scale_max

    def roster(self, therapist_code: str) -> list[tuple[str, str]]:
        """(code, status) of the therapist's clients in the config, by code."""
        with self._db.transaction() as s:
            rows = s.execute(
                select(ClientRow.code, ClientRow.status)
                .where(ClientRow.therapist_code == therapist_code, ClientRow.in_config)
                .order_by(ClientRow.code)
            )
            return [(code, status) for code, status in rows]

    def for_therapist(self, therapist_code: str, limit: int) -> list[ClientHistory]:
        """The recent check-ins of each of the therapist's clients, by client code."""
        with self._db.transaction() as s:
            clients = s.scalars(
                select(ClientRow)
                .where(ClientRow.therapist_code == therapist_code, ClientRow.in_config)
                .order_by(ClientRow.code)
            ).all()
            return [self._history(s, client, limit) for client in clients]

    def for_client(self, therapist_code: str, client_code: str, limit: int) -> ClientHistory | None:
        """One client's history, only if the client is this therapist's."""
        with self._db.transaction() as s:
            client = s.scalar(
                select(ClientRow).where(
                    ClientRow.code == client_code,
                    ClientRow.therapist_code == therapist_code,
                    ClientRow.in_config,
                )
            )
            return None if client is None else self._history(s, client, limit)

    def _history(self, s: Session, client: ClientRow, limit: int) -> ClientHistory:
        checkins = list(
            s.scalars(
                select(CheckinRow)
                .where(CheckinRow.client_id == client.id, CheckinRow.status.in_(DELIVERED))
                .order_by(CheckinRow.session_start.desc())
                .limit(limit)
            )
        )[::-1]
        ids = [c.id for c in checkins]
        answers: dict[int, dict[str, int | None]] = defaultdict(dict)
        first: dict[int, datetime] = {}
        for row in s.scalars(select(AnswerRow).where(AnswerRow.checkin_id.in_(ids))):
            answers[row.checkin_id][row.item_key] = row.value
            first[row.checkin_id] = min(first.get(row.checkin_id, row.answered_at), row.answered_at)
        notes = self._shared_notes(s, ids)
        points = tuple(
            CheckinPoint(
                session_start=c.session_start,
                session_end=c.session_end,
                status=CheckinStatus(c.status),
                answers=answers.get(c.id, {}),
                first_answer_at=first.get(c.id),
                note=notes.get(c.id),
            )
            for c in checkins
        )
        return ClientHistory(client.code, client.status, points, self._items, self._scale_max)

    def _shared_notes(self, s: Session, checkin_ids: Sequence[int]) -> dict[int, SharedNote]:
        """Shared notes by check-in, each with the token of its Discussed button."""
        shared = select(NoteRow.id).where(
            NoteRow.checkin_id.in_(checkin_ids), NoteRow.shared.is_(True)
        )
        missing = s.scalars(shared.where(~NoteRow.id.in_(select(ConcernRow.note_id)))).all()
        insert = postgresql.insert if self._db.is_postgresql else sqlite.insert
        for note_id in missing:
            s.execute(
                insert(ConcernRow)
                .values(note_id=note_id, token=secrets.token_urlsafe(8))
                .on_conflict_do_nothing(index_elements=["note_id"])
            )
        rows = s.execute(
            select(NoteRow, ConcernRow)
            .join(ConcernRow, ConcernRow.note_id == NoteRow.id)
            .where(NoteRow.checkin_id.in_(checkin_ids), NoteRow.shared.is_(True))
        )
        return {
            note.checkin_id: SharedNote(
                note.text, note.created_at, concern.token, concern.discussed_at is not None
            )
            for note, concern in rows
        }

    def discuss(self, token: str, therapist_code: str, now: datetime) -> Discussion:
        """Mark a concern as discussed, if it is one of this therapist's clients'."""
        with self._db.transaction() as s:
            found = s.execute(
                select(ConcernRow, ClientRow.therapist_code)
                .join(NoteRow, NoteRow.id == ConcernRow.note_id)
                .join(CheckinRow, CheckinRow.id == NoteRow.checkin_id)
                .join(ClientRow, ClientRow.id == CheckinRow.client_id)
                .where(ConcernRow.token == token)
            ).first()
            if found is None:
                return Discussion.UNKNOWN
            concern, owner = found
            if owner != therapist_code:
                return Discussion.NOT_YOURS
            therapist_id = s.scalar(
                select(TherapistRow.id).where(TherapistRow.code == therapist_code)
            )
            marked = s.execute(
                update(ConcernRow)
                .where(ConcernRow.id == concern.id, ConcernRow.discussed_at.is_(None))
                .values(discussed_at=now, discussed_by=therapist_id)
            )
            assert isinstance(marked, CursorResult)
            return Discussion.MARKED if marked.rowcount == 1 else Discussion.ALREADY
