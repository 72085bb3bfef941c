"""Sessions therapists cancelled from Telegram: kept apart from the config, so they last."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.tables import CancellationRow, ClientRow


class Cancellations:
    """Cancelled sessions by client; planning leaves them out on every re-plan."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def add(self, client_code: str, session_start: datetime, therapist: str, now: datetime) -> bool:
        """Record a cancelled session; False if it was cancelled already (or no such client)."""
        try:
            with self._db.transaction() as s:
                client_id = s.scalar(select(ClientRow.id).where(ClientRow.code == client_code))
                if client_id is None:
                    return False
                s.add(
                    CancellationRow(
                        client_id=client_id,
                        session_start=session_start,
                        therapist_code=therapist,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def by_client(self) -> dict[str, frozenset[datetime]]:
        """Every cancelled session start, by client code."""
        found: dict[str, set[datetime]] = {}
        with self._db.transaction() as s:
            rows = s.execute(
                select(ClientRow.code, CancellationRow.session_start).join(
                    ClientRow, ClientRow.id == CancellationRow.client_id
                )
            )
            for code, start in rows:
                found.setdefault(code, set()).add(start)
        return {code: frozenset(starts) for code, starts in found.items()}
