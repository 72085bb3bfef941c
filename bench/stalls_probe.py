"""The stall probe's clients: enrolled clients who send ``/help`` in turn and time each reply.

The bot admits at most 30 updates a minute from one chat (``bot/adapter/updates.py``) and
sends one message a second to a chat, so one client cannot ask every 250 ms. The probe
rotates over several enrolled clients instead: with 12 of them, each asks every 3 s and
together they ask every 250 ms. A client waits for its reply before it asks again (so a
stall of 30 s shows as replies that took 30 s, not as a flood the bot drops), and a slot
that passed while it waited, or comes within a second of its last reply (Telegram's one
message a second to a chat), is skipped.

Latency is from the ``/help`` arriving at the sandbox (the control API's ``command`` call)
until the ``wait`` call returns the bot's reply in that chat, both over the sandbox's JSON
control API on the same machine (about a millisecond each).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiohttp

#: Seconds a probe client waits for one reply before counting it lost.
WAIT_SECONDS = 600.0
#: Telegram's one message a second to a chat: a client never asks again sooner after a
#: reply, or the bot would rightly hold the next reply back (after the replies piled up
#: before the bot listened, every client would be answered at once and ask again at once).
CHAT_SPACING = 1.0
#: A reply slower than this is a stall.
SLOW = 1.0


@dataclass(frozen=True)
class Sample:
    """One ``/help``: when it was sent (seconds after the bot process started), and how long
    its reply took (None: no reply within ``WAIT_SECONDS``)."""

    sent: float
    latency: float | None
    chat: int

    @property
    def replied(self) -> float | None:
        """When the reply arrived, seconds after start."""
        return None if self.latency is None else self.sent + self.latency


class Probe:
    """Enrolled clients in the sandbox asking ``/help`` in turn, every ``every`` seconds."""

    def __init__(self, api_root: str, chats: Sequence[int], every: float = 0.25) -> None:
        self.api_root = api_root
        self.chats = list(chats)
        self.every = every
        self.samples: list[Sample] = []
        self._stop = asyncio.Event()

    async def run(self, started: float) -> None:
        """Ask until ``stop``; ``started`` is the bot's start on ``time.perf_counter``."""
        timeout = aiohttp.ClientTimeout(total=None)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            await asyncio.gather(
                *(self._client(http, chat, n, started) for n, chat in enumerate(self.chats))
            )

    def stop(self) -> None:
        """Ask no more (replies awaited are still timed)."""
        self._stop.set()

    async def _client(self, http: aiohttp.ClientSession, chat: int, n: int, started: float) -> None:
        period = self.every * len(self.chats)
        offset = n * self.every
        ready = 0.0  # seconds after start: a second after this chat's last reply
        while not self._stop.is_set():
            elapsed = time.perf_counter() - started
            slot = max(0, math.ceil((max(elapsed, ready) - offset) / period))
            try:
                await asyncio.wait_for(self._stop.wait(), offset + slot * period - elapsed)
                return
            except TimeoutError:
                pass
            sample = await self._ask(http, chat, started)
            self.samples.append(sample)
            ready = (sample.replied or 0.0) + CHAT_SPACING

    async def _ask(self, http: aiohttp.ClientSession, chat: int, started: float) -> Sample:
        user = f"{self.api_root}/sandbox/users/{chat}"
        sent = time.perf_counter()
        async with http.post(f"{user}/command", json={"command": "help"}) as response:
            response.raise_for_status()
        async with http.post(f"{user}/wait", json={"timeout": WAIT_SECONDS}) as response:
            latency = time.perf_counter() - sent if response.status == 200 else None
        return Sample(sent - started, latency, chat)


@dataclass(frozen=True)
class Stats:
    """Reply latencies of one phase, in milliseconds."""

    phase: str
    count: int
    lost: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    over_1s: int

    @property
    def met(self) -> bool:
        """p99 under 100 ms, no reply over a second, none lost."""
        return self.count > 0 and self.p99_ms < 100 and self.over_1s == 0 and self.lost == 0


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stats(phase: str, samples: Iterable[Sample]) -> Stats:
    """Count, p50, p99, max and replies over a second of ``samples``."""
    chosen = list(samples)
    times = sorted(s.latency for s in chosen if s.latency is not None)
    if not times:
        return Stats(phase, len(chosen), len(chosen), math.nan, math.nan, math.nan, 0)
    return Stats(
        phase,
        len(chosen),
        len(chosen) - len(times),
        round(percentile(times, 0.5) * 1000, 1),
        round(percentile(times, 0.99) * 1000, 1),
        round(times[-1] * 1000, 1),
        sum(1 for t in times if t > SLOW),
    )
