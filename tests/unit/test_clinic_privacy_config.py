"""The privacy: and safety: sections of a clinic file, and their problems with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError
from core.clinic import ClinicConfig

CLINIC = """\
clinic:
  name: Riverside Counselling
  timezone: Europe/Berlin
  crisis_contacts:
    en: "Call 112."
therapists:
  - {code: T01, display_name: Dr. Rivera}
  - {code: DUTY, display_name: Duty clinician}
"""


def load(tmp_path: Path, text: str) -> ClinicConfig:
    path = tmp_path / "clinic.yaml"
    path.write_text(text, encoding="utf-8")
    return load_clinic_config(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ClinicConfigError) as info:
        load(tmp_path, text)
    return [f"{p.line}: {p.path}: {p.message}" for p in info.value.problems]


def test_without_the_sections_notes_are_encrypted_kept_24_months_and_risk_notes_shared(
    tmp_path: Path,
) -> None:
    config = load(tmp_path, CLINIC)
    assert config.privacy.allow_plaintext_notes is False
    assert config.privacy.retention_months == 24
    assert config.safety.risk_notes_to_therapist is True
    assert config.safety.escalation_contact is None


def test_every_setting_of_both_sections_is_read(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        CLINIC
        + """\
privacy:
  allow_plaintext_notes: true
  retention_months: 6
safety:
  risk_notes_to_therapist: false
  escalation_contact: DUTY
  risk_phrases:
    de: ["mir fällt alles zu schwer"]
  replace_default_phrases: false
""",
    )
    assert config.privacy.allow_plaintext_notes is True
    assert config.privacy.retention_months == 6
    assert config.safety.escalation_contact == "DUTY"
    assert config.safety.risk_phrases == {"de": ["mir fällt alles zu schwer"]}


def test_an_unknown_escalation_contact_is_named_with_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, CLINIC + "safety:\n  escalation_contact: NOBODY\n")
    assert len(found) == 1
    assert found[0].startswith("10: safety.escalation_contact: unknown therapist 'NOBODY'")


def test_wrong_values_are_reported_with_their_lines(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        CLINIC
        + """\
privacy:
  allow_plaintext_notes: "yes please"
  retention_months: 0
  keep_forever: true
safety:
  risk_phrases:
    fr: ["au secours"]
""",
    )
    assert found == [
        "10: privacy.allow_plaintext_notes: Input should be a valid boolean",
        "11: privacy.retention_months: must be at least 1, got 0",
        "12: privacy.keep_forever: unknown field 'keep_forever' (allowed: "
        "allow_plaintext_notes, retention_months, preview_line)",
        "15: safety.risk_phrases.fr: unsupported language 'fr' (supported: en, de, es)",
    ]
