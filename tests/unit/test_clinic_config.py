"""Loading, validating and reporting problems in a clinic's YAML file."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import TypeAdapter, ValidationError

from bot.config import yaml_events, yaml_read
from bot.config.loader import MAX_FILE_BYTES, load_clinic_config, summarize
from bot.config.problems import ClinicConfigError, ConfigProblem
from core.clinic import (
    Client,
    ClinicConfig,
    ClinicSettings,
    CrossFieldError,
    Sessions,
    Therapist,
    WeeklySession,
    cross_field_issues,
)

REPO = Path(__file__).resolve().parents[2]

SPEC_SNIPPET = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  language: en
  crisis_contacts:            # shown to clients; required
    en: "In an emergency call 112. Crisis line: 0800 111 0 111 (24/7)."
therapists:
  - code: T01
    display_name: Dr. Rivera   # shown only to this therapist
clients:
  - code: C101                 # pseudonymous; the bot never learns names
    therapist: T01
    timezone: Europe/Berlin    # optional, defaults to the clinic's
    sessions:
      weekly: [{day: tuesday, time: "15:00"}]   # recurring, local time
      dates: ["2026-11-24T15:00"]             # one-off sessions, local time
      duration_minutes: 50                     # optional, default 50
"""

HEADER = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "Call 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
  - code: T02
    display_name: Dr. Chen
"""
"""Lines 1-10 of most test files; clients start on line 11."""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(text: str, name: str = "clinic.yaml") -> str:
    Path(name).write_text(textwrap.dedent(text), encoding="utf-8")
    return name


def problems(text: str) -> list[str]:
    with pytest.raises(ClinicConfigError) as info:
        load_clinic_config(write(text))
    return [str(p) for p in info.value.problems]


def only_problem(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def with_clients(clients: str) -> str:
    return HEADER + "clients:\n" + textwrap.dedent(clients)


# --- valid files -------------------------------------------------------------


def test_the_example_file_loads_and_summarizes() -> None:
    config = load_clinic_config(REPO / "clinic.example.yaml")
    assert len(config.therapists) == 3  # two therapists and the duty clinician
    assert 3 <= len(config.clients) <= 4
    assert any(config.client_tz(c) != config.clinic.tz for c in config.clients)
    assert summarize(config).startswith("Riverside Counselling (Europe/Berlin, en): 3 therapists")
    assert config.safety.escalation_contact == "DUTY"
    assert any(config.client_language(c) == "de" for c in config.clients)


def test_the_spec_snippet_loads_with_defaults_filled_in() -> None:
    config = load_clinic_config(write(SPEC_SNIPPET))
    settings = config.clinic
    assert (settings.checkin_delay_days, settings.checkin_expiry_hours) == (1, 72)
    assert settings.invite_expiry_days == 14
    client = config.clients[0]
    assert client.sessions.weekly[0].weekday == 1
    assert client.sessions.weekly[0].time == dt.time(15, 0)
    assert client.sessions.dates == (dt.datetime(2026, 11, 24, 15, 0),)
    assert client.sessions.duration_minutes == 50
    assert config.client_tz(client) == ZoneInfo("Europe/Berlin")
    assert config.client_language(client) == "en"


def test_the_summary_counts_therapists_clients_and_sessions() -> None:
    config = load_clinic_config(
        write(
            with_clients("""\
              - {code: C1, therapist: T01, sessions: {weekly: [{day: mon, time: "9:00"}]}}
              - {code: C2, therapist: T02, sessions: {dates: ["2026-01-05T10:00"]}}
              - code: C3
                therapist: T02
                sessions:
                  weekly: [{day: tue, time: "10:00"}, {day: FRIDAY, time: "10:00"}]
                  dates: ["2026-01-06T10:00"]
            """)
        )
    )
    assert summarize(config) == (
        "Riverside Counselling (Europe/Berlin, en): "
        "2 therapists, 3 clients, 3 weekly sessions, 2 one-off sessions."
    )


def test_the_summary_uses_singular_nouns_for_one() -> None:
    config = load_clinic_config(write(SPEC_SNIPPET))
    assert summarize(config).endswith("1 therapist, 1 client, 1 weekly session, 1 one-off session.")


def test_unquoted_times_and_abbreviated_days_are_understood() -> None:
    config = load_clinic_config(
        write(
            with_clients(
                "  - {code: C1, therapist: T01, sessions: {weekly: [{day: Sun, time: 15:00}]}}\n"
            )
        )
    )
    session = config.clients[0].sessions.weekly[0]
    assert (session.day, session.weekday, session.time) == ("sunday", 6, dt.time(15, 0))


def test_a_byte_order_mark_is_accepted() -> None:
    Path("bom.yaml").write_bytes(b"\xef\xbb\xbf" + SPEC_SNIPPET.encode())
    assert load_clinic_config("bom.yaml").clinic.name == "Riverside Counselling"


# --- cross-field problems ------------------------------------------------------


def test_an_unknown_therapist_is_reported_with_path_line_and_known_codes() -> None:
    text = with_clients("""\
      - code: C101
        therapist: T09
    """)
    assert only_problem(text) == (
        "clinic.yaml:13: clients[0].therapist: unknown therapist 'T09' (known: T01, T02)"
    )


def test_duplicate_client_codes_are_reported_at_the_second_one() -> None:
    text = with_clients("""\
      - {code: C101, therapist: T01}
      - {code: C101, therapist: T02}
    """)
    problem = only_problem(text)
    assert problem.startswith("clinic.yaml:13: clients[1].code: duplicate client code 'C101'")
    assert "clients[0]" in problem


def test_duplicate_therapist_codes_are_reported() -> None:
    text = HEADER.replace("code: T02", "code: T01")
    problem = only_problem(text)
    assert problem.startswith("clinic.yaml:9: therapists[1].code: duplicate therapist code 'T01'")


def test_codes_that_differ_only_in_letter_case_count_as_duplicates() -> None:
    problem = only_problem(
        with_clients("  - {code: c1, therapist: T01}\n  - {code: C1, therapist: T01}\n")
    )
    assert "clients[1].code" in problem
    assert "as 'c1'" in problem


def test_a_code_shared_by_a_therapist_and_a_client_is_reported() -> None:
    problem = only_problem(with_clients("  - {code: T02, therapist: T01}\n"))
    assert problem.startswith("clinic.yaml:12: clients[0].code: code 'T02' is already used by")
    assert "therapists[1]" in problem


def test_missing_crisis_contacts_are_required_with_a_plain_explanation() -> None:
    text = """\
    clinic:
      name: Riverside Counselling
      timezone: Europe/Berlin
    therapists: [{code: T01, display_name: Dr. Rivera}]
    """
    assert only_problem(text) == (
        "clinic.yaml:1: clinic.crisis_contacts: required "
        "(crisis contacts are shown to clients; add at least one for 'en')"
    )


def test_a_crisis_contact_for_the_clinic_language_is_required() -> None:
    text = HEADER.replace('en: "Call 112."', 'de: "Notruf 112."')
    problem = only_problem(text)
    assert problem.startswith("clinic.yaml:4: clinic.crisis_contacts: no crisis contact")
    assert "'en'" in problem


def test_a_crisis_contact_for_each_client_language_is_required() -> None:
    settings = ClinicSettings(name="X", timezone="UTC", crisis_contacts={"en": "Call 112."})
    client = Client(code="C1", therapist="T1", language="de")
    therapist = Therapist(code="T1", display_name="Dr. X")
    [issue] = cross_field_issues(settings, [therapist], [client])
    assert issue.loc == ("clients", 0, "language")
    assert "no crisis contact for 'de'" in issue.message


def test_an_empty_crisis_contact_is_rejected() -> None:
    problem = only_problem(HEADER.replace('"Call 112."', '"   "'))
    assert problem == "clinic.yaml:5: clinic.crisis_contacts.en: must not be empty"


# --- field problems -------------------------------------------------------------


def test_an_unknown_time_zone_is_named() -> None:
    problem = only_problem(HEADER.replace("Europe/Berlin", "Europe/Berln"))
    assert problem.startswith("clinic.yaml:3: clinic.timezone: unknown time zone 'Europe/Berln'")


def test_an_impossible_time_explains_the_expected_format() -> None:
    text = with_clients("""\
      - code: C1
        therapist: T01
        sessions:
          weekly:
            - {day: tuesday, time: "25:00"}
    """)
    assert only_problem(text) == (
        "clinic.yaml:16: clients[0].sessions.weekly[0].time: "
        "invalid time '25:00', expected HH:MM (24-hour)"
    )


def test_an_unknown_day_lists_the_accepted_names() -> None:
    problem = only_problem(
        with_clients(
            "  - {code: C1, therapist: T01, sessions: {weekly: [{day: tuseday, time: '9:00'}]}}\n"
        )
    )
    assert "weekly[0].day: unknown day 'tuseday'" in problem
    assert "monday" in problem


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('"2026-11-24T15:00+01:00"', "UTC offset"),
        ("2026-11-24T15:00:00Z", "UTC offset"),
        ('"2026-11-24"', "expected local YYYY-MM-DDTHH:MM"),
        ("2026-11-24", "expected local YYYY-MM-DDTHH:MM"),
        ('"2026-13-24T15:00"', "invalid date '2026-13-24T15:00'"),
        ('"next tuesday"', "expected local YYYY-MM-DDTHH:MM"),
    ],
)
def test_session_dates_must_be_local_date_and_time(value: str, words: str) -> None:
    problem = only_problem(
        with_clients(f"  - {{code: C1, therapist: T01, sessions: {{dates: [{value}]}}}}\n")
    )
    assert problem.startswith("clinic.yaml:12: clients[0].sessions.dates[0]: ")
    assert words in problem


def test_a_session_listed_twice_is_reported() -> None:
    slot = '{day: mon, time: "9:00"}'
    problem = only_problem(
        with_clients(f"  - {{code: C1, therapist: T01, sessions: {{weekly: [{slot}, {slot}]}}}}\n")
    )
    assert "clients[0].sessions: weekly session on monday at 09:00 is listed twice" in problem


def test_a_misspelt_field_is_an_unknown_field_with_a_suggestion() -> None:
    text = with_clients("""\
      - code: C1
        therapist: T01
        sessions:
          weekley: [{day: tuesday, time: "15:00"}]
    """)
    assert only_problem(text) == (
        "clinic.yaml:15: clients[0].sessions.weekley: "
        "unknown field 'weekley' (did you mean 'weekly'?)"
    )


def test_a_number_where_text_is_expected_asks_for_quotes() -> None:
    problem = only_problem(with_clients("  - {code: 101, therapist: T01}\n"))
    assert (
        problem
        == "clinic.yaml:12: clients[0].code: expected text, got the number 101; put it in quotes"
    )


def test_an_invalid_code_explains_the_allowed_characters() -> None:
    problem = only_problem(with_clients("  - {code: Jane Doe, therapist: T01}\n"))
    assert "invalid code 'Jane Doe'" in problem
    assert "letters, digits" in problem


def test_numbers_out_of_range_give_the_limit() -> None:
    text = HEADER.replace("  crisis_contacts:", "  checkin_delay_days: 30\n  crisis_contacts:")
    assert (
        only_problem(text) == "clinic.yaml:4: clinic.checkin_delay_days: must be at most 14, got 30"
    )


def test_an_unsupported_language_lists_the_supported_ones() -> None:
    problem = only_problem(with_clients("  - {code: C1, therapist: T01, language: fr}\n"))
    assert problem.endswith(
        "clients[0].language: unsupported language 'fr' (supported: en, de, es)"
    )


def test_at_least_one_therapist_is_required() -> None:
    problem = only_problem(HEADER.split("therapists:")[0] + "therapists: []\n")
    assert problem.startswith("clinic.yaml:6: therapists: must not be empty")


def test_a_missing_clinic_section_is_required() -> None:
    problem = only_problem("therapists: [{code: T01, display_name: X}]\n")
    assert problem.startswith("clinic.yaml:1: clinic: required")


# --- several problems at once ----------------------------------------------------


def test_all_problems_are_reported_at_once_in_line_order() -> None:
    text = HEADER.replace("Europe/Berlin", "Mars/Olympus") + textwrap.dedent("""\
        clients:
          - {code: C1, therapist: T09}
          - {code: C1, therapist: T01, sessions: {weekly: [{day: tue, time: "24:00"}]}}
          - {code: C3, therapist: T07, colour: blue}
    """)
    found = problems(text)
    assert [p.split(": ")[0:2] for p in found] == [
        ["clinic.yaml:3", "clinic.timezone"],
        ["clinic.yaml:12", "clients[0].therapist"],
        ["clinic.yaml:13", "clients[1].code"],
        ["clinic.yaml:13", "clients[1].sessions.weekly[0].time"],
        ["clinic.yaml:14", "clients[2].therapist"],
        ["clinic.yaml:14", "clients[2].colour"],
    ]


def test_all_cross_field_problems_are_raised_together_by_the_model() -> None:
    data: dict[str, Any] = {
        "clinic": {"name": "X", "timezone": "UTC", "crisis_contacts": {"de": "112"}},
        "therapists": [{"code": "T1", "display_name": "A"}],
        "clients": [{"code": "T1", "therapist": "T2"}],
    }
    with pytest.raises(ValidationError) as info:
        ClinicConfig.model_validate(data)
    error = info.value.errors()[0]["ctx"]["error"]
    assert isinstance(error, CrossFieldError)
    assert {issue.loc for issue in error.issues} == {
        ("clients", 0, "code"),
        ("clients", 0, "therapist"),
        ("clinic", "crisis_contacts"),
    }


# --- whole-file problems ----------------------------------------------------------


def test_a_missing_file_is_reported_by_the_name_given() -> None:
    with pytest.raises(ClinicConfigError) as info:
        load_clinic_config("nowhere/clinic.yaml")
    assert [str(p) for p in info.value.problems] == ["nowhere/clinic.yaml: file not found"]


def test_a_directory_is_not_a_clinic_file() -> None:
    Path("conf").mkdir()
    with pytest.raises(ClinicConfigError, match="conf: is a directory"):
        load_clinic_config("conf")


def test_an_unreadable_file_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    name = write(SPEC_SNIPPET)
    monkeypatch.setattr("bot.config.loader.open", denied, raising=False)
    with pytest.raises(ClinicConfigError, match=r"^clinic\.yaml: not readable"):
        load_clinic_config(name)


def test_a_file_that_is_not_utf8_is_reported_with_its_line() -> None:
    Path("latin1.yaml").write_bytes("clinic:\n  name: Zürich\n".encode("latin-1"))
    with pytest.raises(ClinicConfigError, match=r"^latin1\.yaml:2: not UTF-8 text"):
        load_clinic_config("latin1.yaml")


def test_a_yaml_syntax_error_is_reported_with_its_line() -> None:
    problem = only_problem("clinic:\n  name: X\n  timezone: [Europe/Berlin\ntherapists: []\n")
    assert problem.startswith("clinic.yaml:4: invalid YAML:")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_reported(text: str) -> None:
    assert only_problem(text).startswith("clinic.yaml: file is empty")


def test_a_top_level_list_is_reported() -> None:
    problem = only_problem("- clinic: {}\n")
    assert problem.startswith("clinic.yaml:1: expected 'clinic:', 'therapists:' and 'clients:'")


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    text = HEADER.replace(
        "  timezone: Europe/Berlin\n", "  timezone: Europe/Berlin\n  name: Other\n"
    )
    assert (
        only_problem(text) == "clinic.yaml:4: clinic.name: duplicate key 'name' (first on line 2)"
    )


def test_duplicate_keys_inside_lists_are_found() -> None:
    problem = only_problem(with_clients("  - {code: C1, therapist: T01, therapist: T02}\n"))
    assert problem.startswith("clinic.yaml:12: clients[0].therapist: duplicate key 'therapist'")


def test_yaml_aliases_are_refused_which_defuses_alias_bombs() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    bomb += "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    problem = only_problem(bomb)
    assert problem.startswith("clinic.yaml:2: YAML aliases (*name) are not allowed")


def test_a_file_over_the_size_limit_is_refused() -> None:
    Path("big.yaml").write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ClinicConfigError, match=r"^big\.yaml: file is larger than 64 MiB"):
        load_clinic_config("big.yaml")


def test_python_specific_yaml_tags_are_refused() -> None:
    problem = only_problem("clinic: !!python/object/apply:os.system ['true']\n")
    assert problem.startswith("clinic.yaml:1: invalid YAML:")


def test_several_yaml_documents_are_refused() -> None:
    assert "invalid YAML" in only_problem(SPEC_SNIPPET + "---\n" + SPEC_SNIPPET)


@pytest.mark.parametrize(
    "text",
    [
        "clinic: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "clinic: " + "{a: " * 100_000 + "\n",
        "clinic:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)),
    ],
)
def test_absurdly_deep_nesting_is_refused_quickly(text: str) -> None:
    assert "nested too deeply" in only_problem(text)


def test_problems_print_as_file_line_path_message() -> None:
    assert (
        str(ConfigProblem("c.yaml", "clients[0].code", 12, "bad"))
        == "c.yaml:12: clients[0].code: bad"
    )
    assert str(ConfigProblem("c.yaml", "", 3, "bad")) == "c.yaml:3: bad"
    assert str(ConfigProblem("c.yaml", "", None, "bad")) == "c.yaml: bad"
    assert str(ConfigProblem("c.yaml", "clinic", None, "bad")) == "c.yaml: clinic: bad"


# --- the models ------------------------------------------------------------------


def test_the_config_is_immutable() -> None:
    config = load_clinic_config(write(SPEC_SNIPPET))
    with pytest.raises(ValidationError):
        config.clinic.name = "Other"  # type: ignore[misc]


def test_lookups_find_people_by_exact_code() -> None:
    config = load_clinic_config(REPO / "clinic.example.yaml")
    first = config.clients[0]
    assert config.client(first.code) == first
    assert config.client(first.code.lower()) is None
    assert config.therapist(first.therapist) is not None
    assert config.therapist("nobody") is None
    assert first in config.clients_of(first.therapist)
    assert config.person_codes() == tuple(
        [t.code for t in config.therapists] + [c.code for c in config.clients]
    )


def test_people_default_to_the_clinic_time_zone_and_language() -> None:
    settings = ClinicSettings(name="X", timezone="Europe/Berlin", crisis_contacts={"en": "112"})
    config = ClinicConfig(
        clinic=settings,
        therapists=[Therapist(code="T1", display_name="A", timezone="Asia/Tokyo")],
        clients=[
            Client(code="C1", therapist="T1"),
            Client(code="C2", therapist="T1", timezone="America/New_York", language="en"),
        ],
    )
    assert config.client_tz(config.clients[0]) == ZoneInfo("Europe/Berlin")
    assert config.client_tz(config.clients[1]) == ZoneInfo("America/New_York")
    assert config.therapist_tz(config.therapists[0]) == ZoneInfo("Asia/Tokyo")
    assert config.client_language(config.clients[0]) == "en"
    assert config.clients[0].sessions == Sessions()
    weekly = TypeAdapter(WeeklySession).validate_python({"day": "WED", "time": "7:05"})
    assert weekly.time == dt.time(7, 5)


def _network(clients: int) -> str:
    """A clinic network's file: ``clients`` clients with a weekly session each."""
    head = "clinic:\n  name: Network\n  timezone: Europe/Berlin\n  crisis_contacts: {en: '112'}\n"
    head += "therapists:\n" + "".join(
        f"  - {{code: T{t}, display_name: T {t}}}\n" for t in range(9)
    )
    rows = (
        f"  - {{code: C{c:06d}, therapist: T{c % 9}, "
        f'sessions: {{weekly: [{{day: mon, time: "10:00"}}]}}}}\n'
        for c in range(clients)
    )
    return head + "clients:\n" + "".join(rows)


def test_a_large_file_is_read_from_events_and_names_its_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yaml_read, "EXACT_BYTES", 1000)  # as if over 1 MiB
    text = _network(200)
    Path("clinic.yaml").write_text(text, encoding="utf-8")
    config = load_clinic_config("clinic.yaml")
    assert len(config.clients) == 200
    assert config.clients[-1].sessions.weekly[0].day == "monday"

    bad = text.replace("C000199, therapist: T1", "C000199, therapist: T10")
    assert only_problem(bad) == (
        "clinic.yaml:215: clients[199].therapist: unknown therapist 'T10' "
        "(known: T0, T1, T2, T3, T4, T5, T6, T7, T8)"
    )
    alias = text.replace("therapist: T1,", "therapist: &t T1,", 1)
    alias = alias.replace("C000199, therapist: T1,", "C000199, therapist: *t,")
    assert only_problem(alias).startswith("clinic.yaml:215: YAML aliases (*name)")
    duplicate = text.replace("C000199, therapist: T1,", "C000199, therapist: T1, code: X,")
    assert only_problem(duplicate) == (
        "clinic.yaml:215: clients[199].code: duplicate key 'code' (first on line 215)"
    )


def test_without_libyaml_the_pure_python_loader_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_events, "LIBYAML", None)
    Path("clinic.yaml").write_text(_network(3), encoding="utf-8")
    assert [c.code for c in load_clinic_config("clinic.yaml").clients] == [
        "C000000",
        "C000001",
        "C000002",
    ]


def test_a_value_that_does_not_fit_its_yaml_tag_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text("clinic: !!int x\n", encoding="utf-8")
    with pytest.raises(ClinicConfigError) as caught:
        load_clinic_config(path)
    assert str(path) in str(caught.value)
    assert "does not fit its YAML tag" in str(caught.value)
