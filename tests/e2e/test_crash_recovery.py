"""A worker killed with SIGKILL mid-send loses nothing; at most the send in flight is doubled.

The tick's sends to different chats are in flight together, but they leave one at a time
(the rate limiter lets one out every 34 ms) and each records its outcome as soon as its
answer comes, so a killed worker leaves claims of which at most the one on the wire may
have gone out: after the lease (2 s here, ALLIANCE_CLAIM_LEASE_SECONDS) they are sent
again. Bound: one duplicate per kill.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox import BotApiSandbox
from tests.e2e import fleet

CLIENTS = 300
#: Seconds to wait for workers: generous, a loaded machine starts processes slowly.
WAIT = 90.0


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    """The local Bot API enforcing Telegram's limits, as the real one does."""
    async with BotApiSandbox(token=fleet.TOKEN, enforce_rate_limits=True) as running:
        yield running


async def test_a_worker_killed_while_sending_loses_no_checkin_and_doubles_at_most_one(
    sandbox: BotApiSandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'alliance.db'}"
    config = fleet.write_clinic(tmp_path, CLIENTS)
    assert fleet.seed(config, url, sandbox) == CLIENTS
    env = fleet.environment(url, config, sandbox)

    first = await fleet.start(env)
    await fleet.wait_until(lambda: fleet.sent(sandbox) >= CLIENTS // 5, WAIT)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    at_kill = fleet.sent(sandbox)
    assert at_kill < CLIENTS, "the worker finished before it was killed"

    second = await fleet.start(env)
    try:
        await fleet.wait_until(lambda: fleet.sent(sandbox) >= CLIENTS, WAIT)
        await fleet.wait_until(
            lambda: 0 not in fleet.checkins_per_chat(sandbox, CLIENTS).values(), WAIT
        )
    finally:
        sys.stderr.write(await fleet.stop(second))  # shown by pytest only on failure

    per_chat = fleet.checkins_per_chat(sandbox, CLIENTS)
    lost = [chat for chat, count in per_chat.items() if count == 0]
    duplicates = sum(count - 1 for count in per_chat.values() if count > 1)
    assert lost == []
    assert duplicates <= 1
    assert sandbox.stats.rate_limited == 0
