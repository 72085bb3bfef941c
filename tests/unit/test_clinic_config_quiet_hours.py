"""Quiet hours in the clinic file: the same three forms for the clinic, clients and therapists."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.cli.commands.config import clinic_schema
from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from core.clinic import ClinicConfig
from core.clinic_values import QuietHours
from core.report_times import timing_for

TEMPLATE = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "Call 112."
  timing: CLINIC
digests: DIGESTS
therapists:
  - code: T01
    display_name: Dr. Rivera
    digest: THERAPIST
clients:
  - code: C101
    therapist: T01
    timing: CLIENT
"""
#: Each level's placeholder, the line it is on, and the path the loader reports.
LEVELS = {
    "CLINIC": (6, "clinic.timing.quiet_hours"),
    "DIGESTS": (7, "digests.quiet_hours"),
    "THERAPIST": (11, "therapists[0].digest.quiet_hours"),
    "CLIENT": (15, "clients[0].timing.quiet_hours"),
}
EVENING = QuietHours(start=dt.time(22), end=dt.time(7))
FORMS = {
    '"22:00-07:00"': EVENING,
    '{start: "22:00", end: "07:00"}': EVENING,
    '{start: "22:00"}': QuietHours(start=dt.time(22), end=dt.time(9)),
    "false": None,
    "off": None,
}


def text(level: str, value: str) -> str:
    """The clinic file with ``quiet_hours: value`` at one level and nothing at the others."""
    document = TEMPLATE.replace(level, f"{{quiet_hours: {value}}}")
    for other in LEVELS:
        document = document.replace(other, "{}")
    return document


def load(tmp_path: Path, level: str, value: str) -> ClinicConfig:
    path = tmp_path / "clinic.yaml"
    path.write_text(text(level, value), encoding="utf-8")
    return load_clinic_config(path)


def client_quiet(config: ClinicConfig) -> QuietHours | None:
    return config.checkin_timing(config.clients[0]).quiet


def therapist_quiet(config: ClinicConfig) -> QuietHours | None:
    return timing_for(config, config.therapists[0]).quiet


@pytest.mark.parametrize("value", FORMS)
def test_the_clinic_and_a_client_accept_every_form(tmp_path: Path, value: str) -> None:
    for level in ("CLINIC", "CLIENT"):
        config = load(tmp_path, level, value)
        assert client_quiet(config) == FORMS[value]
        assert therapist_quiet(config) == QuietHours()  # therapists keep their own default


@pytest.mark.parametrize("value", FORMS)
def test_the_digests_and_a_therapist_accept_every_form(tmp_path: Path, value: str) -> None:
    for level in ("DIGESTS", "THERAPIST"):
        config = load(tmp_path, level, value)
        assert therapist_quiet(config) == FORMS[value]
        assert client_quiet(config) == QuietHours()  # clients keep their own default


def test_a_therapist_saying_false_is_not_overruled_by_the_clinics_digests(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    document = text("THERAPIST", "false").replace(
        "digests: {}", 'digests: {quiet_hours: "20:00-08:00"}'
    )
    path.write_text(document, encoding="utf-8")
    assert therapist_quiet(load_clinic_config(path)) is None


@pytest.mark.parametrize(
    ("value", "where", "message"),
    [
        ('"22:00"', "", "invalid quiet hours '22:00', expected \"21:00-09:00\""),
        ('"25:00-08:00"', "", "invalid time '25:00', expected HH:MM (24-hour)"),
        ('"08:00-08:00"', "", "quiet hours start and end at the same time (08:00); use false"),
        ('{start: "8:00", end: "08:00"}', "", "start and end at the same time (08:00)"),
        ("true", "", "invalid quiet hours true, expected"),
        ('{start: "9pm"}', ".start", "invalid time '9pm', expected HH:MM (24-hour)"),
        ('{start: "22:00", ends: "07:00"}', ".ends", "unknown field 'ends' (did you mean 'end'?)"),
    ],
)
def test_bad_quiet_hours_are_reported_with_file_line_and_field_at_every_level(
    tmp_path: Path, value: str, where: str, message: str
) -> None:
    for level, (line, path) in LEVELS.items():
        with pytest.raises(ClinicConfigError) as caught:
            load(tmp_path, level, value)
        [problem] = caught.value.problems
        assert str(problem).startswith(f"{tmp_path / 'clinic.yaml'}:{line}: ")
        assert (problem.line, problem.path) == (line, f"{path}{where}")
        assert message in problem.message


def _schema_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(clinic_schema())
    return [e.message for e in validator.iter_errors(document)]


@pytest.mark.parametrize("value", FORMS)
def test_the_schema_accepts_every_form_at_every_level(value: str) -> None:
    for level in LEVELS:
        assert _schema_errors(yaml.safe_load(text(level, value))) == []


@pytest.mark.parametrize(
    "value", ['"22:00"', '"25:00-08:00"', "true", "21", '{start: "9pm"}', "{ends: '07:00'}"]
)
def test_the_schema_refuses_what_the_models_refuse_at_every_level(value: str) -> None:
    for level in LEVELS:
        document = yaml.safe_load(text(level, value))
        assert _schema_errors(document), (level, value)
        with pytest.raises(ValueError, match="validation error"):
            ClinicConfig.model_validate(document)
