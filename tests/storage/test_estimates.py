"""Therapists' estimates against real databases: recorded once, claimed once, saved only
while the client's check-in is unsent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core.clinic import ClinicConfig
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.estimate import EstimateStatus
from core.model import CheckinStatus
from scheduler.planning import plan_all
from storage.checkins import Checkins
from storage.database import Database
from storage.estimates import Estimates, Saved
from storage.people import People
from storage.tables import CheckinRow
from tests.conftest import MONDAY_MORNING, clinic_config

THERAPIST_CHAT, CLIENT_CHAT, STRANGER = 9001, 7001, 6001
LEASE = timedelta(minutes=5)
#: Tuesday 24 November 2026: C101's 15:00-15:50 Berlin session ends at 14:50 UTC.
ENDED = datetime(2026, 11, 24, 14, 50, tzinfo=UTC)
ASKED = ENDED + timedelta(minutes=30)
#: Its check-in is due a day later.
CHECKIN_DUE = ENDED + timedelta(days=1)
S = EstimateStatus


@pytest.fixture
def estimates(database: Database) -> Estimates:
    """T01 (estimates on) linked; C101 consenting, C102 not enrolled; check-ins planned."""
    config: ClinicConfig = clinic_config(therapist_estimate=True)
    people, now = People(database), MONDAY_MORNING
    people.sync(config)
    for code, role, chat in [("T01", Role.THERAPIST, THERAPIST_CHAT), ("C101", Role.CLIENT, 7001)]:
        invite = new_invite(now, timedelta(days=3))
        people.create_invite(code, role, invite, now)
        people.redeem(invite.token_hash, chat, now)
    people.decide_consent(CLIENT_CHAT, True, CONSENT_VERSION, now)
    plan_all(config, Checkins(database), now)
    return Estimates(database)


def ask(estimates: Estimates) -> str:
    """Record the due estimate, claim it and record it as asked; its token."""
    estimates.create(estimates.ended_sessions(["T01"], ASKED, ASKED - timedelta(days=2)))
    [claimed] = estimates.claim(["T01"], ASKED, 10)
    estimates.asked([claimed.id], THERAPIST_CHAT, 500, ASKED)
    return claimed.token


def send_checkin(database: Database) -> None:
    """C101's check-in goes out, as the tick sends it."""
    checkins = Checkins(database)
    [claimed] = checkins.claim_due_batch(CHECKIN_DUE, LEASE, 5)
    checkins.mark_sent(claimed.id, CLIENT_CHAT, 42, CHECKIN_DUE, None)


def status(estimates: Estimates, token: str) -> tuple[EstimateStatus, int | None]:
    found = estimates.by_token(token)
    assert found is not None
    return found.status, found.value


def test_ended_sessions_of_consenting_clients_are_recorded_once(estimates: Estimates) -> None:
    assert estimates.ended_sessions(["T01"], ENDED - timedelta(minutes=1), ENDED - LEASE) == []
    ended = estimates.ended_sessions(["T01"], ASKED, ASKED - timedelta(days=2))
    assert [(s.client_code, s.therapist_code, s.session_end) for s in ended] == [
        ("C101", "T01", ENDED)  # C102 never enrolled: its check-in will not go out
    ]
    assert estimates.create(ended) == 1
    assert estimates.create(ended) == 0
    assert estimates.ended_sessions(["T01"], ASKED, ASKED - timedelta(days=2)) == []


def test_an_estimate_is_claimed_by_one_worker_and_opens_when_asked(estimates: Estimates) -> None:
    estimates.create(estimates.ended_sessions(["T01"], ASKED, ASKED - timedelta(days=2)))
    [claimed] = estimates.claim(["T01"], ASKED, 10)
    assert (claimed.client_code, claimed.chat_id, claimed.status) == (
        "C101",
        THERAPIST_CHAT,
        S.ASKING,
    )
    assert claimed.questionnaire == "alliance-v1"
    assert estimates.claim(["T01"], ASKED, 10) == []

    estimates.asked([claimed.id], THERAPIST_CHAT, 500, ASKED)

    assert status(estimates, claimed.token) == (S.OPEN, None)
    assert [e.token for e in estimates.in_message(claimed.token, THERAPIST_CHAT, 500)] == [
        claimed.token
    ]


def test_a_failed_send_or_a_lapsed_claim_gives_the_estimate_back(estimates: Estimates) -> None:
    estimates.create(estimates.ended_sessions(["T01"], ASKED, ASKED - timedelta(days=2)))
    [claimed] = estimates.claim(["T01"], ASKED, 10)
    estimates.unasked([claimed.id])
    [again] = estimates.claim(["T01"], ASKED, 10)
    assert again.id == claimed.id

    estimates.tidy(["T01"], ASKED + LEASE - timedelta(seconds=1), LEASE)
    assert estimates.claim(["T01"], ASKED, 10) == []
    estimates.tidy(["T01"], ASKED + LEASE, LEASE)
    assert [e.id for e in estimates.claim(["T01"], ASKED + LEASE, 10)] == [claimed.id]


def test_a_tap_saves_the_value_once(estimates: Estimates) -> None:
    token = ask(estimates)

    assert estimates.save(token, THERAPIST_CHAT, 7, ASKED) is Saved.SAVED
    assert estimates.save(token, THERAPIST_CHAT, 3, ASKED) is Saved.ALREADY
    assert status(estimates, token) == (S.ANSWERED, 7)


def test_skip_is_saved_without_a_value(estimates: Estimates) -> None:
    token = ask(estimates)
    assert estimates.save(token, THERAPIST_CHAT, None, ASKED) is Saved.SAVED
    assert status(estimates, token) == (S.SKIPPED, None)


def test_a_tap_from_another_chat_changes_nothing(estimates: Estimates) -> None:
    token = ask(estimates)
    assert estimates.save(token, STRANGER, 7, ASKED) is Saved.NOT_YOURS
    assert estimates.save(token, CLIENT_CHAT, 7, ASKED) is Saved.NOT_YOURS
    assert estimates.save("no-such-token", THERAPIST_CHAT, 7, ASKED) is Saved.UNKNOWN
    assert status(estimates, token) == (S.OPEN, None)


def test_a_tap_after_the_checkin_went_out_stores_nothing(
    database: Database, estimates: Estimates
) -> None:
    token = ask(estimates)
    send_checkin(database)

    assert estimates.save(token, THERAPIST_CHAT, 7, CHECKIN_DUE) is Saved.LATE
    assert status(estimates, token) == (S.CLOSED, None)


def test_a_checkin_claimed_for_sending_refuses_the_tap_in_the_same_update(
    database: Database, estimates: Estimates
) -> None:
    """The race: the tick claims the check-in between the tap's lookup and its save."""
    token = ask(estimates)
    with database.transaction() as s:
        s.execute(update(CheckinRow).values(status=CheckinStatus.SENDING))

    assert estimates.save(token, THERAPIST_CHAT, 7, CHECKIN_DUE) is Saved.LATE
    assert status(estimates, token) == (S.CLOSED, None)


def test_sending_the_checkin_closes_its_estimate(database: Database, estimates: Estimates) -> None:
    token = ask(estimates)
    send_checkin(database)

    closed = estimates.close_sent(_checkin_id(database))

    assert closed == 1
    assert status(estimates, token) == (S.CLOSED, None)
    assert estimates.close_sent(_checkin_id(database)) == 0


def test_tidy_closes_waiting_estimates_whose_checkin_has_gone(
    database: Database, estimates: Estimates
) -> None:
    token = ask(estimates)
    estimates.tidy(["T01"], ASKED, LEASE)
    assert status(estimates, token) == (S.OPEN, None)

    send_checkin(database)

    assert estimates.tidy(["T01"], CHECKIN_DUE, LEASE) == 1
    assert status(estimates, token) == (S.CLOSED, None)


def test_a_pending_estimate_of_a_sent_checkin_is_never_claimed(
    database: Database, estimates: Estimates
) -> None:
    estimates.create(estimates.ended_sessions(["T01"], ASKED, ASKED - timedelta(days=2)))
    send_checkin(database)
    assert estimates.claim(["T01"], CHECKIN_DUE, 10) == []


def _checkin_id(database: Database) -> int:
    with database.transaction() as s:
        found = s.scalar(select(CheckinRow.id).where(CheckinRow.status == CheckinStatus.OPEN))
    assert found is not None
    return int(found)
