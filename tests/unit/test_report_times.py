"""Digest slots and brief times in the therapist's zone, around quiet hours and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.clinic import ClinicConfig
from core.clinic_values import QuietHours
from core.report_times import (
    ReportTiming,
    brief_period_key,
    brief_time,
    digest_period_key,
    latest_digest_slot,
    timing_for,
)
from tests.conftest import clinic_config

BERLIN = ZoneInfo("Europe/Berlin")
#: Monday 08:00 digests, quiet 21:00-09:00, briefs an hour before: the defaults.
NIGHT = QuietHours(start=time(21), end=time(9))
DEFAULT = ReportTiming(tz=BERLIN, weekday=0, at=time(8), quiet=NIGHT)


def berlin(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Berlin wall-clock time in 2026, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


# ---- weekly digest slot ----


def test_the_slot_is_monday_eight_in_the_therapists_zone() -> None:
    # Wednesday 25 November: the latest slot was Monday 23 November, 08:00 Berlin
    assert latest_digest_slot(DEFAULT, berlin(25, 12)) == berlin(23, 8)


def test_the_slot_is_due_at_exactly_its_time_and_not_a_minute_before() -> None:
    assert latest_digest_slot(DEFAULT, berlin(30, 8)) == berlin(30, 8)
    assert latest_digest_slot(DEFAULT, berlin(30, 7, 59)) == berlin(23, 8)


def test_the_slot_follows_the_clocks_across_daylight_saving() -> None:
    # Berlin went to summer time on Sunday 29 March 2026: 08:00 is 06:00 UTC on Monday 30 March
    slot = latest_digest_slot(DEFAULT, datetime(2026, 3, 30, 12, tzinfo=UTC))
    assert slot == datetime(2026, 3, 30, 6, tzinfo=UTC)


def test_one_period_key_per_iso_week() -> None:
    assert digest_period_key(DEFAULT, berlin(23, 8)) == "2026-W48"
    assert digest_period_key(DEFAULT, berlin(30, 8)) == "2026-W49"


def test_timing_takes_the_therapists_own_settings_over_the_clinics() -> None:
    config = ClinicConfig.model_validate(
        clinic_config().model_dump()
        | {
            "digests": {"day": "fri", "time": "16:30", "brief_minutes_before": 30},
            "therapists": [
                {"code": "T01", "display_name": "A", "timezone": "Europe/Lisbon"},
                {
                    "code": "T02",
                    "display_name": "B",
                    "digest": {"day": "tuesday", "quiet_hours": {"start": "20:00", "end": "07:00"}},
                },
            ],
            "clients": [],
        }
    )
    first = timing_for(config, config.therapists[0])
    second = timing_for(config, config.therapists[1])
    assert (first.tz, first.weekday, first.at) == (ZoneInfo("Europe/Lisbon"), 4, time(16, 30))
    assert first.quiet == NIGHT
    assert first.brief_lead == timedelta(minutes=30)
    assert (second.tz, second.weekday, second.at) == (BERLIN, 1, time(16, 30))
    assert second.quiet == QuietHours(start=time(20), end=time(7))


def test_default_timing_is_monday_eight_with_quiet_nights() -> None:
    config = clinic_config()
    assert timing_for(config, config.therapists[0]) == DEFAULT


# ---- quiet hours and briefs ----


def test_a_brief_comes_an_hour_before_an_afternoon_session() -> None:
    assert brief_time(berlin(24, 15), DEFAULT) == berlin(24, 14)


def test_a_brief_that_would_fall_in_quiet_hours_waits_for_their_end() -> None:
    # 09:30 session: an hour before is 08:30, quiet; quiet hours end at 09:00, still before
    assert brief_time(berlin(24, 9, 30), DEFAULT) == berlin(24, 9)


def test_a_brief_for_an_early_session_comes_the_evening_before() -> None:
    # 08:00 session: 07:00 is quiet and 09:00 is too late: 20:59 the evening before
    assert brief_time(berlin(24, 8), DEFAULT) == berlin(23, 20, 59)


def test_a_brief_for_a_session_at_the_end_of_quiet_hours_comes_the_evening_before() -> None:
    assert brief_time(berlin(24, 9), DEFAULT) == berlin(23, 20, 59)


def test_a_brief_for_a_late_session_comes_before_quiet_hours_begin() -> None:
    # 22:00 session: 21:00 is quiet, and the quiet hours end the next morning
    assert brief_time(berlin(24, 22), DEFAULT) == berlin(24, 20, 59)


def test_without_quiet_hours_a_brief_keeps_its_lead_even_at_night() -> None:
    no_quiet = ReportTiming(tz=BERLIN, weekday=0, at=time(8), quiet=None)
    assert brief_time(berlin(24, 8), no_quiet) == berlin(24, 7)


def test_a_brief_key_names_the_client_and_the_session_in_utc() -> None:
    assert brief_period_key("C101", berlin(24, 15)) == "C101@2026-11-24T14:00Z"
