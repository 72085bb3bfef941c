"""The schedule preview: upcoming sends in local time, the rule behind each, and warnings."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli.errors import CommandError
from bot.cli.schedule_preview import render_table, run_preview
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.clock import FixedClock
from scheduler.preview import preview

#: Monday 22 March 2027, a week before Berlin's clocks go forward on Sunday 28 March.
MONDAY = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)


#: A clinic's own questionnaire (wording written for these tests).
SESSION_CHECK = {
    "key": "session-check",
    "title": {"en": "Session check"},
    "scale": {"min": 1, "max": 5, "labels": {"en": {1: "Not at all", 5: "Completely"}}},
    "items": [{"key": "heard", "dimension": "bond", "text": {"en": "I was listened to."}}],
}


def clinic(*clients: dict[str, Any], **more: Any) -> ClinicConfig:
    return ClinicConfig.model_validate(
        {
            "clinic": {
                "name": "Riverside Counselling",
                "timezone": "Europe/Berlin",
                "crisis_contacts": {"en": "Call 112."},
            },
            "therapists": [{"code": "T01", "display_name": "Dr. Rivera"}],
            "clients": list(clients),
            **more,
        }
    )


EVENING = {
    "code": "C101",
    "therapist": "T01",
    "sessions": {"weekly": [{"day": "sat", "time": "20:30"}]},
}
AFTERNOON = {"code": "C102", "therapist": "T01", "sessions": {"dates": ["2027-03-23T15:00"]}}


def test_a_checkin_and_its_reminder_are_listed_in_local_time_with_their_rules() -> None:
    [checkin, reminder] = preview(clinic(AFTERNOON), MONDAY, 7)

    assert (checkin.who, checkin.kind) == ("C102", "check-in")
    assert checkin.at.astimezone(checkin.tz).strftime("%a %d %b %H:%M") == "Wed 24 Mar 15:50"
    assert checkin.rule == "session Tue 23 Mar 15:00 CET (one-off), 1 day later, same clock time"
    assert checkin.warnings == ()
    assert reminder.kind == "reminder"
    assert reminder.at.astimezone(reminder.tz).strftime("%a %H:%M") == "Thu 15:50"
    assert reminder.rule == "if unanswered 24 h after it was sent (1 of at most 1)"


def test_a_send_moved_by_quiet_hours_on_a_dst_day_carries_both_warnings() -> None:
    rows = preview(clinic(EVENING), MONDAY, 7)

    # Saturday 20:30 ends 21:20, so Sunday's 21:20 is in quiet hours: Monday 09:00 instead.
    # Sunday 28 March is the day Berlin's clocks go forward.
    checkin = next(r for r in rows if "27 Mar" in r.rule)
    local = checkin.at.astimezone(checkin.tz)
    assert local.strftime("%a %d %b %H:%M %Z") == "Mon 29 Mar 09:00 CEST"
    assert checkin.warnings == (
        "moved from Sun 21:20 by quiet hours 21:00-09:00",
        "clocks change on Sun 28 Mar in Europe/Berlin",
    )
    earlier = next(r for r in rows if "20 Mar" in r.rule)
    assert earlier.warnings == ("moved from Sun 21:20 by quiet hours 21:00-09:00",)


def test_a_session_on_a_dst_day_is_warned_about() -> None:
    sunday = {"code": "C103", "therapist": "T01", "sessions": {"dates": ["2027-03-28T10:00"]}}
    [checkin, _] = preview(clinic(sunday), MONDAY, 9)
    assert checkin.warnings == ("clocks change on Sun 28 Mar in Europe/Berlin",)


def test_the_preview_can_be_narrowed_to_one_client_and_is_in_time_order() -> None:
    config = clinic(EVENING, AFTERNOON)
    assert {r.who for r in preview(config, MONDAY, 14, "C101")} == {"C101"}
    everything = preview(config, MONDAY, 14)
    assert [r.at for r in everything] == sorted(r.at for r in everything)
    assert {r.who for r in everything} == {"C101", "C102"}


def test_the_table_prints_headings_and_one_line_per_send() -> None:
    table = render_table(preview(clinic(AFTERNOON), MONDAY, 7), {"C102": "alliance-v1"})
    lines = table.splitlines()
    assert lines[0].split() == [
        "when",
        "(local",
        "time)",
        "who",
        "what",
        "questionnaire",
        "rule",
        "notes",
    ]
    assert lines[2].startswith("Wed 24 Mar 2027 15:50 CET  C102  check-in  alliance-v1")
    assert lines[3].split()[6:9] == ["C102", "reminder", "if"]  # a reminder asks nothing itself
    assert len(lines) == 4
    assert render_table([]) == "Nothing is scheduled in this period."


def test_the_preview_names_the_questionnaire_each_clients_checkins_will_ask(
    tmp_path: Path,
) -> None:
    own = {**EVENING, "questionnaire": "session-check"}
    config = clinic(own, AFTERNOON, questionnaires=[SESSION_CHECK])
    out = io.StringIO()
    settings = Settings(database_url=f"sqlite:///{tmp_path}/alliance.db")

    run_preview(settings, config, out, 7, None, FixedClock(MONDAY))

    checkins = [line.split() for line in out.getvalue().splitlines() if "  check-in  " in line]
    assert {(cells[6], cells[8]) for cells in checkins} == {
        ("C101", "session-check"),
        ("C102", "alliance-v1"),
    }


def test_the_preview_command_sends_nothing_and_refuses_an_unknown_client(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/alliance.db")
    out = io.StringIO()

    run_preview(settings, clinic(AFTERNOON), out, 7, None, FixedClock(MONDAY))

    assert "C102  check-in" in out.getvalue()
    assert (
        out.getvalue()
        .rstrip()
        .endswith("2 sends in the next 7 days; 0 with a warning. Nothing was sent.")
    )
    with pytest.raises(CommandError, match="no client 'C999'"):
        run_preview(settings, clinic(AFTERNOON), out, 7, "C999", FixedClock(MONDAY))
