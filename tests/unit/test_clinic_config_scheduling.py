"""The scheduling fields of the clinic file: session sources and the timing policy."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from core.clinic import ClinicConfig
from core.timing import QuietHours

HEADER = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "Call 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
    timezone: America/New_York
clients:
"""
"""Lines 1-10; the first client starts on line 11."""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def load(clients: str, header: str = HEADER) -> ClinicConfig:
    Path("clinic.yaml").write_text(header + textwrap.dedent(clients), encoding="utf-8")
    return load_clinic_config("clinic.yaml")


def problems(clients: str, header: str = HEADER) -> list[str]:
    with pytest.raises(ClinicConfigError) as info:
        load(clients, header)
    return [str(p) for p in info.value.problems]


def test_every_session_source_field_loads() -> None:
    config = load("""\
      - code: C101
        therapist: T01
        sessions:
          weekly:
            - {day: tuesday, time: "15:00", every: 2, start: 2026-11-10, end: "2027-03-30"}
          cancelled: [2026-11-24, "2026-12-08T15:00"]
          rescheduled:
            - {from: 2026-12-22, to: "2026-12-23T10:00"}
          timezone: therapist
    """)
    [client] = config.clients
    rule = client.sessions.weekly[0]
    assert (rule.every, rule.start, rule.end) == (2, dt.date(2026, 11, 10), dt.date(2027, 3, 30))
    assert client.sessions.cancelled == (dt.date(2026, 11, 24), dt.datetime(2026, 12, 8, 15, 0))
    move = client.sessions.rescheduled[0]
    assert (move.original, move.to) == (dt.date(2026, 12, 22), dt.datetime(2026, 12, 23, 10, 0))
    assert config.session_tz(client) == ZoneInfo("America/New_York")
    assert config.client_tz(client) == ZoneInfo("Europe/Berlin")


def test_the_default_timing_is_a_day_later_quiet_at_night_one_reminder_and_three_days() -> None:
    config = load("""\
      - code: C101
        therapist: T01
    """)
    timing = config.checkin_timing(config.clients[0])
    assert timing.delay_days == 1
    assert timing.delay_hours is None
    assert timing.quiet == QuietHours(start=dt.time(21, 0), end=dt.time(9, 0))
    assert timing.reminder_after == dt.timedelta(hours=24)
    assert timing.max_reminders == 1
    assert timing.expiry == dt.timedelta(hours=72)


def test_a_client_overrides_the_clinic_policy_field_by_field() -> None:
    header = HEADER.replace(
        '    en: "Call 112."\n',
        '    en: "Call 112."\n  timing:\n    delay: 2d\n    quiet_hours: "22:00-08:00"\n'
        "    max_reminders: 2\n",
    )
    config = load(
        """\
      - code: C101
        therapist: T01
      - code: C102
        therapist: T01
        timing: {delay: 36h, quiet_hours: off, expiry_hours: 48}
    """,
        header,
    )
    clinic, own = (config.checkin_timing(c) for c in config.clients)
    assert (clinic.delay_days, clinic.delay_hours) == (2, None)
    assert clinic.quiet == QuietHours(start=dt.time(22, 0), end=dt.time(8, 0))
    assert own.delay_hours == 36
    assert own.quiet is None
    assert own.expiry == dt.timedelta(hours=48)
    assert own.max_reminders == 2  # inherited from the clinic


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        ("{delay: 2}", "clients[0].timing.delay: 2 needs a unit: '2d' for days or '2h' for hours"),
        ("{delay: 3 weeks}", "clients[0].timing.delay: invalid delay '3 weeks'"),
        ("{delay: 15d}", "clients[0].timing.delay: delay '15d' is too long"),
        ('{quiet_hours: "22:00"}', "clients[0].timing.quiet_hours: invalid quiet hours '22:00'"),
        ('{quiet_hours: "25:00-08:00"}', "clients[0].timing.quiet_hours: invalid time '25:00'"),
        ('{quiet_hours: "08:00-08:00"}', "quiet hours start and end at the same time"),
        ("{max_reminders: 4}", "clients[0].timing.max_reminders: must be at most 3, got 4"),
        ("{reminder_after_hours: 0}", "clients[0].timing.reminder_after_hours: must be at least 1"),
        (
            "{remind_after: 2}",
            "unknown field 'remind_after' (did you mean 'reminder_after_hours'?)",
        ),
    ],
)
def test_a_bad_timing_value_is_reported_with_file_line_and_path(timing: str, message: str) -> None:
    [problem] = problems(f"""\
      - code: C101
        therapist: T01
        timing: {timing}
    """)
    assert problem.startswith("clinic.yaml:13: ")
    assert message in problem


def test_setting_the_delay_twice_in_the_clinic_is_reported_at_the_new_field() -> None:
    header = HEADER.replace(
        '    en: "Call 112."\n',
        '    en: "Call 112."\n  checkin_delay_days: 2\n  timing:\n    delay: 1d\n',
    )
    [problem] = problems("      - {code: C101, therapist: T01}\n", header)
    assert problem == (
        "clinic.yaml:8: clinic.timing.delay: "
        "set either clinic.checkin_delay_days or clinic.timing.delay, not both"
    )


@pytest.mark.parametrize(
    ("sessions", "line", "message"),
    [
        ('weekly: [{day: tue, time: "15:00", every: 2}]', 14, "needs a 'start' date"),
        (
            'weekly: [{day: tue, time: "15:00", start: 2026-12-01, end: 2026-11-01}]',
            14,
            "end 2026-11-01 is before start 2026-12-01",
        ),
        ('weekly: [{day: tue, time: "15:00", every: 9, start: 2026-12-01}]', 14, "at most 8"),
        ("cancelled: [2026-13-01]", 14, "sessions.cancelled[0]: invalid session '2026-13-01'"),
        ("cancelled: [tuesday]", 14, "expected a local date YYYY-MM-DD"),
        ("rescheduled: [{from: 2026-12-01}]", 14, "sessions.rescheduled[0].to: required"),
        (
            'rescheduled: [{from: 2026-12-01, to: "2026-12-02T10:00+01:00"}]',
            14,
            "has a UTC offset",
        ),
        ('rescheduled: [{form: 2026-12-01, to: "2026-12-02T10:00"}]', 14, "did you mean 'from'"),
        ("timezone: Mars/Olympus", 14, "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_a_bad_session_source_is_reported_with_its_line(
    sessions: str, line: int, message: str
) -> None:
    found = problems(f"""\
      - code: C101
        therapist: T01
        sessions:
          {sessions}
    """)
    assert any(p.startswith(f"clinic.yaml:{line}: ") and message in p for p in found), found
