"""Pausing, resuming and stopping: a client's own say over whether check-ins come.

Each change and its audit entry (and, for a stop, the withdrawal of consent) are one
transaction, and each is conditional on the status it starts from, so a repeated command
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit import Actor, AuditKind
from core.model import CheckinStatus, ClientRecord, ClientStatus
from storage.audit import add_entry
from storage.database import Database
from storage.people import client_record
from storage.tables import CheckinRow, ClientRow, ConsentRow

S = ClientStatus
#: Statuses in which a client takes part and can pause or stop.
TAKING_PART = frozenset({S.ACTIVE, S.PAUSED, S.UNREACHABLE})


@dataclass(frozen=True)
class StatusChange:
    """Whether a command changed the client's status, and the client as they were before."""

    changed: bool
    before: ClientRecord | None  # None: the chat belongs to no client


class Participation:
    """Intent-named status changes a client asks for."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def pause(self, chat_id: int, until: datetime | None, now: datetime) -> StatusChange:
        """Pause check-ins until ``until`` (None: until the client resumes)."""
        with self._db.transaction() as s:
            row = _client(s, chat_id)
            if row is None or row.status not in TAKING_PART:
                return _unchanged(row)
            before = client_record(row)
            row.status, row.paused_until = S.PAUSED, until
            detail = "until resumed" if until is None else f"until {until:%Y-%m-%d}"
            add_entry(s, AuditKind.PAUSED, now, Actor.CLIENT, row.code, via="/pause", detail=detail)
            return StatusChange(True, before)

    def resume(self, chat_id: int, now: datetime) -> StatusChange:
        """End a pause now."""
        with self._db.transaction() as s:
            row = _client(s, chat_id)
            if row is None or row.status != S.PAUSED:
                return _unchanged(row)
            before = client_record(row)
            row.status, row.paused_until = S.ACTIVE, None
            add_entry(s, AuditKind.RESUMED, now, Actor.CLIENT, row.code, via="/resume")
            return StatusChange(True, before)

    def stop(self, chat_id: int, now: datetime) -> StatusChange:
        """Withdraw: nothing more is sent, consent is recorded as withdrawn.

        A check-in that is open is closed, so nothing more is stored after the withdrawal.
        """
        with self._db.transaction() as s:
            row = _client(s, chat_id)
            if row is None or row.status not in TAKING_PART | {S.AWAITING_CONSENT}:
                return _unchanged(row)
            before = client_record(row)
            row.status, row.paused_until = S.STOPPED, None
            version = s.scalar(
                select(ConsentRow.version)
                .where(ConsentRow.client_id == row.id)
                .order_by(ConsentRow.at.desc(), ConsentRow.id.desc())
                .limit(1)
            )
            if version is not None:
                s.add(
                    ConsentRow(
                        client_id=row.id, version=version, given=False, at=now, event="withdrawn"
                    )
                )
            s.execute(
                update(CheckinRow)
                .where(CheckinRow.client_id == row.id, CheckinRow.status == CheckinStatus.OPEN)
                .values(status=CheckinStatus.EXPIRED)
            )
            add_entry(s, AuditKind.STOPPED, now, Actor.CLIENT, row.code, via="/stop")
            if version is not None:
                add_entry(
                    s,
                    AuditKind.CONSENT_WITHDRAWN,
                    now,
                    Actor.CLIENT,
                    row.code,
                    via="/stop",
                    detail=version,
                )
            return StatusChange(True, before)


def _client(s: Session, chat_id: int) -> ClientRow | None:
    return s.scalar(select(ClientRow).where(ClientRow.chat_id == chat_id).with_for_update())


def _unchanged(row: ClientRow | None) -> StatusChange:
    return StatusChange(False, None if row is None else client_record(row))
