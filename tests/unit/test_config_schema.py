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


QUESTIONNAIRE: dict[str, Any] = {
    "key": "brief-5",
    "title": {"en": "Session check"},
    "scale": {"min": 1, "max": 5, "labels": {"en": {1: "Not at all", 5: "Completely"}}},
    "items": [
        {"key": "heard", "dimension": "bond", "text": {"en": "I felt heard."}},
        {"key": "stuck", "dimension": "other", "text": {"en": "We were stuck."}, "reverse": True},
    ],
    "licence": "Written for this clinic.",
}


def _json_like(value: Any) -> Any:
    """``value`` as an editor's YAML server hands it to the schema: mapping keys as text."""
    if isinstance(value, dict):
        return {str(k): _json_like(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_like(v) for v in value]
    return value


def _with_questionnaires(*entries: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(_example())
    document["questionnaires"] = [copy.deepcopy(entry) for entry in entries]
    return document


def test_the_schema_has_questionnaires_written_inline_or_in_a_file_of_their_own() -> None:
    schema = clinic_schema()

    entry = schema["properties"]["questionnaires"]["items"]
    forms = {ref["$ref"].rsplit("/", 1)[-1] for ref in entry["oneOf"]}
    assert forms == {"QuestionnaireSpec", "QuestionnaireFile"}
    assert schema["$defs"]["QuestionnaireFile"]["required"] == ["file"]
    required = set(schema["$defs"]["QuestionnaireSpec"]["required"])
    assert required == {"key", "title", "scale", "items"}
    assert "questionnaire" in schema["$defs"]["Client"]["properties"]
    assert "questionnaire" in schema["$defs"]["Therapist"]["properties"]
    assert "questionnaire" in schema["$defs"]["ClinicSettings"]["properties"]


def test_both_forms_validate_against_the_schema_and_the_inline_one_against_the_models() -> None:
    document = _with_questionnaires(QUESTIONNAIRE, {"file": "instruments/wai-sr.yaml"})

    assert [e.message for e in _validator().iter_errors(_json_like(document))] == []
    document["questionnaires"].pop()
    ClinicConfig.model_validate(document)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("key",), "Brief 5"),
        (("title",), {}),
        (("title", "xx"), "Unknown language"),
        (("scale", "labels", "en", "one"), "Not a point"),
        (("scale", "min"), "1"),
        (("items", 0, "dimension"), "alliance"),
        (("items", 0, "key"), "Heard-1"),
        (("items", 0, "text"), {}),
        (("items", 0, "reverse"), "yes"),
        (("items",), [QUESTIONNAIRE["items"][0]] * 13),
        (("licence",), ""),
        (("lisence",), "typo"),
    ],
    ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else None,
)
def test_what_the_models_refuse_in_a_questionnaire_the_schema_refuses_too(
    where: tuple[str | int, ...], value: object
) -> None:
    entry: Any = copy.deepcopy(QUESTIONNAIRE)
    target = entry
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    document = _with_questionnaires(entry)

    assert list(_validator().iter_errors(_json_like(document)))
    with pytest.raises(ValueError, match="validation error"):
        ClinicConfig.model_validate(document)


def test_a_file_entry_with_anything_but_its_path_is_refused_by_both() -> None:
    document = _with_questionnaires({"file": "instruments/x.yaml", "key": "brief-5"})

    assert list(_validator().iter_errors(document))
    with pytest.raises(ValueError, match="validation error"):
        ClinicConfig.model_validate(document)


def test_a_questionnaire_file_has_a_schema_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "questionnaire.schema.json"

    assert main(["config", "schema", "--questionnaire", "--output", str(target)]) == 0

    schema = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(_json_like(QUESTIONNAIRE))) == []
    assert list(validator.iter_errors({"file": "other.yaml"}))
    assert schema["title"] == "Alliance check-ins questionnaire"
    assert "questionnaire schema" in capsys.readouterr().err
