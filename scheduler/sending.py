"""One round of sends: many in flight at once, each chat's in order, until a deadline or a stop.

The rate limiter spaces messages to one chat a second apart and paces all of them at just
under 30 a second; a round keeps enough sends in flight for that pace while one chat's
spacing holds back only that chat. Work is claimed only as room frees up, so little waits
claimed and unstarted; what does (an item queued behind its chat's earlier one) is given
back at once when the round is over: its deadline passed (the tick period: a tick never
runs into the next) or the process is stopping. Sends already under way are finished;
once stopping, those still running after ``STOP_GRACE`` are cancelled, and each records
that its fate is unknown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from core.clock import Clock

log = logging.getLogger(__name__)

#: Sends in flight at once: enough to keep the limiter's 29 a second busy while some chats
#: wait out their second, few enough that a stop finishes them within seconds. More in
#: flight reach Telegram less evenly: with 40, requests that took their turns 34 ms apart
#: arrived bunched often enough that one second's window held 31 (a 429 every 1,000 sends
#: against the sandbox); with 16, none in 4,000 (bench/README.md, benchmark 2).
SENDS_AT_ONCE = 16
#: Messages a second the rate limiter lets out at most (Telegram's 30, a little under).
PACE = 29.0
#: The part of a claim's lease the sends in flight may spend waiting for their turn: the
#: rest is room for other workers sharing the pace. A send that outwaited its lease could
#: be taken over by another worker and sent twice.
LEASE_SHARE = 4
#: Reports built at once in worker threads (reads and drawing: more would only queue on the
#: connection pool and the interpreter lock).
BUILDS_AT_ONCE = 2
#: Seconds a stopping process gives the sends in flight before it cancels them.
STOP_GRACE = 5.0
#: The error of a report cut short between its parts by a stopping process.
STOPPED = "Stopped"

T = TypeVar("T")


@dataclass
class _Item:
    """One send of a round, and what gives its claim back if it never starts."""

    send: Callable[[], Awaitable[None]]
    give_back: Callable[[], object]
    started: bool = False


def sends_at_once(lease: timedelta) -> int:
    """How many sends a round keeps in flight: ``SENDS_AT_ONCE``, fewer when the claims'
    lease is short, so that all of them go out within a ``LEASE_SHARE``-th of it."""
    return max(1, min(SENDS_AT_ONCE, int(lease.total_seconds() * PACE / LEASE_SHARE)))


class Round:
    """What one tick sends, at most ``at_once`` at a time, until ``deadline`` (a time of
    ``clock``; None: no deadline) or until ``stopping`` is set."""

    def __init__(
        self,
        clock: Clock,
        deadline: datetime | None = None,
        stopping: asyncio.Event | None = None,
        *,
        at_once: int = SENDS_AT_ONCE,
        grace: float = STOP_GRACE,
    ) -> None:
        self._clock = clock
        self.deadline = deadline
        self.stopping = stopping or asyncio.Event()
        self._at_once = at_once
        self._grace = grace
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: dict[int, asyncio.Task[None]] = {}  # by chat: its latest item
        self._freed = asyncio.Event()
        self._builds = asyncio.Semaphore(BUILDS_AT_ONCE)
        self.given_back = 0  # claimed, never started

    @property
    def open(self) -> bool:
        """Whether new work may start: the process is not stopping, the deadline not past."""
        if self.stopping.is_set():
            return False
        return self.deadline is None or self._clock.now() < self.deadline

    @property
    def at_once(self) -> int:
        """How many sends this round keeps in flight at most."""
        return self._at_once

    async def room(self, at_least: int = 1) -> int:
        """How many more sends may start now, after waiting for sends in flight to end until
        ``at_least`` may (claims in batches cost less than one by one); 0 once the round is
        over (claim nothing then)."""
        at_least = max(1, min(at_least, self._at_once))
        while self.open and len(self._tasks) > self._at_once - at_least:
            self._freed.clear()
            await self._until_closed(self._freed.wait())
        return self._at_once - len(self._tasks) if self.open else 0

    def start(
        self,
        chat: int | None,
        send: Callable[[], Awaitable[None]],
        give_back: Callable[[], object],
    ) -> None:
        """Run ``send`` in the background once this round's earlier items to ``chat`` are
        done; if the round is over before it starts, run ``give_back`` instead."""
        item = _Item(send, give_back)
        before = None if chat is None else self._last.get(chat)
        task = asyncio.create_task(self._run(before, item))
        self._tasks.add(task)
        if chat is not None:
            self._last[chat] = task
        task.add_done_callback(partial(self._done, chat, item))

    async def off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` in a worker thread (it opens its own transactions), a few at once."""
        async with self._builds:
            return await asyncio.to_thread(work, *args)

    async def finish(self) -> None:
        """Wait for every send started; once stopping, cancel those still running after the
        grace (each records that its fate is unknown)."""
        while self._tasks:
            if self.stopping.is_set():
                _, late = await asyncio.wait(set(self._tasks), timeout=self._grace)
                for task in late:
                    task.cancel()
                if late:
                    log.warning("sends cancelled at stop", extra={"sends": len(late)})
                    await asyncio.wait(late)
                continue
            await self._until_stopped(asyncio.wait(set(self._tasks)))

    async def _run(self, before: asyncio.Task[None] | None, item: _Item) -> None:
        if before is not None:
            await asyncio.wait([before])  # its outcome is its own
        if self.open:
            item.started = True
            await item.send()

    def _done(self, chat: int | None, item: _Item, task: asyncio.Task[None]) -> None:
        """A send ended, or never started (the round was over, or it was cancelled before
        its turn): then it is given back."""
        self._tasks.discard(task)
        if chat is not None and self._last.get(chat) is task:
            del self._last[chat]
        self._freed.set()
        if not item.started:
            self._give_back(item)
        elif not task.cancelled() and (error := task.exception()) is not None:
            log.error("send failed", extra={"error": type(error).__name__}, exc_info=error)

    def _give_back(self, item: _Item) -> None:
        try:
            item.give_back()
        except Exception as error:  # the claim then lapses, and the row is sent later
            log.error("claim not given back", extra={"error": type(error).__name__})
            return
        self.given_back += 1

    async def _until_closed(self, waiting: Awaitable[object]) -> None:
        """Wait for ``waiting``, or until the process stops or the deadline passes."""
        timeout = None
        if self.deadline is not None:
            timeout = max(0.0, (self.deadline - self._clock.now()).total_seconds())
        await self._race(waiting, timeout)

    async def _until_stopped(self, waiting: Awaitable[object]) -> None:
        await self._race(waiting, None)

    async def _race(self, waiting: Awaitable[object], seconds: float | None) -> None:
        racers = {asyncio.ensure_future(waiting), asyncio.ensure_future(self.stopping.wait())}
        try:
            await asyncio.wait(racers, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for racer in racers:
                racer.cancel()
