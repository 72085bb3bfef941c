"""Replies retried through Telegram's hiccups; scheduled sends fail fast; urgent ones go first.

Time is fake: sleeping moves the clock on, so 30 s of retries take no real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.adapter.ratelimit import ChatSpacedRateLimiter
from bot.adapter.retry import (
    BACKOFF_CAP,
    REPLY_BUDGET,
    Retrying,
    backoff,
    is_urgent,
    replying,
    urgent,
)


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Flaky:
    """A Bot API call that fails with the given errors, then succeeds."""

    def __init__(self, *errors: TelegramError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *_args: object) -> bool:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return True


def _retrying(fake: FakeTime) -> Retrying:
    return Retrying(clock=fake.clock, sleep=fake.sleep, rng=random.Random(1))


async def test_a_reply_is_tried_again_after_server_errors_and_timeouts_until_it_succeeds() -> None:
    fake = FakeTime()
    call = Flaky(NetworkError("Bad Gateway"), TimedOut(), NetworkError("Internal Server Error"))

    assert await _retrying(fake)(call) is True

    assert call.calls == 4
    assert len(fake.slept) == 3
    assert all(0 < wait <= BACKOFF_CAP for wait in fake.slept)


async def test_a_429_is_tried_again_after_exactly_the_time_telegram_names() -> None:
    fake = FakeTime()
    call = Flaky(RetryAfter(timedelta(seconds=3)))

    assert await _retrying(fake)(call) is True

    assert fake.slept == [3.0]


@pytest.mark.parametrize(
    "error", [BadRequest("Message is too long"), Forbidden("bot was blocked by the user")]
)
async def test_refusals_are_not_tried_again(error: TelegramError) -> None:
    fake = FakeTime()
    call = Flaky(error)

    with pytest.raises(type(error)):
        await _retrying(fake)(call)

    assert (call.calls, fake.slept) == (1, [])


async def test_a_reply_gives_up_within_its_budget_with_the_last_error() -> None:
    fake = FakeTime()
    call = Flaky(*[TimedOut() for _ in range(100)])

    with pytest.raises(TimedOut):
        await _retrying(fake)(call)

    assert 5 < call.calls < 20
    assert fake.now - 100 <= REPLY_BUDGET


async def test_a_429_longer_than_the_budget_left_fails_at_once() -> None:
    fake = FakeTime()
    call = Flaky(RetryAfter(timedelta(seconds=REPLY_BUDGET + 5)))

    with pytest.raises(RetryAfter):
        await _retrying(fake)(call)

    assert fake.slept == []


def test_backoff_doubles_from_half_a_second_up_to_a_cap_with_jitter() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        waits = [backoff(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 1  # jitter: replies failing together do not return together


def _limiter(fake: FakeTime, max_flood_wait: float = 10.0) -> ChatSpacedRateLimiter:
    return ChatSpacedRateLimiter(
        clock=fake.clock, sleep=fake.sleep, retrying=_retrying(fake), max_flood_wait=max_flood_wait
    )


async def _send(limiter: ChatSpacedRateLimiter, call: Callable[..., object], chat: int) -> object:
    data = {"chat_id": chat, "text": "x"}
    return await limiter.process_request(call, (), {}, "sendMessage", data, None)  # type: ignore[arg-type]


async def test_a_scheduled_send_fails_at_once_on_a_server_error() -> None:
    fake = FakeTime()
    call = Flaky(NetworkError("Bad Gateway"))

    with pytest.raises(NetworkError):
        await _send(_limiter(fake), call, 7)

    assert call.calls == 1


async def test_every_kind_of_reply_is_retried_by_the_rate_limiter() -> None:
    fake = FakeTime()
    limiter = _limiter(fake)
    requests: list[tuple[str, dict[str, Any]]] = [
        ("sendMessage", {"chat_id": 7, "text": "x"}),
        ("editMessageText", {"chat_id": 7, "message_id": 1}),
        ("answerCallbackQuery", {"callback_query_id": "1"}),
        ("sendDocument", {"chat_id": 8}),
    ]
    with replying():
        for endpoint, data in requests:
            call = Flaky(NetworkError("Bad Gateway"), RetryAfter(timedelta(seconds=1)))
            assert await limiter.process_request(call, (), {}, endpoint, data, None)
            assert call.calls == 3


async def test_a_reply_waits_out_a_flood_hold_a_scheduled_send_would_not_wait_for() -> None:
    fake = FakeTime()
    limiter = _limiter(fake, max_flood_wait=10)
    with pytest.raises(RetryAfter):  # a scheduled send meets a 429 of 20 s
        await _send(limiter, Flaky(RetryAfter(timedelta(seconds=20))), 7)
    with pytest.raises(RetryAfter):  # the next scheduled send is refused in the bot
        await _send(limiter, Flaky(), 8)

    start = fake.now
    with replying():
        assert await _send(limiter, Flaky(), 9) is True

    assert 19 <= fake.now - start <= 21


async def test_a_reply_fails_when_the_flood_hold_outlasts_its_budget() -> None:
    fake = FakeTime()
    limiter = _limiter(fake)
    with pytest.raises(RetryAfter):
        await _send(limiter, Flaky(RetryAfter(timedelta(seconds=60))), 7)
    call = Flaky()

    with replying(), pytest.raises(RetryAfter):
        await _send(limiter, call, 9)

    assert call.calls == 0


def test_urgent_marks_only_the_block_it_wraps() -> None:
    assert not is_urgent()
    with urgent():
        assert is_urgent()
    assert not is_urgent()


async def _ok() -> bool:
    return True


@pytest.mark.parametrize("out_of_line", [urgent, replying], ids=["urgent", "a reply"])
async def test_urgent_messages_and_replies_go_ahead_of_the_paced_queue(
    out_of_line: Callable[[], contextlib.AbstractContextManager[None]],
) -> None:
    limiter = ChatSpacedRateLimiter()
    queue = [  # scheduled sends, as a round of the tick has in flight
        asyncio.create_task(
            limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": 100 + n}, None)
        )
        for n in range(30)
    ]
    await asyncio.sleep(0)
    started = time.monotonic()
    with out_of_line():
        await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": 99}, None)

    assert time.monotonic() - started < 0.3  # the queue of 30 takes about a second
    assert not all(task.done() for task in queue)
    await asyncio.gather(*queue)


async def test_an_urgent_message_still_waits_out_a_429_hold() -> None:
    fake = FakeTime()
    limiter = _limiter(fake)
    with pytest.raises(RetryAfter):
        await _send(limiter, Flaky(RetryAfter(timedelta(seconds=4))), 7)

    start = fake.now
    with urgent():
        assert await _send(limiter, Flaky(), 9) is True

    assert fake.now - start == pytest.approx(4.0)
