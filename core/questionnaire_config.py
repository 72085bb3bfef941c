"""A clinic's own questionnaire in its config: the models, their checks, and the value.

An entry under ``questionnaires:`` is either written inline or ``{file: path}``, read
relative to the clinic file (so licensed wording can live outside version control); the
loader in ``bot/config`` replaces file entries by their content before validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)

from core.clinic_checks import (
    ConfigIssue,
    Loc,
    QuestionnaireDraft,
    ValueIssuesError,
    questionnaire_key,
)
from core.clinic_checks import questionnaire_issues as check_questionnaires
from core.clinic_values import Language
from core.questionnaire import DEFAULT_QUESTIONNAIRE, MAX_ITEMS, MAX_POINTS, Item, Questionnaire
from core.report_config import FlagSettings
from core.schema_hints import text_schema

if TYPE_CHECKING:
    from core.clinic import Client, ClinicConfig

_QUESTIONNAIRE_KEY = re.compile(r"[a-z0-9-]{1,32}")
_ITEM_KEY = re.compile(r"[a-z0-9_]{1,24}")


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"invalid {what} {value!r}: use {pattern.pattern}")
        return value

    return AfterValidator(check)


QuestionnaireKey = Annotated[
    str,
    _matching(_QUESTIONNAIRE_KEY, "questionnaire key"),
    text_schema("questionnaire key", pattern=f"^{_QUESTIONNAIRE_KEY.pattern}$"),
]
ItemKey = Annotated[
    str,
    _matching(_ITEM_KEY, "item key"),
    text_schema("item key", pattern=f"^{_ITEM_KEY.pattern}$"),
]
_Text = Annotated[str, Field(min_length=1, max_length=300)]
_Short = Annotated[str, Field(min_length=1, max_length=24)]
_Label = Annotated[str, Field(min_length=1, max_length=40)]
_Points = Annotated[
    dict[int, _Label],
    WithJsonSchema(
        {
            "type": "object",
            "description": "labels of points of the scale, such as {1: Not at all, 5: Fully}",
            "propertyNames": {"pattern": "^[0-9]{1,3}$"},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 40},
        }
    ),
]
Title = Annotated[
    dict[Language, Annotated[str, Field(min_length=1, max_length=100)]],
    Field(min_length=1, description="the questionnaire's name, by language"),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ScaleSpec(_Model):
    """The points every item is answered on, and what some of them mean, by language."""

    min: int = Field(ge=0, le=100, strict=True, description="the lowest answer")
    max: int = Field(ge=0, le=100, strict=True, description="the highest; at most 11 points")
    labels: dict[Language, _Points] = Field(
        default_factory=dict, description="by language: any points, at least min and max"
    )

    @model_validator(mode="after")
    def _fits(self) -> ScaleSpec:
        issues: list[ConfigIssue] = []
        points = self.max - self.min + 1
        if self.min >= self.max:
            text = f"scale min ({self.min}) must be below max ({self.max})"
            issues.append(ConfigIssue(("max",), text))
        elif points > MAX_POINTS:
            text = f"a scale has at most {MAX_POINTS} points, {self.min}-{self.max} has {points}"
            issues.append(ConfigIssue(("max",), text))
        if not issues:  # labels only on a scale that is itself right
            issues = [
                ConfigIssue(
                    ("labels", language, point),
                    f"point {point} is outside the scale {self.min}-{self.max}",
                )
                for language, labels in self.labels.items()
                for point in sorted(labels)
                if not self.min <= point <= self.max
            ]
        if issues:
            raise ValueIssuesError(issues)
        return self


class ItemSpec(_Model):
    """One question of a clinic's questionnaire."""

    key: ItemKey
    dimension: Literal["bond", "goals", "tasks", "overall", "other"]
    text: dict[Language, _Text] = Field(min_length=1, description="the question, by language")
    short: dict[Language, _Short] = Field(  # for digests; else the key
        default_factory=dict, description="a short name for digests, by language"
    )
    reverse: bool = Field(  # stored as given, turned before rules and charts
        default=False, strict=True, description="true: a higher answer means worse"
    )


class QuestionnaireSpec(_Model):
    """A questionnaire written in the config (or in a file of its own)."""

    key: QuestionnaireKey
    title: Title
    scale: ScaleSpec
    items: list[ItemSpec] = Field(min_length=1, max_length=MAX_ITEMS, description="in order")
    licence: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="the licence it is used under, shown in exports and /help"
    )
    #: Flag thresholds on this questionnaire's own scale; else the clinic's, scaled from 0-10.
    flags: FlagSettings | None = None

    @model_validator(mode="after")
    def _consistent(self) -> QuestionnaireSpec:
        seen: dict[str, int] = {}
        issues: list[ConfigIssue] = []
        for i, item in enumerate(self.items):
            if item.key in seen:
                text = f"duplicate item key {item.key!r} (already items[{seen[item.key]}])"
                issues.append(ConfigIssue(("items", i, "key"), text))
            if item.key in Item.RESERVED:  # stored or exported under these names already
                text = f"item key {item.key!r} is reserved (repair, note and estimate are)"
                issues.append(ConfigIssue(("items", i, "key"), text))
            seen.setdefault(item.key, i)
        if issues or self.flags is None:
            return _refuse(issues, self)
        # Its own flags are read as written, on its own scale: a level or a distance only
        # fits 0-10 (as the ones left out, which keep their defaults) would flag every answer.
        low, high = self.scale.min, self.scale.max
        flags = self.flags
        written = flags.model_fields_set
        for name, value, top in (
            ("low_item", flags.low_item, high),
            ("low_mean", flags.low_mean, high),
            ("baseline_drop_points", flags.baseline_drop_points, high - low),
            ("last_drop_points", flags.last_drop_points, high - low),
        ):
            if value > top:
                what = f"{value}" if name in written else f"the default {value} (for 0-10)"
                text = f"{what} is beyond this questionnaire's scale {low}-{high}: set it on "
                issues.append(ConfigIssue(("flags", name), text + "that scale"))
        return _refuse(issues, self)

    def questionnaire(self) -> Questionnaire:
        """The questionnaire as the rest of the bot uses it."""
        return Questionnaire(
            key=self.key,
            items=tuple(
                Item(i.key, i.dimension, dict(i.text), dict(i.short), i.reverse) for i in self.items
            ),
            scale_min=self.scale.min,
            scale_max=self.scale.max,
            title=dict(self.title),
            labels={lang: dict(points) for lang, points in self.scale.labels.items()},
            licence=self.licence,
        )

    def missing_wording(self, language: str) -> list[tuple[Loc, str]]:
        """What a client speaking ``language`` would miss: (where, what) for each gap."""
        return Wording(self.title, self.scale, self.items).gaps(language)


def _refuse(issues: list[ConfigIssue], spec: QuestionnaireSpec) -> QuestionnaireSpec:
    if issues:
        raise ValueIssuesError(issues)
    return spec


@dataclass(frozen=True)
class Wording:
    """The parts of a questionnaire a language needs; None where a part did not validate."""

    title: Mapping[str, str] | None
    scale: ScaleSpec | None
    items: Sequence[ItemSpec | None]

    def gaps(self, language: str) -> list[tuple[Loc, str]]:
        """What a client speaking ``language`` would miss: (where, what) for each gap."""
        gaps: list[tuple[Loc, str]] = []
        if self.title is not None and language not in self.title:
            gaps.append((("title",), f"no title in {language!r}"))
        if self.scale is not None:
            labels = self.scale.labels.get(language, {})
            for end in (self.scale.min, self.scale.max):
                if end not in labels:
                    text = f"no {language!r} label for point {end}"
                    gaps.append((("scale", "labels", language), text))
        for i, item in enumerate(self.items):
            if item is not None and language not in item.text:
                gaps.append((("items", i, "text"), f"no {language!r} text for {item.key!r}"))
            if item is not None and item.short and language not in item.short:
                text = f"no {language!r} short name for {item.key!r}"
                gaps.append((("items", i, "short"), text))
        return gaps


class QuestionnaireFile(_Model):
    """A questionnaire kept in a file of its own, relative to the clinic file."""

    file: Annotated[str, Field(min_length=1, max_length=500)] = Field(
        description="a questionnaire file, relative to the clinic file"
    )


def _entry_kind(value: Any) -> str:
    is_file = isinstance(value, dict | QuestionnaireFile) and (
        isinstance(value, QuestionnaireFile) or "file" in value
    )
    return "file" if is_file else "inline"


QuestionnaireEntry = Annotated[
    Annotated[QuestionnaireSpec, Tag("inline")] | Annotated[QuestionnaireFile, Tag("file")],
    Discriminator(_entry_kind),
]


class Instruments:
    """The questionnaires of a config by key (the built-in one included), and whose is whose.

    A client answers their own ``questionnaire`` if set, else their therapist's, else the
    clinic's, else the built-in ``alliance-v1``.
    """

    def __init__(self, config: ClinicConfig) -> None:
        specs = [e for e in config.questionnaires if isinstance(e, QuestionnaireSpec)]
        self.specs = {spec.key: spec for spec in specs}
        self.by_key = {DEFAULT_QUESTIONNAIRE.key: DEFAULT_QUESTIONNAIRE} | {
            key: spec.questionnaire() for key, spec in self.specs.items()
        }
        self._config = config

    def key_of(self, client: Client) -> str:
        """The key of the questionnaire this client answers."""
        config = self._config
        return questionnaire_key(client, config.therapist(client.therapist), config.clinic)

    def of(self, client: Client) -> Questionnaire:
        """The questionnaire this client answers (the built-in one for an unknown key)."""
        return self.by_key.get(self.key_of(client), DEFAULT_QUESTIONNAIRE)

    def flags_for(self, questionnaire: Questionnaire) -> FlagSettings | None:
        """The thresholds a questionnaire sets on its own scale, if it sets any."""
        spec = self.specs.get(questionnaire.key)
        return spec.flags if spec is not None else None


def questionnaire_issues(config: ClinicConfig) -> list[ConfigIssue]:
    """Unknown, duplicate and unread questionnaires, and wording a client would miss."""
    entries = [draft_of(entry) for entry in config.questionnaires]
    return check_questionnaires(config.clinic, config.therapists, config.clients, entries)


def draft_of(entry: QuestionnaireSpec | QuestionnaireFile) -> QuestionnaireDraft:
    """What the checks need of a valid entry."""
    if isinstance(entry, QuestionnaireFile):
        return QuestionnaireDraft(None, unread=entry.file)
    return QuestionnaireDraft(entry.key, entry.missing_wording)
