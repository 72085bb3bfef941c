"""Failures planned for one chat, and message length as Telegram counts it."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from sandbox import BotApiSandbox, SimUser


async def test_a_failure_for_one_chat_leaves_other_chats_alone(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    other = sandbox.user(1002, "Bea")
    sandbox.fail_next("sendMessage", error_code=403, description="Forbidden: x", chat_id=user.id)

    await bot.send_message(other.id, "to Bea")
    with pytest.raises(Forbidden):
        await bot.send_message(user.id, "to Ada")
    await bot.send_message(user.id, "to Ada again")

    assert [m.text for m in other.messages()] == ["to Bea"]
    assert [m.text for m in user.messages()] == ["to Ada again"]


async def test_a_chat_failure_can_let_the_first_messages_through(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.fail_next(
        "sendMessage",
        error_code=400,
        description="Bad Request: can't parse entities",
        chat_id=user.id,
        skip=1,
    )

    await bot.send_message(user.id, "first")
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(user.id, "second")
    await bot.send_message(user.id, "third")

    assert [m.text for m in user.messages()] == ["first", "third"]


async def test_clearing_faults_ends_chat_failures_too(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.fail_next("sendMessage", error_code=502, chat_id=user.id, times=3)
    sandbox.clear_faults()

    await bot.send_message(user.id, "well again")

    assert user.last_message().text == "well again"


async def test_emoji_inside_tags_and_entities_count_utf16_units_after_parsing(
    bot: Bot, user: SimUser
) -> None:
    exactly = "<i>" + "😀" * 2000 + "</i>" + "&amp;" * 96  # 4000 + 96 = 4096 units
    await bot.send_message(user.id, exactly, parse_mode=ParseMode.HTML)
    assert user.last_message().text == "😀" * 2000 + "&" * 96
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, exactly + "&lt;", parse_mode=ParseMode.HTML)
