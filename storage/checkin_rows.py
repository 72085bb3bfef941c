"""Rows of check-ins read as domain records, and what an accepted action stores.

Check-ins are read and written on the hot paths (every tick's claims, every tap) as plain
Core rows and statements: building ORM objects for them cost more than the queries
(``bench/dispatch.py``, ``bench/taps.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Select, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import CursorResult

from core.flow import Accepted, ItemAnswer, NoteText, ShareChoice
from core.model import Checkin, CheckinStatus, ClientStatus
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
    ).join(ClientRow, ClientRow.id == CheckinRow.client_id)


def to_checkin(row: Row[Any]) -> Checkin:
    """The domain record of a ``checkin_view`` row."""
    fields = row._asdict()
    return Checkin(**fields | {"status": CheckinStatus(fields["status"])})


def claimed_checkin(row: Row[Any]) -> Checkin:
    """The domain record of a row just claimed: sending, one more attempt."""
    checkin = to_checkin(row)
    return replace(checkin, status=CheckinStatus.SENDING, attempts=checkin.attempts + 1)


def rowcount(result: object) -> int:
    """How many rows an UPDATE changed."""
    assert isinstance(result, CursorResult)
    return result.rowcount


#: The oldest due check-ins of consenting clients.
DUE = (
    checkin_view()
    .where(
        CheckinRow.status == _S.PLANNED,
        CheckinRow.due_at <= bindparam("b_now"),
        CheckinRow.expires_at > bindparam("b_now"),
        func.coalesce(CheckinRow.next_attempt_at, CheckinRow.due_at) <= bindparam("b_now"),
        ClientRow.status == ClientStatus.ACTIVE,
        ClientRow.in_config,
    )
    .order_by(CheckinRow.due_at, CheckinRow.id)
    .limit(bindparam("b_limit"))
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
#: The same, skipping rows another worker has locked (PostgreSQL).
DUE_LOCKED = DUE.with_for_update(skip_locked=True, of=CheckinRow)
#: Claim the rows found, unless another worker got there first.
CLAIM = (
    update(_TABLE)
    .where(_CHECKINS.id.in_(bindparam("b_ids", expanding=True)), _CHECKINS.status == _S.PLANNED)
    .values(
        status=_S.SENDING,
        claimed_until=bindparam("b_until"),
        attempts=_CHECKINS.attempts + 1,
    )
    .returning(_CHECKINS.id)
)
#: A sent check-in opens, with its message and its first reminder's time.
OPEN_SENT = (
    update(_TABLE)
    .where(_CHECKINS.id == bindparam("b_id"), _CHECKINS.status == _S.SENDING)
    .values(
        status=_S.OPEN,
        chat_id=bindparam("b_chat"),
        message_id=bindparam("b_msg"),
        sent_at=bindparam("b_now"),
        claimed_until=None,
        last_error=None,
        remind_at=bindparam("b_remind_at"),
    )
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
#: Keep a claim for one more send, only while it is still this worker's (its lease has not
#: lapsed and been taken over): its ``claimed_until`` is still the one this worker set.
HOLD = (
    update(_TABLE)
    .where(
        _CHECKINS.id == bindparam("b_id"),
        _CHECKINS.status == _S.SENDING,
        _CHECKINS.claimed_until == bindparam("b_until"),
    )
    .values(claimed_until=bindparam("b_new_until"))
)
#: Close a claimed check-in as never delivered: its sends' fate stayed unknown too often.
GIVE_UP = (
    update(_TABLE)
    .where(_CHECKINS.id == bindparam("b_id"), _CHECKINS.status == _S.SENDING)
    .values(
        status=_S.UNSENT,
        claimed_until=None,
        last_error=bindparam("b_error"),
        unknown_sends=_CHECKINS.unknown_sends + 1,
    )
)
