"""The queries behind a history: clients' latest check-ins ranked in the database, their
answers (the repair answer kept apart from the items), their repair follow-ups with the
client's reply, and the therapist's answered estimates with the client's answers.

Each takes the conditions that pick the clients, which always include the therapist's
code, so one therapist never reads another's clients; an estimate is read only if it is
this therapist's own. Each runs once per digest, brief or ``/history``, whatever the
number of clients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Row,
    Select,
    Subquery,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from core.estimate import EstimateStatus
from core.history import DELIVERED, CheckinPoint, FollowUp, Reply, SharedNote, reply_of
from core.instrument_runs import Recorded, RecordedEstimate
from core.model import CheckinStatus
from core.questionnaire import REPAIR_KEY
from storage.tables import (
    AnswerRow,
    CheckinRow,
    ClientRow,
    ConcernRow,
    EstimateRow,
    FollowupRow,
    NoteRow,
    TherapistRow,
)

#: Conditions that pick clients (always including the therapist's code).
Filter = tuple[ColumnExpressionArgument[bool], ...]
_DELIVERED = sorted(s.value for s in DELIVERED)


@dataclass(frozen=True)
class Answered:
    """Check-ins' answers by item key, when their first came, and their repair answers
    (present: one is stored; its value None: skipped)."""

    values: dict[int, dict[str, int | None]] = field(default_factory=lambda: defaultdict(dict))
    first: dict[int, datetime] = field(default_factory=dict)
    repair: dict[int, int | None] = field(default_factory=dict)


def ranked(clients: Filter) -> Subquery:
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
            CheckinRow.repair,
            func.row_number()
            .over(partition_by=CheckinRow.client_id, order_by=CheckinRow.session_start.desc())
            .label("rank"),
        )
        .where(
            CheckinRow.client_id.in_(select(ClientRow.id).where(*clients)),
            CheckinRow.status.in_(_DELIVERED),
        )
        .subquery()
    )


def answers(s: Session, checkin_ids: Select[tuple[int]]) -> Answered:
    """The answers of these check-ins, in the order they were given."""
    found = Answered()
    for checkin_id, key, value, at in s.execute(
        select(AnswerRow.checkin_id, AnswerRow.item_key, AnswerRow.value, AnswerRow.answered_at)
        .where(AnswerRow.checkin_id.in_(checkin_ids))
        .order_by(AnswerRow.id)
    ):
        if key == REPAIR_KEY:
            found.repair[checkin_id] = value
            continue
        found.values[checkin_id][key] = value
        found.first[checkin_id] = min(found.first.get(checkin_id, at), at)
    return found


def recorded(row: Row[Any], answered: Answered, notes: Mapping[int, SharedNote]) -> Recorded:
    """One ranked check-in row as the history reads it (answers as the client gave them)."""
    status = CheckinStatus(row.status)
    repair = None
    if row.repair is not None:
        repair = reply_of(status, row.id in answered.repair, answered.repair.get(row.id))
    point = CheckinPoint(
        session_start=row.session_start,
        session_end=row.session_end,
        status=status,
        answers=answered.values.get(row.id, {}),
        first_answer_at=answered.first.get(row.id),
        note=notes.get(row.id),
        repair=repair,
    )
    return Recorded(row.questionnaire, row.questionnaire_version, point)


def followups(s: Session, clients: Filter, recent: Select[tuple[int]]) -> dict[int, list[FollowUp]]:
    """Per client, the follow-ups asked by one of the ``recent`` check-ins or not asked by
    one that reached the client yet, oldest first, with the client's reply and, for a
    concern, its shared note."""
    asked, answer = aliased(CheckinRow), aliased(AnswerRow)
    query = (
        select(
            FollowupRow.client_id,
            FollowupRow.kind,
            FollowupRow.rule,
            FollowupRow.raised_at,
            asked.status,
            asked.session_start,
            answer.id.label("answer_id"),
            answer.value,
            ConcernRow.token,
            ConcernRow.discussed_at,
            NoteRow.text,
            NoteRow.created_at,
        )
        .outerjoin(asked, asked.id == FollowupRow.checkin_id)
        .outerjoin(answer, and_(answer.checkin_id == asked.id, answer.item_key == REPAIR_KEY))
        .outerjoin(ConcernRow, ConcernRow.id == FollowupRow.concern_id)
        .outerjoin(NoteRow, and_(NoteRow.id == ConcernRow.note_id, NoteRow.shared.is_(True)))
        .where(
            FollowupRow.client_id.in_(select(ClientRow.id).where(*clients)),
            or_(
                FollowupRow.checkin_id.is_(None),
                FollowupRow.checkin_id.in_(recent),
                asked.status.not_in(_DELIVERED),
            ),
        )
        .order_by(FollowupRow.raised_at, FollowupRow.id)
    )
    found: dict[int, list[FollowUp]] = defaultdict(list)
    for row in s.execute(query):
        found[row.client_id].append(_followup(row))
    return found


def _followup(row: Row[*tuple[Any, ...]]) -> FollowUp:
    status = CheckinStatus(row.status) if row.status is not None else None
    reply = reply_of(status, row.answer_id is not None, row.value)
    note = None
    if row.token is not None and row.text is not None:
        note = SharedNote(row.text, row.created_at, row.token, row.discussed_at is not None)
    return FollowUp(
        kind=row.kind,
        raised_at=row.raised_at,
        reply=reply,
        asked_at=row.session_start if reply is not Reply.NOT_ASKED else None,
        rule=row.rule,
        note=note,
    )


def estimates(
    s: Session,
    therapist_code: str,
    clients: Filter,
    recent: Select[tuple[int]],
    since: datetime | None,
) -> dict[int, list[RecordedEstimate]]:
    """Per client, the therapist's own answered estimates of the ``recent`` check-ins (and
    of any session from ``since``), with the client's answers as stored, oldest first."""
    window: ColumnElement[bool] = CheckinRow.id.in_(recent)
    if since is not None:
        window = or_(window, CheckinRow.session_start >= since)
    query = (
        select(
            CheckinRow.id,
            CheckinRow.client_id,
            CheckinRow.session_start,
            CheckinRow.questionnaire,
            CheckinRow.questionnaire_version,
            EstimateRow.value.label("estimate"),
            AnswerRow.item_key,
            AnswerRow.value,
            AnswerRow.answered_at,
        )
        .join(CheckinRow, CheckinRow.id == EstimateRow.checkin_id)
        .outerjoin(AnswerRow, AnswerRow.checkin_id == CheckinRow.id)
        .where(
            EstimateRow.status == EstimateStatus.ANSWERED,
            EstimateRow.value.is_not(None),
            EstimateRow.therapist_id.in_(
                select(TherapistRow.id).where(TherapistRow.code == therapist_code)
            ),
            CheckinRow.client_id.in_(select(ClientRow.id).where(*clients)),
            CheckinRow.status.in_(_DELIVERED),
            window,
        )
        .order_by(CheckinRow.session_start, CheckinRow.id, AnswerRow.id)
    )
    return _grouped(s.execute(query))


def _grouped(rows: Iterable[Row[*tuple[Any, ...]]]) -> dict[int, list[RecordedEstimate]]:
    """Rows of (estimate, one answer) as one estimate per check-in, by client."""
    by_checkin: dict[int, list[Row[*tuple[Any, ...]]]] = defaultdict(list)
    for row in rows:
        by_checkin[row.id].append(row)
    found: dict[int, list[RecordedEstimate]] = defaultdict(list)
    for group in by_checkin.values():
        first = group[0]
        given = [r for r in group if r.item_key is not None and r.item_key != REPAIR_KEY]
        found[first.client_id].append(
            RecordedEstimate(
                session_start=first.session_start,
                questionnaire=first.questionnaire,
                version=first.questionnaire_version,
                value=first.estimate,
                answers={r.item_key: r.value for r in given},
                answered_at=min((r.answered_at for r in given), default=None),
            )
        )
    return found
