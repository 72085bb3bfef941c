"""Turning the sessions in the clinic config into stored check-ins and their reminders."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from core.clinic import Client, ClinicConfig
from core.schedule import (
    CheckinTiming,
    Session,
    SessionPattern,
    WeeklyRule,
    plan_checkins,
    session_starts,
    sessions_between,
)
from core.timing import next_reminder, resolve_timing, to_utc, wall
from storage.checkins import Checkins
from storage.planned import PlanCounts
from storage.reminders import Reminders

#: How far ahead check-ins are planned; re-planning runs far more often than this.
HORIZON = timedelta(days=14)
#: Clients planned in one transaction: few round trips, short locks.
CLIENTS_PER_TRANSACTION = 200


@dataclass(frozen=True)
class Extra:
    """Session facts from outside the config file, per client code."""

    occurrences: Mapping[str, Sequence[Session]] = field(default_factory=dict)  # calendars
    cancelled: Mapping[str, frozenset[datetime]] = field(default_factory=dict)  # /cancel


def pattern_of(config: ClinicConfig, client: Client, extra: Extra | None = None) -> SessionPattern:
    """A client's sessions from the config (and calendars and cancellations), as a pattern."""
    sessions, extra = client.sessions, extra or Extra()
    return SessionPattern(
        tz=config.session_tz(client),
        weekly=[WeeklyRule(r.weekday, r.time, r.every, r.start, r.end) for r in sessions.weekly],
        dates=list(sessions.dates),
        duration=timedelta(minutes=sessions.duration_minutes),
        cancelled=list(sessions.cancelled),
        moved=[(r.original, r.to) for r in sessions.rescheduled],
        occurrences=extra.occurrences.get(client.code, ()),
        cancelled_starts=extra.cancelled.get(client.code, frozenset()),
        local_tz=config.client_tz(client),
    )


def timing_of(config: ClinicConfig, client: Client | None = None) -> CheckinTiming:
    """A client's check-in timing (the clinic's when no client is given, or they are gone)."""
    if client is None:
        clinic = config.clinic
        return resolve_timing(
            [clinic.timing], clinic.checkin_delay_days, clinic.checkin_expiry_hours
        )
    return config.checkin_timing(client)


def policy(config: ClinicConfig, client_code: str) -> CheckinTiming:
    """The timing the tick applies to a client's sends (the clinic's for a removed client)."""
    return timing_of(config, config.client(client_code))


def plan_all(
    config: ClinicConfig,
    checkins: Checkins,
    now: datetime,
    extra: Extra | None = None,
    reminders: Reminders | None = None,
) -> PlanCounts:
    """Re-plan every client's unsent check-ins (and pending reminders) up to the horizon,
    and cancel those of clients no longer in the config."""
    counts = plan_clients(config, config.clients, checkins, now, extra, reminders)
    counts.cancelled += checkins.cancel_others([c.code for c in config.clients], now)
    return counts


def plan_clients(
    config: ClinicConfig,
    clients: Sequence[Client],
    checkins: Checkins,
    now: datetime,
    extra: Extra | None = None,
    reminders: Reminders | None = None,
    stopping: Callable[[], bool] = lambda: False,
    planned: Callable[[Client, SessionPattern], object] | None = None,
) -> PlanCounts:
    """Re-plan these clients' unsent check-ins (and pending reminders) up to the horizon,
    ``CLIENTS_PER_TRANSACTION`` clients a transaction, until ``stopping`` says so; after
    each transaction, ``planned`` hears of each client it planned, with their pattern."""
    counts = PlanCounts()
    for start in range(0, len(clients), CLIENTS_PER_TRANSACTION):
        if stopping():
            break
        chunk = clients[start : start + CLIENTS_PER_TRANSACTION]
        timings = {c.code: timing_of(config, c) for c in chunk}
        patterns = {c.code: pattern_of(config, c, extra) for c in chunk}
        plans = {
            code: plan_checkins(pattern, timings[code], now, HORIZON)
            for code, pattern in patterns.items()
        }
        questionnaires = {c.code: config.instruments.of(c) for c in chunk}
        counts += checkins.plan_many(plans, now, questionnaires)
        if reminders is not None:
            reminders.replan_many(
                {c.code: partial(_next, config.client_tz(c), timings[c.code]) for c in chunk}
            )
        if planned is not None:
            for client in chunk:
                planned(client, patterns[client.code])
    return counts


def next_change(pattern: SessionPattern, now: datetime) -> datetime:
    """When a client's plan next changes by the passing of time alone: the start of their
    first session beyond the horizon (it enters the plan then), or, with none in the next
    ``LOOK_FURTHER``, the end of that stretch, when it is looked at again."""
    since = now + HORIZON
    found = session_starts(pattern, since, since + LOOK_FURTHER)
    return found[0] if found else since + LOOK_FURTHER


#: How far beyond the horizon ``next_change`` looks for a client's next session.
LOOK_FURTHER = 4 * HORIZON


def session_to_cancel(
    config: ClinicConfig, client: Client, extra: Extra, now: datetime, day: date | None
) -> Session | None:
    """The session ``/cancel`` means: the next one to start, or the first on ``day``.

    ``day`` is read in the zone the client's session times are written in; a session on
    that day may have started already (a session that did not happen).
    """
    pattern = pattern_of(config, client, extra)
    if day is None:
        return next(iter(sessions_between(pattern, now, now + 4 * HORIZON)), None)
    around = to_utc(datetime.combine(day, time()), pattern.tz)
    found = sessions_between(pattern, around - timedelta(days=1), around + timedelta(days=2))
    return next((s for s in found if wall(s.start, pattern.tz).date() == day), None)


def _next(
    tz: ZoneInfo, timing: CheckinTiming, since: datetime, sent: int, expires: datetime
) -> datetime | None:
    return next_reminder(since, tz, timing, expires, sent)
