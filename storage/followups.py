"""Repair follow-ups: raised when a concern is discussed or a flag goes out, and attached
to the client's next check-in when it is sent.

A follow-up waits (is *unasked*) while no check-in asks it, or while the one that was to
ask it closed without reaching the client (``unsent``, ``cancelled``): then the next
check-in takes it on. Attaching sets ``checkins.repair`` and the follow-ups' ``checkin_id``
in one transaction, so a check-in asks exactly the follow-ups that point to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, or_, select, update
from sqlalchemy.orm import Session

from core.model import CheckinStatus
from core.repair import REPAIR_KEY, Followup, FollowupKind, collapse
from storage.database import Database
from storage.lease_queue import rowcount
from storage.tables import AnswerRow, CheckinRow, ClientRow, ConcernRow, FollowupRow, NoteRow

#: Client codes per ``IN (...)`` list: well under every database's limit on parameters.
_CODES_PER_QUERY = 500
#: Check-ins that closed without reaching the client: their follow-ups wait for the next.
_NEVER_SEEN = (CheckinStatus.UNSENT, CheckinStatus.CANCELLED)
_VIEW = select(
    FollowupRow.id,
    ClientRow.code.label("client_code"),
    FollowupRow.kind,
    FollowupRow.concern_id,
    FollowupRow.rule,
    FollowupRow.raised_at,
    FollowupRow.checkin_id,
).join(ClientRow, ClientRow.id == FollowupRow.client_id)


def _unasked() -> Any:
    """Follow-ups no check-in asks, or whose check-in never reached the client."""
    never_seen = select(CheckinRow.id).where(CheckinRow.status.in_(_NEVER_SEEN))
    return or_(FollowupRow.checkin_id.is_(None), FollowupRow.checkin_id.in_(never_seen))


def _followup(row: Row[*tuple[Any, ...]]) -> Followup:
    fields = row._asdict()
    return Followup(**fields | {"kind": FollowupKind(fields["kind"])})


class Followups:
    """Intent-named queries over follow-ups; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def raise_for_concern(self, token: str, now: datetime, wanted: Callable[[str], bool]) -> bool:
        """Raise the follow-up of the concern behind a Discussed button, once per concern.

        ``wanted`` says, by client code, whether the client's check-ins ask follow-ups
        (``repair_check``); nothing is raised for a client who does not.
        """
        with self._db.transaction() as s:
            found = s.execute(
                select(ConcernRow.id, ClientRow.id, ClientRow.code)
                .join(NoteRow, NoteRow.id == ConcernRow.note_id)
                .join(CheckinRow, CheckinRow.id == NoteRow.checkin_id)
                .join(ClientRow, ClientRow.id == CheckinRow.client_id)
                .where(ConcernRow.token == token)
            ).first()
            if found is None or not wanted(found[2]):
                return False
            concern_id, client_id, _code = found
            if s.scalar(select(FollowupRow.id).where(FollowupRow.concern_id == concern_id)):
                return False
            s.execute(
                insert(FollowupRow).values(
                    client_id=client_id,
                    kind=FollowupKind.CONCERN,
                    concern_id=concern_id,
                    raised_at=now,
                )
            )
            return True

    def raise_for_flags(self, flags: Mapping[str, Sequence[str]], now: datetime) -> int:
        """Raise a follow-up per needs-attention rule, by client code, of a report sent.

        A client's flags are raised once per answered check-in: not again while a flag
        follow-up of theirs is newer than their latest answer (a brief after a digest, or
        a digest resent, shows the same answers). How many rows were raised.
        """
        codes = sorted(code for code, rules in flags.items() if rules)
        raised = 0
        with self._db.transaction() as s:
            for start in range(0, len(codes), _CODES_PER_QUERY):
                chunk = codes[start : start + _CODES_PER_QUERY]
                for client_id, code in _still_to_raise(s, chunk):
                    rows = [
                        {
                            "client_id": client_id,
                            "kind": FollowupKind.FLAG,
                            "rule": rule,
                            "raised_at": now,
                        }
                        for rule in dict.fromkeys(flags[code])
                    ]
                    s.execute(insert(FollowupRow), rows)
                    raised += len(rows)
        return raised

    def attach(self, checkin_id: int) -> FollowupKind | None:
        """Attach the client's unasked follow-ups to a check-in being sent; what it asks.

        Only a check-in claimed for sending (``sending``) that asks nothing yet and whose
        earlier sends all failed for certain (``unknown_sends`` 0) takes follow-ups on;
        several collapse into one question, a concern winning over a flag.
        """
        with self._db.transaction() as s:
            client_id = s.scalar(
                select(CheckinRow.client_id).where(
                    CheckinRow.id == checkin_id,
                    CheckinRow.status == CheckinStatus.SENDING,
                    CheckinRow.repair.is_(None),
                    CheckinRow.unknown_sends == 0,
                )
            )
            if client_id is None:
                return None
            waiting = s.execute(
                select(FollowupRow.id, FollowupRow.kind)
                .where(FollowupRow.client_id == client_id, _unasked())
                .order_by(FollowupRow.raised_at, FollowupRow.id)
                .with_for_update()
            ).all()
            kind = collapse(k for _, k in waiting)
            if kind is None:
                return None
            asks = s.execute(
                update(CheckinRow)
                .where(CheckinRow.id == checkin_id, CheckinRow.repair.is_(None))
                .values(repair=kind)
            )
            if rowcount(asks) != 1:
                return None
            ids = [followup_id for followup_id, _ in waiting]
            s.execute(
                update(FollowupRow).where(FollowupRow.id.in_(ids)).values(checkin_id=checkin_id)
            )
            return kind

    def of_client(self, client_code: str) -> list[Followup]:
        """A client's follow-ups, oldest first."""
        with self._db.transaction() as s:
            rows = s.execute(
                _VIEW.where(ClientRow.code == client_code).order_by(
                    FollowupRow.raised_at, FollowupRow.id
                )
            )
            return [_followup(row) for row in rows]

    def pending(self, client_code: str) -> list[Followup]:
        """A client's follow-ups that no check-in that reached them has asked, oldest first."""
        with self._db.transaction() as s:
            rows = s.execute(
                _VIEW.where(ClientRow.code == client_code, _unasked()).order_by(
                    FollowupRow.raised_at, FollowupRow.id
                )
            )
            return [_followup(row) for row in rows]


def _still_to_raise(s: Session, codes: Sequence[str]) -> list[tuple[int, str]]:
    """(id, code) of the clients among ``codes`` whose latest flag follow-up, if any, is
    older than their latest answer to an item (the repair question left out)."""
    ids = select(ClientRow.id).where(ClientRow.code.in_(codes))
    answered = (
        select(CheckinRow.client_id, func.max(AnswerRow.answered_at).label("at"))
        .join(AnswerRow, AnswerRow.checkin_id == CheckinRow.id)
        .where(
            CheckinRow.client_id.in_(ids),
            AnswerRow.value.is_not(None),
            AnswerRow.item_key != REPAIR_KEY,
        )
        .group_by(CheckinRow.client_id)
        .subquery()
    )
    raised = (
        select(FollowupRow.client_id, func.max(FollowupRow.raised_at).label("at"))
        .where(FollowupRow.client_id.in_(ids), FollowupRow.kind == FollowupKind.FLAG)
        .group_by(FollowupRow.client_id)
        .subquery()
    )
    rows = s.execute(
        select(ClientRow.id, ClientRow.code, answered.c.at, raised.c.at)
        .outerjoin(answered, answered.c.client_id == ClientRow.id)
        .outerjoin(raised, raised.c.client_id == ClientRow.id)
        .where(ClientRow.code.in_(codes))
        .order_by(ClientRow.code)
    )
    return [
        (client_id, code)
        for client_id, code, last_answer, last_raised in rows
        if last_raised is None or (last_answer is not None and last_answer > last_raised)
    ]
