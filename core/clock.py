"""Time as a dependency: production reads the system clock, tests hold a clock they advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def now(self) -> datetime:
        """Return the instant the clock is set to."""
        return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to ``at``."""
        self._at = _require_aware(at)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._at += delta


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("clock times must carry a time zone")
    return at.astimezone(UTC)
