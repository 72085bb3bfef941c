"""Clients' recent check-ins for digests, briefs and charts, and the concerns in them.

Each check-in is read with the questionnaire key and version it was asked with; the
history is split by instrument in ``core/instrument_runs.py``. The client's repair
follow-ups and the therapist's estimates come with it (``storage/history_reads.py``).

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

from sqlalchemy import Row, Select, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from core.history import ClientHistory, SharedNote
from core.instrument_runs import client_history
from core.model import CheckinStatus, ClientStatus
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Questionnaire
from storage import history_reads as reads
from storage.database import Database
from storage.history_reads import Filter
from storage.tables import CheckinRow, ClientRow, ConcernRow, NoteRow, TherapistRow

#: Client codes per ``IN (...)`` list: well under every database's limit on parameters.
_CODES_PER_QUERY = 500
#: Only the built-in questionnaire: what a history knows without the config's.
BUILTIN_ONLY: Mapping[str, Questionnaire] = MappingProxyType(
    {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE}
)


@dataclass(frozen=True)
class _Read:
    """What one read of histories picks: the therapist, their clients (conditions that
    always include the therapist's code), how many check-ins each, and how far back the
    therapist's estimates are read beyond them (None: those check-ins only)."""

    therapist: str
    clients: Filter
    limit: int
    since: datetime | None


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
        estimates_since: datetime | None = None,
    ) -> list[ClientHistory]:
        """The recent check-ins of each of the therapist's clients, by client code; with
        the therapist's estimates of those check-ins and of any session from
        ``estimates_since`` (for the digest's mean gap)."""
        mine = (ClientRow.therapist_code == therapist_code, ClientRow.in_config)
        with self._db.transaction() as s:
            read = _Read(therapist_code, mine, limit, estimates_since)
            return self._histories(s, read, questionnaires)

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
            read = _Read(therapist_code, mine, limit, None)
            return next(iter(self._histories(s, read, questionnaires)), None)

    def _histories(
        self, s: Session, read: _Read, questionnaires: Mapping[str, Questionnaire]
    ) -> list[ClientHistory]:
        """The histories of the clients ``read`` picks, by code, in seven queries whatever
        their number: clients, their latest delivered check-ins (ranked per client in the
        database), those check-ins' answers, their shared notes, check-ins that never
        reached them, their repair follow-ups, and the therapist's estimates."""
        people = s.execute(
            select(ClientRow.id, ClientRow.code, ClientRow.status)
            .where(*read.clients)
            .order_by(ClientRow.code)
        ).all()
        if not people:
            return []
        ranked = reads.ranked(read.clients)
        latest = ranked.c.rank <= read.limit
        recent = select(ranked.c.id).where(latest)
        checkins: dict[int, list[Row[Any]]] = defaultdict(list)
        for row in s.execute(
            select(ranked).where(latest).order_by(ranked.c.client_id, ranked.c.session_start)
        ):
            checkins[row.client_id].append(row)
        answers, notes = reads.answers(s, recent), self._shared_notes(s, recent)
        undelivered = self._undelivered(s, read.clients, checkins)
        followups = reads.followups(s, read.clients, recent)
        estimates = reads.estimates(s, read.therapist, read.clients, recent, read.since)
        return [
            client_history(
                code,
                status,
                [reads.recorded(c, answers, notes) for c in checkins.get(client_id, ())],
                questionnaires,
                undelivered[client_id],
                followups.get(client_id, ()),
                estimates.get(client_id, ()),
            )
            for client_id, code, status in people
        ]

    @staticmethod
    def _undelivered(
        s: Session,
        clients: Filter,
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
