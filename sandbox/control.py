"""The JSON control API under `/sandbox/`, for driving users from another process.

Bodies are JSON objects; answers are `{"ok": true, "result": ...}`, or `{"ok": false,
"description": ...}` with status 400 (bad input) or 504 (the bot did not answer in time).
Users are created on first use (optional "first_name" and "language_code" in the body).

    POST /sandbox/users/{id}/text      {"text": "hello"}                  -> the user's Message
    POST /sandbox/users/{id}/command   {"command": "start", "args": "x"}  -> the user's Message
    POST /sandbox/users/{id}/tap       {"message_id": 5, "text": "Yes"}   -> the bot's answer
         choose by "text" (label) or "data"; "raw": true sends any "data"; "message_id"
         defaults to the bot's latest message; "timeout" in seconds, default 5
    POST /sandbox/users/{id}/wait      {"contains": "Thanks", "timeout": 5}
         -> the next bot message (see SimUser.wait_for_message), optionally containing text
    POST /sandbox/users/{id}/block     POST /sandbox/users/{id}/unblock
    GET  /sandbox/users/{id}/messages  -> the bot's messages in that chat, current state
    GET  /sandbox/stats                -> calls per method, errors per code, 429 counts
    POST /sandbox/fail    {"method": "sendMessage", "error_code": 429, "retry_after": 3,
                           "description": "...", "times": 1}
         or "seconds": 5 instead of "times": every call for that long (429s count down)
         or "fraction": 0.15 (and "seed": 1) instead: that share of calls, until cleared
    POST /sandbox/delay   {"method": "sendMessage", "seconds": 10, "times": 1}
    POST /sandbox/clear   -> end every injected failure and delay
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.errors import SandboxTimeoutError

if TYPE_CHECKING:
    from sandbox.server import BotApiSandbox
    from sandbox.users import SimUser

Body = dict[str, Any]
UserAction = Callable[["SimUser", Body], Awaitable[object]]


def _ok(result: object, status: int = 200) -> web.Response:
    return web.json_response({"ok": True, "result": result}, status=status)


def _fail(description: str, status: int) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)


async def _body(request: web.Request) -> Body:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object")
    return body


async def _text(user: SimUser, body: Body) -> object:
    return await user.send_text(str(body["text"]))


async def _command(user: SimUser, body: Body) -> object:
    return await user.send_command(str(body["command"]), body.get("args"))


async def _tap(user: SimUser, body: Body) -> object:
    target = int(body.get("message_id") or user.last_message().message_id)
    timeout = float(body.get("timeout", 5.0))
    if body.get("raw"):
        answer = await user.tap_raw(target, str(body["data"]), timeout=timeout)
    else:
        answer = await user.tap(
            target, text=body.get("text"), data=body.get("data"), timeout=timeout
        )
    return {"text": answer.text, "show_alert": answer.show_alert, "url": answer.url}


async def _wait(user: SimUser, body: Body) -> object:
    needle = body.get("contains")

    def matches(message: Any) -> bool:
        return needle is None or needle in (message.text or message.caption or "")

    found = await user.wait_for_message(matches, float(body.get("timeout", 5.0)))
    return found.describe()


async def _messages(user: SimUser, body: Body) -> object:
    return [message.describe() for message in user.messages()]


async def _block(user: SimUser, body: Body) -> object:
    user.block_bot()
    return True


async def _unblock(user: SimUser, body: Body) -> object:
    user.unblock_bot()
    return True


class _Control:
    """The control API's handlers, bound to one sandbox."""

    def __init__(self, sandbox: BotApiSandbox) -> None:
        self.sandbox = sandbox

    def user_route(self, action: UserAction) -> Callable[[web.Request], Awaitable[web.Response]]:
        """A handler that runs ``action`` as the simulated user named in the path."""

        async def handle(request: web.Request) -> web.Response:
            try:
                body = await _body(request) if request.method == "POST" else {}
                user = self.sandbox.user(
                    int(request.match_info["user_id"]),
                    str(body.get("first_name", "Sim")),
                    str(body.get("language_code", "en")),
                )
                return _ok(await action(user, body))
            except SandboxTimeoutError as error:
                return _fail(str(error), 504)
            except (KeyError, LookupError, TypeError, ValueError) as error:
                return _fail(f"{type(error).__name__}: {error}", 400)

        return handle

    async def stats(self, _request: web.Request) -> web.Response:
        return _ok(self.sandbox.stats.as_dict())

    async def fail(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            if body.get("fraction") is not None:
                self.sandbox.fail_randomly(
                    str(body["method"]),
                    error_code=int(body["error_code"]),
                    fraction=float(body["fraction"]),
                    seed=int(body.get("seed", 0)),
                    description=body.get("description"),
                )
            else:
                self.sandbox.fail_next(
                    str(body["method"]),
                    error_code=int(body["error_code"]),
                    description=body.get("description"),
                    retry_after=body.get("retry_after"),
                    times=int(body.get("times", 1)),
                    seconds=None if body.get("seconds") is None else float(body["seconds"]),
                )
        except (KeyError, TypeError, ValueError) as error:
            return _fail(f"{type(error).__name__}: {error}", 400)
        return _ok(True)

    async def clear(self, _request: web.Request) -> web.Response:
        self.sandbox.clear_faults()
        return _ok(True)

    async def delay(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            times = int(body.get("times", 1))
            self.sandbox.delay_next(str(body["method"]), float(body["seconds"]), times)
        except (KeyError, TypeError, ValueError) as error:
            return _fail(f"{type(error).__name__}: {error}", 400)
        return _ok(True)


#: What a simulated user can be made to do, by the last part of the path.
_USER_ACTIONS: dict[str, UserAction] = {
    "text": _text,
    "command": _command,
    "tap": _tap,
    "wait": _wait,
    "block": _block,
    "unblock": _unblock,
}


def control_routes(sandbox: BotApiSandbox) -> list[web.RouteDef]:
    """Routes of the control API bound to one sandbox."""
    control = _Control(sandbox)
    base = r"/sandbox/users/{user_id:-?\d+}"
    return [
        *(web.post(f"{base}/{name}", control.user_route(a)) for name, a in _USER_ACTIONS.items()),
        web.get(f"{base}/messages", control.user_route(_messages)),
        web.get("/sandbox/stats", control.stats),
        web.post("/sandbox/fail", control.fail),
        web.post("/sandbox/delay", control.delay),
        web.post("/sandbox/clear", control.clear),
    ]
