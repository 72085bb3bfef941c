"""Due-time arithmetic in real time zones, across daylight-saving changes; and the test clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import FixedClock, SystemClock
from core.schedule import (
    CheckinTiming,
    PlannedCheckin,
    SessionPattern,
    due_at,
    plan_checkins,
    session_starts,
    to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
TIMING = CheckinTiming()  # the defaults: a day after the session, quiet at night, open 72 h
MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def sessions(
    tz: ZoneInfo,
    weekly: list[tuple[int, time]] | None = None,
    dates: list[datetime] | None = None,
    minutes: int = 50,
) -> SessionPattern:
    """A session pattern; ``dates`` are naive local start times."""
    return SessionPattern(
        tz=tz, weekly=weekly or [], dates=dates or [], duration=timedelta(minutes=minutes)
    )


# ---- to_utc ----


def test_to_utc_reads_winter_and_summer_times_with_their_own_offsets() -> None:
    assert to_utc(datetime(2026, 1, 15, 15, 0), BERLIN) == utc(2026, 1, 15, 14, 0)
    assert to_utc(datetime(2026, 7, 15, 15, 0), BERLIN) == utc(2026, 7, 15, 13, 0)
    assert to_utc(datetime(2026, 7, 15, 15, 0), KOLKATA) == utc(2026, 7, 15, 9, 30)


def test_to_utc_returns_an_aware_utc_datetime() -> None:
    result = to_utc(datetime(2026, 5, 1, 9, 0), NEW_YORK)
    assert result.tzinfo is UTC
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("tz", "local", "expected", "local_after"),
    [
        (BERLIN, datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 30), time(3, 30)),
        (NEW_YORK, datetime(2026, 3, 8, 2, 30), utc(2026, 3, 8, 7, 30), time(3, 30)),
    ],
)
def test_a_time_in_the_spring_forward_gap_is_read_as_after_the_gap(
    tz: ZoneInfo, local: datetime, expected: datetime, local_after: time
) -> None:
    result = to_utc(local, tz)
    assert result == expected
    assert result.astimezone(tz).time() == local_after


@pytest.mark.parametrize(
    ("tz", "local", "expected"),
    [
        (BERLIN, datetime(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30)),  # CEST, not CET
        (NEW_YORK, datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)),  # EDT, not EST
    ],
)
def test_a_time_that_happens_twice_on_fall_back_day_is_its_first_occurrence(
    tz: ZoneInfo, local: datetime, expected: datetime
) -> None:
    assert to_utc(local, tz) == expected
    assert to_utc(local.replace(fold=1), tz) == expected


# ---- session_starts ----


def test_weekly_and_one_off_sessions_are_merged_sorted_and_deduplicated() -> None:
    pattern = sessions(
        BERLIN,
        weekly=[(TUE, time(15, 0))],
        dates=[
            datetime(2026, 11, 26, 10, 0),  # a Thursday extra
            datetime(2026, 11, 24, 15, 0),  # the same as the weekly Tuesday session
            datetime(2026, 11, 25, 9, 0),  # listed out of order
        ],
    )
    starts = session_starts(pattern, utc(2026, 11, 23), utc(2026, 12, 7))
    assert starts == [
        utc(2026, 11, 24, 14, 0),
        utc(2026, 11, 25, 8, 0),
        utc(2026, 11, 26, 9, 0),
        utc(2026, 12, 1, 14, 0),
    ]


def test_several_weekly_slots_come_out_in_time_order() -> None:
    pattern = sessions(NEW_YORK, weekly=[(FRI, time(9, 0)), (MON, time(18, 30)), (MON, time(8, 0))])
    starts = session_starts(pattern, utc(2026, 6, 1), utc(2026, 6, 8))
    assert starts == [utc(2026, 6, 1, 12, 0), utc(2026, 6, 1, 22, 30), utc(2026, 6, 5, 13, 0)]


def test_the_range_includes_its_start_and_excludes_its_end() -> None:
    pattern = sessions(BERLIN, weekly=[(TUE, time(15, 0))])
    first, second = utc(2026, 11, 24, 14, 0), utc(2026, 12, 1, 14, 0)
    assert session_starts(pattern, first, second) == [first]
    assert session_starts(pattern, first + timedelta(seconds=1), second) == []


def test_one_off_sessions_outside_the_range_are_left_out() -> None:
    pattern = sessions(BERLIN, dates=[datetime(2026, 1, 5, 10, 0), datetime(2027, 1, 5, 10, 0)])
    assert session_starts(pattern, utc(2026, 6, 1), utc(2026, 7, 1)) == []


def test_a_weekly_session_keeps_its_local_time_across_the_spring_change() -> None:
    pattern = sessions(BERLIN, weekly=[(SUN, time(10, 0))])
    starts = session_starts(pattern, utc(2026, 3, 20), utc(2026, 4, 1))
    assert starts == [utc(2026, 3, 22, 9, 0), utc(2026, 3, 29, 8, 0)]


def test_a_weekly_session_in_the_gap_happens_once_after_the_gap() -> None:
    pattern = sessions(BERLIN, weekly=[(SUN, time(2, 30)), (SUN, time(3, 30))])
    starts = session_starts(pattern, utc(2026, 3, 28), utc(2026, 3, 30))
    assert starts == [utc(2026, 3, 29, 1, 30)]  # 02:30 does not exist; both read as 03:30 CEST


# ---- due_at ----


def test_the_checkin_is_due_a_day_after_the_session_ends_in_a_zone_without_dst() -> None:
    end = utc(2026, 11, 24, 10, 20)  # 15:50 in Kolkata
    assert due_at(end, KOLKATA, 1) == end + timedelta(days=1)


def test_a_longer_delay_keeps_the_local_clock_time() -> None:
    end = to_utc(datetime(2026, 11, 24, 15, 50), BERLIN)
    due = due_at(end, BERLIN, 3)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 11, 27, 15, 50)


@pytest.mark.parametrize(
    ("tz", "session_local", "due_utc", "gap"),
    [
        # Berlin springs forward on Sunday 2026-03-29: the check-in comes an hour "early" in UTC.
        (BERLIN, datetime(2026, 3, 28, 15, 0), utc(2026, 3, 29, 13, 50), timedelta(hours=23)),
        # Berlin falls back on Sunday 2026-10-25: an hour "late" in UTC.
        (BERLIN, datetime(2026, 10, 24, 15, 0), utc(2026, 10, 25, 14, 50), timedelta(hours=25)),
        (NEW_YORK, datetime(2026, 3, 7, 15, 0), utc(2026, 3, 8, 19, 50), timedelta(hours=23)),
        (NEW_YORK, datetime(2026, 10, 31, 15, 0), utc(2026, 11, 1, 20, 50), timedelta(hours=25)),
        # Lord Howe Island moves its clocks by half an hour.
        (LORD_HOWE, datetime(2026, 4, 4, 15, 0), utc(2026, 4, 5, 5, 20), timedelta(hours=24.5)),
        (KOLKATA, datetime(2026, 3, 28, 15, 0), utc(2026, 3, 29, 10, 20), timedelta(hours=24)),
    ],
)
def test_the_due_time_keeps_the_local_clock_time_across_a_dst_change(
    tz: ZoneInfo, session_local: datetime, due_utc: datetime, gap: timedelta
) -> None:
    pattern = sessions(tz, dates=[session_local])
    now = to_utc(session_local, tz) - timedelta(days=1)
    [planned] = plan_checkins(pattern, TIMING, now, timedelta(days=7))
    assert planned.session_end == to_utc(session_local, tz) + timedelta(minutes=50)
    assert planned.due_at == due_utc
    assert planned.due_at - planned.session_end == gap
    local_end, local_due = planned.session_end.astimezone(tz), planned.due_at.astimezone(tz)
    assert local_due.time() == local_end.time()
    assert local_due.date() == local_end.date() + timedelta(days=1)


def test_a_due_time_that_does_not_exist_locally_falls_after_the_gap() -> None:
    end = to_utc(datetime(2026, 3, 28, 2, 30), BERLIN)  # a session ending at 02:30 on Saturday
    due = due_at(end, BERLIN, 1)
    assert due == utc(2026, 3, 29, 1, 30)  # 03:30 CEST: 02:30 does not exist on Sunday
    assert due.astimezone(BERLIN).time() == time(3, 30)


def test_a_due_time_that_happens_twice_locally_is_the_first_one() -> None:
    end = to_utc(datetime(2026, 10, 24, 2, 30), BERLIN)
    assert due_at(end, BERLIN, 1) == utc(2026, 10, 25, 0, 30)


def test_a_same_day_checkin_is_never_due_before_its_session_ends() -> None:
    start = to_utc(datetime(2026, 10, 25, 2, 10), BERLIN)  # 00:10 UTC, first 02:10
    end = start + timedelta(minutes=50)  # 01:00 UTC = 02:00 CET, the second 02:00
    assert due_at(end, BERLIN, 0) >= end


def test_a_same_day_checkin_on_an_ordinary_day_is_due_when_the_session_ends() -> None:
    end = to_utc(datetime(2026, 11, 24, 15, 50), BERLIN)
    assert due_at(end, BERLIN, 0) == end


# ---- plan_checkins ----


def test_weekly_sessions_within_the_horizon_are_planned_with_due_and_expiry() -> None:
    pattern = sessions(BERLIN, weekly=[(TUE, time(15, 0))])
    plan = plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=14))
    assert plan == [
        PlannedCheckin(
            session_start=utc(2026, 11, 24, 14, 0),
            session_end=utc(2026, 11, 24, 14, 50),
            due_at=utc(2026, 11, 25, 14, 50),
            expires_at=utc(2026, 11, 28, 14, 50),
        ),
        PlannedCheckin(
            session_start=utc(2026, 12, 1, 14, 0),
            session_end=utc(2026, 12, 1, 14, 50),
            due_at=utc(2026, 12, 2, 14, 50),
            expires_at=utc(2026, 12, 5, 14, 50),
        ),
    ]


def test_a_checkin_expires_when_the_next_session_starts_if_that_is_sooner() -> None:
    pattern = sessions(BERLIN, weekly=[(MON, time(10, 0)), (WED, time(10, 0))])
    plan = plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=2))
    assert plan[0].session_start == utc(2026, 11, 23, 9, 0)
    assert plan[0].due_at == utc(2026, 11, 24, 9, 50)
    assert plan[0].expires_at == utc(2026, 11, 25, 9, 0)  # Wednesday's session, not due + 72h


def test_a_checkin_that_would_expire_before_it_is_due_is_not_planned() -> None:
    # Monday 10:00 is due Tuesday 10:50, but Tuesday's 09:00 session has started by then.
    pattern = sessions(BERLIN, weekly=[(MON, time(10, 0)), (TUE, time(9, 0))])
    plan = plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=2))
    assert [p.session_start for p in plan] == [utc(2026, 11, 24, 8, 0)]


def test_a_checkin_whose_next_session_starts_exactly_when_it_is_due_is_not_planned() -> None:
    pattern = sessions(
        BERLIN, dates=[datetime(2026, 11, 23, 10, 0), datetime(2026, 11, 24, 10, 50)]
    )
    plan = plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=2))
    assert [p.session_start for p in plan] == [utc(2026, 11, 24, 9, 50)]


def test_a_checkin_of_a_past_session_still_open_at_now_is_planned() -> None:
    pattern = sessions(BERLIN, dates=[datetime(2026, 11, 21, 15, 0)])  # last Saturday
    [planned] = plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=7))
    assert planned.session_start == utc(2026, 11, 21, 14, 0)
    assert planned.due_at < MONDAY_MORNING < planned.expires_at


def test_checkins_already_expired_at_now_are_not_planned() -> None:
    pattern = sessions(BERLIN, dates=[datetime(2026, 11, 16, 15, 0)])  # due 17th, expired 20th
    assert plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=7)) == []


def test_a_checkin_expiring_exactly_now_is_not_planned() -> None:
    pattern = sessions(BERLIN, dates=[datetime(2026, 11, 24, 15, 0)])
    expires = utc(2026, 11, 28, 14, 50)
    assert plan_checkins(pattern, TIMING, expires - timedelta(seconds=1), timedelta(0)) != []
    assert plan_checkins(pattern, TIMING, expires, timedelta(0)) == []


def test_the_horizon_bounds_which_sessions_are_planned() -> None:
    start = utc(2026, 11, 24, 14, 0)
    pattern = sessions(BERLIN, weekly=[(TUE, time(15, 0))])
    assert plan_checkins(pattern, TIMING, MONDAY_MORNING, start - MONDAY_MORNING) == []
    just_after = start - MONDAY_MORNING + timedelta(seconds=1)
    plan = plan_checkins(pattern, TIMING, MONDAY_MORNING, just_after)
    assert [p.session_start for p in plan] == [start]


def test_a_long_horizon_plans_every_weekly_session_in_it() -> None:
    pattern = sessions(NEW_YORK, weekly=[(THU, time(17, 0))])
    plan = plan_checkins(pattern, TIMING, utc(2026, 1, 1), timedelta(days=364))
    assert len(plan) == 52
    assert {p.session_start.astimezone(NEW_YORK).time() for p in plan} == {time(17, 0)}


def test_planning_is_deterministic() -> None:
    pattern = sessions(
        BERLIN,
        weekly=[(TUE, time(15, 0)), (FRI, time(8, 0))],
        dates=[datetime(2026, 11, 26, 10, 0)],
    )
    reordered = sessions(
        BERLIN,
        weekly=[(FRI, time(8, 0)), (TUE, time(15, 0))],
        dates=[datetime(2026, 11, 26, 10, 0)],
    )
    first = plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=30))
    assert first == plan_checkins(pattern, TIMING, MONDAY_MORNING, timedelta(days=30))
    assert first == plan_checkins(reordered, TIMING, MONDAY_MORNING, timedelta(days=30))
    assert len(first) == 10  # last Friday's is still open; Thursday's is pre-empted by Friday


def test_a_pattern_without_sessions_plans_nothing() -> None:
    assert plan_checkins(sessions(BERLIN), TIMING, MONDAY_MORNING, timedelta(days=30)) == []


# ---- Properties over random patterns ----

ZONES = st.sampled_from([BERLIN, NEW_YORK, KOLKATA, LORD_HOWE])
CLOCK_TIMES = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 50]))
PATTERNS = st.builds(
    SessionPattern,
    tz=ZONES,
    weekly=st.lists(st.tuples(st.integers(0, 6), CLOCK_TIMES), max_size=3, unique=True),
    dates=st.lists(
        st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(
            lambda d: d.replace(minute=d.minute // 10 * 10, second=0, microsecond=0)
        ),
        max_size=3,
    ),
    duration=st.integers(5, 240).map(lambda m: timedelta(minutes=m)),
)
TIMINGS = st.builds(
    CheckinTiming,
    delay_days=st.integers(1, 3),
    expiry=st.integers(1, 120).map(lambda h: timedelta(hours=h)),
)
NOWS = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 1), timezones=st.just(UTC))
HORIZONS = st.integers(0, 21).map(lambda d: timedelta(days=d))
FEW = settings(max_examples=40, deadline=None, database=None)


@FEW
@given(pattern=PATTERNS, timing=TIMINGS, now=NOWS, horizon=HORIZONS)
def test_every_planned_checkin_is_ordered_open_and_within_the_horizon(
    pattern: SessionPattern, timing: CheckinTiming, now: datetime, horizon: timedelta
) -> None:
    plan = plan_checkins(pattern, timing, now, horizon)
    starts = [p.session_start for p in plan]
    assert starts == sorted(set(starts))
    for p in plan:
        assert p.session_start < now + horizon
        assert p.session_end == p.session_start + pattern.duration
        assert p.session_end < p.due_at < p.expires_at <= p.due_at + timing.expiry
        assert p.expires_at > now
        assert p.due_at.tzinfo is not None
        assert p.due_at.utcoffset() == timedelta(0)


@FEW
@given(
    pattern=PATTERNS,
    timing=TIMINGS,
    now=NOWS,
    horizon=HORIZONS,
    later=st.integers(0, 14 * 24).map(lambda h: timedelta(hours=h)),
)
def test_a_checkin_still_open_later_is_planned_the_same_way_later(
    pattern: SessionPattern,
    timing: CheckinTiming,
    now: datetime,
    horizon: timedelta,
    later: timedelta,
) -> None:
    replanned = plan_checkins(pattern, timing, now + later, horizon)
    for p in plan_checkins(pattern, timing, now, horizon):
        if p.expires_at > now + later:
            assert p in replanned


# ---- The clock ----


def test_a_fixed_clock_stands_still() -> None:
    clock = FixedClock(MONDAY_MORNING)
    assert clock.now() == MONDAY_MORNING
    assert clock.now() == MONDAY_MORNING


def test_a_fixed_clock_advances_by_the_given_amount() -> None:
    clock = FixedClock(MONDAY_MORNING)
    clock.advance(timedelta(hours=25, minutes=1))
    assert clock.now() == utc(2026, 11, 24, 9, 1)


def test_a_fixed_clock_can_be_set_and_reports_utc() -> None:
    clock = FixedClock(MONDAY_MORNING)
    clock.set(datetime(2026, 7, 1, 12, 0, tzinfo=BERLIN))
    assert clock.now() == utc(2026, 7, 1, 10, 0)
    assert clock.now().tzinfo is UTC


def test_a_fixed_clock_given_another_zone_reports_utc() -> None:
    assert FixedClock(datetime(2026, 1, 1, 12, 0, tzinfo=KOLKATA)).now().tzinfo is UTC


def test_a_fixed_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="time zone"):
        FixedClock(datetime(2026, 1, 1, 12, 0))


def test_a_fixed_clock_refuses_to_be_set_to_a_naive_time() -> None:
    clock = FixedClock(MONDAY_MORNING)
    with pytest.raises(ValueError, match="time zone"):
        clock.set(datetime(2026, 1, 1, 12, 0))
    assert clock.now() == MONDAY_MORNING


def test_the_system_clock_is_aware_utc_and_close_to_now() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)
