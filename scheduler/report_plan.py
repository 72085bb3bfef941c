"""The report plan: every therapist's digest timing and the briefs of the coming day,
worked out once per config and day rather than on every tick, and recording from it the
digests and briefs that are due."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.clinic import ClinicConfig
from core.report_times import (
    ReportTiming,
    brief_period_key,
    brief_time,
    digest_period_key,
    latest_digest_slot,
    timing_for,
)
from core.schedule import session_starts
from scheduler.planning import pattern_of
from storage.deliveries import Deliveries, Kind
from storage.history import Histories


@dataclass(frozen=True)
class Upcoming:
    """One session's brief: when it is sent, the session, its client and therapist."""

    at: datetime
    session_start: datetime
    client_code: str
    therapist_code: str


@dataclass(frozen=True)
class ReportPlan:
    """What one config says about reports, worked out once rather than on every tick.

    The therapists with their digest timing, and the brief of every session starting in
    ``[start, end)`` sorted by brief time: computing sessions is the costly part (every
    client's pattern), and it depends on the config and the day only.
    """

    config: ClinicConfig
    start: datetime
    end: datetime
    timings: dict[str, ReportTiming]
    briefs: list[Upcoming]
    brief_times: list[datetime]  # ``briefs``' times, for bisecting
    earliest: timedelta  # the longest a brief comes before its session
    # Briefs found recorded (by this bot or another worker): later ticks skip them rather
    # than read the hour's deliveries again.
    settled: set[Upcoming] = field(default_factory=set, compare=False)

    @classmethod
    def build(cls, config: ClinicConfig, start: datetime) -> ReportPlan:
        """The plan for sessions from ``start`` to a day after the look-ahead of a tick."""
        timings = {t.code: timing_for(config, t) for t in config.therapists}
        end = start + _look_ahead(config) + PLAN_REUSED_FOR
        briefs = []
        if config.digests.briefs:
            for client in config.clients:
                timing = timings.get(client.therapist)
                if timing is None:
                    continue
                for session in session_starts(pattern_of(config, client), start, end):
                    at = brief_time(session, timing)
                    briefs.append(Upcoming(at, session, client.code, client.therapist))
        briefs.sort(key=lambda b: (b.at, b.session_start, b.client_code))
        earliest = max((b.session_start - b.at for b in briefs), default=timedelta(0))
        return cls(config, start, end, timings, briefs, [b.at for b in briefs], earliest)

    def serves(self, config: ClinicConfig, now: datetime) -> bool:
        """Whether this plan holds every session a tick at ``now`` looks at."""
        return config is self.config and self.start <= now and now + _look_ahead(config) <= self.end

    def briefs_due(self, now: datetime) -> list[Upcoming]:
        """Briefs whose time has come and whose session has not started, within the look-ahead
        of a tick at ``now`` (sessions starting before ``now`` plus a day and the lead)."""
        ahead = now + _look_ahead(self.config)
        first = bisect_left(self.brief_times, now - self.earliest)
        last = bisect_right(self.brief_times, now)
        return [b for b in self.briefs[first:last] if now < b.session_start < ahead]


_WEEK = timedelta(days=7)
#: A report plan is rebuilt when the config changes, or a day after it was built.
PLAN_REUSED_FOR = timedelta(days=1)


def _look_ahead(config: ClinicConfig) -> timedelta:
    """How far ahead of now a tick looks for sessions to brief about."""
    return timedelta(minutes=config.digests.brief_minutes_before, days=1)


class ReportPlans:
    """The report plans of one running bot, kept between ticks (its services own them).

    Building one takes seconds at a large clinic (every client's sessions), so the bot
    builds them ahead in a worker thread (``prepare``): for a reloaded config before it is
    used, and for the next day half a day early. The tick then finds a plan that serves.
    The plan of the config in use is kept while the next one is prepared.
    """

    def __init__(self) -> None:
        self._plans: tuple[ReportPlan, ...] = ()

    def plan(self, config: ClinicConfig, now: datetime) -> ReportPlan:
        """The plan for ``config`` at ``now``, built here only when none prepared serves."""
        for plan in self._plans:
            if plan.serves(config, now):
                return plan
        return self._keep(ReportPlan.build(config, now))

    def prepare(self, config: ClinicConfig, now: datetime) -> None:
        """Build the plan for ``config`` now, unless one serves it for half a day more."""
        if not any(p.serves(config, now + PLAN_REUSED_FOR / 2) for p in self._plans):
            self._keep(ReportPlan.build(config, now))

    def _keep(self, plan: ReportPlan) -> ReportPlan:
        # The newest two: the config in use and the one about to replace it.
        self._plans = (plan, *self._plans[:1])
        return plan


def record_due(
    config: ClinicConfig,
    deliveries: Deliveries,
    histories: Histories,
    now: datetime,
    plans: ReportPlans,
) -> None:
    """Record the latest digest of each enrolled therapist and every brief now due.

    A handful of queries whatever the clinic's size: the database finds the digests not
    recorded yet (one query per digest timing), the deliveries already recorded are read in
    one query for the briefs due, and only the missing ones are inserted; later ticks skip
    those (``ReportPlan.settled``) but look again at briefs of people not enrolled yet.
    """
    plan = plans.plan(config, now)
    by_timing: dict[ReportTiming, list[str]] = {}
    for code, timing in plan.timings.items():
        by_timing.setdefault(timing, []).append(code)
    digests = []
    for timing, codes in by_timing.items():
        slot = latest_digest_slot(timing, now)
        key = digest_period_key(timing, slot)
        # nothing from before the therapist enrolled
        digests += [(code, key, slot) for code in deliveries.digests_missing(key, slot, codes)]
    for code, key, slot in sorted(digests):
        deliveries.ensure(Kind.DIGEST, code, key, slot, slot + _WEEK)
    due = [b for b in plan.briefs_due(now) if b not in plan.settled]
    if not due:
        return
    enrolled = {t.code for t in deliveries.enrolled_therapists()}
    due = [b for b in due if b.therapist_code in enrolled]
    if not due:
        return
    linked = histories.linked_clients([b.client_code for b in due])
    due = [b for b in due if linked.get(b.client_code) == b.therapist_code]
    keys = [(b.therapist_code, brief_period_key(b.client_code, b.session_start)) for b in due]
    known = deliveries.recorded(Kind.BRIEF, keys)
    plan.settled.update(due)
    for brief, (code, key) in zip(due, keys, strict=True):
        if (code, key) not in known:
            deliveries.ensure(
                Kind.BRIEF,
                code,
                key,
                brief.at,
                brief.session_start,
                client_code=brief.client_code,
                session_start=brief.session_start,
            )
