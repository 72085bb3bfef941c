"""Telegram's sending limits: PTB's AIORateLimiter plus one message a second per private chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

#: Methods that post a new message into a chat: Telegram allows about one a second per chat.
SENDS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "sendmediagroup", "sendanimation", "sendvideo"}
)
#: Spacing between the answer to one new message and the next to the same private chat.
PER_CHAT = 1.0
#: Overall requests a second, a little under Telegram's 30 so no one-second window holds 30.
OVERALL = 29.5
#: Chats remembered at most; older entries are dropped (bounded memory).
_REMEMBER = 10_000

Result = bool | dict[str, Any] | list[dict[str, Any]]


class ChatSpacedRateLimiter(AIORateLimiter):
    """AIORateLimiter, paced evenly (no burst) at just under 30 requests a second overall and
    20 a minute per group, plus what it lacks: one new message a second to each private chat.

    Only the requests for a busy chat wait for it: other chats go on at once. A ``429`` is
    not retried here (``max_retries=0``): it reaches the caller, which reschedules that one
    item after ``retry_after`` instead of pausing every request of the process.
    """

    def __init__(self, per_chat: float = PER_CHAT, clock: Callable[[], float] = time.monotonic):
        # A bucket of one that drips every 1/OVERALL s: even pacing, never a burst of 30.
        super().__init__(overall_max_rate=1, overall_time_period=1 / OVERALL, max_retries=0)
        self._per_chat = per_chat
        self._clock = clock
        self._locks: dict[int, asyncio.Lock] = {}
        self._done: dict[int, float] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Wait for this chat's turn (new messages to private chats only), then limit as PTB."""
        chat_id = _chat(data.get("chat_id"))
        if endpoint.lower() not in SENDS or chat_id is None or chat_id <= 0:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        async with self._lock(chat_id):
            wait = self._done.get(chat_id, -self._per_chat) + self._per_chat - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            finally:
                self._done[chat_id] = self._clock()

    def _lock(self, chat_id: int) -> asyncio.Lock:
        if len(self._locks) > _REMEMBER:
            now = self._clock()
            for old in [c for c, lock in self._locks.items() if not lock.locked()]:
                if self._done.get(old, now) <= now - self._per_chat:
                    del self._locks[old]
                    self._done.pop(old, None)
        return self._locks.setdefault(chat_id, asyncio.Lock())


def _chat(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None
