"""Repair follow-ups against real databases: raised once, attached to the next check-in in
the same transaction as its ``repair``, and never to a copy that may have gone out without."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import Checkin, CheckinStatus
from core.repair import FollowupKind
from scheduler.planning import plan_all
from storage.checkins import Checkins
from storage.database import Database
from storage.followups import Followups
from storage.history import Histories
from storage.people import People
from storage.tables import AnswerRow, CheckinRow, ConcernRow, NoteRow
from tests.conftest import MONDAY_MORNING, clinic_config

CLIENT_CHAT = 7001
LEASE = timedelta(minutes=5)
#: Wednesday 25 November 2026, 15:50 Berlin: the check-in of Tuesday's session is due.
FIRST_DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
NEXT_DUE = FIRST_DUE + timedelta(weeks=1)
RAISED = FIRST_DUE + timedelta(days=3)


def everyone(_code: str) -> bool:
    return True


@pytest.fixture
def followups(database: Database) -> Followups:
    """C101 linked and consenting, with weekly check-ins planned; C102 not enrolled."""
    config = clinic_config(repair_check=True)
    people, now = People(database), MONDAY_MORNING
    people.sync(config)
    invite = new_invite(now, timedelta(days=3))
    people.create_invite("C101", Role.CLIENT, invite, now)
    people.redeem(invite.token_hash, CLIENT_CHAT, now)
    people.decide_consent(CLIENT_CHAT, True, CONSENT_VERSION, now)
    plan_all(config, Checkins(database), now)
    return Followups(database)


def claim(database: Database, at: datetime) -> Checkin:
    """C101's check-in due at ``at``, claimed for sending as the tick claims it."""
    [claimed] = Checkins(database).claim_due_batch(at, LEASE, 1)
    return claimed


def answered(database: Database, checkin: Checkin, at: datetime, note: str | None = None) -> str:
    """Record the check-in as sent and answered at ``at``, with a shared note if given;
    the token of the note's Discussed button."""
    Checkins(database).mark_sent(checkin.id, CLIENT_CHAT, 40 + checkin.id, at)
    answer = {"checkin_id": checkin.id, "item_key": "goals", "value": 3, "answered_at": at}
    shared = {"checkin_id": checkin.id, "text": note, "shared": True, "created_at": at}
    with database.transaction() as s:
        s.execute(insert(AnswerRow).values(answer))
        if note is not None:
            s.execute(insert(NoteRow).values(shared | {"risk": False}))
    if note is None:
        return ""
    Histories(database).for_therapist("T01", 10)  # gives it a token
    with database.transaction() as s:
        return s.scalars(select(ConcernRow.token)).one()


def repair_of(database: Database, checkin_id: int) -> str | None:
    with database.transaction() as s:
        return s.scalar(select(CheckinRow.repair).where(CheckinRow.id == checkin_id))


def test_a_discussed_concern_raises_one_follow_up_for_a_client_who_asks_them(
    database: Database, followups: Followups
) -> None:
    token = answered(database, claim(database, FIRST_DUE), FIRST_DUE, "I felt rushed")

    assert not followups.raise_for_concern(token, RAISED, lambda _code: False)
    assert followups.of_client("C101") == []
    assert followups.raise_for_concern(token, RAISED, everyone)
    assert not followups.raise_for_concern(token, RAISED, everyone)  # once per concern
    assert not followups.raise_for_concern("no-such-token", RAISED, everyone)

    [raised] = followups.pending("C101")
    assert (raised.kind, raised.rule, raised.raised_at) == (FollowupKind.CONCERN, None, RAISED)
    assert raised.concern_id is not None
    assert raised.checkin_id is None


def test_flags_are_raised_once_per_answered_checkin(
    database: Database, followups: Followups
) -> None:
    answered(database, claim(database, FIRST_DUE), FIRST_DUE)
    flags = {"C101": ["low_item", "baseline_drop", "low_item"], "C102": [], "C999": ["low_item"]}

    assert followups.raise_for_flags(flags, RAISED) == 2
    assert followups.raise_for_flags(flags, RAISED + timedelta(days=1)) == 0  # same answers

    rules = [(f.kind, f.rule) for f in followups.pending("C101")]
    assert rules == [(FollowupKind.FLAG, "low_item"), (FollowupKind.FLAG, "baseline_drop")]
    assert followups.of_client("C102") == []
    answered(database, claim(database, NEXT_DUE), NEXT_DUE)  # a newer answer: a new look
    assert followups.raise_for_flags({"C101": ["low_mean"]}, NEXT_DUE + timedelta(days=1)) == 1


def test_the_next_checkin_takes_every_waiting_follow_up_on_as_one_question(
    database: Database, followups: Followups
) -> None:
    token = answered(database, claim(database, FIRST_DUE), FIRST_DUE, "I felt rushed")
    followups.raise_for_flags({"C101": ["low_item"]}, RAISED)
    followups.raise_for_concern(token, RAISED + timedelta(hours=1), everyone)
    sending = claim(database, NEXT_DUE)

    assert followups.attach(sending.id) is FollowupKind.CONCERN  # a concern wins

    assert repair_of(database, sending.id) == "concern"
    assert [f.checkin_id for f in followups.of_client("C101")] == [sending.id, sending.id]
    assert followups.pending("C101") == []
    assert followups.attach(sending.id) is None  # it asks one already
    Checkins(database).mark_sent(sending.id, CLIENT_CHAT, 99, NEXT_DUE)
    opened = Checkins(database).by_token(sending.token)
    assert opened is not None
    assert opened.repair == "concern"


def test_a_checkin_with_nothing_waiting_asks_nothing(
    database: Database, followups: Followups
) -> None:
    sending = claim(database, FIRST_DUE)

    assert followups.attach(sending.id) is None
    assert repair_of(database, sending.id) is None


def test_a_checkin_whose_earlier_send_may_have_arrived_takes_nothing_on(
    database: Database, followups: Followups
) -> None:
    answered(database, claim(database, FIRST_DUE), FIRST_DUE)
    followups.raise_for_flags({"C101": ["low_item"]}, RAISED)
    checkins = Checkins(database)
    sending = claim(database, NEXT_DUE)
    checkins.retry_later(sending.id, NEXT_DUE, "TimedOut", unknown=True)  # fate unknown
    again = claim(database, NEXT_DUE + timedelta(minutes=1))

    assert again.unknown_sends == 1
    assert followups.attach(again.id) is None
    assert repair_of(database, again.id) is None
    assert len(followups.pending("C101")) == 1  # it waits for the check-in after


def test_only_a_checkin_claimed_for_sending_takes_follow_ups_on(
    database: Database, followups: Followups
) -> None:
    first = claim(database, FIRST_DUE)
    answered(database, first, FIRST_DUE)
    followups.raise_for_flags({"C101": ["low_item"]}, RAISED)

    assert followups.attach(first.id) is None  # open: already in the client's hands
    assert repair_of(database, first.id) is None


def test_follow_ups_of_a_checkin_that_never_reached_the_client_wait_for_the_next(
    database: Database, followups: Followups
) -> None:
    answered(database, claim(database, FIRST_DUE), FIRST_DUE)
    followups.raise_for_flags({"C101": ["low_item"]}, RAISED)
    lost = claim(database, NEXT_DUE)
    assert followups.attach(lost.id) is FollowupKind.FLAG
    Checkins(database).give_up(lost.id, "TimedOut")  # closed unsent

    [waiting] = followups.pending("C101")
    assert waiting.checkin_id == lost.id
    plan_all(clinic_config(repair_check=True), Checkins(database), NEXT_DUE)
    after = claim(database, NEXT_DUE + timedelta(weeks=1))
    assert followups.attach(after.id) is FollowupKind.FLAG
    assert [f.checkin_id for f in followups.of_client("C101")] == [after.id]
    with database.transaction() as s:
        status = s.scalar(select(CheckinRow.status).where(CheckinRow.id == lost.id))
    assert status == CheckinStatus.UNSENT
