"""Questionnaires as data: the items a check-in asks, their scale, and (for a clinic's own
instrument) their wording in each language.

The built-in questionnaire's wording lives in ``messages/`` under ``item.<key>.*`` so it can
be translated with the rest of the bot; a clinic's instrument brings its wording in its
config (``texts``), because licensed wording cannot ship with the project.

Every check-in records the questionnaire's key and *version*, a hash of its items and scale:
any change to wording, order, scale or labels makes a new version, and answers of different
versions are never compared with each other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

#: The alliance dimensions an item can measure (Bordin), ``other`` for anything else.
DIMENSIONS = ("bond", "goals", "tasks", "overall", "other")
#: Most points a scale may have (0-10), and most items a questionnaire may ask.
MAX_POINTS = 11
MAX_ITEMS = 12
#: The scale flag thresholds are written on.
REFERENCE_MIN, REFERENCE_MAX = 0, 10
#: The item key of the repair follow-up a check-in may ask after its items (``core/repair.py``):
#: never a questionnaire's own item, left out of its version and of every flag rule.
REPAIR_KEY = "repair"


@dataclass(frozen=True)
class Item:
    """One question, answered on the questionnaire's scale or skipped.

    ``text`` and ``short`` hold the wording by language for a clinic's instrument; both are
    empty for the built-in items, whose wording is in the message catalog. A ``reverse``
    item is one where a higher answer means worse: it is stored as given and turned before
    any flag rule, baseline or chart sees it. ``choices`` are the values an item's buttons
    carry when they are not the questionnaire's scale (the repair follow-up's 2, 1, 0).
    """

    #: Keys no questionnaire's own item may use: the repair answer is stored under one, and
    #: exports name notes and estimates with the others (a CSV item_key, a FHIR linkId).
    RESERVED: ClassVar[frozenset[str]] = frozenset({REPAIR_KEY, "note", "estimate"})

    key: str
    dimension: str
    text: Mapping[str, str] = field(default_factory=dict, hash=False)
    short: Mapping[str, str] = field(default_factory=dict, hash=False)
    reverse: bool = False
    choices: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Questionnaire:
    """An ordered set of items answered on one integer scale."""

    key: str
    items: tuple[Item, ...]
    scale_min: int = 0
    scale_max: int = 10
    validated: bool = False
    #: Title by language (a clinic's instrument); the built-in one's is in the catalog.
    title: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: Labels of scale points by language: any subset of points, always both ends.
    labels: Mapping[str, Mapping[int, str]] = field(default_factory=dict, hash=False)
    licence: str | None = None

    @property
    def scale(self) -> range:
        """Every value a button can carry."""
        return range(self.scale_min, self.scale_max + 1)

    @property
    def builtin(self) -> bool:
        """Whether this is the project's own questionnaire, worded in the message catalog."""
        return not self.title

    def accepts(self, value: int, item: Item | None = None) -> bool:
        """Whether ``value`` is one of ``item``'s own choices, or else on the scale."""
        if item is not None and item.choices is not None:
            return value in item.choices
        return self.scale_min <= value <= self.scale_max

    @cached_property
    def version(self) -> str:
        """A short hash of everything a client sees and answers: items, wording and scale.

        The repair follow-up a check-in may add is not part of the questionnaire: it leaves
        the version as it is, so a check-in that asks it still matches the one planned.
        """
        content = {
            "items": [
                [i.key, i.dimension, dict(sorted(i.text.items())), i.reverse]
                for i in self.items
                if i.key != REPAIR_KEY
            ],
            "scale": [self.scale_min, self.scale_max],
            "labels": {lang: sorted(points.items()) for lang, points in self.labels.items()},
        }
        encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()[:12]

    def turned(self, item: Item, value: int) -> int:
        """``value`` as the rules read it: a reverse item's answer mirrored on the scale."""
        return self.scale_min + self.scale_max - value if item.reverse else value

    def from_reference(self, points: float) -> float:
        """A distance written on the 0-10 reference scale, in this scale's points."""
        return points * (self.scale_max - self.scale_min) / (REFERENCE_MAX - REFERENCE_MIN)

    def at_reference(self, level: float) -> float:
        """A level written on the 0-10 reference scale, as a value on this scale."""
        return self.scale_min + self.from_reference(level - REFERENCE_MIN)


#: The project's own items on Bordin's alliance dimensions. Not a validated instrument:
#: the wording is original so that it can ship under an open licence.
DEFAULT_QUESTIONNAIRE = Questionnaire(
    key="alliance-v1",
    items=(
        Item("bond", "bond"),
        Item("goals", "goals"),
        Item("tasks", "tasks"),
        Item("overall", "overall"),
    ),
)
