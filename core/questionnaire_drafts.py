"""What the config checks can use of a questionnaire entry that does not validate.

So that a config with an invalid questionnaire still has its other problems found: the
clients using it, and the wording of the parts of it that are valid (``bot.config.problems``
runs the checks on such partial data).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from core.clinic_checks import QuestionnaireDraft
from core.questionnaire_config import (
    ItemSpec,
    QuestionnaireEntry,
    QuestionnaireFile,
    QuestionnaireKey,
    QuestionnaireSpec,
    ScaleSpec,
    Title,
    Wording,
    draft_of,
)

_T = TypeVar("_T")

_ENTRY: TypeAdapter[QuestionnaireSpec | QuestionnaireFile] = TypeAdapter(QuestionnaireEntry)
_KEY: TypeAdapter[str] = TypeAdapter(QuestionnaireKey)
_TITLE: TypeAdapter[dict[str, str]] = TypeAdapter(Title)
_SCALE = TypeAdapter(ScaleSpec)
_ITEM = TypeAdapter(ItemSpec)


def draft(value: Any) -> QuestionnaireDraft | None:
    """What the checks can use of an entry as written, valid or not (None: nothing)."""
    entry = _valid(_ENTRY, value)
    if entry is not None:
        return draft_of(entry)
    if not isinstance(value, dict) or "file" in value:
        return None
    key = _valid(_KEY, value.get("key"))
    if key is None:
        return None
    items = value.get("items")
    wording = Wording(
        _valid(_TITLE, value.get("title")),
        _valid(_SCALE, value.get("scale")),
        [_valid(_ITEM, item) for item in items] if isinstance(items, list) else [],
    )
    return QuestionnaireDraft(key, wording.gaps)


def _valid(adapter: TypeAdapter[_T], value: Any) -> _T | None:
    """``value`` validated, or None if it is not valid."""
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None
