"""Whose sending budget the rate limiter spends: this process's own, or one that every worker
on the same PostgreSQL database shares.

The rate limiter (``bot/adapter/ratelimit.py``) asks a ``Budget`` for each new message's
turn and tells it about a ``429``; it knows nothing of where turns are kept.
``LocalBudget`` keeps them in memory (the ``Pacer``): right for one process, as on SQLite.
``SharedBudget`` reserves them in the database (``storage/send_budget.py``): workers sharing
a database then share Telegram's 30 messages a second and each chat's one a second, and a
``429`` seen by one holds them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot.adapter.pacing import Pacer, TurnTooFarError
from storage.send_budget import SendSlots, TurnStatus

log = logging.getLogger(__name__)

T = TypeVar("T")
#: Chats not sent to for this long are forgotten, checked every ``_FORGET_EVERY`` turns.
_FORGET_AFTER = 60.0
_FORGET_EVERY = 1000


class Budget(Protocol):
    """Turns for new messages, and the hold after a ``429``."""

    async def turn(self, chat_id: int | None, max_wait: float) -> None:
        """Wait for this send's turn; raise ``TurnTooFarError`` (taking none) if it is more
        than ``max_wait`` seconds away. ``chat_id``: a private chat, whose own spacing the
        budget keeps if other processes send to it too; ``None`` for no chat."""
        ...

    async def hold(self, seconds: float) -> None:
        """Give no turn for the next ``seconds`` (Telegram answered ``429``)."""
        ...

    async def prompt(self, chat_id: int | None, max_wait: float) -> None:
        """Wait for a turn out of line (a reply to a person, an urgent message): for a
        ``429`` hold and room in the window only, never behind the queue of turns; raise
        ``TurnTooFarError`` if the hold lasts over ``max_wait`` seconds."""
        ...

    def close(self) -> None:
        """Let go of what the budget holds (the process is done sending)."""
        ...


class LocalBudget:
    """This process's own budget: the ``Pacer``'s timeline; each chat's spacing is the
    limiter's (in-process) alone."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer

    async def turn(self, chat_id: int | None, max_wait: float) -> None:
        """The pacer's next turn (``chat_id`` is the limiter's concern here)."""
        await self._pacer.turn(max_wait=max_wait)

    async def hold(self, seconds: float) -> None:
        """Hold the pacer."""
        self._pacer.hold(seconds)

    async def prompt(self, chat_id: int | None, max_wait: float) -> None:
        """The pacer's turn out of line."""
        await self._pacer.prompt(max_wait=max_wait)

    def close(self) -> None:
        """Nothing to let go."""


class SharedBudget:
    """Turns reserved in the database, shared with every worker on it.

    Each turn is one short transaction, then the send sleeps until its turn; a chat another
    worker is sending to is waited for, then asked again. Just before the send goes out it
    is stamped in the shared window (``window``: at most so many sends in so many seconds,
    on the times sends really went out), as the one-process pacer checks its own.

    The database is asked in threads of the budget's own, so a slow database never stalls
    the event loop and a reservation never queues behind other work in the default
    threads (nor a reply's behind a round's reservations: turns out of line have a thread
    of their own); the sleep counts from when the answer came, not from when the loop got
    it back. If the database cannot be reached the process paces alone (``fallback``) rather
    than fail the send, and logs it.
    """

    def __init__(
        self,
        slots: SendSlots,
        fallback: LocalBudget,
        window: tuple[int, float],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._slots = slots
        self._fallback = fallback
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._turns = 0
        self._prompts = 0  # turns out of line waiting for room in the shared window
        # A thread for the queue's turns and one for turns out of line (started on first
        # use), so that a reply never waits behind a round's reservations.
        self._lanes: dict[bool, ThreadPoolExecutor] = {}

    async def turn(self, chat_id: int | None, max_wait: float) -> None:
        """Reserve the next shared turn (and the chat's), sleep until it, then wait for
        room in the shared window."""
        try:
            await self._reserved(chat_id, max_wait)
        except _UnavailableError:
            await self._fallback.turn(chat_id, max_wait)
            return
        await self._stamped()
        self._turns += 1
        if self._turns % _FORGET_EVERY == 0:
            await self._quietly(self._slots.forget, _FORGET_AFTER)

    async def _reserved(self, chat_id: int | None, max_wait: float) -> None:
        while True:
            turn, answered = await self._ask(self._timed, self._slots.reserve, chat_id, max_wait)
            if turn.status is TurnStatus.TOO_FAR:
                raise TurnTooFarError(turn.wait)
            await self._sleep_until(answered + turn.wait)
            if turn.status is TurnStatus.GRANTED:
                return

    async def _stamped(self, out_of_line: bool = False) -> None:
        """Wait until the shared window has room, and take it; go on unstamped if the
        database cannot be reached (the turn was taken). A turn of the queue first lets
        this worker's turns out of line waiting for room go (as the local pacer does)."""
        if out_of_line:
            self._prompts += 1
        else:
            per_window, window = self._window
            while self._prompts:
                await self._sleep(window / per_window)
        try:
            await self._stamp(out_of_line)
        finally:
            if out_of_line:
                self._prompts -= 1

    async def _stamp(self, out_of_line: bool) -> None:
        while True:
            try:
                wait, answered = await self._ask(
                    self._timed, self._slots.stamp, *self._window, out_of_line=out_of_line
                )
            except _UnavailableError:
                return
            if wait <= 0:
                return
            await self._sleep_until(answered + wait)

    async def hold(self, seconds: float) -> None:
        """Hold every worker's turns."""
        await self._fallback.hold(seconds)
        await self._quietly(self._slots.hold, seconds)

    async def prompt(self, chat_id: int | None, max_wait: float) -> None:
        """Out of line: wait out the shared hold, then the chat's spacing across workers,
        then take room in the shared window."""
        try:
            held = await self._ask(self._slots.hold_left, out_of_line=True)
            if held > max_wait:
                raise TurnTooFarError(held)
            await self._sleep_until(self._clock() + held)
            while chat_id is not None:
                turn, answered = await self._ask(
                    self._timed, self._slots.reserve_chat, chat_id, out_of_line=True
                )
                await self._sleep_until(answered + turn.wait)
                if turn.status is TurnStatus.GRANTED:
                    break
        except _UnavailableError:
            await self._fallback.prompt(chat_id, max_wait)
            return
        await self._stamped(out_of_line=True)

    def close(self) -> None:
        """Let the budget's threads go (a later turn starts others)."""
        for lane in self._lanes.values():
            lane.shutdown(wait=False)
        self._lanes.clear()

    def _timed(self, call: Callable[..., T], *args: object) -> tuple[T, float]:
        """``call``'s answer and when it came, on this process's clock."""
        return call(*args), self._clock()

    async def _sleep_until(self, at: float) -> None:
        wait = at - self._clock()
        if wait > 0:
            await self._sleep(wait)

    async def _ask(self, call: Callable[..., T], *args: object, out_of_line: bool = False) -> T:
        """Run ``call`` in the budget's thread for its lane; a database error becomes
        ``_UnavailableError``."""
        lane = self._lanes.get(out_of_line)
        if lane is None:
            name = "send-budget-prompt" if out_of_line else "send-budget"
            lane = self._lanes[out_of_line] = ThreadPoolExecutor(1, thread_name_prefix=name)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(lane, partial(call, *args))
        except SQLAlchemyError as error:
            log.warning("shared send budget unavailable", extra={"error": type(error).__name__})
            raise _UnavailableError from error

    async def _quietly(self, call: Callable[..., object], *args: object) -> None:
        with contextlib.suppress(_UnavailableError):
            await self._ask(call, *args)


class _UnavailableError(Exception):
    """The shared budget's database could not be asked (already logged)."""
