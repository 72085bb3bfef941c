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
import logging
from collections.abc import Awaitable, Callable
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

    async def hold_left(self) -> float:
        """Seconds until a hold ends (0 when none is on), for a send that skips the queue."""
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

    async def hold_left(self) -> float:
        """The pacer's hold left."""
        return self._pacer.hold_left()


class SharedBudget:
    """Turns reserved in the database, shared with every worker on it.

    Each turn is one short transaction, run in a worker thread so a slow database never
    stalls the event loop; then the send sleeps until its turn. A chat another worker is
    sending to is waited for, then asked again. If the database cannot be reached the
    process paces alone (``fallback``) rather than fail the send, and logs it.
    """

    def __init__(
        self,
        slots: SendSlots,
        fallback: LocalBudget,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._slots = slots
        self._fallback = fallback
        self._sleep = sleep
        self._turns = 0

    async def turn(self, chat_id: int | None, max_wait: float) -> None:
        """Reserve the next shared turn (and the chat's), then sleep until it."""
        while True:
            try:
                turn = await self._run(self._slots.reserve, chat_id, max_wait)
            except SQLAlchemyError as error:
                _unavailable(error)
                await self._fallback.turn(chat_id, max_wait)
                return
            if turn.status is TurnStatus.TOO_FAR:
                raise TurnTooFarError(turn.wait)
            if turn.wait > 0:
                await self._sleep(turn.wait)
            if turn.status is TurnStatus.GRANTED:
                break
        self._turns += 1
        if self._turns % _FORGET_EVERY == 0:
            await self._quietly(self._slots.forget, _FORGET_AFTER)

    async def hold(self, seconds: float) -> None:
        """Hold every worker's turns."""
        await self._fallback.hold(seconds)
        await self._quietly(self._slots.hold, seconds)

    async def hold_left(self) -> float:
        """The shared hold left (this process's own, if the database cannot say)."""
        try:
            return await self._run(self._slots.hold_left)
        except SQLAlchemyError as error:
            _unavailable(error)
            return await self._fallback.hold_left()

    @staticmethod
    async def _run(call: Callable[..., T], *args: object) -> T:
        return await asyncio.to_thread(call, *args)

    async def _quietly(self, call: Callable[..., object], *args: object) -> None:
        try:
            await self._run(call, *args)
        except SQLAlchemyError as error:
            _unavailable(error)


def _unavailable(error: Exception) -> None:
    log.warning("shared send budget unavailable", extra={"error": type(error).__name__})
