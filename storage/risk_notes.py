"""Notes with risk language whose alert has not gone out yet, and recording that it did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from core.audit import Actor, AuditKind
from storage.audit import add_entry
from storage.database import Database
from storage.tables import ALERT_OWED, CheckinRow, ClientRow, NoteRow


@dataclass(frozen=True)
class RiskNote:
    """A note that matched a risk phrase, with who is to be alerted about it."""

    checkin_id: int
    client_code: str
    therapist_code: str
    text: str
    shared: bool | None
    written_at: datetime


class RiskNotes:
    """The durable side of risk alerts: a flagged note stays pending until alerted."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def pending(self, written_before: datetime, limit: int = 50) -> list[RiskNote]:
        """Flagged notes written before ``written_before`` whose alert is still owed."""
        query = (
            select(NoteRow, ClientRow.code, ClientRow.therapist_code)
            .join(CheckinRow, CheckinRow.id == NoteRow.checkin_id)
            .join(ClientRow, ClientRow.id == CheckinRow.client_id)
            .where(ALERT_OWED, NoteRow.created_at < written_before)
            .order_by(NoteRow.created_at)
            .limit(limit)
        )
        with self._db.transaction() as s:
            return [
                RiskNote(note.checkin_id, code, therapist, note.text, note.shared, note.created_at)
                for note, code, therapist in s.execute(query)
            ]

    def mark_alerted(self, note: RiskNote, now: datetime, outcome: str) -> bool:
        """Record that the alert went out (``outcome`` says to whom); False if already done."""
        with self._db.transaction() as s:
            result = s.execute(
                update(NoteRow)
                .where(NoteRow.checkin_id == note.checkin_id, NoteRow.alerted_at.is_(None))
                .values(alerted_at=now)
            )
            assert isinstance(result, CursorResult)
            if result.rowcount != 1:
                return False
            add_entry(
                s,
                AuditKind.RISK_ALERT,
                now,
                Actor.SYSTEM,
                note.client_code,
                note.therapist_code,
                via="note",
                detail=outcome,
            )
            return True
