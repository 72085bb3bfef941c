"""A loaded config holds its clients as compact records, equal parts made once.

100,000 clients must fit in a few tens of MB: each client is a slotted record without a
dict, and what clients repeat (therapist codes, time zones, languages, schedules, timing)
is one object per value within a load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.loader import load_clinic_config
from bot.config.yaml_read import Way
from core.clinic import Client, ClinicConfig, Sessions, WeeklySession

CLINIC = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts: {en: "Call 112.", de: "Rufen Sie 112 an."}
therapists:
  - {code: T01, display_name: Dr. Rivera}
  - {code: T02, display_name: Dr. Chen}
clients:
  - code: C01
    therapist: T01
    timezone: America/New_York
    language: de
    sessions: {weekly: [{day: tue, time: "15:00"}]}
    timing: {delay: 2d, quiet_hours: "22:00-08:00"}
  - code: C02
    therapist: T01
    timezone: America/New_York
    language: de
    sessions: {weekly: [{day: tuesday, time: "15:00"}]}
    timing: {quiet_hours: {start: "22:00", end: "08:00"}, delay: 2d}
  - code: C03
    therapist: T02
    sessions: {weekly: [{day: wed, time: "15:00"}]}
    timing: {delay: 1d}
  - {code: C04, therapist: T02}
"""


def _load(tmp_path: Path, way: Way | None) -> ClinicConfig:
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC, encoding="utf-8")
    return load_clinic_config(path, way=way)


@pytest.mark.parametrize("way", [None, Way.TREE, Way.EVENTS])
def test_clients_are_slotted_records_without_a_dict(tmp_path: Path, way: Way | None) -> None:
    config = _load(tmp_path, way)
    for client in config.clients:
        assert type(client) is Client
        assert not hasattr(client, "__dict__")
        assert not hasattr(client.sessions, "__dict__")
        assert all(not hasattr(rule, "__dict__") for rule in client.sessions.weekly)
    assert type(config.clients[0].sessions.weekly[0]) is WeeklySession


@pytest.mark.parametrize("way", [None, Way.TREE, Way.EVENTS])
def test_equal_parts_of_clients_are_one_object(tmp_path: Path, way: Way | None) -> None:
    first, second, third, fourth = _load(tmp_path, way).clients
    # written differently (tue, tuesday; quiet hours as text and as a mapping), equal values
    assert first.sessions == second.sessions
    assert first.sessions is second.sessions
    assert first.timing == second.timing
    assert first.timing is second.timing
    assert first.therapist is second.therapist
    assert first.timezone is second.timezone
    assert first.language is second.language
    assert third.sessions is not first.sessions
    assert third.timing is not first.timing
    assert third.therapist is fourth.therapist
    assert fourth.sessions == Sessions()
    assert fourth.timing is None


def test_loads_share_nothing_with_each_other(tmp_path: Path) -> None:
    one, two = _load(tmp_path, None), _load(tmp_path, None)
    assert one.clients[0].sessions == two.clients[0].sessions
    assert one.clients[0].sessions is not two.clients[0].sessions
    assert one.clients[0].timing is not two.clients[0].timing


def test_validated_without_the_loader_nothing_is_shared() -> None:
    clinic = {"name": "R", "timezone": "Europe/Berlin", "crisis_contacts": {"en": "112"}}
    sessions = {"weekly": [{"day": "mon", "time": "10:00"}]}
    config = ClinicConfig.model_validate(
        {
            "clinic": clinic,
            "therapists": [{"code": "T01", "display_name": "R"}],
            "clients": [
                {"code": f"C0{i}", "therapist": "T01", "sessions": sessions} for i in (1, 2)
            ],
        }
    )
    first, second = config.clients
    assert first.sessions == second.sessions
    assert first.sessions is not second.sessions
