"""Clients' recent check-ins for digests, briefs and charts, and the concerns in them.

Each check-in is read with the questionnaire key and version it was asked with; the
history is split by instrument in ``core/instrument_runs.py``.

Only notes the client chose to share are read; a private note's text never leaves here.
Every query names the therapist, so one therapist never sees another's clients.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnExpressionArgument, Row, Select, Subquery, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from core.history import CheckinPoint, ClientHistory, SharedNote
from core.instrument_runs import Recorded, client_history
from core.model import CheckinStatus, ClientStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from storage.database import Database
from storage.tables import AnswerRow, CheckinRow, ClientRow, ConcernRow, NoteRow, TherapistRow

#: Client codes per ``IN (...)`` list: well under every database's limit on parameters.
_CODES_PER_QUERY = 500
#: Check-ins that reached the client.
DELIVERED = (CheckinStatus.OPEN, CheckinStatus.COMPLETED, CheckinStatus.EXPIRED)
#: Only the built-in questionnaire: what a history knows without the config's.
BUILTIN_ONLY: Mapping[str, Questionnaire] = MappingProxyType(
    {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE}
)
#: Conditions that pick clients (always including the therapist's code).
_Filter = tuple[ColumnExpressionArgument[bool], ...]


@dataclass(frozen=True)
class _Answered:
    """A check-in's answers by item key, and when its first answer came."""

    values: dict[int, dict[str, int | None]]
    first: dict[int, datetime]


def _ranked(clients: _Filter) -> Subquery:
    """Delivered check-ins of the clients, ranked per client from the newest session."""
    return (
        select(
            CheckinRow.id,
            CheckinRow.client_id,
            CheckinRow.questionnaire,
            CheckinRow.questionnaire_version,
            CheckinRow.session_start,
            CheckinRow.session_end,
            CheckinRow.status,
            func.row_number()
            .over(partition_by=CheckinRow.client_id, order_by=CheckinRow.session_start.desc())
            .label("rank"),
        )
        .where(
            CheckinRow.client_id.in_(select(ClientRow.id).where(*clients)),
            CheckinRow.status.in_(DELIVERED),
        )
        .subquery()
    )


def _answers(s: Session, checkin_ids: Select[tuple[int]]) -> _Answered:
    """The answers of these check-ins, in the order they were given."""
    found = _Answered(defaultdict(dict), {})
    for checkin_id, key, value, at in s.execute(
        select(AnswerRow.checkin_id, AnswerRow.item_key, AnswerRow.value, AnswerRow.answered_at)
        .where(AnswerRow.checkin_id.in_(checkin_ids))
        .order_by(AnswerRow.id)
    ):
        found.values[checkin_id][key] = value
        found.first[checkin_id] = min(found.first.get(checkin_id, at), at)
    return found


def _recorded(row: Row[Any], answers: _Answered, notes: Mapping[int, SharedNote]) -> Recorded:
    """One ranked check-in row as the history reads it (answers as the client gave them)."""
    point = CheckinPoint(
        session_start=row.session_start,
        session_end=row.session_end,
        status=CheckinStatus(row.status),
        answers=answers.values.get(row.id, {}),
        first_answer_at=answers.first.get(row.id),
        note=notes.get(row.id),
    )
    return Recorded(row.questionnaire, row.questionnaire_version, point)


class Discussion(StrEnum):
    """What a tap on a concern's Discussed button did."""

    MARKED = "marked"
    ALREADY = "already"
    NOT_YOURS = "not_yours"
    UNKNOWN = "unknown"


class Histories:
    """Read-mostly queries over a therapist's clients.

    Histories are read against the questionnaires of the config in use (``questionnaires``,
    by key: ``config.instruments.by_key``), so each check-in is named and scaled by its own
    instrument; without them, only the built-in questionnaire is known.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def roster(self, therapist_code: str) -> list[tuple[str, str]]:
        """(code, status) of the therapist's clients in the config, by code."""
        with self._db.transaction() as s:
            rows = s.execute(
                select(ClientRow.code, ClientRow.status)
                .where(ClientRow.therapist_code == therapist_code, ClientRow.in_config)
                .order_by(ClientRow.code)
            )
            return [(code, status) for code, status in rows]

    def linked_clients(self, client_codes: Sequence[str]) -> dict[str, str]:
        """Therapist codes of those of ``client_codes`` in the config who linked a chat."""
        linked: dict[str, str] = {}
        codes = sorted(set(client_codes))
        with self._db.transaction() as s:
            for start in range(0, len(codes), _CODES_PER_QUERY):
                rows = s.execute(
                    select(ClientRow.code, ClientRow.therapist_code).where(
                        ClientRow.code.in_(codes[start : start + _CODES_PER_QUERY]),
                        ClientRow.in_config,
                        ClientRow.status != ClientStatus.NOT_ENROLLED,
                    )
                )
                linked.update((code, therapist) for code, therapist in rows)
        return linked

    def for_therapist(
        self,
        therapist_code: str,
        limit: int,
        questionnaires: Mapping[str, Questionnaire] = BUILTIN_ONLY,
    ) -> list[ClientHistory]:
        """The recent check-ins of each of the therapist's clients, by client code."""
        mine = (ClientRow.therapist_code == therapist_code, ClientRow.in_config)
        with self._db.transaction() as s:
            return self._histories(s, mine, limit, questionnaires)

    def for_client(
        self,
        therapist_code: str,
        client_code: str,
        limit: int,
        questionnaires: Mapping[str, Questionnaire] = BUILTIN_ONLY,
    ) -> ClientHistory | None:
        """One client's history, only if the client is this therapist's."""
        mine = (
            ClientRow.code == client_code,
            ClientRow.therapist_code == therapist_code,
            ClientRow.in_config,
        )
        with self._db.transaction() as s:
            return next(iter(self._histories(s, mine, limit, questionnaires)), None)

    def _histories(
        self,
        s: Session,
        clients: _Filter,
        limit: int,
        questionnaires: Mapping[str, Questionnaire],
    ) -> list[ClientHistory]:
        """The histories of the clients matching ``clients``, by code, in five queries
        whatever their number: clients, their latest ``limit`` delivered check-ins (ranked
        per client in the database), those check-ins' answers, their shared notes, and
        check-ins that never reached them."""
        people = s.execute(
            select(ClientRow.id, ClientRow.code, ClientRow.status)
            .where(*clients)
            .order_by(ClientRow.code)
        ).all()
        if not people:
            return []
        ranked = _ranked(clients)
        latest = ranked.c.rank <= limit
        recent = select(ranked.c.id).where(latest)
        checkins: dict[int, list[Row[Any]]] = defaultdict(list)
        for row in s.execute(
            select(ranked).where(latest).order_by(ranked.c.client_id, ranked.c.session_start)
        ):
            checkins[row.client_id].append(row)
        answers = _answers(s, recent)
        notes = self._shared_notes(s, recent)
        undelivered = self._undelivered(s, clients, checkins)
        return [
            client_history(
                code,
                status,
                [_recorded(c, answers, notes) for c in checkins.get(client_id, ())],
                questionnaires,
                undelivered[client_id],
            )
            for client_id, code, status in people
        ]

    @staticmethod
    def _undelivered(
        s: Session,
        clients: _Filter,
        delivered: Mapping[int, Sequence[Row[Any]]],
    ) -> Counter[int]:
        """Per client, check-ins after the latest delivered one that closed unsent although
        sends were tried (and failed): the client never got them."""
        failed = s.execute(
            select(CheckinRow.client_id, CheckinRow.session_start).where(
                CheckinRow.client_id.in_(select(ClientRow.id).where(*clients)),
                CheckinRow.status == CheckinStatus.UNSENT,
                CheckinRow.attempts > 0,
            )
        )
        counts: Counter[int] = Counter()
        for client_id, start in failed:
            latest = delivered.get(client_id)
            if not latest or start > latest[-1].session_start:
                counts[client_id] += 1
        return counts

    def _shared_notes(
        self, s: Session, checkin_ids: Sequence[int] | Select[tuple[int]]
    ) -> dict[int, SharedNote]:
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
