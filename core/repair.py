"""Repair confirmation: after a concern was discussed or a flag went out, did it land?

A follow-up is raised when a therapist marks a client's shared concern as discussed
(``concern``) or when a digest or brief listing the client under needs attention went out
(``flag``). The client's next check-in then asks one question after its items, answered
Yes (2), Partly (1), Not yet (0) or skipped, and stored as an answer with the item key
``repair``. Several follow-ups waiting for one client are asked as one question; a concern
wins over a flag, since the client knows what they raised. The note behind a concern is
never quoted back to the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from functools import lru_cache

from core.digest import Digest, Report
from core.flags import Severity
from core.questionnaire import REPAIR_KEY, Item, Questionnaire

__all__ = [
    "REPAIR_ITEM",
    "REPAIR_KEY",
    "Followup",
    "FollowupKind",
    "RepairAnswer",
    "asks_repair",
    "attention_flags",
    "collapse",
    "may_attach",
    "with_repair",
]


class FollowupKind(StrEnum):
    """What a follow-up asks about."""

    CONCERN = "concern"  # a shared note the therapist marked as discussed
    FLAG = "flag"  # a needs-attention flag in a digest or brief that went out


@dataclass(frozen=True)
class Followup:
    """One follow-up: what raised it, and the check-in that asks it once one does."""

    id: int
    client_code: str
    kind: FollowupKind
    concern_id: int | None  # the concern, for a ``concern``
    rule: str | None  # the rule that fired, for a ``flag``
    raised_at: datetime
    checkin_id: int | None


class RepairAnswer(IntEnum):
    """The answers to the repair question, as stored (a skip is stored as no value)."""

    NOT_YET = 0
    PARTLY = 1
    YES = 2


#: The repair question as an item: its own three choices, in the order of its buttons.
REPAIR_ITEM = Item(
    REPAIR_KEY,
    "other",
    choices=(RepairAnswer.YES, RepairAnswer.PARTLY, RepairAnswer.NOT_YET),
)


def asks_repair(item: Item | None) -> bool:
    """Whether ``item`` is the repair question."""
    return item is not None and item.key == REPAIR_KEY


@lru_cache(maxsize=256)
def with_repair(questionnaire: Questionnaire, kind: str | None) -> Questionnaire:
    """The questionnaire a check-in asks: its items, then the repair question if ``kind``.

    The version stays the questionnaire's own (``Questionnaire.version`` leaves the repair
    item out), so such a check-in still matches the questionnaire it was planned with.
    """
    if kind is None:
        return questionnaire
    return replace(questionnaire, items=(*questionnaire.items, REPAIR_ITEM))


def collapse(kinds: Iterable[str]) -> FollowupKind | None:
    """The one question several waiting follow-ups make: a concern wins over a flag."""
    found = {FollowupKind(kind) for kind in kinds}
    if not found:
        return None
    return FollowupKind.CONCERN if FollowupKind.CONCERN in found else FollowupKind.FLAG


def may_attach(repair: str | None, unknown_sends: int) -> bool:
    """Whether a check-in about to be sent may take on a follow-up.

    Not when it already asks one (it keeps it on every retry, so every copy reads the
    same), and not when an earlier send's fate is unknown: that copy may have reached the
    client without the question, and its buttons would then lead to a step it never
    showed. The follow-up waits for the client's next check-in instead.
    """
    return repair is None and unknown_sends == 0


def attention_flags(report: Report) -> dict[str, tuple[str, ...]]:
    """The needs-attention rules a digest or brief shows, by client code (only clients
    with at least one)."""
    clients = report.clients if isinstance(report, Digest) else (report.client,)
    flags = {
        client.code: tuple(f.rule.value for f in client.fired if f.severity is Severity.ATTENTION)
        for client in clients
    }
    return {code: rules for code, rules in flags.items() if rules}
