"""A clinic's own questionnaire in its config: the models, their checks, and the value.

An entry under ``questionnaires:`` is either written inline or ``{file: path}``, read
relative to the clinic file (so licensed wording can live outside version control); the
loader in ``bot/config`` replaces file entries by their content before validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from core.clinic_checks import ConfigIssue, Loc
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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ScaleSpec(_Model):
    """The points every item is answered on, and what some of them mean, by language."""

    min: int = Field(ge=0, le=100, strict=True)
    max: int = Field(ge=0, le=100, strict=True)
    labels: dict[Language, dict[int, _Label]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fits(self) -> ScaleSpec:
        if self.min >= self.max:
            raise ValueError(f"scale min ({self.min}) must be below max ({self.max})")
        points = self.max - self.min + 1
        if points > MAX_POINTS:
            raise ValueError(f"a scale has at most {MAX_POINTS} points, this one {points}")
        for language, labels in self.labels.items():
            outside = sorted(p for p in labels if not self.min <= p <= self.max)
            if outside:
                raise ValueError(
                    f"labels.{language}: point {outside[0]} is outside the scale "
                    f"{self.min}-{self.max}"
                )
        return self


class ItemSpec(_Model):
    """One question of a clinic's questionnaire."""

    key: ItemKey
    dimension: Literal["bond", "goals", "tasks", "overall", "other"]
    text: dict[Language, _Text] = Field(min_length=1)
    short: dict[Language, _Short] = Field(default_factory=dict)  # for digests; else the key
    reverse: bool = Field(default=False, strict=True)  # true: a higher answer means worse


class QuestionnaireSpec(_Model):
    """A questionnaire written in the config (or in a file of its own)."""

    key: QuestionnaireKey
    title: dict[Language, Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=1)
    scale: ScaleSpec
    items: list[ItemSpec] = Field(min_length=1, max_length=MAX_ITEMS)
    licence: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    #: Flag thresholds on this questionnaire's own scale; else the clinic's, scaled from 0-10.
    flags: FlagSettings | None = None

    @model_validator(mode="after")
    def _unique_items(self) -> QuestionnaireSpec:
        seen: set[str] = set()
        for item in self.items:
            if item.key in seen:
                raise ValueError(f"duplicate item key {item.key!r}")
            seen.add(item.key)
        return self

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

    def missing_wording(self, language: str) -> list[tuple[tuple[str | int, ...], str]]:
        """What a client speaking ``language`` would miss: (where, what) for each gap."""
        gaps: list[tuple[tuple[str | int, ...], str]] = []
        if language not in self.title:
            gaps.append((("title",), f"no title in {language!r}"))
        labels = self.scale.labels.get(language, {})
        for end in (self.scale.min, self.scale.max):
            if end not in labels:
                gaps.append((("scale", "labels"), f"no {language!r} label for point {end}"))
        for i, item in enumerate(self.items):
            if language not in item.text:
                gaps.append((("items", i, "text"), f"no {language!r} text for {item.key!r}"))
            if item.short and language not in item.short:
                text = f"no {language!r} short name for {item.key!r}"
                gaps.append((("items", i, "short"), text))
        return gaps


class QuestionnaireFile(_Model):
    """A questionnaire kept in a file of its own, relative to the clinic file."""

    file: Annotated[str, Field(min_length=1, max_length=500)]


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
        if client.questionnaire:
            return client.questionnaire
        therapist = self._config.therapist(client.therapist)
        if therapist is not None and therapist.questionnaire:
            return therapist.questionnaire
        return self._config.clinic.questionnaire or DEFAULT_QUESTIONNAIRE.key

    def of(self, client: Client) -> Questionnaire:
        """The questionnaire this client answers (the built-in one for an unknown key)."""
        return self.by_key.get(self.key_of(client), DEFAULT_QUESTIONNAIRE)

    def flags_for(self, questionnaire: Questionnaire) -> FlagSettings | None:
        """The thresholds a questionnaire sets on its own scale, if it sets any."""
        spec = self.specs.get(questionnaire.key)
        return spec.flags if spec is not None else None


def questionnaire_issues(config: ClinicConfig) -> list[ConfigIssue]:
    """Unknown, duplicate and unread questionnaires, and wording a client would miss."""
    issues: list[ConfigIssue] = []
    where: dict[str, int] = {}
    for i, entry in enumerate(config.questionnaires):
        if isinstance(entry, QuestionnaireFile):
            text = f"{entry.file!r} was not read: load the config with the alliance loader"
            issues.append(ConfigIssue(("questionnaires", i, "file"), text))
        elif entry.key == DEFAULT_QUESTIONNAIRE.key or entry.key in where:
            text = f"duplicate questionnaire key {entry.key!r}"
            issues.append(ConfigIssue(("questionnaires", i, "key"), text))
        else:
            where[entry.key] = i
    known = ", ".join([DEFAULT_QUESTIONNAIRE.key, *where])
    refs: list[tuple[Loc, str | None]] = [
        (("clinic", "questionnaire"), config.clinic.questionnaire)
    ]
    refs += [
        (("therapists", i, "questionnaire"), t.questionnaire)
        for i, t in enumerate(config.therapists)
    ]
    refs += [
        (("clients", i, "questionnaire"), c.questionnaire) for i, c in enumerate(config.clients)
    ]
    for loc, key in refs:
        if key is not None and key != DEFAULT_QUESTIONNAIRE.key and key not in where:
            issues.append(ConfigIssue(loc, f"unknown questionnaire {key!r} (known: {known})"))
    if not issues:
        issues += _missing_wording(config, where)
    return issues


def _missing_wording(config: ClinicConfig, where: Mapping[str, int]) -> list[ConfigIssue]:
    """Gaps in the wording of each questionnaire for each language its clients speak.

    Digests and exports are in the clinic's language, so it is always needed too.
    """
    instruments = Instruments(config)
    needed: dict[str, dict[str, str]] = {}  # key -> language -> first client who speaks it
    for client in config.clients:
        key = instruments.key_of(client)
        if key in where:
            language = config.client_language(client)
            needed.setdefault(key, {config.clinic.language: "the clinic"}).setdefault(
                language, f"client {client.code}"
            )
    issues = []
    for key, languages in needed.items():
        spec = instruments.specs[key]
        for language, who in languages.items():
            for loc, gap in spec.missing_wording(language):
                text = f"{gap} ({who} uses {key!r} in {language!r})"
                issues.append(ConfigIssue(("questionnaires", where[key], *loc), text))
    return issues
