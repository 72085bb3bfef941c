"""Change notification and the queue of updates served by `getUpdates`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

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
    """Wakes every waiter whenever something in the sandbox changes.

    Waiters' checks are re-run in one pass soon after a change (one pass for all the
    changes made before it runs), so a change costs one cheap check per waiter rather than
    a task switch for each: hundreds of users waiting at once stay affordable.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._waiters: list[_Waiter[Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False

    def notify(self) -> None:
        """Wake all current waiters so they re-check their condition."""
        self._event.set()
        self._event = asyncio.Event()
        if not self._waiters or self._scheduled or self._loop is None:
            return
        if self._loop.is_closed():
            self._waiters.clear()
            return
        self._scheduled = True
        self._loop.call_soon(self._recheck)

    def _recheck(self) -> None:
        self._scheduled = False
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.settle(final=False):
                self._waiters.append(waiter)

    async def wait_for(self, check: Callable[[], T | None], seconds: float) -> T | None:
        """Return the first non-None result of `check`, or None after `seconds`."""
        found = check()
        if found is not None or seconds <= 0:
            return found
        loop = asyncio.get_running_loop()
        self._loop = loop
        waiter = _Waiter(check, loop.create_future())
        self._waiters.append(waiter)
        timer = loop.call_later(seconds, waiter.settle, True)
        try:
            return await waiter.future
        finally:
            timer.cancel()

    async def changed(self) -> None:
        """Wait for the next change, however long it takes."""
        await self._event.wait()


class _Waiter(Generic[T]):
    """One `wait_for`: its check and the future its caller awaits."""

    __slots__ = ("check", "future")

    def __init__(self, check: Callable[[], T | None], future: asyncio.Future[T | None]) -> None:
        self.check = check
        self.future = future

    def settle(self, final: bool) -> bool:
        """Run the check; resolve the future if it found something (or, if `final`, with
        whatever it returned). Returns whether this waiter is done."""
        if self.future.done():
            return True
        try:
            found = self.check()
        except Exception as error:  # the check's error is the waiter's, as before
            self.future.set_exception(error)
            return True
        if found is None and not final:
            return False
        self.future.set_result(found)
        return True


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
