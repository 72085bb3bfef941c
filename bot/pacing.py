"""Even pacing of requests on a fixed timeline, with room for Telegram's flood waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class TurnTooFarError(Exception):
    """The next turn is further away than a caller should wait inside one request."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"next turn in {seconds:.1f} s")
        self.seconds = seconds


class Pacer:
    """Admits one request every ``1 / rate`` seconds, in the order they asked.

    Turns are kept on an ideal timeline: a caller woken a little late (the event loop is
    busy, a sleep overshoots) does not push later turns back, so a steady sender achieves
    the full rate, while two turns are still never closer than one interval apart on the
    timeline. After an idle spell the timeline restarts at the present: no burst is saved
    up. ``hold`` keeps every turn back for a while, as Telegram asks after a ``429``.
    """

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self._interval = 1 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

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

    def hold(self, seconds: float) -> None:
        """Give no turn for the next ``seconds``."""
        self._next = max(self._next, self._clock() + seconds)

    def wait_left(self) -> float:
        """Seconds until the next free turn (0 when one is free now)."""
        return max(0.0, self._next - self._clock())
