"""`BotApiSandbox`: the HTTP server that plays Telegram's Bot API for one bot."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from sandbox.control import control_routes
from sandbox.delivery import WebhookSender
from sandbox.errors import ApiError, SandboxTimeoutError, make_error, too_many_requests
from sandbox.faults import PROXY_PAGE, Faults, RateLimiter, SandboxStats
from sandbox.methods import METHODS, SENDS, canonical_name
from sandbox.methods_send import chat_id_of
from sandbox.models import SandboxMessage
from sandbox.params import Params
from sandbox.state import SandboxState
from sandbox.users import SimUser

MAX_BODY = 64 * 1024 * 1024


class BotApiSandbox:
    """A local Telegram Bot API emulator with simulated users and fault injection."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",  # noqa: S107 - a fake token for local tests
        username: str = "alliance_sandbox_bot",
        *,
        enforce_rate_limits: bool = False,
    ) -> None:
        self.token = token
        self.username = username
        self.enforce_rate_limits = enforce_rate_limits
        prefix = token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else 1
        name = " ".join(part.capitalize() for part in username.split("_"))
        bot = {"id": bot_id, "is_bot": True, "first_name": name, "username": username}
        self.state = SandboxState(bot)
        self.stats = SandboxStats()
        self._faults = Faults()
        self._limiter = RateLimiter()
        self._users: dict[int, SimUser] = {}
        self._runner: web.AppRunner | None = None
        self._root: str | None = None
        self._closing = asyncio.Event()
        self._sender = WebhookSender(self.state, self._run_answer)

    @property
    def api_root(self) -> str:
        """Root URL of the running server, e.g. `http://127.0.0.1:43210`."""
        if self._root is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return self._root

    @property
    def base_url(self) -> str:
        """What to pass as PTB's `base_url`: `{api_root}/bot`."""
        return f"{self.api_root}/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving on host:port (port 0 picks a free port)."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        self._closing = asyncio.Event()
        self.state.updates.closed = False
        app = web.Application(client_max_size=MAX_BODY)
        app.add_routes([web.route("*", "/bot{token}/{method}", self._handle)])
        app.add_routes(control_routes(self))
        app.add_routes([web.route("*", "/{tail:.*}", _not_found)])
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        self._root = f"http://{shown}:{sock.getsockname()[1]}"
        self._runner = runner
        self._sender.start()

    async def stop(self) -> None:
        """End long polls and delays at once, then shut the server down."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.state.updates.closed = True
        self._closing.set()
        self.state.signal.notify()
        await self._sender.stop()
        await runner.cleanup()
        self._root = None

    async def __aenter__(self) -> Self:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def user(self, user_id: int, first_name: str = "Sim", language_code: str = "en") -> SimUser:
        """Return the simulated user with this id, creating them and their chat."""
        if user_id not in self._users:
            chat = self.state.add_chat(user_id, first_name, language_code)
            self._users[user_id] = SimUser(self.state, chat)
        return self._users[user_id]

    def chat_messages(self, chat_id: int) -> list[SandboxMessage]:
        """All messages of a chat, the user's and the bot's, oldest first."""
        chat = self.state.chats.get(chat_id)
        return [m for m in chat.messages if not m.deleted] if chat else []

    def bot_messages(self, chat_id: int | None = None) -> list[SandboxMessage]:
        """The bot's messages, in one chat or everywhere, in sending order."""
        found = [m for m in self.state.messages.values() if m.from_bot and not m.deleted]
        return [m for m in found if chat_id is None or m.chat_id == chat_id]

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet."""
        return self.state.updates.pending()

    def webhook_info(self) -> dict[str, Any]:
        """What getWebhookInfo answers now (the URL is empty while polling)."""
        return self.state.webhook_info()

    async def wait_until_delivered(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has confirmed every pending update (by polling or webhook)."""
        emptied = await self.state.signal.wait_for(
            lambda: True if not self.state.updates.pending() else None, timeout
        )
        if emptied is None:
            pending = len(self.state.updates.pending())
            raise SandboxTimeoutError(f"{pending} updates still pending after {timeout} s")

    def my_commands(self, language_code: str = "") -> list[dict[str, Any]]:
        """Commands set with setMyCommands for the default scope."""
        return self.state.commands.get('{"type": "default"}|' + language_code, [])

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        seconds: float | None = None,
        chat_id: int | None = None,
        skip: int = 0,
    ) -> None:
        """Answer the next `times` calls of `method` with this error, doing nothing; with
        `seconds`, every call in that spell instead (a 429 counts the spell down); with
        `chat_id`, only calls to that chat, after letting `skip` of them through."""
        error = make_error(error_code, description, retry_after)
        if chat_id is not None:
            self._faults.fail_in_chat(method, chat_id, error, times, skip)
        elif seconds is not None:
            self._faults.fail_for(method, error, seconds)
        else:
            self._faults.fail(method, error, times)

    def fail_randomly(
        self,
        methods: str | list[str],
        *,
        error_code: int,
        fraction: float,
        seed: int = 0,
        description: str | None = None,
    ) -> None:
        """Answer about `fraction` of the calls of each of `methods` with this error, doing
        nothing, until `clear_faults`; a 429 names a retry_after of 1 s."""
        error = make_error(error_code, description, None)
        for method in [methods] if isinstance(methods, str) else methods:
            self._faults.fail_randomly(method, error, fraction, seed)

    def clear_faults(self) -> None:
        """End every injected failure and delay: Telegram is well again."""
        self._faults.clear()

    def garble_next(self, method: str, body: str = PROXY_PAGE, times: int = 1) -> None:
        """Carry out the next `times` calls of `method` but answer each with `body` (status
        200): an answer the bot cannot read, e.g. a proxy's page (see `sandbox.faults`)."""
        self._faults.garble(method, body, times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the answers of the next calls of `method`; the calls still take effect."""
        self._faults.delay(method, seconds, times)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _reply(ApiError(401, "Unauthorized").payload(), 401)
        name = canonical_name(request.match_info["method"])
        if name is None:
            return _reply(ApiError(404, "Not Found: method not found").payload(), 404)
        self.stats.calls[name] += 1
        delay = self._faults.next_delay(name)
        try:
            failure = self._faults.next_failure(name)
            params = await Params.read(request)
            if failure is None and self._faults.watches_chats(name):
                failure = self._faults.next_chat_failure(name, chat_id_of(params))
            if failure is not None:
                raise ApiError(failure.code, failure.description, failure.parameters)
            result = await self._call(name, params)
            body, status = {"ok": True, "result": result}, 200
            garbled = self._faults.next_garbled(name)
        except ApiError as error:
            if request.transport is not None and not request.transport.is_closing():
                self.stats.errors[error.code] += 1
            body, status, garbled = error.payload(), error.code, None
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        if garbled is not None:
            return web.Response(text=garbled, status=200, content_type="text/html")
        return _reply(body, status)

    async def _run_answer(self, method: str, params: Params) -> None:
        """Run a method the bot put in its webhook answer; errors go nowhere, as in Telegram."""
        name = canonical_name(method)
        if name is None:
            return
        self.stats.calls[name] += 1
        self._faults.next_delay(name)
        if self._faults.next_failure(name) is not None:
            return
        with contextlib.suppress(ApiError):
            await self._call(name, params)

    async def _call(self, name: str, params: Params) -> object:
        handler = METHODS[name]
        if not (self.enforce_rate_limits and name in SENDS):
            return await handler(self.state, params)
        chat_id = chat_id_of(params)
        wait = self._limiter.retry_after(chat_id)
        if wait is not None:
            self.stats.rate_limited += 1
            raise too_many_requests(wait)
        result = await handler(self.state, params)
        self._limiter.record(chat_id)
        return result


def _reply(body: dict[str, Any], status: int) -> web.Response:
    return web.json_response(body, status=status)


async def _not_found(request: web.Request) -> web.Response:
    return _reply(ApiError(404, "Not Found").payload(), 404)
