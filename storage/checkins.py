"""Check-ins: planning rows from sessions, claiming due ones, and recording answers."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from core.flow import Accepted
from core.model import Checkin, CheckinStatus
from core.schedule import PlannedCheckin
from storage.checkin_rows import (
    ADVANCE,
    BY_TOKEN,
    CLAIM,
    DUE,
    DUE_LOCKED,
    GIVE_UP,
    HOLD,
    OPEN_SENT,
    REMIND_ADOPTED,
    checkin_view,
    claimed_checkin,
    record_action,
    rowcount,
    to_checkin,
)
from storage.database import Database
from storage.db import update_rows
from storage.planned import PlanCounts, cancel_pending, replan
from storage.tables import CheckinRow, ClientRow

S = CheckinStatus
#: Ids per ``IN (...)`` list: well under every database's limit on parameters.
_IDS_PER_QUERY = 500


class Checkins:
    """Intent-named queries over check-ins; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def plan(
        self, client_code: str, planned: Sequence[PlannedCheckin], now: datetime, questionnaire: str
    ) -> PlanCounts:
        """Make this client's unsent check-ins match ``planned``; sent ones are untouched."""
        return self.plan_many({client_code: planned}, now, questionnaire)

    def plan_many(
        self, plans: Mapping[str, Sequence[PlannedCheckin]], now: datetime, questionnaire: str
    ) -> PlanCounts:
        """Make each client's unsent check-ins match their plan, in one transaction.

        Idempotent: the (client, session start) key makes a second call change nothing.
        New sessions are inserted, unsent check-ins move to their new due and expiry, those
        no longer planned are cancelled, and cancelled ones planned again are revived.
        Clients not in the database are left out.
        """
        with self._db.transaction() as s:
            found = s.execute(
                select(ClientRow.code, ClientRow.id).where(ClientRow.code.in_(list(plans)))
            )
            ids = {code: client_id for code, client_id in found}
            by_id = {ids[code]: planned for code, planned in plans.items() if code in ids}
            if not by_id:
                return PlanCounts()
            return replan(s, by_id, now, questionnaire, self._db.is_postgresql)

    def cancel_others(self, client_codes: Collection[str], now: datetime) -> int:
        """Cancel the unsent check-ins of every client not in ``client_codes``."""
        keep = set(client_codes)
        with self._db.transaction() as s:
            gone = [
                client_id
                for client_id, code in s.execute(select(ClientRow.id, ClientRow.code))
                if code not in keep
            ]
            return sum(
                cancel_pending(s, gone[i : i + _IDS_PER_QUERY], now)
                for i in range(0, len(gone), _IDS_PER_QUERY)
            )

    def status_of(self, client_code: str, session_start: datetime) -> CheckinStatus | None:
        """The status of a session's check-in, if one was ever planned."""
        with self._db.transaction() as s:
            status = s.scalar(
                select(CheckinRow.status)
                .join(ClientRow, ClientRow.id == CheckinRow.client_id)
                .where(ClientRow.code == client_code, CheckinRow.session_start == session_start)
            )
            return None if status is None else CheckinStatus(status)

    def close_expired(self, now: datetime) -> int:
        """Close every check-in past its expiry: delivered ones as missed, others as unsent."""
        return sum(self.close_expired_by_status(now).values())

    def close_expired_by_status(self, now: datetime) -> dict[CheckinStatus, int]:
        """``close_expired``, counting how many became ``expired`` and how many ``unsent``."""
        closed: dict[CheckinStatus, int] = {}
        with self._db.transaction() as s:
            for before, after in ((S.OPEN, S.EXPIRED), (S.PLANNED, S.UNSENT)):
                result = s.execute(
                    update_rows(CheckinRow)
                    .where(CheckinRow.status == before, CheckinRow.expires_at <= now)
                    .values(status=after)
                )
                closed[after] = rowcount(result)
        return closed

    def release_lapsed_claims(self, now: datetime) -> int:
        """Give back claims whose worker stopped before recording the outcome."""
        with self._db.transaction() as s:
            result = s.execute(
                update_rows(CheckinRow)
                .where(CheckinRow.status == S.SENDING, CheckinRow.claimed_until <= now)
                .values(status=S.PLANNED, claimed_until=None)
            )
            return rowcount(result)

    def claim_due(self, now: datetime, lease: timedelta) -> Checkin | None:
        """Claim the oldest due check-in of a consenting client, or None when none is due."""
        claimed = self.claim_due_batch(now, lease, 1)
        return claimed[0] if claimed else None

    def claim_due_batch(self, now: datetime, lease: timedelta, limit: int) -> list[Checkin]:
        """Claim up to ``limit`` of the oldest due check-ins of consenting clients, oldest first.

        One short transaction: a ``SELECT`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
        concurrent workers take disjoint rows) and one conditional ``UPDATE``; a row another
        worker claimed in between is left out. Claimed but unsent rows are no duplicates if
        the worker dies: their lease runs out and they are sent once. The claims hold until
        ``now + lease`` (see ``hold``). Both statements are built once: a tick runs them for
        every batch.
        """
        due = DUE_LOCKED if self._db.is_postgresql else DUE
        with self._db.connection() as connection:
            found = {
                row.id: row for row in connection.execute(due, {"b_now": now, "b_limit": limit})
            }
            if not found:
                return []
            claimed = connection.execute(CLAIM, {"b_ids": list(found), "b_until": now + lease})
            won = set(claimed.scalars())
            return [claimed_checkin(row) for row in found.values() if row.id in won]

    def hold(self, checkin_id: int, until: datetime, new_until: datetime) -> bool:
        """Whether this worker's claim (it ends at ``until``) still holds; if so it is kept
        until ``new_until``.

        A worker checks this before each send of its batch: once its lease lapsed, another
        worker may have taken the check-in over (``until`` is then another's), and only that
        worker sends it. One statement, built once.
        """
        values = {"b_id": checkin_id, "b_until": until, "b_new_until": new_until}
        with self._db.connection() as connection:
            return rowcount(connection.execute(HOLD, values)) == 1

    def mark_sent(
        self,
        checkin_id: int,
        chat_id: int,
        message_id: int,
        now: datetime,
        remind_at: datetime | None = None,
    ) -> None:
        """Record a delivered check-in, open from now on, and when to remind if unanswered.

        If a tap already opened it (the client answered before the send returned), only the
        reminder time is added. Runs once per send, so its statements are built once.
        """
        values = {"b_id": checkin_id, "b_now": now, "b_remind_at": remind_at}
        with self._db.connection() as connection:
            opened = connection.execute(
                OPEN_SENT, values | {"b_chat": chat_id, "b_msg": message_id}
            )
            if rowcount(opened) == 0:
                connection.execute(REMIND_ADOPTED, values)

    def defer(self, checkin_id: int, at: datetime) -> None:
        """Give a claimed check-in back unsent, to go out at ``at`` (after quiet hours)."""
        with self._db.transaction() as s:
            s.execute(
                update_rows(CheckinRow)
                .where(CheckinRow.id == checkin_id, CheckinRow.status == S.SENDING)
                .values(
                    status=S.PLANNED,
                    next_attempt_at=at,
                    claimed_until=None,
                    attempts=CheckinRow.attempts - 1,
                )
            )

    def adopt(
        self, checkin_id: int, chat_id: int, message_id: int, now: datetime
    ) -> Checkin | None:
        """Open a check-in the client was seen to receive before its send was recorded.

        Either its send timed out (``planned`` again) or it is still being recorded
        (``sending``): a tap on it proves it arrived.
        """
        with self._db.transaction() as s:
            adopted = s.execute(
                update_rows(CheckinRow)
                .where(
                    CheckinRow.id == checkin_id,
                    CheckinRow.status.in_([S.PLANNED, S.SENDING]),
                    CheckinRow.attempts > 0,
                    CheckinRow.expires_at > now,
                )
                .values(
                    status=S.OPEN,
                    chat_id=chat_id,
                    message_id=message_id,
                    sent_at=now,
                    claimed_until=None,
                )
            )
            if rowcount(adopted) != 1:
                return None
            return to_checkin(s.execute(checkin_view().where(CheckinRow.id == checkin_id)).one())

    def retry_later(
        self, checkin_id: int, at: datetime, error: str, *, unknown: bool = False
    ) -> None:
        """Give a claimed check-in back to be tried again at ``at``; ``unknown``: the failed
        send may have arrived, and counts towards the bound on such sends."""
        with self._db.transaction() as s:
            s.execute(
                update_rows(CheckinRow)
                .where(CheckinRow.id == checkin_id, CheckinRow.status == S.SENDING)
                .values(
                    status=S.PLANNED,
                    next_attempt_at=at,
                    claimed_until=None,
                    last_error=error,
                    unknown_sends=CheckinRow.unknown_sends + int(unknown),
                )
            )

    def give_up(self, checkin_id: int, error: str) -> None:
        """Close a claimed check-in as never delivered (``unsent``, as if it had expired):
        its sends failed in ways of unknown fate too often. Digests show it as not delivered.
        """
        with self._db.connection() as connection:
            connection.execute(GIVE_UP, {"b_id": checkin_id, "b_error": error})

    def by_token(self, token: str) -> Checkin | None:
        """The check-in behind a button, if the token is real."""
        with self._db.connection() as connection:
            row = connection.execute(BY_TOKEN, {"b_token": token}).first()
            return None if row is None else to_checkin(row)

    def awaiting_note(self, chat_id: int, now: datetime, step: int) -> Checkin | None:
        """The open check-in in this chat that is waiting for a note, if any."""
        with self._db.transaction() as s:
            row = s.execute(
                checkin_view()
                .where(
                    ClientRow.chat_id == chat_id,
                    CheckinRow.status == S.OPEN,
                    CheckinRow.step == step,
                    CheckinRow.expires_at > now,
                )
                .order_by(CheckinRow.sent_at.desc())
                .limit(1)
            ).first()
            return None if row is None else to_checkin(row)

    def advance(
        self, checkin: Checkin, accepted: Accepted, now: datetime, done: bool, risk: bool = False
    ) -> bool:
        """Store what an accepted action carries and move the step on, exactly once.

        The step only moves if it is still the one the action was decided on, so of two
        simultaneous taps one wins and the other changes nothing. ``risk`` marks a note
        that matched a risk phrase, so its alert can be sent (and re-sent) from the row.
        """
        with self._db.connection() as connection:
            moved = connection.execute(
                ADVANCE,
                {
                    "b_id": checkin.id,
                    "b_step": checkin.step,
                    "b_now": now,
                    "b_next": accepted.next_step,
                    "b_status": S.COMPLETED if done else S.OPEN,
                    "b_completed": now if done else None,
                },
            )
            if rowcount(moved) != 1:
                return False
            record_action(connection, checkin.id, accepted, now, risk)
            return True
