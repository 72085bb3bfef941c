"""Due-time arithmetic: session occurrences in local time, and each check-in's due and expiry.

All results are aware UTC datetimes. Local wall-clock times come from the clinic config;
a time that does not exist on a spring-forward day is read as the moment after the gap
(``fold=0``), a time that exists twice on a fall-back day as its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class SessionPattern:
    """When one client's sessions happen, in the client's local time."""

    tz: ZoneInfo
    weekly: Sequence[tuple[int, time]]  # (weekday, 0 = Monday; local start time)
    dates: Sequence[datetime]  # naive local start times of one-off sessions
    duration: timedelta


@dataclass(frozen=True)
class CheckinTiming:
    """How long after a session its check-in is due, and how long it stays open."""

    delay_days: int = 1
    expiry: timedelta = timedelta(hours=72)


@dataclass(frozen=True)
class PlannedCheckin:
    """One session's check-in, every instant in UTC."""

    session_start: datetime
    session_end: datetime
    due_at: datetime
    expires_at: datetime


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Read a naive wall-clock time in ``tz`` and return it in UTC."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def session_starts(pattern: SessionPattern, start: datetime, end: datetime) -> list[datetime]:
    """Every session start in ``[start, end)`` (UTC), sorted, without duplicates."""
    first_day = start.astimezone(pattern.tz).date() - timedelta(days=1)
    last_day = end.astimezone(pattern.tz).date() + timedelta(days=1)
    found = {to_utc(local, pattern.tz) for local in pattern.dates}
    found.update(to_utc(local, pattern.tz) for local in _weekly(pattern, first_day, last_day))
    return sorted(s for s in found if start <= s < end)


def _weekly(pattern: SessionPattern, first: date, last: date) -> Iterable[datetime]:
    day = first
    while day <= last:
        for weekday, at in pattern.weekly:
            if day.weekday() == weekday:
                yield datetime.combine(day, at)
        day += timedelta(days=1)


def due_at(session_end: datetime, tz: ZoneInfo, delay_days: int) -> datetime:
    """``delay_days`` after the session ended, at the same local clock time.

    Never before the session ends, even when a fall-back hour repeats the local time.
    """
    local_end = session_end.astimezone(tz).replace(tzinfo=None)
    return max(to_utc(local_end + timedelta(days=delay_days), tz), session_end)


def lookback(pattern: SessionPattern, timing: CheckinTiming) -> timedelta:
    """How far back a session can start and still have a check-in open now."""
    return pattern.duration + timedelta(days=timing.delay_days + 1) + timing.expiry


def plan_checkins(
    pattern: SessionPattern, timing: CheckinTiming, now: datetime, horizon: timedelta
) -> list[PlannedCheckin]:
    """The check-ins of sessions starting up to ``horizon`` ahead that are still open at ``now``.

    A check-in expires ``timing.expiry`` after it is due or when the next session starts,
    whichever is first; one that would expire before it is due is never planned.
    """
    back = lookback(pattern, timing)
    starts = session_starts(pattern, now - back, now + horizon + back)
    planned = []
    for index, start in enumerate(starts):
        if start >= now + horizon:
            break
        end = start + pattern.duration
        due = due_at(end, pattern.tz, timing.delay_days)
        expires = due + timing.expiry
        if index + 1 < len(starts):
            expires = min(expires, starts[index + 1])
        if expires > max(due, now):
            planned.append(PlannedCheckin(start, end, due, expires))
    return planned
