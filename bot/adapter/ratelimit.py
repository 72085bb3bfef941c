"""Telegram's sending limits: new messages paced just under 30 a second and one a second per
private chat, a ``429`` honoured by every send, and nothing queued that answers a tap."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import partial
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.adapter.budget import Budget, LocalBudget, SharedBudget
from bot.adapter.pacing import Pacer, TurnTooFarError
from bot.adapter.retry import Retrying, is_replying, is_urgent
from storage.database import Database
from storage.send_budget import SendSlots

#: Methods that post a new message into a chat: Telegram allows about one a second per chat.
SENDS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "sendmediagroup", "sendanimation", "sendvideo"}
)
#: Spacing between the answer to one new message and the next to the same private chat.
PER_CHAT = 1.0
#: Overall new messages a second, a little under Telegram's 30, and at most 30 in any
#: second and a bit (checked on the times sends really went out, across workers too): the
#: room left lets a message that went out late not make one second's window hold 31, even
#: with some jitter on the way to Telegram.
OVERALL = 29.0
WINDOW = (30, 1.025)
#: Shared between workers, a chat's turn keeps it busy this much longer than ``PER_CHAT``:
#: the next worker's send must not arrive within a second of this one, which may be a
#: little late (the limiter's own spacing counts from the answer, so needs no margin).
CHAT_MARGIN = 0.05
#: A flood wait up to this long is waited out inside the request; a longer one fails the
#: request at once (no call to Telegram), so the scheduler retries that item after it.
MAX_FLOOD_WAIT = 10.0
#: Chats remembered at most; older entries are dropped (bounded memory).
_REMEMBER = 10_000

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]


class ChatSpacedRateLimiter(AIORateLimiter):
    """Telegram's limits for a bot that talks to many private chats.

    - New messages are paced evenly at just under 30 a second overall (``Pacer``: a steady
      sender gets the full rate, and no burst is ever saved up), and one a second to each
      private chat. Only the requests for a busy chat wait for it: other chats go on.
    - A ``429`` holds every paced request for its ``retry_after``: Telegram says how long
      the bot must wait, not which chat it was about, so sending on to other chats would
      only collect more 429s. Waits up to ``MAX_FLOOD_WAIT`` happen here; a longer one
      fails each request at once with the time left. The ``429`` itself is not retried
      for a scheduled send (``max_retries=0``): it reaches the caller, which reschedules
      that one item.
    - A reply to an update (``bot.adapter.retry.replying``) is retried after a ``429``, a ``5xx``
      or a timeout for up to ``REPLY_BUDGET`` seconds, and waits out a hold for as long
      as its budget lasts instead of failing at ``MAX_FLOOD_WAIT``.
    - A new message that replies to a person (``replying``) or is urgent
      (``bot.adapter.retry.urgent``: crisis contacts, risk alerts, also from the tick) keeps its
      chat's spacing and waits out a ``429`` hold, but skips the queue of paced messages
      (``Budget.prompt``): a ``/help`` during a digest round is not answered after the
      round's 16 sends in flight, half a second later, and after a hold it goes first. It
      is counted in the overall window, where the queue's next sends then wait for room, so
      together they stay within Telegram's 30 a second.
    - Everything else for a private chat, such as editing a check-in in place after a tap,
      and requests that name no chat (answering the tap, ``getUpdates``) go straight out:
      they answer something the client just did, and Telegram's 30 a second is a limit on
      sending messages. Pacing them would make every tapping client wait behind all the
      others (with 500 clients, over 15 s a tap).
    - Groups keep PTB's limit of 20 requests a minute, paced with the sends.
    - Whose budget is spent is the ``budget``'s business (``bot.adapter.budget``): this
      process's own (the default), or one shared by every worker on a PostgreSQL database
      (``send_budget``), which then also spaces each private chat across workers and
      shares the hold after a ``429``.
    """

    def __init__(
        self,
        per_chat: float = PER_CHAT,
        clock: Callable[[], float] = time.monotonic,
        max_flood_wait: float = MAX_FLOOD_WAIT,
        retrying: Retrying | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        budget: Budget | None = None,
    ) -> None:
        super().__init__(overall_max_rate=0, max_retries=0)  # overall pace: our own budget
        self._per_chat = per_chat
        self._clock = clock
        self._sleep = sleep
        self._max_flood_wait = max_flood_wait
        self._retrying = retrying or Retrying(clock=clock, sleep=sleep)
        self._budget = budget or LocalBudget(Pacer(OVERALL, *WINDOW, clock=clock, sleep=sleep))
        self._locks: dict[int, asyncio.Lock] = {}
        self._done: dict[int, float] = {}

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Send a request within the limits; a reply to an update is retried (``bot.adapter.retry``)
        and waits for a flood hold up to its budget, a scheduled send fails fast."""
        once = partial(self._once, callback, args, kwargs, endpoint, data, rate_limit_args)
        if is_replying():
            return await self._retrying(once)
        return await once(self._max_flood_wait)

    async def _once(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
        max_wait: float,
    ) -> Result:
        """Wait for this chat's turn (new messages to private chats), then for an overall
        turn, or only for a hold when urgent; other requests for a private chat go out at
        once."""
        chat_id = _chat(data.get("chat_id"))
        if chat_id is None or (chat_id > 0 and endpoint.lower() not in SENDS):
            return await callback(*args, **kwargs)  # answers to taps, edits, getUpdates
        if chat_id < 0:  # groups: PTB's 20 a minute as well
            limited = super().process_request
            return await self._paced(
                partial(limited, callback, args, kwargs, endpoint, data, rate_limit_args),
                max_wait,
            )
        async with self._lock(chat_id):
            wait = self._done.get(chat_id, -self._per_chat) + self._per_chat - self._clock()
            if wait > 0:
                await self._sleep(wait)
            try:
                # Nothing more from PTB: its retry loop would only log every 429 as an error
                # with a traceback, though it is expected and handled.
                send = partial(callback, *args, **kwargs)
                prompt = is_replying() or is_urgent()
                return await self._paced(send, max_wait, chat_id, prompt=prompt)
            finally:
                self._done[chat_id] = self._clock()

    async def _paced(
        self,
        request: Callable[[], Coroutine[Any, Any, Result]],
        max_wait: float,
        chat_id: int | None = None,
        *,
        prompt: bool = False,
    ) -> Result:
        """Run ``request`` at the next overall turn (and the chat's, where the budget is
        shared), or out of line when ``prompt``; a ``429`` holds every later turn."""
        turn = self._budget.prompt if prompt else self._budget.turn
        try:
            await turn(chat_id, max_wait)
        except TurnTooFarError as held:
            raise RetryAfter(timedelta(seconds=math.ceil(held.seconds))) from None
        return await self._holding(request)

    async def _holding(self, request: Callable[[], Coroutine[Any, Any, Result]]) -> Result:
        try:
            return await request()
        except RetryAfter as error:
            wait = error.retry_after
            await self._budget.hold(
                wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            )
            raise

    async def shutdown(self) -> None:
        """The bot is shutting down: let the budget go."""
        self._budget.close()

    def _lock(self, chat_id: int) -> asyncio.Lock:
        if len(self._locks) > _REMEMBER:
            now = self._clock()
            for old in [c for c, lock in self._locks.items() if not lock.locked()]:
                if self._done.get(old, now) <= now - self._per_chat:
                    del self._locks[old]
                    self._done.pop(old, None)
        return self._locks.setdefault(chat_id, asyncio.Lock())


def send_budget(database: Database) -> Budget:
    """The budget of a bot on ``database``: on PostgreSQL shared by every worker on it, so
    together they stay within Telegram's limits; on SQLite (one process) its own."""
    local = LocalBudget(Pacer(OVERALL, *WINDOW))
    if not database.is_postgresql:
        return local
    return SharedBudget(SendSlots(database, 1 / OVERALL, PER_CHAT + CHAT_MARGIN), local, WINDOW)


def _chat(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None
