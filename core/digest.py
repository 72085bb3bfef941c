"""Digest and brief content as data: who needs attention, why, and what the client said.

``messages/`` turns these into text; nothing here knows about wording or Telegram. Each
client carries their repair follow-ups and the sessions with both the therapist's
estimate and their own overall answer; a digest shows the pairs of its week, a brief those
of the sessions since the last one, and the digest's footer the mean gap (``core/loop.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from core.baseline import Baseline, usual_range
from core.flags import Fired, OwnFlags, Rule, Severity, evaluate, limits_for, no_own_flags
from core.history import (
    CheckinPoint,
    ClientHistory,
    EstimatePair,
    FollowUp,
    InstrumentRun,
    SharedNote,
)
from core.loop import GAP_WINDOW, Gap, mean_gap
from core.questionnaire import Questionnaire
from core.report_config import FlagSettings

#: Statuses of clients who have not started taking part; they are left out of the rate.
NOT_STARTED = frozenset({"not_enrolled", "awaiting_consent"})
#: How far back "this week" reaches.
WEEK = timedelta(days=7)


class Category(StrEnum):
    """Where a client is listed, most urgent first."""

    ATTENTION = "attention"
    CHECK = "check"
    STABLE = "stable"


_CATEGORY = {
    Severity.ATTENTION: Category.ATTENTION,
    Severity.CHECK: Category.CHECK,
    Severity.NOTE: Category.STABLE,
}
_ORDER = {Category.ATTENTION: 0, Category.CHECK: 1, Category.STABLE: 2}


@dataclass(frozen=True)
class ClientSummary:
    """One client as a therapist sees them in a digest or brief.

    ``points`` are the check-ins on the client's current ``questionnaire``; ``earlier``
    holds the runs on the instruments before it, shown as history only. ``followups`` are
    the client's repair follow-ups read, ``estimates`` the sessions with both the
    therapist's estimate and the client's overall answer (``ClientHistory``).
    """

    code: str
    status: str
    category: Category
    fired: tuple[Fired, ...]
    latest: CheckinPoint | None
    usual: dict[str, Baseline]
    concerns: tuple[SharedNote, ...]
    missed: int
    points: tuple[CheckinPoint, ...]
    questionnaire: Questionnaire
    earlier: tuple[InstrumentRun, ...] = ()
    followups: tuple[FollowUp, ...] = ()
    estimates: tuple[EstimatePair, ...] = ()

    @property
    def item_keys(self) -> tuple[str, ...]:
        """The current questionnaire's item keys, in its order."""
        return tuple(item.key for item in self.questionnaire.items)

    @property
    def every_point(self) -> tuple[CheckinPoint, ...]:
        """Every check-in read, whatever its instrument, oldest first."""
        return (*(p for run in self.earlier for p in run.points), *self.points)

    @property
    def switched_at(self) -> datetime | None:
        """When the current instrument's first check-in was, if an earlier one is read."""
        return self.points[0].session_start if self.earlier and self.points else None

    @property
    def started(self) -> bool:
        """Whether the client takes part (or took part) in check-ins."""
        return bool(self.every_point) or self.status not in NOT_STARTED


def _named_once(fired: Sequence[Fired]) -> tuple[Fired, ...]:
    """Name each item once: as low if it is low, else as below usual, else as lower than
    last time; a rule left with no item to name is dropped."""
    named: set[str] = set()
    kept = []
    for rule in fired:
        if rule.rule in _ITEM_RULES and rule.evidence:
            evidence = tuple(e for e in rule.evidence if e.item not in named)
            named |= {e.item for e in rule.evidence}
            if not evidence:
                continue
            rule = replace(rule, evidence=evidence)
        kept.append(rule)
    return tuple(kept)


_ITEM_RULES = (Rule.LOW_ITEM, Rule.LOW_MEAN, Rule.BASELINE_DROP, Rule.LAST_DROP)


def summarize(
    history: ClientHistory, settings: FlagSettings, own: OwnFlags = no_own_flags
) -> ClientSummary:
    """Fire the rules for one client and gather what a digest shows about them.

    ``own`` gives a questionnaire's own thresholds, if it has any; else ``settings`` are
    scaled to the client's instrument.
    """
    limits = limits_for(history, settings, own)
    fired = _named_once(evaluate(history, limits))
    worst = max((f.severity for f in fired), default=Severity.NOTE)
    answered = history.answered
    usual = {
        key: found
        for key in history.item_keys
        if (found := usual_range(history, key, limits)) is not None
    }
    return ClientSummary(
        code=history.code,
        status=history.status,
        category=_CATEGORY[worst],
        fired=fired,
        latest=answered[-1] if answered else None,
        usual=usual,
        concerns=tuple(history.open_concerns),
        missed=sum(1 for p in history.every_point if p.missed),
        points=tuple(history.points),
        questionnaire=history.questionnaire,
        earlier=tuple(history.earlier),
        followups=tuple(history.followups),
        estimates=tuple(history.estimates),
    )


@dataclass(frozen=True)
class Digest:
    """A therapist's digest: their own clients only, most urgent first."""

    therapist_code: str
    made_at: datetime
    clients: tuple[ClientSummary, ...]

    @property
    def period_start(self) -> datetime:
        """The start of the week the digest covers."""
        return self.made_at - WEEK

    def count(self, category: Category) -> int:
        """How many clients are listed under ``category``."""
        return sum(1 for c in self.clients if c.category is category)

    @property
    def taking_part(self) -> int:
        """Clients who have started check-ins: the base of the firing rate."""
        return sum(1 for c in self.clients if c.started)

    @property
    def flagged_share(self) -> float | None:
        """Share of clients taking part who need attention; None when nobody takes part."""
        base = self.taking_part
        return self.count(Category.ATTENTION) / base if base else None

    def estimates_of(self, client: ClientSummary) -> tuple[EstimatePair, ...]:
        """The client's sessions with both numbers whose answer came this week (the
        session's start when the time of the answer is unknown)."""
        return tuple(
            p
            for p in client.estimates
            if self.period_start <= (p.answered_at or p.session_start) <= self.made_at
        )

    @property
    def gap(self) -> Gap | None:
        """The therapist's mean gap (estimate minus client) over ``GAP_WINDOW``."""
        pairs = [p for c in self.clients for p in c.estimates]
        return mean_gap(pairs, self.made_at - GAP_WINDOW, self.made_at)

    def has_more(self, client: ClientSummary) -> bool:
        """Whether a stable client has news beyond their answers and notes such as "lower
        than last time": a reply to a follow-up, an estimate of this week, a switch of
        questionnaire."""
        return bool(client.followups or self.estimates_of(client) or client.switched_at)

    @property
    def by_priority(self) -> tuple[ClientSummary, ...]:
        """The clients who may be shown in full, in the order they keep that place when a
        digest is short of room: needs attention, then check in (those with an open concern
        first, each), then stable clients with more to show (``has_more``). The other
        stable clients are always listed in short."""
        shown = [c for c in self.clients if c.category is not Category.STABLE or self.has_more(c)]
        return tuple(sorted(shown, key=lambda c: (_ORDER[c.category], not c.concerns)))

    @property
    def charted(self) -> tuple[ClientSummary, ...]:
        """Clients flagged (attention or check in) with answers to draw."""
        return tuple(
            c for c in self.clients if c.category is not Category.STABLE and c.latest is not None
        )


def build_digest(
    therapist_code: str,
    histories: Sequence[ClientHistory],
    settings: FlagSettings,
    now: datetime,
    own: OwnFlags = no_own_flags,
) -> Digest:
    """The digest of ``histories``, which must all be this therapist's clients."""
    summaries = sorted(
        (summarize(h, settings, own) for h in histories),
        key=lambda c: (_ORDER[c.category], c.code.casefold()),
    )
    return Digest(therapist_code, now, tuple(summaries))


@dataclass(frozen=True)
class Brief:
    """What a therapist should know shortly before a session with one client."""

    therapist_code: str
    session_start: datetime
    client: ClientSummary
    since: datetime | None  # start of the session before this one, if there was one

    @property
    def new_points(self) -> tuple[CheckinPoint, ...]:
        """Check-ins of sessions since the last one (all of them when there was none)."""
        since = self.since
        return tuple(
            p
            for p in self.client.every_point
            if (since is None or p.session_start >= since) and p.session_start < self.session_start
        )

    @property
    def new_estimates(self) -> tuple[EstimatePair, ...]:
        """The sessions since the last one with both the estimate and the client's answer."""
        new = {p.session_start for p in self.new_points}
        return tuple(p for p in self.client.estimates if p.session_start in new)


def build_brief(
    therapist_code: str,
    history: ClientHistory,
    settings: FlagSettings,
    session_start: datetime,
    since: datetime | None,
    own: OwnFlags = no_own_flags,
) -> Brief:
    """The brief before the session at ``session_start``."""
    return Brief(therapist_code, session_start, summarize(history, settings, own), since)


Report = Digest | Brief
