"""A round of sends on real databases with fake notifiers: its deadline, a stop, and reports
that never hold check-ins back. The clock is a FixedClock the fake sends move."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.delivery import Delivered, Delivery, RetryLater
from core.digest import Report
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.model import Checkin, CheckinStatus
from core.timing import CheckinTiming
from scheduler.planning import plan_all
from scheduler.ports import NO_METRICS, ReportSent
from scheduler.reports import run_reports
from scheduler.sending import STOPPED, Round
from scheduler.tick import LEASE, CheckinRound, run_tick
from storage.checkins import Checkins
from storage.database import Database
from storage.deliveries import Deliveries, State
from storage.history import Histories
from storage.people import People
from storage.tables import CheckinRow, DeliveryRow, TherapistRow
from tests.conftest import MONDAY_MORNING

#: Wednesday 25 November 16:00 Berlin: Tuesday's 15:00 sessions' check-ins are due.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@dataclass
class FakeNotifier:
    """Delivers everything, each send taking ``takes`` of the clock; ``during`` runs in the
    send (before it ends) with how many check-ins were sent so far, and may block it."""

    clock: FixedClock
    takes: timedelta = timedelta(seconds=1)
    during: Callable[[int], object] | None = None
    events: list[str] = field(default_factory=list)
    reports: list[tuple[int, int]] = field(default_factory=list)  # chat, parts skipped
    report_outcomes: list[ReportSent] = field(default_factory=list)

    async def send_checkin(self, checkin: Checkin) -> Delivery:
        self.events.append(f"checkin {checkin.client_code}")
        self.clock.advance(self.takes)
        if self.during is not None:
            blocked = self.during(len(self.events))
            if isinstance(blocked, asyncio.Event):
                await blocked.wait()
        await asyncio.sleep(0)  # another send may run meanwhile
        return Delivered(7000, len(self.events))

    async def send_reminder(self, checkin: Checkin) -> Delivery:
        raise AssertionError("no reminders in these tests")

    async def send_report(self, chat_id: int, report: Report, skip_parts: int) -> ReportSent:
        self.events.append(f"report {chat_id}")
        self.reports.append((chat_id, skip_parts))
        self.clock.advance(self.takes)
        await asyncio.sleep(0)
        if self.report_outcomes:
            return self.report_outcomes.pop(0)
        return ReportSent(skip_parts + 2, Delivered(chat_id, 1))


def _clinic(config: ClinicConfig, clients: int, therapists: int = 1) -> ClinicConfig:
    """``clients`` clients like the config's first, all of T01, and more therapists."""
    base = config.therapists[0]
    return config.model_copy(
        update={
            "clients": [replace(config.clients[0], code=f"C{n}") for n in range(clients)],
            "therapists": [
                base.model_copy(update={"code": f"T{n + 1:02d}"}) for n in range(therapists)
            ],
        }
    )


def _consenting(database: Database, config: ClinicConfig, clock: FixedClock) -> People:
    """The config's clients consenting (chats 7000 and up), their check-ins planned."""
    people = People(database)
    people.sync(config)
    for n, client in enumerate(config.clients):
        invite = new_invite(clock.now(), timedelta(days=1))
        people.create_invite(client.code, Role.CLIENT, invite, clock.now())
        people.redeem(invite.token_hash, 7000 + n, clock.now())
        people.decide_consent(7000 + n, True, CONSENT_VERSION, clock.now())
    plan_all(config, Checkins(database), clock.now())
    return people


def _rows(database: Database) -> list[tuple[str, datetime | None, int, int]]:
    """Every check-in ever claimed or due: status, claim, attempts, sends of unknown fate."""
    with database.transaction() as s:
        rows = s.execute(
            select(
                CheckinRow.status,
                CheckinRow.claimed_until,
                CheckinRow.attempts,
                CheckinRow.unknown_sends,
            ).where(CheckinRow.due_at <= WEDNESDAY_EVENING)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_tick_at_its_deadline_gives_back_what_it_claimed_and_did_not_start(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _consenting(database, _clinic(config, 30), clock)
    clock.set(WEDNESDAY_EVENING)
    checkins, notifier = Checkins(database), FakeNotifier(clock, takes=timedelta(seconds=3))
    sending = Round(clock, clock.now() + timedelta(seconds=10), at_once=5)

    first = await run_tick(clock, checkins, people, notifier, sending=sending)

    # Five claimed (room for five): four started before the deadline, the fifth after it.
    assert (first.sent, sending.given_back) == (4, 1)
    rows = _rows(database)
    assert len(rows) == 30
    assert sum(status == CheckinStatus.OPEN for status, *_ in rows) == first.sent
    waiting = [row for row in rows if row[0] != CheckinStatus.OPEN]
    assert len(waiting) == 26
    assert all(row == (CheckinStatus.PLANNED, None, 0, 0) for row in waiting)

    second = await run_tick(clock, checkins, people, notifier)  # the next tick

    assert first.sent + second.sent == 30
    assert {status for status, *_ in _rows(database)} == {CheckinStatus.OPEN}
    assert len(notifier.events) == len(set(notifier.events)) == 30  # each sent once


async def test_stopping_mid_round_gives_back_its_claims_and_returns_at_once(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> None:
    people = _consenting(database, _clinic(config, 10), clock)
    clock.set(WEDNESDAY_EVENING)
    stopping, never = asyncio.Event(), asyncio.Event()

    def stop_at_the_third(sent: int) -> asyncio.Event | None:
        if sent < 3:
            return None
        stopping.set()  # SIGTERM while this send is on its way
        return never

    checkins, notifier = Checkins(database), FakeNotifier(clock, during=stop_at_the_third)
    sending = Round(clock, stopping=stopping, at_once=5, grace=0)

    report = await asyncio.wait_for(run_tick(clock, checkins, people, notifier, sending=sending), 5)

    assert report.sent == 2
    assert sending.given_back == 2  # claimed in the same batch, never started
    rows = sorted(_rows(database), key=lambda row: (row[0], row[2], row[3]))
    assert [row[0] for row in rows].count(CheckinStatus.OPEN) == 2
    assert (CheckinStatus.PLANNED, None, 1, 1) in rows  # the one in flight: fate unknown
    assert not any(row[0] == CheckinStatus.SENDING or row[1] for row in rows)

    notifier.during = None
    again = await run_tick(clock, checkins, people, notifier)  # after a restart

    assert again.sent == 8
    assert {status for status, *_ in _rows(database)} == {CheckinStatus.OPEN}


@pytest.fixture
def digests_and_checkins(
    database: Database, config: ClinicConfig, clock: FixedClock
) -> tuple[ClinicConfig, People]:
    """Twelve enrolled therapists with a digest due, and five clients whose check-ins fall
    due half a minute later."""
    clinic = _clinic(config, 5, therapists=12)
    people = _consenting(database, clinic, clock)
    with database.transaction() as s:
        for n, therapist in enumerate(s.scalars(select(TherapistRow))):
            therapist.chat_id, therapist.enrolled_at = 5000 + n, MONDAY_MORNING - timedelta(days=1)
        due = s.scalar(select(CheckinRow.due_at).order_by(CheckinRow.due_at))
    assert due is not None
    clock.set(due - timedelta(seconds=30))
    return clinic, people


async def test_checkins_due_during_a_round_of_digests_go_out_in_the_same_round(
    database: Database,
    clock: FixedClock,
    digests_and_checkins: tuple[ClinicConfig, People],
) -> None:
    clinic, people = digests_and_checkins
    notifier = FakeNotifier(clock, takes=timedelta(seconds=10))
    sending = Round(clock, at_once=3)
    checkins = CheckinRound(clock, Checkins(database), people, notifier, NO_METRICS, _policy, LEASE)
    deliveries = Deliveries(database)

    assert (await checkins.run(sending)).sent == 0  # none due yet
    reports = await run_reports(
        clock,
        clinic,
        deliveries,
        Histories(database),
        notifier,
        sending=sending,
        first=partial(checkins.top_up, sending),
    )
    await sending.finish()

    assert (reports.digests, checkins.report.sent) == (12, 5)
    first_checkin = notifier.events.index("checkin C0")
    assert first_checkin < 6  # due 30 s in: after the first three digests, not all twelve
    assert notifier.events[-1].startswith("report")


async def test_a_report_cut_short_by_a_stop_keeps_its_parts_and_resumes_after_them(
    database: Database,
    clock: FixedClock,
    digests_and_checkins: tuple[ClinicConfig, People],
) -> None:
    clinic, _ = digests_and_checkins
    deliveries, histories = Deliveries(database), Histories(database)
    stopped = ReportSent(1, RetryLater(STOPPED))  # the process stopped after its first part
    notifier = FakeNotifier(clock, report_outcomes=[stopped])
    sending = Round(clock, at_once=1)

    async def stop_after_one() -> None:
        if notifier.reports:
            sending.stopping.set()

    await run_reports(
        clock, clinic, deliveries, histories, notifier, sending=sending, first=stop_after_one
    )

    with database.transaction() as s:
        rows = s.execute(
            select(DeliveryRow.status, DeliveryRow.parts_sent, DeliveryRow.attempts)
        ).all()
    assert sorted(rows) == [(State.PENDING, 0, 0)] * 11 + [(State.PENDING, 1, 0)]

    clock.advance(timedelta(seconds=1))
    report = await run_reports(clock, clinic, deliveries, histories, notifier)

    assert report.digests == 12
    assert sorted(skipped for _, skipped in notifier.reports[1:]) == [0] * 11 + [1]
    assert (notifier.reports[0][0], 1) in notifier.reports[1:]  # the same chat, resumed
    with database.transaction() as s:
        assert set(s.scalars(select(DeliveryRow.status))) == {State.SENT}


def _policy(_code: str) -> CheckinTiming:
    return CheckinTiming()


async def test_a_chat_held_back_holds_only_its_own_later_sends(clock: FixedClock) -> None:
    sending, gate, order = Round(clock), asyncio.Event(), []

    async def send(name: str, wait: bool = False) -> None:
        order.append(f"{name} starts")
        if wait:
            await gate.wait()  # say, this chat's second waits out its spacing
        order.append(f"{name} ends")

    sending.start(1, partial(send, "first to 1", wait=True), lambda: None)
    sending.start(1, partial(send, "second to 1"), lambda: None)
    sending.start(2, partial(send, "first to 2"), lambda: None)
    for _ in range(5):
        await asyncio.sleep(0)

    assert order == ["first to 1 starts", "first to 2 starts", "first to 2 ends"]
    gate.set()
    await sending.finish()
    assert order[3:] == ["first to 1 ends", "second to 1 starts", "second to 1 ends"]
