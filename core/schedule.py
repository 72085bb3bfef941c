"""Sessions in local time, and each session's check-in: due, expiry, and why.

Sessions come from weekly rules (every N weeks, between start and end dates), one-off
dates, moves and cancellations written in one zone, plus occurrences already in UTC (from
a calendar file) and starts cancelled elsewhere (a therapist's ``/cancel``). All results
are aware UTC datetimes; the local-time rules themselves live in ``core.timing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.timing import CheckinTiming, checkin_due, due_at, raw_due, to_utc, wall

__all__ = [
    "CheckinTiming",
    "PlannedCheckin",
    "Session",
    "SessionPattern",
    "WeeklyRule",
    "due_at",
    "lookback",
    "plan_checkins",
    "session_starts",
    "sessions_between",
    "to_utc",
]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Weeks of an ``every N weeks`` rule without a start date count from this Monday.
_EPOCH_MONDAY = date(2024, 1, 1)


@dataclass(frozen=True)
class WeeklyRule:
    """A session every ``every`` weeks on a weekday, optionally between two dates."""

    weekday: int  # 0 = Monday
    at: time
    every: int = 1
    start: date | None = None  # the first week counted; no sessions before it
    end: date | None = None  # the last day with a session (inclusive)

    def label(self) -> str:
        """How the preview names this rule."""
        every = f" every {self.every} weeks" if self.every > 1 else ""
        return f"weekly {_DAY_NAMES[self.weekday]} {self.at:%H:%M}{every}"


@dataclass(frozen=True)
class Session:
    """One session, in UTC, and the rule that produced it."""

    start: datetime
    end: datetime
    source: str = field(default="", compare=False)


#: A local day (every session that day) or a local start time (that session only).
LocalRef = date | datetime


@dataclass(frozen=True)
class SessionPattern:
    """When one client's sessions happen; local times are read in ``tz``."""

    tz: ZoneInfo
    weekly: Sequence[tuple[int, time] | WeeklyRule]
    dates: Sequence[datetime]  # naive local start times of one-off sessions
    duration: timedelta
    cancelled: Sequence[LocalRef] = ()
    moved: Sequence[tuple[LocalRef, datetime]] = ()  # (original, new local start)
    occurrences: Sequence[Session] = ()  # already in UTC, e.g. from a calendar file
    cancelled_starts: frozenset[datetime] = frozenset()  # UTC starts cancelled elsewhere
    local_tz: ZoneInfo | None = None  # the client's zone for due times; default ``tz``

    @property
    def client_tz(self) -> ZoneInfo:
        """The zone due times and quiet hours are read in."""
        return self.local_tz or self.tz


@dataclass(frozen=True)
class PlannedCheckin:
    """One session's check-in, every instant in UTC.

    ``source`` names the session's rule and ``quiet_from`` the due time quiet hours moved
    it from, both for the preview; neither takes part in comparisons.
    """

    session_start: datetime
    session_end: datetime
    due_at: datetime
    expires_at: datetime
    source: str = field(default="", compare=False)
    quiet_from: datetime | None = field(default=None, compare=False)


def _rules(pattern: SessionPattern) -> list[WeeklyRule]:
    return [r if isinstance(r, WeeklyRule) else WeeklyRule(r[0], r[1]) for r in pattern.weekly]


def _weekly(rule: WeeklyRule, first: date, last: date) -> Iterable[datetime]:
    anchor = rule.start or _EPOCH_MONDAY
    first_on_day = anchor + timedelta(days=(rule.weekday - anchor.weekday()) % 7)
    day = max(first, first_on_day)
    day += timedelta(days=(rule.weekday - day.weekday()) % 7)
    while day <= last and (rule.end is None or day <= rule.end):
        if ((day - first_on_day).days // 7) % rule.every == 0:
            yield datetime.combine(day, rule.at)
        day += timedelta(days=7)


def _matches(session: Session, ref: LocalRef, tz: ZoneInfo) -> bool:
    local = wall(session.start, tz)
    if isinstance(ref, datetime):
        return local == ref.replace(second=0, microsecond=0)
    return local.date() == ref


def sessions_between(pattern: SessionPattern, start: datetime, end: datetime) -> list[Session]:
    """Every session starting in ``[start, end)`` (UTC), sorted, without duplicates.

    Order of the rules: weekly and one-off sessions, then moves (the original goes, the new
    time comes), calendar occurrences, then cancellations by local day or start, then
    starts cancelled elsewhere.
    """
    tz, duration = pattern.tz, pattern.duration
    first_day = wall(start, tz).date() - timedelta(days=1)
    last_day = wall(end, tz).date() + timedelta(days=1)
    found: dict[datetime, Session] = {}

    def add(local: datetime, source: str) -> None:
        begins = to_utc(local, tz)
        found.setdefault(begins, Session(begins, begins + duration, source))

    for rule in _rules(pattern):
        for local in _weekly(rule, first_day, last_day):
            add(local, rule.label())
    for local in pattern.dates:
        add(local, "one-off")
    for original, new in pattern.moved:
        for begins in [s for s, session in found.items() if _matches(session, original, tz)]:
            del found[begins]
        add(new, f"moved from {original:%Y-%m-%d}")
    for occurrence in pattern.occurrences:
        found.setdefault(occurrence.start, occurrence)
    gone = {s for s, ses in found.items() if any(_matches(ses, r, tz) for r in pattern.cancelled)}
    gone |= pattern.cancelled_starts
    return sorted(
        (s for begins, s in found.items() if begins not in gone and start <= begins < end),
        key=lambda s: s.start,
    )


def session_starts(pattern: SessionPattern, start: datetime, end: datetime) -> list[datetime]:
    """Every session start in ``[start, end)`` (UTC), sorted, without duplicates."""
    return [s.start for s in sessions_between(pattern, start, end)]


def lookback(pattern: SessionPattern, timing: CheckinTiming) -> timedelta:
    """How far back a session can start and still have a check-in open now."""
    longest = max([pattern.duration, *(s.end - s.start for s in pattern.occurrences)])
    return longest + timing.delay_span + timedelta(days=1) + timing.expiry


def plan_checkins(
    pattern: SessionPattern, timing: CheckinTiming, now: datetime, horizon: timedelta
) -> list[PlannedCheckin]:
    """The check-ins of sessions starting up to ``horizon`` ahead that are still open at ``now``.

    A check-in expires ``timing.expiry`` after it is due or when the next session starts,
    whichever is first; one that would expire before it is due is never planned.
    """
    back = lookback(pattern, timing)
    sessions = sessions_between(pattern, now - back, now + horizon + back)
    planned = []
    for index, session in enumerate(sessions):
        if session.start >= now + horizon:
            break
        due = checkin_due(session.end, pattern.client_tz, timing)
        expires = due + timing.expiry
        if index + 1 < len(sessions):
            expires = min(expires, sessions[index + 1].start)
        if expires > max(due, now):
            unquiet = raw_due(session.end, pattern.client_tz, timing)
            moved = unquiet if unquiet != due else None
            planned.append(
                PlannedCheckin(session.start, session.end, due, expires, session.source, moved)
            )
    return planned
