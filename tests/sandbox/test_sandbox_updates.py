"""getUpdates: long polling, offsets, limits and the shape of updates."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import Conflict

from sandbox import BotApiSandbox, SimUser


async def polling_started(sandbox: BotApiSandbox) -> None:
    """Wait until a getUpdates call has reached the update queue."""
    assert await sandbox.state.signal.wait_for(lambda: sandbox.stats.calls["getUpdates"] or None, 5)


async def test_long_polling_returns_promptly_when_an_update_arrives(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await polling_started(sandbox)
    await user.send_text("hello")
    updates = await poll
    assert loop.time() - started < 2
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_a_timeout_of_zero_returns_at_once(bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=0) == ()
    assert loop.time() - started < 1


async def test_an_offset_confirms_and_drops_older_updates(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    for text in ("one", "two", "three"):
        await user.send_text(text)
    first, second, third = await bot.get_updates()
    assert first.update_id < second.update_id < third.update_id
    assert [u.update_id for u in await bot.get_updates(offset=second.update_id)] == [
        second.update_id,
        third.update_id,
    ]
    assert len(sandbox.pending_updates()) == 2
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [second.update_id]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [third.update_id]
    assert await bot.get_updates(offset=third.update_id + 1) == ()


async def test_updates_look_like_telegrams(sandbox: BotApiSandbox) -> None:
    user = sandbox.user(31, "Grace", "de")
    await user.send_text("hi")
    (update,) = sandbox.pending_updates()
    message = update["message"]
    assert message["from"] == {
        "id": 31,
        "is_bot": False,
        "first_name": "Grace",
        "language_code": "de",
    }
    assert message["chat"] == {"id": 31, "first_name": "Grace", "type": "private"}
    assert isinstance(message["date"], int)
    assert "entities" not in message


async def test_a_second_poller_ends_the_first_with_a_conflict(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await polling_started(sandbox)
    await bot.get_updates(timeout=0)
    with pytest.raises(Conflict):
        await first


async def test_stopping_the_sandbox_ends_a_waiting_long_poll(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await polling_started(sandbox)
    await sandbox.stop()
    assert await poll == ()
    assert loop.time() - started < 3


async def test_dropping_pending_updates_empties_the_queue(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    await user.send_text("lost")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    await bot.delete_webhook(drop_pending_updates=True)
    assert sandbox.pending_updates() == []
