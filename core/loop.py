"""Closing the loop as the therapist sees it: which repair follow-ups a digest or brief
shows with the client's reply, and the therapist's mean gap between their estimates and
their clients' overall answers.

A concern's follow-up is shown next to it (its latest one); follow-ups after flags are
shown per check-in that asked them: the latest one asked, and those not asked yet. The
mean gap reads the sessions with both numbers over ``GAP_WINDOW``; when they are on scales
of different length it is given in points of the 0-10 reference scale.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.history import EstimatePair, FollowUp, Reply
from core.questionnaire import REFERENCE_MAX, REFERENCE_MIN

#: How far back the digest's mean gap reaches.
GAP_WINDOW = timedelta(weeks=8)


@dataclass(frozen=True)
class FlagFollowUps:
    """The follow-ups after flags that one check-in asked (or that wait to be asked)."""

    rules: tuple[str, ...]
    raised_at: datetime
    reply: Reply
    asked_at: datetime | None


@dataclass(frozen=True)
class Gap:
    """The mean of estimate minus client answer over ``sessions`` sessions; ``reference``:
    on scales of different length, so in points of the 0-10 reference scale."""

    mean: float
    sessions: int
    reference: bool = False


def concern_followups(followups: Iterable[FollowUp]) -> list[FollowUp]:
    """The latest follow-up of each concern, oldest concern first."""
    latest: dict[str, FollowUp] = {}
    for f in sorted(followups, key=lambda f: f.raised_at):
        if f.kind == "concern" and (subject := f.subject) is not None:
            latest[subject] = f
    return sorted(latest.values(), key=lambda f: f.note.written_at if f.note else f.raised_at)


def flag_followups(followups: Iterable[FollowUp]) -> list[FlagFollowUps]:
    """Follow-ups after flags by the check-in that asked them: the latest one asked, then
    those not asked yet, each with the rules they follow up (in the order raised)."""
    groups: dict[datetime | None, list[FollowUp]] = {}
    for f in sorted(followups, key=lambda f: f.raised_at):
        if f.kind == "flag":
            groups.setdefault(f.asked_at, []).append(f)
    asked = sorted(at for at in groups if at is not None)
    shown = [groups[asked[-1]]] if asked else []
    if None in groups:
        shown.append(groups[None])
    return [
        FlagFollowUps(
            rules=tuple(dict.fromkeys(f.rule or "" for f in group)),
            raised_at=group[0].raised_at,
            reply=group[-1].reply,
            asked_at=group[0].asked_at,
        )
        for group in shown
    ]


def in_reference_points(pair: EstimatePair) -> float:
    """A pair's gap in points of the 0-10 reference scale."""
    span = pair.questionnaire.scale_max - pair.questionnaire.scale_min
    return pair.gap * (REFERENCE_MAX - REFERENCE_MIN) / span if span else pair.gap


def mean_gap(pairs: Sequence[EstimatePair], since: datetime, until: datetime) -> Gap | None:
    """The therapist's mean gap over the sessions from ``since`` to ``until``, or None
    without a session with both numbers."""
    inside = [p for p in pairs if since <= p.session_start <= until]
    if not inside:
        return None
    spans = {p.questionnaire.scale_max - p.questionnaire.scale_min for p in inside}
    if len(spans) == 1:
        return Gap(statistics.fmean(p.gap for p in inside), len(inside))
    return Gap(statistics.fmean(in_reference_points(p) for p in inside), len(inside), True)
