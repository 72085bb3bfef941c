"""Rows of check-ins read as domain records, and what an accepted action stores.

Check-ins are read and written on the hot paths (every tick's claims, every tap) as plain
Core rows and statements: building ORM objects for them cost more than the queries
(``bench/dispatch.py``, ``bench/taps.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Select, Table, bindparam, insert, select, update

from core.flow import Accepted, ItemAnswer, NoteText, ShareChoice
from core.model import Checkin, CheckinStatus, ClientStatus
from storage.lease_queue import LeaseQueue, Statuses
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow

_S = CheckinStatus
_TABLE = cast(Table, CheckinRow.__table__)
_CHECKINS = _TABLE.c
#: One answer row; its values come with each call.
_INSERT_ANSWER = insert(AnswerRow)


def record_action(
    connection: Connection, checkin_id: int, accepted: Accepted, now: datetime, risk: bool
) -> None:
    """Store what an accepted action carries: an answer, a note, or the note's sharing."""
    action = accepted.action
    if isinstance(action, ItemAnswer) and accepted.item is not None:
        answer = {"checkin_id": checkin_id, "item_key": accepted.item.key, "value": action.value}
        connection.execute(_INSERT_ANSWER, answer | {"answered_at": now})
    elif isinstance(action, NoteText) and accepted.note is not None:
        connection.execute(
            insert(NoteRow).values(
                checkin_id=checkin_id, text=accepted.note, shared=None, created_at=now, risk=risk
            )
        )
    elif isinstance(action, ShareChoice):
        connection.execute(
            update(NoteRow).where(NoteRow.checkin_id == checkin_id).values(shared=action.shared)
        )


def checkin_view() -> Select[*tuple[Any, ...]]:
    """The columns of a check-in and its client that make a ``Checkin``."""
    return select(
        CheckinRow.id,
        CheckinRow.token,
        ClientRow.code.label("client_code"),
        ClientRow.chat_id,
        ClientRow.language,
        ClientRow.timezone,
        CheckinRow.session_start,
        CheckinRow.due_at,
        CheckinRow.expires_at,
        CheckinRow.status,
        CheckinRow.step,
        CheckinRow.message_id,
        CheckinRow.attempts,
        CheckinRow.remind_at,
        CheckinRow.reminders_sent,
        CheckinRow.unknown_sends,
        CheckinRow.questionnaire,
        CheckinRow.questionnaire_version,
        CheckinRow.repair,
    ).join(ClientRow, ClientRow.id == CheckinRow.client_id)


def to_checkin(row: Row[Any]) -> Checkin:
    """The domain record of a ``checkin_view`` row."""
    fields = row._asdict()
    return Checkin(**fields | {"status": CheckinStatus(fields["status"])})


def claimed_checkin(row: Row[Any]) -> Checkin:
    """The domain record of a row just claimed: sending, one more attempt."""
    checkin = to_checkin(row)
    return replace(checkin, status=CheckinStatus.SENDING, attempts=checkin.attempts + 1)


#: Check-ins waiting to be sent, claimed under a lease; due ones of consenting clients only.
CHECKIN_QUEUE = LeaseQueue(
    _TABLE,
    checkin_view(),
    claimed_checkin,
    Statuses(
        waiting=_S.PLANNED,
        claimed=_S.SENDING,
        given_up=_S.UNSENT,  # as if it had expired: digests show it as not delivered
        expiring={_S.PLANNED: _S.UNSENT, _S.OPEN: _S.EXPIRED},  # delivered ones: missed
    ),
    due_when=(ClientRow.status == ClientStatus.ACTIVE, ClientRow.in_config),
)
#: Move an open check-in's step on, only from the step the action was decided on.
ADVANCE = (
    update(_TABLE)
    .where(
        _CHECKINS.id == bindparam("b_id"),
        _CHECKINS.step == bindparam("b_step"),
        _CHECKINS.status == _S.OPEN,
        _CHECKINS.expires_at > bindparam("b_now"),
    )
    .values(
        step=bindparam("b_next"),
        status=bindparam("b_status"),
        completed_at=bindparam("b_completed"),
    )
)
#: The check-in behind a button.
BY_TOKEN = checkin_view().where(CheckinRow.token == bindparam("b_token"))
#: A sent check-in opens, with its message and its first reminder's time.
OPEN_SENT = CHECKIN_QUEUE.claimed_row.values(
    status=_S.OPEN,
    chat_id=bindparam("b_chat"),
    message_id=bindparam("b_msg"),
    sent_at=bindparam("b_now"),
    claimed_until=None,
    last_error=None,
    remind_at=bindparam("b_remind_at"),
)
#: A check-in a tap opened while its send was in flight gets only its reminder time.
REMIND_ADOPTED = (
    update(_TABLE)
    .where(
        _CHECKINS.id == bindparam("b_id"),
        _CHECKINS.status == _S.OPEN,
        _CHECKINS.reminders_sent == 0,
        _CHECKINS.remind_at.is_(None),
    )
    .values(remind_at=bindparam("b_remind_at"), claimed_until=None)
)
