"""/healthz: healthy while the database answers and the scheduler ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.process.health import assess

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_recent_tick_and_a_reachable_database_are_healthy() -> None:
    sent = NOW - timedelta(hours=3)
    health = assess(NOW, NOW - timedelta(days=1), NOW - timedelta(seconds=20), 30, True, sent)

    assert health.ok
    assert health.body["status"] == "ok"
    assert health.body["last_send"] == "2026-11-25T09:00:00+00:00"


def test_a_scheduler_silent_for_three_ticks_and_five_minutes_is_stalled() -> None:
    started = NOW - timedelta(days=1)
    fresh = assess(NOW, started, NOW - timedelta(minutes=5), 30, True, None)
    stale = assess(NOW, started, NOW - timedelta(minutes=5, seconds=1), 30, True, None)
    slow_ticks = assess(NOW, started, NOW - timedelta(minutes=14), 300, True, None)

    assert fresh.ok
    assert not stale.ok
    assert stale.body["scheduler"] == "stalled"
    assert slow_ticks.ok  # 3 ticks of 5 minutes


def test_a_bot_that_just_started_is_healthy_before_its_first_tick() -> None:
    assert assess(NOW, NOW - timedelta(seconds=10), None, 30, True, None).ok
    assert not assess(NOW, NOW - timedelta(hours=1), None, 30, True, None).ok


def test_an_unreachable_database_fails_whatever_the_scheduler_does() -> None:
    health = assess(NOW, NOW, NOW, 30, False, None)

    assert not health.ok
    assert health.body["database"] == "unreachable"
    assert health.body["status"] == "failing"
