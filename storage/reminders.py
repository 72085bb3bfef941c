"""Reminders of open, unanswered check-ins: claiming due ones and recording what happened."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from core.model import Checkin, CheckinStatus, ClientStatus
from storage.checkin_rows import checkin_view, to_checkin
from storage.database import Database
from storage.engine import update_rows
from storage.lease_queue import rowcount
from storage.tables import CheckinRow, ClientRow

S = CheckinStatus

#: (sent or last reminded at, reminders sent, expires at) -> the next reminder's time, if any.
NextReminder = Callable[[datetime, int, datetime], datetime | None]


class Reminders:
    """A reminder is a time on an open check-in nobody has started answering."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def claim_due(self, now: datetime, lease: timedelta) -> Checkin | None:
        """Claim the oldest due reminder; its time moves ``lease`` ahead while it is sent.

        The returned check-in carries the reminder's own time in ``remind_at``, so the
        caller can tell a stale one.
        """
        with self._db.transaction() as s:
            row = s.execute(
                checkin_view()
                .where(
                    CheckinRow.status == S.OPEN,
                    CheckinRow.step == 0,
                    CheckinRow.remind_at <= now,
                    CheckinRow.expires_at > now,
                    ClientRow.status == ClientStatus.ACTIVE,
                    ClientRow.in_config,
                )
                .order_by(CheckinRow.remind_at, CheckinRow.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            checkin = to_checkin(row)
            claimed = s.execute(
                update_rows(CheckinRow)
                .where(CheckinRow.id == checkin.id, CheckinRow.remind_at == checkin.remind_at)
                .values(remind_at=now + lease)
            )
            return checkin if rowcount(claimed) == 1 else None

    def sent(self, checkin_id: int, now: datetime, next_at: datetime | None) -> None:
        """Record a delivered reminder and when the next one is due (None: no more)."""
        with self._db.transaction() as s:
            s.execute(
                update_rows(CheckinRow)
                .where(CheckinRow.id == checkin_id)
                .values(
                    reminders_sent=CheckinRow.reminders_sent + 1,
                    reminded_at=now,
                    remind_at=next_at,
                )
            )

    def move(self, checkin_id: int, at: datetime | None) -> None:
        """Try the reminder again at ``at``, or drop it (None)."""
        with self._db.transaction() as s:
            s.execute(
                update_rows(CheckinRow).where(CheckinRow.id == checkin_id).values(remind_at=at)
            )

    def replan(self, client_code: str, next_reminder: NextReminder) -> int:
        """Recompute the pending reminders of a client's open check-ins after a config change."""
        return self.replan_many({client_code: next_reminder})

    def replan_many(self, next_reminders: Mapping[str, NextReminder]) -> int:
        """``replan`` for many clients in one transaction: ``next_reminders`` by client code."""
        changed = 0
        with self._db.transaction() as s:
            rows = s.execute(
                select(CheckinRow, ClientRow.code)
                .join(ClientRow, ClientRow.id == CheckinRow.client_id)
                .where(
                    ClientRow.code.in_(list(next_reminders)),
                    CheckinRow.status == S.OPEN,
                    CheckinRow.step == 0,
                    CheckinRow.sent_at.is_not(None),
                )
            )
            for row, code in rows:
                since = row.reminded_at or row.sent_at
                assert since is not None
                at = next_reminders[code](since, row.reminders_sent, row.expires_at)
                if at != row.remind_at:
                    row.remind_at = at
                    changed += 1
        return changed
