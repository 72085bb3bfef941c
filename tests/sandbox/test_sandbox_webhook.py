"""Webhook mode: setWebhook, delivery by HTTP POST, retries, conflicts, replies in the answer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict

from sandbox import BotApiSandbox, SimUser

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
Update = dict[str, Any]


class Receiver:
    """A tiny webhook endpoint that checks the secret, records updates and answers as told."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.statuses: list[int] = []
        self.attempts: list[int] = []
        self.answer: Callable[[Update], Update | None] = lambda update: None
        self.hold: asyncio.Event | None = None
        self.url = ""
        self._updates: asyncio.Queue[Update] = asyncio.Queue()
        self._runner: web.AppRunner | None = None

    async def start(self, sock: socket.socket | None = None) -> None:
        """Serve on a bound socket (or a new one on a free loopback port)."""
        if sock is None:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
        app = web.Application()
        app.add_routes([web.post("/hook", self._handle)])
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"

    async def stop(self) -> None:
        """Release a held answer and shut down."""
        if self.hold is not None:
            self.hold.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def next(self) -> Update:
        """The next update accepted, waiting up to 5 s for it."""
        return await asyncio.wait_for(self._updates.get(), 5)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != self.secret:
            return web.Response(status=403)
        update: Update = await request.json()
        self.attempts.append(update["update_id"])
        if self.statuses:
            return web.Response(status=self.statuses.pop(0))
        self._updates.put_nowait(update)
        if self.hold is not None:
            await self.hold.wait()
        reply = self.answer(update)
        return web.Response() if reply is None else web.json_response(reply)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver, started unless a test starts it itself."""
    endpoint = Receiver()
    yield endpoint
    await endpoint.stop()


@pytest.fixture
async def listening(receiver: Receiver) -> Receiver:
    """The webhook receiver, listening on a free loopback port."""
    await receiver.start()
    return receiver


def answer_query(update: Update) -> Update:
    """Answer a callback query in the webhook's HTTP answer."""
    query_id = update["callback_query"]["id"]
    return {"method": "answerCallbackQuery", "callback_query_id": query_id, "text": "Ok"}


async def delivery_error(sandbox: BotApiSandbox) -> str:
    """Wait for the sandbox to record a failed delivery, and return its message."""
    found = await sandbox.state.signal.wait_for(
        lambda: sandbox.webhook_info().get("last_error_message"), 5
    )
    assert isinstance(found, str)
    return found


async def test_updates_arrive_in_order_with_the_secret_header(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    listening.secret = "s3cret_-Token"
    assert await bot.set_webhook(listening.url, secret_token=listening.secret)
    for text in ("one", "two", "three", "four"):
        await user.send_text(text)
    received = [await listening.next() for _ in range(4)]
    assert [u["message"]["text"] for u in received] == ["one", "two", "three", "four"]
    assert listening.attempts == sorted(listening.attempts)
    await sandbox.wait_until_delivered()
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_date) == (listening.url, 0, None)


async def test_a_failing_receiver_gets_retries_and_later_success(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    listening.statuses = [500, 503, 500]
    await bot.set_webhook(listening.url)
    await user.send_text("first")
    await user.send_text("second")
    first, second = await listening.next(), await listening.next()
    assert (first["message"]["text"], second["message"]["text"]) == ("first", "second")
    assert listening.attempts == [first["update_id"]] * 4 + [second["update_id"]]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None


async def test_a_receiver_that_is_not_listening_yet_gets_the_update_once_it_is(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, receiver: Receiver
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await bot.set_webhook(f"http://127.0.0.1:{sock.getsockname()[1]}/hook")
    await user.send_text("early")
    assert await delivery_error(sandbox) == "Connection refused"
    assert sandbox.webhook_info()["pending_update_count"] == 1
    await receiver.start(sock)
    assert (await receiver.next())["message"]["text"] == "early"


async def test_a_wrong_secret_is_retried_until_the_webhook_is_set_again(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    listening.secret = "right"
    await bot.set_webhook(listening.url, secret_token="wrong")
    await user.send_text("knock")
    assert await delivery_error(sandbox) == "Wrong response from the webhook: 403 Forbidden"
    await bot.set_webhook(listening.url, secret_token="right")
    assert (await listening.next())["message"]["text"] == "knock"


async def test_get_updates_conflicts_while_a_webhook_is_set(
    bot: Bot, sandbox: BotApiSandbox, listening: Receiver
) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await sandbox.state.signal.wait_for(lambda: sandbox.stats.calls["getUpdates"] or None, 5)
    assert sandbox.stats.calls["getUpdates"] == 1
    await bot.set_webhook(listening.url)
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await waiting
    with pytest.raises(Conflict, match="use deleteWebhook to delete the webhook first"):
        await bot.get_updates()


async def test_delete_webhook_returns_to_polling_with_undelivered_updates_kept(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    listening.statuses = [502] * 1000
    await bot.set_webhook(listening.url)
    await user.send_text("kept")
    assert await delivery_error(sandbox) == "Wrong response from the webhook: 502 Bad Gateway"
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    (update,) = await bot.get_updates(timeout=5)
    assert update.message is not None
    assert update.message.text == "kept"


async def test_set_webhook_can_drop_pending_updates(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    await user.send_text("stale")
    await bot.set_webhook(listening.url, drop_pending_updates=True)
    await user.send_text("fresh")
    assert (await listening.next())["message"]["text"] == "fresh"
    assert len(listening.attempts) == 1


async def test_allowed_updates_limit_what_is_delivered(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
    question = await bot.send_message(user.id, "Coming?", reply_markup=markup)
    await bot.set_webhook(listening.url, allowed_updates=["callback_query"])
    assert (await bot.get_webhook_info()).allowed_updates == ("callback_query",)
    listening.answer = answer_query
    await user.send_text("not wanted")
    assert (await user.tap(question.message_id, text="Yes")).text == "Ok"
    assert (await listening.next())["callback_query"]["data"] == "y"
    await sandbox.wait_until_delivered()
    assert len(listening.attempts) == 1


async def test_the_webhook_answer_can_call_answer_callback_query_and_other_methods(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    def answer(update: Update) -> Update | None:
        if "callback_query" in update:
            return answer_query(update)
        message = update["message"]
        return {"method": "sendmessage", "chat_id": message["chat"]["id"], "text": message["text"]}

    listening.answer = answer
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
    question = await bot.send_message(user.id, "Coming?", reply_markup=markup)
    await bot.set_webhook(listening.url)
    assert (await user.tap(question.message_id, text="Yes")).text == "Ok"
    await user.send_text("echo me")
    assert (await user.wait_for_message(lambda m: m.message_id != question.message_id)).text == (
        "echo me"
    )
    assert sandbox.stats.calls["answerCallbackQuery"] == 1


async def test_webhooks_outside_this_machine_and_bad_secrets_are_refused(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    for url in (
        "https://example.org/hook",
        "http://10.0.0.1/hook",
        "http://[::2]:8443/hook",
        "ftp://127.0.0.1/hook",
        "http://127.0.0.1:99999/hook",
    ):
        with pytest.raises(BadRequest, match="Bad webhook: "):
            await bot.set_webhook(url)
    with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces")
    assert sandbox.webhook_info()["url"] == ""
    for url in ("http://localhost:9/hook", "https://[::1]:9/hook", "http://127.0.0.2:9/"):
        assert await bot.set_webhook(url)
        assert (await bot.get_webhook_info()).url == url


async def test_stopping_the_sandbox_abandons_a_delivery_and_restarting_resumes_it(
    bot: Bot, sandbox: BotApiSandbox, user: SimUser, listening: Receiver
) -> None:
    listening.hold = asyncio.Event()
    await bot.set_webhook(listening.url)
    await user.send_text("in flight")
    held = await listening.next()
    await asyncio.wait_for(sandbox.stop(), 3)
    assert [u["update_id"] for u in sandbox.pending_updates()] == [held["update_id"]]
    listening.hold.set()
    await sandbox.start()
    assert (await listening.next())["update_id"] == held["update_id"]
    await sandbox.wait_until_delivered()
