"""What the schedule will send, computed from the config alone: the data behind the preview.

Each kind of send is one *source*: a function from a client to preview rows. Check-ins and
their reminders are the sources today; therapist briefs and digests plug in by adding a
function to ``SOURCES`` that yields rows the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.clinic import Client, ClinicConfig
from core.schedule import PlannedCheckin, plan_checkins
from core.timing import CheckinTiming, dst_change_on, next_reminder, wall
from scheduler.planning import Extra, pattern_of, timing_of


@dataclass(frozen=True)
class PreviewRow:
    """One send the schedule will make, with the rule that produced it and any warnings."""

    at: datetime  # UTC
    tz: ZoneInfo  # the recipient's zone: the time is shown there
    who: str  # a client or therapist code
    kind: str  # "check-in", "reminder", later "brief" or "digest"
    rule: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Window:
    """The span previewed, and the facts from outside the config."""

    start: datetime
    end: datetime
    extra: Extra


Source = Callable[[ClinicConfig, Client, Window], Iterable[PreviewRow]]


def _delay(timing: CheckinTiming) -> str:
    if timing.delay_hours is not None:
        return f"{timing.delay_hours} h later"
    days = timing.delay_days
    return f"{days} day{'s' if days != 1 else ''} later, same clock time"


def _warnings(
    at: datetime, tz: ZoneInfo, planned: PlannedCheckin, timing: CheckinTiming
) -> list[str]:
    found = []
    if planned.quiet_from is not None and timing.quiet is not None:
        was = wall(planned.quiet_from, tz)
        found.append(f"moved from {was:%a %H:%M} by quiet hours {timing.quiet}")
    day, last = wall(planned.session_start, tz).date(), wall(at, tz).date()
    while day <= last:  # a clock change between the session and the send
        if dst_change_on(day, tz):
            found.append(f"clocks change on {day:%a %d %b} in {tz.key}")
        day += timedelta(days=1)
    return found


def checkins_and_reminders(
    config: ClinicConfig, client: Client, window: Window
) -> Iterable[PreviewRow]:
    """A client's check-ins due in the window, and the reminders each would get if unanswered."""
    timing, tz = timing_of(config, client), config.client_tz(client)
    horizon = window.end - window.start
    for planned in plan_checkins(
        pattern_of(config, client, window.extra), timing, window.start, horizon
    ):
        if not window.start <= planned.due_at < window.end:
            continue
        session = planned.session_start.astimezone(config.session_tz(client))
        rule = f"session {session:%a %d %b %H:%M %Z} ({planned.source}), {_delay(timing)}"
        yield PreviewRow(
            planned.due_at,
            tz,
            client.code,
            "check-in",
            rule,
            tuple(_warnings(planned.due_at, tz, planned, timing)),
        )
        yield from _reminders(client.code, tz, timing, planned, window)


def _reminders(
    code: str, tz: ZoneInfo, timing: CheckinTiming, planned: PlannedCheckin, window: Window
) -> Iterable[PreviewRow]:
    """The reminders of a check-in sent when due and never answered."""
    after = timing.reminder_after or timedelta()
    sent, since = 0, planned.due_at
    while (at := next_reminder(since, tz, timing, planned.expires_at, sent)) is not None:
        if at >= window.end:
            break
        sent, wanted, since = sent + 1, since + after, at
        rule = f"if unanswered {after.total_seconds() / 3600:g} h after it was sent"
        rule += f" ({sent} of at most {timing.max_reminders})"
        warnings = []
        if at != wanted:
            warnings.append(f"moved from {wall(wanted, tz):%a %H:%M} by quiet hours {timing.quiet}")
        if dst_change_on(wall(at, tz).date(), tz):
            warnings.append(f"clocks change on {wall(at, tz):%a %d %b} in {tz.key}")
        yield PreviewRow(at, tz, code, "reminder", rule, tuple(warnings))


#: Every kind of send the preview shows; add briefs and digests here when they exist.
SOURCES: list[Source] = [checkins_and_reminders]


def preview(
    config: ClinicConfig,
    now: datetime,
    days: int,
    client_code: str | None = None,
    extra: Extra | None = None,
) -> list[PreviewRow]:
    """Every send in the next ``days`` days (of one client, if given), in time order."""
    window = Window(now, now + timedelta(days=days), extra or Extra())
    clients = [c for c in config.clients if client_code in (None, c.code)]
    rows = [
        row for client in clients for source in SOURCES for row in source(config, client, window)
    ]
    return sorted(rows, key=lambda row: (row.at, row.who, row.kind))
