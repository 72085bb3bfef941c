"""Sends of unknown fate through the real application and the sandbox: bounded copies,
shown as not delivered; and a report that fails never stops the rest of a tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from telegram import Bot

import bot.adapter.rounds
import scheduler.reports
from bot.adapter.safety import send_pending_alerts
from bot.process.services import Services
from core.delivery import MAX_UNKNOWN_SENDS
from core.digest import Digest
from core.model import CheckinStatus
from sandbox import SimUser
from sandbox.faults import NO_RESULT
from scheduler.tick import LEASE
from storage.tables import CheckinRow
from tests.e2e.conftest import Clinic

#: Wednesday 25 November 2026, 15:50 Berlin: C101's Tuesday check-in is due.
CHECKINS_DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)
#: Monday 30 November 2026, 08:00 Berlin: the default digest time.
DIGEST_TIME = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
#: Tuesday 1 December 2026, 14:00 Berlin: an hour before C101's session; Monday's digest due.
BRIEF_TIME = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)


async def _enrolled(clinic: Clinic) -> tuple[SimUser, SimUser]:
    """T01 and C101 enrolled, C101's check-ins planned."""
    therapist, client = clinic.sandbox.user(3001), clinic.sandbox.user(1001)
    await clinic.enrol_therapist(therapist)
    await clinic.enrol(client, "C101")
    await client.wait_for_message(lambda m: "first check-in" in (m.text or ""))
    clinic.plan()
    return therapist, client


def _tried(clinic: Clinic) -> list[tuple[str, int]]:
    with clinic.services.database.transaction() as s:
        rows = s.execute(
            select(CheckinRow.status, CheckinRow.attempts).where(CheckinRow.attempts > 0)
        )
        return [(status, attempts) for status, attempts in rows]


@pytest.mark.parametrize("garbage", ["proxy page", "no result"])
async def test_unreadable_answers_give_a_bounded_number_of_copies_then_not_delivered(
    clinic: Clinic, garbage: str
) -> None:
    therapist, client = await _enrolled(clinic)
    clinic.clock.set(CHECKINS_DUE)
    if garbage == "no result":
        clinic.sandbox.garble_next("sendMessage", NO_RESULT, times=100)
    else:
        clinic.sandbox.garble_next("sendMessage", times=100)

    for step in range(16):  # hours of ticks, some after a lease lapsed
        await clinic.advance(LEASE + timedelta(minutes=1) if step % 2 else timedelta(minutes=1))

    copies = [m for m in client.messages() if "question 1 of 4" in (m.text or "")]
    assert len(copies) == MAX_UNKNOWN_SENDS  # each unreadable answer hid a delivered copy
    assert _tried(clinic) == [(CheckinStatus.UNSENT, MAX_UNKNOWN_SENDS)]
    clinic.sandbox.clear_faults()
    clinic.clock.set(DIGEST_TIME)
    await clinic.tick()
    digest = await therapist.wait_for_message(lambda m: "weekly summary" in (m.text or ""))
    assert "Check-ins not delivered: 1" in (digest.text or "")


async def test_a_report_that_raises_stops_neither_risk_alerts_nor_the_other_reports(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    therapist, _client = await _enrolled(clinic)
    order: list[str] = []

    async def alerts(telegram: Bot, services: Services) -> int:
        order.append("alerts")
        return await send_pending_alerts(telegram, services)

    def broken_digest(*_args: object) -> Digest:
        order.append("digest")
        raise RuntimeError("a bug in building the digest")

    monkeypatch.setattr(bot.adapter.rounds, "send_pending_alerts", alerts)
    monkeypatch.setattr(scheduler.reports, "digest_now", broken_digest)
    clinic.clock.set(BRIEF_TIME)

    report = await clinic.tick()

    assert order == ["alerts", "digest"]  # late risk alerts go out before any report
    assert (report.briefs, report.digests) == (1, 0)
    brief = await therapist.wait_for_message(lambda m: "Before your session" in (m.text or ""))
    assert "C101" in (brief.text or "")
    for _ in range(MAX_UNKNOWN_SENDS + 2):  # the digest is retried a few times, then failed
        await clinic.advance(timedelta(minutes=10))
    assert order.count("digest") == MAX_UNKNOWN_SENDS
    assert not [m for m in therapist.messages() if "weekly summary" in (m.text or "")]
