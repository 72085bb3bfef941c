"""A worker keeps its claim send by send, and gives up sends of unknown fate, on real databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.delivery import MAX_UNKNOWN_SENDS, Next, RetryLater, judge
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import CheckinStatus
from scheduler.planning import plan_all
from storage.checkins import Checkins
from storage.database import Database
from storage.history import Histories
from storage.people import People
from storage.tables import CheckinRow

CHAT = 7001
LEASE = timedelta(minutes=5)
#: Wednesday 25 November 16:00 Berlin: Tuesday's 15:00 session's check-in is due at 15:50.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
UNREADABLE = RetryLater("TelegramError", unknown=True)


def _due_checkin(database: Database, config: ClinicConfig, clock: FixedClock) -> Checkins:
    """C101 enrolled and consenting, their Tuesday check-in due at the clock's time."""
    people = People(database)
    people.sync(config)
    invite = new_invite(clock.now(), timedelta(days=14))
    people.create_invite("C101", Role.CLIENT, invite, clock.now())
    people.redeem(invite.token_hash, CHAT, clock.now())
    people.decide_consent(CHAT, True, CONSENT_VERSION, clock.now())
    checkins = Checkins(database)
    plan_all(config, checkins, clock.now())
    clock.set(WEDNESDAY_EVENING)
    return checkins


def _row(database: Database, checkin_id: int) -> tuple[str, str | None, int]:
    with database.transaction() as s:
        status, error, attempts = s.execute(
            select(CheckinRow.status, CheckinRow.last_error, CheckinRow.attempts).where(
                CheckinRow.id == checkin_id
            )
        ).one()
        return status, error, attempts


def test_a_claim_that_still_holds_is_kept_for_one_more_lease(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    start = clock.now()
    (claimed,) = checkins.claim_due_batch(start, LEASE, 25)
    later = start + timedelta(minutes=4)

    assert checkins.hold(claimed.id, start + LEASE, later + LEASE)

    assert checkins.tidy(start + LEASE).released == 0  # kept past the first lease
    assert checkins.tidy(later + LEASE).released == 1


def test_a_worker_whose_lease_lapsed_and_was_taken_over_loses_the_claim(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    first = clock.now()
    batch = checkins.claim_due_batch(first, LEASE, 25)  # worker A, slower than its lease
    second = first + LEASE + timedelta(seconds=1)
    assert checkins.tidy(second).released == 1
    (taken,) = checkins.claim_due_batch(second, LEASE, 25)  # worker B takes it over
    assert [c.id for c in batch] == [taken.id]

    assert not checkins.hold(taken.id, first + LEASE, second + LEASE)  # A skips it
    assert checkins.hold(taken.id, second + LEASE, second + LEASE)  # B sends it
    assert _row(database, taken.id)[0] == CheckinStatus.SENDING


def test_a_lapsed_claim_nobody_took_over_is_still_the_workers_own(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    start = clock.now()
    (claimed,) = checkins.claim_due_batch(start, LEASE, 25)
    late = start + LEASE + timedelta(minutes=1)

    assert checkins.hold(claimed.id, start + LEASE, late + LEASE)
    assert checkins.tidy(late).released == 0


def test_a_checkin_whose_outcome_is_recorded_is_no_longer_held(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    start = clock.now()
    (claimed,) = checkins.claim_due_batch(start, LEASE, 25)
    checkins.mark_sent(claimed.id, CHAT, 42, start)

    assert not checkins.hold(claimed.id, start + LEASE, start + LEASE)
    assert _row(database, claimed.id)[0] == CheckinStatus.OPEN


def test_a_claim_given_back_is_due_again_at_once_and_its_attempt_not_counted(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    start = clock.now()
    (claimed,) = checkins.claim_due_batch(start, LEASE, 25)

    assert checkins.give_back(claimed.id, start + LEASE)  # the tick ran out of time

    assert _row(database, claimed.id) == (CheckinStatus.PLANNED, None, 0)
    (again,) = checkins.claim_due_batch(start, LEASE, 25)  # the next tick, at once
    assert again.id == claimed.id


def test_a_claim_taken_over_by_another_worker_is_not_given_back_by_the_first(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    first = clock.now()
    (claimed,) = checkins.claim_due_batch(first, LEASE, 25)
    second = first + LEASE + timedelta(seconds=1)
    checkins.tidy(second)
    checkins.claim_due_batch(second, LEASE, 25)  # worker B's now

    assert not checkins.give_back(claimed.id, first + LEASE)
    assert _row(database, claimed.id)[0] == CheckinStatus.SENDING


def test_sends_of_unknown_fate_end_the_checkin_on_the_last_try_as_not_delivered(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    tries = []
    while (claimed := checkins.claim_due(clock.now(), LEASE)) is not None:
        tries.append(claimed.attempts)
        if _verdict(claimed.unknown_sends, UNREADABLE) is Next.GIVE_UP:
            checkins.give_up(claimed.id, UNREADABLE.error)
        else:
            checkins.retry_later(claimed.id, clock.now(), UNREADABLE.error, unknown=True)
        clock.advance(timedelta(minutes=1))

    checkin_id = _only_tried(database)
    assert tries == list(range(1, MAX_UNKNOWN_SENDS + 1))
    assert _row(database, checkin_id) == (CheckinStatus.UNSENT, "TelegramError", MAX_UNKNOWN_SENDS)
    plan_all(config, checkins, clock.now())  # planning again does not revive it
    assert _row(database, checkin_id)[0] == CheckinStatus.UNSENT
    assert checkins.tidy(clock.now() + LEASE).released == 0
    history = Histories(database).for_client("T01", "C101", 4)
    assert history is not None
    assert history.undelivered == 1  # the digest says "not delivered"


def test_ordinary_faults_are_not_given_up_however_often_they_come() -> None:
    for unknown_before in (0, MAX_UNKNOWN_SENDS, 40):
        assert _verdict(unknown_before, RetryLater("NetworkError")) is Next.RETRY
        assert _verdict(unknown_before, RetryLater("RetryAfter", retry_after=LEASE)) is Next.RETRY


def test_ordinary_faults_before_do_not_use_up_the_sends_of_unknown_fate(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    for _ in range(5):  # five 502s: nothing reached the client
        claimed = checkins.claim_due(clock.now(), LEASE)
        assert claimed is not None
        checkins.retry_later(claimed.id, clock.now(), "NetworkError")
        clock.advance(timedelta(minutes=1))
    claimed = checkins.claim_due(clock.now(), LEASE)
    assert claimed is not None
    assert (claimed.attempts, claimed.unknown_sends) == (6, 0)
    assert _verdict(claimed.unknown_sends, UNREADABLE) is Next.RETRY  # one is no end


def test_giving_up_leaves_a_checkin_a_tap_already_opened_alone(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    checkins = _due_checkin(database, config, clock)
    (claimed,) = checkins.claim_due_batch(clock.now(), LEASE, 25)
    assert checkins.adopt(claimed.id, CHAT, 42, clock.now()) is not None  # the copy arrived

    checkins.give_up(claimed.id, "KeyError")

    assert _row(database, claimed.id) == (CheckinStatus.OPEN, None, 1)


def _only_tried(database: Database) -> int:
    with database.transaction() as s:
        return s.scalars(select(CheckinRow.id).where(CheckinRow.attempts > 0)).one()


def _verdict(unknown_before: int, outcome: RetryLater) -> Next:
    return judge(outcome, WEDNESDAY_EVENING, 1, unknown_before, lambda: 0.5).next
