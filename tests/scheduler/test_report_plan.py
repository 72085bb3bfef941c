"""The report plan: briefs due found from sessions worked out once per config and day,
exactly the briefs the per-client computation on every tick found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clinic import ClinicConfig
from core.report_times import brief_time, timing_for
from core.schedule import session_starts
from scheduler.planning import pattern_of
from scheduler.report_plan import PLAN_REUSED_FOR, ReportPlan, ReportPlans

START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # a Monday


def clinic() -> ClinicConfig:
    """Two therapists (one in New York with late quiet hours), weekly and one-off sessions,
    an early session whose brief falls back to the evening before."""
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Plan Clinic",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "Call 112."},
            },
            "therapists": [
                {"code": "T01", "display_name": "A"},
                {
                    "code": "T02",
                    "display_name": "B",
                    "timezone": "America/New_York",
                    "digest": {"quiet_hours": {"start": "20:00", "end": "10:00"}},
                },
            ],
            "clients": [
                {
                    "code": "C1",
                    "therapist": "T01",
                    "sessions": {"weekly": [{"day": "tue", "time": "15:00"}]},
                },
                {
                    "code": "C2",
                    "therapist": "T01",
                    "sessions": {"weekly": [{"day": "wed", "time": "08:30"}]},
                },
                {
                    "code": "C3",
                    "therapist": "T02",
                    "sessions": {"dates": ["2026-11-24T10:00", "2026-11-25T09:00"]},
                },
                {
                    "code": "C4",
                    "therapist": "T02",
                    "sessions": {"weekly": [{"day": "mon", "time": "23:30"}]},
                },
            ],
        }
    )


def per_client(config: ClinicConfig, now: datetime) -> set[tuple[str, datetime, datetime]]:
    """What each tick used to compute: every client's sessions of the next day and lead."""
    found = set()
    for therapist in config.therapists:
        timing = timing_for(config, therapist)
        for client in config.clients_of(therapist.code):
            ahead = now + timing.brief_lead + timedelta(days=1)
            for start in session_starts(pattern_of(config, client), now, ahead):
                at = brief_time(start, timing)
                if at <= now < start:
                    found.add((client.code, start, at))
    return found


def test_the_briefs_due_are_the_ones_every_client_computed_at_every_quarter_hour() -> None:
    config, plans = clinic(), ReportPlans()
    seen = 0
    for quarter in range(4 * 72):
        now = START + timedelta(minutes=15 * quarter)
        plan = plans.plan(config, now)
        due = {(b.client_code, b.session_start, b.at) for b in plan.briefs_due(now)}
        assert due == per_client(config, now), now
        seen += len(due)
    assert seen >= 5  # C1, C2, C4 and both of C3's, some over several quarters


def test_no_briefs_are_planned_when_briefs_are_off() -> None:
    config = clinic()
    off = config.model_copy(update={"digests": config.digests.model_copy(update={"briefs": False})})

    assert ReportPlan.build(off, START).briefs == []


def test_the_plan_is_reused_for_a_day_and_rebuilt_for_a_new_config() -> None:
    config, plans = clinic(), ReportPlans()
    plan = plans.plan(config, START)

    assert plans.plan(config, START + timedelta(hours=5)) is plan
    assert plans.plan(config, START + PLAN_REUSED_FOR + timedelta(minutes=1)) is not plan
    assert plans.plan(clinic(), START).config is not config
    assert plans.plan(config, START - timedelta(minutes=1)).start == START - timedelta(minutes=1)
    assert ReportPlans().plan(config, START) is not plans.plan(config, START)  # one per bot
