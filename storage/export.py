"""Read-only queries for exports: every answer and every note, with who and when."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage.database import Database
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow


@dataclass(frozen=True)
class AnswerExport:
    """One stored answer; ``value`` is None when the item was skipped."""

    client_code: str
    therapist_code: str
    timezone: str
    session_start: datetime
    item_key: str
    value: int | None
    answered_at: datetime


@dataclass(frozen=True)
class NoteExport:
    """One stored note; ``shared`` is None while the client has not chosen yet."""

    client_code: str
    therapist_code: str
    timezone: str
    session_start: datetime
    text: str
    shared: bool | None
    written_at: datetime


def answers(database: Database) -> Iterator[AnswerExport]:
    """Every answer, oldest session first."""
    query = (
        select(ClientRow, CheckinRow.session_start, AnswerRow)
        .join(CheckinRow, CheckinRow.client_id == ClientRow.id)
        .join(AnswerRow, AnswerRow.checkin_id == CheckinRow.id)
        .order_by(ClientRow.code, CheckinRow.session_start, AnswerRow.id)
    )
    with database.transaction() as s:
        for client, session_start, answer in s.execute(query):
            yield AnswerExport(
                client.code,
                client.therapist_code,
                client.timezone,
                session_start,
                answer.item_key,
                answer.value,
                answer.answered_at,
            )


def notes(database: Database) -> Iterator[NoteExport]:
    """Every note, oldest session first."""
    query = (
        select(ClientRow, CheckinRow.session_start, NoteRow)
        .join(CheckinRow, CheckinRow.client_id == ClientRow.id)
        .join(NoteRow, NoteRow.checkin_id == CheckinRow.id)
        .order_by(ClientRow.code, CheckinRow.session_start)
    )
    with database.transaction() as s:
        for client, session_start, note in s.execute(query):
            yield NoteExport(
                client.code,
                client.therapist_code,
                client.timezone,
                session_start,
                note.text,
                note.shared,
                note.created_at,
            )
