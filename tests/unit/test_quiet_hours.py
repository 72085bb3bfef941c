"""One quiet-hours value for clients and therapists: its written forms, its rule, its defaults."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Literal

import pytest
from pydantic import BaseModel, ValidationError

from core.clinic_values import QuietHours, QuietSetting, Timing
from core.report_config import QuietHours as TherapistQuietHours
from core.timing import DEFAULT_QUIET, CheckinTiming, resolve_timing
from core.timing import QuietHours as ClientQuietHours
from tests.conftest import clinic_config

NIGHT = QuietHours(start=time(21), end=time(9))


class Holder(BaseModel):
    """A field of the type every ``quiet_hours`` in the config has."""

    quiet_hours: QuietSetting


def read(value: object) -> QuietHours | Literal[False]:
    """A written setting as the config reads it."""
    return Holder.model_validate({"quiet_hours": value}).quiet_hours


def refusal(value: object) -> list[tuple[tuple[int | str, ...], str]]:
    """Where and why a written setting is refused."""
    with pytest.raises(ValidationError) as caught:
        read(value)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_clients_therapists_and_the_timing_rules_share_one_class() -> None:
    assert ClientQuietHours is QuietHours
    assert TherapistQuietHours is QuietHours


@pytest.mark.parametrize(
    "written",
    [
        "21:00-09:00",
        " 21:00 - 9:00 ",
        {"start": "21:00", "end": "09:00"},
        {"start": "21:00"},
        {"end": "9:00"},
        {},
        NIGHT,
    ],
    ids=["string", "spaces", "mapping", "start-only", "end-only", "empty-mapping", "object"],
)
def test_every_written_form_of_the_same_night_reads_the_same(written: object) -> None:
    assert read(written) == NIGHT


@pytest.mark.parametrize("written", [False, "off", "none", " Off ", "NONE"])
def test_false_and_its_spellings_mean_no_quiet_hours(written: object) -> None:
    assert read(written) is False


def test_a_start_equal_to_the_end_is_refused_in_every_form_and_false_is_named() -> None:
    # It could mean "quiet all day" or "never quiet"; false says the second unambiguously.
    message = "Value error, quiet hours start and end at the same time (08:00); use false for none"
    assert refusal("08:00-08:00") == [(("quiet_hours",), message)]
    assert refusal({"start": "08:00", "end": "8:00"}) == [(("quiet_hours",), message)]
    with pytest.raises(ValidationError, match="use false for none"):
        QuietHours(start=time(9), end=time(9))
    with pytest.raises(ValidationError, match="same time"):
        read({"start": "09:00"})  # the default end is 09:00


@pytest.mark.parametrize(
    ("written", "where", "why"),
    [
        ("22:00", (), "invalid quiet hours '22:00', expected \"21:00-09:00\""),
        ("25:00-08:00", (), "invalid time '25:00', expected HH:MM (24-hour)"),
        (True, (), "invalid quiet hours true, expected"),
        (21, (), "invalid quiet hours '21'"),
        ({"start": "9pm"}, ("start",), "invalid time '9pm'"),
        ({"start": "22:00", "ends": "07:00"}, ("ends",), "Extra inputs are not permitted"),
    ],
)
def test_a_bad_setting_is_refused_at_its_own_field(
    written: object, where: tuple[str, ...], why: str
) -> None:
    [(loc, message)] = refusal(written)
    assert loc == ("quiet_hours", *where)
    assert why in message


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        (time(20, 59), False),
        (time(21), True),
        (time(23, 59), True),
        (time(0), True),
        (time(8, 59), True),
        (time(9), False),
        (time(12), False),
    ],
)
def test_a_night_wraps_around_midnight_start_in_end_out(wall: time, inside: bool) -> None:
    assert NIGHT.contains(wall) is inside


def test_a_period_within_one_day_is_just_that_span() -> None:
    lunch = read("12:00-13:30")
    assert isinstance(lunch, QuietHours)
    assert [lunch.contains(t) for t in (time(11, 59), time(12), time(13, 29), time(13, 30))] == [
        False,
        True,
        True,
        False,
    ]


def test_a_setting_prints_and_dumps_as_it_is_written_and_reads_back() -> None:
    assert str(NIGHT) == "21:00-09:00"
    for setting in (NIGHT, False):
        for mode in ("python", "json"):
            dumped = Holder(quiet_hours=setting).model_dump(mode=mode)
            assert dumped == {"quiet_hours": "21:00-09:00" if setting else False}
            assert Holder.model_validate(dumped).quiet_hours == setting


def test_a_bare_checkin_timing_is_the_config_default() -> None:
    default = CheckinTiming()
    assert default.quiet == DEFAULT_QUIET == QuietHours() == NIGHT
    assert (default.reminder_after, default.max_reminders) == (timedelta(hours=24), 1)
    assert resolve_timing([None, Timing()], delay_days=1, expiry_hours=72) == default
    config = clinic_config()  # sets no timing at all
    assert config.checkin_timing(config.clients[0]) == default


def test_resolving_takes_false_as_none_and_inherits_only_what_is_unset() -> None:
    client, clinic = Timing(quiet_hours=False), Timing(quiet_hours="22:00-07:00")
    assert resolve_timing([client, clinic], 1, 72).quiet is None
    assert resolve_timing([Timing(), clinic], 1, 72).quiet == read("22:00-07:00")
    assert resolve_timing([None, Timing(max_reminders=0)], 1, 72).max_reminders == 0
