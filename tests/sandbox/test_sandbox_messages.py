"""Sending and editing messages through the real PTB client, and Telegram's rejections."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from sandbox import BotApiSandbox, SimUser


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of callback buttons from (label, data) pairs."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


async def test_get_me_describes_the_sandbox_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "alliance_sandbox_bot", True)


async def test_a_sent_message_is_stored_with_its_keyboard_and_flags(
    bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(
        user.id,
        "<b>How was</b> the session?",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Good", "r:1"), ("Hard", "r:2")),
        protect_content=True,
        disable_notification=True,
    )
    stored = user.last_message()
    assert sent.text == stored.text == "How was the session?"
    assert sent.entities[0].type == "bold"
    assert (stored.message_id, stored.chat_id, stored.parse_mode) == (
        sent.message_id,
        user.id,
        "HTML",
    )
    assert stored.source == "<b>How was</b> the session?"
    assert stored.protect_content
    assert stored.disable_notification
    assert user.button_labels(stored) == ["Good", "Hard"]
    assert stored.reply_markup == keyboard(("Good", "r:1"), ("Hard", "r:2")).to_dict()


async def test_editing_text_changes_text_and_keyboard_and_counts_the_edit(
    bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "Question", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_text(
        "Answered", chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    stored = user.last_message()
    assert (stored.text, stored.edit_count, user.button_labels()) == ("Answered", 1, ["B"])


async def test_editing_text_without_a_keyboard_removes_the_keyboard(
    bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "Question", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_text("Thanks", chat_id=user.id, message_id=sent.message_id)
    assert user.last_message().reply_markup is None


async def test_editing_only_the_keyboard_keeps_the_text(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "Question", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_reply_markup(user.id, sent.message_id)
    stored = user.last_message()
    assert (stored.text, stored.reply_markup, stored.edit_count) == ("Question", None, 1)


async def test_text_over_4096_characters_is_rejected(bot: Bot, user: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "x" * 4097)


async def test_4096_characters_counted_after_html_parsing_are_accepted(
    bot: Bot, user: SimUser
) -> None:
    await bot.send_message(user.id, "<b>" + "&lt;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert user.last_message().text == "<" * 4096


async def test_length_is_counted_in_utf16_code_units(bot: Bot, user: SimUser) -> None:
    await bot.send_message(user.id, "🙂" * 2048)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "🙂" * 2049)


@pytest.mark.parametrize("text", ["", "   ", "<b></b>"])
async def test_empty_text_is_rejected(bot: Bot, user: SimUser, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.id, text, parse_mode=ParseMode.HTML)


@pytest.mark.parametrize("data", ["x" * 65, "я" * 33, ""])
async def test_callback_data_outside_1_to_64_bytes_is_rejected(
    bot: Bot, user: SimUser, data: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(user.id, "Pick", reply_markup=keyboard(("A", data)))


async def test_callback_data_of_exactly_64_bytes_is_accepted(bot: Bot, user: SimUser) -> None:
    await bot.send_message(user.id, "Pick", reply_markup=keyboard(("A", "я" * 32)))
    assert user.last_message().buttons[0]["callback_data"] == "я" * 32


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("a <x>b</x>", 'Unsupported start tag "x" at byte offset 2'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("Tom &foo; Jerry", 'Unsupported HTML entity "&foo;"'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_malformed_html_is_rejected_with_the_reason(
    bot: Bot, user: SimUser, text: str, detail: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(user.id, text, parse_mode=ParseMode.HTML)
    assert "can't parse entities" in caught.value.message.lower()
    assert detail.lower() in caught.value.message.lower()


async def test_editing_with_identical_content_is_not_modified(bot: Bot, user: SimUser) -> None:
    markup = keyboard(("A", "a"))
    sent = await bot.send_message(user.id, "<i>Same</i>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<i>Same</i>",
            chat_id=user.id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=markup,
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=markup)


async def test_editing_a_message_of_another_chat_is_not_found(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    other = sandbox.user(2002)
    sent = await bot.send_message(user.id, "Mine")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Theirs", chat_id=other.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Nothing", chat_id=user.id, message_id=999)


async def test_sending_to_an_unknown_chat_is_chat_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "Hello?")


async def test_a_user_who_blocked_the_bot_makes_sends_and_edits_forbidden(
    bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "Before")
    user.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(user.id, "After")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.edit_message_text("Edited", chat_id=user.id, message_id=sent.message_id)
    user.unblock_bot()
    await bot.send_message(user.id, "Welcome back")


async def test_a_photo_upload_is_stored_with_its_bytes_and_caption(bot: Bot, user: SimUser) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x08" + b"\x00" * 32
    sent = await bot.send_photo(
        user.id, png, caption="<b>Your week</b>", parse_mode="HTML", filename="week.png"
    )
    stored = user.last_message()
    assert (stored.file_bytes, stored.file_size, stored.filename) == (png, len(png), "week.png")
    assert (stored.caption, sent.caption) == ("Your week", "Your week")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (16, 8)


async def test_a_photo_can_be_resent_by_its_file_id(bot: Bot, user: SimUser) -> None:
    first = await bot.send_photo(user.id, b"GIF89a\x02\x00\x01\x00", filename="a.gif")
    second = await bot.send_photo(user.id, first.photo[-1].file_id)
    assert second.photo[-1].file_id == first.photo[-1].file_id
    assert user.last_message().file_bytes == b"GIF89a\x02\x00\x01\x00"


async def test_a_caption_over_1024_characters_is_rejected(bot: Bot, user: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(user.id, b"\xff\xd8\xff", caption="c" * 1025)


async def test_a_document_keeps_its_name_type_and_bytes(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_document(user.id, b"a,b\n1,2\n", filename="answers.csv")
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type) == ("answers.csv", "text/csv")
    assert user.last_message().file_bytes == b"a,b\n1,2\n"


async def test_commands_can_be_set_read_and_deleted(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.set_my_commands([("start", "Begin"), ("help", "Get help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert sandbox.my_commands()[1] == {"command": "help", "description": "Get help"}
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_an_invalid_command_name_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("Start-Now", "Begin")])


async def test_the_chat_keeps_both_sides_in_order(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser
) -> None:
    await user.send_text("hi")
    await bot.send_message(user.id, "hello")
    history = sandbox.chat_messages(user.id)
    assert [(m.from_bot, m.text) for m in history] == [(False, "hi"), (True, "hello")]
    assert history[0].message_id < history[1].message_id


async def test_a_caption_can_be_edited_and_a_message_deleted(bot: Bot, user: SimUser) -> None:
    sent = await bot.send_document(user.id, b"data", filename="d.txt", caption="old")
    await bot.edit_message_caption(
        user.id, sent.message_id, caption="<i>new</i>", parse_mode="HTML"
    )
    assert (user.last_message().caption, user.last_message().edit_count) == ("new", 1)
    with pytest.raises(BadRequest, match=r"(?i)no text in the message"):
        await bot.edit_message_text("text", chat_id=user.id, message_id=sent.message_id)
    await bot.send_chat_action(user.id, "typing")
    assert await bot.delete_message(user.id, sent.message_id)
    assert user.messages() == []
