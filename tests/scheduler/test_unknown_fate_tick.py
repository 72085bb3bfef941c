"""The tick with a fake notifier on real databases: sends of unknown fate, and claims lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.delivery import MAX_UNKNOWN_SENDS, Delivered, Delivery, RetryLater
from core.digest import Report
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import Checkin, CheckinStatus
from core.timing import CheckinTiming
from scheduler.planning import plan_all
from scheduler.ports import NoMetrics, ReportSent
from scheduler.tick import LEASE, TickReport, run_tick
from storage.checkins import Checkins
from storage.database import Database
from storage.people import People
from storage.reminders import Reminders
from storage.tables import CheckinRow

#: Wednesday 25 November 16:00 Berlin: Tuesday's 15:00 sessions' check-ins are due.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
UNREADABLE = RetryLater("TelegramError", unknown=True)
_OPEN = CheckinRow.status == CheckinStatus.OPEN


@dataclass
class FakeNotifier:
    """Answers check-ins with the outcomes queued, else delivers; ``during`` runs in a send."""

    outcomes: list[Delivery] = field(default_factory=list)
    reminder_outcomes: list[Delivery] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    during: Callable[[], None] | None = None

    async def send_checkin(self, checkin: Checkin) -> Delivery:
        self.sent.append(checkin.id)
        if self.during is not None:
            self.during()
        return self.outcomes.pop(0) if self.outcomes else Delivered(7000, len(self.sent))

    async def send_reminder(self, checkin: Checkin) -> Delivery:
        self.reminded.append(checkin.id)
        if self.reminder_outcomes:
            return self.reminder_outcomes.pop(0)
        return Delivered(7000, 100 + len(self.reminded))

    async def send_report(self, chat_id: int, report: Report, skip_parts: int) -> ReportSent:
        raise AssertionError("no reports in these tests")


@dataclass
class Closed(NoMetrics):
    """Counts check-ins closed unsent."""

    unsent: int = 0

    def closed(self, expired: int, unsent: int) -> None:
        self.unsent += unsent


def _consenting(database: Database, config: ClinicConfig, clock: FixedClock, count: int) -> People:
    """``count`` consenting clients like the config's first, their check-ins planned."""
    many = config.model_copy(
        update={"clients": [replace(config.clients[0], code=f"C{n}") for n in range(count)]}
    )
    people = People(database)
    people.sync(many)
    for n in range(count):
        invite = new_invite(clock.now(), timedelta(days=1))
        people.create_invite(f"C{n}", Role.CLIENT, invite, clock.now())
        people.redeem(invite.token_hash, 7000 + n, clock.now())
        people.decide_consent(7000 + n, True, CONSENT_VERSION, clock.now())
    plan_all(many, Checkins(database), clock.now())
    clock.set(WEDNESDAY_EVENING)
    return people


def _statuses(database: Database) -> list[str]:
    with database.transaction() as s:
        return list(s.scalars(select(CheckinRow.status).where(CheckinRow.attempts > 0)))


async def test_a_checkin_whose_sends_stay_of_unknown_fate_is_closed_as_not_delivered(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people, checkins = _consenting(database, config, clock, 1), Checkins(database)
    notifier, metrics = FakeNotifier(outcomes=[UNREADABLE] * 10), Closed()

    reports = []
    for _ in range(6):  # each retry after its backoff, a few more ticks after the last
        reports.append(await run_tick(clock, checkins, people, notifier, metrics))
        clock.advance(timedelta(minutes=5))

    assert len(notifier.sent) == MAX_UNKNOWN_SENDS
    assert [r.retried for r in reports[:MAX_UNKNOWN_SENDS]] == [1, 1, 0]
    assert sum(r.gave_up for r in reports) == 1
    assert metrics.unsent == 1
    assert _statuses(database) == [CheckinStatus.UNSENT]


async def test_ordinary_faults_are_retried_past_the_cap_on_unknown_fate(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people, checkins = _consenting(database, config, clock, 1), Checkins(database)
    notifier = FakeNotifier(outcomes=[RetryLater("NetworkError")] * 5)

    for _ in range(6):
        report = await run_tick(clock, checkins, people, notifier)
        clock.advance(timedelta(minutes=30))

    assert len(notifier.sent) == 6
    assert (report.sent, report.gave_up) == (1, 0)
    assert _statuses(database) == [CheckinStatus.OPEN]


async def test_one_unknown_fate_then_success_opens_the_checkin(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people, checkins = _consenting(database, config, clock, 1), Checkins(database)
    notifier = FakeNotifier(outcomes=[UNREADABLE])

    first = await run_tick(clock, checkins, people, notifier)
    clock.advance(timedelta(minutes=5))
    second = await run_tick(clock, checkins, people, notifier)

    assert (first.retried, second.sent) == (1, 1)
    assert _statuses(database) == [CheckinStatus.OPEN]


async def test_a_batch_slower_than_its_lease_leaves_rows_taken_over_to_the_other_worker(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people, checkins = _consenting(database, config, clock, 2), Checkins(database)
    taken: list[Checkin] = []

    def another_worker_takes_over() -> None:
        if taken:
            return
        clock.advance(LEASE + timedelta(seconds=1))  # this send outlasted the batch's lease
        checkins.tidy(clock.now())
        taken.extend(checkins.claim_due_batch(clock.now(), LEASE, 25))

    notifier = FakeNotifier(during=another_worker_takes_over)
    report = await run_tick(clock, checkins, people, notifier)

    assert (report.sent, report.overtaken) == (1, 1)
    assert len(notifier.sent) == 1  # the second row is the other worker's to send
    assert len(taken) == 2
    until = clock.now() + LEASE
    unsent, opened = sorted(taken, key=lambda c: c.id == notifier.sent[0])
    assert checkins.hold(unsent.id, until, until)  # the other worker's to send
    assert not checkins.hold(opened.id, until, until)  # the slow send opened it: skipped


async def test_a_reminder_of_unknown_fate_counts_as_sent_and_is_not_sent_again_soon(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people, checkins = _consenting(database, config, clock, 1), Checkins(database)
    reminders = Reminders(database)
    notifier = FakeNotifier(reminder_outcomes=[UNREADABLE])
    timing = CheckinTiming(reminder_after=timedelta(hours=12), max_reminders=2)

    async def tick() -> TickReport:
        return await run_tick(
            clock, checkins, people, notifier, policy=lambda _: timing, reminders=reminders
        )

    await tick()
    with database.transaction() as s:
        remind_at = s.scalars(select(CheckinRow.remind_at).where(_OPEN)).one()
    assert remind_at is not None
    clock.set(remind_at)

    report = await tick()
    clock.advance(timedelta(minutes=10))
    await tick()

    assert report.reminded == 0
    assert len(notifier.reminded) == 1
    with database.transaction() as s:
        assert s.scalars(select(CheckinRow.reminders_sent).where(_OPEN)).one() == 1
