"""``/healthz`` and ``/metrics`` over HTTP, served inside the bot's own event loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from bot.process.metrics import PrometheusMetrics
from bot.process.services import Services
from storage.monitoring import last_sent_at

log = logging.getLogger(__name__)

#: The scheduler counts as stuck when it has not ticked for this many tick intervals...
STALE_TICKS = 3
#: ...and never sooner than this (a tick that sends a long queue takes a while).
STALE_AT_LEAST = timedelta(minutes=5)


@dataclass(frozen=True)
class Health:
    """What /healthz reports; ``ok`` decides between 200 and 503."""

    ok: bool
    body: dict[str, Any]


def assess(
    now: datetime,
    started_at: datetime,
    last_tick: datetime | None,
    tick_seconds: float,
    database_ok: bool,
    last_send: datetime | None,
) -> Health:
    """Healthy when the database answers and the scheduler ticked recently (or just started)."""
    stale_after = max(timedelta(seconds=STALE_TICKS * tick_seconds), STALE_AT_LEAST)
    ticking = (now - (last_tick or started_at)) <= stale_after
    body = {
        "status": "ok" if database_ok and ticking else "failing",
        "database": "ok" if database_ok else "unreachable",
        "scheduler": "ok" if ticking else "stalled",
        "last_tick": _iso(last_tick),
        "last_send": _iso(last_send),
        "checked_at": _iso(now),
    }
    return Health(database_ok and ticking, body)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat(timespec="seconds")


class HealthServer:
    """A small aiohttp app on ``host:port``; started and stopped with the bot."""

    def __init__(self, services: Services, metrics: PrometheusMetrics, tick_seconds: float) -> None:
        self._services = services
        self._metrics = metrics
        self._tick_seconds = tick_seconds
        self._started_at = services.clock.now()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the port bound, while listening
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        self._app = app

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (port 0: any free port); returns the port bound."""
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = int(self._runner.addresses[0][1])
        log.info("health server listening", extra={"host": host, "port": bound})
        self.port = bound
        return bound

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner, self.port = None, None

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            last_send, database_ok = last_sent_at(self._services.database), True
        except SQLAlchemyError as error:
            log.warning("health check: database unreachable", extra={"error": type(error).__name__})
            last_send, database_ok = None, False
        health = assess(
            self._services.clock.now(),
            self._started_at,
            self._metrics.last_tick,
            self._tick_seconds,
            database_ok,
            last_send,
        )
        return web.json_response(health.body, status=200 if health.ok else 503)

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
