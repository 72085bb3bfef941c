"""Check-ins: planning rows from sessions, claiming due ones, and recording answers."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select

from core.flow import Accepted
from core.model import Checkin, CheckinStatus
from core.questionnaire import Questionnaire
from core.schedule import PlannedCheckin
from storage.checkin_rows import (
    ADVANCE,
    BY_TOKEN,
    CHECKIN_QUEUE,
    OPEN_SENT,
    REMIND_ADOPTED,
    checkin_view,
    record_action,
    to_checkin,
)
from storage.database import Database
from storage.engine import update_rows
from storage.lease_queue import Leased, rowcount
from storage.planned import Plan, PlanCounts, cancel_pending, replan
from storage.tables import CheckinRow, ClientRow

S = CheckinStatus
#: Ids per ``IN (...)`` list: well under every database's limit on parameters.
_IDS_PER_QUERY = 500
#: Open check-ins of one chat looked at for a note: a chat rarely has more than one.
_OPEN_IN_CHAT = 10


class Checkins(Leased[Checkin]):
    """Intent-named queries over check-ins; each call is one short transaction.

    Sending goes through the lease queue (``Leased``): ``tidy`` gives back lapsed claims
    and closes check-ins past expiry (delivered ones ``expired``, missed; others
    ``unsent``), ``claim_due_batch``, ``hold``, then ``mark_sent``, ``retry_later``,
    ``defer`` or ``give_up`` (``unsent``).
    """

    def __init__(self, database: Database) -> None:
        super().__init__(database, CHECKIN_QUEUE)

    def plan_many(
        self,
        plans: Mapping[str, Sequence[PlannedCheckin]],
        now: datetime,
        questionnaires: Mapping[str, Questionnaire],
    ) -> PlanCounts:
        """Make each client's unsent check-ins match their plan, in one transaction.

        Idempotent: the (client, session start) key makes a second call change nothing.
        New sessions are inserted, unsent check-ins move to their new due and expiry, those
        no longer planned are cancelled, and cancelled ones planned again are revived.
        Each client's check-ins ask the questionnaire in ``questionnaires`` under their code;
        an unsent one moves to it when it changes. Clients not in the database are left out.
        """
        with self._db.transaction() as s:
            found = s.execute(
                select(ClientRow.code, ClientRow.id).where(ClientRow.code.in_(list(plans)))
            )
            ids = {code: client_id for code, client_id in found}
            by_id = {
                ids[code]: Plan(planned, questionnaires[code])
                for code, planned in plans.items()
                if code in ids
            }
            if not by_id:
                return PlanCounts()
            return replan(s, by_id, now, self._db.is_postgresql)

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

    def by_token(self, token: str) -> Checkin | None:
        """The check-in behind a button, if the token is real."""
        with self._db.connection() as connection:
            row = connection.execute(BY_TOKEN, {"b_token": token}).first()
            return None if row is None else to_checkin(row)

    def open_in_chat(self, chat_id: int, now: datetime) -> list[Checkin]:
        """The open check-ins of this chat, the one sent last first."""
        with self._db.transaction() as s:
            rows = s.execute(
                checkin_view()
                .where(
                    ClientRow.chat_id == chat_id,
                    CheckinRow.status == S.OPEN,
                    CheckinRow.expires_at > now,
                )
                .order_by(CheckinRow.sent_at.desc())
                .limit(_OPEN_IN_CHAT)
            )
            return [to_checkin(row) for row in rows]

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
