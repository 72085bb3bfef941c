"""/healthz and /metrics served in the bot's event loop, as the check-in loop runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial

import aiohttp
import pytest
from sqlalchemy.exc import OperationalError

from bot.adapter.application import start_health_server
from bot.process import health
from tests.e2e.conftest import Clinic, shows_step

DUE = datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


@pytest.fixture
async def base(clinic: Clinic) -> AsyncIterator[str]:
    """The health server on a free port of 127.0.0.1, and its address."""
    server = await start_health_server(clinic.services, clinic.settings, 0)
    assert server is not None
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def sample(metrics: str, name: str) -> float:
    """The value of one sample line of the Prometheus text format."""
    for line in metrics.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


async def test_metrics_count_planning_sending_answering_and_the_queue(
    clinic: Clinic, base: str
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()
    checkin = client.last_message()
    for number, value in enumerate(("5", "6", "7", "8"), start=2):
        await client.tap(checkin, text=value)
        await client.wait_for_message(partial(shows_step, number=number))
    await client.tap(checkin, text="Skip")
    await client.wait_for_message(lambda m: "answers are saved" in (m.text or ""))

    status, metrics = await get(f"{base}/metrics")

    assert status == 200
    assert sample(metrics, "alliance_checkins_planned_total") >= 2
    assert sample(metrics, "alliance_checkins_sent_total") == 1
    assert sample(metrics, 'alliance_sends_total{outcome="delivered"}') == 1
    assert sample(metrics, 'alliance_sends_total{outcome="retry"}') == 0
    assert sample(metrics, "alliance_send_seconds_count") == 1
    assert sample(metrics, "alliance_checkins_answered_total") == 1
    assert sample(metrics, "alliance_queue_depth") == 0
    assert sample(metrics, "alliance_digests_sent_total") == 0
    assert sample(metrics, "alliance_last_tick_timestamp_seconds") == DUE.timestamp()


async def test_a_failed_send_counts_as_a_retry_and_stays_in_the_queue(
    clinic: Clinic, base: str
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    clinic.sandbox.fail_next("sendMessage", error_code=502, description="Bad Gateway")

    await clinic.tick()
    _, metrics = await get(f"{base}/metrics")

    assert sample(metrics, 'alliance_sends_total{outcome="retry"}') == 1
    assert sample(metrics, "alliance_checkins_sent_total") == 0
    assert sample(metrics, "alliance_queue_depth") == 1


async def test_healthz_reports_the_last_send_and_fails_when_the_scheduler_stalls(
    clinic: Clinic, base: str
) -> None:
    client = clinic.sandbox.user(1001)
    await clinic.enrol(client, "C101")
    clinic.plan()
    clinic.clock.set(DUE)
    await clinic.tick()

    status, body = await get(f"{base}/healthz")
    assert status == 200
    assert '"status": "ok"' in body
    assert '"last_send": "2026-11-25T14:50:00+00:00"' in body

    clinic.clock.advance(timedelta(minutes=10))  # no tick for ten minutes
    status, body = await get(f"{base}/healthz")
    assert status == 503
    assert '"scheduler": "stalled"' in body

    await clinic.tick()
    assert (await get(f"{base}/healthz"))[0] == 200


async def test_healthz_fails_when_the_database_does_not_answer(
    clinic: Clinic, base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(_database: object) -> None:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(health, "last_sent_at", unreachable)

    status, body = await get(f"{base}/healthz")

    assert status == 503
    assert '"database": "unreachable"' in body
