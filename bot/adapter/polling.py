"""The bot long-polling inside a running event loop: the demo, the end-to-end tests and
the benchmarks start it against the sandbox this one way.

``alliance run`` uses PTB's ``run_polling`` instead: it owns the process (signals, its own
event loop, which it closes), so it cannot run inside the demo's ``asyncio.run``, a test's
loop or a benchmark's. ``polling`` keeps ``run_polling``'s order: initialize, ``post_init``,
start polling, start the handlers; on the way out the same backwards, with ``post_stop``,
shutdown and ``post_shutdown``, even when the body raised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.adapter.application import ALLOWED_UPDATES, App


@asynccontextmanager
async def polling(
    application: App, *, poll_seconds: int = 1, hooks: bool = False
) -> AsyncIterator[App]:
    """Run ``application`` polling its Bot API (wherever its base URL points) for the block.

    ``poll_seconds``: seconds each ``getUpdates`` long poll may wait; no pause between polls.
    ``hooks``: run the builder's ``post_init``, ``post_stop`` and ``post_shutdown`` as
    ``run_polling`` does (the bot's plan at start, health server and command menu). The
    demo and the tests leave them out: they plan by hand and count the Bot API calls.
    """
    try:
        async with application:  # initialize ... shutdown
            if hooks and application.post_init is not None:
                await application.post_init(application)
            updater = application.updater
            assert updater is not None, "the application was built without an updater"
            await updater.start_polling(
                poll_interval=0.0, timeout=poll_seconds, allowed_updates=ALLOWED_UPDATES
            )
            try:
                await application.start()
                yield application
            finally:
                await _stop(application, hooks=hooks)
    finally:
        if hooks and application.post_shutdown is not None:
            await application.post_shutdown(application)


async def _stop(application: App, *, hooks: bool) -> None:
    """Stop polling, then the handlers (if they started), then ``post_stop``."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if hooks and application.post_stop is not None:
            await application.post_stop(application)
