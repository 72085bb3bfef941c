"""The estimate round against real databases with a fake notifier: due once, grouped,
given back after a failed send, closed by the check-in's send."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.delivery import Delivered, Delivery, RetryLater
from core.enrolment import CONSENT_VERSION, Role, new_invite
from core.estimate import Estimate, EstimateStatus
from scheduler.estimates import run_estimates
from scheduler.planning import plan_all
from scheduler.tick import run_tick
from storage.checkins import Checkins
from storage.database import Database
from storage.estimates import Estimates
from storage.people import People
from storage.tables import EstimateRow
from tests.conftest import MONDAY_MORNING, clinic_config
from tests.scheduler.test_unknown_fate_tick import FakeNotifier

THERAPIST_CHAT = 5001
#: Tuesday 24 November 2026: sessions at 15:00 Berlin end at 14:50 UTC ...
ENDED = datetime(2026, 11, 24, 14, 50, tzinfo=UTC)
#: ... and their check-ins are due a day later.
CHECKINS_DUE = ENDED + timedelta(days=1)


@dataclass
class FakeAsker:
    """Records each message of estimates; answers with the outcomes queued, else delivers."""

    outcomes: list[Delivery] = field(default_factory=list)
    sent: list[list[str]] = field(default_factory=list)

    async def send_estimates(self, chat_id: int, estimates: Sequence[Estimate]) -> Delivery:
        assert chat_id == THERAPIST_CHAT
        self.sent.append([e.client_code for e in estimates])
        return self.outcomes.pop(0) if self.outcomes else Delivered(chat_id, len(self.sent))


def clinic(clients: int, time: str = "15:00", **clinic: object) -> ClinicConfig:
    data = clinic_config(therapist_estimate=True, **clinic).model_dump()
    weekly = {"weekly": [{"day": "tuesday", "time": time}]}
    data["clients"] = [
        {"code": f"C{n:02d}", "therapist": "T01", "sessions": weekly} for n in range(clients)
    ]
    return ClinicConfig.model_validate(data)


def enrol(database: Database, config: ClinicConfig) -> Estimates:
    """T01 linked, every client consenting, check-ins planned."""
    people, now = People(database), MONDAY_MORNING
    people.sync(config)
    invite = new_invite(now, timedelta(days=1))
    people.create_invite("T01", Role.THERAPIST, invite, now)
    people.redeem(invite.token_hash, THERAPIST_CHAT, now)
    for n, client in enumerate(config.clients):
        invite = new_invite(now, timedelta(days=1))
        people.create_invite(client.code, Role.CLIENT, invite, now)
        people.redeem(invite.token_hash, 7000 + n, now)
        people.decide_consent(7000 + n, True, CONSENT_VERSION, now)
    plan_all(config, Checkins(database), now)
    return Estimates(database)


def statuses(database: Database) -> list[str]:
    with database.transaction() as s:
        return sorted(s.scalars(select(EstimateRow.status)))


async def test_estimates_are_asked_once_after_the_delay_grouped_per_message(
    database: Database,
) -> None:
    config = clinic(10)
    estimates, asker = enrol(database, config), FakeAsker()
    clock = FixedClock(ENDED + timedelta(minutes=29))

    assert await run_estimates(clock, config, estimates, asker) == 0
    clock.set(ENDED + timedelta(minutes=30))
    assert await run_estimates(clock, config, estimates, asker) == 10
    assert await run_estimates(clock, config, estimates, asker) == 0

    codes = [f"C{n:02d}" for n in range(10)]
    assert asker.sent == [codes[:8], codes[8:]]  # 8 clients x 12 buttons fit in 100
    assert statuses(database) == ["open"] * 10


async def test_a_failed_send_is_asked_again_next_tick(database: Database) -> None:
    config = clinic(1)
    estimates, clock = enrol(database, config), FixedClock(ENDED + timedelta(minutes=31))
    asker = FakeAsker(outcomes=[RetryLater("NetworkError")])

    assert await run_estimates(clock, config, estimates, asker) == 0
    assert statuses(database) == ["pending"]
    assert await run_estimates(clock, config, estimates, asker) == 1
    assert asker.sent == [["C00"], ["C00"]]


async def test_after_a_429_the_rest_of_the_round_waits(database: Database) -> None:
    config = clinic(10)
    estimates, clock = enrol(database, config), FixedClock(ENDED + timedelta(minutes=31))
    asker = FakeAsker(outcomes=[RetryLater("RetryAfter", retry_after=timedelta(seconds=3))])

    assert await run_estimates(clock, config, estimates, asker) == 0
    assert len(asker.sent) == 1
    assert statuses(database) == ["pending"] * 10
    assert await run_estimates(clock, config, estimates, asker) == 10


async def test_an_estimate_due_in_quiet_hours_is_asked_in_the_morning(database: Database) -> None:
    config = clinic(1, time="20:00")  # ends 20:50 Berlin, due 21:20: quiet until 09:00
    estimates, asker = enrol(database, config), FakeAsker()
    clock = FixedClock(datetime(2026, 11, 24, 20, 20, tzinfo=UTC))

    assert await run_estimates(clock, config, estimates, asker) == 0
    clock.set(datetime(2026, 11, 25, 7, 59, tzinfo=UTC))
    assert await run_estimates(clock, config, estimates, asker) == 0
    clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert await run_estimates(clock, config, estimates, asker) == 1


@pytest.mark.parametrize("estimate", [False, None])
async def test_a_therapist_with_estimates_off_is_never_asked(
    database: Database, estimate: bool | None
) -> None:
    data = clinic(1).model_dump()
    data["clinic"]["therapist_estimate"] = estimate is False  # on, unless the therapist's
    data["therapists"][0]["therapist_estimate"] = estimate
    config = ClinicConfig.model_validate(data)
    estimates, asker = enrol(database, config), FakeAsker()

    clock = FixedClock(ENDED + timedelta(hours=1))
    assert await run_estimates(clock, config, estimates, asker) == 0
    assert asker.sent == []


async def test_sending_the_checkin_closes_the_estimate_and_nothing_more_is_asked(
    database: Database,
) -> None:
    config = clinic(2)
    estimates, asker = enrol(database, config), FakeAsker()
    clock = FixedClock(ENDED + timedelta(minutes=30))
    assert await run_estimates(clock, config, estimates, asker) == 2

    clock.set(CHECKINS_DUE)
    report = await run_tick(
        clock, Checkins(database), People(database), FakeNotifier(), estimates=estimates
    )

    assert report.sent == 2
    assert statuses(database) == [EstimateStatus.CLOSED] * 2
    assert await run_estimates(clock, config, estimates, asker) == 0
