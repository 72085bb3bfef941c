"""Where repair follow-ups meet the rounds: the tick attaches one just before a check-in's
send, and a report that went out raises one for each needs-attention client in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from core.clinic import ClinicConfig
from core.clock import FixedClock
from core.delivery import Delivered, Delivery, RetryLater
from core.model import Checkin, CheckinStatus
from core.repair import FollowupKind
from scheduler.reports import run_reports
from scheduler.tick import run_tick
from storage.checkins import Checkins
from storage.database import Database
from storage.deliveries import Deliveries, State
from storage.followups import Followups
from storage.history import Histories
from storage.tables import AnswerRow, CheckinRow, ClientRow, DeliveryRow
from tests.conftest import MONDAY_MORNING
from tests.scheduler.test_report_round import DIGEST_TIME, FakeNotifier, setup
from tests.scheduler.test_unknown_fate_tick import _consenting

__all__ = ["setup"]  # the report round's fixture, used here too
UNREADABLE = RetryLater("TelegramError", unknown=True)


@dataclass
class Recorder(FakeNotifier):
    """Delivers check-ins too, keeping them as they were sent."""

    checkins: list[Checkin] = field(default_factory=list)
    checkin_outcomes: list[Delivery] = field(default_factory=list)

    async def send_checkin(self, checkin: Checkin) -> Delivery:
        self.checkins.append(checkin)
        return self.checkin_outcomes.pop(0) if self.checkin_outcomes else Delivered(7000, 1)


def attacher(followups: Followups) -> Callable[[Checkin], Checkin]:
    """Attach as the bot does for a client whose check-ins ask follow-ups."""

    def attach(checkin: Checkin) -> Checkin:
        kind = followups.attach(checkin.id)
        return checkin if kind is None else replace(checkin, repair=kind)

    return attach


async def test_a_checkin_is_sent_with_its_follow_up_and_keeps_it_on_a_retry(
    database: Database, config: ClinicConfig
) -> None:
    clock = FixedClock(MONDAY_MORNING)
    people = _consenting(database, config, clock, 1)
    followups, notifier = Followups(database), Recorder(checkin_outcomes=[UNREADABLE])
    followups.raise_for_flags({"C0": ["low_item"]}, clock.now())
    attach = attacher(followups)

    await run_tick(clock, Checkins(database), people, notifier, attach=attach)  # fate unknown
    clock.advance(timedelta(hours=1))
    await run_tick(clock, Checkins(database), people, notifier, attach=attach)

    assert [c.repair for c in notifier.checkins] == [FollowupKind.FLAG, FollowupKind.FLAG]
    assert followups.pending("C0") == []


async def test_a_checkin_that_went_out_without_one_is_not_given_one_on_a_retry(
    database: Database, config: ClinicConfig
) -> None:
    clock = FixedClock(MONDAY_MORNING)
    people = _consenting(database, config, clock, 1)
    followups, notifier = Followups(database), Recorder(checkin_outcomes=[UNREADABLE])
    attach = attacher(followups)

    await run_tick(clock, Checkins(database), people, notifier, attach=attach)  # fate unknown
    followups.raise_for_flags({"C0": ["low_item"]}, clock.now())  # raised in between
    clock.advance(timedelta(hours=1))
    await run_tick(clock, Checkins(database), people, notifier, attach=attach)

    assert [c.repair for c in notifier.checkins] == [None, None]  # as the first copy read
    assert len(followups.pending("C0")) == 1  # the next check-in asks it


async def test_without_an_attacher_no_checkin_asks_a_repair_question(
    database: Database, config: ClinicConfig
) -> None:
    clock = FixedClock(MONDAY_MORNING)
    people = _consenting(database, config, clock, 1)
    Followups(database).raise_for_flags({"C0": ["low_item"]}, clock.now())
    notifier = Recorder()

    await run_tick(clock, Checkins(database), people, notifier)

    assert [c.repair for c in notifier.checkins] == [None]


def _low_answers(database: Database) -> None:
    """C101's last four check-ins answered steadily, the latest with goals at 2."""
    with database.transaction() as s:
        client_id = s.scalar(select(ClientRow.id).where(ClientRow.code == "C101"))
        for week, goals in enumerate((9, 9, 9, 2)):
            start = DIGEST_TIME - timedelta(weeks=4 - week, days=6)
            row = {
                "client_id": client_id,
                "token": f"tok{week}",
                "questionnaire": "alliance-v1",
                "questionnaire_version": "x",
                "session_start": start,
                "session_end": start + timedelta(minutes=50),
                "due_at": start + timedelta(days=1),
                "expires_at": start + timedelta(days=3),
                "status": CheckinStatus.COMPLETED,
            }
            checkin_id = s.scalar(insert(CheckinRow).values(row).returning(CheckinRow.id))
            at = start + timedelta(days=1, hours=1)
            for key, value in (("bond", 9), ("goals", goals), ("tasks", 9), ("overall", 9)):
                answer = {"checkin_id": checkin_id, "item_key": key, "value": value}
                s.execute(insert(AnswerRow).values(answer | {"answered_at": at}))


@pytest.fixture
def low(
    database: Database, setup: tuple[ClinicConfig, Deliveries, Histories]
) -> tuple[ClinicConfig, Deliveries, Histories]:
    """The report round's clinic, C101's latest answers low."""
    _low_answers(database)
    return setup


async def test_a_digest_that_went_out_raises_its_needs_attention_flags(
    low: tuple[ClinicConfig, Deliveries, Histories],
) -> None:
    config, deliveries, histories = low
    raised: list[tuple[dict[str, tuple[str, ...]], datetime]] = []
    clock, notifier = FixedClock(DIGEST_TIME), FakeNotifier(outcomes=[UNREADABLE])

    def followups(flags: object, at: datetime) -> None:
        raised.append((dict(flags), at))  # type: ignore[call-overload]

    await run_reports(clock, config, deliveries, histories, notifier, followups=followups)
    assert raised == []  # not sent yet
    clock.advance(timedelta(hours=1))
    await run_reports(clock, config, deliveries, histories, notifier, followups=followups)

    [(flags, at)] = raised
    assert list(flags) == ["C101"]
    assert "low_item" in flags["C101"]
    assert at == clock.now()


async def test_a_failure_to_raise_them_never_sends_the_report_twice(
    database: Database, low: tuple[ClinicConfig, Deliveries, Histories]
) -> None:
    config, deliveries, histories = low
    clock, notifier = FixedClock(DIGEST_TIME), FakeNotifier()

    def broken(_flags: object, _at: datetime) -> None:
        raise RuntimeError("database went away")

    report = await run_reports(clock, config, deliveries, histories, notifier, followups=broken)

    assert report.digests == 1
    with database.transaction() as s:
        assert s.scalars(select(DeliveryRow.status)).all() == [State.SENT]
    assert len(notifier.sent) == 1
