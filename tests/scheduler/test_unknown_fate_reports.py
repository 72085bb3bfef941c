"""The report round when a report fails in ways of unknown kind: bounded, and never blocking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import scheduler.reports
from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.delivery import MAX_UNKNOWN_SENDS, RetryLater
from core.digest import Digest
from scheduler.reports import run_reports
from storage.database import Database
from storage.deliveries import Deliveries, Kind, State
from storage.history import Histories
from storage.people import People
from storage.tables import ClientRow, DeliveryRow, TherapistRow
from tests.conftest import clinic_config
from tests.scheduler.test_report_round import FakeNotifier

#: Tuesday 24 November 2026, 14:00 Berlin: C101's brief is due, and last Monday's digest.
BRIEF_TIME = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
DIGEST_KEY = "2026-W48"


@pytest.fixture
def setup(database: Database) -> tuple[ClinicConfig, Deliveries, Histories]:
    """The test clinic with T01 enrolled a week before the digest and C101 active."""
    config = clinic_config()
    People(database).sync(config)
    with database.transaction() as s:
        therapist = s.scalars(select(TherapistRow)).one()
        therapist.chat_id = 5001
        therapist.enrolled_at = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
        client = s.scalars(select(ClientRow).where(ClientRow.code == "C101")).one()
        client.chat_id, client.status = 1001, "active"
    return config, Deliveries(database), Histories(database)


def _broken_digests(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make building every digest raise; returns the list its calls are counted in."""
    calls: list[int] = []

    def broken(*_args: object) -> Digest:
        calls.append(1)
        raise RuntimeError("a bug in building the digest")

    monkeypatch.setattr(scheduler.reports, "digest_now", broken)
    return calls


async def test_a_report_whose_building_raises_does_not_stop_the_next_one(
    setup: tuple[ClinicConfig, Deliveries, Histories], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, deliveries, histories = setup
    calls = _broken_digests(monkeypatch)
    clock, notifier = FixedClock(BRIEF_TIME), FakeNotifier()

    report = await run_reports(clock, config, deliveries, histories, notifier)

    assert (report.briefs, report.retried) == (1, 1)
    assert calls == [1]
    assert notifier.kinds() == ["brief"]
    assert deliveries.state(Kind.DIGEST, "T01", DIGEST_KEY) is State.PENDING


async def test_a_report_whose_building_keeps_raising_is_failed_after_a_few_tries(
    setup: tuple[ClinicConfig, Deliveries, Histories], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, deliveries, histories = setup
    calls = _broken_digests(monkeypatch)
    clock, notifier = FixedClock(BRIEF_TIME), FakeNotifier()

    failed = 0
    for _ in range(6):
        failed += (await run_reports(clock, config, deliveries, histories, notifier)).failed
        clock.advance(timedelta(minutes=5))

    assert len(calls) == MAX_UNKNOWN_SENDS
    assert failed == 1
    assert deliveries.state(Kind.DIGEST, "T01", DIGEST_KEY) is State.FAILED


async def test_answers_of_unknown_fate_fail_a_digest_on_its_last_try(
    setup: tuple[ClinicConfig, Deliveries, Histories], database: Database
) -> None:
    config, deliveries, histories = setup
    unreadable = RetryLater("KeyError", unknown=True)
    clock = FixedClock(BRIEF_TIME + timedelta(hours=2))  # the brief's session has started
    notifier = FakeNotifier(outcomes=[unreadable] * 5)

    for _ in range(5):
        await run_reports(clock, config, deliveries, histories, notifier)
        clock.advance(timedelta(minutes=5))

    assert len(notifier.sent) == MAX_UNKNOWN_SENDS
    assert deliveries.state(Kind.DIGEST, "T01", DIGEST_KEY) is State.FAILED
    with database.transaction() as s:
        error = s.scalars(select(DeliveryRow.last_error).where(DeliveryRow.kind == "digest"))
        assert error.one() == "KeyError"


async def test_reports_claim_under_the_lease_they_are_given(
    setup: tuple[ClinicConfig, Deliveries, Histories], database: Database
) -> None:
    config, deliveries, histories = setup
    clock = FixedClock(BRIEF_TIME + timedelta(hours=2))
    notifier = FakeNotifier(pause=0.0)
    lease = timedelta(seconds=42)

    claimed: list[datetime | None] = []

    async def stuck(chat_id: int, report: object, skip_parts: int) -> None:
        with database.transaction() as s:
            claimed.append(s.scalars(select(DeliveryRow.claimed_until)).one())
        raise RuntimeError("a notifier that lets an error through")

    notifier.send_report = stuck  # type: ignore[assignment,method-assign]
    report = await run_reports(clock, config, deliveries, histories, notifier, lease=lease)

    assert claimed == [clock.now() + lease]
    assert report.retried == 1  # what the notifier let through is caught and retried
