"""The therapist's estimate: which sessions to ask about now, and how asks share a message.

Soon after a session ends (``clinic.estimate_after_minutes``), a therapist with estimates
on (``ClinicConfig.estimates``) is asked how they think the client will rate the session
overall, on the scale of the questionnaire the client's check-in asks. The question is
open only while that check-in has not been sent, so every estimate is made before the
client sees the questionnaire. It is asked outside the therapist's quiet hours (those of
their digests and briefs), and not later than ``ASK_WITHIN`` after the session: a guess
about a session days ago says little.

Several estimates due for one therapist go in one message, one block of buttons per client
(the scale's points in rows of at most ``MAX_ROW``, then that client's Skip), within
Telegram's limit of ``MAX_BUTTONS`` buttons a message; more go in further messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.clinic import ClinicConfig, Therapist
from core.clinic_values import QuietHours
from core.questionnaire import DEFAULT_QUESTIONNAIRE, Item, Questionnaire
from core.report_times import timing_for
from core.timing import in_quiet

#: The latest an estimate is asked after its session ended.
ASK_WITHIN = timedelta(days=2)
#: Telegram's limits: buttons in one row of an inline keyboard, and in one message.
MAX_ROW = 8
MAX_BUTTONS = 100
#: Clients in one message at most, so that its text stays well under 4096 characters.
MAX_CLIENTS = 20


class EstimateStatus(StrEnum):
    """The life of one estimate."""

    PENDING = "pending"  # due, not asked yet (or its send failed: asked again next tick)
    ASKING = "asking"  # claimed by a worker for a send; given back if its lease lapses
    OPEN = "open"  # asked; a tap saves it while the client's check-in is unsent
    ANSWERED = "answered"
    SKIPPED = "skipped"
    CLOSED = "closed"  # the client's check-in went out (or closed) first


#: Statuses in which a tap can still save an estimate.
WAITING = frozenset({EstimateStatus.PENDING, EstimateStatus.ASKING, EstimateStatus.OPEN})


@dataclass(frozen=True)
class EstimateTiming:
    """One therapist's estimate settings, as they apply now."""

    enabled: bool
    after: timedelta
    tz: ZoneInfo
    quiet: QuietHours | None


@dataclass(frozen=True)
class EndedSession:
    """A session whose check-in is not sent yet: a candidate for an estimate."""

    checkin_id: int
    therapist_code: str
    client_code: str
    session_end: datetime


@dataclass(frozen=True)
class Estimate:
    """One estimate with what is needed to ask it or show it."""

    id: int
    token: str
    therapist_code: str
    chat_id: int | None  # the therapist's chat
    client_code: str
    session_start: datetime
    questionnaire: str  # the key of the questionnaire the client's check-in asks
    status: EstimateStatus
    value: int | None = None
    asked_at: datetime | None = None


def estimate_timing(config: ClinicConfig, therapist: Therapist) -> EstimateTiming:
    """The therapist's estimate settings: theirs or the clinic's switch, the clinic's
    delay, and the quiet hours of their digests and briefs."""
    reports = timing_for(config, therapist)
    return EstimateTiming(
        enabled=config.estimates(therapist),
        after=timedelta(minutes=config.clinic.estimate_after_minutes),
        tz=reports.tz,
        quiet=reports.quiet,
    )


def estimating(config: ClinicConfig) -> bool:
    """Whether any therapist in the config is asked for estimates."""
    return any(config.estimates(t) for t in config.therapists)


def asking_now(config: ClinicConfig, now: datetime) -> dict[str, EstimateTiming]:
    """The timing of every therapist who can be asked at ``now``: estimates on, and not
    in their quiet hours; by code."""
    timings = {t.code: estimate_timing(config, t) for t in config.therapists}
    return {
        code: t for code, t in timings.items() if t.enabled and not in_quiet(now, t.tz, t.quiet)
    }


def is_due(session_end: datetime, now: datetime, timing: EstimateTiming) -> bool:
    """Whether a session that ended at ``session_end`` is to be asked about at ``now``."""
    if not timing.enabled or in_quiet(now, timing.tz, timing.quiet):
        return False
    return session_end + timing.after <= now < session_end + timing.after + ASK_WITHIN


def due_estimates(
    sessions: Iterable[EndedSession], timings: Mapping[str, EstimateTiming], now: datetime
) -> list[EndedSession]:
    """The sessions to ask about now; a therapist without a timing is not asked."""
    return [
        s
        for s in sessions
        if (timing := timings.get(s.therapist_code)) is not None
        and is_due(s.session_end, now, timing)
    ]


def questionnaire_of(config: ClinicConfig, estimate: Estimate) -> Questionnaire:
    """The questionnaire whose scale an estimate is asked on: the one the client's check-in
    asks (the built-in one if the config no longer has it)."""
    return config.instruments.by_key.get(estimate.questionnaire, DEFAULT_QUESTIONNAIRE)


def overall_item(questionnaire: Questionnaire) -> Item | None:
    """The item the estimate guesses: the questionnaire's first ``overall`` item, if any.

    Without one the estimate still asks for an overall rating on the questionnaire's
    scale (every item shares it)."""
    return next((i for i in questionnaire.items if i.dimension == "overall"), None)


def button_rows(values: Sequence[int]) -> list[list[int]]:
    """The scale's points in as few rows as Telegram allows, as even as they can be."""
    if not values:
        return []
    rows = -(-len(values) // MAX_ROW)
    size = -(-len(values) // rows)
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


def buttons_of(questionnaire: Questionnaire) -> int:
    """Buttons one client's block takes: every point of the scale, and Skip."""
    return len(questionnaire.scale) + 1


def group(
    estimates: Sequence[Estimate], size: Callable[[Estimate], int]
) -> list[tuple[Estimate, ...]]:
    """The messages to ask ``estimates`` in: one therapist's chat and one questionnaire
    each, clients in code order, at most ``MAX_BUTTONS`` buttons (``size`` counts one
    client's) and ``MAX_CLIENTS`` clients a message."""
    by_chat: dict[tuple[str, int | None, str], list[Estimate]] = {}
    for e in sorted(estimates, key=lambda e: (e.therapist_code, e.questionnaire, e.client_code)):
        by_chat.setdefault((e.therapist_code, e.chat_id, e.questionnaire), []).append(e)
    messages: list[tuple[Estimate, ...]] = []
    for chat in by_chat.values():
        current: list[Estimate] = []
        for e in chat:
            used = sum(size(c) for c in current)
            if current and (used + size(e) > MAX_BUTTONS or len(current) >= MAX_CLIENTS):
                messages.append(tuple(current))
                current = []
            current.append(e)
        messages.append(tuple(current))
    return messages
