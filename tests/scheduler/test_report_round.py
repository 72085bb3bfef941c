"""The report round against real databases with a fake notifier: once per period, resumable."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.delivery import Delivered, Delivery, RetryLater, Unreachable
from core.digest import Brief, Digest, Report
from core.model import Checkin
from scheduler.ports import ReportSent
from scheduler.report_plan import ReportPlans
from scheduler.reports import run_reports
from storage.database import Database
from storage.deliveries import Deliveries, Kind, State
from storage.history import Histories
from storage.people import People
from storage.tables import ClientRow, TherapistRow
from tests.conftest import clinic_config

#: Monday 30 November 2026, 08:00 Berlin.
DIGEST_TIME = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
ENROLLED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class FakeNotifier:
    """Records reports; answers with the outcomes queued, else delivers every part."""

    parts: int = 3
    outcomes: list[Delivery] = field(default_factory=list)
    sent: list[tuple[int, Report, int]] = field(default_factory=list)
    pause: float = 0.0

    async def send_checkin(self, checkin: Checkin) -> Delivery:
        raise AssertionError("no check-ins in these tests")

    async def send_reminder(self, checkin: Checkin) -> Delivery:
        raise AssertionError("no reminders in these tests")

    async def send_report(self, chat_id: int, report: Report, skip_parts: int) -> ReportSent:
        self.sent.append((chat_id, report, skip_parts))
        await asyncio.sleep(self.pause)
        if self.outcomes:
            return ReportSent(skip_parts + 1, self.outcomes.pop(0))
        return ReportSent(self.parts, Delivered(chat_id, 1))

    def kinds(self) -> list[str]:
        return ["digest" if isinstance(r, Digest) else "brief" for _, r, _ in self.sent]


@pytest.fixture
def setup(database: Database) -> tuple[ClinicConfig, Deliveries, Histories]:
    """The test clinic with T01 enrolled on Monday 23 November and C101 active."""
    config = clinic_config()
    People(database).sync(config)
    with database.transaction() as s:
        therapist = s.scalars(select(TherapistRow)).one()
        therapist.chat_id, therapist.enrolled_at = 5001, ENROLLED
        client = s.scalars(select(ClientRow).where(ClientRow.code == "C101")).one()
        client.chat_id, client.status = 1001, "active"
    return config, Deliveries(database), Histories(database)


async def test_the_weekly_digest_is_sent_once_per_week(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    clock, notifier = FixedClock(DIGEST_TIME - timedelta(seconds=1)), FakeNotifier()

    assert (await run_reports(clock, config, deliveries, histories, notifier)).digests == 0
    clock.set(DIGEST_TIME)
    assert (await run_reports(clock, config, deliveries, histories, notifier)).digests == 1
    assert (await run_reports(clock, config, deliveries, histories, notifier)).digests == 0
    clock.advance(timedelta(days=6, hours=23))
    assert (await run_reports(clock, config, deliveries, histories, notifier)).digests == 0
    clock.advance(timedelta(hours=1))
    assert (await run_reports(clock, config, deliveries, histories, notifier)).digests == 1

    assert notifier.kinds().count("digest") == 2
    assert {chat for chat, _, _ in notifier.sent} == {5001}


async def test_no_digest_for_the_week_before_the_therapist_enrolled(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    clock, notifier = FixedClock(ENROLLED + timedelta(hours=1)), FakeNotifier()  # Monday 10:00

    report = await run_reports(clock, config, deliveries, histories, notifier)

    assert report.digests == 0


async def test_after_weeks_of_downtime_only_the_latest_digest_is_sent(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    clock, notifier = FixedClock(DIGEST_TIME + timedelta(weeks=4, days=2)), FakeNotifier()

    await run_reports(clock, config, deliveries, histories, notifier)
    await run_reports(clock, config, deliveries, histories, notifier)

    assert notifier.kinds().count("digest") == 1
    assert deliveries.state(Kind.DIGEST, "T01", "2026-W53") is State.SENT


async def test_a_failed_part_is_resumed_where_it_stopped(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    clock = FixedClock(DIGEST_TIME)
    notifier = FakeNotifier(outcomes=[RetryLater("TimedOut")])

    first = await run_reports(clock, config, deliveries, histories, notifier)
    clock.advance(timedelta(minutes=1))
    second = await run_reports(clock, config, deliveries, histories, notifier)

    assert (first.retried, first.digests, second.digests) == (1, 0, 1)
    assert [skip for _, _, skip in notifier.sent] == [0, 1]


async def test_a_therapist_who_blocked_the_bot_is_not_retried(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    clock = FixedClock(DIGEST_TIME)
    notifier = FakeNotifier(outcomes=[Unreachable("Forbidden")])

    assert (await run_reports(clock, config, deliveries, histories, notifier)).failed == 1
    clock.advance(timedelta(hours=1))
    await run_reports(clock, config, deliveries, histories, notifier)

    assert len(notifier.sent) == 1
    assert deliveries.state(Kind.DIGEST, "T01", "2026-W49") is State.FAILED


async def test_two_workers_at_once_send_the_digest_once(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    clock, notifier = FixedClock(DIGEST_TIME), FakeNotifier(pause=0.05)

    await asyncio.gather(
        run_reports(clock, config, deliveries, histories, notifier),
        run_reports(clock, config, deliveries, histories, notifier),
    )

    assert notifier.kinds() == ["digest"]


async def test_a_brief_comes_an_hour_before_the_session_for_an_enrolled_client_only(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    # C101: Tuesdays 15:00 Berlin. C102 (not enrolled): Tuesday 24 November 10:00.
    clock, notifier = FixedClock(datetime(2026, 11, 24, 12, 59, tzinfo=UTC)), FakeNotifier()

    assert (await run_reports(clock, config, deliveries, histories, notifier)).briefs == 0
    clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=UTC))
    assert (await run_reports(clock, config, deliveries, histories, notifier)).briefs == 1
    assert (await run_reports(clock, config, deliveries, histories, notifier)).briefs == 0

    (brief,) = [r for _, r, _ in notifier.sent if isinstance(r, Brief)]
    assert brief.client.code == "C101"
    assert brief.session_start == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


async def test_a_brief_not_sent_before_its_session_started_is_dropped(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    clock = FixedClock(datetime(2026, 11, 24, 13, 0, tzinfo=UTC))
    notifier = FakeNotifier(outcomes=[RetryLater("NetworkError")])
    await run_reports(clock, config, deliveries, histories, notifier)

    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # the session starts
    report = await run_reports(clock, config, deliveries, histories, notifier)

    assert report.briefs == 0
    assert deliveries.state(Kind.BRIEF, "T01", "C101@2026-11-24T14:00Z") is State.SKIPPED


async def test_briefs_can_be_turned_off(
    setup: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = setup
    quiet = config.model_copy(
        update={"digests": config.digests.model_copy(update={"briefs": False})}
    )
    clock = FixedClock(datetime(2026, 11, 24, 13, 0, tzinfo=UTC))

    report = await run_reports(clock, quiet, deliveries, histories, FakeNotifier())

    assert report.briefs == 0


async def test_a_brief_once_recorded_is_not_read_again_by_later_ticks(
    setup: tuple[ClinicConfig, Deliveries, Histories], database: Database
) -> None:
    config, deliveries, histories = setup
    clock, notifier = FixedClock(datetime(2026, 11, 24, 13, 0, tzinfo=UTC)), FakeNotifier()
    plans = ReportPlans()
    await run_reports(clock, config, deliveries, histories, notifier, plans=plans)
    clock.advance(timedelta(minutes=10))  # C101's brief is still within its hour
    seen: list[str] = []

    def statement(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", statement)
    try:
        report = await run_reports(clock, config, deliveries, histories, notifier, plans=plans)
    finally:
        event.remove(database.engine, "before_cursor_execute", statement)

    assert report.briefs == 0
    # Tidying, the digests not recorded yet and the claim: no enrolment, link or brief read.
    assert len(seen) == 4, seen
    assert not [s for s in seen if "FROM clients" in s]
