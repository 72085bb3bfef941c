"""deleteMessage and deleteMessages follow Telegram's 48-hour rule for private chats."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest

from sandbox import BotApiSandbox, SimUser

TWO_DAYS = 48 * 3600


async def test_a_message_under_48_hours_old_can_be_deleted_once(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "quoted")

    assert await bot.delete_message(user.id, sent.message_id)
    assert user.messages() == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_a_message_48_hours_old_cannot_be_deleted(
    bot: Bot, user: SimUser, sandbox: BotApiSandbox
) -> None:
    sent = await bot.send_message(user.id, "quoted")
    (stored,) = sandbox.bot_messages(user.id)
    stored.date -= TWO_DAYS

    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(user.id, sent.message_id)
    assert [m.message_id for m in user.messages()] == [sent.message_id]


async def test_delete_messages_removes_the_young_ones_and_skips_the_rest(
    bot: Bot, user: SimUser, sandbox: BotApiSandbox
) -> None:
    old = await bot.send_message(user.id, "old")
    young = await bot.send_message(user.id, "young")
    sandbox.bot_messages(user.id)[0].date -= TWO_DAYS

    assert await bot.delete_messages(user.id, [old.message_id, young.message_id, 999])
    assert [m.text for m in user.messages()] == ["old"]
    with pytest.raises(BadRequest, match=r"(?i)message_ids"):
        await bot.delete_messages(user.id, [])
