"""Turning the sessions in the clinic config into stored check-ins."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clinic import Client, ClinicConfig
from core.questionnaire import DEFAULT_QUESTIONNAIRE
from core.schedule import CheckinTiming, SessionPattern, plan_checkins
from storage.checkins import Checkins

#: How far ahead check-ins are planned; re-planning runs far more often than this.
HORIZON = timedelta(days=14)


def pattern_of(config: ClinicConfig, client: Client) -> SessionPattern:
    """A client's sessions from the config, in the client's time zone."""
    sessions = client.sessions
    return SessionPattern(
        tz=config.client_tz(client),
        weekly=[(rule.weekday, rule.time) for rule in sessions.weekly],
        dates=list(sessions.dates),
        duration=timedelta(minutes=sessions.duration_minutes),
    )


def timing_of(config: ClinicConfig) -> CheckinTiming:
    """The clinic's check-in timing."""
    return CheckinTiming(
        delay_days=config.clinic.checkin_delay_days,
        expiry=timedelta(hours=config.clinic.checkin_expiry_hours),
    )


def plan_all(config: ClinicConfig, checkins: Checkins, now: datetime) -> int:
    """Plan every client's check-ins up to the horizon; returns how many were new."""
    timing = timing_of(config)
    inserted = 0
    for client in config.clients:
        planned = plan_checkins(pattern_of(config, client), timing, now, HORIZON)
        inserted += checkins.plan(client.code, planned, now, DEFAULT_QUESTIONNAIRE.key)
    return inserted
