"""Simulated users driving a real PTB Application that long-polls the sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from sandbox import BotApiSandbox, SandboxMessage, SandboxTimeoutError, SimUser

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

CHOICES = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Much better", callback_data="mood:3")],
        [InlineKeyboardButton("A bit better", callback_data="mood:2")],
        [InlineKeyboardButton("Help", url="https://example.org/help")],
    ]
)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply to /start with the command's arguments and a keyboard."""
    assert update.effective_message is not None
    args = " ".join(context.args or [])
    await update.effective_message.reply_text(f"args: {args}", reply_markup=CHOICES)


async def thank(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a tap, then replace the question."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"Saved {query.data}", show_alert=True)
    await query.edit_message_text("Thank you")


async def test_a_command_reaches_a_command_handler_with_its_arguments(
    app: AnyApplication, user: SimUser
) -> None:
    app.add_handler(CommandHandler("start", ask))
    sent = await user.send_command("start", "invite-42")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await user.wait_for_message()
    assert reply.text == "args: invite-42"
    assert user.button_labels(reply) == ["Much better", "A bit better", "Help"]


async def test_a_tap_reaches_a_callback_query_handler_and_returns_its_answer(
    app: AnyApplication, user: SimUser
) -> None:
    app.add_handler(CommandHandler("start", ask))
    app.add_handler(CallbackQueryHandler(thank))
    await user.send_command("start")
    question = await user.wait_for_message()
    answer = await user.tap(question, text="A bit")
    assert (answer.text, answer.show_alert) == ("Saved mood:2", True)
    edited = await user.wait_for_message(lambda m: m.edit_count == 1)
    assert (edited.message_id, edited.text, edited.reply_markup) == (
        question.message_id,
        "Thank you",
        None,
    )


async def test_a_button_can_be_tapped_by_its_callback_data(
    app: AnyApplication, user: SimUser
) -> None:
    app.add_handler(CommandHandler("start", ask))
    app.add_handler(CallbackQueryHandler(thank))
    await user.send_command("start")
    answer = await user.tap((await user.wait_for_message()).message_id, data="mood:3")
    assert answer.text == "Saved mood:3"


async def test_a_forged_tap_carries_arbitrary_data(app: AnyApplication, user: SimUser) -> None:
    app.add_handler(CommandHandler("start", ask))
    app.add_handler(CallbackQueryHandler(thank))
    await user.send_command("start")
    answer = await user.tap_raw(await user.wait_for_message(), "forged:999")
    assert answer.text == "Saved forged:999"


async def test_an_unanswered_tap_fails_with_a_clear_timeout(
    sandbox: BotApiSandbox, user: SimUser
) -> None:
    _question(sandbox, user)
    with pytest.raises(SandboxTimeoutError, match="did not answer callback query"):
        await user.tap(user.last_message(), text="Much better", timeout=0.05)


async def test_tapping_a_missing_or_url_button_is_a_lookup_error(
    sandbox: BotApiSandbox, user: SimUser
) -> None:
    _question(sandbox, user)
    with pytest.raises(LookupError, match="Much better"):
        await user.tap(user.last_message(), text="Worse")
    with pytest.raises(LookupError, match="no single callback button"):
        await user.tap(user.last_message(), text="Help")
    with pytest.raises(LookupError, match="no single callback button"):
        await user.tap(user.last_message(), text="better")


async def test_waiting_for_a_message_that_never_comes_times_out(user: SimUser) -> None:
    with pytest.raises(SandboxTimeoutError, match="no matching bot message"):
        await user.wait_for_message(timeout=0.05)


async def test_waiting_returns_successive_messages_in_order(
    sandbox: BotApiSandbox, user: SimUser
) -> None:
    await user.send_text("hello")
    for text in ("one", "two"):
        _store(sandbox, user, text)
    assert (await user.wait_for_message()).text == "one"
    assert (await user.wait_for_message()).text == "two"


async def test_blocking_sends_a_kicked_member_update_to_the_bot(
    app: AnyApplication, user: SimUser
) -> None:
    statuses: list[str] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        statuses.append(update.my_chat_member.new_chat_member.status)
        if update.my_chat_member.new_chat_member.status == "member":
            await context.bot.send_message(user.id, "Welcome back")

    app.add_handler(ChatMemberHandler(record, ChatMemberHandler.MY_CHAT_MEMBER))
    user.block_bot()
    user.unblock_bot()
    await user.wait_for_message(lambda m: m.text == "Welcome back")
    assert statuses == ["kicked", "member"]


def _question(sandbox: BotApiSandbox, user: SimUser) -> SandboxMessage:
    message = _store(sandbox, user, "How are you?")
    message.reply_markup = CHOICES.to_dict()
    return message


def _store(sandbox: BotApiSandbox, user: SimUser, text: str) -> SandboxMessage:
    """Put a bot message into the chat without going through HTTP."""
    return sandbox.state.add_message(sandbox.state.chat(user.id), from_bot=True, text=text)


async def test_an_edit_makes_a_message_waitable_again(
    sandbox: BotApiSandbox, user: SimUser
) -> None:
    message = _store(sandbox, user, "draft")
    assert (await user.wait_for_message()).text == "draft"
    message.text = "final"
    sandbox.state.touch(message)
    assert (await user.wait_for_message(lambda m: m.text == "final")) is message


async def test_a_reply_that_came_before_the_next_action_is_not_lost(
    sandbox: BotApiSandbox, user: SimUser
) -> None:
    await user.send_text("one")
    _store(sandbox, user, "reply to one")
    await user.send_text("two")
    assert (await user.wait_for_message()).text == "reply to one"


async def test_a_callback_query_is_answered_once_with_at_most_200_characters(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    _question(sandbox, user)
    tap = asyncio.create_task(user.tap(user.last_message(), data="mood:3"))
    (update,) = await bot.get_updates(timeout=5)
    assert update.callback_query is not None
    query_id = update.callback_query.id
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.answer_callback_query(query_id, "x" * 201)
    await bot.answer_callback_query(query_id, "x" * 200)
    assert (await tap).text == "x" * 200
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
