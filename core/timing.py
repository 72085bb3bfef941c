"""Timing rules in local time: delays, quiet hours, reminders and daylight-saving days.

Every function takes and returns aware datetimes; results are in UTC. Local wall-clock
times are read in an IANA zone: a time that does not exist on a spring-forward day is read
as the moment after the gap (``fold=0``), a time that exists twice on a fall-back day as its
first occurrence. Nothing here reads the clock: ``now`` is always passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.clinic_values import QuietHours as QuietHours
from core.clinic_values import Timing

#: A reminder is only sent if the check-in stays open at least this long after it.
REMINDER_MIN_OPEN = timedelta(hours=1)
#: A reminder that could not go out within this long of its time is dropped as stale.
REMINDER_GRACE = timedelta(hours=1)
#: Quiet hours when the config sets none: ``QuietHours``' own defaults, 21:00-09:00.
DEFAULT_QUIET = QuietHours()


@dataclass(frozen=True)
class CheckinTiming:
    """When a session's check-in is due, how long it stays open, and its reminders.

    The delay is ``delay_days`` at the same local clock time (across a DST change too),
    unless ``delay_hours`` is set, which counts elapsed hours. The defaults are the clinic
    config's defaults (``resolve_timing`` takes them from here): a day later, quiet from
    21:00 to 09:00, one reminder after 24 hours, open for 72 hours. ``quiet=None`` means
    no quiet hours; ``reminder_after=None`` or ``max_reminders=0`` means no reminders.
    """

    delay_days: int = 1
    expiry: timedelta = timedelta(hours=72)
    delay_hours: int | None = None
    quiet: QuietHours | None = DEFAULT_QUIET
    reminder_after: timedelta | None = timedelta(hours=24)
    max_reminders: int = 1

    @property
    def delay_span(self) -> timedelta:
        """The delay as a duration, for bounding searches (a day may last 23 or 25 hours)."""
        if self.delay_hours is not None:
            return timedelta(hours=self.delay_hours)
        return timedelta(days=self.delay_days, hours=1)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Read a naive wall-clock time in ``tz`` and return it in UTC."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall-clock time of an instant in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def due_at(session_end: datetime, tz: ZoneInfo, delay_days: int) -> datetime:
    """``delay_days`` after the session ended, at the same local clock time.

    Never before the session ends, even when a fall-back hour repeats the local time.
    """
    local_end = wall(session_end, tz)
    return max(to_utc(local_end + timedelta(days=delay_days), tz), session_end)


def leave_quiet(instant: datetime, tz: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """``instant`` itself, or the end of the quiet period it falls in (never earlier)."""
    if quiet is None:
        return instant
    local = wall(instant, tz)
    if not quiet.contains(local.time()):
        return instant
    day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        day += timedelta(days=1)  # the period runs past midnight: it ends tomorrow
    return max(to_utc(datetime.combine(day, quiet.end), tz), instant)


def in_quiet(instant: datetime, tz: ZoneInfo, quiet: QuietHours | None) -> bool:
    """Whether ``instant`` falls inside quiet hours in ``tz``."""
    return leave_quiet(instant, tz, quiet) != instant


def checkin_due(session_end: datetime, tz: ZoneInfo, timing: CheckinTiming) -> datetime:
    """When a check-in is due: the delay after the session, then out of quiet hours."""
    if timing.delay_hours is not None:
        raw = session_end + timedelta(hours=timing.delay_hours)
    else:
        raw = due_at(session_end, tz, timing.delay_days)
    return leave_quiet(raw, tz, timing.quiet)


def raw_due(session_end: datetime, tz: ZoneInfo, timing: CheckinTiming) -> datetime:
    """The due time before quiet hours are applied (to tell when they moved it)."""
    return checkin_due(session_end, tz, replace(timing, quiet=None))


def next_reminder(
    after: datetime, tz: ZoneInfo, timing: CheckinTiming, expires_at: datetime, sent: int
) -> datetime | None:
    """When to remind next, ``reminder_after`` after ``after`` and out of quiet hours.

    None when the cap of reminders is reached or the check-in would close within
    ``REMINDER_MIN_OPEN`` of the reminder.
    """
    if timing.reminder_after is None or sent >= timing.max_reminders:
        return None
    at = leave_quiet(after + timing.reminder_after, tz, timing.quiet)
    return at if at + REMINDER_MIN_OPEN <= expires_at else None


def is_stale(remind_at: datetime, now: datetime) -> bool:
    """Whether a reminder is too late to be worth sending (the bot was down)."""
    return now - remind_at > REMINDER_GRACE


def dst_change_on(day: date, tz: ZoneInfo) -> bool:
    """Whether the clocks in ``tz`` change on this local day."""
    midnight = to_utc(datetime.combine(day, time()), tz)
    next_midnight = to_utc(datetime.combine(day + timedelta(days=1), time()), tz)
    return midnight.astimezone(tz).utcoffset() != next_midnight.astimezone(tz).utcoffset()


def resolve_timing(
    layers: Sequence[Timing | None], delay_days: int, expiry_hours: int
) -> CheckinTiming:
    """The first value each field is set to in ``layers`` (client, clinic), else defaults.

    ``delay_days`` and ``expiry_hours`` are the clinic's older top-level settings; the
    other defaults are ``CheckinTiming``'s.
    """

    def pick(name: str) -> Any:
        values = [getattr(t, name) for t in layers if t is not None]
        return next((v for v in values if v is not None), None)

    default = CheckinTiming()
    delay: str | None = pick("delay")
    expiry: int | None = pick("expiry_hours")
    quiet: QuietHours | bool | None = pick("quiet_hours")
    reminder_hours: int | None = pick("reminder_after_hours")
    max_reminders: int | None = pick("max_reminders")
    return CheckinTiming(
        delay_days=int(delay[:-1]) if delay and delay.endswith("d") else delay_days,
        delay_hours=int(delay[:-1]) if delay and delay.endswith("h") else None,
        expiry=timedelta(hours=expiry if expiry is not None else expiry_hours),
        quiet=quiet if isinstance(quiet, QuietHours) else default.quiet if quiet is None else None,
        reminder_after=(
            default.reminder_after if reminder_hours is None else timedelta(hours=reminder_hours)
        ),
        max_reminders=default.max_reminders if max_reminders is None else max_reminders,
    )
