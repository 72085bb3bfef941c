"""SIGTERM while ``alliance run`` sends: it exits 0 within seconds and holds nothing.

The worker stops claiming at the signal, ends the sends in flight (or records them as of
unknown fate), gives back what it claimed and did not start, and shuts down. Nothing is
left claimed, so a second worker sends the rest at once: no lease to wait out.
"""

from __future__ import annotations

import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.model import CheckinStatus
from sandbox import BotApiSandbox
from storage.database import Database
from storage.tables import CheckinRow
from tests.e2e import fleet

CLIENTS = 300
#: Seconds to wait for workers to start and send: generous, a loaded machine is slow.
WAIT = 90.0
#: Seconds from SIGTERM to the worker's exit, at most.
STOPS_WITHIN = 5.0
SECRET = "shutdown-webhook-secret-0123456789abcdef"


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    """The local Bot API enforcing Telegram's limits, as the real one does."""
    async with BotApiSandbox(token=fleet.TOKEN, enforce_rate_limits=True) as running:
        yield running


def _rows(url: str) -> list[tuple[str, bool, int]]:
    """Every check-in: its status, whether it is claimed, its sends of unknown fate."""
    database = Database.connect(url, upgrade=False)
    try:
        with database.transaction() as s:
            rows = s.execute(
                select(CheckinRow.status, CheckinRow.claimed_until, CheckinRow.unknown_sends)
            )
            return [(status, until is not None, unknown) for status, until, unknown in rows]
    finally:
        database.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_sigterm_while_sending_exits_at_once_and_leaves_nothing_claimed(
    sandbox: BotApiSandbox, tmp_path: Path, webhook: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'alliance.db'}"
    config = fleet.write_clinic(tmp_path, CLIENTS)
    assert fleet.seed(config, url, sandbox) == CLIENTS
    env = fleet.environment(url, config, sandbox)
    env["ALLIANCE_CLAIM_LEASE_SECONDS"] = "300"  # a claim left held would block the rest
    args = ["--webhook"] if webhook else []
    if webhook:
        port = _free_port()
        env.update(
            ALLIANCE_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            ALLIANCE_WEBHOOK_PORT=str(port),
            ALLIANCE_WEBHOOK_SECRET=SECRET,
        )

    worker = await fleet.start(env, *args)
    try:
        await fleet.wait_until(lambda: fleet.sent(sandbox) >= CLIENTS // 5, WAIT)
    except BaseException:
        sys.stderr.write(await fleet.stop(worker))
        raise
    worker.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    log = await fleet.stop(worker)  # waits for the exit
    took = time.monotonic() - signalled
    sys.stderr.write(log)  # shown by pytest only on failure
    at_stop = fleet.sent(sandbox)

    assert worker.returncode == 0
    assert took < STOPS_WITHIN, f"{took:.1f} s"
    assert at_stop < CLIENTS, "the worker finished before it was stopped"
    rows = _rows(url)
    statuses = Counter(status for status, _, _ in rows)
    assert set(statuses) == {CheckinStatus.OPEN, CheckinStatus.PLANNED}
    assert not any(claimed for _, claimed, _ in rows)
    unknown = sum(count for _, _, count in rows)
    # Every open check-in arrived; a planned one arrived only if its send was cut off.
    assert statuses[CheckinStatus.OPEN] <= at_stop <= statuses[CheckinStatus.OPEN] + unknown

    second = await fleet.start(env, *args)
    try:
        await fleet.wait_until(
            lambda: 0 not in fleet.checkins_per_chat(sandbox, CLIENTS).values(), WAIT
        )
    finally:
        sys.stderr.write(await fleet.stop(second))
    per_chat = fleet.checkins_per_chat(sandbox, CLIENTS)
    assert sum(count - 1 for count in per_chat.values()) <= unknown  # none doubled unless cut
