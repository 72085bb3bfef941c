"""Timing rules with worked examples: quiet hours, delays in days or hours, reminders, DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.schedule import SessionPattern, plan_checkins
from core.timing import (
    CheckinTiming,
    QuietHours,
    checkin_due,
    dst_change_on,
    in_quiet,
    is_stale,
    leave_quiet,
    next_reminder,
    to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
NIGHT = QuietHours(start=time(21, 0), end=time(9, 0))
LUNCH = QuietHours(start=time(12, 0), end=time(13, 30))
POLICY = CheckinTiming(quiet=NIGHT, reminder_after=timedelta(hours=24), max_reminders=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time in ``tz``, as UTC."""
    return to_utc(datetime(year, month, day, hour, minute), tz)


# ---- quiet hours ----


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        (time(21, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(8, 59), True),
        (time(9, 0), False),
        (time(20, 59), False),
        (time(12, 0), False),
    ],
)
def test_quiet_hours_over_midnight_include_their_start_and_exclude_their_end(
    wall: time, inside: bool
) -> None:
    assert NIGHT.contains(wall) is inside


def test_quiet_hours_within_one_day_are_just_that_span() -> None:
    assert LUNCH.contains(time(12, 0))
    assert LUNCH.contains(time(13, 29))
    assert not LUNCH.contains(time(13, 30))
    assert not LUNCH.contains(time(11, 59))
    assert leave_quiet(local(BERLIN, 2026, 11, 24, 12, 15), BERLIN, LUNCH) == local(
        BERLIN, 2026, 11, 24, 13, 30
    )


def test_a_late_evening_time_moves_to_the_next_morning() -> None:
    moved = leave_quiet(local(BERLIN, 2026, 11, 24, 22, 30), BERLIN, NIGHT)
    assert moved == local(BERLIN, 2026, 11, 25, 9, 0) == utc(2026, 11, 25, 8, 0)


def test_an_early_morning_time_moves_to_the_same_morning() -> None:
    moved = leave_quiet(local(BERLIN, 2026, 11, 25, 3, 0), BERLIN, NIGHT)
    assert moved == local(BERLIN, 2026, 11, 25, 9, 0)


def test_a_time_outside_quiet_hours_or_without_them_stays() -> None:
    day = local(BERLIN, 2026, 11, 25, 15, 50)
    assert leave_quiet(day, BERLIN, NIGHT) == day
    late = local(BERLIN, 2026, 11, 25, 23, 0)
    assert leave_quiet(late, BERLIN, None) == late
    assert not in_quiet(day, BERLIN, NIGHT)
    assert in_quiet(late, BERLIN, NIGHT)


def test_quiet_hours_are_read_in_the_clients_zone_not_utc() -> None:
    instant = utc(2026, 11, 25, 1, 0)  # 02:00 in Berlin, 20:00 the day before in New York
    assert in_quiet(instant, BERLIN, NIGHT)
    assert not in_quiet(instant, NEW_YORK, NIGHT)


@pytest.mark.parametrize(
    ("tz", "late_evening", "morning_utc"),
    [
        # Berlin springs forward in the night to Sunday 29 March: 09:00 is CEST (UTC+2).
        (BERLIN, datetime(2026, 3, 28, 22, 0), utc(2026, 3, 29, 7, 0)),
        # Berlin falls back in the night to Sunday 25 October: 09:00 is CET (UTC+1).
        (BERLIN, datetime(2026, 10, 24, 22, 0), utc(2026, 10, 25, 8, 0)),
        # New York springs forward on Sunday 8 March: 09:00 is EDT (UTC-4).
        (NEW_YORK, datetime(2026, 3, 7, 22, 0), utc(2026, 3, 8, 13, 0)),
        # New York falls back on Sunday 1 November: 09:00 is EST (UTC-5).
        (NEW_YORK, datetime(2026, 10, 31, 22, 0), utc(2026, 11, 1, 14, 0)),
    ],
)
def test_the_end_of_a_night_with_a_dst_change_is_nine_local_time(
    tz: ZoneInfo, late_evening: datetime, morning_utc: datetime
) -> None:
    moved = leave_quiet(to_utc(late_evening, tz), tz, NIGHT)
    assert moved == morning_utc
    assert moved.astimezone(tz).time() == time(9, 0)


def test_quiet_hours_ending_inside_the_spring_gap_end_after_the_gap() -> None:
    # 02:30 does not exist on 29 March in Berlin
    quiet = QuietHours(start=time(1, 0), end=time(2, 30))
    moved = leave_quiet(local(BERLIN, 2026, 3, 29, 1, 30), BERLIN, quiet)
    assert moved == utc(2026, 3, 29, 1, 30)  # 03:30 CEST, the first moment after the gap
    assert moved.astimezone(BERLIN).time() == time(3, 30)


def test_quiet_hours_ending_in_the_repeated_hour_end_at_its_first_occurrence() -> None:
    # 02:30 happens twice on 25 October in Berlin
    quiet = QuietHours(start=time(1, 0), end=time(2, 30))
    moved = leave_quiet(local(BERLIN, 2026, 10, 25, 1, 30), BERLIN, quiet)
    assert moved == utc(2026, 10, 25, 0, 30)  # 02:30 CEST


def test_a_time_in_the_second_repeated_hour_never_moves_backwards() -> None:
    quiet = QuietHours(start=time(1, 0), end=time(2, 30))
    second_two_fifteen = utc(2026, 10, 25, 1, 15)  # 02:15 CET, after the first 02:30
    assert leave_quiet(second_two_fifteen, BERLIN, quiet) >= second_two_fifteen


# ---- the due time: a delay in days or in hours, then quiet hours ----


def test_a_delay_in_days_keeps_the_local_clock_time_across_spring_forward() -> None:
    end = local(BERLIN, 2026, 3, 28, 15, 50)
    due = checkin_due(end, BERLIN, CheckinTiming(delay_days=1, quiet=None))
    assert due.astimezone(BERLIN).time() == time(15, 50)
    assert due - end == timedelta(hours=23)


def test_a_delay_in_hours_counts_elapsed_hours_across_spring_forward() -> None:
    end = local(BERLIN, 2026, 3, 28, 15, 50)
    due = checkin_due(end, BERLIN, CheckinTiming(delay_hours=24, quiet=None))
    assert due - end == timedelta(hours=24)
    assert due.astimezone(BERLIN).time() == time(16, 50)


def test_a_delay_in_hours_counts_elapsed_hours_across_fall_back_in_new_york() -> None:
    end = local(NEW_YORK, 2026, 10, 31, 15, 50)
    due = checkin_due(end, NEW_YORK, CheckinTiming(delay_hours=24, quiet=None))
    assert due.astimezone(NEW_YORK).time() == time(14, 50)
    days = checkin_due(end, NEW_YORK, CheckinTiming(delay_days=1, quiet=None))
    assert days.astimezone(NEW_YORK).time() == time(15, 50)
    assert days - end == timedelta(hours=25)


def test_an_evening_session_is_due_the_next_morning_but_one() -> None:
    end = local(BERLIN, 2026, 11, 24, 21, 50)  # due 25th 21:50, inside quiet hours
    due = checkin_due(end, BERLIN, POLICY)
    assert due == local(BERLIN, 2026, 11, 26, 9, 0)


def test_a_session_at_a_time_that_does_not_exist_is_planned_after_the_gap_and_out_of_quiet() -> (
    None
):
    # New York, Sunday 8 March 2026: 02:30 does not exist; the session starts 03:30 EDT.
    pattern = SessionPattern(NEW_YORK, [], [datetime(2026, 3, 8, 2, 30)], timedelta(minutes=50))
    [planned] = plan_checkins(pattern, POLICY, utc(2026, 3, 7), timedelta(days=3))
    assert planned.session_start == utc(2026, 3, 8, 7, 30)
    assert planned.session_start.astimezone(NEW_YORK).time() == time(3, 30)
    # Due Monday 04:20 local, inside quiet hours: moved to 09:00 EDT.
    assert planned.due_at == utc(2026, 3, 9, 13, 0)
    assert planned.quiet_from == utc(2026, 3, 9, 8, 20)


def test_a_session_at_a_time_that_exists_twice_is_the_first_and_its_checkin_waits_for_morning() -> (
    None
):
    pattern = SessionPattern(BERLIN, [], [datetime(2026, 10, 25, 2, 30)], timedelta(minutes=50))
    [planned] = plan_checkins(pattern, POLICY, utc(2026, 10, 24), timedelta(days=3))
    assert planned.session_start == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, the first
    assert planned.session_end == utc(2026, 10, 25, 1, 20)  # 02:20 CET, after the change
    assert planned.due_at == utc(2026, 10, 26, 8, 0)  # Monday 09:00 CET


def test_a_checkin_not_moved_by_quiet_hours_says_so() -> None:
    pattern = SessionPattern(BERLIN, [], [datetime(2026, 11, 24, 15, 0)], timedelta(minutes=50))
    [planned] = plan_checkins(pattern, POLICY, utc(2026, 11, 23), timedelta(days=3))
    assert planned.due_at == utc(2026, 11, 25, 14, 50)
    assert planned.quiet_from is None


# ---- a client in another zone than the therapist ----


def test_a_client_abroad_gets_the_checkin_at_their_own_local_time() -> None:
    # The session is written in the therapist's Berlin time; the client lives in New York.
    pattern = SessionPattern(
        BERLIN, [], [datetime(2026, 11, 24, 15, 0)], timedelta(minutes=50), local_tz=NEW_YORK
    )
    [planned] = plan_checkins(pattern, POLICY, utc(2026, 11, 23), timedelta(days=3))
    assert planned.session_start == utc(2026, 11, 24, 14, 0)
    assert planned.due_at.astimezone(NEW_YORK) == datetime(2026, 11, 25, 9, 50, tzinfo=NEW_YORK)


def test_quiet_hours_follow_the_client_not_the_therapist() -> None:
    # 20:00 in Berlin ends at 04:50 in Tokyo the next day: due at 04:50 Tokyo, moved to 09:00.
    pattern = SessionPattern(
        BERLIN, [], [datetime(2026, 11, 24, 20, 0)], timedelta(minutes=50), local_tz=TOKYO
    )
    [planned] = plan_checkins(pattern, POLICY, utc(2026, 11, 23), timedelta(days=3))
    assert planned.due_at == to_utc(datetime(2026, 11, 26, 9, 0), TOKYO)


def test_a_client_in_a_zone_that_changes_clocks_on_another_date() -> None:
    # Between 8 and 29 March New York is on summer time and Berlin not: 5 hours apart, not 6.
    pattern = SessionPattern(
        BERLIN, [], [datetime(2026, 3, 17, 15, 0)], timedelta(minutes=50), local_tz=NEW_YORK
    )
    [planned] = plan_checkins(pattern, POLICY, utc(2026, 3, 16), timedelta(days=3))
    assert planned.session_start.astimezone(NEW_YORK).time() == time(10, 0)
    assert planned.due_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 18, 10, 50)


# ---- reminders ----


def test_one_reminder_comes_a_day_after_sending_and_no_more() -> None:
    sent = local(BERLIN, 2026, 11, 25, 15, 50)
    expires = sent + timedelta(hours=72)
    assert next_reminder(sent, BERLIN, POLICY, expires, 0) == sent + timedelta(hours=24)
    assert next_reminder(sent, BERLIN, POLICY, expires, 1) is None


def test_a_higher_cap_spaces_reminders_by_the_same_interval() -> None:
    policy = CheckinTiming(quiet=NIGHT, reminder_after=timedelta(hours=24), max_reminders=2)
    first = local(BERLIN, 2026, 11, 26, 15, 50)
    expires = first + timedelta(hours=48)
    assert next_reminder(first, BERLIN, policy, expires, 1) == first + timedelta(hours=24)
    assert next_reminder(first, BERLIN, policy, expires, 2) is None


def test_a_reminder_never_falls_in_quiet_hours() -> None:
    sent = local(BERLIN, 2026, 11, 25, 22, 30)  # sent late, e.g. a client who came back
    at = next_reminder(sent, BERLIN, POLICY, sent + timedelta(hours=72), 0)
    assert at == local(BERLIN, 2026, 11, 27, 9, 0)


def test_no_reminder_when_the_checkin_closes_before_it_or_within_the_hour_after() -> None:
    sent = local(BERLIN, 2026, 11, 25, 15, 50)
    assert next_reminder(sent, BERLIN, POLICY, sent + timedelta(hours=24), 0) is None
    assert next_reminder(sent, BERLIN, POLICY, sent + timedelta(hours=24, minutes=59), 0) is None
    assert next_reminder(sent, BERLIN, POLICY, sent + timedelta(hours=25), 0) is not None


def test_no_reminders_when_switched_off() -> None:
    sent = utc(2026, 11, 25, 14, 50)
    off = CheckinTiming(reminder_after=timedelta(hours=24), max_reminders=0)
    assert next_reminder(sent, BERLIN, off, sent + timedelta(days=3), 0) is None
    no_interval = CheckinTiming(reminder_after=None)
    assert next_reminder(sent, BERLIN, no_interval, sent + timedelta(days=3), 0) is None


def test_a_reminder_over_an_hour_late_is_stale() -> None:
    at = utc(2026, 11, 26, 14, 50)
    assert not is_stale(at, at + timedelta(minutes=59))
    assert not is_stale(at, at + timedelta(hours=1))
    assert is_stale(at, at + timedelta(hours=1, seconds=1))


# ---- DST days, for the preview's warnings ----


@pytest.mark.parametrize(
    ("tz", "day", "changes"),
    [
        (BERLIN, date(2026, 3, 29), True),
        (BERLIN, date(2026, 10, 25), True),
        (BERLIN, date(2026, 3, 8), False),
        (NEW_YORK, date(2026, 3, 8), True),
        (NEW_YORK, date(2026, 11, 1), True),
        (NEW_YORK, date(2026, 10, 25), False),
        (TOKYO, date(2026, 3, 29), False),
    ],
)
def test_days_when_the_clocks_change_are_recognised(tz: ZoneInfo, day: date, changes: bool) -> None:
    assert dst_change_on(day, tz) is changes
