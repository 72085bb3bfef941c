"""Which requests the production rate limiter paces (new messages, not answers to a tap),
and how a ``429`` holds them."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.adapter.ratelimit import OVERALL, ChatSpacedRateLimiter


async def _done() -> bool:
    return True


async def _seconds(
    limiter: ChatSpacedRateLimiter, calls: list[tuple[str, dict[str, Any]]]
) -> float:
    started = time.monotonic()
    results = await asyncio.gather(
        *(limiter.process_request(_done, (), {}, name, data, None) for name, data in calls)
    )
    assert all(results)
    return time.monotonic() - started


async def test_edits_and_answers_in_private_chats_are_not_queued_behind_the_overall_pace() -> None:
    limiter = ChatSpacedRateLimiter()
    edits = [("editMessageText", {"chat_id": 100 + n, "message_id": 1}) for n in range(60)]
    answers = [("answerCallbackQuery", {"callback_query_id": str(n)}) for n in range(60)]
    # Paced, 120 requests would take about 4 s.
    assert await _seconds(limiter, edits + answers) < 1.0


async def test_new_messages_are_paced_just_under_thirty_a_second() -> None:
    limiter = ChatSpacedRateLimiter()
    sends = [("sendMessage", {"chat_id": 100 + n, "text": "x"}) for n in range(12)]
    assert await _seconds(limiter, sends) >= 0.9 * 11 / OVERALL


async def test_an_edit_does_not_wait_for_the_chats_one_second_spacing() -> None:
    limiter = ChatSpacedRateLimiter()
    await limiter.process_request(_done, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert await _seconds(limiter, [("editMessageText", {"chat_id": 7, "message_id": 1})]) < 0.5


async def test_requests_for_groups_keep_ptbs_limits() -> None:
    limiter = ChatSpacedRateLimiter()
    edits = [("editMessageText", {"chat_id": -100 - n, "message_id": 1}) for n in range(12)]
    assert await _seconds(limiter, edits) >= 0.9 * 11 / OVERALL


async def _flooded() -> bool:
    raise RetryAfter(timedelta(seconds=1))


async def test_a_429_holds_the_next_send_to_any_chat_for_its_retry_after() -> None:
    limiter = ChatSpacedRateLimiter()
    with pytest.raises(RetryAfter):
        await limiter.process_request(_flooded, (), {}, "sendMessage", {"chat_id": 7}, None)

    waited = await _seconds(limiter, [("sendMessage", {"chat_id": 8, "text": "x"})])

    assert waited >= 0.95
    assert await _seconds(limiter, [("editMessageText", {"chat_id": 8, "message_id": 1})]) < 0.5


async def test_a_long_flood_wait_fails_sends_at_once_without_calling_telegram() -> None:
    limiter = ChatSpacedRateLimiter(max_flood_wait=0.5)
    with pytest.raises(RetryAfter):
        await limiter.process_request(_flooded, (), {}, "sendMessage", {"chat_id": 7}, None)
    calls: list[str] = []

    async def send() -> bool:
        calls.append("sent")
        return True

    started = time.monotonic()
    with pytest.raises(RetryAfter) as held:
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 8}, None)

    assert calls == []
    assert time.monotonic() - started < 0.2
    assert held.value.retry_after == timedelta(seconds=1)


async def test_a_steady_sender_gets_the_full_overall_rate() -> None:
    limiter = ChatSpacedRateLimiter()
    sends = [("sendMessage", {"chat_id": 100 + n, "text": "x"}) for n in range(31)]
    started = time.monotonic()
    for name, data in sends:  # one after the other, as the tick sends
        await limiter.process_request(_done, (), {}, name, data, None)
    assert time.monotonic() - started < 30 / OVERALL + 0.1
