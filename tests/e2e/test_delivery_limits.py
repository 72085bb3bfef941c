"""Telegram's limits and unknown deliveries, through the real application and the sandbox."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.adapter.notifier import TelegramNotifier
from bot.adapter.ratelimit import ChatSpacedRateLimiter
from core.model import CheckinStatus
from scheduler.tick import TickReport, run_tick
from storage.tables import CheckinRow
from tests.e2e.conftest import Clinic

#: A day after the test clinic's Tuesday session: C101's check-in is due.
DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


async def test_a_burst_to_many_chats_and_to_one_chat_gets_no_429_and_does_not_wait_for_it(
    clinic: Clinic,
) -> None:
    bot = clinic.application.bot
    assert isinstance(bot.rate_limiter, ChatSpacedRateLimiter)
    clinic.sandbox.enforce_rate_limits = True
    chats = [clinic.sandbox.user(5000 + n).id for n in range(45)]
    busy = clinic.sandbox.user(4999).id
    finished: dict[str, float] = {}
    started = time.monotonic()

    async def many() -> None:
        await asyncio.gather(*(bot.send_message(chat, "hello") for chat in chats))
        finished["many"] = time.monotonic() - started

    async def one() -> None:
        await asyncio.gather(*(bot.send_message(busy, f"part {n}") for n in range(4)))
        finished["one"] = time.monotonic() - started

    await asyncio.gather(many(), one())

    assert clinic.sandbox.stats.rate_limited == 0
    assert [m.text for m in clinic.sandbox.user(busy).messages()] == [f"part {n}" for n in range(4)]
    assert all(len(clinic.sandbox.user(chat).messages()) == 1 for chat in chats)
    assert finished["one"] >= 3.0  # four messages to one chat, a second apart
    assert finished["many"] < finished["one"]  # other chats did not queue behind it


async def test_a_timed_out_checkin_is_sent_again_rather_than_lost(clinic: Clinic) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    clinic.sandbox.delay_next("sendMessage", 1.5)  # delivered, but the answer comes too late
    async with _impatient(clinic) as impatient:
        report = await _tick_with(clinic, impatient)
    assert (report.sent, report.retried) == (0, 1)
    await asyncio.sleep(1.5)  # the sandbox finishes the held-back send
    first = client.last_message()
    assert "question 1 of 4" in (first.text or "")

    report = await clinic.advance(timedelta(minutes=2))  # after the backoff

    assert report.sent == 1
    copies = [m for m in client.messages() if "question 1 of 4" in (m.text or "")]
    assert len(copies) == 2  # a duplicate, never a missing check-in
    assert _statuses(clinic) == [CheckinStatus.OPEN]


async def test_a_tap_on_the_timed_out_copy_adopts_it_and_no_second_copy_is_sent(
    clinic: Clinic,
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    clinic.sandbox.delay_next("sendMessage", 1.5)
    async with _impatient(clinic) as impatient:
        report = await _tick_with(clinic, impatient)
    assert report.retried == 1
    first = await client.wait_for_message(lambda m: "question 1 of 4" in (m.text or ""), 5)

    answer = await client.tap(first, text="8")

    assert answer.text == "Saved."
    report = await clinic.advance(timedelta(minutes=2))
    assert report.sent == 0
    # The tap moves the copy on to question 2 (an edit that may land during the tick).
    copies = [m for m in client.messages() if "Your check-in" in (m.text or "")]
    assert len(copies) == 1
    assert _statuses(clinic) == [CheckinStatus.OPEN]


def _impatient(clinic: Clinic) -> Bot:
    """A bot that gives up on an answer after 0.3 s: the sandbox's delayed send times out."""
    token, url = clinic.settings.require_token(), clinic.settings.api_base_url
    return Bot(token, url, request=HTTPXRequest(read_timeout=0.3))


async def _tick_with(clinic: Clinic, bot: Bot) -> TickReport:
    services = clinic.services
    return await run_tick(
        services.clock, services.checkins, services.people, TelegramNotifier(bot, services)
    )


def _statuses(clinic: Clinic) -> list[CheckinStatus]:
    """Statuses of the check-ins that were ever tried."""
    with clinic.services.database.transaction() as s:
        rows = s.scalars(select(CheckinRow.status).where(CheckinRow.attempts > 0))
        return [CheckinStatus(status) for status in rows]
