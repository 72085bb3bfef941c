"""Notes with risk language whose alert has not gone out yet, and recording that it did.

An alert has up to two recipients (the therapist and the escalation contact), each sent
one or more messages. Each try for one recipient is an audit entry (``risk_alert_sent``,
``via`` the recipient's role) whose detail says how many of the alert's messages have
reached them so far and how the try ended: ``checkin 42, therapist: 2 sent, delivered``.
A later try reads the newest entry to start after what already arrived and to leave a
settled recipient alone, so nobody gets the same alert twice; no schema change needed.
Once every recipient is settled, ``mark_alerted`` closes the note's alert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from core.audit import Actor, AuditKind
from storage.audit import add_entry
from storage.database import Database
from storage.tables import ALERT_OWED, AuditRow, CheckinRow, ClientRow, NoteRow

#: An outcome that leaves the recipient owed the rest of the alert starts with this.
OWED = "owed:"
_DETAIL = re.compile(r"checkin (\d+), (\w+): (\d+) sent, (.+)")


@dataclass(frozen=True)
class RiskNote:
    """A note that matched a risk phrase, with who is to be alerted about it."""

    checkin_id: int
    client_code: str
    therapist_code: str
    text: str
    shared: bool | None
    written_at: datetime


@dataclass(frozen=True)
class Progress:
    """How far one recipient's alert has got: messages that arrived, and whether done."""

    sent: int = 0
    outcome: str | None = None  # the last try's outcome; None before the first try

    @property
    def settled(self) -> bool:
        """Whether nothing more is to be sent to this recipient (delivered or unreachable)."""
        return self.outcome is not None and not self.outcome.startswith(OWED)


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

    def progress(self, note: RiskNote, role: str) -> Progress:
        """How far the alert about ``note`` has got with the recipient in ``role``."""
        query = (
            select(AuditRow.detail)
            .where(
                AuditRow.kind == AuditKind.RISK_ALERT_SENT,
                AuditRow.client_code == note.client_code,
                AuditRow.via == role,
                AuditRow.detail.like(f"checkin {note.checkin_id}, %"),
            )
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
        with self._db.transaction() as s:
            detail = s.scalar(query)
        match = _DETAIL.fullmatch(detail or "")
        if match is None or int(match[1]) != note.checkin_id:
            return Progress()
        return Progress(int(match[3]), match[4])

    def record_try(
        self, note: RiskNote, role: str, recipient: str, progress: Progress, now: datetime
    ) -> None:
        """Audit one try for one recipient (``recipient`` is their therapist code)."""
        detail = f"checkin {note.checkin_id}, {role}: {progress.sent} sent, {progress.outcome}"
        with self._db.transaction() as s:
            add_entry(
                s,
                AuditKind.RISK_ALERT_SENT,
                now,
                Actor.SYSTEM,
                note.client_code,
                recipient,
                via=role,
                detail=detail,
            )
