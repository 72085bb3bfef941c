"""Where sessions come from: fortnightly rules, date ranges, moves, cancellations, calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.schedule import (
    CheckinTiming,
    Session,
    SessionPattern,
    WeeklyRule,
    plan_checkins,
    sessions_between,
    to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
TUE = 1
FIFTY = timedelta(minutes=50)
NOV = datetime(2026, 11, 1, tzinfo=UTC)
JAN = datetime(2027, 1, 1, tzinfo=UTC)


def berlin(month: int, day: int, hour: int = 15, year: int = 2026) -> datetime:
    """A Berlin wall-clock time as UTC."""
    return to_utc(datetime(year, month, day, hour, 0), BERLIN)


def pattern(**fields: object) -> SessionPattern:
    """A Berlin pattern with 50-minute sessions and nothing else unless given."""
    values: dict[str, object] = {"tz": BERLIN, "weekly": [], "dates": [], "duration": FIFTY}
    values.update(fields)
    return SessionPattern(**values)  # type: ignore[arg-type]


def starts(p: SessionPattern) -> list[datetime]:
    return [s.start for s in sessions_between(p, NOV, JAN)]


def test_a_fortnightly_rule_counts_weeks_from_its_start_date() -> None:
    rule = WeeklyRule(TUE, time(15, 0), every=2, start=date(2026, 11, 10))
    assert starts(pattern(weekly=[rule])) == [
        berlin(11, 10),
        berlin(11, 24),
        berlin(12, 8),
        berlin(12, 22),
    ]


def test_a_start_date_that_is_not_the_weekday_counts_from_the_first_weekday_after() -> None:
    rule = WeeklyRule(TUE, time(15, 0), every=2, start=date(2026, 11, 12))  # a Thursday
    assert starts(pattern(weekly=[rule]))[:2] == [berlin(11, 17), berlin(12, 1)]


def test_a_rule_with_an_end_date_stops_on_it() -> None:
    rule = WeeklyRule(TUE, time(15, 0), start=date(2026, 12, 1), end=date(2026, 12, 15))
    assert starts(pattern(weekly=[rule])) == [berlin(12, 1), berlin(12, 8), berlin(12, 15)]


def test_a_cancelled_date_removes_that_days_session_only() -> None:
    p = pattern(weekly=[(TUE, time(15, 0))], cancelled=[date(2026, 11, 24)])
    assert berlin(11, 24) not in starts(p)
    assert berlin(12, 1) in starts(p)


def test_a_cancelled_start_time_removes_only_the_session_at_that_time() -> None:
    p = pattern(
        dates=[datetime(2026, 11, 24, 9, 0), datetime(2026, 11, 24, 15, 0)],
        cancelled=[datetime(2026, 11, 24, 9, 0)],
    )
    assert starts(p) == [berlin(11, 24)]


def test_a_rescheduled_session_leaves_its_slot_and_appears_at_its_new_time() -> None:
    p = pattern(
        weekly=[(TUE, time(15, 0))], moved=[(date(2026, 11, 24), datetime(2026, 11, 26, 10, 0))]
    )
    found = sessions_between(p, berlin(11, 23), berlin(12, 2))
    assert [s.start for s in found] == [berlin(11, 26, 10), berlin(12, 1)]
    assert found[0].source == "moved from 2026-11-24"
    assert found[1].source == "weekly Tue 15:00"


def test_sessions_from_a_calendar_join_and_a_config_cancellation_applies_to_them() -> None:
    from_calendar = Session(berlin(11, 27, 11), berlin(11, 27, 12), "calendar")
    p = pattern(
        weekly=[(TUE, time(15, 0))],
        occurrences=[from_calendar, Session(berlin(12, 4, 11), berlin(12, 4, 12), "calendar")],
        cancelled=[date(2026, 12, 4)],
    )
    assert starts(p)[:3] == [berlin(11, 3), berlin(11, 10), berlin(11, 17)]
    assert from_calendar.start in starts(p)
    assert berlin(12, 4, 11) not in starts(p)


def test_a_session_cancelled_from_telegram_is_left_out() -> None:
    p = pattern(weekly=[(TUE, time(15, 0))], cancelled_starts=frozenset({berlin(11, 24)}))
    assert berlin(11, 24) not in starts(p)
    assert berlin(11, 17) in starts(p)


def test_a_calendar_sessions_own_length_sets_its_end_and_due_time() -> None:
    long_one = Session(berlin(11, 24, 10), berlin(11, 24, 12), "calendar")
    [planned] = plan_checkins(
        pattern(occurrences=[long_one]), CheckinTiming(), berlin(11, 23), timedelta(days=3)
    )
    assert planned.session_end == berlin(11, 24, 12)
    assert planned.due_at == berlin(11, 25, 12)


def test_a_cancelled_next_session_no_longer_cuts_the_previous_checkin_short() -> None:
    weekly = [(TUE, time(15, 0)), (3, time(15, 0))]  # Tuesdays and Thursdays
    timing = CheckinTiming()

    def tuesdays(p: SessionPattern) -> list[datetime]:
        planned = plan_checkins(p, timing, berlin(11, 23), timedelta(days=2))
        return [c.expires_at for c in planned if c.session_start == berlin(11, 24)]

    assert tuesdays(pattern(weekly=weekly)) == [berlin(11, 26)]  # Thursday's session starts
    cancelled = pattern(weekly=weekly, cancelled=[date(2026, 11, 26)])
    assert tuesdays(cancelled) == [berlin(11, 25) + timedelta(minutes=50, hours=72)]
