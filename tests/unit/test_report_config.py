"""The flags and digests sections of the clinic config: defaults, overrides, clear errors."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from core.clinic import ClinicConfig
from core.report_config import DigestSettings, FlagSettings, QuietHours

REPO = Path(__file__).resolve().parents[2]
HEADER = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "Call 112."
therapists:
  - code: T01
    display_name: Dr. Rivera
"""


def load(tmp_path: Path, body: str) -> ClinicConfig:
    """Load a config made of the header and ``body``."""
    path = tmp_path / "clinic.yaml"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return load_clinic_config(path)


def problems(tmp_path: Path, body: str) -> list[str]:
    """The problems reported for a config, as printed."""
    with pytest.raises(ClinicConfigError) as caught:
        load(tmp_path, body)
    return [f"{p.line}: {p.path}: {p.message}" for p in caught.value.problems]


def test_a_config_without_the_new_sections_gets_the_documented_defaults(tmp_path: Path) -> None:
    config = load_clinic_config(REPO / "bot" / "cli" / "demo_clinic.yaml")
    assert config.flags == FlagSettings()
    assert config.digests == DigestSettings()
    assert (config.digests.day, config.digests.time) == ("monday", dt.time(8, 0))
    assert config.digests.quiet_hours == QuietHours(start=dt.time(21), end=dt.time(9))
    assert config.therapists[0].digest is None


def test_the_example_config_is_valid_and_shows_the_new_sections() -> None:
    config = load_clinic_config(REPO / "clinic.example.yaml")
    assert config.flags.low_item == 6
    assert config.therapist("T02") is not None


def test_thresholds_and_times_can_be_set_for_the_clinic_and_per_therapist(
    tmp_path: Path,
) -> None:
    config = load(
        tmp_path,
        """\
        flags:
          low_item: 7
          baseline_drop_sds: 1
        digests:
          day: fri
          time: 16:30
          briefs: false
        """,
    )
    assert config.flags.low_item == 7
    assert config.flags.baseline_drop_sds == 1
    assert config.digests.day == "friday"
    assert config.digests.time == dt.time(16, 30)
    assert config.digests.briefs is False


def test_wrong_values_are_reported_with_line_and_hint(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
        flags:
          low_item: 11
          lowitem: 3
        digests:
          day: fryday
          quiet_hours: {start: "22:00", ends: "07:00"}
        """,
    )
    assert found == [
        "10: flags.low_item: must be at most 10, got 11",
        "11: flags.lowitem: unknown field 'lowitem' (did you mean 'low_item'?)",
        "13: digests.day: unknown day 'fryday' (expected monday ... sunday, or mon ... sun)",
        "14: digests.quiet_hours.ends: unknown field 'ends' (did you mean 'end'?)",
    ]


def test_a_therapist_can_have_their_own_digest_day_and_quiet_hours(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(
        HEADER.replace(
            "display_name: Dr. Rivera\n",
            "display_name: Dr. Rivera\n    digest: {day: tue, quiet_hours: {start: '20:00'}}\n",
        ),
        encoding="utf-8",
    )
    digest = load_clinic_config(path).therapists[0].digest
    assert digest is not None
    assert digest.day == "tuesday"
    assert digest.quiet_hours == QuietHours(start=dt.time(20), end=dt.time(9))


def test_a_baseline_minimum_above_its_window_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be more than baseline_window"):
        FlagSettings(baseline_window=3, baseline_min_points=4)
    with pytest.raises(ValidationError, match="must be more than baseline_window"):
        FlagSettings(baseline_window=5, history_checkins=5)
