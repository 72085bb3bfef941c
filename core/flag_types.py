"""What a flag rule gives back: the rule, how much it asks of the therapist, its evidence.

Kept apart from ``core/flags.py`` so that rules in other modules (``core/loop_rules.py``)
can build a ``Fired`` without importing the list of rules that includes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from core.baseline import MEAN


class Severity(IntEnum):
    """How much a fired rule asks of the therapist."""

    NOTE = 0  # worth a glance; the client stays "stable"
    CHECK = 1  # check in with the client
    ATTENTION = 2  # needs attention


class Rule(StrEnum):
    """Every rule, in the order a digest lists them within one severity."""

    LOW_ITEM = "low_item"
    LOW_MEAN = "low_mean"
    BASELINE_DROP = "baseline_drop"
    UNREPAIRED_DIP = "unrepaired_dip"
    REPAIR_NOT_YET = "repair_not_yet"
    SHARED_CONCERN = "shared_concern"
    BLIND_SPOT = "blind_spot"
    DECLINE_RUN = "decline_run"
    MISSED = "missed"
    UNREACHABLE = "unreachable"
    UNDELIVERED = "undelivered"
    STOPPED = "stopped"
    LAST_DROP = "last_drop"
    CEILING = "ceiling"


SEVERITY = {
    Rule.LOW_ITEM: Severity.ATTENTION,
    Rule.LOW_MEAN: Severity.ATTENTION,
    Rule.BASELINE_DROP: Severity.ATTENTION,
    Rule.UNREPAIRED_DIP: Severity.ATTENTION,
    Rule.REPAIR_NOT_YET: Severity.ATTENTION,
    Rule.SHARED_CONCERN: Severity.CHECK,
    Rule.BLIND_SPOT: Severity.CHECK,
    Rule.DECLINE_RUN: Severity.CHECK,
    Rule.MISSED: Severity.CHECK,
    Rule.UNREACHABLE: Severity.CHECK,
    Rule.UNDELIVERED: Severity.CHECK,
    Rule.STOPPED: Severity.CHECK,
    Rule.LAST_DROP: Severity.NOTE,
    Rule.CEILING: Severity.NOTE,
}


@dataclass(frozen=True)
class Evidence:
    """One item (or ``MEAN``) behind a rule: its value now, its usual range, a value before
    (for a blind spot: the therapist's estimate)."""

    item: str
    value: float
    usual_low: float | None = None
    usual_high: float | None = None
    before: float | None = None


@dataclass(frozen=True)
class Fired:
    """A rule that fired, with its evidence; ``count`` is a number the reason needs."""

    rule: Rule
    evidence: tuple[Evidence, ...] = ()
    count: int = 0

    @property
    def severity(self) -> Severity:
        """How much this asks of the therapist."""
        return SEVERITY[self.rule]

    @property
    def focus(self) -> str | None:
        """The item whose next step fits best: the lowest one the rule is about."""
        items = [e for e in self.evidence if e.item != MEAN]
        return min(items, key=lambda e: e.value).item if items else None
