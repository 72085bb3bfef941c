"""Rows of check-ins read as domain records, and what an accepted action stores.

Check-ins are read and written on the hot paths (every tick's claims, every tap) as plain
Core rows and statements: building ORM objects for them cost more than the queries
(``bench/dispatch.py``, ``bench/taps.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update
from sqlalchemy.engine import CursorResult

from core.flow import Accepted, ItemAnswer, NoteText, ShareChoice
from core.model import Checkin, CheckinStatus
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow

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
