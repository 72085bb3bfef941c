"""``alliance config schema``: the JSON Schema editors use agrees with the config models."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.cli.commands.config import clinic_schema
from bot.cli.main import main
from core.clinic import ClinicConfig

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = [REPO / "clinic.example.yaml", REPO / "bot" / "cli" / "demo_clinic.yaml"]


def _validator() -> jsonschema.Draft202012Validator:
    schema = clinic_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _example() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EXAMPLES[0].read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_shipped_clinic_files_validate_against_the_schema(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))

    errors = [e.message for e in _validator().iter_errors(document)]

    assert errors == []
    ClinicConfig.model_validate(document)  # and the models agree


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("clients", 0, "code"), "Anna Smith"),
        (("clients", 0, "sessions", "weekly", 0, "day"), "someday"),
        (("clients", 0, "sessions", "weekly", 0, "time"), "3pm"),
        (("clients", 0, "sessions", "dates", 0), "2026-11-24T15:00+01:00"),
        (("clinic", "language"), "xx"),
        (("clinic", "checkin_expiry_hours"), 0),
        (("clinic", "nmae"), "typo"),
    ],
    ids=["name-as-code", "day", "time", "offset", "language", "range", "unknown-key"],
)
def test_what_the_models_refuse_the_schema_refuses_too(
    where: tuple[str | int, ...], value: object
) -> None:
    document = copy.deepcopy(_example())
    target: Any = document
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value

    assert list(_validator().iter_errors(document))
    with pytest.raises(ValueError, match="validation error"):
        ClinicConfig.model_validate(document)


def test_short_day_names_in_any_case_are_accepted_as_the_models_accept_them() -> None:
    document = copy.deepcopy(_example())
    document["clients"][0]["sessions"]["weekly"][0]["day"] = "TUE"

    assert list(_validator().iter_errors(document)) == []
    ClinicConfig.model_validate(document)


def test_the_schema_goes_to_stdout_or_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    target = tmp_path / "clinic.schema.json"

    assert main(["config", "schema", "--output", str(target)]) == 0

    assert json.loads(target.read_text(encoding="utf-8")) == printed
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert printed["additionalProperties"] is False
    assert "clinic.schema.json" in capsys.readouterr().err
