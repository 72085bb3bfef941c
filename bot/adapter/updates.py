"""Updates from different chats handled at once, each chat's in order, and a flooding chat
held to a bounded share of the bot.

PTB hands every update to ``ChatOrderedProcessor.do_process_update`` in a task of its own,
in the order they arrived. The processor:

- runs one update of a chat at a time, in arrival order (a per-chat ``asyncio.Lock``, which
  wakes its waiters first come, first served): a client's taps are stored and edited in
  the order they were made. Updates from other chats go on meanwhile, so a reply that waits
  for its own chat (Telegram's one message a second) or for Telegram never delays anyone
  else. Updates with no chat run freely.
- takes one of ``RUNNING`` slots only once it is that update's turn in its chat: waiting
  for a busy chat never uses up the slots everybody shares. (PTB's own bound, ``WAITING``,
  counts the waiting too; it is set far above what the backlog bound below lets pile up.)
- admits at most ``PER_MINUTE`` updates a minute from one chat, and at most ``BACKLOG``
  waiting or running at once. Anything more from that chat is dropped before any handler
  runs: it gets no reply, and the log says which chat and how many were dropped (at the
  1st, 10th, 100th, ... drop, never the content). A dropped tap is still answered, with no
  text and without waiting for anything, because an unanswered tap keeps spinning on the
  person's phone; they can tap again once the flood has passed.
- marks the requests made while handling an update as replies (``bot.adapter.retry.replying``), so
  that the rate limiter retries them through Telegram's hiccups.

Memory stays bounded: a chat with nothing waiting and nothing admitted in the last minute
is forgotten (its lock with it) once more than ``_REMEMBER`` chats are known, in one scan
at most once a minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.adapter.retry import replying

log = logging.getLogger(__name__)

#: Updates handled at once across all chats. Handlers spend their time waiting for Telegram
#: (and for their own chat's spacing), so the bound is about connections: the HTTP pool is
#: sized ``RUNNING`` plus room for the tick's sends (``bot.adapter.application``).
RUNNING = 32
#: Updates from one chat handled in a minute. A client answering a check-in needs about
#: six (four taps, a note, its sharing choice); a therapist going through briefs and
#: histories a dozen or two. A stranger or a script sending hundreds gets thirty replies a
#: minute: half of the one a second Telegram allows a chat, and under 2 % of the bot's
#: overall 30 a second.
PER_MINUTE = 30
#: Updates from one chat waiting or running at once. A person does not have ten things in
#: flight; a flood does, and waiting updates cost memory and PTB tasks.
BACKLOG = 10
#: PTB's bound on updates in its hands at once (running or waiting for their chat's turn).
WAITING = 4096
_MINUTE = 60.0
_REMEMBER = 10_000


@dataclass
class _Chat:
    """What the processor knows about one chat."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: int = 0
    admitted: deque[float] = field(default_factory=lambda: deque(maxlen=PER_MINUTE))
    dropped: int = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within one, with a bound on what one chat costs."""

    def __init__(
        self,
        running: int = RUNNING,
        per_minute: int = PER_MINUTE,
        backlog: int = BACKLOG,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(max_concurrent_updates=max(WAITING, running))
        self._running = asyncio.Semaphore(running)
        self._per_minute = per_minute
        self._backlog = backlog
        self._clock = clock
        self._chats: dict[int, _Chat] = {}
        self._next_prune = float("-inf")

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Forget every chat."""
        self._chats.clear()

    def known_chats(self) -> int:
        """How many chats are remembered (for tests of the memory bound)."""
        return len(self._chats)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update in its chat's turn, or drop it if its chat is flooding the bot."""
        chat_id = chat_of(update)
        if chat_id is None:
            await self._run(coroutine)
            return
        chat = self._admit(chat_id)
        if chat is None:
            await _drop(update, coroutine)
            return
        try:
            async with chat.lock:
                await self._run(coroutine)
        finally:
            chat.pending -= 1

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        async with self._running:
            with replying():
                await coroutine

    def _admit(self, chat_id: int) -> _Chat | None:
        """This chat's record with the update counted in, or None to drop the update."""
        now = self._clock()
        if len(self._chats) > _REMEMBER and now >= self._next_prune:
            self._prune(now)
        chat = self._chats.setdefault(chat_id, _Chat(admitted=deque(maxlen=self._per_minute)))
        recent = chat.admitted
        if chat.pending >= self._backlog or (
            len(recent) == self._per_minute and recent[0] > now - _MINUTE
        ):
            chat.dropped += 1
            if _power_of_ten(chat.dropped):
                log.warning(
                    "updates dropped from a flooding chat",
                    extra={"chat_id": chat_id, "dropped": chat.dropped},
                )
            return None
        recent.append(now)
        chat.pending += 1
        return chat

    def _prune(self, now: float) -> None:
        """Forget chats with nothing waiting and nothing admitted in the last minute."""
        for chat_id in [
            chat_id
            for chat_id, chat in self._chats.items()
            if chat.pending == 0 and (not chat.admitted or chat.admitted[-1] <= now - _MINUTE)
        ]:
            del self._chats[chat_id]
        self._next_prune = now + _MINUTE  # a scan at most once a minute


def chat_of(update: object) -> int | None:
    """The chat an update belongs to (the person's, for a private chat), if any."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


async def _drop(update: object, coroutine: Awaitable[Any]) -> None:
    """Do not handle the update; stop a dropped tap spinning on the person's phone."""
    if asyncio.iscoroutine(coroutine):
        coroutine.close()
    query = update.callback_query if isinstance(update, Update) else None
    if query is None:
        return
    try:
        await query.answer()
    except TelegramError as error:
        log.info("dropped tap not answered", extra={"error": type(error).__name__})


def _power_of_ten(count: int) -> bool:
    while count % 10 == 0:
        count //= 10
    return count == 1
