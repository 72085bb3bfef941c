"""Rows of check-ins read as domain records, and what an accepted action stores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from core.flow import Accepted, ItemAnswer, NoteText, ShareChoice
from core.model import Checkin, CheckinStatus
from storage.db import update_rows
from storage.tables import AnswerRow, CheckinRow, ClientRow, NoteRow


def record_action(
    s: Session, checkin_id: int, accepted: Accepted, now: datetime, risk: bool
) -> None:
    """Store what an accepted action carries: an answer, a note, or the note's sharing."""
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
            update_rows(NoteRow)
            .where(NoteRow.checkin_id == checkin_id)
            .values(shared=action.shared)
        )


def checkin_view() -> Select[CheckinRow, ClientRow]:
    """Check-ins joined with their client, as ``to_checkin`` reads them."""
    return select(CheckinRow, ClientRow).join(ClientRow, ClientRow.id == CheckinRow.client_id)


def claim_view() -> Select[*tuple[Any, ...]]:
    """The columns of a check-in and its client that a send needs, as plain Core rows.

    Claiming reads many rows a tick; building ORM objects for them cost more than the
    query itself (``bench/dispatch.py``).
    """
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
        CheckinRow.step,
        CheckinRow.message_id,
        CheckinRow.attempts,
        CheckinRow.remind_at,
        CheckinRow.reminders_sent,
    ).join(ClientRow, ClientRow.id == CheckinRow.client_id)


def claimed_checkin(row: Row[Any]) -> Checkin:
    """The domain record of a ``claim_view`` row just claimed: sending, one more attempt."""
    fields = row._asdict()
    fields["attempts"] += 1
    return Checkin(status=CheckinStatus.SENDING, **fields)


def to_checkin(row: CheckinRow, client: ClientRow) -> Checkin:
    """The domain record of a check-in row and its client row."""
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
        remind_at=row.remind_at,
        reminders_sent=row.reminders_sent,
    )


def rowcount(result: object) -> int:
    """How many rows an UPDATE changed."""
    assert isinstance(result, CursorResult)
    return result.rowcount
