"""Injected failures and delays, Telegram's flood limits, and call statistics."""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError, too_many_requests


@dataclass
class SandboxStats:
    """Calls per method, and error answers per code that reached a connected client."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0

    @property
    def too_many_requests(self) -> int:
        """All 429 answers, injected or from the flood limits."""
        return self.errors[429]

    def as_dict(self) -> dict[str, Any]:
        """Return the statistics as JSON-ready data."""
        return {
            "calls": dict(self.calls),
            "errors": {str(code): count for code, count in self.errors.items()},
            "rate_limited": self.rate_limited,
            "too_many_requests": self.too_many_requests,
        }


#: A proxy's error page in place of the Bot API's answer.
PROXY_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"
#: Telegram's envelope without its ``result``.
NO_RESULT = '{"ok": true}'


class Faults:
    """Queues of failures, delays and garbled answers for the next calls of a method, spells
    of time in which every call of a method fails, and a share of calls that fail at random."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: defaultdict[str, deque[ApiError]] = defaultdict(deque)
        self._delays: defaultdict[str, deque[float]] = defaultdict(deque)
        self._spells: dict[str, tuple[float, ApiError]] = {}
        self._garbled: defaultdict[str, deque[str]] = defaultdict(deque)
        self._random: dict[str, tuple[float, ApiError, random.Random]] = {}
        # per (method, chat): None lets a call through, so "the second message" can fail
        self._chat_failures: defaultdict[tuple[str, int], deque[ApiError | None]] = defaultdict(
            deque
        )

    def fail(self, method: str, error: ApiError, times: int) -> None:
        """Answer the next `times` calls of `method` with `error`."""
        self._failures[method.lower()].extend([error] * times)

    def fail_in_chat(
        self, method: str, chat_id: int, error: ApiError, times: int, skip: int = 0
    ) -> None:
        """Let the next `skip` calls of `method` to `chat_id` through, then answer `times`
        of them with `error`; calls to other chats go on as usual."""
        self._chat_failures[(method.lower(), chat_id)].extend([None] * skip + [error] * times)

    def watches_chats(self, method: str) -> bool:
        """Whether a failure is planned for a call of `method` to some chat."""
        return any(
            queue for (name, _), queue in self._chat_failures.items() if name == method.lower()
        )

    def next_chat_failure(self, method: str, chat_id: int) -> ApiError | None:
        """Take the failure planned for this call to this chat, if any."""
        queue = self._chat_failures.get((method.lower(), chat_id))
        return queue.popleft() if queue else None

    def fail_for(self, method: str, error: ApiError, seconds: float) -> None:
        """Answer every call of `method` in the next `seconds` with `error`; a 429 then
        says how much of the spell is left, as Telegram's flood control does."""
        self._spells[method.lower()] = (self._clock() + seconds, error)

    def fail_randomly(self, method: str, error: ApiError, fraction: float, seed: int) -> None:
        """Answer about `fraction` of the calls of `method` with `error`, until cleared; the
        same `seed` fails the same calls of a run."""
        if not 0 <= fraction <= 1:
            raise ValueError("the fraction must be between 0 and 1")
        draw = random.Random(f"{seed}:{method.lower()}")  # noqa: S311 - a test double
        self._random[method.lower()] = (fraction, error, draw)

    def delay(self, method: str, seconds: float, times: int) -> None:
        """Hold the answers of the next `times` calls of `method` for `seconds`."""
        self._delays[method.lower()].extend([seconds] * times)

    def garble(self, method: str, body: str, times: int) -> None:
        """Answer the next `times` calls of `method` with `body` (status 200) instead of the
        Bot API's answer; the calls still take effect."""
        self._garbled[method.lower()].extend([body] * times)

    def clear(self) -> None:
        """Forget every planned failure, delay and garbled answer."""
        self._failures.clear()
        self._delays.clear()
        self._spells.clear()
        self._garbled.clear()
        self._random.clear()
        self._chat_failures.clear()

    def next_failure(self, method: str) -> ApiError | None:
        """Take the failure planned for this call, if any."""
        queue = self._failures[method.lower()]
        if queue:
            return queue.popleft()
        until, error = self._spells.get(method.lower(), (0.0, None))
        left = until - self._clock()
        if error is None or left <= 0:
            return self._random_failure(method.lower())
        if error.code == 429:
            return too_many_requests(max(1, math.ceil(left)))
        return error

    def next_garbled(self, method: str) -> str | None:
        """Take the garbled answer planned for this call, if any."""
        queue = self._garbled[method.lower()]
        return queue.popleft() if queue else None

    def _random_failure(self, method: str) -> ApiError | None:
        if method not in self._random:
            return None
        fraction, error, draw = self._random[method]
        return error if draw.random() < fraction else None

    def next_delay(self, method: str) -> float:
        """Take the delay planned for this call (0 when none)."""
        queue = self._delays[method.lower()]
        return queue.popleft() if queue else 0.0


class RateLimiter:
    """Sliding windows: 30 sends a second overall, 1 a second per private chat."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._overall: deque[float] = deque()
        self._chats: defaultdict[int, deque[float]] = defaultdict(deque)

    @staticmethod
    def _limits(chat_id: int) -> tuple[int, float]:
        return (1, 1.0) if chat_id > 0 else (20, 60.0)

    @staticmethod
    def _wait(window: deque[float], limit: int, span: float, now: float) -> float:
        while window and window[0] <= now - span:
            window.popleft()
        return window[-limit] + span - now if len(window) >= limit else 0.0

    def retry_after(self, chat_id: int) -> int | None:
        """Seconds to wait before sending to this chat, or None when allowed now."""
        now = self._clock()
        limit, span = self._limits(chat_id)
        wait = max(
            self._wait(self._overall, 30, 1.0, now),
            self._wait(self._chats[chat_id], limit, span, now),
        )
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, chat_id: int) -> None:
        """Count one successful send to this chat."""
        now = self._clock()
        self._overall.append(now)
        self._chats[chat_id].append(now)
