"""docs/questionnaires.md stays true: its config loads, and its structure-only examples of
well-known instruments are valid questionnaires (with placeholders where the wording goes)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config.loader import load_clinic_config
from core.questionnaire_config import QuestionnaireSpec

DOC = Path(__file__).resolve().parents[2] / "docs" / "questionnaires.md"
_FENCE = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, Any]]:
    """Each ``yaml`` block of the doc: its text and its data."""
    texts = _FENCE.findall(DOC.read_text(encoding="utf-8"))
    return [(text, yaml.safe_load(text)) for text in texts]


QUESTIONNAIRES = [(t, d) for t, d in _blocks() if isinstance(d, dict) and "key" in d]


def test_the_doc_shows_the_three_well_known_instruments() -> None:
    assert [data["key"] for _, data in QUESTIONNAIRES] == ["srs", "wai-sr", "sai"]


@pytest.mark.parametrize(
    "data", [d for _, d in QUESTIONNAIRES], ids=[d["key"] for _, d in QUESTIONNAIRES]
)
def test_each_structure_only_example_is_a_valid_questionnaire_without_wording(
    data: dict[str, Any],
) -> None:
    spec = QuestionnaireSpec.model_validate(data)

    assert all(item.text["en"].startswith("<") for item in spec.items)  # no wording shipped


def test_the_documented_config_loads_with_a_questionnaire_file(tmp_path: Path) -> None:
    config: dict[str, Any] = next(d for _, d in _blocks() if isinstance(d, dict) and "clinic" in d)
    config["clinic"] |= {"name": "Riverside", "timezone": "Europe/Berlin"}
    config["clinic"]["crisis_contacts"] = {"en": "Call 112."}
    wai = next(t for t, d in QUESTIONNAIRES if d["key"] == "wai-sr")
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "wai-sr.yaml").write_text(wai, encoding="utf-8")
    (tmp_path / "clinic.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")

    loaded = load_clinic_config(tmp_path / "clinic.yaml")

    assert set(loaded.instruments.by_key) == {"alliance-v1", "session-check", "wai-sr"}
    assert loaded.instruments.of(loaded.clients[0]).key == "alliance-v1"
    assert loaded.instruments.by_key["session-check"].items[2].reverse
