"""When a therapist's digest is due, and when a pre-session brief is sent around quiet hours.

Brief rule: ``brief_minutes_before`` the session, unless that falls in the therapist's
quiet hours; then at the end of those quiet hours if that is still before the session,
else one minute before those quiet hours begin (the evening before an early session).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.clinic import ClinicConfig, Therapist
from core.clinic_values import QuietHours, weekday_index
from core.schedule import to_utc

_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class ReportTiming:
    """One therapist's digest slot, quiet hours (None: none) and brief lead, in their zone."""

    tz: ZoneInfo
    weekday: int  # 0 = Monday
    at: time
    quiet: QuietHours | None
    briefs: bool = True
    brief_lead: timedelta = timedelta(minutes=60)


def timing_for(config: ClinicConfig, therapist: Therapist) -> ReportTiming:
    """The therapist's own settings where set, else the clinic's ``digests`` settings."""
    clinic, own = config.digests, therapist.digest
    own_quiet = own.quiet_hours if own else None  # false is set: it means none
    quiet = clinic.quiet_hours if own_quiet is None else own_quiet
    return ReportTiming(
        tz=config.therapist_tz(therapist),
        weekday=weekday_index((own.day if own else None) or clinic.day),
        at=(own.time if own else None) or clinic.time,
        quiet=quiet if isinstance(quiet, QuietHours) else None,
        briefs=clinic.briefs,
        brief_lead=timedelta(minutes=clinic.brief_minutes_before),
    )


def latest_digest_slot(timing: ReportTiming, now: datetime) -> datetime:
    """The most recent digest time at or before ``now`` (UTC)."""
    local = now.astimezone(timing.tz)
    day = local.date() - timedelta(days=(local.weekday() - timing.weekday) % 7)
    slot = to_utc(datetime.combine(day, timing.at), timing.tz)
    if slot > now:
        slot = to_utc(datetime.combine(day - timedelta(days=7), timing.at), timing.tz)
    return slot


def digest_period_key(timing: ReportTiming, slot: datetime) -> str:
    """One key per ISO week of the slot's local date: a digest is sent once per week."""
    year, week, _ = slot.astimezone(timing.tz).date().isocalendar()
    return f"{year}-W{week:02d}"


def brief_time(session_start: datetime, timing: ReportTiming) -> datetime:
    """When the brief for a session is sent (UTC); see the module docstring."""
    at = session_start - timing.brief_lead
    local = at.astimezone(timing.tz).replace(tzinfo=None)
    quiet = timing.quiet
    if quiet is None or not quiet.contains(local.time()):
        return at
    end = _next(local, quiet.end, timing.tz)
    if end < session_start:
        return end
    return _previous(local, quiet.start, timing.tz) - _MINUTE


def _next(local: datetime, at: time, tz: ZoneInfo) -> datetime:
    day: date = local.date() if local.time() < at else local.date() + timedelta(days=1)
    return to_utc(datetime.combine(day, at), tz)


def _previous(local: datetime, at: time, tz: ZoneInfo) -> datetime:
    day: date = local.date() if local.time() >= at else local.date() - timedelta(days=1)
    return to_utc(datetime.combine(day, at), tz)


def brief_period_key(client_code: str, session_start: datetime) -> str:
    """One key per client and session start."""
    return f"{client_code}@{session_start.astimezone(UTC):%Y-%m-%dT%H:%MZ}"
