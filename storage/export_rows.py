"""Read-only queries for exports: answers, notes and answered check-ins, with who and when.

The repair answer (did the client feel that what was followed up was taken up?) is an
answer like any other, with the item key ``repair``; a check-in names the kind of
follow-up it asked (``concern`` or ``flag``). Therapists' estimates are in
``storage.export_estimates``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select

from storage.database import Database
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class ExportFilter:
    """Which check-ins an export covers; empty means all of them.

    ``since`` keeps sessions on or after that day in the client's own time zone;
    ``client_code`` keeps one client's.
    """

    since: date | None = None
    client_code: str | None = None


ALL = ExportFilter()


@dataclass(frozen=True)
class AnswerExport:
    """One stored answer; ``value`` is None when the item was skipped.

    ``questionnaire`` and ``questionnaire_version`` are those of its check-in: answers of
    different versions are never to be compared with each other.
    """

    client_code: str
    therapist_code: str
    timezone: str
    session_start: datetime
    item_key: str
    value: int | None
    answered_at: datetime
    questionnaire: str
    questionnaire_version: str


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
    questionnaire: str
    questionnaire_version: str


@dataclass(frozen=True)
class CheckinExport:
    """A check-in the client answered at least in part, with its answers and note, and the
    kind of repair follow-up it asked after its items, if any (answered as ``repair``)."""

    id: int
    questionnaire: str
    questionnaire_version: str
    client_code: str
    therapist_code: str
    timezone: str
    session_start: datetime
    status: str
    completed_at: datetime | None
    answers: tuple[AnswerExport, ...]
    note: NoteExport | None
    repair: str | None = None


def filtered(database: Database, query: Q, only: ExportFilter) -> Q:
    """``query`` narrowed to the check-ins ``only`` keeps (it must join clients and check-ins)."""
    if only.client_code is not None:
        query = query.where(ClientRow.code == only.client_code)
    if only.since is not None:
        query = query.where(_since(database, only.since))
    return query


def _since(database: Database, day: date) -> ColumnElement[bool]:
    """Sessions on or after ``day`` in each client's zone: one cutoff per zone in use."""
    with database.transaction() as s:
        zones = list(s.scalars(select(ClientRow.timezone).distinct()))
    cutoffs = [
        and_(
            ClientRow.timezone == zone,
            CheckinRow.session_start >= datetime.combine(day, time(), ZoneInfo(zone)),
        )
        for zone in zones
    ]
    return or_(false(), *cutoffs)


def _answers_query() -> Select[ClientRow, CheckinRow, AnswerRow]:
    return (
        select(ClientRow, CheckinRow, AnswerRow)
        .join(CheckinRow, CheckinRow.client_id == ClientRow.id)
        .join(AnswerRow, AnswerRow.checkin_id == CheckinRow.id)
    )


def _notes_query() -> Select[ClientRow, CheckinRow, NoteRow]:
    return (
        select(ClientRow, CheckinRow, NoteRow)
        .join(CheckinRow, CheckinRow.client_id == ClientRow.id)
        .join(NoteRow, NoteRow.checkin_id == CheckinRow.id)
    )


def _answered_query() -> Select[CheckinRow, ClientRow]:
    answered = exists().where(AnswerRow.checkin_id == CheckinRow.id)
    noted = exists().where(NoteRow.checkin_id == CheckinRow.id)
    return (
        select(CheckinRow, ClientRow)
        .join(ClientRow, ClientRow.id == CheckinRow.client_id)
        .where(or_(answered, noted))
    )


def count(database: Database, what: str, only: ExportFilter = ALL) -> int:
    """How many ``answers``, ``notes`` or answered ``checkins`` an export will hold."""
    base = {"answers": _answers_query, "notes": _notes_query, "checkins": _answered_query}
    query = filtered(database, base[what](), only)
    with database.transaction() as s:
        return s.scalar(select(func.count()).select_from(query.subquery())) or 0


def answers(database: Database, only: ExportFilter = ALL) -> Iterator[AnswerExport]:
    """Every answer, by client and oldest session first."""
    query = filtered(database, _answers_query(), only).order_by(
        ClientRow.code, CheckinRow.session_start, AnswerRow.id
    )
    with database.transaction() as s:
        for client, checkin, answer in s.execute(query):
            yield _answer(client, checkin, answer)


def notes(database: Database, only: ExportFilter = ALL) -> Iterator[NoteExport]:
    """Every note, by client and oldest session first."""
    query = filtered(database, _notes_query(), only).order_by(
        ClientRow.code, CheckinRow.session_start
    )
    with database.transaction() as s:
        for client, checkin, note in s.execute(query):
            yield _note(client, checkin, note)


def answered_checkins(database: Database, only: ExportFilter = ALL) -> Iterator[CheckinExport]:
    """Every check-in with at least one answer (a skip counts) or a note, oldest first."""
    query = filtered(database, _answered_query(), only).order_by(
        ClientRow.code, CheckinRow.session_start
    )
    with database.transaction() as s:
        rows = list(s.execute(query))
    by_checkin: dict[int, list[AnswerExport]] = defaultdict(list)
    for answer_row in _rows(database, filtered(database, _answers_query(), only), AnswerRow.id):
        by_checkin[answer_row[1].id].append(_answer(*answer_row))
    note_of = {
        checkin.id: _note(client, checkin, note)
        for client, checkin, note in _rows(database, filtered(database, _notes_query(), only))
    }
    for checkin, client in rows:
        yield CheckinExport(
            id=checkin.id,
            questionnaire=checkin.questionnaire,
            questionnaire_version=checkin.questionnaire_version,
            client_code=client.code,
            therapist_code=client.therapist_code,
            timezone=client.timezone,
            session_start=checkin.session_start,
            status=checkin.status,
            completed_at=checkin.completed_at,
            answers=tuple(by_checkin[checkin.id]),
            note=note_of.get(checkin.id),
            repair=checkin.repair,
        )


def _rows(database: Database, query: Select[*tuple[Any, ...]], *order: Any) -> list[Any]:
    with database.transaction() as s:
        return list(s.execute(query.order_by(*order)))


def client_exists(database: Database, code: str) -> bool:
    """Whether the database knows a client with this code."""
    with database.transaction() as s:
        return s.scalar(select(ClientRow.id).where(ClientRow.code == code)) is not None


def _answer(client: ClientRow, checkin: CheckinRow, answer: AnswerRow) -> AnswerExport:
    return AnswerExport(
        client.code,
        client.therapist_code,
        client.timezone,
        checkin.session_start,
        answer.item_key,
        answer.value,
        answer.answered_at,
        checkin.questionnaire,
        checkin.questionnaire_version,
    )


def _note(client: ClientRow, checkin: CheckinRow, note: NoteRow) -> NoteExport:
    return NoteExport(
        client.code,
        client.therapist_code,
        client.timezone,
        checkin.session_start,
        note.text,
        note.shared,
        note.created_at,
        checkin.questionnaire,
        checkin.questionnaire_version,
    )
