"""Prometheus metrics: the scheduler's ``Metrics`` port, counted in a registry of our own."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

#: Send latency buckets in seconds: Telegram answers in well under a second when healthy.
SEND_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OUTCOMES = ("delivered", "retry", "unreachable")


class PrometheusMetrics:
    """Counters, a latency histogram and gauges; also remembers the last tick for /healthz."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.last_tick: datetime | None = None
        r = self.registry
        self._planned = Counter("alliance_checkins_planned", "Check-ins planned.", registry=r)
        self._sent = Counter("alliance_checkins_sent", "Check-ins delivered.", registry=r)
        self._answered = Counter(
            "alliance_checkins_answered", "Check-ins completed by the client.", registry=r
        )
        self._expired = Counter(
            "alliance_checkins_expired", "Delivered check-ins closed unanswered.", registry=r
        )
        self._unsent = Counter(
            "alliance_checkins_unsent", "Check-ins closed before they could be sent.", registry=r
        )
        self._sends = Counter(
            "alliance_sends", "Send attempts by outcome.", ["outcome"], registry=r
        )
        for outcome in OUTCOMES:
            self._sends.labels(outcome)
        self._latency = Histogram(
            "alliance_send_seconds", "Time to send one check-in.", buckets=SEND_BUCKETS, registry=r
        )
        self._digests = Counter("alliance_digests_sent", "Therapist digests sent.", registry=r)
        self._queue = Gauge(
            "alliance_queue_depth", "Due check-ins not delivered yet (last tick).", registry=r
        )
        self._last_tick = Gauge(
            "alliance_last_tick_timestamp_seconds", "When the scheduler last ticked.", registry=r
        )
        self._last_send = Gauge(
            "alliance_last_send_timestamp_seconds",
            "When a check-in was last delivered by this process.",
            registry=r,
        )

    def planned(self, count: int) -> None:
        """Count newly planned check-ins."""
        self._planned.inc(count)

    def closed(self, expired: int, unsent: int) -> None:
        """Count check-ins closed by expiry."""
        self._expired.inc(expired)
        self._unsent.inc(unsent)

    def send(self, outcome: str, seconds: float, now: datetime) -> None:
        """Count one send and its latency."""
        self._sends.labels(outcome).inc()
        self._latency.observe(seconds)
        if outcome == "delivered":
            self._sent.inc()
            self._last_send.set(now.timestamp())

    def answered(self) -> None:
        """Count a completed check-in."""
        self._answered.inc()

    def digest_sent(self) -> None:
        """Count a digest."""
        self._digests.inc()

    def ticked(self, now: datetime, queue_depth: int) -> None:
        """Remember the tick and the queue it left."""
        self.last_tick = now
        self._last_tick.set(now.timestamp())
        self._queue.set(queue_depth)
