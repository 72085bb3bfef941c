"""Questionnaires as data: the items a check-in asks, with keys and alliance dimensions.

The wording of each item lives in ``messages/`` under ``item.<key>.*`` so it can be
translated; here an item is only its key, its dimension and its scale.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One question, answered on the questionnaire's scale or skipped."""

    key: str
    dimension: str


@dataclass(frozen=True)
class Questionnaire:
    """An ordered set of items answered on one integer scale."""

    key: str
    items: tuple[Item, ...]
    scale_min: int = 0
    scale_max: int = 10
    validated: bool = False

    @property
    def scale(self) -> range:
        """Every value a button can carry."""
        return range(self.scale_min, self.scale_max + 1)

    def accepts(self, value: int) -> bool:
        """Whether ``value`` is on the scale."""
        return self.scale_min <= value <= self.scale_max


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
