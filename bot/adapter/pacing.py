"""Even pacing of requests on a fixed timeline, with room for Telegram's flood waits."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class TurnTooFarError(Exception):
    """The next turn is further away than a caller should wait inside one request."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"next turn in {seconds:.1f} s")
        self.seconds = seconds


class Pacer:
    """Admits one request every ``1 / rate`` seconds, in the order they asked, and never more
    than ``per_window`` in any ``window`` seconds.

    Turns are kept on an ideal timeline: a caller woken a little late (the event loop is
    busy, a sleep overshoots) does not push later turns back, so a steady sender achieves
    the full rate. After such a hiccup the turns behind it come closer together; the window
    check (on the times requests really went out) keeps that from ever adding up to more
    than ``per_window`` in one window. After an idle spell the timeline restarts at the
    present: no burst is saved up. ``hold`` keeps every turn back for a while, as Telegram
    asks after a ``429``.

    ``prompt`` is a turn out of line, for a reply to what a person just did: it waits for a
    hold and for room in the window, never behind the timeline's queue, and the turns
    queued stay where they are. It counts in the window, so what the queue then sends
    within the same second waits for room there instead: together they stay within
    ``per_window``. While a turn out of line waits for room, the queue's turns leave the
    room to it: at full pace the window is nearly always full, and a reply must not have to
    win each freed place against sixteen scheduled sends.
    """

    def __init__(
        self,
        rate: float,
        per_window: int | None = None,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self._interval = 1 / rate
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._held_until = float("-inf")
        self._sent: deque[float] = deque(maxlen=per_window) if per_window else deque(maxlen=0)
        self._prompts = 0  # turns out of line waiting for room in the window

    async def turn(self, max_wait: float = float("inf")) -> None:
        """Wait for the next free turn; raise ``TurnTooFarError`` (taking no turn) if it is
        more than ``max_wait`` seconds away."""
        now = self._clock()
        at = max(now, self._next)
        if at - now > max_wait:
            raise TurnTooFarError(at - now)
        self._next = at + self._interval
        if at > now:
            await self._sleep(at - now)
        await self._room()

    async def prompt(self, max_wait: float = float("inf")) -> None:
        """Wait for a turn out of line: only for a hold and for room in the window; raise
        ``TurnTooFarError`` (waiting for nothing) if the hold lasts over ``max_wait``."""
        held = self.hold_left()
        if held > max_wait:
            raise TurnTooFarError(held)
        if held > 0:
            await self._sleep(held)
        self._prompts += 1
        try:
            await self._room(out_of_line=True)
        finally:
            self._prompts -= 1

    async def _room(self, out_of_line: bool = False) -> None:
        """Wait until fewer than ``per_window`` requests went out in the last window (and,
        for a turn of the queue, no turn out of line is waiting for that room), and count
        this one."""
        while True:
            now = self._clock()
            full = self._sent.maxlen and len(self._sent) == self._sent.maxlen
            at = self._sent[0] + self._window if full else now
            if at <= now and (out_of_line or not self._prompts):
                break
            await self._sleep(at - now if at > now else self._interval)
        if self._sent.maxlen:
            self._sent.append(now)

    def hold(self, seconds: float) -> None:
        """Give no turn for the next ``seconds``."""
        self._held_until = max(self._held_until, self._clock() + seconds)
        self._next = max(self._next, self._held_until)

    def hold_left(self) -> float:
        """Seconds until a ``hold`` ends (0 when none is on), whatever the queue."""
        return max(0.0, self._held_until - self._clock())

    def wait_left(self) -> float:
        """Seconds until the next free turn (0 when one is free now)."""
        return max(0.0, self._next - self._clock())
