"""Injected failures and delays, flood limits and statistics."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator, Callable

import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from sandbox import BotApiSandbox, SimUser
from sandbox.faults import RateLimiter


@pytest.fixture
async def limited() -> AsyncIterator[BotApiSandbox]:
    """A sandbox that enforces Telegram's flood limits."""
    async with BotApiSandbox(enforce_rate_limits=True) as running:
        yield running


async def test_an_injected_429_raises_retry_after_with_its_delay(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.id, "first try")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert user.messages() == []
    await bot.send_message(user.id, "second try")
    assert user.last_message().text == "second try"
    assert sandbox.stats.too_many_requests == 1


async def test_a_spell_of_429s_fails_every_call_and_counts_down_its_retry_after(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.fail_next("sendMessage", error_code=429, seconds=30)
    waits = []
    for _ in range(3):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(user.id, "flooded")
        wait = caught.value.retry_after
        assert isinstance(wait, dtm.timedelta)
        waits.append(wait.total_seconds())
    assert all(29 <= w <= 30 for w in waits)
    assert user.messages() == []
    assert sandbox.stats.too_many_requests == 3


async def test_injected_failures_can_repeat_and_carry_any_code(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.fail_next("sendmessage", error_code=403, description="Forbidden: user is deactivated")
    sandbox.fail_next("sendMessage", error_code=502, times=2)
    with pytest.raises(Forbidden, match="deactivated"):
        await bot.send_message(user.id, "a")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(user.id, "b")
    await bot.send_message(user.id, "c")
    assert [m.text for m in user.messages()] == ["c"]


async def test_a_delayed_call_times_out_in_the_client_but_still_takes_effect(
    sandbox: BotApiSandbox,
    user: SimUser,
    make_request: Callable[..., HTTPXRequest],
) -> None:
    sandbox.delay_next("sendMessage", 2.0)
    impatient = Bot(sandbox.token, base_url=sandbox.base_url, request=make_request(0.2))
    async with impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(user.id, "maybe twice")
    assert user.last_message().text == "maybe twice"


async def test_more_than_one_message_a_second_to_a_chat_gets_429(
    limited: BotApiSandbox, make_request: Callable[..., HTTPXRequest]
) -> None:
    first, second = limited.user(1), limited.user(2)
    async with Bot(limited.token, base_url=limited.base_url, request=make_request()) as client:
        await client.send_message(first.id, "one")
        with pytest.raises(RetryAfter):
            await client.send_message(first.id, "two")
        await client.send_message(second.id, "other chat")
    assert (limited.stats.rate_limited, limited.stats.too_many_requests) == (1, 1)
    assert limited.stats.calls["sendMessage"] == 3
    assert limited.stats.as_dict()["errors"] == {"429": 1}


def test_the_limiter_allows_30_sends_a_second_overall_and_1_per_chat() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for chat_id in range(1, 31):
        assert limiter.retry_after(chat_id) is None
        limiter.record(chat_id)
    assert limiter.retry_after(31) == 1
    assert limiter.retry_after(5) == 1
    now[0] += 1.01
    assert limiter.retry_after(31) is None
    assert limiter.retry_after(5) is None


def test_groups_are_limited_to_20_messages_a_minute() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for _ in range(20):
        assert limiter.retry_after(-100) is None
        limiter.record(-100)
        now[0] += 1.5
    assert limiter.retry_after(-100) == 30
