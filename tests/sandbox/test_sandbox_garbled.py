"""Answers the bot cannot read: the call is carried out, its answer is garbled."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import TelegramError

from sandbox import BotApiSandbox, SimUser
from sandbox.faults import NO_RESULT


async def test_a_garbled_answer_is_unreadable_but_the_message_arrives(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.garble_next("sendMessage")

    with pytest.raises(TelegramError) as caught:
        await bot.send_message(user.id, "hello")

    assert type(caught.value) is TelegramError  # PTB's "Invalid server response"
    assert [m.text for m in user.messages()] == ["hello"]
    await bot.send_message(user.id, "again")  # only the next call was garbled
    assert [m.text for m in user.messages()] == ["hello", "again"]


async def test_an_envelope_without_its_result_is_not_a_telegram_error(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.garble_next("sendMessage", NO_RESULT, times=2)

    for text in ("one", "two"):
        with pytest.raises(KeyError):
            await bot.send_message(user.id, text)

    assert [m.text for m in user.messages()] == ["one", "two"]


async def test_clearing_the_faults_ends_garbled_answers(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.garble_next("sendMessage", times=3)
    sandbox.clear_faults()

    sent = await bot.send_message(user.id, "fine")

    assert sent.text == "fine"


async def test_an_injected_failure_wins_over_a_garbled_answer(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    sandbox.garble_next("sendMessage")
    sandbox.fail_next("sendMessage", error_code=500)

    with pytest.raises(TelegramError) as caught:
        await bot.send_message(user.id, "lost")

    assert type(caught.value) is not TelegramError  # a NetworkError: nothing was sent
    assert user.messages() == []
    with pytest.raises(TelegramError):
        await bot.send_message(user.id, "garbled")  # the garbled answer is still due
    assert [m.text for m in user.messages()] == ["garbled"]
