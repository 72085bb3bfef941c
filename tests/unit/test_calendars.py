"""Sessions from .ics files: recurring events with exceptions, matching by client code, errors."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from core.clinic import ClinicConfig
from core.schedule import plan_checkins
from scheduler.calendars import calendar_sessions, match_client
from scheduler.planning import Extra, pattern_of, timing_of

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "therapist.ics"
CLINIC = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "Call 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
    ics: {ics}
  - code: T02
    display_name: Sam Okafor
clients:
  - {{code: C101, therapist: T01}}
  - {{code: C102, therapist: T01}}
  - {{code: C103, therapist: T02}}
"""
NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> ClinicConfig:
    (tmp_path / "calendars").mkdir()
    shutil.copy(FIXTURE, tmp_path / "calendars" / "rivera.ics")
    (tmp_path / "clinic.yaml").write_text(CLINIC.format(ics="calendars/rivera.ics"), "utf-8")
    return load_clinic_config(tmp_path / "clinic.yaml")


def test_the_calendar_path_is_read_relative_to_the_clinic_file(
    config: ClinicConfig, tmp_path: Path
) -> None:
    assert config.therapists[0].ics == str(tmp_path / "calendars" / "rivera.ics")


def test_a_recurring_event_skips_its_exdate_and_follows_its_moved_instance(
    config: ClinicConfig,
) -> None:
    sessions = calendar_sessions(config, NOV, DEC)["C101"]
    assert [(s.start, s.end) for s in sessions] == [
        (utc(11, 3, 14), utc(11, 3, 14, 50)),
        (utc(11, 10, 14), utc(11, 10, 14, 50)),
        # 17 November is an EXDATE; 24 November moved to Thursday 26th, 10:00-11:00 Berlin.
        (utc(11, 26, 9), utc(11, 26, 10)),
    ]
    assert {s.source for s in sessions} == {"calendar rivera.ics"}


def test_codes_match_in_any_letter_case_and_floating_times_are_the_therapists(
    config: ClinicConfig,
) -> None:
    sessions = calendar_sessions(config, NOV, DEC)["C102"]
    # "c102: intake" at 09:00Z with a DURATION; the cancelled event on the 27th is left out;
    # the floating 14:00 on the 30th is 14:00 in Berlin, the therapist's zone.
    assert [(s.start, s.end) for s in sessions] == [
        (utc(11, 25, 9), utc(11, 25, 9, 50)),
        (utc(11, 30, 13), utc(11, 30, 13, 50)),
    ]


def test_a_therapists_calendar_never_gives_sessions_to_another_therapists_client(
    config: ClinicConfig,
) -> None:
    assert "C103" not in calendar_sessions(config, NOV, DEC)


def test_matching_needs_exactly_one_code_as_a_whole_word(config: ClinicConfig) -> None:
    clients = config.clients
    assert match_client("Session C101", clients) is clients[0]
    assert match_client("C101/online", clients) is clients[0]
    assert match_client("Session C1011", clients) is None
    assert match_client("Couple session C101 C102", clients) is None
    assert match_client("Team meeting", clients) is None


def test_a_moved_calendar_session_gets_its_checkin_a_day_after_its_own_end(
    config: ClinicConfig,
) -> None:
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    extra = Extra(
        occurrences=calendar_sessions(config, now - timedelta(days=14), now + timedelta(days=28))
    )
    client = config.clients[0]
    planned = plan_checkins(
        pattern_of(config, client, extra), timing_of(config, client), now, timedelta(days=7)
    )
    assert [(p.session_start, p.due_at) for p in planned] == [(utc(11, 26, 9), utc(11, 27, 10))]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            None,
            "clinic.yaml:9: therapists[0].ics: "
            "calendar 'missing.ics' (read next to this file): file not found",
        ),
        (b"this is not a calendar", "not an iCalendar file"),
    ],
)
def test_a_calendar_that_cannot_be_read_is_reported_at_its_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    if content is not None:
        (tmp_path / "missing.ics").write_bytes(content)
    (tmp_path / "clinic.yaml").write_text(CLINIC.format(ics="missing.ics"), "utf-8")
    with pytest.raises(ClinicConfigError) as info:
        load_clinic_config(tmp_path / "clinic.yaml")
    [problem] = info.value.problems
    assert message in str(problem)
    assert problem.line == 9
