"""Change notification and the queue of updates served by `getUpdates`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from sandbox.errors import ApiError

T = TypeVar("T")
CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance"
    " is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to"
    " delete the webhook first"
)


class Signal:
    """Wakes every waiter whenever something in the sandbox changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters so they re-check their condition."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, check: Callable[[], T | None], seconds: float) -> T | None:
        """Return the first non-None result of `check`, or None after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def changed(self) -> None:
        """Wait for the next change, however long it takes."""
        await self._event.wait()


class UpdateQueue:
    """Pending updates with Telegram's offset, limit and long-polling rules."""

    def __init__(self, signal: Signal) -> None:
        self._signal = signal
        self._pending: list[dict[str, Any]] = []
        self._next_id = 1
        self._generation = 0
        self.closed = False
        # While a webhook is set, getUpdates (even a long poll already waiting) gets 409.
        self.webhook_active = False

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Append an update of the given kind (e.g. "message") and wake pollers."""
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self._signal.notify()
        return update

    def pending(self) -> list[dict[str, Any]]:
        """Return the updates not yet confirmed by the bot."""
        return list(self._pending)

    def clear(self) -> None:
        """Drop every pending update."""
        self._pending.clear()

    def remove(self, update_id: int) -> None:
        """Forget one update (delivered or skipped by the webhook sender) and wake waiters."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        self._signal.notify()

    def confirm(self, offset: int) -> None:
        """Forget updates before `offset` (a negative offset keeps the last -offset)."""
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    async def get(self, offset: int | None, limit: int, wait: float) -> list[dict[str, Any]]:
        """Serve one `getUpdates` call; an older waiting call ends with 409 Conflict."""
        if self.webhook_active:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if offset is not None:
            self.confirm(offset)
        self._generation += 1
        mine = self._generation
        self._signal.notify()

        def check() -> list[dict[str, Any]] | None:
            if self.closed:
                return []
            if self.webhook_active:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if self._generation != mine:
                raise ApiError(409, CONFLICT)
            return self._pending[:limit] or None

        return await self._signal.wait_for(check, max(wait, 0.0)) or []
