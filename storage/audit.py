"""The append-only audit log: who did what to whose data, and through which command.

There is no update or delete here on purpose; on PostgreSQL a trigger also refuses them.
Entries never hold what a person wrote or answered: ``detail`` is for facts such as a
count or an outcome (``therapist_not_enrolled``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import Actor
from storage.database import Database
from storage.tables import AuditRow


@dataclass(frozen=True)
class AuditEntry:
    """One audited event as stored."""

    at: datetime
    kind: str
    actor: str
    client_code: str | None
    therapist_code: str | None
    via: str | None
    detail: str | None


class Audit:
    """Writes and reads the audit log."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def record(
        self,
        kind: str,
        now: datetime,
        *,
        actor: str = Actor.SYSTEM,
        client_code: str | None = None,
        therapist_code: str | None = None,
        via: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one entry in its own transaction."""
        with self._db.transaction() as s:
            add_entry(s, kind, now, actor, client_code, therapist_code, via, detail)

    def entries(self, client_code: str | None = None) -> list[AuditEntry]:
        """Every entry, oldest first; only one client's when ``client_code`` is given."""
        query = select(AuditRow).order_by(AuditRow.id)
        if client_code is not None:
            query = query.where(AuditRow.client_code == client_code)
        with self._db.transaction() as s:
            return [
                AuditEntry(r.at, r.kind, r.actor, r.client_code, r.therapist_code, r.via, r.detail)
                for r in s.scalars(query)
            ]


def add_entry(
    s: Session,
    kind: str,
    now: datetime,
    actor: str = Actor.SYSTEM,
    client_code: str | None = None,
    therapist_code: str | None = None,
    via: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one entry inside a transaction that changes what the entry is about."""
    s.add(
        AuditRow(
            at=now,
            kind=str(kind),
            actor=str(actor),
            client_code=client_code,
            therapist_code=therapist_code,
            via=via,
            detail=detail,
        )
    )
