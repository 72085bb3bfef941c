"""The webhook receiver: the real application behind it, the sandbox posting to it as Telegram
does, and hostile requests sent by hand over a raw socket where a client library would send
the whole body first."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.adapter.application import ALLOWED_UPDATES, App, build_application
from bot.adapter.webhook import MAX_BODY, SECRET_HEADER, WebhookReceiver
from bot.cli.main import main
from bot.process.crypto import new_key
from bot.process.services import bootstrap
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.clock import FixedClock
from sandbox import BotApiSandbox
from tests.e2e import fleet

TOKEN = "777000:WEBHOOK-TEST-TOKEN"
SECRET = "w" * 20 + "-webhook_secret-" + "0123456789"  # 46 characters
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    """The local Bot API."""
    async with BotApiSandbox(token=TOKEN) as running:
        yield running


@pytest.fixture
async def application(
    sandbox: BotApiSandbox, config: ClinicConfig, clock: FixedClock, tmp_path: Path
) -> AsyncIterator[App]:
    """The bot's application, started but receiving nothing until a webhook points at it."""
    key = new_key()
    url = f"sqlite:///{tmp_path / 'alliance.db'}"
    settings = Settings(
        bot_token=TOKEN, database_url=url, telegram_api_url=sandbox.api_root, encryption_key=key
    )
    services = bootstrap(config, url, clock, encryption_key=key)
    app = build_application(settings, services, schedule_jobs=False)
    async with app:
        await app.start()
        try:
            yield app
        finally:
            await app.stop()
    services.database.close()


@pytest.fixture
def handled(application: App) -> list[int]:
    """The ids of the updates the application has handled so far."""
    ids: list[int] = []

    async def record(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        ids.append(update.update_id)

    application.add_handler(TypeHandler(Update, record), group=-1)
    return ids


@pytest.fixture
async def receiver(application: App) -> AsyncIterator[str]:
    """A receiver on a free loopback port; yields its URL."""
    served = WebhookReceiver(application, "/telegram", SECRET)
    port = await served.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}/telegram"
    finally:
        await served.stop()


async def raw_post(url: str, headers: dict[str, str], body: bytes) -> int:
    """Send a POST's headers and ``body`` (however long the headers say the body is), read
    the answer until the server closes the connection, and return its status."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        await asyncio.wait_for(reader.read(), 5)  # returns once the server closes
    finally:
        writer.close()
    return int(status_line.split()[1])


def test_a_webhook_secret_shorter_than_32_characters_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "alliance.db"
    for name, value in {
        "ALLIANCE_BOT_TOKEN": TOKEN,
        "ALLIANCE_CLINIC_CONFIG": str(REPO / "clinic.example.yaml"),
        "ALLIANCE_DATABASE_URL": f"sqlite:///{database}",
        "ALLIANCE_WEBHOOK_URL": "https://bot.example.org/telegram",
        "ALLIANCE_WEBHOOK_SECRET": "s" * 31,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "--webhook"]) == 1
    error = capsys.readouterr().err
    assert "ALLIANCE_WEBHOOK_SECRET must be 32-256 characters" in error
    assert "s" * 31 not in error
    assert not database.exists()  # refused before anything started


def test_a_secret_of_32_allowed_characters_is_accepted_and_one_bad_character_is_not() -> None:
    url = "https://bot.example.org/telegram"
    assert Settings(webhook_url=url, webhook_secret="a" * 32).require_webhook()[1] == "a" * 32
    with pytest.raises(Exception, match="ALLIANCE_WEBHOOK_SECRET"):
        Settings(webhook_url=url, webhook_secret="a" * 31 + "!").require_webhook()


async def test_updates_posted_with_the_right_secret_reach_the_handlers(
    sandbox: BotApiSandbox, application: App, receiver: str, handled: list[int]
) -> None:
    assert await application.bot.set_webhook(receiver, secret_token=SECRET)
    client = sandbox.user(4242)
    await client.send_command("help")
    reply = await client.wait_for_message()
    assert reply.text
    assert len(handled) == 1
    await sandbox.wait_until_delivered()
    assert sandbox.webhook_info().get("last_error_message") is None


async def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_handled(
    sandbox: BotApiSandbox, application: App, receiver: str, handled: list[int]
) -> None:
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: SECRET[:-1]}, {SECRET_HEADER: SECRET + "x"}):
            async with http.post(receiver, json=update, headers=headers) as answer:
                assert answer.status == 403
    assert await application.bot.set_webhook(receiver, secret_token="not-the-secret")
    await sandbox.user(4242).send_command("help")
    found = await sandbox.state.signal.wait_for(
        lambda: sandbox.webhook_info().get("last_error_message"), 5
    )
    assert found == "Wrong response from the webhook: 403 Forbidden"
    assert handled == []
    assert sandbox.user(4242).messages() == []


async def test_a_body_announced_over_1_mib_gets_413_before_it_is_sent(receiver: str) -> None:
    for secret in (SECRET, "wrong"):
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(100 * 1024 * 1024),
            SECRET_HEADER: secret,
        }
        # 64 KiB of the announced 100 MiB: the answer comes without the rest.
        status = await raw_post(receiver, headers, b" " * 65536)
        assert status == 413


async def test_a_chunked_body_is_refused_with_413_once_it_passes_1_mib(
    receiver: str, handled: list[int]
) -> None:
    headers = {
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
        SECRET_HEADER: SECRET,
    }
    chunk = b" " * (MAX_BODY + 1)
    # One chunk past the limit and no final chunk: the body never ends, the answer comes.
    status = await raw_post(receiver, headers, f"{len(chunk):x}\r\n".encode() + chunk)
    assert status == 413
    assert handled == []


async def test_a_body_that_is_not_an_update_gets_400(receiver: str, handled: list[int]) -> None:
    async with aiohttp.ClientSession() as http:
        for body in (b"{not json", b"[1, 2]", json.dumps({"no": "update"}).encode()):
            headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
            async with http.post(receiver, data=body, headers=headers) as answer:
                assert answer.status == 400, body
    assert handled == []


async def test_alliance_run_webhook_sets_its_webhook_answers_and_stops_on_sigterm(
    sandbox: BotApiSandbox, tmp_path: Path
) -> None:
    config = fleet.write_clinic(tmp_path, 1)
    env = fleet.environment(f"sqlite:///{tmp_path / 'alliance.db'}", config, sandbox)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    public = f"http://127.0.0.1:{port}/telegram"
    env.update(
        ALLIANCE_BOT_TOKEN=TOKEN,
        ALLIANCE_WEBHOOK_URL=public,
        ALLIANCE_WEBHOOK_PORT=str(port),
        ALLIANCE_WEBHOOK_SECRET=SECRET,
    )
    worker = await fleet.start(env, "--webhook")
    try:
        await fleet.wait_until(lambda: sandbox.webhook_info().get("url") == public, 60)
        assert sandbox.state.webhook is not None
        assert sandbox.state.webhook.secret_token == SECRET
        assert sandbox.webhook_info()["allowed_updates"] == [str(u) for u in ALLOWED_UPDATES]
        client = sandbox.user(4242)
        await client.send_command("help")
        assert (await client.wait_for_message(timeout=60)).text
    finally:
        log = await fleet.stop(worker)
    assert worker.returncode == 0, log
    assert SECRET not in log
    assert TOKEN not in log
