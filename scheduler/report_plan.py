"""The report plan: every therapist's digest timing and the briefs of the coming day,
worked out once per config and day rather than on every tick."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clinic import ClinicConfig
from core.report_times import ReportTiming, brief_time, timing_for
from core.schedule import session_starts
from scheduler.planning import pattern_of


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
