"""Raw HTTP: envelopes, tokens, request encodings, the control API and the runner."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox import BotApiSandbox


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


async def fetch(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    """Send a request and return its status and decoded JSON body."""
    async with http.request(method, url, **kwargs) as response:
        return response.status, await response.json()


async def test_a_wrong_token_is_unauthorized(
    http: aiohttp.ClientSession, sandbox: BotApiSandbox
) -> None:
    status, body = await fetch(http, "POST", f"{sandbox.api_root}/bot1:WRONG/getMe")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


async def test_an_unknown_method_is_not_found(
    http: aiohttp.ClientSession, sandbox: BotApiSandbox
) -> None:
    status, body = await fetch(http, "POST", f"{sandbox.base_url}{sandbox.token}/sendPigeon")
    assert (status, body["error_code"]) == (404, 404)
    assert body["description"] == "Not Found: method not found"
    status, body = await fetch(http, "GET", f"{sandbox.api_root}/elsewhere")
    assert (status, body["ok"]) == (404, False)


async def test_json_bodies_and_query_strings_are_accepted_like_forms(
    http: aiohttp.ClientSession, sandbox: BotApiSandbox
) -> None:
    user = sandbox.user(7)
    url = f"{sandbox.base_url}{sandbox.token}/sendmessage"
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    payload = {"chat_id": 7, "text": "json", "reply_markup": markup, "protect_content": True}
    status, body = await fetch(http, "POST", url, json=payload)
    assert (status, body["result"]["reply_markup"]) == (200, markup)
    status, body = await fetch(http, "GET", url, params={"chat_id": "7", "text": "query"})
    assert (status, body["result"]["text"]) == (200, "query")
    form = {"chat_id": "7", "text": "form", "reply_markup": json.dumps(markup)}
    status, body = await fetch(http, "POST", url, data=form)
    assert status == 200
    assert [m.text for m in user.messages()] == ["json", "query", "form"]
    assert user.messages()[0].protect_content


async def test_a_429_carries_retry_after_in_its_parameters(
    http: aiohttp.ClientSession, sandbox: BotApiSandbox
) -> None:
    sandbox.fail_next("getMe", error_code=429, retry_after=3)
    status, body = await fetch(http, "GET", f"{sandbox.base_url}{sandbox.token}/getMe")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


async def test_the_control_api_drives_a_user_through_a_tap(
    http: aiohttp.ClientSession, sandbox: BotApiSandbox
) -> None:
    api, control = f"{sandbox.base_url}{sandbox.token}", f"{sandbox.api_root}/sandbox/users/9"
    _, sent = await fetch(http, "POST", f"{control}/command", json={"command": "start"})
    assert sent["result"]["text"] == "/start"
    markup = {"inline_keyboard": [[{"text": "Fine", "callback_data": "f"}]]}
    await fetch(
        http, "POST", f"{api}/sendMessage", json={"chat_id": 9, "text": "Q", "reply_markup": markup}
    )
    tap = asyncio.create_task(fetch(http, "POST", f"{control}/tap", json={"text": "Fine"}))
    _, updates = await fetch(http, "POST", f"{api}/getUpdates", json={"offset": 2, "timeout": 5})
    query = updates["result"][0]["callback_query"]
    assert (query["data"], query["message"]["text"]) == ("f", "Q")
    await fetch(
        http,
        "POST",
        f"{api}/answerCallbackQuery",
        json={"callback_query_id": query["id"], "text": "ok"},
    )
    assert await tap == (
        200,
        {"ok": True, "result": {"text": "ok", "show_alert": False, "url": None}},
    )
    _, messages = await fetch(http, "GET", f"{control}/messages")
    assert [m["text"] for m in messages["result"]] == ["Q"]
    _, stats = await fetch(http, "GET", f"{sandbox.api_root}/sandbox/stats")
    assert stats["result"]["calls"]["answerCallbackQuery"] == 1


async def test_the_control_api_reports_bad_input_and_timeouts(
    http: aiohttp.ClientSession, sandbox: BotApiSandbox
) -> None:
    control = f"{sandbox.api_root}/sandbox/users/9"
    status, body = await fetch(http, "POST", f"{control}/text", json={})
    assert (status, body["ok"]) == (400, False)
    status, body = await fetch(http, "POST", f"{control}/wait", json={"timeout": 0.05})
    assert (status, body["ok"]) == (504, False)


async def test_the_runner_serves_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    root = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
    async with aiohttp.ClientSession() as session:
        status, body = await fetch(session, "GET", f"{root}/bot123456:TEST-TOKEN/getMe")
    process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(process.wait(), 30) == 0
    assert (status, body["result"]["username"]) == (200, "alliance_sandbox_bot")
