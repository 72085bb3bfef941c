"""Two ``alliance run --webhook`` workers share one PostgreSQL and one bot token.

The sandbox posts updates to the first worker's webhook (a load balancer would spread
them); both tick, and ``FOR UPDATE SKIP LOCKED`` keeps them from claiming the same check-in.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from sandbox import BotApiSandbox
from tests.conftest import _reset_postgres
from tests.e2e import fleet

CLIENTS = 200
WAIT = 90.0
SECRET = "fleet-webhook-secret_1-0123456789abcdef"  # 38 characters: 32 at least

pytestmark = pytest.mark.postgres


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    """The local Bot API, without rate limits: two workers each pace themselves."""
    async with BotApiSandbox(token=fleet.TOKEN) as running:
        yield running


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_two_webhook_workers_send_every_checkin_exactly_once(
    sandbox: BotApiSandbox, tmp_path: Path, postgres_server_url: str
) -> None:
    _reset_postgres(postgres_server_url)
    config = fleet.write_clinic(tmp_path, CLIENTS)
    assert fleet.seed(config, postgres_server_url, sandbox) == CLIENTS
    ports = [_free_port(), _free_port()]
    public = f"http://127.0.0.1:{ports[0]}/telegram"
    workers = []
    for port in ports:
        env = fleet.environment(postgres_server_url, config, sandbox)
        env.update(
            ALLIANCE_WEBHOOK_URL=public,
            ALLIANCE_WEBHOOK_PORT=str(port),
            ALLIANCE_WEBHOOK_SECRET=SECRET,
        )
        workers.append(await fleet.start(env, "--webhook"))
    try:
        await fleet.wait_until(lambda: fleet.sent(sandbox) >= CLIENTS, WAIT)
        await fleet.wait_until(lambda: sandbox.webhook_info().get("url") == public, WAIT)
        client = sandbox.user(fleet.FIRST_CHAT + 1)
        await client.send_command("help")  # delivered by webhook to the first worker
        await fleet.wait_until(lambda: len(client.messages()) == 2, WAIT)
        async with aiohttp.ClientSession() as http:
            forged = await http.post(public, json={"update_id": 1})
            wrong = await http.post(
                public, json={"update_id": 2}, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
            )
        assert all(w.returncode is None for w in workers), "a worker died"
    finally:
        for worker in workers:
            sys.stderr.write(await fleet.stop(worker))  # shown by pytest only on failure

    per_chat = fleet.checkins_per_chat(sandbox, CLIENTS)
    assert sorted(set(per_chat.values())) == [1]  # every check-in sent, none twice
    assert fleet.QUESTION not in (client.messages()[-1].text or "")  # the answer to /help
    assert (forged.status, wrong.status) == (403, 403)
